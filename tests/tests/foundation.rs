//! The foundation's promises, end to end: links point at store content,
//! activating twice changes nothing, builds are deterministic, `am inspect
//! --json` is JSON, and a damaged plan is a clear error.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use am_tests::{
    am_bin, assert_exit, bundle_expr, fresh_dir, have_nix, nix_build, nix_command, repo_root,
    run_in_home, stderr, stdout,
};

fn home_files_config() -> PathBuf {
    repo_root().join("tests/cases/home-files/home.nix")
}

#[test]
fn activation_links_store_content_and_is_idempotent() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("links");
    let result = nix_build(&temp, &[&home_files_config()], &[]).expect("bundle builds");
    let home = temp.join("home");
    std::fs::create_dir_all(&home).expect("home");
    let activate = result.join("bin/activate");
    assert_exit(&run_in_home(&activate, &[], &home), 0, "first activation");

    for target in [".config/app/settings.ini", ".profile", "bin/hello"] {
        let path = home.join(target);
        let meta = std::fs::symlink_metadata(&path).expect("target exists");
        assert!(meta.file_type().is_symlink(), "{target} is not a link");
        let resolved = std::fs::canonicalize(&path).expect("link resolves");
        assert!(resolved.starts_with("/nix/store"), "{target} resolves to {}", resolved.display());
    }
    let profile = std::fs::read_to_string(home.join(".profile")).expect("profile readable");
    assert_eq!(profile, "export EDITOR=vi\n");
    let hello = std::fs::metadata(home.join("bin/hello")).expect("script");
    assert_eq!(hello.permissions().mode() & 0o111, 0o111, "bin/hello is not executable");
    let ran = std::fs::read_to_string(home.join("hello.out")).expect("exec node ran");
    assert!(ran.starts_with("hello from"), "unexpected output {ran:?}");

    let before = link_stamps(&home);
    let again = run_in_home(&activate, &[], &home);
    assert_exit(&again, 0, "second activation");
    assert_eq!(link_stamps(&home), before, "a second activation replaced links");
}

/// Inode and change time of every managed link: a replaced link gets new ones.
fn link_stamps(home: &Path) -> Vec<(u64, i64, i64)> {
    [".config/app/settings.ini", ".profile", "bin/hello"]
        .iter()
        .map(|t| {
            let m = std::fs::symlink_metadata(home.join(t)).expect("link exists");
            (m.ino(), m.ctime(), m.ctime_nsec())
        })
        .collect()
}

#[test]
fn same_config_gives_same_path_and_rebuild_is_byte_identical() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("determinism");
    let first = nix_build(&temp.join("a"), &[&home_files_config()], &[]).expect("first build");
    let second = nix_build(&temp.join("b"), &[&home_files_config()], &[]).expect("second build");
    assert_eq!(std::fs::canonicalize(first).ok(), std::fs::canonicalize(second).ok());
    // `--check` builds again and fails if the output differs in any byte.
    let check = nix_command("nix-build")
        .args(["--no-out-link", "--check", "--expr"])
        .arg(bundle_expr(&[&home_files_config()]))
        .output()
        .expect("nix-build runs");
    assert!(check.status.success(), "rebuild differs:\n{}", stderr(&check));
}

#[test]
fn inspect_json_is_valid_json_describing_every_node() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("json");
    let result = nix_build(&temp, &[&home_files_config()], &[]).expect("bundle builds");
    let output =
        run_in_home(am_bin(), &["inspect", "--json", &result.display().to_string()], &temp);
    assert_exit(&output, 0, "am inspect --json");
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    let nodes = json["nodes"].as_array().expect("nodes array");
    let ids: Vec<&str> = nodes.iter().filter_map(|n| n["id"].as_str()).collect();
    assert_eq!(
        ids,
        ["file:.config/app/settings.ini", "file:.profile", "file:bin/hello", "run-hello"]
    );
    assert_eq!(json["layers"].as_array().map(Vec::len), Some(2));
}

#[test]
fn damaged_plan_is_a_clear_error() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("damaged");
    let result = nix_build(&temp, &[&home_files_config()], &[]).expect("bundle builds");
    let plan = std::fs::read(result.join("plan.am")).expect("plan.am");
    let truncated = &plan[..plan.len() / 2];
    let mut flipped = plan.clone();
    let middle = plan.len() / 2;
    flipped[middle] ^= 0xff;
    for (name, bytes, expected) in [
        ("truncated", truncated, "truncated"),
        ("flipped", &flipped[..], "corrupt"),
        ("foreign", &b"#!/bin/sh\n"[..], "not an activation plan"),
    ] {
        let file = temp.join(format!("{name}.am"));
        std::fs::write(&file, bytes).expect("write damaged plan");
        let output = run_in_home(am_bin(), &["inspect", &file.display().to_string()], &temp);
        assert_exit(&output, 1, name);
        let message = stderr(&output);
        assert!(message.contains(expected), "{name}: message lacks {expected:?}: {message}");
        assert!(message.contains(&file.display().to_string()), "{name}: file not named: {message}");
        assert!(!message.contains("panicked"), "{name}: panicked: {message}");
    }
}
