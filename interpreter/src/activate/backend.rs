//! Every change an activation makes goes through [`Backend`]: the real one
//! changes the file system and runs commands; a dry run, a journaling wrapper
//! or a test double implement the same trait, so the engine never asks which
//! one it has.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::exec::{Captured, ExecSpec};

/// The changes an activation makes. Implementations are shared by the
/// worker threads of a layer, hence `Sync`.
pub trait Backend: Sync {
    /// `mkdir -p`.
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;

    /// Creates a symlink at `path` containing `content`. Fails when anything
    /// is at `path`: a file that appeared after the pre-check is never
    /// replaced.
    fn create_symlink(&self, content: &Path, path: &Path) -> io::Result<()>;

    /// Atomically replaces what is at `path` (a link of an earlier
    /// activation) with a symlink containing `content`: readers see either
    /// the old or the new link, never none.
    fn replace_symlink(&self, content: &Path, path: &Path) -> io::Result<()>;

    /// Runs a command to completion with its output captured.
    fn run(&self, spec: &ExecSpec) -> io::Result<Captured>;
}

/// The backend that really changes the home.
#[derive(Debug, Default)]
pub struct RealBackend {
    /// Makes temporary names unique among this process's threads; the pid
    /// in the name makes them unique among processes.
    temp_counter: AtomicU64,
}

/// How many taken temporary names to skip (left over by a killed run)
/// before giving up.
const TEMP_ATTEMPTS: u32 = 64;

impl Backend for RealBackend {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        std::fs::create_dir_all(path)
    }

    fn create_symlink(&self, content: &Path, path: &Path) -> io::Result<()> {
        // symlink(2) is atomic and fails on an existing path, which is exactly
        // the promise; no temporary name is needed.
        std::os::unix::fs::symlink(content, path)
    }

    fn replace_symlink(&self, content: &Path, path: &Path) -> io::Result<()> {
        let mut attempts = 0;
        let temp = loop {
            let temp = self.temp_name(path)?;
            match std::os::unix::fs::symlink(content, &temp) {
                Ok(()) => break temp,
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    attempts += 1;
                    if attempts == TEMP_ATTEMPTS {
                        return Err(error);
                    }
                }
                Err(error) => return Err(error),
            }
        };
        // rename(2) over the old link is the atomic step. If it fails, the
        // temporary link is ours to remove.
        std::fs::rename(&temp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&temp);
        })
    }

    fn run(&self, spec: &ExecSpec) -> io::Result<Captured> {
        super::exec::run_captured(spec)
    }
}

impl RealBackend {
    /// `.<name>.am-<pid>-<n>` beside `path`: hidden, recognisably ours, and in
    /// the same folder so the rename stays on one file system.
    fn temp_name(&self, path: &Path) -> io::Result<PathBuf> {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"));
        };
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let suffix = format!(".am-{}-{n}", std::process::id());
        let mut temp = OsString::from(".");
        // File names are limited to 255 bytes; a long name is left out
        // rather than making the temporary name too long to create.
        if name.len() + suffix.len() < 250 {
            temp.push(name);
        }
        temp.push(suffix);
        Ok(parent.join(temp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(label: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("am-backend-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir is writable");
        dir
    }

    #[test]
    fn create_symlink_never_replaces() {
        let dir = scratch("create");
        let path = dir.join("file");
        std::fs::write(&path, "mine").expect("write");
        let error = RealBackend::default().create_symlink(Path::new("/x"), &path);
        assert_eq!(error.map_err(|e| e.kind()), Err(io::ErrorKind::AlreadyExists));
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("mine"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn replace_symlink_swaps_content_and_leaves_no_temporary_link() {
        let dir = scratch("replace");
        let path = dir.join("link");
        std::os::unix::fs::symlink("/old", &path).expect("symlink");
        RealBackend::default().replace_symlink(Path::new("/new"), &path).expect("replace");
        assert_eq!(std::fs::read_link(&path).ok(), Some(PathBuf::from("/new")));
        let names: Vec<_> = std::fs::read_dir(&dir)
            .expect("read dir")
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(names, [OsString::from("link")]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn temporary_names_are_hidden_and_unique() {
        let backend = RealBackend::default();
        let first = backend.temp_name(Path::new("/h/.profile")).expect("name");
        let second = backend.temp_name(Path::new("/h/.profile")).expect("name");
        assert_ne!(first, second);
        let name = first.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        assert!(name.starts_with("..profile.am-"), "{name}");
        let long = "x".repeat(250);
        let short = backend.temp_name(&Path::new("/h").join(&long)).expect("name");
        assert!(short.file_name().is_some_and(|n| n.len() < 255));
    }
}
