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
    /// The activation of generation `generation` of `bundle` began.
    Begin { generation: u64, bundle: String },
    /// The static link was swapped; `previous` is its former content.
    StaticSwapped { previous: Option<String> },
    /// A folder was created where nothing was.
    DirCreated { path: String },
    /// A symlink was created where nothing was.
    LinkCreated { path: String },
    /// A symlink with content `previous` was replaced or removed.
    LinkReplaced { path: String, previous: String },
    /// A path was moved aside: a user's file to its backup, or anything
    /// `force` replaces to a hidden name beside it until the activation commits.
    MovedAside { from: String, to: String },
}
