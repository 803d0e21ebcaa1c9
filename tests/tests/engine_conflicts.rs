//! The pre-check's promises: a path in the way stops the activation with every
//! conflict listed and nothing changed; a backup extension moves user files
//! aside (and `am deactivate` moves them back) but never overwrites a backup;
//! `force` replaces; identical files and home-manager links are taken over.

use am_tests::engine::{Bundle, Home, Module, all_output, cached_bundles};
use am_tests::{assert_exit, have_nix};

/// The targets of the main bundle and what each holds.
const MAIN: [(&str, &str); 7] = [
    (".conf-a", "managed a\n"),
    (".conf-dir", "managed dir\n"),
    (".foreign", "managed foreign\n"),
    (".same", "same content\n"),
    (".bashrc", "managed bashrc\n"),
    (".hm-lookalike", "managed lookalike\n"),
    (".config/nested/file", "managed nested\n"),
];

/// A store path that home-manager's files derivation would have, and one
/// with the same shape that is not home-manager's.
const HM_FILES: &str = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-home-manager-files";
const NOT_HM: &str = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-home-manager-generation";

struct Bundles {
    main: Bundle,
    /// `.conf-a` only, with `am.backupFileExtension = "bak"`.
    configured_backup: Bundle,
    /// `.conf-a` only, with `force = true`.
    forced: Bundle,
    /// `.prior` only: a generation to have before a refused activation.
    prior: Bundle,
}

fn bundles() -> Bundles {
    let main = MAIN.iter().fold(Module::new(), |m, (target, text)| m.file(target, text));
    let configured_backup = Module::new().file(".conf-a", "managed a\n").backup_ext("bak");
    let forced = Module::new().forced_file(".conf-a", "managed a\n");
    let prior = Module::new().file(".prior", "prior\n");
    let mut built = cached_bundles(&[main, configured_backup, forced, prior]).into_iter();
    let mut next = || built.next().expect("one bundle per module");
    Bundles { main: next(), configured_backup: next(), forced: next(), prior: next() }
}

fn symlink(home: &Home, rel: &str, content: &str) {
    let path = home.path.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("parent folder");
    }
    std::os::unix::fs::symlink(content, &path).expect("symlink");
}

#[test]
fn a_refused_activation_lists_every_conflict_and_changes_nothing() {
    if !have_nix() {
        return;
    }
    let b = bundles();

    // A first activation: nothing of am exists yet, and nothing may appear.
    let home = Home::new("refused-first");
    home.write_user_file(".conf-a", b"mine\n");
    home.write_user_file(".conf-dir/inside", b"a file in a folder in the way\n");
    symlink(&home, ".foreign", "/tmp/somewhere-else");
    symlink(&home, ".hm-lookalike", &format!("{NOT_HM}/.hm-lookalike"));
    home.write_user_file(".same", b"same content\n");
    home.write_user_file(".config/mine", b"unrelated\n");
    let before = home.snapshot();

    let output = home.activate(&b.main, &[]);
    assert_exit(&output, 3, "activation with four paths in the way");
    let message = all_output(&output);
    for path in [".conf-a", ".conf-dir", ".foreign", ".hm-lookalike"] {
        assert!(message.contains(path), "the refusal does not list {path}:\n{message}");
    }
    assert_eq!(home.snapshot(), before, "a refused first activation changed the home");
    assert!(!home.path.join(".local").exists(), "a refused first activation made a state folder");
    home.assert_user_file(".conf-a", b"mine\n", "refused");
    home.assert_user_file(".same", b"same content\n", "refused");

    // With a generation already active, the state must not change either.
    let home = Home::new("refused-later");
    assert_exit(&home.activate(&b.prior, &[]), 0, "activation of the prior bundle");
    home.write_user_file(".conf-a", b"mine\n");
    let before = home.snapshot();
    let current = home.current();
    assert!(current.is_some(), "a successful activation records a current generation");
    let output = home.activate(&b.main, &[]);
    assert_exit(&output, 3, "activation with a user file in the way");
    assert!(all_output(&output).contains(".conf-a"), "{}", all_output(&output));
    assert_eq!(home.snapshot(), before, "a refused activation changed the home or its state");
    assert_eq!(home.current(), current);
    assert!(!home.has_journal(), "a refused activation left a journal");
}

