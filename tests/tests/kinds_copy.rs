//! `mode = "copy"`: regular files with their own mode, replaced by a later
//! generation only while they still have the bytes activation-manager
//! wrote; an edited copy is the user's, in the way like any file of theirs;
//! a run killed while copying is undone by the next.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::Instant;

use am_tests::engine::{Home, Module, all_output, build_bundles, nix_str};
use am_tests::{assert_exit, fresh_dir, have_nix, stdout};

/// `home.file."<target>"` as a copy of `text`, with `permissions` if given.
fn copy(target: &str, text: &str, permissions: Option<&str>) -> String {
    let permissions = permissions.map(|p| format!(" permissions = {};", nix_str(p)));
    format!(
        "home.file.{} = {{ text = {}; mode = \"copy\";{} }};",
        nix_str(target),
        nix_str(text),
        permissions.unwrap_or_default()
    )
}

/// Panics unless `rel` is a regular file (not a link) with `bytes` and `mode`.
fn assert_copy(home: &Home, rel: &str, bytes: &[u8], mode: u32, context: &str) {
    let path = home.path.join(rel);
    let meta = std::fs::symlink_metadata(&path)
        .unwrap_or_else(|e| panic!("{context}: {rel} is missing ({e})"));
    assert!(meta.is_file(), "{context}: {rel} is not a regular file: {:?}", meta.file_type());
    assert_eq!(
        std::fs::read(&path).expect("a copy is readable"),
        bytes,
        "{context}: {rel} has other bytes"
    );
    assert_eq!(meta.permissions().mode() & 0o7777, mode, "{context}: {rel} has another mode");
}

fn first() -> Module {
    Module::new()
        .line(copy(".config/app/settings.json", "{ \"a\": 1 }\n", Some("0600")))
        .line(copy(".config/app/default-mode", "plain\n", None))
        .line("home.file.\".config/app/run.sh\" = { text = \"#!/bin/sh\\n\"; mode = \"copy\"; executable = true; };")
        .line(copy(".becomes-link", "was a copy\n", None))
        .file(".becomes-copy", "was a link\n")
}

/// Changes the content and mode of `settings.json`, drops `default-mode`,
/// and swaps what `.becomes-link` and `.becomes-copy` are.
fn second() -> Module {
    Module::new()
        .line(copy(".config/app/settings.json", "{ \"a\": 2 }\n", Some("0640")))
        .line("home.file.\".config/app/run.sh\" = { text = \"#!/bin/sh\\n\"; mode = \"copy\"; executable = true; };")
        .file(".becomes-link", "now a link\n")
        .line(copy(".becomes-copy", "now a copy\n", Some("0444")))
}

#[test]
fn copies_are_written_replaced_and_removed() {
    if !have_nix() {
        return;
    }
    let bundles = build_bundles(&fresh_dir("copy"), &[first(), second(), Module::new()]);
    let (a, b, c) = (&bundles[0], &bundles[1], &bundles[2]);
    let home = Home::new("copy");

    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    assert_copy(&home, ".config/app/settings.json", b"{ \"a\": 1 }\n", 0o600, "A");
    assert_copy(&home, ".config/app/default-mode", b"plain\n", 0o644, "A");
    assert_copy(&home, ".config/app/run.sh", b"#!/bin/sh\n", 0o755, "A");
    assert_copy(&home, ".becomes-link", b"was a copy\n", 0o644, "A");
    home.assert_managed(".becomes-copy", b"was a link\n", "A");
    let run_sh = std::fs::metadata(home.path.join(".config/app/run.sh")).expect("run.sh");

    // Unchanged copies are left as they are: not even rewritten.
    let snapshot = home.snapshot();
    let again = home.activate(a, &[]);
    assert_exit(&again, 0, "re-activation of A");
    assert!(all_output(&again).contains("nothing to change"), "{}", all_output(&again));
    assert_eq!(home.snapshot(), snapshot, "a re-activation changed the home");

    let diff = home.am(&["diff", &a.arg(), &b.arg()]);
    assert_exit(&diff, 0, "am diff A B");
    for line in [
        "  ~ ~/.becomes-copy  now a copy (was a link)",
        "  ~ ~/.becomes-link  now a link (was a copy)",
        "  ~ ~/.config/app/settings.json",
        "  - ~/.config/app/default-mode",
    ] {
        assert!(
            stdout(&diff).lines().any(|l| l == line),
            "am diff lacks {line:?}:\n{}",
            stdout(&diff)
        );
    }
    assert!(!stdout(&diff).contains("run.sh"), "am diff lists the unchanged run.sh");

    assert_exit(&home.activate(b, &[]), 0, "activation of B");
    assert_copy(&home, ".config/app/settings.json", b"{ \"a\": 2 }\n", 0o640, "B");
    home.assert_absent(".config/app/default-mode", "B");
    let kept = std::fs::metadata(home.path.join(".config/app/run.sh")).expect("run.sh");
    assert_eq!(kept.ino(), run_sh.ino(), "B rewrote the unchanged run.sh");
    home.assert_managed(".becomes-link", b"now a link\n", "B");
    assert_copy(&home, ".becomes-copy", b"now a copy\n", 0o444, "B");
    let trash: Vec<_> = std::fs::read_dir(home.path.join(".config/app"))
        .expect("the folder")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".am-"))
        .collect();
    assert!(trash.is_empty(), "B left trash or temporary files: {trash:?}");

    assert_exit(&home.activate(c, &[]), 0, "activation of C");
    for rel in [".config/app/settings.json", ".config/app/run.sh", ".becomes-link", ".becomes-copy"]
    {
        home.assert_absent(rel, "C");
    }
    home.assert_absent(".config", "C removed the copies but not the folders it made");
}

