//! Every change an activation makes goes through [`Backend`]: the real one
//! journals and changes the file system and runs commands; the dry run
//! records what would happen. The engine never asks which one it has.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::Mutex;

use am_schema::state::{Generation, JournalEntry};

use super::copy::CopyFrom;
use super::dconf;
use super::exec::{Captured, ExecSpec};
use super::systemd::{Ran, UnitChange, UnitManager};
use crate::state::StateDir;
use crate::state::journal::{self, Journal, UndoProblem};

/// What an activation leaves behind when it succeeds.
#[derive(Debug)]
pub struct Commit {
    /// A new generation record to write, if anything about the home's
    /// managed state changed.
    pub record: Option<Generation>,
    /// Where `current` points afterwards: `None` after deactivation.
    pub current: Option<u64>,
    /// Paths moved aside by `force`, adoption or `--overwrite-backup`,
    /// deleted now that the activation stands.
    pub trash: Vec<PathBuf>,
    /// Folders to remove once the trash is deleted, if empty then: those
    /// that held only a stale copy, which went to the trash (deepest first).
    pub prune_after_trash: Vec<PathBuf>,
}

/// Why a path is moved, for the dry run's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveReason {
    /// A user's path to its backup.
    Backup,
    /// Out of the way, to be deleted at commit (`force`, adoption, an old backup).
    Trash,
    /// A user's original back from its backup.
    Restore,
}

/// The changes an activation makes. Shared by the worker threads of a
/// layer, hence `Sync`.
pub trait Backend: Sync {
    /// Starts the activation of generation `number` (journal `Begin`).
    fn begin(&self, number: u64, previous: Option<u64>, bundle: Option<&Path>) -> io::Result<()>;
    /// Journals changes about to be made.
    fn record(&self, entries: Vec<JournalEntry>) -> io::Result<()>;
    /// Creates a folder the pre-check found missing; one that appeared since
    /// (made by an earlier layer, a command, or dconf) is used as it is.
    fn create_dir(&self, path: &Path) -> io::Result<()>;
    /// Creates a symlink; fails when anything is at `path`.
    fn create_symlink(&self, content: &Path, path: &Path) -> io::Result<()>;
    /// Atomically replaces the link at `path` (temporary link + rename).
    fn replace_symlink(&self, content: &Path, path: &Path) -> io::Result<()>;
    fn remove_symlink(&self, path: &Path) -> io::Result<()>;
    /// Deletes a copy (a regular file).
    fn remove_copy(&self, path: &Path) -> io::Result<()>;
    /// Writes a copy of `from` with `mode` at `path` (through `temp`);
    /// fails when anything is at `path`.
    fn write_copy(&self, from: &CopyFrom, path: &Path, temp: &Path, mode: u32) -> io::Result<()>;
    /// Writes dconf keys (path, GVariant text) in one batch.
    fn dconf_load(&self, client: &dconf::Client, keys: &[(&str, &str)]) -> io::Result<()>;
    fn dconf_reset(&self, client: &dconf::Client, path: &str) -> io::Result<()>;
    /// Makes one change to the user's systemd manager.
    fn unit_change(&self, manager: &dyn UnitManager, change: &UnitChange) -> io::Result<Ran>;
    /// Moves a path aside (or back); fails rather than replace anything.
    fn rename(&self, from: &Path, to: &Path, why: MoveReason) -> io::Result<()>;
    /// Removes a folder we created if it is empty; true when it was removed.
    fn remove_dir_if_empty(&self, path: &Path) -> bool;
    /// Runs the command of node `node`.
    fn run(&self, node: &str, spec: &ExecSpec) -> io::Result<Captured>;
    /// Makes the activation stand: records, `current`, GC root, clean-up.
    /// Returns warnings that do not undo it (a GC root Nix refused).
    fn commit(&self, commit: Commit) -> io::Result<Vec<String>>;
    /// Undoes everything journaled since [`Backend::begin`].
    fn rollback(&self) -> Vec<UndoProblem>;
}

/// The backend that really changes the home, journaling first.
///
/// The journal file is created with the first change, so an activation
/// that changes nothing writes nothing at all, not even to the state folder.
#[derive(Debug)]
pub struct RealBackend {
    state: StateDir,
    journal: Mutex<JournalState>,
}

#[derive(Debug)]
enum JournalState {
    NotBegun,
    /// Begun, no change yet: the `Begin` entry waits for the first one.
    Pending(JournalEntry),
    Open(Journal),
}

impl RealBackend {
    pub fn new(state: StateDir) -> Self {
        RealBackend { state, journal: Mutex::new(JournalState::NotBegun) }
    }

