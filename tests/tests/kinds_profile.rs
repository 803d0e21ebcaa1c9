//! `home.packages` end to end: bundles built by the real `nix-build`, their
//! package trees installed into a Nix profile in a temporary home by Nix's
//! own tools, and every result checked in the profile itself: the command
//! runs from `~/.nix-profile/bin`, what the user installed stays, a
//! generation without packages removes them, a dry run changes nothing, a
//! failure, a kill and `am rollback` leave the profile exactly as it was,
//! `nix profile` manifests are handled with `nix profile`, and the
//! generation's GC root holds the packages. And once as a real user of a
//! multi-user Nix, whose fresh login shell runs the command.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use am_tests::engine::{Bundle, Home, Module, all_output, build_bundles, nix_str};
use am_tests::nix_user::NixUser;
use am_tests::packages::{package_expr, packages_line, profile_state};
use am_tests::{assert_exit, fresh_dir, have_nix, nix_build_expr, stderr, stdout};

fn greet_a() -> (&'static str, &'static str, &'static str) {
    ("greet-a", "1.0", "hello from a")
}

/// The profile activation makes behind a missing `~/.nix-profile`.
fn profile_of(home: &Home) -> PathBuf {
    home.path.join(".local/state/nix/profiles/profile")
}

/// Runs `~/.nix-profile/bin/<command>` and gives what it printed.
fn run(home: &Home, command: &str) -> Option<String> {
    let output = Command::new(home.path.join(".nix-profile/bin").join(command)).output().ok()?;
    output.status.success().then(|| stdout(&output).trim().to_string())
}

/// A command of Nix with the tests' settings, in `home`.
fn nix(home: &Home, program: &str) -> Command {
    let mut command = home.command(program);
    command.env("NIX_CONFIG", "experimental-features = nix-command flakes\nsubstituters =\n");
    command
}

/// Builds a package of its own (for the user to install by hand).
fn build_package(dir: &Path, name: &str, text: &str) -> String {
    std::fs::create_dir_all(dir).expect("the build folder is writable");
    let link = nix_build_expr(dir, &package_expr(name, "0.1", text), &[])
        .unwrap_or_else(|e| panic!("the package {name} must build:\n{e}"));
    std::fs::canonicalize(link).expect("the package exists").display().to_string()
}

/// A home whose `~/.nix-profile` links to a profile in it, holding the
/// user's own package `user-tool` (printing `mine`), installed by hand with
/// `nix-env -i` (or `nix profile install` when `manifest`).
fn home_with_users_tool(label: &str, manifest: bool) -> Home {
    let home = Home::new(label);
    let path = build_package(&home.root.join("user-tool"), "user-tool", "mine");
    let profile = profile_of(&home);
    std::fs::create_dir_all(profile.parent().expect("a folder")).expect("mkdir");
    let _ = std::os::unix::fs::symlink(&profile, home.path.join(".nix-profile"));
    let output = if manifest {
        nix(&home, "nix")
            .args(["profile", "install", "--profile"])
            .arg(&profile)
            .arg(&path)
            .output()
    } else {
        nix(&home, "nix-env").arg("--profile").arg(&profile).args(["-i", &path]).output()
    };
    let output = output.expect("Nix runs");
    assert!(output.status.success(), "the user's install failed: {}", stderr(&output));
    home
}

/// Four generations: A and B (greet-b changed), B with a required command
/// after the packages that fails, and one without packages.
fn bundles(label: &str) -> Vec<Bundle> {
    let a = Module::new().line(packages_line(&[greet_a(), ("greet-b", "2.0", "b two")]));
    let b = Module::new().line(packages_line(&[greet_a(), ("greet-b", "3.0", "b three")]));
    let b_failing = b.clone().exec("fail", "exit 3", &["packages"], true);
    let none = Module::new().file(".profile", "# no packages\n");
    build_bundles(&fresh_dir(label), &[a, b, b_failing, none])
}

