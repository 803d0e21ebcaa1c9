//! The anchored operations against a real folder: links in the way of a
//! folder are refused at every depth, and nothing leaves the roots.

use std::os::unix::fs::symlink;

use super::*;

fn scratch(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("am-anchored-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

#[test]
fn changes_are_made_below_the_root() {
    let dir = scratch("below");
    let root = dir.join("home");
    std::fs::create_dir(&root).expect("home");
    let fs = Anchored::new([root.clone()]);
    fs.create_dir(&root.join("a")).expect("a folder");
    fs.create_dir(&root.join("a")).expect("an existing folder is used");
    fs.create_dir(&root.join("a/b")).expect("a nested folder");
    fs.symlink(Path::new("/x"), &root.join("a/b/l")).expect("a link");
    assert_eq!(fs.read_link(&root.join("a/b/l")).expect("readlink"), Path::new("/x"));
    assert_eq!(fs.found(&root.join("a/b/l")).expect("lstat"), Found::Link);
    assert_eq!(fs.found(&root.join("a/b")).expect("lstat"), Found::Folder);
    assert_eq!(fs.found(&root.join("a/nothing")).expect("lstat"), Found::Missing);
    let error = fs.symlink(Path::new("/y"), &root.join("a/b/l")).expect_err("never replaces");
    assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);

    for outside in ["/etc/passwd", "../x", "a/../../x"] {
        let error = fs.symlink(Path::new("/x"), &root.join(outside)).expect_err(outside);
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{outside}: {error}");
    }
    let error = fs.symlink(Path::new("/x"), Path::new("/tmp/elsewhere")).expect_err("outside");
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_folder_swapped_for_a_link_is_never_followed() {
    let dir = scratch("swap");
    let (root, elsewhere) = (dir.join("home"), dir.join("elsewhere"));
    std::fs::create_dir_all(root.join(".config/made")).expect("folders");
    std::fs::create_dir(&elsewhere).expect("elsewhere");
    let fs = Anchored::new([root.clone()]);
    fs.symlink(Path::new("/x"), &root.join(".config/made/one")).expect("a link");

    // The folder is moved away and a link put in its place: the opened
    // folder goes on being the one written to, wherever it is now...
    std::fs::rename(root.join(".config/made"), root.join(".config/moved")).expect("move");
    symlink(&elsewhere, root.join(".config/made")).expect("swap");
    fs.symlink(Path::new("/x"), &root.join(".config/made/two")).expect("into the opened folder");
    assert!(root.join(".config/moved/two").symlink_metadata().is_ok());
    assert!(elsewhere.join("two").symlink_metadata().is_err(), "followed the link");

    // ...and a fresh look at the path refuses the link.
    let fresh = Anchored::new([root.clone()]);
    let error = fresh.symlink(Path::new("/x"), &root.join(".config/made/three")).expect_err("link");
    assert_eq!(error.kind(), io::ErrorKind::NotADirectory, "{error}");
    let error = fresh.create_dir(&root.join(".config/made")).expect_err("a link is no folder");
    assert_eq!(error.kind(), io::ErrorKind::NotADirectory, "{error}");
    assert_eq!(std::fs::read_dir(&elsewhere).expect("list").count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn renames_never_replace_and_exchange_swaps() {
    let dir = scratch("rename");
    let fs = Anchored::new([dir.clone()]);
    std::fs::write(dir.join("a"), "a").expect("a");
    std::fs::write(dir.join("b"), "b").expect("b");
    let error = fs.rename_new(&dir.join("a"), &dir.join("b")).expect_err("b exists");
    assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
    fs.exchange(&dir.join("a"), &dir.join("b")).expect("exchange");
    assert_eq!(std::fs::read_to_string(dir.join("a")).expect("a"), "b");
    fs.rename_new(&dir.join("a"), &dir.join("c")).expect("c is free");
    assert_eq!(fs.found(&dir.join("a")).expect("lstat"), Found::Missing);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn remove_all_removes_links_and_never_follows_them() {
    let dir = scratch("remove-all");
    let (root, kept) = (dir.join("home"), dir.join("kept"));
    std::fs::create_dir_all(root.join("trash/inner")).expect("folders");
    std::fs::create_dir(&kept).expect("kept");
    std::fs::write(kept.join("file"), "keep").expect("kept file");
    std::fs::write(root.join("trash/inner/f"), "x").expect("file");
    symlink(&kept, root.join("trash/link")).expect("link");
    let fs = Anchored::new([root.clone()]);
    fs.remove_all(&root.join("trash")).expect("removed");
    assert!(root.join("trash").symlink_metadata().is_err());
    assert_eq!(std::fs::read_to_string(kept.join("file")).expect("kept"), "keep");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_innermost_root_holds_a_path() {
    let dir = scratch("roots");
    let (home, state) = (dir.join("home"), dir.join("home/.local/state/am"));
    std::fs::create_dir_all(&state).expect("state");
    let fs = Anchored::new([home.clone(), state.clone()]);
    // The state folder may be a link (people move ~/.local/state): it is
    // a root, opened as named.
    fs.create_dir(&state.join("generations")).expect("below the state root");
    assert!(state.join("generations").is_dir());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_fast_split_agrees_with_the_careful_one() {
    let fs = Anchored::new([PathBuf::from("/home/me"), PathBuf::from("/home/me/.local/state/am")]);
    for path in ["/home/me/a", "/home/me/.config/git/config", "/home/me/.local/state/am/journal"] {
        let (root, folder, name) = fs.split_plain(Path::new(path)).expect(path);
        let (careful_root, careful_folder, careful_name) = fs.split(Path::new(path)).expect(path);
        assert_eq!(
            (&root.path, folder, name),
            (&careful_root.path, careful_folder.as_path(), careful_name),
            "{path}"
        );
    }
    // Other spellings are left to the careful split, which takes `a//b`
    // and a trailing slash as the same path and refuses the rest.
    for path in ["/home/me//a", "/home/me/a/", "/home/me/./a", "/home/me/a/../b", "/home/me", "/x"]
    {
        assert!(fs.split_plain(Path::new(path)).is_none(), "{path}");
    }
    assert_eq!(fs.split(Path::new("/home/me//a")).expect("a//b").2, "a");
    // Its folder comes back spelled plainly, as opened folders are kept.
    let (_, folder, _) = fs.split(Path::new("/home/me/a//b/./c")).expect("a//b/./c");
    assert_eq!(folder.as_os_str(), "a/b");
    assert!(fs.split(Path::new("/home/me/a/../b")).is_err());
}

#[test]
fn a_moved_folder_is_forgotten_however_it_is_spelled() {
    let dir = scratch("forget");
    let root = dir.join("home");
    std::fs::create_dir(&root).expect("home");
    let fs = Anchored::new([root.clone()]);
    fs.create_dir(&root.join("a")).expect("a");
    fs.create_dir(&root.join("a/b")).expect("a/b");
    // Opens and keeps `a` and `a/b`.
    fs.symlink(Path::new("/x"), &root.join("a/b/x")).expect("a link in a/b");
    let home = root.to_str().expect("a UTF-8 scratch folder");
    fs.rename_new(Path::new(&format!("{home}/a//b")), &root.join("c")).expect("a/b moved to c");
    fs.create_dir(&root.join("a/b")).expect("a new a/b");
    fs.symlink(Path::new("/y"), &root.join("a/b/y")).expect("a link in the new a/b");
    assert!(root.join("a/b/y").symlink_metadata().is_ok(), "the link went into the new folder");
    assert!(root.join("c/y").symlink_metadata().is_err(), "not into the moved one");
    let _ = std::fs::remove_dir_all(&dir);
}
