//! The whole life of generations, end to end with real bundles: `am
//! rollback` says where it went and works after `am deactivate` (to the
//! newest generation, or `--to N`); `am generations` marks the current and
//! the deactivated ones; `--delete-older-than` and `--keep` delete old
//! generations and their GC roots; `am deactivate` refuses the flags of an
//! activation; the completion scripts offer the generation numbers; and
//! all of it for a system under `--root` too.

use std::collections::BTreeSet;

use am_tests::engine::{Home, Module, all_output, build_bundles, cached_bundles};
use am_tests::system::{Root, build_system_bundles};
use am_tests::{
    am_bin, assert_exit, fresh_dir, have_nix, nix_store_delete, snapshot_settings, stderr, stdout,
};

fn module(name: &str) -> Module {
    Module::new().file(".which", &format!("{name}\n")).file(&format!(".only-{name}"), "only\n")
}

/// Panics unless the command's stderr says `text`.
fn assert_says(output: &std::process::Output, text: &str) {
    assert!(stderr(output).contains(text), "expected {text:?} in:\n{}", stderr(output));
}

/// Snapshot settings that also hide the times of the listing.
fn settings(home: &Home) -> insta::Settings {
    let mut settings = snapshot_settings(&home.root);
    settings.add_filter(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "[TIME]");
    settings
}

#[test]
fn rollback_says_where_it_went_and_works_after_deactivate() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[module("a"), module("b")]);
    let (a, b) = (&bundles[0], &bundles[1]);
    let home = Home::new("lifecycle-rollback");
    assert_exit(&home.activate(a, &[]), 0, "A");
    let listing_a = home.listing();
    assert_exit(&home.activate(b, &[]), 0, "B");
    let listing_b = home.listing();

    let output = home.am(&["rollback"]);
    assert_exit(&output, 0, "rollback from 2 to 1");
    assert_says(&output, "rolled back from 2 to 1 (recorded as generation 3)");
    assert_eq!(home.listing(), listing_a, "the rollback to A");

    let output = home.am(&["rollback", "--to", "3"]);
    assert_exit(&output, 1, "rollback to the current generation");
    assert_says(&output, "is the current one already");

    assert_exit(&home.am(&["deactivate"]), 0, "deactivate");
    assert_eq!(home.current(), None);
    let output = home.am(&["generations"]);
    assert_exit(&output, 0, "am generations after deactivate");
    settings(&home)
        .bind(|| insta::assert_snapshot!("generations-after-deactivate", stdout(&output)));

    let output = home.am(&["rollback", "--to", "2", "--dry-run"]);
    assert_exit(&output, 0, "dry run of a rollback after deactivate");
    assert_says(&output, "would roll back from none (deactivated) to 2");
    assert_eq!(home.current(), None, "a dry run rolled back");

    let output = home.am(&["rollback", "--to", "2"]);
    assert_exit(&output, 0, "rollback --to 2 after deactivate");
    assert!(
        stderr(&output)
            .contains("rolled back from none (deactivated) to 2 (recorded as generation 4)"),
        "{}",
        stderr(&output)
    );
    assert_eq!(home.listing(), listing_b, "the rollback to B after deactivate");
    assert_eq!(home.current(), Some(4));

    // Without --to, a rollback after deactivate undoes the deactivation.
    assert_exit(&home.am(&["deactivate"]), 0, "deactivate again");
    let output = home.am(&["rollback"]);
    assert_exit(&output, 0, "rollback after deactivate");
    assert_says(&output, "from none (deactivated) to 4");
    assert_eq!(home.listing(), listing_b, "the deactivated generation is back");

    let output = home.am(&["generations"]);
    settings(&home)
        .bind(|| insta::assert_snapshot!("generations-after-rollbacks", stdout(&output)));
}

#[test]
fn deactivate_refuses_the_flags_of_an_activation() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[module("a")]);
    let home = Home::new("lifecycle-deactivate-flags");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "A");
    let before = home.snapshot();
    for flag in ["--force", "--backup-ext=bak", "--jobs=2", "--timings"] {
        let output = home.am(&["deactivate", flag]);
        assert_exit(&output, 2, flag);
        assert_says(&output, flag.split('=').next().unwrap_or(flag));
    }
    assert_eq!(home.snapshot(), before, "a refused deactivate changed the home");
}

