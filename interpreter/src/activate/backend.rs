//! Every change an activation makes goes through [`Backend`]: the real one
//! journals and changes the file system and runs commands; the dry run
//! records what would happen. The engine never asks which one it has.

use std::io::{self, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::{Mutex, MutexGuard};

use am_schema::state::{ContentHash, Generation, JournalEntry};

use super::copy::{CopyFrom, hash_at};
use super::dconf;
use super::exec::{Captured, ExecSpec};
use super::systemd::{Ran, UnitChange, UnitManager};
use super::undo::{self, UndoProblem};
use crate::anchored::{Anchored, Found};
use crate::home::HomePaths;
use crate::state::StateDir;
use crate::state::journal::Journal;

/// What an activation leaves behind when it succeeds.
#[derive(Debug)]
pub struct Commit {
    /// A new generation record to write, if anything about the home's
    /// managed state changed.
    pub record: Option<Generation>,
    /// Where `current` points afterwards: `None` after deactivation.
    pub current: Option<u64>,
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
    fn write_copy(&self, from: &CopyFrom, path: &Path, temp: &Path, mode: u32) -> io::Result<()>;
    /// Moves a path to `to` (or back), never replacing anything there, if
    /// what is moved is still `expect`; otherwise puts it back. What goes
    /// to the trash is deleted at commit.
    fn rename(&self, from: &Path, to: &Path, why: MoveReason, expect: &Expect) -> io::Result<bool>;
    /// Writes dconf keys (path, GVariant text) in one batch.
    fn dconf_load(&self, client: &dconf::Client, keys: &[(&str, &str)]) -> io::Result<()>;
    fn dconf_reset(&self, client: &dconf::Client, path: &str) -> io::Result<()>;
    /// Makes one change to the user's systemd manager.
    fn unit_change(&self, manager: &dyn UnitManager, change: &UnitChange) -> io::Result<Ran>;
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

/// The backend that really changes the home, journaling first. Every
/// change is made through [`Anchored`]: relative to opened folders of the
/// home and the state folder, never through a link.
///
/// The journal file is created with the first change, so an activation
/// that changes nothing writes nothing at all, not even to the state folder.
#[derive(Debug)]
pub struct RealBackend {
    state: StateDir,
    fs: Anchored,
    dconf: dconf::Client,
    journal: Mutex<JournalState>,
    /// What this activation moved to the trash, deleted at commit: only
    /// what was really moved, never a name someone else holds.
    trash: Mutex<Vec<PathBuf>>,
}

#[derive(Debug)]
enum JournalState {
    NotBegun,
    /// Begun, no change yet: the `Begin` entry waits for the first one.
    Pending {
        begin: JournalEntry,
        token: u64,
    },
    Open {
        journal: Journal,
        token: u64,
    },
}

impl RealBackend {
    pub fn new(state: StateDir, home: &HomePaths, dconf: dconf::Client) -> Self {
        RealBackend {
            fs: Anchored::new([home.home.clone(), state.root.clone()]),
            state,
            dconf,
            journal: Mutex::new(JournalState::NotBegun),
            trash: Mutex::default(),
        }
    }

    fn journal(&self) -> MutexGuard<'_, JournalState> {
        lock(&self.journal)
    }

    /// The open journal and its token, taken out (the activation is over).
    fn take_journal(&self) -> Option<(Journal, u64)> {
        match std::mem::replace(&mut *self.journal(), JournalState::NotBegun) {
            JournalState::Open { journal, token } => Some((journal, token)),
            _ => None,
        }
    }

    /// Whether `path` still holds what `expect` says.
    fn holds(&self, path: &Path, expect: &Expect) -> bool {
        match expect {
            Expect::Anything => true,
            Expect::Link(content) => self.fs.read_link(path).is_ok_and(|found| &found == content),
            Expect::Copy(hash) => hash_at(&self.fs, path).is_ok_and(|found| found == *hash),
            Expect::SameBytes(managed) => {
                let read = |mut file: std::fs::File| {
                    let mut bytes = Vec::new();
                    file.read_to_end(&mut bytes).map(|_| bytes)
                };
                let found = self.fs.open_read(path).and_then(read);
                let wanted = std::fs::File::open(managed).and_then(read);
                matches!((found, wanted), (Ok(a), Ok(b)) if a == b)
            }
        }
    }
}

impl Backend for RealBackend {
    fn begin(&self, begin: Begin) -> io::Result<()> {
        let Begin { number, previous, bundle, token } = begin;
        let bundle = bundle.map(|b| b.to_string_lossy().into_owned()).unwrap_or_default();
        let begin = JournalEntry::Begin { generation: number, bundle, previous, token };
        *self.journal() = JournalState::Pending { begin, token };
        Ok(())
    }

    fn record(&self, entries: Vec<JournalEntry>) -> io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut state = self.journal();
        if let JournalState::Pending { begin, token } = &*state {
            let (begin, token) = (begin.clone(), *token);
            let mut journal = self.state.create_journal()?;
            journal.append(vec![begin])?;
            *state = JournalState::Open { journal, token };
        }
        match &mut *state {
            JournalState::Open { journal, .. } => journal.append(entries),
            _ => Err(io::Error::other("changes recorded before the activation began")),
        }
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        self.fs.create_dir(path)
    }

    fn create_symlink(&self, content: &Path, path: &Path) -> io::Result<()> {
        // symlinkat(2) is atomic and fails on an existing path: a file that
        // appeared after the pre-check is never replaced.
        self.fs.symlink(content, path)
    }

    fn replace_symlink(
        &self,
        content: &Path,
        path: &Path,
        previous: &Path,
        temp: &Path,
    ) -> io::Result<bool> {
        self.fs.symlink(content, temp)?;
        let swapped = match self.fs.exchange(temp, path) {
            Ok(()) => Ok(()),
            // Gone since the pre-check: the new link just goes in.
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return self.fs.rename_new(temp, path).map(|()| true);
            }
            // A file system that cannot swap: look, then rename over.
            Err(error) if error.kind() == io::ErrorKind::Unsupported => {
                if self.fs.read_link(path).is_ok_and(|found| found == previous) {
                    return self.fs.rename_over(temp, path).map(|()| true);
                }
                self.fs.remove_file(temp)?;
                return Ok(false);
            }
            Err(error) => Err(error),
        };
        if let Err(error) = swapped {
            let _ = self.fs.remove_file(temp);
            return Err(error);
        }
        // `temp` now holds what was at `path`: our previous link, or what
        // someone put there since, which goes back.
        let ours = self.fs.read_link(temp).is_ok_and(|found| found == previous);
        if !ours {
            self.fs.exchange(temp, path)?;
        }
        self.fs.remove_file(temp)?;
        Ok(ours)
    }

    fn remove_symlink(&self, path: &Path, content: &Path, aside: &Path) -> io::Result<bool> {
        match self.fs.rename_new(path, aside) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(true),
            other => other?,
        }
        if self.fs.read_link(aside).is_ok_and(|found| found == content) {
            self.fs.remove_file(aside)?;
            return Ok(true);
        }
        self.fs.rename_new(aside, path)?;
        Ok(false)
    }

    fn write_copy(&self, from: &CopyFrom, path: &Path, temp: &Path, mode: u32) -> io::Result<()> {
        // Into `temp` first (flushed, so a crash never leaves a half-written
        // file at `path`), then linked to `path`, which fails if anything
        // appeared there since the pre-check.
        let mut file = self.fs.create_file(temp)?;
        let written = (|| {
            match from {
                CopyFrom::File(from) => {
                    io::copy(&mut std::fs::File::open(from)?, &mut file)?;
                }
                CopyFrom::Text(text) => file.write_all(text.as_bytes())?,
            }
            // The mode given to open() went through the umask; this one does not.
            rustix::fs::fchmod(&file, rustix::fs::Mode::from_raw_mode(mode))?;
            file.sync_all()?;
            drop(file);
            self.fs.hard_link(temp, path)
        })();
        let removed = self.fs.remove_file(temp);
        written?;
        removed?;
        self.fs.sync_parent(path)
    }

    fn dconf_load(&self, client: &dconf::Client, keys: &[(&str, &str)]) -> io::Result<()> {
        client.load(keys.iter().copied())
    }

    fn dconf_reset(&self, client: &dconf::Client, path: &str) -> io::Result<()> {
        client.reset(path)
    }

    fn rename(&self, from: &Path, to: &Path, why: MoveReason, expect: &Expect) -> io::Result<bool> {
        self.fs.rename_new(from, to)?;
        if !self.holds(to, expect) {
            self.fs.rename_new(to, from)?;
            return Ok(false);
        }
        if why.is_trash() {
            lock(&self.trash).push(to.to_path_buf());
        }
        Ok(true)
    }

    fn remove_dir_if_empty(&self, path: &Path) -> bool {
        self.fs.remove_dir(path).is_ok()
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
        if let JournalState::Open { journal, .. } = &mut *self.journal() {
            journal.append(vec![JournalEntry::Committed])?;
        }
        delete_trash(&self.fs, &std::mem::take(&mut *lock(&self.trash)), &mut warnings);
        for dir in &commit.prune_after_trash {
            // Something that appeared there since keeps the folder: fine.
            let _ = self.fs.remove_dir(dir);
        }
        if let Some(record) = &commit.record {
            let bundle = Path::new(&record.bundle);
            if let Err(error) = crate::state::gcroot::register(&self.state, record.number, bundle) {
                warnings.push(format!(
                    "the bundle is not protected from garbage collection ({error}); \
                     `nix-store --gc` may delete it and leave the home's links dangling"
                ));
            }
        }
        if let Some((journal, _)) = self.take_journal() {
            journal.finish()?;
        }
        Ok(warnings)
    }

    fn rollback(&self) -> Vec<UndoProblem> {
        let Some((journal, token)) = self.take_journal() else { return Vec::new() };
        let problems = undo::undo(journal.entries(), token, &self.fs, &self.dconf);
        // The journal stays when something could not be undone, so the
        // next run tries again.
        if problems.is_empty() {
            let _ = journal.finish();
        }
        problems
    }
}

