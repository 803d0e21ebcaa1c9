//! `am switch` to other machines, for real: bundles built here with
//! `nix-build`, copied over ssh into each machine's own Nix store, and
//! activated there by sshd's session; then the machine's files, state and
//! the exit code are checked. The machines are network and mount
//! namespaces on this one (`am_tests::remote` says what each has of its
//! own); what they share with it is `/usr` and `/tmp`, never the store.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use am_tests::engine::{Module, build_bundles, nix_str};
use am_tests::remote::{DEPLOY_UID, DEPLOY_USER, Lab, Machine};
use am_tests::{assert_exit, have_nix, stderr, stdout};

/// Nix as the tests run it elsewhere: the new command line on, so that
/// `am switch` copies with `nix copy`.
const NIX_COMMAND: &str = "experimental-features = nix-command flakes\nsubstituters =\n";
/// Nix 2.8 as installed, without the new command line: `am switch` copies
/// with `nix-copy-closure`.
const NIX_LEGACY: &str = "experimental-features =\nsubstituters =\n";

fn all_output(output: &std::process::Output) -> String {
    format!("{}{}", stdout(output), stderr(output))
}

/// A lab of `count` machines, or `None` when Nix or what the lab needs is
/// missing (the test is then skipped, or fails under `AM_REQUIRE_ALL=1`).
fn lab(label: &str, count: usize) -> Option<Lab> {
    if have_nix() { Lab::start(label, count) } else { None }
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn a_home_bundle_is_copied_and_activated_as_the_ssh_user() {
    let Some(lab) = lab("remote-home", 1) else { return };
    let machine = lab.machine(0);
    let module = Module::new().file(".config/greeting", "hello from the deploying machine\n");
    let bundle = &build_bundles(&lab.dir().join("build"), &[module])[0];
    let host = machine.host(DEPLOY_USER);
    let out_link = arg(&bundle.out_link);
    assert!(!machine.has_store_path(&bundle.store_path), "the machine's store is its own");

    // A dry run copies the bundle (the dry run runs there) and changes nothing.
    let dry = lab.am(&["switch", &out_link, "--target-host", &host, "--dry-run"], NIX_COMMAND);
    assert_exit(&dry, 0, "a dry run over ssh");
    let text = all_output(&dry);
    let store_path = arg(&bundle.store_path);
    let step = format!("copying {store_path} to {host}\n    nix copy --to ssh://{host}");
    assert!(text.contains(&step), "the copy is not said, or not with nix copy:\n{text}");
    assert!(text.contains("would activate"), "the remote report is shown:\n{text}");
    assert!(text.contains(".config/greeting"), "{text}");
    assert!(machine.has_store_path(&bundle.store_path), "the bundle was not copied:\n{text}");
    assert!(!machine.path("/home/deploy/.config").exists(), "a dry run changed the home");

    // In a script's loop over its input, as a fleet is often driven: ssh
    // must not read away the lines meant for the loop. The second switch
    // finds everything in place.
    let script = format!(
        "printf '1\\n2\\n' | while read n; do \
         \"$AM\" switch {out_link} --target-host {host} || exit; echo \"switch $n done\"; done"
    );
    let real = lab.shell(&script, NIX_COMMAND);
    assert_exit(&real, 0, "a switch over ssh");
    assert!(
        stdout(&real).contains("switch 2 done"),
        "ssh read the loop's input:\n{}",
        stdout(&real)
    );
    assert!(all_output(&real).contains("activated"), "{}", all_output(&real));

    // What the machine itself sees: the file, through its links into the
    // bundle in its own store, and the generation, in the ssh user's home.
    let seen = lab.on(
        machine,
        DEPLOY_USER,
        "cat ~/.config/greeting && ls ~/.local/state/activation-manager/generations",
    );
    assert_exit(&seen, 0, "reading the home on the machine");
    assert_eq!(stdout(&seen), "hello from the deploying machine\n1\n");
    let link = machine.path("/home/deploy/.config/greeting");
    let owner = link.symlink_metadata().expect("the link is there").uid();
    assert_eq!(owner, DEPLOY_UID, "the activation ran as another user than the ssh user");
    let root = "/home/deploy/.local/state/activation-manager/gcroots/1";
    let target = std::fs::read_link(machine.path(root)).expect("the generation's GC root");
    assert_eq!(target, bundle.store_path);
    assert!(is_gc_root(machine, root), "the GC root is not registered with the machine's Nix");
}

#[test]
fn a_failing_remote_activation_keeps_its_exit_code_and_a_failed_transport_is_6() {
    let Some(lab) = lab("remote-failures", 1) else { return };
    let machine = lab.machine(0);
    let failing = Module::new().file(".config/kept-out", "never here for long\n").exec(
        "fails",
        "echo the remote command fails >&2; exit 7",
        &["file:.config/kept-out"],
        true,
    );
    let clean = Module::new().file(".profile", "# am's\n");
    // Kills the ssh session the activation runs in: the connection is lost.
    let cut = Module::new().file(".config/after-the-cut", "made all the same\n").exec(
        "cut",
        "p=$PPID; while [ \"$p\" -gt 1 ] && [ \"$(cat /proc/$p/comm)\" != sshd ]; do \
         p=$(cut -d' ' -f4 /proc/$p/stat); done; kill -KILL \"$p\"",
        &[],
        true,
    );
    let bundles = build_bundles(&lab.dir().join("build"), &[failing, clean, cut]);
    let host = machine.host(DEPLOY_USER);

    // A required node fails there: 4, rolled back there.
    let failed = lab.am(&["switch", &bundles[0].arg(), "--target-host", &host], NIX_COMMAND);
    assert_exit(&failed, 4, "a failing activation over ssh");
    assert!(all_output(&failed).contains("the remote command fails"), "{}", all_output(&failed));
    let kept_out = machine.path("/home/deploy/.config/kept-out");
    assert!(kept_out.symlink_metadata().is_err(), "the failed activation was not rolled back");

    // A file of the user's in the way there: 3, and the file stays.
    let profile = machine.path("/home/deploy/.profile");
    std::fs::write(&profile, "# the user's\n").expect("a file of the user's");
    let refused = lab.am(&["switch", &bundles[1].arg(), "--target-host", &host], NIX_COMMAND);
    assert_exit(&refused, 3, "a refused activation over ssh");
    assert_eq!(std::fs::read_to_string(&profile).expect("kept"), "# the user's\n");

    // The connection is lost during the activation: 6, and the activation
    // goes on there (its output goes nowhere) and finishes.
    let lost = lab.am(&["switch", &bundles[2].arg(), "--target-host", &host], NIX_COMMAND);
    assert_exit(&lost, 6, "a connection lost during the activation");
    let text = stderr(&lost);
    assert!(text.contains("exited with 255"), "{text}");
    assert!(text.contains("lost the connection"), "{text}");
    let current = machine.path("/home/deploy/.local/state/activation-manager/current");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while current.symlink_metadata().is_err() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let made = machine.path("/home/deploy/.config/after-the-cut");
    assert!(current.is_symlink() && made.is_symlink(), "the activation did not finish there");

    // Nothing listens where the copy goes: 6, saying which step failed.
    let nowhere = "deploy@10.77.1.1";
    let unreachable = lab.am(&["switch", &bundles[1].arg(), "--target-host", nowhere], NIX_COMMAND);
    assert_exit(&unreachable, 6, "a copy to a host that refuses connections");
    let text = stderr(&unreachable);
    assert!(
        text.contains(&format!("error: copying {} to {nowhere} failed", bundles[1].arg())),
        "{text}"
    );
    assert!(text.contains("nothing was activated"), "{text}");
}

#[test]
fn a_system_bundle_is_activated_as_root_with_sudo() {
    let Some(lab) = lab("remote-system", 1) else { return };
    let machine = lab.machine(0);
    let bundle = &am_tests::engine::build_exprs(
        &lab.dir().join("build"),
        &[system_bundle_expr(&lab.dir().join("build"), "am-remote/motd", "managed from afar\n")],
        "the system bundle must build",
    )[0];
    let host = machine.host(DEPLOY_USER);
    let bundle_arg = bundle.arg();

    // As the deploy user, a system bundle is refused there.
    let unprivileged = lab.am(&["switch", &bundle_arg, "--target-host", &host], NIX_LEGACY);
    assert_exit(&unprivileged, 1, "a system bundle without sudo");
    assert!(stderr(&unprivileged).contains("run it with sudo"), "{}", stderr(&unprivileged));
    let copied_with = format!("nix-copy-closure --to {host} {bundle_arg}");
    assert!(stderr(&unprivileged).contains(&copied_with), "{}", stderr(&unprivileged));

    let switched = lab.am(&["switch", &bundle_arg, "--target-host", &host, "--sudo"], NIX_LEGACY);
    assert_exit(&switched, 0, "a system bundle with sudo");
    let seen = lab.on(machine, DEPLOY_USER, "cat /etc/am-remote/motd");
    assert_eq!(stdout(&seen), "managed from afar\n", "{}", stderr(&seen));
    let motd = machine.path("/etc/am-remote/motd");
    assert_eq!(motd.symlink_metadata().expect("the link").uid(), 0, "not made by root");
    assert!(machine.path("/var/lib/activation-manager/generations/1").is_file());
    assert!(is_gc_root(machine, "/var/lib/activation-manager/gcroots/1"), "no GC root");
    assert!(!Path::new("/etc/am-remote").exists(), "this machine's own /etc was touched");
}

#[test]
fn a_build_host_builds_the_derivation_and_the_target_gets_the_result() {
    let Some(lab) = lab("remote-build", 2) else { return };
    let (builder, target) = (lab.machine(0), lab.machine(1));
    // Text no other test builds, so no store here can have the result yet.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let token = format!("{}-{}", std::process::id(), now.map_or(0, |d| d.as_nanos()));

    // With nix copy, the bundle goes from the build host to the target
    // without passing through this machine's store.
    let (drv, bundle) = instantiate(&lab, "built-there", &token);
    let (build_host, target_host) = (builder.host("root"), target.host(DEPLOY_USER));
    let switched = lab.am(
        &["switch", &drv, "--build-host", &build_host, "--target-host", &target_host],
        NIX_COMMAND,
    );
    assert_exit(&switched, 0, "a switch built on another machine");
    let text = all_output(&switched);
    assert!(text.contains(&format!("building {drv} on {build_host}")), "{text}");
    assert!(builder.has_store_path(&bundle), "not built on the build host");
    assert!(target.has_store_path(&bundle), "not copied to the target");
    assert!(!bundle.exists(), "the bundle was built or copied here:\n{text}");
    let seen = lab.on(target, DEPLOY_USER, "cat ~/built-there");
    assert_eq!(stdout(&seen), format!("{token}\n"), "{}", stderr(&seen));

    // With nix-copy-closure, it goes through this machine's store; an
    // unprivileged build host builds through its daemon.
    let (drv, bundle) = instantiate(&lab, "built-by-deploy", &token);
    let build_host = builder.host(DEPLOY_USER);
    let switched = lab.am(
        &["switch", &drv, "--build-host", &build_host, "--target-host", &target_host],
        NIX_LEGACY,
    );
    assert_exit(&switched, 0, "a switch built on another machine, with nix-copy-closure");
    let text = all_output(&switched);
    assert!(text.contains(&format!("nix-copy-closure --from {build_host} {}", arg(&bundle))));
    assert!(builder.has_store_path(&bundle) && target.has_store_path(&bundle), "{text}");
    let seen = lab.on(target, DEPLOY_USER, "cat ~/built-by-deploy; ls ~/built-there");
    assert_eq!(stdout(&seen), format!("{token}\n"), "the second generation replaced the first");

    // A build host needs the derivation, and a derivation a build host.
    let built =
        lab.am(&["switch", "/nix/store/x-b", "--build-host", "b", "--target-host", "t"], "");
    assert_exit(&built, 1, "a built bundle for a build host");
    assert!(stderr(&built).contains("needs the bundle's derivation"), "{}", stderr(&built));
    let unbuilt = lab.am(&["switch", &drv, "--target-host", &target_host], NIX_COMMAND);
    assert_exit(&unbuilt, 1, "a derivation without a build host");
    assert!(stderr(&unbuilt).contains("is a derivation, not a built bundle"));
}

/// The derivation of a home with the file `target` holding `token`, and
/// the bundle it builds (which it does not build).
fn instantiate(lab: &Lab, target: &str, token: &str) -> (String, PathBuf) {
    let module = lab.dir().join(format!("{target}.nix"));
    std::fs::write(&module, Module::new().file(target, &format!("{token}\n")).render())
        .expect("the module");
    let instantiated = am_tests::nix_command("nix-instantiate")
        .arg("--expr")
        .arg(am_tests::bundle_expr(&[&module]))
        .output()
        .expect("nix-instantiate runs");
    assert_exit(&instantiated, 0, "nix-instantiate");
    let drv = stdout(&instantiated).trim().to_string();
    let outputs = am_tests::nix_command("nix-store")
        .args(["--query", "--outputs", &drv])
        .output()
        .expect("nix-store runs");
    let bundle = PathBuf::from(stdout(&outputs).trim());
    assert!(!bundle.exists(), "{} was built here", bundle.display());
    (drv, bundle)
}

/// Whether the machine's Nix keeps what `link` (a path on the machine)
/// points to: a link to it is in the machine's `/nix/var/nix/gcroots`.
fn is_gc_root(machine: &Machine, link: &str) -> bool {
    fn walk(dir: &Path, link: &Path) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else { return false };
        entries.flatten().any(|entry| {
            let path = entry.path();
            let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
            if is_dir {
                walk(&path, link)
            } else {
                std::fs::read_link(&path).is_ok_and(|t| t == link)
            }
        })
    }
    walk(&machine.path("/nix/var/nix/gcroots"), Path::new(link))
}