#[test]
fn a_backup_extension_moves_the_user_file_aside_and_deactivate_moves_it_back() {
    if !have_nix() {
        return;
    }
    let b = bundles();
    for (label, bundle, args) in
        [("flag", &b.main, &["--backup-ext", "bak"][..]), ("option", &b.configured_backup, &[][..])]
    {
        let home = Home::new(&format!("backup-{label}"));
        home.write_user_file(".conf-a", b"mine\n");
        let before = home.listing();

        assert_exit(&home.activate(bundle, args), 0, &format!("activation with backup ({label})"));
        home.assert_managed(".conf-a", b"managed a\n", label);
        home.assert_user_file(".conf-a.bak", b"mine\n", label);

        // Activating again finds the backup in place: nothing to move, no error.
        assert_exit(&home.activate(bundle, args), 0, &format!("re-activation ({label})"));
        home.assert_user_file(".conf-a.bak", b"mine\n", label);

        assert_exit(&home.am(&["deactivate"]), 0, &format!("am deactivate ({label})"));
        home.assert_user_file(".conf-a", b"mine\n", label);
        home.assert_absent(".conf-a.bak", label);
        assert_eq!(home.listing(), before, "{label}: deactivate did not restore the home");
        assert_eq!(home.current(), None, "{label}: `current` remains after deactivate");
    }
}

#[test]
fn an_existing_backup_is_never_overwritten_unless_asked() {
    if !have_nix() {
        return;
    }
    let b = bundles();
    let home = Home::new("existing-backup");
    home.write_user_file(".conf-a", b"mine\n");
    home.write_user_file(".conf-a.bak", b"an older backup\n");
    let before = home.snapshot();

    for (bundle, args) in [(&b.main, &["--backup-ext", "bak"][..]), (&b.configured_backup, &[][..])]
    {
        let output = home.activate(bundle, args);
        assert_exit(&output, 3, "activation whose backup path is taken");
        let message = all_output(&output);
        assert!(
            message.contains(".conf-a.bak"),
            "the refusal does not name the backup:\n{message}"
        );
        assert_eq!(home.snapshot(), before, "a refused backup changed the home");
    }

    let output = home.activate(&b.main, &["--backup-ext", "bak", "--overwrite-backup"]);
    assert_exit(&output, 0, "activation with --overwrite-backup");
    home.assert_managed(".conf-a", b"managed a\n", "overwrite-backup");
    home.assert_user_file(".conf-a.bak", b"mine\n", "overwrite-backup");

    assert_exit(&home.am(&["deactivate"]), 0, "am deactivate");
    home.assert_user_file(".conf-a", b"mine\n", "deactivate after overwrite-backup");
    home.assert_absent(".conf-a.bak", "deactivate after overwrite-backup");
}

#[test]
fn force_replaces_the_user_file_without_a_backup() {
    if !have_nix() {
        return;
    }
    let b = bundles();
    for (label, bundle, args) in
        [("option", &b.forced, &[][..]), ("flag", &b.main, &["--force"][..])]
    {
        let home = Home::new(&format!("force-{label}"));
        home.write_user_file(".conf-a", b"mine\n");
        assert_exit(&home.activate(bundle, args), 0, &format!("forced activation ({label})"));
        home.assert_managed(".conf-a", b"managed a\n", label);
        home.assert_absent(".conf-a.bak", label);
    }
}

#[test]
fn identical_files_are_adopted_and_home_manager_links_taken_over() {
    if !have_nix() {
        return;
    }
    let b = bundles();
    let home = Home::new("adopt");
    home.write_user_file(".same", b"same content\n");
    // Links of a home-manager generation; they dangle here, as they do once
    // home-manager's generation was collected, and are still home-manager's.
    symlink(&home, ".bashrc", &format!("{HM_FILES}/.bashrc"));
    symlink(&home, ".config/nested/file", &format!("{HM_FILES}/.config/nested/file"));

    let output = home.activate(&b.main, &[]);
    assert_exit(&output, 0, "activation over an identical file and home-manager links");
    for (target, text) in MAIN {
        home.assert_managed(target, text.as_bytes(), "after adoption");
    }
    home.assert_absent(".same.bak", "an adopted file needs no backup");
    home.assert_absent(".bashrc.bak", "a home-manager link needs no backup");
}
