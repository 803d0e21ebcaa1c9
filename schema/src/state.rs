//! What `am` keeps about a home between runs: generation records and the
//! journal of an activation in progress.
//!
//! These are on-disk formats, kept here beside the plan so that every
//! compatibility promise lives in one crate.

use serde::{Deserialize, Serialize};

/// One successful activation: what it activated and what it owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generation {
    /// 1 for the first activation of a home, then one more each time.
    pub number: u64,
    /// The bundle's store path.
    pub bundle: String,
    /// Seconds since the Unix epoch.
    pub activated_at: u64,
    /// Every target this generation made, sorted by target.
    pub owned: Vec<Owned>,
    /// Folders activations created to hold targets, relative to the home,
    /// sorted; only these are ever pruned when they become empty.
    pub created_dirs: Vec<String>,
}

/// A target a generation made, relative to the home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owned {
    pub target: String,
    /// Where the user's original was moved to make room (relative to the
    /// home); it is moved back when the target stops being managed.
    pub backup: Option<String>,
}

/// One change of an activation, written (and fsynced) to the journal
/// before the change is made, so that an interrupted activation can be
/// undone. Paths are absolute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JournalEntry {
    /// The activation of generation `generation` of `bundle` began, while
    /// `previous` was current. `bundle` is empty when deactivating.
    Begin { generation: u64, bundle: String, previous: Option<u64> },
    /// The activation stands: `current` was moved. What follows (deleting
    /// what `force` moved aside, GC roots) is clean-up, never undone.
    Committed,
    /// A folder was created where nothing was.
    DirCreated { path: String },
    /// A symlink with `content` was created where nothing was.
    LinkCreated { path: String, content: String },
    /// A symlink with content `previous` was replaced by one with `content`,
    /// or removed when `content` is `None`.
    LinkReplaced { path: String, previous: String, content: Option<String> },
    /// A path was renamed: a user's file to its backup (or back), or, when
    /// `trash` is set, anything `force` or adoption replaces, to a hidden
    /// name beside it that is deleted once the activation commits.
    Moved { from: String, to: String, trash: bool },
}
