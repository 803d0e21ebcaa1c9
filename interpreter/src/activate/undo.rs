//! Undoing a journal: the rollback of a failed activation, and the recovery
//! of one cut short by a crash or a kill.
//!
//! Every step looks at the disk before it acts and reverses a change only
//! where the path still holds what the forward step left there; anything
//! else there (a file the user wrote meanwhile) is left as it is and
//! reported. So undoing an entry whose change never happened, or undoing
//! twice after a crash during recovery, does no harm, and undo never
//! replaces what someone else made.
//!
//! Before the entries, the activation's temporary paths are swept (their
//! names hold the journal's token, see `scratch`): each is either ours
//! (a link or copy the activation made, deleted) or something it set aside
//! (put back where it came from).

use std::collections::HashSet;
use std::io;
use std::path::Path;

use am_schema::state::{ContentHash, JournalEntry};

use super::copy::hash_at;
pub use super::findings::{UndoProblem, all_settled};
use super::scratch::{Purpose, Scratch};
use super::{accounts, dconf};
use crate::anchored::{Anchored, Found};

impl UndoProblem {
    fn failed(path: &Path) -> impl FnOnce(io::Error) -> UndoProblem + '_ {
        move |error| UndoProblem { path: path.to_path_buf(), error, left_alone: false }
    }
}

/// Undoes `entries` (of the activation with `token`), last first. Returns
/// what could not be undone; the rest is undone regardless.
pub fn undo(
    entries: &[JournalEntry],
    token: u64,
    fs: &Anchored,
    dconf: &dyn dconf::Dconf,
) -> Vec<UndoProblem> {
    let mut problems = Vec::new();
    let undo = Undo { fs, dconf, entries, scratch: Scratch { token } };
    undo.sweep(&mut problems);
    // Paths whose user file never left (the move away did not happen):
    // what is there is the original, not something to report.
    let unmoved: HashSet<&str> = entries
        .iter()
        .filter_map(|entry| match entry {
            JournalEntry::Moved { from, to, inode, .. } if !undo.holds(Path::new(to), *inode) => {
                Some(from.as_str())
            }
            _ => None,
        })
        .collect();
    for entry in entries.iter().rev() {
        if let Err(problem) = undo.one(entry, &unmoved) {
            problems.push(problem);
        }
    }
    problems
}

struct Undo<'a> {
    fs: &'a Anchored,
    dconf: &'a dyn dconf::Dconf,
    entries: &'a [JournalEntry],
    scratch: Scratch,
}

type Step = Result<(), UndoProblem>;

/// Why a path was left as it is.
fn left_alone(path: &Path, what: &str) -> UndoProblem {
    left_as_is(path, format!("it holds {what}, not what activation-manager made there"))
}

/// A path left as it is, for `reason`.
fn left_as_is(path: &Path, reason: String) -> UndoProblem {
    UndoProblem { path: path.to_path_buf(), error: io::Error::other(reason), left_alone: true }
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> UndoProblem + '_ {
    UndoProblem::failed(path)
}

