//! One test per promise an attack on `am` found broken (issue #11), each
//! through real Nix builds and real activations: nothing of the user's is
//! ever lost, and nothing is ever written outside the home. Each test names
//! the item it pins; each failed on the code before its fix.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use am_tests::engine::{Home, Module, all_output, cached_bundles};
use am_tests::{assert_exit, have_nix};

/// Panics unless `rel` is a regular file holding `text`.
fn assert_plain_file(home: &Home, rel: &str, text: &str, context: &str) {
    let path = home.path.join(rel);
    let meta = std::fs::symlink_metadata(&path)
        .unwrap_or_else(|error| panic!("{context}: {rel} is gone ({error})"));
    assert!(meta.is_file(), "{context}: {rel} is not a plain file any more: {meta:?}");
    let found = std::fs::read_to_string(&path).expect("readable");
    assert_eq!(found, text, "{context}: {rel} changed");
}

/// Lines a module gets for a raw copy node that waits for `after`.
fn raw_copy(id: &str, target: &str, text: &str, after: &str) -> String {
    format!(
        "am.nodes.{id:?} = {{ kind = \"copy\"; target = {target:?}; text = {text:?}; \
         after = [ {after:?} ]; }};"
    )
}

/// Bundle A links `.gone`; B drops it and has a required command that
/// writes the user's file there, then runs `then`.
fn gone_in_b_then(then: &str) -> Vec<am_tests::engine::Bundle> {
    let a = Module::new().file(".keep", "keep\n").file(".gone", "gone in B\n");
    let script = format!("printf 'mine\\n' > \"$HOME/.gone\"; {then}");
    let b =
        Module::new().file(".keep", "keep\n").exec("write-then", &script, &["file:.keep"], true);
    cached_bundles(&[a, b])
}

/// #11.1: after a link was removed, a file the user wrote at its path was
/// replaced by the old link when a later required node failed.
#[test]
fn undo_never_puts_a_link_back_over_a_file_written_since() {
    if !have_nix() {
        return;
    }
    let bundles = gone_in_b_then("exit 1");
    let home = Home::new("undo-user-file");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "A");
    let output = home.activate(&bundles[1], &[]);
    assert_exit(&output, 4, "B, whose command writes .gone and fails");
    assert_plain_file(&home, ".gone", "mine\n", "after the rollback");
    let text = all_output(&output);
    assert!(text.contains(".gone") && text.contains("someone else"), "not reported:\n{text}");
    // The next activation finds the user's file in the way, as any other.
    assert_exit(&home.activate(&bundles[0], &[]), 3, "A again");
    assert_plain_file(&home, ".gone", "mine\n", "after A again");
}

/// #11.1, after a SIGKILL: recovery put the old link back over the file.
#[test]
fn recovery_never_puts_a_link_back_over_a_file_written_since() {
    if !have_nix() {
        return;
    }
    let bundles = gone_in_b_then("sleep 60");
    let home = Home::new("recover-user-file");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "A");
    let mut child = home
        .command(bundles[1].script())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("B starts");
    let written = home.path.join(".gone");
    let started = Instant::now();
    while !std::fs::symlink_metadata(&written).is_ok_and(|meta| meta.is_file()) {
        assert!(started.elapsed() < Duration::from_secs(30), "the command never wrote .gone");
        std::thread::sleep(Duration::from_millis(5));
    }
    // SIGKILL kills `am`; its command's process group goes with the test.
    let _ = child.kill();
    let _ = child.wait();
    let output = home.activate(&bundles[0], &[]);
    assert_plain_file(&home, ".gone", "mine\n", "after the recovery");
    let text = all_output(&output);
    assert!(text.contains("rolled back"), "the recovery is not reported:\n{text}");
    assert!(!home.has_journal(), "the journal stayed although nothing is left to undo");
}

/// #11.2: a forced optional link whose move to `.<name>.am-trash` was
/// refused had that name deleted at commit: a user's folder, with all
/// that was in it.
#[test]
fn a_folder_named_like_the_trash_survives_a_forced_link() {
    if !have_nix() {
        return;
    }
    let module = Module::new().file(".keep", "keep\n").line(
        "am.nodes.forced = { kind = \"link\"; target = \"x\"; text = \"managed\\n\"; \
         force = true; required = false; };",
    );
    let bundles = cached_bundles(&[module]);
    let home = Home::new("trash-name");
    home.write_user_file("x", b"in the way\n");
    home.write_user_file(".x.am-trash/keep", b"the user's\n");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "the forced link");
    home.assert_user_file(".x.am-trash/keep", b"the user's\n", "after the forced link");
    assert_eq!(std::fs::read_to_string(home.path.join("x")).expect("x"), "managed\n");
}

