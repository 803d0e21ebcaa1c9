//! `--dry-run` prints every change an activation would make (on stdout:
//! files added, changed, removed, backed up, commands to run) and changes
//! nothing: not the home, not the state, and no state folder where there
//! was none.

use am_tests::engine::{Home, Module, all_output, cached_bundles};
use am_tests::{assert_exit, have_nix, stdout};

fn module_a() -> Module {
    Module::new()
        .file(".same", "same\n")
        .file(".changed", "A\n")
        .file(".removed", "removed in B\n")
        .file("olddir/x", "x\n")
}

fn module_b() -> Module {
    Module::new()
        .file(".same", "same\n")
        .file(".changed", "B\n")
        .file(".added", "added\n")
        .file("newdir/sub/y", "y\n")
        .file(".in-the-way", "B\n")
        .forced_file(".forced", "forced\n")
        .exec("dry-hook", "echo dry-hook-ran > \"$HOME/hook.out\"", &["file:.added"], true)
}

/// Panics unless some line of `output` names `what`, starts with `mark`
/// (`+` added, `-` removed, `~` changed) and says `word`.
fn assert_says(output: &str, what: &str, mark: &str, word: &str) {
    let says = |line: &str| {
        let line = line.trim_start();
        line.starts_with(mark) && line.contains(what) && line.contains(word)
    };
    assert!(output.lines().any(says), "no line {mark} {what} ... {word}:\n{output}");
}

#[test]
fn dry_run_prints_every_change_and_changes_nothing() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[module_a(), module_b()]);
    let (a, b) = (&bundles[0], &bundles[1]);

    // Into an empty home: no state folder may appear.
    let home = Home::new("dry-run");
    home.write_user_file(".in-the-way", b"mine\n");
    home.write_user_file(".forced", b"mine, to be replaced\n");
    let empty = home.snapshot();
    let output = home.activate(a, &["--dry-run"]);
    assert_exit(&output, 0, "dry run of a first activation");
    for target in [".same", ".changed", ".removed", "olddir/x"] {
        assert_says(&stdout(&output), target, "+", "");
    }
    assert_eq!(home.snapshot(), empty, "a dry run changed an empty home");
    assert!(!home.path.join(".local").exists(), "a dry run made the state folder");

    // A switch with every kind of change.
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    let before = home.snapshot();
    let output = home.activate(b, &["--dry-run", "--backup-ext", "bak"]);
    assert_exit(&output, 0, "dry run of the switch to B");
    let text = stdout(&output);
    assert!(text.starts_with("would activate"), "{text}");
    assert_says(&text, ".added", "+", "");
    assert_says(&text, "newdir/sub/y", "+", "");
    assert_says(&text, ".removed", "-", "");
    assert_says(&text, "olddir/x", "-", "");
    assert_says(&text, ".in-the-way", "~", "moves to ~/.in-the-way.bak");
    assert_says(&text, ".forced", "~", "replaces what is there");
    assert_says(&text, ".changed", "~", "new content");
    assert_says(&text, "dry-hook", "", "dry-hook-ran");
    assert_eq!(home.snapshot(), before, "a dry run changed the home or its state");
    home.assert_absent("hook.out", "a dry run ran a command");

    // A dry run that would be refused changes nothing either.
    let output = home.activate(b, &["--dry-run"]);
    assert_ne!(output.status.code(), Some(0), "a dry run hid the conflict at .in-the-way");
    assert!(all_output(&output).contains(".in-the-way"), "{}", all_output(&output));
    assert_eq!(home.snapshot(), before, "a refused dry run changed the home");

    // The real run then does what the dry run said.
    assert_exit(&home.activate(b, &["--backup-ext", "bak"]), 0, "the switch to B");
    home.assert_managed(".added", b"added\n", "after the real run");
    home.assert_managed(".forced", b"forced\n", "after the real run");
    home.assert_user_file(".in-the-way.bak", b"mine\n", "after the real run");
    home.assert_absent(".removed", "after the real run");
    home.assert_absent("olddir", "after the real run");
    assert!(home.path.join("hook.out").is_file(), "the real run did not run dry-hook");
}