#[test]
fn an_edited_copy_is_not_overwritten_without_force_or_backup() {
    if !have_nix() {
        return;
    }
    let a = Module::new().line(copy(".app.conf", "A\n", None));
    let b = Module::new().line(copy(".app.conf", "B\n", None));
    let b_forced = Module::new()
        .line("home.file.\".app.conf\" = { text = \"B\\n\"; mode = \"copy\"; force = true; };");
    let bundles = build_bundles(&fresh_dir("copy-edited"), &[a, b, b_forced, Module::new()]);
    let (a, b, b_forced, none) = (&bundles[0], &bundles[1], &bundles[2], &bundles[3]);

    let home = Home::new("copy-edited");
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    home.write_user_file(".app.conf", b"A, edited by me\n");
    let before = home.snapshot();
    let refused = home.activate(b, &[]);
    assert_exit(&refused, 3, "activation of B over an edited copy");
    assert!(all_output(&refused).contains(".app.conf"), "{}", all_output(&refused));
    assert_eq!(home.snapshot(), before, "a refused activation changed the home");
    home.assert_user_file(".app.conf", b"A, edited by me\n", "refused");

    // A dry run says the same, and changes nothing either.
    assert_exit(&home.activate(b, &["--dry-run"]), 3, "dry run of B over an edited copy");
    assert_eq!(home.snapshot(), before, "a refused dry run changed the home");

    // Dropping the edited copy leaves it where it is.
    let dropped = home.activate(none, &[]);
    assert_exit(&dropped, 0, "activation without the copy");
    assert!(all_output(&dropped).contains("left"), "{}", all_output(&dropped));
    home.assert_user_file(".app.conf", b"A, edited by me\n", "dropped");

    // With a backup extension the edit is kept aside.
    let home = Home::new("copy-backup");
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    home.write_user_file(".app.conf", b"A, edited by me\n");
    assert_exit(&home.activate(b, &["--backup-ext", "bak"]), 0, "activation of B with a backup");
    assert_copy(&home, ".app.conf", b"B\n", 0o644, "backed up");
    home.assert_user_file(".app.conf.bak", b"A, edited by me\n", "backed up");

    // `force` replaces it.
    let home = Home::new("copy-force");
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    home.write_user_file(".app.conf", b"A, edited by me\n");
    assert_exit(&home.activate(b_forced, &[]), 0, "activation of B with force");
    assert_copy(&home, ".app.conf", b"B\n", 0o644, "forced");
}

#[test]
fn a_failed_activation_puts_replaced_and_removed_copies_back() {
    if !have_nix() {
        return;
    }
    let a = Module::new().line(copy(".kept", "A\n", Some("0600"))).line(copy(
        ".dropped",
        "dropped in B\n",
        None,
    ));
    let b = Module::new()
        .line(copy(".kept", "B\n", Some("0644")))
        .line(copy(".added", "added in B\n", None))
        .exec("fail", "exit 3", &["file:.kept", "file:.added"], true);
    let bundles = build_bundles(&fresh_dir("copy-rollback"), &[a, b]);
    let home = Home::new("copy-rollback");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "activation of A");
    let kept = std::fs::metadata(home.path.join(".kept")).expect(".kept");

    let failed = home.activate(&bundles[1], &[]);
    assert_exit(&failed, 4, "activation of B with a failing command");
    // The replaced copy is the very file it was (moved back); the removed
    // one is written again from generation A's bundle.
    assert_copy(&home, ".kept", b"A\n", 0o600, "rolled back");
    let restored = std::fs::metadata(home.path.join(".kept")).expect(".kept");
    assert_eq!(
        (restored.ino(), restored.mtime()),
        (kept.ino(), kept.mtime()),
        ".kept was rewritten"
    );
    assert_copy(&home, ".dropped", b"dropped in B\n", 0o644, "rolled back");
    home.assert_absent(".added", "rolled back");
    let leftovers: Vec<String> = std::fs::read_dir(&home.path)
        .expect("the home")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".am-"))
        .collect();
    assert!(leftovers.is_empty(), "the rollback left files behind: {leftovers:?}");
    assert!(!home.has_journal(), "the journal is left after a clean rollback");
}

