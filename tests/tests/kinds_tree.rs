//! `recursive = true`: a source folder mirrored file by file into a real
//! folder, so that files which leave the source are removed one by one and
//! files the user puts into the folder stay.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use am_tests::engine::{Home, Module, all_output, build_bundles, write_files};
use am_tests::{assert_exit, fresh_dir, have_nix, stdout};

/// `home.file.".config/t"` mirroring `./<name>`, with `extra` attributes.
fn tree(name: &str, extra: &str) -> Module {
    Module::new().line(format!(
        "home.file.\".config/t\" = {{ source = ./{name}; recursive = true;{extra} }};"
    ))
}

/// The two sources: B changes `init.lua`, drops `lua/old.lua`, adds `new.lua`.
fn sources(dir: &Path) {
    write_files(
        &dir.join("tree-a"),
        &[("init.lua", "a1\n"), ("lua/plugins.lua", "p1\n"), ("lua/old.lua", "old\n")],
    );
    write_files(
        &dir.join("tree-b"),
        &[("init.lua", "a2\n"), ("lua/plugins.lua", "p1\n"), ("new.lua", "n\n")],
    );
}

fn assert_folder(home: &Home, rel: &str, context: &str) {
    let meta = std::fs::symlink_metadata(home.path.join(rel))
        .unwrap_or_else(|e| panic!("{context}: {rel} is missing ({e})"));
    assert!(meta.is_dir(), "{context}: {rel} is not a real folder: {:?}", meta.file_type());
}

#[test]
fn a_tree_of_links_follows_its_source_file_by_file() {
    if !have_nix() {
        return;
    }
    let dir = fresh_dir("tree");
    sources(&dir);
    let bundles = build_bundles(&dir, &[tree("tree-a", ""), tree("tree-b", ""), Module::new()]);
    let (a, b, c) = (&bundles[0], &bundles[1], &bundles[2]);
    let home = Home::new("tree");

    let inspect = home.am(&["inspect", &a.arg()]);
    assert_exit(&inspect, 0, "am inspect");
    for id in
        ["file:.config/t/init.lua", "file:.config/t/lua/old.lua", "file:.config/t/lua/plugins.lua"]
    {
        assert!(
            stdout(&inspect).contains(id),
            "am inspect does not list {id}:\n{}",
            stdout(&inspect)
        );
    }

    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    assert_folder(&home, ".config/t", "A");
    assert_folder(&home, ".config/t/lua", "A");
    home.assert_managed(".config/t/init.lua", b"a1\n", "A");
    home.assert_managed(".config/t/lua/plugins.lua", b"p1\n", "A");
    home.assert_managed(".config/t/lua/old.lua", b"old\n", "A");

    // Files of the user's own, in the tree's folders.
    home.write_user_file(".config/t/mine.lua", b"mine\n");
    home.write_user_file(".config/t/lua/local.lua", b"local\n");

    assert_exit(&home.activate(b, &[]), 0, "activation of B");
    home.assert_managed(".config/t/init.lua", b"a2\n", "B");
    home.assert_managed(".config/t/lua/plugins.lua", b"p1\n", "B");
    home.assert_managed(".config/t/new.lua", b"n\n", "B");
    home.assert_absent(".config/t/lua/old.lua", "B");
    home.assert_user_file(".config/t/mine.lua", b"mine\n", "B");
    home.assert_user_file(".config/t/lua/local.lua", b"local\n", "B");

    assert_exit(&home.activate(c, &[]), 0, "activation of C");
    for rel in [".config/t/init.lua", ".config/t/lua/plugins.lua", ".config/t/new.lua"] {
        home.assert_absent(rel, "C");
    }
    // The folders hold the user's files, so they stay.
    home.assert_user_file(".config/t/mine.lua", b"mine\n", "C");
    home.assert_user_file(".config/t/lua/local.lua", b"local\n", "C");
}

#[test]
fn a_tree_of_copies_has_the_mode_asked_for_and_keeps_edits() {
    if !have_nix() {
        return;
    }
    let dir = fresh_dir("tree-copy");
    sources(&dir);
    let extra = " mode = \"copy\"; permissions = \"0600\";";
    let bundles =
        build_bundles(&dir, &[tree("tree-a", extra), tree("tree-b", extra), Module::new()]);
    let (a, b, c) = (&bundles[0], &bundles[1], &bundles[2]);
    let home = Home::new("tree-copy");
    let copy_of = |rel: &str| {
        let path = home.path.join(rel);
        let meta = std::fs::symlink_metadata(&path).expect("the copy exists");
        assert!(meta.is_file(), "{rel} is not a regular file");
        (std::fs::read_to_string(&path).expect("readable"), meta.permissions().mode() & 0o777)
    };

    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    assert_eq!(copy_of(".config/t/init.lua"), ("a1\n".to_string(), 0o600));
    assert_eq!(copy_of(".config/t/lua/old.lua"), ("old\n".to_string(), 0o600));

    assert_exit(&home.activate(b, &[]), 0, "activation of B");
    assert_eq!(copy_of(".config/t/init.lua"), ("a2\n".to_string(), 0o600));
    assert_eq!(copy_of(".config/t/new.lua"), ("n\n".to_string(), 0o600));
    home.assert_absent(".config/t/lua/old.lua", "B");

    // An edited copy inside the tree is the user's now: it stops the switch.
    home.write_user_file(".config/t/init.lua", b"my init\n");
    let refused = home.activate(a, &[]);
    assert_exit(&refused, 3, "activation of A over an edited copy");
    assert!(all_output(&refused).contains(".config/t/init.lua"), "{}", all_output(&refused));
    home.assert_user_file(".config/t/init.lua", b"my init\n", "refused");

    // Dropping the tree leaves the edited copy, and removes the others.
    assert_exit(&home.activate(c, &[]), 0, "activation of C");
    home.assert_user_file(".config/t/init.lua", b"my init\n", "C");
    home.assert_absent(".config/t/new.lua", "C");
    home.assert_absent(".config/t/lua", "C");
}

#[test]
fn a_dry_run_of_a_tree_lists_each_file_and_changes_nothing() {
    if !have_nix() {
        return;
    }
    let dir = fresh_dir("tree-dry");
    sources(&dir);
    let bundles = build_bundles(&dir, &[tree("tree-a", ""), tree("tree-b", "")]);
    let home = Home::new("tree-dry");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "activation of A");
    let before = home.snapshot();

    let output = home.activate(&bundles[1], &["--dry-run"]);
    assert_exit(&output, 0, "dry run of B");
    let text = stdout(&output);
    assert!(text.lines().any(|line| line == "  + ~/.config/t/new.lua"), "{text}");
    assert!(text.lines().any(|line| line == "  - ~/.config/t/lua/old.lua"), "{text}");
    assert!(text.lines().any(|line| line == "  ~ ~/.config/t/init.lua  new content"), "{text}");
    assert!(!text.contains("plugins.lua"), "an unchanged file is listed:\n{text}");
    assert_eq!(home.snapshot(), before, "a dry run changed the home");
}
