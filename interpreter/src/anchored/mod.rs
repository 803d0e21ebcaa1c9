//! File-system changes made relative to opened folders, never through a
//! path string.
//!
//! Every path `am` changes lies below a *root* (the home, the state folder).
//! A root itself is opened as the user named it (a `$HOME` reached through a
//! link is the user's choice), but below it each folder is opened one
//! component at a time with `O_NOFOLLOW | O_DIRECTORY`, and every change is
//! an `*at` system call on the opened parent: `symlinkat`, `renameat2`,
//! `unlinkat`, `mkdirat`, `linkat`, `openat(O_NOFOLLOW)`. A folder swapped for
//! a link at any moment of an activation is refused, never followed, so no
//! check-then-use window can send a change outside the root.
//!
//! Opened folders are cached (most targets share their folder with their
//! neighbours) and kept open while in use; the cache is bounded so that a
//! home of many folders never runs out of file descriptors.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rustc_hash::FxHashMap;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags};
use rustix::io::Errno;

/// Folders kept open per root; far more than the folders one layer touches.
const CACHED_FOLDERS: usize = 256;

/// What `lstat` found at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    Missing,
    Link,
    Folder,
    File,
    /// A socket, fifo or device.
    Special,
}

/// The roots changes may be made below, and their opened folders.
#[derive(Debug)]
pub struct Anchored {
    /// Longest path first, so that a root inside another (the state folder
    /// inside the home) is the one a path below both belongs to.
    roots: Vec<Root>,
}

#[derive(Debug)]
struct Root {
    path: PathBuf,
    /// Opened on first use: the state folder may not exist before the
    /// first change is journaled.
    handle: Mutex<Option<Arc<OwnedFd>>>,
    /// Opened folders below the root, by path relative to it, spelled
    /// plainly (names joined by single slashes). Keyed by the path's bytes:
    /// `Path`'s own hash parses components, at a cost beside the system
    /// call each lookup comes with.
    folders: Mutex<FxHashMap<OsString, Arc<OwnedFd>>>,
}

impl Anchored {
    /// Changes may be made below these absolute folders, and nowhere else.
    pub fn new(roots: impl IntoIterator<Item = PathBuf>) -> Anchored {
        let mut roots: Vec<Root> = roots
            .into_iter()
            .map(|path| Root { path, handle: Mutex::default(), folders: Mutex::default() })
            .collect();
        roots.sort_by_key(|root| std::cmp::Reverse(root.path.as_os_str().len()));
        roots.dedup_by(|a, b| a.path == b.path);
        Anchored { roots }
    }

