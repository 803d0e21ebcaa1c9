//! The activation journal: every change is appended (and fsynced) before it
//! is made, so an activation cut short by a crash, a kill or a failing
//! required node can be undone (by `activate::undo`).

use std::fs::File;
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
    /// A journal just created at `path` (see `StateDir::create_journal`).
    pub(super) fn new(file: File, path: PathBuf) -> Journal {
        Journal { file, path, entries: Vec::new() }
    }

    /// Appends entries with one write and one fsync: a whole layer's
    /// changes cost a single disk flush.
    pub fn append(&mut self, entries: Vec<JournalEntry>) -> io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
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

/// Reads a journal left behind, if there is one. One another version of
/// `am` wrote is an error that says how to finish it.
pub fn read(path: &Path) -> io::Result<Option<Vec<JournalEntry>>> {
    match std::fs::read(path) {
        Ok(bytes) => am_schema::decode_journal(&bytes).map(Some).map_err(|error| {
            io::Error::other(format!(
                "{error}: an activation by another version of am was cut short; run the \
                 `bin/activate` of a bundle built with that version to finish it, then this one"
            ))
        }),
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
