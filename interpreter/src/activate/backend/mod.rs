//! Every change an activation makes goes through [`Backend`]: the real one
//! (`real`) journals and changes the file system and runs commands; the dry
//! run (`dry_run`) records what would happen. The engine never asks which
//! one it has.

mod dry_run;
mod real;

pub use self::dry_run::{DryRunBackend, Planned};
pub use self::real::{RealBackend, delete_trash};

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use am_schema::state::{ContentHash, Generation, JournalEntry};

use super::copy::{CopyFrom, Ids};
use super::dconf;
use super::exec::{Captured, ExecSpec};
use super::profile;
use super::systemd::{Ran, UnitChange, UnitManager};
use super::undo::UndoProblem;

/// What an activation leaves behind when it succeeds.
#[derive(Debug)]
pub struct Commit {
    /// A new generation record to write, if anything about the home's
    /// managed state changed.
    pub record: Option<Generation>,
    /// Where `current` points afterwards: `None` after deactivation.
    pub current: Option<u64>,
    /// The generation a deactivation ends, marked as deactivated before
    /// `current` goes.
    pub deactivated: Option<u64>,
    /// Folders to remove once the trash is deleted, if empty then: those
    /// that held only a stale copy, which went to the trash (deepest first).
    pub prune_after_trash: Vec<PathBuf>,
}

/// Why a path is moved, for the dry run's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveReason {
    /// A user's path to its backup.
    Backup,
    /// Out of the way, to be deleted at commit (`force`, a replacement, an
    /// old backup, a stale copy).
    Trash,
    /// A user's original back from its backup.
    Restore,
    /// A copy the new generation drops, out of the way until the commit
    /// deletes it (so a rollback can put it back).
    RemoveCopy,
}

impl MoveReason {
    /// Whether what is moved is deleted at commit.
    pub fn is_trash(self) -> bool {
        matches!(self, MoveReason::Trash | MoveReason::RemoveCopy)
    }
}

/// What a path must still hold at the moment it is changed: what the
/// pre-check saw there. Between the pre-check and the change, a command of
/// an earlier layer or the user may have put something else there, which
/// is then left as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Whatever is there: the user asked (`force`, a backup extension).
    Anything,
    /// A link with this content.
    Link(PathBuf),
    /// A regular file with this content hash (a copy an activation wrote).
    Copy(ContentHash),
    /// A regular file with the bytes of this file (the managed ones).
    SameBytes(PathBuf),
}

/// The begin of an activation, as the journal records it.
#[derive(Debug, Clone, Copy)]
pub struct Begin<'a> {
    pub number: u64,
    pub previous: Option<u64>,
    /// `None` when deactivating.
    pub bundle: Option<&'a Path>,
    /// The token of the activation's temporary names (see `scratch`).
    pub token: u64,
}

/// The changes an activation makes. Shared by the worker threads of a
/// layer, hence `Sync`.
///
/// A change that finds its path changed since the pre-check leaves it as
/// it is and answers `Ok(false)`: what someone else made is never replaced.
pub trait Backend: Sync {
    /// Starts the activation (journal `Begin`).
    fn begin(&self, begin: Begin) -> io::Result<()>;
    /// Journals changes about to be made.
    fn record(&self, entries: Vec<JournalEntry>) -> io::Result<()>;
    /// Creates a folder the pre-check found missing; one that appeared since
    /// (made by an earlier layer, a command, or dconf) is used as it is,
    /// if it is a real folder and not a link.
    fn create_dir(&self, path: &Path) -> io::Result<()>;
    /// Creates a symlink; fails when anything is at `path`.
    fn create_symlink(&self, content: &Path, path: &Path) -> io::Result<()>;
    /// Replaces the link at `path`, if it still holds `previous`, by one
    /// holding `content`, in one step (through the link `temp`).
    fn replace_symlink(
        &self,
        content: &Path,
        path: &Path,
        previous: &Path,
        temp: &Path,
    ) -> io::Result<bool>;
    /// Removes the link at `path` if it still holds `content` (it is set
    /// aside at `aside` to be looked at first).
    fn remove_symlink(&self, path: &Path, content: &Path, aside: &Path) -> io::Result<bool>;
    /// Writes a copy of `from` with `mode` at `path` (through `temp`);
    /// fails when anything is at `path`.
    fn write_copy(
        &self,
        from: &CopyFrom,
        path: &Path,
        temp: &Path,
        mode: u32,
        owner: Ids,
    ) -> io::Result<()>;
    /// Moves a path to `to` (or back), never replacing anything there, if
    /// what is moved is still `expect`; otherwise puts it back. What goes
    /// to the trash is deleted at commit.
    fn rename(&self, from: &Path, to: &Path, why: MoveReason, expect: &Expect) -> io::Result<bool>;
    /// Writes dconf keys (path, GVariant text) in one batch.
    fn dconf_load(&self, client: &dyn dconf::Dconf, keys: &[(&str, &str)]) -> io::Result<()>;
    fn dconf_reset(&self, client: &dyn dconf::Dconf, path: &str) -> io::Result<()>;
    /// Changes a Nix profile with Nix's tools (after making the folders
    /// it needs); `Ok(Err(_))` when a command of Nix failed.
    fn profile_switch(
        &self,
        switch: &profile::Switch,
    ) -> io::Result<Result<(), profile::NixFailed>>;
    /// Makes one change to the user's systemd manager.
    fn unit_change(&self, manager: &dyn UnitManager, change: &UnitChange) -> io::Result<Ran>;
    /// Removes a folder we created if it is empty; true when it was removed.
    fn remove_dir_if_empty(&self, path: &Path) -> bool;
    /// Runs the command of node `node`, handing its output to `output` as
    /// it comes (as well as capturing it).
    fn run(&self, node: &str, spec: &ExecSpec, output: &dyn Fn(&[u8])) -> io::Result<Captured>;
    /// Makes the activation stand: records, `current`, GC root, clean-up.
    /// Returns warnings that do not undo it (a GC root Nix refused).
    fn commit(&self, commit: Commit) -> io::Result<Vec<String>>;
    /// Undoes everything journaled since [`Backend::begin`] (dconf keys
    /// through `dconf`).
    fn rollback(&self, dconf: &dyn dconf::Dconf) -> Vec<UndoProblem>;
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A worker that panicked while holding a lock left its data whole:
    // every critical section is one push or one append.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