#[test]
fn packages_are_installed_changed_and_removed_beside_the_users_own() {
    if !have_nix() {
        return;
    }
    let bundles = bundles("profile-kinds-bundles");
    let (a, b, none) = (&bundles[0], &bundles[1], &bundles[3]);
    let home = home_with_users_tool("profile", false);

    let first = home.activate(a, &[]);
    assert_exit(&first, 0, "activation of A");
    assert!(all_output(&first).contains("2 packages added"), "{}", all_output(&first));
    assert_eq!(run(&home, "greet-a").as_deref(), Some("hello from a"));
    assert_eq!(run(&home, "greet-b").as_deref(), Some("b two"));
    assert_eq!(run(&home, "user-tool").as_deref(), Some("mine"), "the user's own package");

    let again = home.activate(a, &[]);
    assert_exit(&again, 0, "activation of A again");
    let before = profile_state(&profile_of(&home));
    assert!(all_output(&again).contains("nothing to change"), "{}", all_output(&again));

    // `am inspect --json` lists them for tools.
    let json = stdout(&home.am(&["inspect", "--json", &a.arg()]));
    let expected = r#""kind":"profile","layer":0,"declaredBy":"home.packages","required":true,"after":[],"profile":".nix-profile","path":"/nix/store/"#;
    assert!(json.contains(expected), "{json}");
    assert!(
        json.contains(r#"{"name":"greet-a","version":"1.0","outputs":["/nix/store/"#),
        "{json}"
    );

    // `am diff` compares the bundles' packages by name and version.
    let diff = |old: &Bundle, new: &Bundle| stdout(&home.am(&["diff", &old.arg(), &new.arg()]));
    let changed = diff(a, b);
    assert!(changed.starts_with("packages: 1 changed\n"), "{changed}");
    assert!(changed.lines().any(|line| line == "  ~ greet-b 2.0 -> 3.0"), "{changed}");
    let dropped = diff(b, none);
    assert!(
        dropped.lines().next().is_some_and(|l| l.ends_with("packages: 2 removed")),
        "{dropped}"
    );
    assert!(dropped.lines().any(|line| line == "  - greet-a 1.0"), "{dropped}");
    assert!(dropped.lines().any(|line| line == "  - greet-b 3.0"), "{dropped}");

    let second = home.activate(b, &["--verbose"]);
    assert_exit(&second, 0, "activation of B");
    let said = all_output(&second);
    assert!(said.contains("~ greet-b 2.0 -> 3.0"), "{said}");
    assert!(said.contains("1 package changed"), "{said}");
    assert_eq!(run(&home, "greet-b").as_deref(), Some("b three"));
    assert_ne!(profile_state(&profile_of(&home)), before, "B made a new generation");

    let third = home.activate(none, &[]);
    assert_exit(&third, 0, "activation without packages");
    assert!(all_output(&third).contains("2 packages removed"), "{}", all_output(&third));
    assert_eq!(run(&home, "greet-a"), None, "greet-a is gone");
    assert_eq!(run(&home, "user-tool").as_deref(), Some("mine"), "the user's package stays");
}

#[test]
fn a_dry_run_lists_the_packages_and_changes_nothing() {
    if !have_nix() {
        return;
    }
    let bundles = bundles("profile-dry-bundles");
    let (a, b) = (&bundles[0], &bundles[1]);
    let home = Home::new("profile-dry");
    let dry = home.activate(a, &["--dry-run"]);
    assert_exit(&dry, 0, "dry run of A");
    let said = all_output(&dry);
    let profile = profile_of(&home);
    assert!(said.contains("+ ~/.nix-profile  a link to the Nix profile"), "{said}");
    assert!(said.contains(&format!("into the Nix profile {} (nix-env)", profile.display())));
    assert!(said.contains("+ greet-a 1.0") && said.contains("+ greet-b 2.0"), "{said}");
    assert!(!home.path.join(".nix-profile").exists(), "the dry run made the link");
    assert!(!profile.parent().is_some_and(Path::exists), "the dry run made the profile");

    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    let before = profile_state(&profile);
    let dry = home.activate(b, &["--dry-run"]);
    assert_exit(&dry, 0, "dry run of B");
    assert!(all_output(&dry).contains("~ greet-b 2.0 -> 3.0"), "{}", all_output(&dry));
    assert_eq!(profile_state(&profile), before, "the dry run changed the profile");
}

#[test]
fn a_failure_and_a_kill_leave_the_profile_exactly_as_it_was() {
    if !have_nix() {
        return;
    }
    let dir = fresh_dir("profile-undo");
    let bundles = bundles("profile-undo-bundles");
    let (a, b_failing) = (&bundles[0], &bundles[2]);
    let slow = Module::new().line(packages_line(&[greet_a(), ("greet-b", "3.0", "b three")])).exec(
        "slow",
        "sleep 30",
        &["packages"],
        true,
    );
    let slow = &build_bundles(&dir.join("slow"), &[slow])[0];
    let home = home_with_users_tool("profile-undo", false);
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    let profile = profile_of(&home);
    let before = profile_state(&profile);

    let failed = home.activate(b_failing, &[]);
    assert_exit(&failed, 4, "the failing activation");
    assert!(all_output(&failed).contains("every change was rolled back"));
    assert_eq!(profile_state(&profile), before, "after the rollback of a failure");
    assert_eq!(run(&home, "greet-b").as_deref(), Some("b two"));

    // Killed while the command after the packages sleeps: the profile has
    // its new generation then, which the next run's recovery undoes.
    let mut child = home.command(slow.script()).spawn().expect("the activation starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    while profile_state(&profile) == before {
        assert!(Instant::now() < deadline, "the slow activation never switched the profile");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The switch is done; the command after it sleeps 30 seconds.
    std::thread::sleep(Duration::from_millis(500));
    let _ = child.kill();
    let status = child.wait().expect("the killed activation is reaped");
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9), "not killed");
    let next = home.activate(a, &[]);
    assert_exit(&next, 0, "the activation after the kill");
    assert!(all_output(&next).contains("was rolled back"), "{}", all_output(&next));
    assert_eq!(profile_state(&profile), before, "after the recovery of a kill");
    assert_eq!(run(&home, "user-tool").as_deref(), Some("mine"));
}

