//! What `am` refuses whoever asks (issue #11, item 15): a plan file is only
//! bytes, so targets outside the home or in `am`'s own state folder are
//! refused at run time too; `HOME=/`; a backup extension that leaves its
//! folder; a home of another user, as root. And a home reached through a
//! link is one home, however it is named.

mod support;

use std::os::unix::fs::{MetadataExt, symlink};
use std::process::Command;

use am_schema::Plan;
use support::{Scratch, assert_exit, link, listing, stderr};

fn plan(targets: &[&str]) -> Plan {
    Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes: targets.iter().map(|target| link(target)).collect(),
        layers: vec![(0..targets.len() as u32).collect()],
    }
}

#[test]
fn a_hand_made_plan_cannot_reach_outside_the_home() {
    for target in ["../zz", "/absolute", "a/../../zz", ".local/state/activation-manager/x"] {
        let scratch = Scratch::new("outside");
        // An absolute target names a path in this test's own folder.
        let target = match target {
            "/absolute" => scratch.root.join("absolute").display().to_string(),
            other => other.to_string(),
        };
        let bundle = scratch.bundle("bundle", &plan(&[".profile", &target]));
        let output = scratch.am(&["activate", &bundle.display().to_string()]);
        assert_exit(&output, 1, &target);
        assert!(stderr(&output).contains("refusing the plan"), "{target}: {}", stderr(&output));
        assert!(listing(&scratch.home()).is_empty(), "{target}: the home was changed");
        for outside in [scratch.root.join("zz"), scratch.root.join("absolute")] {
            let linked = std::fs::symlink_metadata(&outside).is_ok_and(|m| m.is_symlink());
            assert!(!linked, "{target}: a link was made at {}", outside.display());
        }
    }
}

#[test]
fn a_plan_whose_backups_would_leave_their_folder_is_refused() {
    let scratch = Scratch::new("backup-plan");
    let mut plan = plan(&[".profile"]);
    plan.backup_extension = Some("/../../x".into());
    let bundle = scratch.bundle("bundle", &plan);
    std::fs::write(scratch.home().join(".profile"), "mine").expect("a user file");
    let output = scratch.am(&["activate", &bundle.display().to_string()]);
    assert_exit(&output, 1, "a plan with a bad backup extension");
    assert!(stderr(&output).contains("backup extension"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(scratch.home().join(".profile")).expect("kept"), "mine");
}

#[test]
fn a_backup_extension_on_the_command_line_stays_a_file_name() {
    let scratch = Scratch::new("backup-flag");
    let bundle = scratch.bundle("bundle", &plan(&[".profile"])).display().to_string();
    for bad in ["../x", "a/b", "..", ""] {
        let output = scratch.am(&["activate", &bundle, "--backup-ext", bad]);
        assert_exit(&output, 2, &format!("--backup-ext {bad:?}"));
        assert!(stderr(&output).contains("backup extension"), "{bad:?}: {}", stderr(&output));
    }
    assert!(listing(&scratch.home()).is_empty());
}

#[test]
fn the_root_folder_is_no_home() {
    let scratch = Scratch::new("root-home");
    let bundle = scratch.bundle("bundle", &plan(&[".profile"])).display().to_string();
    let output = Command::new(support::am())
        .args(["activate", &bundle])
        .env("HOME", "/")
        .env("XDG_STATE_HOME", scratch.root.join("state"))
        .output()
        .expect("am runs");
    assert_exit(&output, 1, "HOME=/");
    assert!(stderr(&output).contains("HOME is /"), "{}", stderr(&output));
    assert!(!std::path::Path::new("/.profile").exists());
}

#[test]
fn a_target_in_the_state_folder_is_in_the_way() {
    // The state folder is wherever XDG_STATE_HOME says; inside the home, no
    // target may be in it.
    let scratch = Scratch::new("state-target");
    let bundle = scratch.bundle("bundle", &plan(&[".mystate/activation-manager/static"]));
    let output = Command::new(support::am())
        .args(["activate", &bundle.display().to_string()])
        .env("HOME", scratch.home())
        .env("XDG_STATE_HOME", scratch.home().join(".mystate"))
        .env("NO_COLOR", "1")
        .output()
        .expect("am runs");
    assert_exit(&output, 3, "a target in the state folder");
    assert!(stderr(&output).contains("own state folder"), "{}", stderr(&output));
    assert!(listing(&scratch.home()).is_empty(), "the home was changed");
}

#[test]
fn a_home_reached_through_a_link_is_one_home() {
    let scratch = Scratch::new("home-link");
    let bundle = scratch.bundle("bundle", &plan(&[".profile"])).display().to_string();
    let via = scratch.root.join("via");
    symlink(scratch.home(), &via).expect("a link to the home");
    let run = |home: &std::path::Path| {
        Command::new(support::am())
            .args(["activate", &bundle])
            .env("HOME", home)
            .env_remove("XDG_STATE_HOME")
            .output()
            .expect("am runs")
    };
    assert_exit(&run(&via), 0, "through the link");
    let content = std::fs::read_link(scratch.home().join(".profile")).expect("a link");
    assert!(
        content.starts_with(scratch.home()),
        "{} names the link, not the home",
        content.display()
    );
    let output = run(&scratch.home());
    assert_exit(&output, 0, "by its real name");
    assert!(stderr(&output).contains("nothing"), "not a no-op: {}", stderr(&output));
}

#[test]
fn root_refuses_a_home_of_another_user() {
    if !rustix::process::geteuid().is_root() {
        let why = "only root can hand a folder to another user";
        assert!(std::env::var_os("AM_REQUIRE_ALL").is_none(), "AM_REQUIRE_ALL is set: {why}");
        eprintln!("skipped: {why}");
        return;
    }
    let scratch = Scratch::new("other-user");
    let bundle = scratch.bundle("bundle", &plan(&[".profile"])).display().to_string();
    rustix::fs::chown(
        scratch.home(),
        Some(rustix::fs::Uid::from_raw(54321)),
        Some(rustix::fs::Gid::from_raw(54321)),
    )
    .expect("chown");
    let output = scratch.am(&["activate", &bundle]);
    assert_exit(&output, 1, "root in another user's home");
    assert!(stderr(&output).contains("belongs to user 54321"), "{}", stderr(&output));
    assert!(listing(&scratch.home()).is_empty(), "the home was changed");
    assert_eq!(std::fs::metadata(scratch.home()).expect("home").uid(), 54321);
}