    /// The opened parent folder of `path` and the name of `path` in it.
    fn parent<'p>(&self, path: &'p Path) -> io::Result<(Arc<OwnedFd>, &'p OsStr)> {
        match self.split_plain(path) {
            Some((root, folder, name)) => Ok((root.folder(folder)?, name)),
            None => {
                let (root, folder, name) = self.split(path)?;
                Ok((root.folder(&folder)?, name))
            }
        }
    }

    /// [`Anchored::parent`]'s split of a path as every caller spells it:
    /// a root, a slash, and plain names joined by single slashes. Looked at
    /// as bytes, since this runs for every change of an activation and
    /// parsing paths into components costs more than the system call.
    /// `None` for any other spelling, which [`Anchored::split`] then judges.
    fn split_plain<'p>(&self, path: &'p Path) -> Option<(&Root, &'p Path, &'p OsStr)> {
        let bytes = path.as_os_str().as_bytes();
        let (root, relative) = self.roots.iter().find_map(|root| {
            let rest = bytes.strip_prefix(root.path.as_os_str().as_bytes())?.strip_prefix(b"/")?;
            Some((root, rest))
        })?;
        let plain = |name: &[u8]| !matches!(name, b"" | b"." | b"..");
        if !relative.split(|&byte| byte == b'/').all(plain) {
            return None;
        }
        let (folder, name) = match relative.iter().rposition(|&byte| byte == b'/') {
            Some(slash) => (&relative[..slash], &relative[slash + 1..]),
            None => (&relative[..0], relative),
        };
        Some((root, Path::new(OsStr::from_bytes(folder)), OsStr::from_bytes(name)))
    }

    /// The root of `path`, the folder below it holding `path` (spelled
    /// plainly), and its name; an error unless `path` is a plain path below
    /// a root.
    fn split<'p>(&self, path: &'p Path) -> io::Result<(&Root, PathBuf, &'p OsStr)> {
        let (root, relative) = self
            .roots
            .iter()
            .find_map(|root| Some((root, path.strip_prefix(&root.path).ok()?)))
            .ok_or_else(|| outside(path, &self.roots))?;
        let plain = relative.components().all(|c| matches!(c, Component::Normal(_)));
        let name = relative.file_name().filter(|_| plain).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a plain path below {}", path.display(), root.path.display()),
            )
        })?;
        let folder = relative.parent().unwrap_or(Path::new("")).components().collect();
        Ok((root, folder, name))
    }

    /// What is at `path`, links not followed; `Missing` too when a folder
    /// above it is.
    pub fn found(&self, path: &Path) -> io::Result<Found> {
        let (dir, name) = match self.parent(path) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Found::Missing),
            other => other?,
        };
        match rustix::fs::statat(&*dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(match FileType::from_raw_mode(stat.st_mode) {
                FileType::Symlink => Found::Link,
                FileType::Directory => Found::Folder,
                FileType::RegularFile => Found::File,
                _ => Found::Special,
            }),
            Err(Errno::NOENT) => Ok(Found::Missing),
            Err(error) => Err(error.into()),
        }
    }

    /// The inode of what is at `path` (links not followed), if anything.
    pub fn inode(&self, path: &Path) -> io::Result<Option<u64>> {
        let (dir, name) = match self.parent(path) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            other => other?,
        };
        match rustix::fs::statat(&*dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(stat.st_ino)),
            Err(Errno::NOENT) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// The content of the link at `path`.
    pub fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        let (dir, name) = self.parent(path)?;
        let content = rustix::fs::readlinkat(&*dir, name, Vec::new())?;
        Ok(PathBuf::from(OsString::from_vec(content.into_bytes())))
    }

    /// Creates a link at `path`; fails when anything is there.
    pub fn symlink(&self, content: &Path, path: &Path) -> io::Result<()> {
        let (dir, name) = self.parent(path)?;
        Ok(rustix::fs::symlinkat(content, &*dir, name)?)
    }

    /// Creates a folder at `path`. One that is there already is used as it
    /// is, if it really is a folder (not a link to one).
    pub fn create_dir(&self, path: &Path) -> io::Result<()> {
        let (dir, name) = self.parent(path)?;
        match rustix::fs::mkdirat(&*dir, name, Mode::from_raw_mode(0o777)) {
            Err(Errno::EXIST) => open_folder(&dir, name, || path.to_path_buf()).map(drop),
            other => Ok(other?),
        }
    }

    /// Removes the folder at `path` if it is empty.
    pub fn remove_dir(&self, path: &Path) -> io::Result<()> {
        let (dir, name) = self.parent(path)?;
        rustix::fs::unlinkat(&*dir, name, AtFlags::REMOVEDIR)?;
        self.forget(path);
        Ok(())
    }

    /// Removes the file or link at `path` (never a folder).
    pub fn remove_file(&self, path: &Path) -> io::Result<()> {
        let (dir, name) = self.parent(path)?;
        Ok(rustix::fs::unlinkat(&*dir, name, AtFlags::empty())?)
    }

    /// Removes `path` and, if it is a folder, everything in it; links are
    /// removed, never followed.
    pub fn remove_all(&self, path: &Path) -> io::Result<()> {
        let (dir, name) = self.parent(path)?;
        remove_tree(&dir, name)?;
        self.forget(path);
        Ok(())
    }

    /// Renames `from` to `to`; fails rather than replace anything at `to`.
    pub fn rename_new(&self, from: &Path, to: &Path) -> io::Result<()> {
        let ((from_dir, from_name), (to_dir, to_name)) = (self.parent(from)?, self.parent(to)?);
        let renamed = rustix::fs::renameat_with(
            &*from_dir,
            from_name,
            &*to_dir,
            to_name,
            RenameFlags::NOREPLACE,
        );
        let result = match renamed {
            // A file system without RENAME_NOREPLACE: look, then rename.
            Err(Errno::INVAL) => {
                match rustix::fs::statat(&*to_dir, to_name, AtFlags::SYMLINK_NOFOLLOW) {
                    Err(Errno::NOENT) => {
                        rustix::fs::renameat(&*from_dir, from_name, &*to_dir, to_name)
                    }
                    Ok(_) => Err(Errno::EXIST),
                    Err(error) => Err(error),
                }
            }
            other => other,
        };
        self.forget(from);
        Ok(result?)
    }

    /// Swaps what is at `a` and at `b` in one step. Fails with
    /// [`io::ErrorKind::Unsupported`] on file systems that cannot.
    pub fn exchange(&self, a: &Path, b: &Path) -> io::Result<()> {
        let ((a_dir, a_name), (b_dir, b_name)) = (self.parent(a)?, self.parent(b)?);
        match rustix::fs::renameat_with(&*a_dir, a_name, &*b_dir, b_name, RenameFlags::EXCHANGE) {
            Err(Errno::INVAL) => return Err(io::ErrorKind::Unsupported.into()),
            other => other?,
        }
        self.forget(a);
        self.forget(b);
        Ok(())
    }

    /// Renames `from` to `to`, replacing whatever is at `to`: only for
    /// names nobody else uses (the state folder's own records).
    pub fn rename_over(&self, from: &Path, to: &Path) -> io::Result<()> {
        let ((from_dir, from_name), (to_dir, to_name)) = (self.parent(from)?, self.parent(to)?);
        Ok(rustix::fs::renameat(&*from_dir, from_name, &*to_dir, to_name)?)
    }

    /// Makes a hard link `to` of the file at `from`; fails when anything is
    /// at `to`.
    pub fn hard_link(&self, from: &Path, to: &Path) -> io::Result<()> {
        let ((from_dir, from_name), (to_dir, to_name)) = (self.parent(from)?, self.parent(to)?);
        Ok(rustix::fs::linkat(&*from_dir, from_name, &*to_dir, to_name, AtFlags::empty())?)
    }

    /// Opens the regular file at `path` for reading; a link is not followed.
    pub fn open_read(&self, path: &Path) -> io::Result<File> {
        let (dir, name) = self.parent(path)?;
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        Ok(File::from(rustix::fs::openat(&*dir, name, flags, Mode::empty())?))
    }

    /// Creates a new file at `path` (mode 0600 until the caller sets its
    /// own); fails when anything is there.
    pub fn create_file(&self, path: &Path) -> io::Result<File> {
        let (dir, name) = self.parent(path)?;
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        Ok(File::from(rustix::fs::openat(&*dir, name, flags, Mode::from_raw_mode(0o600))?))
    }

    /// Flushes the folder holding `path`, so that a new or renamed entry in
    /// it survives a power loss.
    pub fn sync_parent(&self, path: &Path) -> io::Result<()> {
        let (dir, _) = self.parent(path)?;
        Ok(rustix::fs::fsync(&*dir)?)
    }

    /// Drops the opened folders at and below `path`: it was removed or
    /// moved, and a folder made there later is another one.
    fn forget(&self, path: &Path) {
        for root in &self.roots {
            if let Ok(relative) = path.strip_prefix(&root.path) {
                // Spelled as the keys are, to compare bytes.
                let relative: PathBuf = relative.components().collect();
                let relative = relative.as_os_str().as_bytes();
                let gone = |folder: &OsString| {
                    relative.is_empty() || is_within(folder.as_bytes(), relative)
                };
                lock(&root.folders).retain(|folder, _| !gone(folder));
                return;
            }
        }
    }
}

