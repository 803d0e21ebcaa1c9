//! What the engine finds about paths and hands to the crate's error type:
//! the paths in the way that refuse an activation, and what undo could not
//! do. Plain data, importing nothing of the engine, so that `error.rs` can
//! hold it without depending on the engine that produces it.

use std::io;
use std::path::PathBuf;

use am_schema::NodeIndex;

/// A path in the way of the activation.
#[derive(Debug)]
pub struct Conflict {
    pub path: PathBuf,
    pub found: Found,
    /// Why the path matters: the nodes whose targets are at or below it.
    pub wanted_by: Wanted,
    /// A backup extension was given, but this backup path exists already.
    pub backup_taken: Option<PathBuf>,
}

/// What was found at a conflicting path.
#[derive(Debug)]
pub enum Found {
    File,
    Folder,
    /// Something that is neither file, folder nor link (a socket, a fifo).
    Special,
    /// A symlink, with its content: where a link is wanted, one not made by
    /// activation-manager; where a folder is wanted, any link.
    Link(PathBuf),
    /// The path could not be looked at.
    Unreadable(io::Error),
    /// The path is activation-manager's own state folder, or in it.
    StateFolder,
}

/// Who needs a conflicting path.
#[derive(Debug)]
pub enum Wanted {
    /// A link node wants a link exactly here.
    Link(NodeIndex),
    /// These link nodes need the path to be a folder holding their targets.
    Folder(Vec<NodeIndex>),
    /// The activation's own state folder (`$STATE`) must be a folder.
    StateDir,
    /// The activation's own static link (`$STATE/static`) must be a link.
    StaticLink,
}

/// A change that could not be undone, or a path left alone because it no
/// longer holds what the activation made, with why.
#[derive(Debug)]
pub struct UndoProblem {
    pub path: PathBuf,
    pub error: io::Error,
    /// Someone else's file is there: left as it is, for good. Otherwise
    /// the undo failed (a permission, a full disk) and may be tried again.
    pub left_alone: bool,
}

/// Whether every problem is a path left as it is: then there is nothing
/// left to try again, and the journal may go.
pub fn all_settled(problems: &[UndoProblem]) -> bool {
    problems.iter().all(|problem| problem.left_alone)
}
