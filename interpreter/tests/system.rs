//! System bundles under `--root DIR`, end to end with hand-made plans: the
//! same engine as a home's, with targets below `DIR/etc`, links through
//! `/etc/.activation-manager/static`, and the state in
//! `DIR/var/lib/activation-manager`.

mod support;

use am_schema::{Plan, Role};
use support::{Scratch, assert_exit, link, stderr};

fn system_plan(targets: &[&str]) -> Plan {
    Plan {
        role: Role::System,
        backup_extension: None,
        home_directory: None,
        nodes: targets.iter().map(|target| link(target)).collect(),
        layers: vec![(0..targets.len() as u32).collect()],
    }
}

/// A root folder with an `/etc` holding a file of the distribution's.
fn root(scratch: &Scratch) -> std::path::PathBuf {
    let root = scratch.root.join("root");
    std::fs::create_dir_all(root.join("etc")).expect("etc");
    std::fs::write(root.join("etc/hostname"), "machine\n").expect("a file of the distribution");
    root
}

#[test]
fn a_system_bundle_is_activated_below_the_root() {
    let scratch = Scratch::new("system-root");
    let root = root(&scratch);
    let a = scratch.bundle("a", &system_plan(&["motd", "ssh/sshd_config"])).display().to_string();
    let b = scratch.bundle("b", &system_plan(&["ssh/sshd_config", "issue"])).display().to_string();
    let root_arg = root.display().to_string();

    let output = scratch.am(&["activate", &a, "--root", &root_arg]);
    assert_exit(&output, 0, "A under --root");
    let link = std::fs::read_link(root.join("etc/motd")).expect("a link");
    assert_eq!(link, std::path::Path::new("/etc/.activation-manager/static/motd"));
    let static_link =
        std::fs::read_link(root.join("etc/.activation-manager/static")).expect("static");
    assert_eq!(static_link, std::path::Path::new(&a).join("static"));
    assert!(root.join("var/lib/activation-manager/generations/1").is_file());
    assert_eq!(std::fs::read_to_string(root.join("etc/hostname")).expect("kept"), "machine\n");
    assert!(!scratch.home().join(".local").exists(), "a system activation touched the home");

    let output = scratch.am(&["activate", &b, "--root", &root_arg]);
    assert_exit(&output, 0, "A to B");
    assert!(root.join("etc/motd").symlink_metadata().is_err(), "A's motd stayed");
    assert!(root.join("etc/issue").is_symlink());

    let output = scratch.am(&["rollback", "--root", &root_arg]);
    assert_exit(&output, 0, "rollback to A");
    assert!(
        root.join("etc/motd").is_symlink() && root.join("etc/issue").symlink_metadata().is_err()
    );

    let output = scratch.am(&["generations", "--root", &root_arg]);
    assert_exit(&output, 0, "generations");
    assert_eq!(support::stdout(&output).lines().count(), 3, "{}", support::stdout(&output));

    let output = scratch.am(&["deactivate", "--root", &root_arg]);
    assert_exit(&output, 0, "deactivate");
    assert!(root.join("etc/motd").symlink_metadata().is_err());
    assert!(root.join("etc/ssh").symlink_metadata().is_err(), "the folder am made stayed");
    assert_eq!(std::fs::read_to_string(root.join("etc/hostname")).expect("kept"), "machine\n");
}

#[test]
fn a_file_of_the_distribution_in_the_way_is_refused() {
    let scratch = Scratch::new("system-conflict");
    let root = root(&scratch);
    let bundle = scratch.bundle("a", &system_plan(&["hostname", "motd"])).display().to_string();
    let output = scratch.am(&["activate", &bundle, "--root", &root.display().to_string()]);
    assert_exit(&output, 3, "a file of the distribution in the way");
    assert!(stderr(&output).contains("etc/hostname"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(root.join("etc/hostname")).expect("kept"), "machine\n");
    assert!(root.join("etc/motd").symlink_metadata().is_err(), "something was changed");
    assert!(!root.join("var/lib/activation-manager/generations").exists());
}

#[test]
fn bundles_activate_only_into_places_of_their_role() {
    let scratch = Scratch::new("system-role");
    let root = root(&scratch);
    let mut home_plan = system_plan(&["motd"]);
    home_plan.role = Role::Home;
    let home_bundle = scratch.bundle("home", &home_plan).display().to_string();
    let output = scratch.am(&["activate", &home_bundle, "--root", &root.display().to_string()]);
    assert_exit(&output, 1, "a home bundle into a system");
    assert!(stderr(&output).contains("is a home bundle"), "{}", stderr(&output));
    assert!(root.join("etc/motd").symlink_metadata().is_err());

    // Its own bin/activate takes a system bundle to the system it is for:
    // here, the one under --root.
    let system_bundle = scratch.bundle("system", &system_plan(&["motd"]));
    let script = system_bundle.join("bin/activate");
    let output = scratch.run(&script, &["--root", &root.display().to_string()]);
    assert_exit(&output, 0, "a system bundle's own bin/activate");
    assert!(root.join("etc/motd").is_symlink());
    assert!(!scratch.home().join(".local").exists(), "the home was touched");
}