impl Root {
    /// The opened folder at `relative`, a plainly spelled path (the root
    /// itself when empty).
    fn folder(&self, relative: &Path) -> io::Result<Arc<OwnedFd>> {
        let bytes = relative.as_os_str().as_bytes();
        if bytes.is_empty() {
            return self.open();
        }
        if let Some(folder) = lock(&self.folders).get(relative.as_os_str()) {
            return Ok(Arc::clone(folder));
        }
        let (parent, name) = match bytes.iter().rposition(|&byte| byte == b'/') {
            Some(slash) => (&bytes[..slash], &bytes[slash + 1..]),
            None => (&bytes[..0], bytes),
        };
        let parent = self.folder(Path::new(OsStr::from_bytes(parent)))?;
        let name = OsStr::from_bytes(name);
        let folder = Arc::new(open_folder(&parent, name, || self.path.join(relative))?);
        let mut folders = lock(&self.folders);
        if folders.len() >= CACHED_FOLDERS {
            // Those in use stay open through their `Arc`.
            folders.clear();
        }
        folders.insert(relative.as_os_str().to_os_string(), Arc::clone(&folder));
        Ok(folder)
    }

    fn open(&self) -> io::Result<Arc<OwnedFd>> {
        let mut handle = lock(&self.handle);
        if let Some(handle) = &*handle {
            return Ok(Arc::clone(handle));
        }
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let opened = rustix::fs::open(&self.path, flags, Mode::empty()).map_err(|error| {
            io::Error::new(error.kind(), format!("{}: {error}", self.path.display()))
        })?;
        let opened = Arc::new(opened);
        *handle = Some(Arc::clone(&opened));
        Ok(opened)
    }
}