#[test]
fn old_generations_go_with_their_gc_roots() {
    if !have_nix() {
        return;
    }
    // Content no other test builds, so that no other root keeps these alive.
    let dir = fresh_dir("lifecycle-delete");
    let nonce = dir.display().to_string();
    let modules: Vec<Module> =
        (1..=4).map(|n| Module::new().file(".gc", &format!("{n} {nonce}\n"))).collect();
    let bundles = build_bundles(&dir, &modules);
    let home = Home::new("lifecycle-delete");
    for (index, bundle) in bundles.iter().enumerate() {
        if index == 3 {
            // Generations 1 and 2 stop being current 3 seconds before 3 does.
            std::thread::sleep(std::time::Duration::from_secs(3));
        }
        assert_exit(&home.activate(bundle, &[]), 0, "activation");
    }
    for bundle in &bundles {
        std::fs::remove_file(&bundle.out_link).expect("remove the out-link");
    }
    assert_eq!(home.generations(), BTreeSet::from([1, 2, 3, 4]));

    let output = home.am(&["generations", "--delete-older-than", "2s", "--dry-run"]);
    assert_exit(&output, 0, "dry run of --delete-older-than");
    assert_eq!(stdout(&output), "would delete generations 1, 2 and their GC roots\n");
    assert_eq!(home.generations(), BTreeSet::from([1, 2, 3, 4]), "a dry run deleted");

    let output = home.am(&["generations", "--delete-older-than", "2s", "--keep", "3"]);
    assert_exit(&output, 0, "--delete-older-than with --keep");
    assert_eq!(stdout(&output), "deleted generation 1 and its GC root\n");
    assert_eq!(home.generations(), BTreeSet::from([2, 3, 4]));
    assert_eq!(home.gcroot(1), None, "the root of generation 1 remains");
    assert_exit(&nix_store_delete(&bundles[0].store_path), 0, "the bundle of 1 is collectable");

    let output = home.am(&["generations", "--delete-older-than", "30d"]);
    assert_exit(&output, 0, "nothing that old");
    assert_eq!(
        stdout(&output),
        "nothing to delete: every generation is the current one or current less than 30d ago\n"
    );

    let output = home.am(&["generations", "--keep", "1"]);
    assert_exit(&output, 0, "--keep 1");
    assert_eq!(stdout(&output), "deleted generations 2, 3 and their GC roots\n");
    assert_eq!(home.generations(), BTreeSet::from([4]));
    for (number, bundle) in [(2, &bundles[1]), (3, &bundles[2])] {
        assert_eq!(home.gcroot(number), None, "the root of generation {number} remains");
        assert_exit(&nix_store_delete(&bundle.store_path), 0, "an unrooted bundle");
    }
    let output = nix_store_delete(&bundles[3].store_path);
    assert!(!output.status.success(), "Nix deleted the current bundle: {}", all_output(&output));
    home.assert_managed(".gc", format!("4 {nonce}\n").as_bytes(), "after the deletions");
}

/// A bash script completing the words of `line` (the last one being
/// completed) as bash does, and printing the candidates.
fn bash_completion(line: &str) -> String {
    format!(
        "COMP_WORDS=({line}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
         _am_with_generations am \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\""
    )
}

/// Runs `script` in `shell` (`bash`, `zsh` or `fish`) with the completion
/// script of `am` for it sourced, `am` on `PATH` and `HOME` the home.
fn in_shell(home: &Home, shell: &str, script: &str) -> String {
    let completion = home.root.join(format!("am.{shell}"));
    let output = home.am(&["completions", shell]);
    assert_exit(&output, 0, "am completions");
    std::fs::write(&completion, stdout(&output)).expect("the script is writable");
    let bin = home.root.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let _ = std::os::unix::fs::symlink(am_bin(), bin.join("am"));
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    // zsh runs without compinit, which would define `compdef`.
    let prelude = if shell == "zsh" { "compdef() { :; }\n" } else { "" };
    let source = format!("{prelude}source {}\n{script}", completion.display());
    let mut command = home.command(shell);
    match shell {
        "fish" => command.args(["--no-config", "-c", &source]),
        "zsh" => command.args(["-f", "-c", &source]),
        _ => command.args(["--norc", "-c", &source]),
    };
    let output = command.env("PATH", path).output().expect("the shell runs");
    assert_exit(&output, 0, shell);
    stdout(&output)
}