#[test]
fn a_dry_run_of_copies_says_what_it_would_write_and_writes_nothing() {
    if !have_nix() {
        return;
    }
    let a = Module::new().line(copy(".app.conf", "A\n", Some("0600")));
    let b = Module::new().line(copy(".app.conf", "B\n", Some("0600")));
    let bundles = build_bundles(&fresh_dir("copy-dry"), &[a, b]);
    let home = Home::new("copy-dry");

    let empty = home.snapshot();
    let output = home.activate(&bundles[0], &["--dry-run"]);
    assert_exit(&output, 0, "dry run of A");
    assert!(
        stdout(&output).contains("+ ~/.app.conf  a copy, mode 0600"),
        "{}",
        all_output(&output)
    );
    assert_eq!(home.snapshot(), empty, "a dry run changed the home");

    assert_exit(&home.activate(&bundles[0], &[]), 0, "activation of A");
    let before = home.snapshot();
    let output = home.activate(&bundles[1], &["--dry-run"]);
    assert_exit(&output, 0, "dry run of B");
    let text = stdout(&output);
    assert!(text.contains("~ ~/.app.conf  a copy, mode 0600; replaces what is there"), "{text}");
    assert_eq!(home.snapshot(), before, "a dry run changed the home");
}

/// Copies in both bundles (every other one changed in B), copies only A or
/// only B has, and B's slow command in between, for the kill test.
const KILL_COMMON: usize = 120;
const KILL_ONLY: usize = 60;

fn kill_module(b: bool) -> Module {
    let mut module = Module::new();
    for i in 0..KILL_COMMON {
        let version = if b && i % 2 == 1 { "B" } else { "A" };
        let mode = if b && i % 3 == 0 { "0640" } else { "0600" };
        module = module.line(copy(
            &format!("c/d{}/f{i}", i / 10),
            &format!("{i} {version}\n"),
            Some(mode),
        ));
    }
    let only = if b { "bonly" } else { "aonly" };
    for i in 0..KILL_ONLY {
        module =
            module.line(copy(&format!("{only}/d{}/f{i}", i / 10), &format!("{only} {i}\n"), None));
    }
    if b {
        module = module.exec("slow", "sleep 0.2", &["file:c/d0/f0"], true);
    }
    module
}

/// Panics unless the home holds exactly the copies of A (or B), and nothing
/// half-written or moved aside.
fn assert_kill_state(home: &Home, b: bool, context: &str) {
    for i in 0..KILL_COMMON {
        let version = if b && i % 2 == 1 { "B" } else { "A" };
        let mode = if b && i % 3 == 0 { 0o640 } else { 0o600 };
        let rel = format!("c/d{}/f{i}", i / 10);
        assert_copy(home, &rel, format!("{i} {version}\n").as_bytes(), mode, context);
    }
    let (present, absent) = if b { ("bonly", "aonly") } else { ("aonly", "bonly") };
    for i in 0..KILL_ONLY {
        let rel = format!("{present}/d{}/f{i}", i / 10);
        assert_copy(home, &rel, format!("{present} {i}\n").as_bytes(), 0o644, context);
    }
    home.assert_absent(absent, context);
    let mut stack = vec![home.path.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a folder of the home").filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(!name.contains(".am-"), "{context}: {} is left", entry.path().display());
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            }
        }
    }
    assert!(!home.has_journal(), "{context}: a journal is left");
}

#[test]
fn sigkill_while_copying_is_recovered_by_the_next_run() {
    if !have_nix() {
        return;
    }
    let bundles = build_bundles(&fresh_dir("copy-kill"), &[kill_module(false), kill_module(true)]);
    let (a, b) = (&bundles[0], &bundles[1]);
    let home = Home::with_state_outside("copy-kill");
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    assert_kill_state(&home, false, "A");
    let started = Instant::now();
    assert_exit(&home.activate(b, &[]), 0, "activation of B");
    let mut takes = started.elapsed();
    assert_kill_state(&home, true, "B");
    assert_exit(&home.activate(a, &[]), 0, "back to A");

    // Each round starts at A, kills the switch to B somewhere, and recovers
    // to A or B in turn; the home must be exactly one of them afterwards.
    let mut interrupted = 0;
    for round in 1..=12u32 {
        let delay = takes * round / 13;
        let killed = home.activate_and_kill(b, delay);
        interrupted += usize::from(killed);
        // A kill that found the run done means the machine got faster: the
        // later kills aim within the shorter run.
        if !killed {
            takes = takes.min(delay);
        }
        let to_b = round % 2 == 0;
        let context =
            format!("round {round}: killed after {delay:?} ({killed}), recovered to B: {to_b}");
        let recovery = home.activate(if to_b { b } else { a }, &[]);
        assert_exit(&recovery, 0, &context);
        assert_kill_state(&home, to_b, &context);
        if to_b {
            assert_exit(&home.activate(a, &[]), 0, &format!("{context}, back to A"));
        }
    }
    assert!(interrupted >= 6, "only {interrupted} of 12 kills interrupted a run");
}