/// Opens the folder `name` in `dir`, refusing a link; `path` gives its
/// whole path, for the message when it is not a folder.
fn open_folder(dir: &OwnedFd, name: &OsStr, path: impl FnOnce() -> PathBuf) -> io::Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    rustix::fs::openat(dir, name, flags, Mode::empty()).map_err(|error| match error {
        // ELOOP: a link where a folder must be; ENOTDIR: a file.
        Errno::LOOP | Errno::NOTDIR => io::Error::new(
            io::ErrorKind::NotADirectory,
            format!(
                "{} is not a folder (activation-manager never places files through a link or a file)",
                path().display()
            ),
        ),
        other => other.into(),
    })
}

/// Removes `name` in `dir`, descending into folders through opened handles.
fn remove_tree(dir: &OwnedFd, name: &OsStr) -> io::Result<()> {
    match rustix::fs::unlinkat(dir, name, AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT) => return Ok(()),
        // Linux says EISDIR for a folder.
        Err(Errno::ISDIR) => {}
        Err(error) => return Err(error.into()),
    }
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let folder = rustix::fs::openat(dir, name, flags, Mode::empty())?;
    let mut names = Vec::new();
    for entry in rustix::fs::Dir::read_from(&folder)? {
        let entry = entry?;
        let entry_name = entry.file_name().to_bytes();
        if entry_name != b"." && entry_name != b".." {
            names.push(OsStr::from_bytes(entry_name).to_os_string());
        }
    }
    for entry in names {
        remove_tree(&folder, &entry)?;
    }
    Ok(rustix::fs::unlinkat(dir, name, AtFlags::REMOVEDIR)?)
}

/// Whether the plainly spelled `path` is `folder` or inside it.
fn is_within(path: &[u8], folder: &[u8]) -> bool {
    path.strip_prefix(folder).is_some_and(|rest| rest.is_empty() || rest.first() == Some(&b'/'))
}

fn outside(path: &Path, roots: &[Root]) -> io::Error {
    let roots: Vec<String> = roots.iter().map(|root| root.path.display().to_string()).collect();
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is outside {}, where activation-manager makes changes",
            path.display(),
            roots.join(" and ")
        ),
    )
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the map whole.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests;
