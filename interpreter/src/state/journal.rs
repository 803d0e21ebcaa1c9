//! The activation journal: every change is appended (and fsynced) before it
//! is made, so an activation cut short by a crash, a kill or a failing
//! required node can be undone.
//!
//! Undoing walks the entries backwards. Each step looks at what is on disk
//! and only reverses a change that is really there, so undoing an entry
//! whose change never happened, or undoing twice after a crash during
//! recovery, does no harm.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use am_schema::state::JournalEntry;

/// An open journal, appended to as the activation goes.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    entries: Vec<JournalEntry>,
}

impl Journal {
    /// Starts a new journal at `path` (a left-over one must have been
    /// recovered first).
    pub fn create(path: &Path) -> io::Result<Journal> {
        let file = OpenOptions::new().write(true).create(true).truncate(true).open(path)?;
        if let Some(dir) = path.parent() {
            super::sync_dir(dir)?;
        }
        Ok(Journal { file, path: path.to_path_buf(), entries: Vec::new() })
    }

    /// Appends entries with one write and one fsync: a whole layer's
    /// changes cost a single disk flush.
    pub fn append(&mut self, entries: Vec<JournalEntry>) -> io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        // One write and one fsync for the whole batch.
        let mut bytes = Vec::new();
        for entry in &entries {
            bytes.extend_from_slice(&am_schema::encode_journal_entry(entry));
        }
        self.file.write_all(&bytes)?;
        self.file.sync_data()?;
        self.entries.extend(entries);
        Ok(())
    }

    pub fn entries(&self) -> &[JournalEntry] {
        &self.entries
    }

    /// Deletes the journal: the activation is over (committed or undone).
    pub fn finish(self) -> io::Result<()> {
        drop(self.file);
        remove(&self.path)
    }
}

/// Reads a journal left behind, if there is one.
pub fn read(path: &Path) -> io::Result<Option<Vec<JournalEntry>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(am_schema::decode_journal(&bytes))),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

pub fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// A change that could not be undone, with why.
#[derive(Debug)]
pub struct UndoProblem {
    pub path: PathBuf,
    pub error: io::Error,
}

/// Undoes `entries`, last first. Returns what could not be undone; the rest
/// is undone regardless.
pub fn undo(entries: &[JournalEntry]) -> Vec<UndoProblem> {
    let mut problems = Vec::new();
    for entry in entries.iter().rev() {
        if let Err((path, error)) = undo_one(entry) {
            problems.push(UndoProblem { path, error });
        }
    }
    problems
}

fn undo_one(entry: &JournalEntry) -> Result<(), (PathBuf, io::Error)> {
    let at = |path: &str| {
        let path = PathBuf::from(path);
        move |error| (path, error)
    };
    match entry {
        JournalEntry::Begin { .. } | JournalEntry::Committed => Ok(()),
        JournalEntry::DirCreated { path } => {
            // Only an empty folder is removed: anything inside is someone's.
            match std::fs::remove_dir(path) {
                Err(e) if !matches!(e.kind(), io::ErrorKind::NotFound) && !is_not_empty(&e) => {
                    Err(at(path)(e))
                }
                _ => Ok(()),
            }
        }
        JournalEntry::LinkCreated { path, content } => {
            if link_is(path, content) {
                remove(Path::new(path)).map_err(at(path))
            } else {
                Ok(())
            }
        }
        JournalEntry::LinkReplaced { path, previous, content } => {
            let current = std::fs::read_link(path).ok();
            let ours = match (&current, content) {
                (None, _) => true,
                (Some(current), Some(content)) => current == Path::new(content),
                (Some(_), None) => false,
            };
            if ours && current.as_deref() != Some(Path::new(previous)) {
                restore_link(Path::new(previous), Path::new(path)).map_err(at(path))
            } else {
                Ok(())
            }
        }
        JournalEntry::CopyCreated { path, temp, hash } => {
            remove(Path::new(temp)).map_err(at(temp))?;
            if crate::activate::copy::has_hash(Path::new(path), *hash) {
                remove(Path::new(path)).map_err(at(path))
            } else {
                Ok(())
            }
        }
        JournalEntry::CopyRemoved { path, from, mode } => {
            let path = Path::new(path);
            if std::fs::symlink_metadata(path).is_ok() {
                return Ok(());
            }
            let error = |error| (path.to_path_buf(), error);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(error)?;
            }
            let temp = crate::activate::copy::temp_name(path);
            let from = crate::activate::copy::CopyFrom::File(PathBuf::from(from));
            crate::activate::copy::write(&from, path, &temp, *mode).map_err(error)
        }
        JournalEntry::DconfChanged { changes } => crate::activate::dconf::restore(changes)
            .map_err(|error| (PathBuf::from("dconf"), error)),
        JournalEntry::Moved { from, to, .. } => {
            let back = Path::new(from);
            let moved = Path::new(to);
            if std::fs::symlink_metadata(back).is_err() && std::fs::symlink_metadata(moved).is_ok()
            {
                std::fs::rename(moved, back).map_err(at(from))
            } else {
                Ok(())
            }
        }
    }
}

fn link_is(path: &str, content: &str) -> bool {
    std::fs::read_link(path).is_ok_and(|current| current == Path::new(content))
}

fn is_not_empty(error: &io::Error) -> bool {
    error.raw_os_error() == Some(rustix::io::Errno::NOTEMPTY.raw_os_error())
}

/// Puts a link back, re-creating its parent folders if pruning removed them.
fn restore_link(content: &Path, path: &Path) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    super::replace_symlink(content, path)
}