/// #11.3: user files named like `am`'s temporaries were deleted.
#[test]
fn files_named_like_temporaries_are_the_users() {
    if !have_nix() {
        return;
    }
    let module = Module::new()
        .line("home.file.\"c\" = { text = \"copy\\n\"; mode = \"copy\"; };")
        .file("l", "link\n");
    let bundles = cached_bundles(&[module]);
    let home = Home::new("temp-names");
    let names =
        [".c.am-new", ".l.am-new", ".c.am-trash", &format!(".l.tmp-{}", std::process::id())];
    for name in names {
        home.write_user_file(name, b"the user's\n");
    }
    assert_exit(&home.activate(&bundles[0], &[]), 0, "a copy and a link");
    assert_exit(&home.am(&["deactivate"]), 0, "deactivate");
    for name in names {
        home.assert_user_file(name, b"the user's\n", "after activate and deactivate");
    }
}

/// #11.4: a user file that already had the managed bytes was adopted
/// without a backup, even with `--backup-ext`, and was gone after
/// `deactivate`, with its mode.
#[test]
fn an_adopted_file_comes_back_on_deactivate() {
    if !have_nix() {
        return;
    }
    let module = Module::new().file(".with-ext", "same\n").file(".without", "same\n");
    let bundles = cached_bundles(&[module]);
    let home = Home::new("adoption");
    for rel in [".with-ext", ".without"] {
        home.write_user_file(rel, b"same\n");
        let path = home.path.join(rel);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let inode = |rel: &str| std::fs::symlink_metadata(home.path.join(rel)).expect(rel).ino();
    let inodes = (inode(".with-ext"), inode(".without"));
    let output = home.activate(&bundles[0], &["--backup-ext", "bak"]);
    assert_exit(&output, 0, "adopting both");
    home.assert_managed(".with-ext", b"same\n", "adopted");
    home.assert_user_file(".with-ext.bak", b"same\n", "kept as the backup");
    let output = home.am(&["deactivate"]);
    assert_exit(&output, 0, "deactivate");
    for (rel, inode_before) in [(".with-ext", inodes.0), (".without", inodes.1)] {
        home.assert_user_file(rel, b"same\n", "after deactivate");
        let meta = std::fs::symlink_metadata(home.path.join(rel)).expect(rel);
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{rel} lost its mode");
        assert_eq!(meta.ino(), inode_before, "{rel} is not the user's own file");
    }
    home.assert_absent(".with-ext.bak", "after deactivate");
    home.assert_absent(".without.am-adopted", "after deactivate");
}

/// #11.5: a managed copy the user edited while an earlier layer ran was
/// trashed and deleted at commit, with exit 0.
#[test]
fn a_copy_edited_after_the_pre_check_is_kept() {
    if !have_nix() {
        return;
    }
    let a = Module::new().line("home.file.\"c\" = { text = \"A\\n\"; mode = \"copy\"; };");
    let b = Module::new()
        .exec("edit", "printf 'edited\\n' >> \"$HOME/c\"", &[], true)
        .line(raw_copy("c", "c", "B\n", "edit"));
    let bundles = cached_bundles(&[a, b]);
    let home = Home::new("late-edit");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "A");
    let output = home.activate(&bundles[1], &[]);
    assert_exit(&output, 4, "B, whose command edits c before c is replaced");
    assert_plain_file(&home, "c", "A\nedited\n", "after B");
    assert!(all_output(&output).contains("changed since"), "{}", all_output(&output));
}

/// #11.6: a stale copy whose previous bundle was garbage-collected was
/// deleted, and a rollback could not write it again.
#[test]
fn a_stale_copy_comes_back_without_its_bundle() {
    if !have_nix() {
        return;
    }
    let a = Module::new()
        .file(".keep", "keep\n")
        .line("home.file.\"dir/c\" = { text = \"A's copy\\n\"; mode = \"copy\"; };");
    let b = Module::new().file(".keep", "keep\n").exec("fail", "exit 1", &["file:.keep"], true);
    let bundles = cached_bundles(&[a, b]);
    let home = Home::new("collected");
    // A bundle outside the store stands for one the collector deleted.
    let copy = home.root.join("bundle-a");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(&bundles[0].store_path)
        .arg(&copy)
        .status()
        .expect("cp runs");
    assert!(status.success(), "the bundle could not be copied");
    assert_exit(&home.am(&["activate", copy.to_str().expect("utf-8")]), 0, "A");
    std::process::Command::new("chmod").arg("-R").arg("u+w").arg(&copy).status().expect("chmod");
    std::fs::remove_dir_all(&copy).expect("the copy of A is deleted");
    assert_exit(&home.activate(&bundles[1], &[]), 4, "B, which fails");
    assert_plain_file(&home, "dir/c", "A's copy\n", "after the rollback");
}

