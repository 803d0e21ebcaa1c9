//! Copy nodes on disk: hashing a file's content, and writing a copy
//! atomically (temporary file beside it, fsync, then a link into place
//! that fails rather than replace anything that appeared meanwhile).

use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use am_schema::state::{ContentHash, ContentHasher};

/// The content hash of the regular file at `path` (links are followed).
pub fn hash_file(path: &Path) -> io::Result<ContentHash> {
    let mut file = File::open(path)?;
    let mut hasher = ContentHasher::default();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(hasher.finish()),
            Ok(n) => hasher.update(&buffer[..n]),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

/// Whether `path` is a regular file (not a link) with content `hash`.
pub fn has_hash(path: &Path, hash: ContentHash) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|meta| meta.is_file())
        && hash_file(path).is_ok_and(|found| found == hash)
}

/// The permission bits of a file, links followed.
pub fn mode_of(path: &Path) -> io::Result<u32> {
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o7777)
}

/// `.<name>.am-new` beside `path`: where a copy is written before it is
/// moved into place.
pub fn temp_name(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".am-new");
    path.with_file_name(name)
}

/// Where a copy's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyFrom {
    /// A file: the bundle's static entry, or a source a Lua chunk named.
    File(PathBuf),
    /// A text a Lua chunk gave.
    Text(String),
}

/// Writes the bytes of `from` to `path` with `mode`, where nothing may be:
/// into `temp` first (fsynced, so a crash never leaves a half-written file
/// at `path`), then linked to `path` (which fails if anything appeared
/// there since the pre-check) and the temporary name removed.
pub fn write(from: &CopyFrom, path: &Path, temp: &Path, mode: u32) -> io::Result<()> {
    let _ = std::fs::remove_file(temp);
    let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(temp)?;
    match from {
        CopyFrom::File(from) => {
            io::copy(&mut File::open(from)?, &mut file)?;
        }
        CopyFrom::Text(text) => file.write_all(text.as_bytes())?,
    }
    // The mode given to open() went through the umask; this one does not.
    file.set_permissions(Permissions::from_mode(mode))?;
    file.flush()?;
    file.sync_all()?;
    drop(file);
    if let Err(error) = std::fs::hard_link(temp, path) {
        let _ = std::fs::remove_file(temp);
        return Err(error);
    }
    std::fs::remove_file(temp)?;
    if let Some(dir) = path.parent() {
        crate::state::sync_dir(dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_written_with_its_mode_and_never_over_a_file() {
        let dir = std::env::temp_dir().join(format!("am-copy-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let from = dir.join("from");
        std::fs::write(&from, b"content\n").expect("source");
        let path = dir.join("to");
        let temp = temp_name(&path);
        assert_eq!(temp, dir.join(".to.am-new"));

        let from = CopyFrom::File(from);
        write(&from, &path, &temp, 0o600).expect("the copy is written");
        assert_eq!(std::fs::read(&path).expect("copy"), b"content\n");
        assert_eq!(mode_of(&path).expect("mode"), 0o600);
        assert!(!temp.exists(), "the temporary file is left behind");
        assert!(has_hash(&path, ContentHash::of(b"content\n")));
        assert!(!has_hash(&path, ContentHash::of(b"other\n")));

        let error = write(&from, &path, &temp, 0o644).expect_err("a second write is refused");
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
