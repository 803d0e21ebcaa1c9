//! A new user's first command, from a clone of their own: `git clone` of
//! the project into a new folder, then `./scripts/demo.sh`, with Nix and
//! the offline snapshot of the nixpkgs library beside the clone; and,
//! where no nixpkgs library is to be found, the script says where it
//! looked. The nixpkgs the committed `flake.lock` pins is found in the Nix
//! store before anything else.
//!
//! The clone is of the committed state (`git clone` takes `HEAD`), so
//! these tests check what a user gets, not the working tree.

use std::path::{Path, PathBuf};
use std::process::Command;

use am_tests::{assert_exit, fresh_dir, have_nix, nix_command, nixpkgs_lib, repo_root, stderr};

/// Clones this repository into `<dir>/activation-manager`.
fn clone_into(dir: &Path) -> PathBuf {
    let clone = dir.join("activation-manager");
    let output = Command::new("git")
        .args(["clone", "--quiet"])
        .arg(repo_root())
        .arg(&clone)
        .output()
        .expect("git runs");
    assert_exit(&output, 0, "git clone");
    clone
}

/// `<clone>/scripts/demo.sh` (or another command in the clone) as a user
/// without a channel, an `AM_NIXPKGS_LIB` or a network would run it.
fn as_a_new_user(clone: &Path, program: &str, temp: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(clone)
        .env_remove("AM_NIXPKGS_LIB")
        .env_remove("NIX_PATH")
        .env_remove("NIX_CONFIG")
        // No download reaches anything: a closed port as every proxy.
        .env("https_proxy", "http://127.0.0.1:9")
        .env("http_proxy", "http://127.0.0.1:9")
        .env("all_proxy", "http://127.0.0.1:9")
        // The demo's throwaway home goes where this test cleans up.
        .env("TMPDIR", temp);
    command
}

#[test]
fn a_fresh_clone_runs_the_demo_with_the_snapshot_beside_it() {
    if !have_nix() {
        return;
    }
    let dir = fresh_dir("demo-clone");
    let clone = clone_into(&dir);
    let snapshot = nixpkgs_lib().parent().map(Path::to_path_buf).expect("the snapshot's folder");
    std::fs::create_dir_all(dir.join("shared")).expect("the clone's folder is writable");
    std::os::unix::fs::symlink(&snapshot, dir.join("shared/nixpkgs-lib")).expect("a link");
    let temp = dir.join("tmp");
    std::fs::create_dir_all(&temp).expect("a temp folder");

    let output = as_a_new_user(&clone, "./scripts/demo.sh", &temp)
        // A release build of its own for every fresh clone would take
        // minutes each time: the clones share one target folder.
        .env("CARGO_TARGET_DIR", am_tests::clones_target_dir())
        .output()
        .expect("the demo runs");
    assert_exit(&output, 0, "./scripts/demo.sh in a fresh clone");
    let said = stderr(&output);
    let found = dir.join("shared/nixpkgs-lib/lib");
    assert!(
        said.contains(&format!("using the nixpkgs library at {}", found.display())),
        "the demo did not use the snapshot beside the clone:\n{said}"
    );
    let stdout = am_tests::stdout(&output);
    assert!(stdout.contains("./.config/greeting/hello.txt -> "), "the home:\n{stdout}");
    assert!(stdout.contains("greet-once"), "am inspect printed no plan:\n{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_clone_with_no_nixpkgs_anywhere_says_where_it_looked() {
    if !have_nix() {
        return;
    }
    let dir = fresh_dir("demo-nothing");
    let clone = clone_into(&dir);
    // Whatever nixpkgs this machine's store holds, the pin names none of it.
    pin(&clone, "0000000000000000000000000000000000000000", EMPTY_HASH);
    let output = as_a_new_user(&clone, "./scripts/demo.sh", &dir).output().expect("the demo runs");
    assert_exit(&output, 1, "./scripts/demo.sh without any nixpkgs library");
    let said = stderr(&output);
    for place in [
        "error: no nixpkgs library found. Looked at:".to_string(),
        "  - AM_NIXPKGS_LIB, which is not set".to_string(),
        "  - the nixpkgs flake.lock pins (https://github.com/NixOS/nixpkgs/archive/\
         0000000000000000000000000000000000000000.tar.gz), which is not in the Nix store"
            .to_string(),
        format!(
            "  - the offline snapshot beside this checkout, {}/shared/nixpkgs-lib/lib, which \
             does not exist",
            dir.display()
        ),
        "  - <nixpkgs/lib> through NIX_PATH, which has no nixpkgs".to_string(),
        "  - a download of https://github.com/NixOS/nixpkgs/archive/\
         0000000000000000000000000000000000000000.tar.gz, which failed"
            .to_string(),
        "Set AM_NIXPKGS_LIB=/path/to/nixpkgs/lib".to_string(),
    ] {
        assert!(said.contains(&place), "the message lacks {place:?}:\n{said}");
    }
    assert!(!said.contains("cargo build"), "the demo built before it looked:\n{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The SHA-256 of nothing: no store path has it as its NAR hash.
const EMPTY_HASH: &str = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

/// Makes the clone's `flake.lock` pin nixpkgs at `rev` with `hash`.
fn pin(clone: &Path, rev: &str, hash: &str) {
    let path = clone.join("flake.lock");
    let lock = std::fs::read_to_string(&path).expect("the clone has a flake.lock");
    let mut json: serde_json::Value = serde_json::from_str(&lock).expect("flake.lock is JSON");
    let locked = &mut json["nodes"]["nixpkgs"]["locked"];
    locked["rev"] = rev.into();
    locked["narHash"] = hash.into();
    std::fs::write(&path, serde_json::to_string_pretty(&json).expect("JSON prints"))
        .expect("flake.lock is writable");
}

#[test]
fn the_nixpkgs_the_lock_pins_is_found_in_the_store_first() {
    if !have_nix() {
        return;
    }
    // A nixpkgs in the store as a fetch by the lock would leave it: the
    // snapshot, under the name fetches give (`source`), pinned by its hash.
    let dir = fresh_dir("demo-pinned");
    let source = dir.join("source");
    let snapshot = nixpkgs_lib().parent().map(Path::to_path_buf).expect("the snapshot's folder");
    let copied =
        Command::new("cp").args(["-r", "--no-preserve=mode"]).arg(&snapshot).arg(&source).output();
    assert_exit(&copied.expect("cp runs"), 0, "copy the snapshot");
    let output = nix_command("nix-store")
        .args(["--add-fixed", "--recursive", "sha256"])
        .arg(&source)
        .output()
        .expect("nix-store runs");
    assert_exit(&output, 0, "nix-store --add-fixed");
    let stored = am_tests::stdout(&output).trim().to_string();
    let hashed = nix_command("nix").args(["hash", "path"]).arg(&stored).output();
    let hash = am_tests::stdout(&hashed.expect("nix runs")).trim().to_string();
    let clone = clone_into(&dir);
    pin(&clone, "1111111111111111111111111111111111111111", &hash);
    // The snapshot beside the clone is there too, and comes later.
    std::fs::create_dir_all(dir.join("shared")).expect("writable");
    std::os::unix::fs::symlink(&snapshot, dir.join("shared/nixpkgs-lib")).expect("a link");

    let output = as_a_new_user(&clone, "bash", &dir)
        .args(["-c", "source scripts/lib.sh && nixpkgs_lib"])
        .output()
        .expect("bash runs");
    assert_exit(&output, 0, "nixpkgs_lib");
    assert_eq!(am_tests::stdout(&output).trim(), format!("{stored}/lib"));
    let _ = std::fs::remove_dir_all(&dir);
}