/// #11.7: a command that made a folder a link to elsewhere got the next
/// layer's files written there.
#[test]
fn files_never_go_through_a_folder_made_a_link() {
    if !have_nix() {
        return;
    }
    let module = Module::new()
        .exec(
            "swap",
            "mkdir -p \"$HOME/.config\" && ln -s \"$HOME/../outside\" \"$HOME/.config/made\"",
            &[],
            true,
        )
        .raw_link("late", ".config/made/x", "late\n", &["swap"]);
    let bundles = cached_bundles(&[module]);
    let home = Home::new("linked-folder");
    let outside = home.root.join("outside");
    std::fs::create_dir_all(&outside).expect("outside");
    let output = home.activate(&bundles[0], &[]);
    assert!(!output.status.success(), "the activation succeeded:\n{}", all_output(&output));
    assert!(all_output(&output).contains("not a folder"), "{}", all_output(&output));
    let written: Vec<_> = std::fs::read_dir(&outside).expect("outside").collect();
    assert!(written.is_empty(), "files were written outside the home: {written:?}");
}

/// #11.8: swapping a folder for a link while an activation ran put links
/// outside the home: the parent check and the change raced.
#[test]
fn a_racing_swap_never_sends_links_outside_the_home() {
    if !have_nix() {
        return;
    }
    const FILES: usize = 2000;
    let mut module = Module::new();
    for i in 0..FILES {
        module = module.file(&format!("d/s{}/f{i}", i / 50), "x\n");
    }
    let bundles = cached_bundles(&[module]);
    for round in 0..5 {
        let home = Home::new("race");
        let outside = home.root.join("outside");
        std::fs::create_dir_all(&outside).expect("outside");
        // The folder is there before the pre-check, so that every change
        // below it can race the swap.
        std::fs::create_dir_all(home.path.join("d/s0")).expect("d");
        let stop = AtomicBool::new(false);
        let (d, held) = (home.path.join("d"), home.path.join("d.held"));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    if std::fs::rename(&d, &held).is_ok() {
                        let _ = std::os::unix::fs::symlink(&outside, &d);
                        std::thread::sleep(Duration::from_micros(200));
                        let _ = std::fs::remove_file(&d);
                        let _ = std::fs::rename(&held, &d);
                    }
                    std::thread::sleep(Duration::from_micros(100));
                }
            });
            let _ = home.activate(&bundles[0], &[]);
            stop.store(true, Ordering::Relaxed);
        });
        let mut written = Vec::new();
        collect_files(&outside, &mut written);
        assert!(written.is_empty(), "round {round}: written outside the home: {written:?}");
    }
}

fn collect_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            collect_files(&path, found);
        }
        found.push(path);
    }
}

/// #11.14: a bundle without `static/` activated with exit 0 and left
/// dangling links.
#[test]
fn a_bundle_without_its_static_folder_is_refused() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[Module::new().file(".profile", "profile\n")]);
    let home = Home::new("no-static");
    let copy = home.root.join("bundle");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(&bundles[0].store_path)
        .arg(&copy)
        .status()
        .expect("cp runs");
    assert!(status.success());
    std::process::Command::new("chmod").arg("-R").arg("u+w").arg(&copy).status().expect("chmod");
    std::fs::remove_dir_all(copy.join("static")).expect("static/ goes");
    let output = home.am(&["activate", copy.to_str().expect("utf-8")]);
    assert_exit(&output, 1, "a bundle without static/");
    assert!(all_output(&output).contains("not a bundle"), "{}", all_output(&output));
    home.assert_absent(".profile", "after the refused bundle");
}

/// #11.15: a target inside `am`'s own state folder, from Lua.
#[test]
fn lua_may_not_place_a_target_in_the_state_folder() {
    if !have_nix() {
        return;
    }
    let module = Module::new().line(
        "lua.tasks.sneaky.script = ''\n  am.link{ target = \".local/state/activation-manager/x\", \
         source = \"/etc/hostname\" }\n'';",
    );
    let bundles = cached_bundles(&[module]);
    let home = Home::new("state-target");
    let output = home.activate(&bundles[0], &[]);
    assert_exit(&output, 4, "a Lua link into the state folder");
    assert!(all_output(&output).contains("state folder"), "{}", all_output(&output));
    home.assert_absent(".local/state/activation-manager/x", "after the refused link");
}
