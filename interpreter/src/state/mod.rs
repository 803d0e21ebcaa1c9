//! The home's activation state folder (`$XDG_STATE_HOME/activation-manager`):
//! generation records, the `current` pointer, GC roots and the journal. See
//! "The home's state" in ARCHITECTURE.md for the layout.
//!
//! Every record is written atomically (temporary file, fsync, rename, fsync
//! of the folder), so a crash leaves either the old or the new one.

pub mod gcroot;
pub mod journal;
pub mod lock;
pub mod time;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use am_schema::state::Generation;

use self::journal::Journal;
use crate::anchored::Anchored;
use crate::error::{Error, Result};

const GENERATIONS: &str = "generations";
const CURRENT: &str = "current";
const JOURNAL: &str = "journal";
const GCROOTS: &str = "gcroots";
/// `deactivated/<N>` holds the time `am deactivate` ended generation N.
const DEACTIVATED: &str = "deactivated";

/// Marks the name of a record being written (`.<name>.tmp-<pid>`); a
/// killed run leaves such names behind, and only then.
const TEMPORARY: &str = ".tmp-";

/// The state folder of one home. Reading follows links (the state folder
/// may be one); every change is made through [`Anchored`], below the
/// folder itself, so a link put into it is never written through.
#[derive(Debug, Clone)]
pub struct StateDir {
    pub root: PathBuf,
}

impl StateDir {
    pub fn new(root: PathBuf) -> Self {
        StateDir { root }
    }

    /// The state folder, created if missing, opened for changes.
    fn fs(&self) -> io::Result<Anchored> {
        std::fs::create_dir_all(&self.root)?;
        Ok(Anchored::new([self.root.clone()]))
    }