impl Undo<'_> {
    fn one(&self, entry: &JournalEntry, unmoved: &HashSet<&str>) -> Step {
        let fs = self.fs;
        match entry {
            JournalEntry::Begin { .. } | JournalEntry::Committed { .. } => Ok(()),
            JournalEntry::DirCreated { path } => {
                let path = Path::new(path);
                // Only an empty folder is removed: anything inside is someone's.
                match fs.remove_dir(path) {
                    Err(e) if e.kind() == io::ErrorKind::NotFound || is_not_empty(&e) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
                        Err(left_alone(path, "a file"))
                    }
                    other => other.map_err(at(path)),
                }
            }
            JournalEntry::LinkCreated { path, content } => {
                let path = Path::new(path);
                match self.found(path)? {
                    Found::Missing => Ok(()),
                    _ if unmoved.contains(path.to_str().unwrap_or_default()) => Ok(()),
                    Found::Link => self.remove_link(path, Path::new(content)),
                    other => Err(left_alone(path, describe(other))),
                }
            }
            JournalEntry::LinkReplaced { path, previous, content } => {
                let (path, previous) = (Path::new(path), Path::new(previous));
                match self.found(path)? {
                    // Removed by the activation (or by the user since): the
                    // previous link goes back.
                    Found::Missing => self.put_link(previous, path),
                    Found::Link => {
                        let found = fs.read_link(path).map_err(at(path))?;
                        if found == previous {
                            Ok(())
                        } else if content.as_deref().is_some_and(|c| Path::new(c) == found) {
                            self.swap_link(previous, path, &found)
                        } else {
                            Err(left_alone(path, "another link"))
                        }
                    }
                    other => Err(left_alone(path, describe(other))),
                }
            }
            JournalEntry::CopyCreated { path, temp, hash } => {
                let path = Path::new(path);
                match fs.remove_file(Path::new(temp)) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => {
                        return Err(at(Path::new(temp))(e));
                    }
                    _ => {}
                }
                match self.found(path)? {
                    Found::Missing => Ok(()),
                    _ if unmoved.contains(path.to_str().unwrap_or_default()) => Ok(()),
                    Found::File => self.remove_copy(path, *hash),
                    other => Err(left_alone(path, describe(other))),
                }
            }
            JournalEntry::DconfChanged { changes } => {
                dconf::restore(self.dconf, changes).map_err(at(Path::new("dconf")))
            }
            JournalEntry::ProfileChanged { profile, previous, newest, made_dirs, made_link } => {
                let changed = super::profile::undo::Changed {
                    profile,
                    previous: *previous,
                    newest: *newest,
                    made_dirs,
                    made_link: made_link.as_deref(),
                };
                super::profile::undo::undo(changed, self.scratch)
            }
            JournalEntry::AccountCreated { name, .. }
            | JournalEntry::AccountLocked { name, .. }
            | JournalEntry::GroupMembership { user: name, .. } => {
                accounts::undo(entry).map_err(at(Path::new(name)))
            }
            JournalEntry::Moved { from, to, inode, .. } => {
                let (back, moved) = (Path::new(from), Path::new(to));
                // Only what was moved goes back: at `to` may be something
                // else, if the move never happened.
                if !self.holds(moved, *inode) {
                    return Ok(());
                }
                match self.found(back)? {
                    Found::Missing => fs.rename_new(moved, back).map_err(at(back)),
                    found => Err(left_as_is(
                        back,
                        format!(
                            "it holds {}, so what was there is left at {}",
                            describe(found),
                            moved.display()
                        ),
                    )),
                }
            }
        }
    }

    /// Whether `path` holds the file with `inode` (0: none was recorded).
    fn holds(&self, path: &Path, inode: u64) -> bool {
        inode != 0 && self.fs.inode(path).is_ok_and(|found| found == Some(inode))
    }

    fn found(&self, path: &Path) -> Result<Found, UndoProblem> {
        self.fs.found(path).map_err(at(path))
    }

    /// Removes the link at `path` if it holds `content`; it is set aside to
    /// be looked at first, so nothing else is ever removed.
    fn remove_link(&self, path: &Path, content: &Path) -> Step {
        let aside = self.scratch.beside(path, Purpose::Aside);
        self.fs.rename_new(path, &aside).map_err(at(path))?;
        if self.fs.read_link(&aside).is_ok_and(|found| found == content) {
            return self.fs.remove_file(&aside).map_err(at(&aside));
        }
        self.fs.rename_new(&aside, path).map_err(at(path))?;
        Err(left_alone(path, "another link"))
    }

    /// Removes the regular file at `path` if it has `hash`.
    fn remove_copy(&self, path: &Path, hash: ContentHash) -> Step {
        let aside = self.scratch.beside(path, Purpose::Aside);
        self.fs.rename_new(path, &aside).map_err(at(path))?;
        if hash_at(self.fs, &aside).is_ok_and(|found| found == hash) {
            return self.fs.remove_file(&aside).map_err(at(&aside));
        }
        self.fs.rename_new(&aside, path).map_err(at(path))?;
        Err(left_alone(path, "a file with other bytes"))
    }

    /// Puts a link back where nothing is, re-creating its parent folders
    /// if pruning removed them.
    fn put_link(&self, content: &Path, path: &Path) -> Step {
        let mut missing = Vec::new();
        for folder in path.ancestors().skip(1) {
            match self.fs.found(folder) {
                Ok(Found::Missing) => missing.push(folder),
                _ => break,
            }
        }
        for folder in missing.iter().rev() {
            self.fs.create_dir(folder).map_err(at(folder))?;
        }
        self.fs.symlink(content, path).map_err(at(path))
    }

    /// Swaps our link at `path` (holding `ours`) for one holding `content`.
    fn swap_link(&self, content: &Path, path: &Path, ours: &Path) -> Step {
        let temp = self.scratch.beside(path, Purpose::Link);
        self.fs.symlink(content, &temp).map_err(at(&temp))?;
        let swapped = match self.fs.exchange(&temp, path) {
            Err(error) if error.kind() == io::ErrorKind::Unsupported => {
                return self.fs.rename_over(&temp, path).map_err(at(path));
            }
            other => other,
        };
        if let Err(error) = swapped {
            let _ = self.fs.remove_file(&temp);
            return Err(at(path)(error));
        }
        if self.fs.read_link(&temp).is_ok_and(|found| found == ours) {
            return self.fs.remove_file(&temp).map_err(at(&temp));
        }
        // Changed in the moment between: put it back.
        self.fs.exchange(&temp, path).map_err(at(path))?;
        let _ = self.fs.remove_file(&temp);
        Err(left_alone(path, "another link"))
    }

    /// Deletes or puts back what the activation left at its temporary
    /// names: a link or copy it made is deleted; what it set aside (the
    /// user's file, if that is what was there) goes back to its place.
    fn sweep(&self, problems: &mut Vec<UndoProblem>) {
        let mut seen = HashSet::new();
        for entry in self.entries {
            let (path, ours) = match entry {
                JournalEntry::LinkCreated { path, content } => (path, vec![Mark::Link(content)]),
                JournalEntry::LinkReplaced { path, previous, content } => {
                    let mut ours = vec![Mark::Link(previous)];
                    ours.extend(content.as_deref().map(Mark::Link));
                    (path, ours)
                }
                JournalEntry::CopyCreated { path, hash, .. } => (path, vec![Mark::Copy(*hash)]),
                JournalEntry::Moved { from, .. } => (from, Vec::new()),
                _ => continue,
            };
            if !seen.insert(path.as_str()) {
                continue;
            }
            let path = Path::new(path);
            for purpose in [Purpose::New, Purpose::Link, Purpose::Aside] {
                let temp = self.scratch.beside(path, purpose);
                if let Err(problem) = self.settle_temp(&temp, path, &ours) {
                    problems.push(problem);
                }
            }
        }
    }

    fn settle_temp(&self, temp: &Path, path: &Path, ours: &[Mark]) -> Step {
        let found = match self.fs.found(temp) {
            Ok(Found::Missing) => return Ok(()),
            // A folder the sweep cannot reach is not one of ours.
            Err(_) => return Ok(()),
            Ok(found) => found,
        };
        let is_ours = ours.iter().any(|mark| match (mark, found) {
            (Mark::Link(content), Found::Link) => {
                self.fs.read_link(temp).is_ok_and(|found| found == Path::new(content))
            }
            (Mark::Copy(hash), Found::File) => hash_at(self.fs, temp).is_ok_and(|f| f == *hash),
            _ => false,
        }) || (found == Found::File
            && temp == self.scratch.beside(path, Purpose::New));
        if is_ours {
            return self.fs.remove_file(temp).map_err(at(temp));
        }
        // Something set aside that is not ours: the user's, back it goes.
        match self.found(path)? {
            Found::Missing => self.fs.rename_new(temp, path).map_err(at(path)),
            _ => Err(left_as_is(
                path,
                format!("what was there is at {}: put it back by hand", temp.display()),
            )),
        }
    }
}

/// What an activation made at a path, for the sweep.
enum Mark<'a> {
    Link(&'a str),
    Copy(ContentHash),
}

fn describe(found: Found) -> &'static str {
    match found {
        Found::Missing => "nothing",
        Found::Link => "a link",
        Found::Folder => "a folder",
        Found::File => "a file",
        Found::Special => "a special file",
    }
}

fn is_not_empty(error: &io::Error) -> bool {
    error.raw_os_error() == Some(rustix::io::Errno::NOTEMPTY.raw_os_error())
}