#[test]
fn a_profile_activation_made_goes_with_a_failure() {
    if !have_nix() {
        return;
    }
    let bundles = bundles("profile-fresh-bundles");
    let home = Home::new("profile-fresh");
    let failed = home.activate(&bundles[2], &[]);
    assert_exit(&failed, 4, "the failing activation");
    assert!(!home.path.join(".nix-profile").exists(), "the link to the profile stayed");
    assert!(!home.path.join(".local/state/nix").exists(), "the profile's folders stayed");
}

#[test]
fn am_rollback_brings_back_the_same_profile() {
    if !have_nix() {
        return;
    }
    let bundles = bundles("profile-rollback-bundles");
    let (a, b) = (&bundles[0], &bundles[1]);
    let home = Home::new("profile-rollback");
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    let profile = profile_of(&home);
    let environment_a = std::fs::canonicalize(&profile).expect("the profile exists");
    assert_exit(&home.activate(b, &[]), 0, "activation of B");
    assert_exit(&home.am(&["rollback"]), 0, "am rollback");
    // Nix builds the same environment from the same entries: the profile
    // holds exactly what it held after A.
    assert_eq!(std::fs::canonicalize(&profile).ok(), Some(environment_a));
    assert_eq!(run(&home, "greet-b").as_deref(), Some("b two"));
}

#[test]
fn a_nix_profile_manifest_is_changed_with_nix_profile() {
    if !have_nix() {
        return;
    }
    let bundles = bundles("profile-manifest-bundles");
    let (a, b, none) = (&bundles[0], &bundles[1], &bundles[3]);
    let home = home_with_users_tool("profile-manifest", true);
    let manifest = || std::fs::read_to_string(profile_of(&home).join("manifest.json"));

    let dry = home.activate(a, &["--dry-run"]);
    assert!(all_output(&dry).contains("(nix profile)"), "{}", all_output(&dry));
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    assert!(manifest().is_ok_and(|m| m.contains("-home-manager-path")), "{:?}", manifest());
    assert_eq!(run(&home, "greet-a").as_deref(), Some("hello from a"));
    assert_exit(&home.activate(b, &[]), 0, "activation of B");
    assert_eq!(run(&home, "greet-b").as_deref(), Some("b three"));
    let entries = manifest().unwrap_or_default().matches("-home-manager-path").count();
    assert_eq!(entries, 1, "the old entry was removed: {:?}", manifest());
    assert_exit(&home.activate(none, &[]), 0, "activation without packages");
    assert_eq!(run(&home, "greet-a"), None);
    assert_eq!(run(&home, "user-tool").as_deref(), Some("mine"));
}

