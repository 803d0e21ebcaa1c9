//! `am diff` tells the truth, readably: bundles that differ in one file of
//! a 10,000-file `recursive` folder show exactly that file; a unit whose
//! file differs only by the bundle's own store path shows nothing; a
//! changed command shows its old and new command lines; dconf keys set,
//! changed and reset are listed; `-p` adds unified diffs. The dry run's
//! list (on stdout) groups the same way.

use std::path::Path;

use am_tests::dconf::{self, have_dconf};
use am_tests::engine::{Home, Module, build_bundles};
use am_tests::{assert_exit, fresh_dir, have_nix, snapshot_settings, stderr, stdout};

/// How many files the recursive folder holds.
const FILES: usize = 10_000;

/// The one file of the folder that B changes.
const CHANGED: usize = 4242;

/// Writes the folder `name` below `dir`: `FILES` files in ten folders;
/// with `changed`, file `CHANGED` has other content.
fn big_folder(dir: &Path, name: &str, changed: bool) {
    for i in 0..FILES {
        let path = dir.join(name).join(format!("d{}", i / 1000)).join(format!("f{i:04}"));
        if i % 1000 == 0 {
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("writable");
        }
        let text = if changed && i == CHANGED { "changed\n".to_string() } else { format!("{i}\n") };
        std::fs::write(&path, text).expect("writable");
    }
}

/// A and B share the unit `web` (whose file names a script of its own
/// bundle, so the two files differ in the bundle path alone); B changes
/// one file of the folder, a text file, the command `hello`, dconf keys
/// and the unit `job`, adds the unit `added` and drops `gone`.
fn module(big: &str, b: bool) -> Module {
    let (line, scheme, notes) = if b {
        ("echo hello, world", "prefer-dark", "one\nTWO\nthree\n")
    } else {
        ("echo hello", "prefer-light", "one\ntwo\nthree\n")
    };
    let module = Module::new()
        .line(format!("home.file.\".config/big\" = {{ source = ./{big}; recursive = true; }};"))
        .file(".config/notes.txt", notes)
        .line(
            r#"systemd.user.services.web = {
              wantedBy = [ "default.target" ];
              script = "exec sleep infinity";
            };"#,
        )
        .exec("hello", line, &[], true)
        .exec("always", "true", &[], true)
        .line(format!(r#"dconf.settings."org/am-test/app".color-scheme = "{scheme}";"#));
    let job =
        format!(r#"systemd.user.services.job.script = "echo {}";"#, if b { "B" } else { "A" });
    let module = module.line(job);
    if b {
        module
            .line(r#"dconf.settings."org/am-test/app".new-key = true;"#)
            .line(r#"systemd.user.services.added = { wantedBy = [ "default.target" ]; script = "true"; };"#)
    } else {
        module
            .line(r#"dconf.settings."org/am-test/app".old-key = 5;"#)
            .line(r#"systemd.user.services.gone.script = "true";"#)
    }
}

#[test]
fn diff_shows_exactly_what_changed_and_the_dry_run_lists_it_alike() {
    if !have_nix() || !have_dconf() {
        return;
    }
    let dir = fresh_dir("diff");
    big_folder(&dir, "big-a", false);
    big_folder(&dir, "big-b", true);
    let bundles = build_bundles(&dir, &[module("big-a", false), module("big-b", true)]);
    let (a, b) = (&bundles[0], &bundles[1]);
    let home = Home::new("diff");

    let diff = home.am(&["diff", &a.arg(), &b.arg()]);
    assert_exit(&diff, 0, "am diff A B");
    let text = stdout(&diff);
    let changed = format!("f{CHANGED:04}");
    let file_lines: Vec<&str> = text.lines().filter(|line| line.contains(".config/big/")).collect();
    assert_eq!(file_lines.len(), 1, "one file of the folder changed:\n{text}");
    assert!(file_lines[0].contains(&changed), "{text}");
    assert!(!text.contains("web.service"), "the unit differs only by the bundle path:\n{text}");

    let patch = home.am(&["diff", "-p", &a.arg(), &b.arg()]);
    assert_exit(&patch, 0, "am diff -p A B");

    // The same diff from the active bundle, with NEW alone.
    assert_exit(&dconf::activate(&home, a, &[]), 0, "activation of A");
    let from_active = home.am(&["diff", &b.arg()]);
    assert_exit(&from_active, 0, "am diff B");
    let active_text = stdout(&from_active);
    let from = |text: &str| text.lines().nth(1).map(str::to_string).unwrap_or_default();
    assert!(from(&active_text).ends_with(" (active)"), "{active_text}");
    let without_from = |text: &str| -> Vec<String> {
        let lines = text.lines().enumerate().filter(|(n, _)| *n != 1);
        lines.map(|(_, line)| line.to_string()).collect()
    };
    assert!(
        without_from(&active_text) == without_from(&text),
        "am diff B differs from am diff A B although A is active:\n{active_text}"
    );

    // The dry run's list goes to stdout, grouped the same way.
    let dry = dconf::activate(&home, b, &["--dry-run"]);
    assert_exit(&dry, 0, "dry run of B");
    // stderr holds notes (no user manager here), never the list.
    let said = stderr(&dry);
    assert!(!said.contains("would") && !said.contains("notes.txt"), "on stderr:\n{said}");
    let verbose = dconf::activate(&home, b, &["--dry-run", "--verbose"]);
    assert_exit(&verbose, 0, "verbose dry run of B");

    snapshot_settings(&dir).bind(|| {
        insta::assert_snapshot!("diff", text);
        insta::assert_snapshot!("diff-patch", stdout(&patch));
        insta::assert_snapshot!("dry-run-stdout", stdout(&dry));
        insta::assert_snapshot!("dry-run-verbose-stdout", stdout(&verbose));
    });
}

/// A diff of identical bundles says so in one line, and `am diff` without
/// an active bundle names the fix.
#[test]
fn no_change_is_one_line_and_no_active_bundle_is_explained() {
    if !have_nix() {
        return;
    }
    let dir = fresh_dir("diff-same");
    let module = Module::new().file(".a", "a\n");
    let bundles =
        build_bundles(&dir, &[module.clone(), module.line("home.file.\".b\".text = \"b\";")]);
    let home = Home::new("diff-same");
    let same = home.am(&["diff", &bundles[0].arg(), &bundles[0].arg()]);
    assert_exit(&same, 0, "am diff A A");
    assert_eq!(stdout(&same).lines().next(), Some("no changes"), "{}", stdout(&same));
    let none = home.am(&["diff", &bundles[1].arg()]);
    assert_exit(&none, 1, "am diff B without an active bundle");
    assert!(stderr(&none).contains("am diff OLD ./result"), "{}", stderr(&none));
}