    /// Starts a new journal (a left-over one must have been recovered first).
    pub fn create_journal(&self) -> io::Result<Journal> {
        let fs = self.fs()?;
        let path = self.journal_path();
        match fs.remove_file(&path) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
            _ => {}
        }
        let file = fs.create_file(&path)?;
        fs.sync_parent(&path)?;
        Ok(Journal::new(file, path))
    }

    /// Removes the records a killed run left half-written.
    pub fn remove_temporaries(&self) -> io::Result<()> {
        let fs = Anchored::new([self.root.clone()]);
        let dirs = [GENERATIONS, GCROOTS, DEACTIVATED].map(|name| self.root.join(name));
        for dir in std::iter::once(self.root.clone()).chain(dirs) {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                Err(error) => return Err(error),
            };
            for entry in entries {
                let name = entry?.file_name();
                let text = name.to_string_lossy();
                if text.starts_with('.') && text.contains(TEMPORARY) {
                    fs.remove_file(&dir.join(&name))?;
                }
            }
        }
        Ok(())
    }

    pub fn journal_path(&self) -> PathBuf {
        self.root.join(JOURNAL)
    }

    fn generation_path(&self, number: u64) -> PathBuf {
        self.root.join(GENERATIONS).join(number.to_string())
    }

    pub fn gcroot_path(&self, number: u64) -> PathBuf {
        self.root.join(GCROOTS).join(number.to_string())
    }

    fn deactivated_path(&self, number: u64) -> PathBuf {
        self.root.join(DEACTIVATED).join(number.to_string())
    }

    /// Records that `am deactivate` ended generation `number` at `time`
    /// (seconds since the epoch). Written before `current` goes, so a
    /// deactivation is never without its mark; a mark on the generation
    /// `current` still points at means nothing (the deactivation did not
    /// commit) and is removed again by whoever finds it so.
    pub fn mark_deactivated(&self, number: u64, time: u64) -> io::Result<()> {
        let fs = self.fs()?;
        write_atomically(&fs, &self.deactivated_path(number), format!("{time}\n").as_bytes())
    }

    /// Removes the deactivation mark of generation `number`, if any.
    pub fn unmark_deactivated(&self, number: u64) -> io::Result<()> {
        let fs = Anchored::new([self.root.clone()]);
        match fs.remove_file(&self.deactivated_path(number)) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// When `am deactivate` ended generation `number`, if it did.
    pub fn deactivated_at(&self, number: u64) -> Result<Option<u64>> {
        let path = self.deactivated_path(number);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(Error::Io { action: "read", path, source }),
        };
        match text.trim().parse() {
            Ok(time) => Ok(Some(time)),
            Err(_) => Err(Error::Io {
                action: "read the time of a deactivation from",
                path,
                source: io::Error::other(format!("it holds {text:?}, not a number of seconds")),
            }),
        }
    }

    /// The number `current` points at, if any.
    pub fn current_number(&self) -> Result<Option<u64>> {
        let link = self.root.join(CURRENT);
        match std::fs::read_link(&link) {
            Ok(content) => {
                let number = content.file_name().and_then(|n| n.to_str()?.parse().ok());
                number.map(Some).ok_or_else(|| Error::Io {
                    action: "read the current generation from",
                    path: link,
                    source: io::Error::other(format!(
                        "it points at {}, not at a generation",
                        content.display()
                    )),
                })
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { action: "read", path: link, source }),
        }
    }

    /// The current generation's record, if any.
    pub fn current(&self) -> Result<Option<Generation>> {
        match self.current_number()? {
            Some(number) => self.read(number).map(Some),
            None => Ok(None),
        }
    }

    pub fn read(&self, number: u64) -> Result<Generation> {
        let path = self.generation_path(number);
        let bytes = std::fs::read(&path).map_err(|source| Error::Io {
            action: "read generation record",
            path: path.clone(),
            source,
        })?;
        am_schema::decode_generation(&bytes).map_err(|source| Error::StateInvalid { path, source })
    }

    /// The numbers of every recorded generation, ascending.
    pub fn numbers(&self) -> Result<Vec<u64>> {
        let dir = self.root.join(GENERATIONS);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(Error::Io { action: "list", path: dir, source }),
        };
        let mut numbers: Vec<u64> =
            entries.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok()).collect();
        numbers.sort_unstable();
        Ok(numbers)
    }

    /// The number the next new generation gets.
    pub fn next_number(&self) -> Result<u64> {
        Ok(self.numbers()?.last().map_or(1, |last| last + 1))
    }

    /// Writes a generation record atomically.
    pub fn write(&self, generation: &Generation) -> io::Result<()> {
        let path = self.generation_path(generation.number);
        write_atomically(&self.fs()?, &path, &am_schema::encode_generation(generation))
    }

    /// Points `current` at a generation, or removes it (after `am deactivate`).
    /// This rename is the commit point of an activation.
    pub fn set_current(&self, number: Option<u64>) -> io::Result<()> {
        let link = self.root.join(CURRENT);
        match number {
            Some(number) => {
                let content = Path::new(GENERATIONS).join(number.to_string());
                if std::fs::read_link(&link).is_ok_and(|current| current == content) {
                    return Ok(());
                }
                replace_symlink(&self.fs()?, &content, &link)
            }
            None => {
                let fs = self.fs()?;
                match fs.remove_file(&link) {
                    Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
                    _ => fs.sync_parent(&link),
                }
            }
        }
    }

    /// Points the GC root link of generation `number` at its bundle.
    pub fn link_gcroot(&self, number: u64, bundle: &Path) -> io::Result<PathBuf> {
        let fs = self.fs()?;
        let link = self.gcroot_path(number);
        fs.create_dir(&self.root.join(GCROOTS))?;
        replace_symlink(&fs, bundle, &link)?;
        Ok(link)
    }

    /// Removes a generation's record, its GC root and its deactivation mark.
    pub fn delete(&self, number: u64) -> io::Result<()> {
        let fs = Anchored::new([self.root.clone()]);
        let paths =
            [self.gcroot_path(number), self.deactivated_path(number), self.generation_path(number)];
        for path in paths {
            match fs.remove_file(&path) {
                Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
                _ => {}
            }
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` so that a crash leaves the old content or the
/// new, never a mix: temporary file, fsync, rename, fsync of the folder.
fn write_atomically(fs: &Anchored, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().ok_or_else(|| io::Error::other("a record path has a parent"))?;
    fs.create_dir(dir)?;
    let temp = temp_beside(path);
    let _ = fs.remove_file(&temp);
    let mut file = fs.create_file(&temp)?;
    // Records are readable like the rest of the home's files.
    rustix::fs::fchmod(&file, rustix::fs::Mode::from_raw_mode(0o644))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs.rename_over(&temp, path)?;
    fs.sync_parent(path)
}

/// Replaces whatever link is at `path` atomically (temporary link + rename).
fn replace_symlink(fs: &Anchored, content: &Path, path: &Path) -> io::Result<()> {
    let temp = temp_beside(path);
    let _ = fs.remove_file(&temp);
    fs.symlink(content, &temp)?;
    fs.rename_over(&temp, path)?;
    fs.sync_parent(path)
}

/// `.<name>.tmp-<pid>` beside `path`.
fn temp_beside(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}{TEMPORARY}{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deactivation_mark_is_written_read_and_removed_with_its_generation() {
        let dir = std::env::temp_dir().join(format!("am-state-marks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let state = StateDir::new(dir.clone());
        assert_eq!(state.deactivated_at(3).ok(), Some(None));
        state.mark_deactivated(3, 1_700_000_000).expect("mark");
        assert_eq!(state.deactivated_at(3).ok(), Some(Some(1_700_000_000)));
        state.unmark_deactivated(3).expect("unmark");
        state.unmark_deactivated(3).expect("unmarking twice is fine");
        assert_eq!(state.deactivated_at(3).ok(), Some(None));
        state.mark_deactivated(4, 1).expect("mark");
        state.delete(4).expect("delete");
        assert_eq!(state.deactivated_at(4).ok(), Some(None), "the mark goes with its generation");
        std::fs::write(dir.join(DEACTIVATED).join("5"), "soon\n").expect("a bad mark");
        assert!(state.deactivated_at(5).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
