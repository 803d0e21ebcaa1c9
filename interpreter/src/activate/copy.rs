//! Copy nodes: hashing a file's content (the generation records it, so a
//! copy the user edited is told apart), and where a copy's bytes come from.
//! The copy itself is written by the backend.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use am_schema::state::{ContentHash, ContentHasher};

use crate::anchored::Anchored;

/// The content hash of the regular file at `path` (links are followed).
pub fn hash_file(path: &Path) -> io::Result<ContentHash> {
    hash_reader(File::open(path)?)
}

/// The content hash of the regular file at `path`, below one of `fs`'s
/// roots; a link is not followed.
pub fn hash_at(fs: &Anchored, path: &Path) -> io::Result<ContentHash> {
    hash_reader(fs.open_read(path)?)
}

/// The content hash of what `reader` gives.
fn hash_reader(mut reader: impl Read) -> io::Result<ContentHash> {
    let mut hasher = ContentHasher::default();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match reader.read(&mut buffer) {
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

/// Who a system's copy belongs to, as its configuration names them (a name
/// or `+<id>`), and the system's `etc` folder whose files tell the ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerSpec {
    pub user: Option<String>,
    pub group: Option<String>,
    pub etc: PathBuf,
}

/// The ids a copy gets; `None` keeps the one of the user running `am`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ids {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

impl OwnerSpec {
    /// Looks the names up now: the accounts node may have created them
    /// since the pre-check.
    pub fn ids(&self) -> io::Result<Ids> {
        let database = super::accounts::Database::read(&self.etc)?;
        let lookup = |name: &Option<String>, group: bool| -> io::Result<Option<u32>> {
            let Some(name) = name else { return Ok(None) };
            let what = if group { "group" } else { "user" };
            database.id(name, group).map(Some).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no {what} {name:?} in {}", self.etc.display()),
                )
            })
        };
        Ok(Ids { uid: lookup(&self.user, false)?, gid: lookup(&self.group, true)? })
    }
}

/// Where a copy's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyFrom {
    /// A file: the bundle's static entry, or a source a Lua chunk named.
    File(PathBuf),
    /// A text a Lua chunk gave.
    Text(String),
}