/// A system bundle of one `/etc` file (`environment.etc`), its module
/// written into `dir`.
fn system_bundle_expr(dir: &Path, target: &str, text: &str) -> String {
    let module = dir.join("system.nix");
    std::fs::create_dir_all(dir).expect("the build folder is writable");
    let config = format!("{{ environment.etc.{}.text = {}; }}\n", nix_str(target), nix_str(text));
    std::fs::write(&module, config).expect("the module can be written");
    am_tests::system::system_bundle_expr(&[&module])
}

/// `examples/system`, switched over ssh to a machine whose `/etc` is a
/// copy of a real one: the distribution's `/etc/motd` is moved aside (the
/// example allows backups), the server's account, files, tmpfiles folder
/// and units are made there and nowhere else; no systemd runs the machine,
/// so units are placed and jane's home is left for the next activation.
#[test]
fn the_system_example_is_switched_to_a_machine() {
    let Some(lab) = lab("remote-example", 1) else { return };
    let machine = lab.machine(0);
    let config = am_tests::repo_root().join("examples/system/system.nix");
    let bundle = &am_tests::engine::build_exprs(
        &lab.dir().join("build"),
        &[am_tests::system::system_bundle_expr(&[&config])],
        "examples/system must build",
    )[0];
    let motd = std::fs::read_to_string(machine.path("/etc/motd")).unwrap_or_default();

    let switched = lab.am(
        &["switch", &bundle.arg(), "--target-host", &machine.host(DEPLOY_USER), "--sudo"],
        NIX_COMMAND,
    );
    assert_exit(&switched, 0, "examples/system over ssh");
    let seen = lab.on(machine, DEPLOY_USER, "cat /etc/motd /etc/motd.pre-am");
    assert_eq!(
        stdout(&seen),
        format!("This machine serves the hello-web pages on port 8080.\n{motd}"),
        "{}",
        stderr(&seen)
    );
    let account = lab.on(machine, DEPLOY_USER, "getent passwd hello-web");
    assert!(stdout(&account).contains("/var/lib/hello-web"), "{}", stderr(&account));
    assert!(machine.path("/var/lib/hello-web/reports").is_dir(), "the tmpfiles folder");
    assert!(machine.path("/etc/systemd/system/hello-web.service").is_symlink());
    assert!(!Path::new("/etc/hello-web").exists(), "this machine's own /etc was touched");
}
