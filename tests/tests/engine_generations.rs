//! Generations end to end: a switch adds, removes and changes files and prunes
//! the folders it made; `am generations` lists them; `am rollback` and
//! `am deactivate` restore earlier homes exactly; GC roots keep the bundles of
//! kept generations alive and go away with `am generations --delete`.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;

use am_tests::engine::{Home, Module, all_output, build_bundles, cached_bundles};
use am_tests::listing::assert_same_listing;
use am_tests::{assert_exit, fresh_dir, have_nix, nix_command, nix_store_delete, stderr, stdout};

const A: [(&str, &str); 6] = [
    (".a-only", "a only\n"),
    (".shared", "shared v1\n"),
    (".same-both", "same in both\n"),
    (".config/kept", "kept A\n"),
    (".config/app/conf", "conf A\n"),
    ("deep/x/y/z", "deep A\n"),
];

const B: [(&str, &str); 5] = [
    (".shared", "shared v2\n"),
    (".same-both", "same in both\n"),
    (".config/kept", "kept B\n"),
    (".b-only", "b only\n"),
    ("newdir/sub/file", "new B\n"),
];

fn module(files: &[(&str, &str)]) -> Module {
    files.iter().fold(Module::new(), |m, (target, text)| m.file(target, text))
}

fn user_files(home: &Home) {
    home.write_user_file(".config/user.conf", b"user conf\n");
    home.write_user_file("notes.txt", b"notes\n");
}

/// Inode and change time of a link: a link that was rewritten gets new ones.
fn link_stamp(home: &Home, rel: &str) -> (u64, i64, i64) {
    let meta = std::fs::symlink_metadata(home.path.join(rel)).expect("the link exists");
    (meta.ino(), meta.ctime(), meta.ctime_nsec())
}

/// The first number on a line, if any.
fn first_number(line: &str) -> Option<u32> {
    let start = line.find(|c: char| c.is_ascii_digit())?;
    let digits: String = line[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Checks the output of `am generations`: one line per generation (a line
/// whose first number is the generation's), and exactly the current one
/// marked (`current`, `active`, `*`, `>` or an arrow on its line).
fn assert_generations_output(home: &Home, expected: &BTreeSet<u32>, current: u32) {
    let output = home.am(&["generations"]);
    assert_exit(&output, 0, "am generations");
    let text = stdout(&output);
    let mut seen = BTreeSet::new();
    for line in text.lines() {
        let Some(number) = first_number(line) else { continue };
        assert!(seen.insert(number), "generation {number} is listed twice:\n{text}");
        let lower = line.to_lowercase();
        let marked = ["current", "active", "*", ">", "→", "←"].iter().any(|m| lower.contains(m));
        assert_eq!(
            marked,
            number == current,
            "generation {number} is {}marked as current (current is {current}):\n{text}",
            if marked { "" } else { "not " }
        );
    }
    assert_eq!(&seen, expected, "am generations lists other generations:\n{text}");
}

#[test]
fn switch_rollback_and_deactivate_restore_exact_homes() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[module(&A), module(&B)]);
    let (a, b) = (&bundles[0], &bundles[1]);
    let home = Home::new("generations");
    user_files(&home);
    let before_first = home.listing();

    assert_exit(&home.activate(a, &[]), 0, "first activation of A");
    for (target, text) in A {
        home.assert_managed(target, text.as_bytes(), "A");
    }
    let gen_a = home.current().expect("A is the current generation");
    assert_eq!(home.generations(), BTreeSet::from([gen_a]));
    assert_eq!(home.current_bundle().as_deref(), Some(a.store_path.as_path()), "gcroot of A");
    assert_generations_output(&home, &BTreeSet::from([gen_a]), gen_a);
    let listing_a = home.listing();

    // A missing managed link is repaired, and re-activating records nothing new.
    std::fs::remove_file(home.path.join(".a-only")).expect("remove a managed link");
    assert_exit(&home.activate(a, &[]), 0, "re-activation of A");
    assert_same_listing(&home.listing(), &listing_a, "re-activation repairs a removed link");
    assert_eq!(home.generations(), BTreeSet::from([gen_a]), "re-activation recorded a generation");
    assert_eq!(home.current(), Some(gen_a));

    let kept_links = [".shared", ".same-both", ".config/kept"];
    let stamps: Vec<_> = kept_links.iter().map(|t| link_stamp(&home, t)).collect();
    assert_exit(&home.activate(b, &[]), 0, "switch to B");
    for (target, text) in B {
        home.assert_managed(target, text.as_bytes(), "B");
    }
    for gone in [".a-only", ".config/app", "deep"] {
        home.assert_absent(gone, "A's own targets and the folders made for them are gone");
    }
    home.assert_user_file(".config/user.conf", b"user conf\n", "switch to B");
    // Targets in both generations follow the static link: their links stay.
    let after: Vec<_> = kept_links.iter().map(|t| link_stamp(&home, t)).collect();
    assert_eq!(after, stamps, "links of {kept_links:?} were rewritten by the switch");
    let gen_b = home.current().expect("B is the current generation");
    assert_ne!(gen_b, gen_a, "the switch to B recorded no new generation");
    assert_eq!(home.generations(), BTreeSet::from([gen_a, gen_b]));
    assert_eq!(home.current_bundle().as_deref(), Some(b.store_path.as_path()), "gcroot of B");
    assert_generations_output(&home, &BTreeSet::from([gen_a, gen_b]), gen_b);
    let listing_b = home.listing();

    // The switched home is exactly a home that only ever saw B.
    let reference = Home::new("generations-reference");
    user_files(&reference);
    assert_exit(&reference.activate(b, &[]), 0, "B in a fresh home");
    assert_same_listing(&listing_b, &reference.listing(), "A then B versus B alone");

    let output = home.am(&["rollback"]);
    assert_exit(&output, 0, "am rollback");
    assert_same_listing(&home.listing(), &listing_a, "rollback to A");
    assert_eq!(home.current_bundle().as_deref(), Some(a.store_path.as_path()), "rollback current");

    assert_exit(&home.activate(b, &[]), 0, "B again");
    assert_same_listing(&home.listing(), &listing_b, "B again");

    assert_exit(&home.am(&["deactivate"]), 0, "am deactivate");
    assert_same_listing(&home.listing(), &before_first, "deactivate");
    assert_eq!(home.current(), None, "`current` remains after deactivate");
    assert!(!home.has_journal(), "deactivate left a journal");

    // A deactivated home can be activated again.
    assert_exit(&home.activate(a, &[]), 0, "A after deactivate");
    assert_same_listing(&home.listing(), &listing_a, "A after deactivate");
}

#[test]
fn pruning_keeps_the_folders_the_new_generation_needs() {
    if !have_nix() {
        return;
    }
    // Folders made for A's targets, emptied by the switch, yet holding B's:
    // found by the randomized test (seed 20240917).
    let old = Module::new().file("p/q/old", "old\n").file("m/n/o/old", "old\n");
    let new = Module::new().file("p/new", "new\n").file("m/new", "new\n");
    let bundles = cached_bundles(&[old, new]);
    let home = Home::new("prune");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "activation of the old bundle");
    assert_exit(&home.activate(&bundles[1], &[]), 0, "switch to the new bundle");
    home.assert_managed("p/new", b"new\n", "after the switch");
    home.assert_managed("m/new", b"new\n", "after the switch");
    for gone in ["p/q", "m/n"] {
        home.assert_absent(gone, "a folder only the old bundle needed");
    }
}