/// Deletes what this activation moved to the trash.
pub fn delete_trash(fs: &Anchored, trash: &[PathBuf], warnings: &mut Vec<String>) {
    for path in trash {
        match fs.found(path) {
            Ok(Found::Missing) => {}
            _ => {
                if let Err(error) = fs.remove_all(path) {
                    warnings.push(format!("could not delete {}: {error}", path.display()));
                }
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A worker that panicked while holding a lock left its data whole:
    // every critical section is one push or one append.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
    trash: Mutex<Vec<PathBuf>>,
}

impl DryRunBackend {
    pub fn planned(self) -> Vec<Planned> {
        self.planned.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn plan(&self, change: Planned) -> io::Result<()> {
        lock(&self.planned).push(change);
        Ok(())
    }
}

impl Backend for DryRunBackend {
    fn begin(&self, _begin: Begin) -> io::Result<()> {
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

    fn replace_symlink(
        &self,
        content: &Path,
        path: &Path,
        _previous: &Path,
        _temp: &Path,
    ) -> io::Result<bool> {
        let (path, content) = (path.to_path_buf(), content.to_path_buf());
        self.plan(Planned::ReplaceLink { path, content }).map(|()| true)
    }

    fn remove_symlink(&self, path: &Path, _content: &Path, _aside: &Path) -> io::Result<bool> {
        self.plan(Planned::RemoveLink(path.to_path_buf())).map(|()| true)
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

    fn rename(
        &self,
        from: &Path,
        to: &Path,
        why: MoveReason,
        _expect: &Expect,
    ) -> io::Result<bool> {
        if why.is_trash() {
            lock(&self.trash).push(to.to_path_buf());
        }
        self.plan(Planned::Move { from: from.to_path_buf(), to: to.to_path_buf(), why })
            .map(|()| true)
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
        let trash = std::mem::take(&mut *lock(&self.trash));
        self.plan(Planned::Commit { generation, trash })?;
        Ok(Vec::new())
    }

    fn rollback(&self) -> Vec<UndoProblem> {
        Vec::new()
    }
}