    fn journal(&self) -> std::sync::MutexGuard<'_, JournalState> {
        // A worker that panicked while holding the lock left the journal
        // itself intact: every append is one write.
        self.journal.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The open journal, taken out (the activation is over).
    fn take_journal(&self) -> Option<Journal> {
        match std::mem::replace(&mut *self.journal(), JournalState::NotBegun) {
            JournalState::Open(journal) => Some(journal),
            _ => None,
        }
    }
}

impl Backend for RealBackend {
    fn begin(&self, number: u64, previous: Option<u64>, bundle: Option<&Path>) -> io::Result<()> {
        let bundle = bundle.map(|b| b.to_string_lossy().into_owned()).unwrap_or_default();
        let begin = JournalEntry::Begin { generation: number, bundle, previous };
        *self.journal() = JournalState::Pending(begin);
        Ok(())
    }

    fn record(&self, entries: Vec<JournalEntry>) -> io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut state = self.journal();
        if let JournalState::Pending(begin) = &*state {
            std::fs::create_dir_all(&self.state.root)?;
            let mut journal = Journal::create(&self.state.journal_path())?;
            journal.append(vec![begin.clone()])?;
            *state = JournalState::Open(journal);
        }
        match &mut *state {
            JournalState::Open(journal) => journal.append(entries),
            _ => Err(io::Error::other("changes recorded before the activation began")),
        }
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        match std::fs::create_dir(path) {
            // Made since the pre-check by a node of an earlier layer (a
            // command's `mkdir`, dconf's own `~/.config`): use it as it is.
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
            other => other,
        }
    }

    fn create_symlink(&self, content: &Path, path: &Path) -> io::Result<()> {
        // symlink(2) is atomic and fails on an existing path: a file that
        // appeared after the pre-check is never replaced.
        std::os::unix::fs::symlink(content, path)
    }

    fn replace_symlink(&self, content: &Path, path: &Path) -> io::Result<()> {
        crate::state::replace_symlink(content, path)
    }

    fn remove_symlink(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }

    fn remove_copy(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }

    fn write_copy(&self, from: &CopyFrom, path: &Path, temp: &Path, mode: u32) -> io::Result<()> {
        super::copy::write(from, path, temp, mode)
    }

    fn dconf_load(&self, client: &dconf::Client, keys: &[(&str, &str)]) -> io::Result<()> {
        client.load(keys.iter().copied())
    }

    fn dconf_reset(&self, client: &dconf::Client, path: &str) -> io::Result<()> {
        client.reset(path)
    }

    fn rename(&self, from: &Path, to: &Path, _why: MoveReason) -> io::Result<()> {
        // rename(2) would replace a file at `to`; the pre-check found it free,
        // and this refuses if that changed since.
        if std::fs::symlink_metadata(to).is_ok() {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "the destination exists"));
        }
        std::fs::rename(from, to)
    }

    fn remove_dir_if_empty(&self, path: &Path) -> bool {
        std::fs::remove_dir(path).is_ok()
    }

    fn unit_change(&self, manager: &dyn UnitManager, change: &UnitChange) -> io::Result<Ran> {
        manager.change(change)
    }

    fn run(&self, _node: &str, spec: &ExecSpec) -> io::Result<Captured> {
        super::exec::run_captured(spec)
    }

    fn commit(&self, commit: Commit) -> io::Result<Vec<String>> {
        let mut warnings = Vec::new();
        if let Some(record) = &commit.record {
            self.state.write(record)?;
        }
        self.state.set_current(commit.current)?;
        if let JournalState::Open(journal) = &mut *self.journal() {
            journal.append(vec![JournalEntry::Committed])?;
        }
        delete_trash(&commit.trash, &mut warnings);
        for dir in &commit.prune_after_trash {
            // Something that appeared there since keeps the folder: fine.
            let _ = std::fs::remove_dir(dir);
        }
        if let Some(record) = &commit.record {
            let link = self.state.gcroot_path(record.number);
            if let Err(error) = crate::state::gcroot::register(&link, Path::new(&record.bundle)) {
                warnings.push(format!(
                    "the bundle is not protected from garbage collection ({error}); \
                     `nix-store --gc` may delete it and leave the home's links dangling"
                ));
            }
        }
        if let Some(journal) = self.take_journal() {
            journal.finish()?;
        }
        Ok(warnings)
    }

    fn rollback(&self) -> Vec<UndoProblem> {
        let Some(journal) = self.take_journal() else { return Vec::new() };
        let problems = journal::undo(journal.entries());
        // The journal stays when something could not be undone, so the
        // next run tries again.
        if problems.is_empty() {
            let _ = journal.finish();
        }
        problems
    }
}

/// Deletes what `force`, adoption or `--overwrite-backup` moved aside.
pub fn delete_trash(trash: &[PathBuf], warnings: &mut Vec<String>) {
    for path in trash {
        let removed = match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
            Ok(_) => std::fs::remove_file(path),
            Err(_) => Ok(()),
        };
        if let Err(error) = removed {
            warnings.push(format!("could not delete {}: {error}", path.display()));
        }
    }
}