#[test]
fn completions_offer_the_generation_numbers() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[module("a"), module("b")]);
    let home = Home::new("lifecycle-completions");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "A");
    assert_exit(&home.activate(&bundles[1], &[]), 0, "B");

    let bash = |line: &str| in_shell(&home, "bash", &bash_completion(line));
    assert_eq!(bash("am rollback --to ''"), "1\n2\n");
    assert_eq!(bash("am generations --delete 1 ''"), "1\n2\n");
    assert!(bash("am rollback --dry-r").contains("--dry-run"), "clap's completion is kept");

    if am_tests::require("zsh", am_tests::find_program("zsh").is_some()) {
        // Without compinit: `_describe` is a stand-in that prints what it
        // is given.
        let described = in_shell(
            &home,
            "zsh",
            "_describe() { print -rl -- ${(P)argv[-1]} }\n\
             words=(am rollback --to ''); CURRENT=4; _am_generation_numbers",
        );
        let numbers: Vec<&str> =
            described.lines().map(|line| line.split(':').next().unwrap_or(line)).collect();
        assert_eq!(numbers, ["1", "2"], "{described}");
        assert!(described.lines().nth(1).is_some_and(|l| l.ends_with(", current")), "{described}");
    }
    if am_tests::require("fish", am_tests::find_program("fish").is_some()) {
        let fish = in_shell(&home, "fish", "complete -C 'am rollback --to '");
        let numbers: Vec<&str> =
            fish.lines().map(|line| line.split('\t').next().unwrap_or(line)).collect();
        assert_eq!(numbers, ["1", "2"], "{fish}");
    }
}

#[test]
fn a_system_under_root_has_the_same_lifecycle() {
    if !have_nix() {
        return;
    }
    let bundles = build_system_bundles(
        "lifecycle-system",
        &[
            "{ ... }: { environment.etc.motd.text = \"A\\n\"; }\n",
            "{ ... }: { environment.etc.motd.text = \"B\\n\"; environment.etc.issue.text = \"B\\n\"; }\n",
        ],
    );
    let root = Root::new("lifecycle-system");
    let home = Home::new("lifecycle-system");
    assert_exit(&root.activate(&bundles[0], &[]), 0, "A under --root");
    assert_exit(&root.activate(&bundles[1], &[]), 0, "B under --root");
    assert_exit(&root.am("deactivate", &[]), 0, "deactivate under --root");
    assert_eq!(root.read("etc/motd"), None, "deactivate left motd");

    let output = root.am("rollback", &["--to", "1"]);
    assert_exit(&output, 0, "rollback --to 1 under --root after deactivate");
    assert_says(&output, "rolled back from none (deactivated) to 1");
    assert_eq!(root.read("etc/motd").as_deref(), Some("A\n"));
    assert_eq!(root.read("etc/issue"), None, "B's issue is there");

    let output = root.am("generations", &[]);
    assert_exit(&output, 0, "generations under --root");
    settings(&home).bind(|| insta::assert_snapshot!("generations-system", stdout(&output)));

    let output = root.am("generations", &["--keep", "1"]);
    assert_exit(&output, 0, "--keep 1 under --root");
    assert_eq!(stdout(&output), "deleted generations 1, 2 and their GC roots\n");
    let state = root.join("var/lib/activation-manager");
    let left: Vec<String> = std::fs::read_dir(state.join("gcroots"))
        .expect("gcroots")
        .filter_map(|entry| Some(entry.ok()?.file_name().to_str()?.to_string()))
        .collect();
    assert_eq!(left, ["3"], "the roots of the deleted generations remain");

    // The completions of a system's generations name its root.
    let line = format!("am rollback --root {} --to ''", root.path.display());
    assert_eq!(in_shell(&home, "bash", &bash_completion(&line)), "3\n");
}