#[test]
fn the_generations_root_keeps_the_packages_from_garbage_collection() {
    if !have_nix() {
        return;
    }
    // A package no other test has, so that only this test's roots hold it.
    let nonce = format!("{}-{:?}", std::process::id(), Instant::now());
    let with = Module::new().line(packages_line(&[("greet-gc", "1.0", &nonce)]));
    let without = Module::new().file(".profile", "# no packages\n");
    let bundles = build_bundles(&fresh_dir("profile-gc-bundles"), &[with, without]);
    let home = Home::new("profile-gc");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "activation with the package");
    let file = std::fs::canonicalize(home.path.join(".nix-profile/bin/greet-gc"));
    let package = file.expect("greet-gc is installed").ancestors().nth(2).map(Path::to_path_buf);
    let package = package.expect("<package>/bin/greet-gc");
    // Nix's garbage collector, on the package and whatever refers to it
    // (the tree, the bundle, the profile's environments) alone: a whole
    // `nix-store --gc` would take the other tests' unrooted paths too.
    // It refuses paths that are alive.
    let delete = |path: &Path| {
        let referrers =
            nix(&home, "nix-store").arg("--query").arg("--referrers-closure").arg(path).output();
        let referrers = stdout(&referrers.expect("nix-store runs"));
        let output = nix(&home, "nix-store")
            .arg("--delete")
            .args(referrers.lines())
            .output()
            .expect("nix-store runs");
        output.status.success()
    };
    let roots = nix(&home, "nix-store").arg("--query").arg("--roots").arg(&package).output();
    let roots = stdout(&roots.expect("nix-store runs"));
    let am_root = home.state().join("gcroots/1");
    assert!(roots.contains(&am_root.display().to_string()), "no am root among:\n{roots}");
    assert!(!delete(&package), "nix-store --delete removed a package the generation uses");

    // Without the package, once the generation's root, the profile's old
    // generation and the build's out-links let go of it, the garbage
    // collector may take it: the check above could fail.
    assert_exit(&home.activate(&bundles[1], &[]), 0, "activation without packages");
    assert_exit(&home.am(&["generations", "--delete", "1"]), 0, "deleting generation 1");
    let deleted = nix(&home, "nix-env")
        .arg("--profile")
        .arg(profile_of(&home))
        .args(["--delete-generations", "old"])
        .output()
        .expect("nix-env runs");
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    let _ = std::fs::remove_file(&bundles[0].out_link);
    assert!(delete(&package), "the package is still rooted after everything let go");
}

#[test]
fn a_real_users_fresh_login_shell_runs_the_installed_command() {
    if !have_nix() {
        return;
    }
    let Some(user) = NixUser::start("pkgs") else { return };
    let dir = fresh_dir("profile-user");
    // The user's shell puts the profile on PATH, as Nix's installer has
    // /etc/profile.d do (which a test must not change).
    let profile = format!(
        "home.file.\".profile\".text = {};",
        nix_str("export PATH=\"$HOME/.nix-profile/bin:$PATH\"\n")
    );
    let with = Module::new()
        .line(packages_line(&[("greet-login", "1.0", "logged in")]))
        .line(profile.clone());
    let without = Module::new().line(profile);
    let bundles = build_bundles(&dir, &[with, without]);
    let tool = build_package(&dir, "user-tool", "mine");

    // The user's own package first, in the profile where Nix 2.14 and
    // later put a new user's (Nix 2.8 here would use /nix/var/nix/profiles,
    // which outlives the test).
    let installed = user
        .command("sh")
        .args([
            "-c",
            "mkdir -p ~/.local/state/nix/profiles \
                      && ln -s ~/.local/state/nix/profiles/profile ~/.nix-profile \
                      && nix-env -i \"$1\"",
            "sh",
            &tool,
        ])
        .output()
        .expect("sh runs");
    assert!(installed.status.success(), "the user's nix-env -i failed: {}", stderr(&installed));

    let activated = user.command(bundles[0].script()).output().expect("activate runs");
    assert_exit(&activated, 0, "the user's activation");
    // The daemon registered the generation's GC root for the user.
    assert!(!all_output(&activated).contains("garbage collection"), "{}", all_output(&activated));
    let login = user.login_shell("greet-login && user-tool").output().expect("bash runs");
    assert_eq!(stdout(&login), "logged in\nmine\n", "the login shell: {}", stderr(&login));

    let dropped = user.command(bundles[1].script()).output().expect("activate runs");
    assert_exit(&dropped, 0, "the activation without packages");
    let script = "command -v greet-login || echo greet-login is gone; user-tool";
    let login = user.login_shell(script).output().expect("bash runs");
    assert_eq!(stdout(&login), "greet-login is gone\nmine\n", "{}", stderr(&login));
}
