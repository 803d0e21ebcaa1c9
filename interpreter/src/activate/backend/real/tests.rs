//! The real backend against a real folder: a copy never replaces anything,
//! a move checks what it moves, and the commit deletes only what this
//! activation really moved to the trash.

use std::os::unix::fs::PermissionsExt;

use am_schema::state::ContentHash;

use super::*;
use crate::activate::scratch::{Purpose, Scratch};

struct Fixture {
    root: PathBuf,
    place: Place,
    backend: RealBackend,
}

impl Fixture {
    fn new(label: &str) -> Fixture {
        let root = std::env::temp_dir().join(format!("am-real-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("home")).expect("home");
        let place = Place::resolve(Some(root.join("home").into()), None).expect("home paths");
        let state = StateDir::new(place.state.clone());
        let backend = RealBackend::new(state, &place);
        let begin = Begin { number: 1, previous: None, bundle: None, token: 7 };
        backend.begin(begin).expect("begin");
        Fixture { root, place, backend }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.place.dir.join(rel)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[test]
fn a_copy_is_written_with_its_mode_and_never_over_a_file() {
    let fixture = Fixture::new("copy");
    let (path, temp) =
        (fixture.path("to"), Scratch { token: 7 }.beside(&fixture.path("to"), Purpose::New));
    let from = CopyFrom::Text("content\n".into());
    fixture
        .backend
        .write_copy(&from, &path, &temp, 0o600, Ids::default())
        .expect("the copy is written");
    assert_eq!(std::fs::read(&path).expect("copy"), b"content\n");
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(std::fs::symlink_metadata(&temp).is_err(), "the temporary file is left behind");

    let error = fixture
        .backend
        .write_copy(&from, &path, &temp, 0o644, Ids::default())
        .expect_err("refused");
    assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read(&path).expect("copy"), b"content\n");
}

#[test]
fn a_move_checks_what_it_moves_and_the_trash_is_only_what_moved() {
    let fixture = Fixture::new("move");
    let (path, trash, taken) =
        (fixture.path("f"), fixture.path(".f.trash"), fixture.path(".g.trash"));
    std::fs::write(&path, "edited\n").expect("file");
    let expect = Expect::Copy(ContentHash::of(b"written\n"));
    let moved = fixture.backend.rename(&path, &trash, MoveReason::Trash, &expect).expect("rename");
    assert!(!moved, "a file with other bytes was taken");
    assert_eq!(std::fs::read(&path).expect("put back"), b"edited\n");

    // A name someone holds is never replaced, nor deleted at commit.
    std::fs::create_dir(&taken).expect("someone's folder");
    std::fs::write(taken.join("keep"), "keep\n").expect("their file");
    let error = fixture
        .backend
        .rename(&path, &taken, MoveReason::Trash, &Expect::Anything)
        .expect_err("the name is taken");
    assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);

    let expect = Expect::Copy(ContentHash::of(b"edited\n"));
    assert!(fixture.backend.rename(&path, &trash, MoveReason::Trash, &expect).expect("moved"));
    let commit =
        Commit { record: None, current: None, deactivated: None, prune_after_trash: Vec::new() };
    fixture.backend.commit(commit).expect("commit");
    assert!(std::fs::symlink_metadata(&trash).is_err(), "what moved to the trash stays");
    assert_eq!(std::fs::read(taken.join("keep")).expect("kept"), b"keep\n");
}

#[test]
fn a_replaced_link_must_still_be_ours() {
    let fixture = Fixture::new("replace");
    let (path, temp) = (fixture.path("l"), fixture.path(".l.temp"));
    std::os::unix::fs::symlink("/old", &path).expect("link");
    let replaced =
        fixture.backend.replace_symlink(Path::new("/new"), &path, Path::new("/other"), &temp);
    assert!(!replaced.expect("no error"), "a link with other content was replaced");
    assert_eq!(std::fs::read_link(&path).expect("link"), Path::new("/old"));
    assert!(std::fs::symlink_metadata(&temp).is_err(), "the temporary link is left behind");

    std::fs::remove_file(&path).expect("gone");
    std::fs::write(&path, "the user's\n").expect("a file");
    let replaced =
        fixture.backend.replace_symlink(Path::new("/new"), &path, Path::new("/old"), &temp);
    assert!(!replaced.expect("no error"), "a user's file was replaced");
    assert_eq!(std::fs::read(&path).expect("file"), b"the user's\n");

    std::fs::remove_file(&path).expect("gone");
    std::os::unix::fs::symlink("/old", &path).expect("link");
    let replaced =
        fixture.backend.replace_symlink(Path::new("/new"), &path, Path::new("/old"), &temp);
    assert!(replaced.expect("no error"));
    assert_eq!(std::fs::read_link(&path).expect("link"), Path::new("/new"));
}
