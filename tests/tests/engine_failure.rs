//! Failing nodes: a required node that fails after the links were made rolls
//! the whole activation back, byte for byte; an optional one is reported,
//! its dependents are skipped, and the rest is applied ("partial").

use std::collections::BTreeSet;

use am_tests::engine::{Home, Module, all_output, cached_bundles};
use am_tests::listing::assert_same_listing;
use am_tests::{assert_exit, have_nix};

fn module_a() -> Module {
    Module::new()
        .file(".keep", "keep\n")
        .file(".change", "change A\n")
        .file(".gone", "gone in B\n")
        .file("adir/one", "one A\n")
        .file(".config/app/conf", "conf A\n")
}

/// Changes, adds and removes files, backs up a user file, and then fails a
/// required command in a later layer; a link waits for that command.
fn module_b() -> Module {
    Module::new()
        .backup_ext("bak")
        .file(".keep", "keep\n")
        .file(".change", "change B\n")
        .file(".new", "new B\n")
        .file("bdir/deep/new", "deep B\n")
        .file(".config/app/conf", "conf B\n")
        .file(".in-the-way", "B wants this path\n")
        .exec("fail", "exit 1", &["file:.new", "file:bdir/deep/new", "file:.in-the-way"], true)
        .raw_link("late-link", ".late", "after the failure\n", &["fail"])
}

/// An optional command fails: the link waiting for it is skipped, the link
/// beside it is made.
fn module_c() -> Module {
    Module::new()
        .file(".keep", "keep\n")
        .file(".c-only", "c only\n")
        .exec("optional-fail", "exit 1", &["file:.c-only"], false)
        .raw_link("dependent", ".dependent", "skipped\n", &["optional-fail"])
        .raw_link("independent", ".independent", "made\n", &["file:.c-only"])
}

fn user_files(home: &Home) {
    home.write_user_file(".in-the-way", b"mine\n");
    home.write_user_file(".config/user.conf", b"user conf\n");
}

#[test]
fn a_failed_required_node_rolls_back_to_the_previous_generation() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[module_a(), module_b()]);
    let (a, b) = (&bundles[0], &bundles[1]);
    let home = Home::new("required");
    user_files(&home);
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    let listing_a = home.listing();
    let current = home.current();
    let generations = home.generations();
    let static_link = home.static_link();

    let output = home.activate(b, &[]);
    assert_exit(&output, 4, "B with a failing required node");
    assert!(all_output(&output).contains("fail"), "the failed node is not named");
    assert_same_listing(&home.listing(), &listing_a, "after the failed activation of B");
    home.assert_user_file(".in-the-way", b"mine\n", "after the failed activation of B");
    assert_eq!(home.current(), current, "`current` moved");
    assert_eq!(home.generations(), generations, "a failed activation recorded a generation");
    assert_eq!(home.static_link(), static_link, "the static link was not switched back");
    assert!(!home.has_journal(), "a rolled back activation left its journal");

    // Nothing of B lingers to trouble the next activation.
    assert_exit(&home.activate(a, &[]), 0, "A again");
    assert_same_listing(&home.listing(), &listing_a, "A again");
    assert_eq!(home.generations(), generations, "re-activating A recorded a generation");
}

#[test]
fn a_failed_first_activation_leaves_the_home_as_it_was() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[module_b()]);
    let home = Home::new("required-first");
    user_files(&home);
    let before = home.listing();
    assert_exit(&home.activate(&bundles[0], &[]), 4, "first activation failing");
    assert_same_listing(&home.listing(), &before, "after a failed first activation");
    home.assert_user_file(".in-the-way", b"mine\n", "after a failed first activation");
    assert_eq!(home.current(), None, "a failed first activation became current");
    assert_eq!(home.generations(), BTreeSet::new(), "a failed activation recorded a generation");
}

#[test]
fn a_failed_optional_node_skips_its_dependents_and_applies_the_rest() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[module_a(), module_c()]);
    let (a, c) = (&bundles[0], &bundles[1]);
    let home = Home::new("optional");
    user_files(&home);
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    let gen_a = home.current();

    let output = home.activate(c, &[]);
    assert_exit(&output, 5, "C with a failing optional node");
    let message = all_output(&output);
    for id in ["optional-fail", "dependent"] {
        assert!(message.contains(id), "the report does not name {id}:\n{message}");
    }
    home.assert_managed(".keep", b"keep\n", "partial");
    home.assert_managed(".c-only", b"c only\n", "partial");
    home.assert_managed(".independent", b"made\n", "partial");
    home.assert_absent(".dependent", "the dependent of a failed optional node");
    for gone in [".change", ".gone", "adir", ".config/app"] {
        home.assert_absent(gone, "A's targets after the partial switch to C");
    }
    home.assert_user_file(".in-the-way", b"mine\n", "partial");
    assert_ne!(home.current(), gen_a, "what a partial activation applied is not recorded");
    assert!(!home.has_journal(), "a partial activation left its journal");

    // The recorded generation owns what was applied: switching back removes it.
    assert_exit(&home.activate(a, &[]), 0, "back to A");
    for gone in [".c-only", ".independent"] {
        home.assert_absent(gone, "C's targets after switching back to A");
    }
}
