//! Every configuration in `examples/` builds with the real `nix-build` and
//! activates into a temporary home, so what the docs point people at works.

use std::path::{Path, PathBuf};

use am_tests::{am_bin, assert_exit, fresh_dir, have_nix, nix_build, repo_root, run_in_home, tree};

/// Every `examples/<name>/home.nix`, sorted.
fn examples() -> Vec<(String, PathBuf)> {
    let dir = repo_root().join("examples");
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("home.nix"))
        .filter(|config| config.is_file())
        .filter_map(|config| {
            let name = config.parent()?.file_name()?.to_string_lossy().into_owned();
            Some((name, config))
        })
        .collect();
    found.sort();
    found
}

/// Builds `config` and activates it into a fresh home that already holds
/// `existing` files, as a real home would. Returns the home and the bundle.
fn build_and_activate(name: &str, config: &Path, existing: &[(&str, &str)]) -> (PathBuf, PathBuf) {
    let temp = fresh_dir(name);
    let result = nix_build(&temp, &[config], &[])
        .unwrap_or_else(|stderr| panic!("examples/{name} does not build:\n{stderr}"));
    let home = temp.join("home");
    for (path, content) in existing {
        let path = home.join(path);
        std::fs::create_dir_all(path.parent().unwrap_or(&home)).expect("home is writable");
        std::fs::write(path, content).expect("home is writable");
    }
    std::fs::create_dir_all(&home).expect("home is writable");
    let activate = result.join("bin/activate");
    assert_exit(&run_in_home(&activate, &[], &home), 0, &format!("activating examples/{name}"));
    (home, result)
}

#[test]
fn every_example_builds_activates_and_deactivates() {
    if !have_nix() {
        return;
    }
    let examples = examples();
    assert!(examples.iter().any(|(name, _)| name == "minimal"), "{examples:?}");
    for (name, config) in examples {
        // Truly empty: not even ~/.local, where the state folder goes.
        let (home, result) = build_and_activate(&name, &config, &[]);
        let after_first = tree::listing(&home);
        assert!(!after_first.contains("dangling"), "examples/{name}:\n{after_first}");

        let again = run_in_home(result.join("bin/activate"), &[], &home);
        assert_exit(&again, 0, &format!("activating examples/{name} again"));
        assert_eq!(tree::listing(&home), after_first, "examples/{name}: a second run changed it");

        let deactivate = run_in_home(am_bin(), &["deactivate"], &home);
        assert_exit(&deactivate, 0, &format!("deactivating examples/{name}"));
        let left = tree::listing(&home);
        assert!(!left.contains("activation-manager/static/"), "examples/{name} left:\n{left}");
    }
}

/// What `examples/desktop/home.nix` says it does to a home that already has
/// a `.bashrc`, an old `.gitconfig` and a wallpaper.
#[test]
fn desktop_example_keeps_the_users_files() {
    if !have_nix() {
        return;
    }
    let config = repo_root().join("examples/desktop/home.nix");
    let existing = [
        (".bashrc", "# mine\n"),
        (".gitconfig", "[user]\n  name = Old\n"),
        ("Pictures/Wallpapers/dunes.jpg", "a picture\n"),
    ];
    let (home, _) = build_and_activate("desktop", &config, &existing);
    let read = |path: &str| std::fs::read_to_string(home.join(path)).unwrap_or_default();

    assert_eq!(read(".bashrc.backup"), "# mine\n", "am.backupFileExtension kept the user's file");
    assert!(read(".bashrc").contains("HISTCONTROL"), "the example's .bashrc is linked");
    assert_eq!(read(".gitconfig.pre-am"), "[user]\n  name = Old\n", "move-old-gitconfig ran");
    assert!(read(".config/git/config").contains("Jane Doe"));
    assert!(read("notes/README.md").starts_with("Notes written with"), "notes-welcome ran in cwd");
    let note = std::fs::metadata(home.join("bin/note")).expect("bin/note is linked");
    assert!(std::os::unix::fs::PermissionsExt::mode(&note.permissions()) & 0o111 != 0);
    let wallpaper = home.join(".local/share/backgrounds/dunes.jpg");
    assert!(wallpaper.is_symlink(), "the wallpapers task linked the picture it found");
    assert_eq!(read(".local/share/backgrounds/dunes.jpg"), "a picture\n");

    assert_exit(&run_in_home(am_bin(), &["deactivate"], &home), 0, "am deactivate");
    assert_eq!(read(".bashrc"), "# mine\n", "deactivating put the user's .bashrc back");
    assert!(!wallpaper.is_symlink(), "deactivating removed the link the Lua task made");
    assert_eq!(read("Pictures/Wallpapers/dunes.jpg"), "a picture\n");
}