/// One change a dry run would make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    CreateDir(PathBuf),
    CreateLink {
        path: PathBuf,
        content: PathBuf,
    },
    ReplaceLink {
        path: PathBuf,
        content: PathBuf,
    },
    RemoveLink(PathBuf),
    RemoveCopy(PathBuf),
    WriteCopy {
        path: PathBuf,
        mode: u32,
    },
    /// `private_bus`: dconf would run inside `dbus-run-session`.
    DconfWrite {
        path: String,
        value: String,
        private_bus: bool,
    },
    DconfReset {
        path: String,
        private_bus: bool,
    },
    Unit(UnitChange),
    Move {
        from: PathBuf,
        to: PathBuf,
        why: MoveReason,
    },
    RemoveDir(PathBuf),
    Run {
        node: String,
        spec: ExecSpec,
    },
    Commit {
        generation: Option<u64>,
        trash: Vec<PathBuf>,
    },
}

/// The backend of `--dry-run`: records every change instead of making it.
/// It runs with one job, so the record is in plan order.
#[derive(Debug, Default)]
pub struct DryRunBackend {
    planned: Mutex<Vec<Planned>>,
}

impl DryRunBackend {
    pub fn planned(self) -> Vec<Planned> {
        self.planned.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn plan(&self, change: Planned) -> io::Result<()> {
        self.planned.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(change);
        Ok(())
    }
}

impl Backend for DryRunBackend {
    fn begin(
        &self,
        _number: u64,
        _previous: Option<u64>,
        _bundle: Option<&Path>,
    ) -> io::Result<()> {
        Ok(())
    }

    fn record(&self, _entries: Vec<JournalEntry>) -> io::Result<()> {
        Ok(())
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        self.plan(Planned::CreateDir(path.to_path_buf()))
    }

    fn create_symlink(&self, content: &Path, path: &Path) -> io::Result<()> {
        let (path, content) = (path.to_path_buf(), content.to_path_buf());
        self.plan(Planned::CreateLink { path, content })
    }

    fn replace_symlink(&self, content: &Path, path: &Path) -> io::Result<()> {
        let (path, content) = (path.to_path_buf(), content.to_path_buf());
        self.plan(Planned::ReplaceLink { path, content })
    }

    fn remove_symlink(&self, path: &Path) -> io::Result<()> {
        self.plan(Planned::RemoveLink(path.to_path_buf()))
    }

    fn remove_copy(&self, path: &Path) -> io::Result<()> {
        self.plan(Planned::RemoveCopy(path.to_path_buf()))
    }

    fn write_copy(&self, _from: &CopyFrom, path: &Path, _temp: &Path, mode: u32) -> io::Result<()> {
        self.plan(Planned::WriteCopy { path: path.to_path_buf(), mode })
    }

    fn dconf_load(&self, client: &dconf::Client, keys: &[(&str, &str)]) -> io::Result<()> {
        for (path, value) in keys {
            let (path, value) = (path.to_string(), value.to_string());
            self.plan(Planned::DconfWrite { path, value, private_bus: client.private_bus })?;
        }
        Ok(())
    }

    fn dconf_reset(&self, client: &dconf::Client, path: &str) -> io::Result<()> {
        let path = path.to_string();
        self.plan(Planned::DconfReset { path, private_bus: client.private_bus })
    }

    fn rename(&self, from: &Path, to: &Path, why: MoveReason) -> io::Result<()> {
        self.plan(Planned::Move { from: from.to_path_buf(), to: to.to_path_buf(), why })
    }

    fn remove_dir_if_empty(&self, path: &Path) -> bool {
        // Whether it would be empty depends on removals not made: say what
        // would be tried.
        let _ = self.plan(Planned::RemoveDir(path.to_path_buf()));
        false
    }

    fn unit_change(&self, _manager: &dyn UnitManager, change: &UnitChange) -> io::Result<Ran> {
        self.plan(Planned::Unit(change.clone()))?;
        Ok(Ran { success: true, output: String::new() })
    }

    fn run(&self, node: &str, spec: &ExecSpec) -> io::Result<Captured> {
        self.plan(Planned::Run { node: node.to_string(), spec: spec.clone() })?;
        Ok(Captured { status: ExitStatus::from_raw(0), output: Vec::new(), timed_out: false })
    }

    fn commit(&self, commit: Commit) -> io::Result<Vec<String>> {
        let generation = commit.record.map(|record| record.number);
        self.plan(Planned::Commit { generation, trash: commit.trash })?;
        Ok(Vec::new())
    }

    fn rollback(&self) -> Vec<UndoProblem> {
        Vec::new()
    }
}
