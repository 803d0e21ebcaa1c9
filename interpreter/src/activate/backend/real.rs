//! The backend that changes the home: journals each change, then makes it
//! through [`Anchored`], checking at that moment what the pre-check saw.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use am_schema::state::JournalEntry;

use super::{Backend, Begin, Commit, Expect, MoveReason, lock};
use crate::activate::copy::{CopyFrom, Ids, hash_at};
use crate::activate::dconf;
use crate::activate::exec::{Captured, ExecSpec};
use crate::activate::profile;
use crate::activate::systemd::{Ran, UnitChange, UnitManager};
use crate::activate::undo::{self, UndoProblem};
use crate::anchored::{Anchored, Found};
use crate::place::Place;
use crate::state::StateDir;
use crate::state::journal::Journal;

/// The backend that really changes the home, journaling first. Every
/// change is made through [`Anchored`]: relative to opened folders of the
/// home and the state folder, never through a link.
///
/// The journal file is created with the first change, so an activation
/// that changes nothing writes nothing at all, not even to the state folder.
#[derive(Debug)]
pub struct RealBackend {
    state: StateDir,
    /// A home's or a system's: where its GC roots are registered.
    role: am_schema::Role,
    fs: Anchored,
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
    pub fn new(state: StateDir, place: &Place) -> Self {
        RealBackend {
            fs: Anchored::new([place.dir.clone(), state.root.clone()]),
            role: place.role,
            state,
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

    fn write_copy(
        &self,
        from: &CopyFrom,
        path: &Path,
        temp: &Path,
        mode: u32,
        owner: Ids,
    ) -> io::Result<()> {
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
            // The owner first: changing it may clear set-id bits. The mode
            // given to open() went through the umask; this one does not.
            if owner != Ids::default() {
                let uid = owner.uid.map(rustix::fs::Uid::from_raw);
                let gid = owner.gid.map(rustix::fs::Gid::from_raw);
                rustix::fs::fchown(&file, uid, gid)?;
            }
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

    fn dconf_load(&self, client: &dyn dconf::Dconf, keys: &[(&str, &str)]) -> io::Result<()> {
        client.load(keys)
    }

    fn dconf_reset(&self, client: &dyn dconf::Dconf, path: &str) -> io::Result<()> {
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

    fn profile_switch(
        &self,
        switch: &profile::Switch,
    ) -> io::Result<Result<(), profile::NixFailed>> {
        profile::run(switch)
    }

    fn unit_change(&self, manager: &dyn UnitManager, change: &UnitChange) -> io::Result<Ran> {
        manager.change(change)
    }

    fn run(&self, _node: &str, spec: &ExecSpec, output: &dyn Fn(&[u8])) -> io::Result<Captured> {
        crate::activate::exec::run_captured(spec, output)
    }

    fn commit(&self, commit: Commit) -> io::Result<Vec<String>> {
        let mut warnings = Vec::new();
        if let Some(record) = &commit.record {
            self.state.write(record)?;
        }
        if let Some(number) = commit.deactivated {
            self.state.mark_deactivated(number, crate::state::time::now())?;
        }
        if let Err(error) = self.state.set_current(commit.current) {
            // The deactivation did not happen: its mark goes with it.
            if let Some(number) = commit.deactivated {
                let _ = self.state.unmark_deactivated(number);
            }
            return Err(error);
        }
        if let JournalState::Open { journal, .. } = &mut *self.journal() {
            let prune = commit.prune_after_trash.iter().map(|d| d.to_string_lossy().into_owned());
            journal.append(vec![JournalEntry::Committed { prune: prune.collect() }])?;
        }
        delete_trash(&self.fs, &std::mem::take(&mut *lock(&self.trash)), &mut warnings);
        for dir in &commit.prune_after_trash {
            // Something that appeared there since keeps the folder: fine.
            let _ = self.fs.remove_dir(dir);
        }
        if let Some(record) = &commit.record {
            let bundle = Path::new(&record.bundle);
            if let Err(error) =
                crate::state::gcroot::register(&self.state, record.number, bundle, self.role)
            {
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

    fn rollback(&self, dconf: &dyn dconf::Dconf) -> Vec<UndoProblem> {
        let Some((journal, token)) = self.take_journal() else { return Vec::new() };
        let problems = undo::undo(journal.entries(), token, &self.fs, dconf);
        // The journal stays when something could not be undone, so the
        // next run tries again; paths left as they are stay so for good.
        if undo::all_settled(&problems) {
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

#[cfg(test)]
mod tests;