#[test]
fn a_later_layer_links_into_a_folder_an_earlier_layer_made() {
    if !have_nix() {
        return;
    }
    // The pre-check finds `shared/` missing for both links; the first layer
    // makes it, and the link waiting for the command must still go in.
    let module = Module::new()
        .file("shared/first", "first\n")
        .exec("between", "exit 0", &["file:shared/first"], true)
        .raw_link("late", "shared/late", "late\n", &["between"]);
    let bundles = cached_bundles(&[module]);
    let home = Home::new("later-layer");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "activation");
    home.assert_managed("shared/first", b"first\n", "after the activation");
    home.assert_managed("shared/late", b"late\n", "after the activation");
}

#[test]
fn generations_are_gc_roots_until_deleted() {
    if !have_nix() {
        return;
    }
    // Content no other test builds, so that no other root keeps these alive.
    let dir = fresh_dir("gcroots");
    let nonce = dir.display().to_string();
    let bundles = build_bundles(
        &dir,
        &[
            Module::new().file(".gc", &format!("old {nonce}\n")),
            Module::new().file(".gc", &format!("new {nonce}\n")),
        ],
    );
    let (old, new) = (&bundles[0], &bundles[1]);
    let home = Home::new("gcroots");
    assert_exit(&home.activate(old, &[]), 0, "activation of the old bundle");
    let gen_old = home.current().expect("old generation");
    assert_exit(&home.activate(new, &[]), 0, "activation of the new bundle");
    let gen_new = home.current().expect("new generation");

    let roots = nix_command("nix-store").args(["--gc", "--print-roots"]).output().expect("roots");
    assert_exit(&roots, 0, "nix-store --gc --print-roots");
    for (number, bundle) in [(gen_old, old), (gen_new, new)] {
        let root = home.state().join("gcroots").join(number.to_string());
        let line = format!("{} -> {}", root.display(), bundle.store_path.display());
        assert!(stdout(&roots).lines().any(|l| l == line), "Nix does not list the root {line}");
    }

    // Only am's roots remain once the out-links of the build are gone.
    for bundle in [old, new] {
        std::fs::remove_file(&bundle.out_link).expect("remove the out-link");
    }
    for bundle in [old, new] {
        let output = nix_store_delete(&bundle.store_path);
        assert!(!output.status.success(), "Nix deleted the rooted {}", bundle.arg());
        assert!(stderr(&output).contains("alive"), "unexpected refusal: {}", stderr(&output));
        assert!(bundle.store_path.exists());
    }

    let output = home.am(&["generations", "--delete", &gen_new.to_string()]);
    assert_ne!(output.status.code(), Some(0), "am deleted the current generation");
    assert!(home.gcroot(gen_new).is_some(), "a refused delete removed the current root");
    assert_eq!(home.generations(), BTreeSet::from([gen_old, gen_new]), "{}", all_output(&output));

    let output = home.am(&["generations", "--delete", &gen_old.to_string()]);
    assert_exit(&output, 0, "am generations --delete of the old generation");
    assert_eq!(home.generations(), BTreeSet::from([gen_new]));
    assert_eq!(home.gcroot(gen_old), None, "the deleted generation's root remains");
    assert_generations_output(&home, &BTreeSet::from([gen_new]), gen_new);

    let output = nix_store_delete(&old.store_path);
    assert_exit(&output, 0, "nix-store --delete of the old bundle, no longer rooted");
    assert!(!old.store_path.exists(), "the old bundle survived its deletion");
    let output = nix_store_delete(&new.store_path);
    assert!(!output.status.success(), "Nix deleted the active bundle");
    assert_exit(&home.activate(new, &[]), 0, "activation of the active bundle after the GC");
    home.assert_managed(".gc", format!("new {nonce}\n").as_bytes(), "after the GC");
}
