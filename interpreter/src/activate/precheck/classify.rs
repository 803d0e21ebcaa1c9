//! Looking at one path: what `lstat`/`readlink` find there, and the state
//! of a target's parent folders (cached, so ten thousand targets under
//! `.config` cost one look at `.config`).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use am_schema::NodeIndex;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Conflict, Found, Wanted};

/// What `lstat` found at a path.
#[derive(Debug)]
pub enum Entry {
    Missing,
    Link(PathBuf),
    Folder,
    File,
    Special,
}

pub fn classify(path: &Path) -> io::Result<Entry> {
    // Almost every path a re-activation looks at is one of its links, so
    // `readlink` comes first: one system call instead of `lstat` + `readlink`.
    // It fails with EINVAL on anything that is not a link.
    match std::fs::read_link(path) {
        Ok(content) => return Ok(Entry::Link(content)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Entry::Missing),
        Err(error) if error.kind() != io::ErrorKind::InvalidInput => return Err(error),
        Err(_) => {}
    }
    classify_folder(path)
}

/// [`classify`] for a path expected to be a folder (a target's parent):
/// `lstat` first, where `readlink` would fail on a folder and cost a second
/// system call for each of the home's folders.
pub fn classify_folder(path: &Path) -> io::Result<Entry> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Entry::Missing),
        Err(error) => return Err(error),
    };
    let kind = meta.file_type();
    Ok(if kind.is_symlink() {
        Entry::Link(std::fs::read_link(path)?)
    } else if kind.is_dir() {
        Entry::Folder
    } else if kind.is_file() {
        Entry::File
    } else {
        Entry::Special
    })
}

/// The conflict description of what [`classify`] found at a path in the way.
pub fn found(entry: io::Result<Entry>) -> Found {
    match entry {
        Ok(Entry::Link(content)) => Found::Link(content),
        Ok(Entry::Folder) => Found::Folder,
        Ok(Entry::File) => Found::File,
        Ok(Entry::Special) => Found::Special,
        // Only reached for a path that was there a moment ago.
        Ok(Entry::Missing) => Found::Unreadable(io::ErrorKind::NotFound.into()),
        Err(error) => Found::Unreadable(error),
    }
}

/// The state of a target's parent folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parents {
    /// All exist and are real folders.
    Present,
    /// Some are missing. These (outermost first) are the ones this target's
    /// node creates; the others are created by a node checked before it,
    /// which runs in the same layer or an earlier one (nodes are checked in
    /// plan order), so each new folder is created and journaled once.
    Missing(Vec<PathBuf>),
    /// One is in the way; a conflict was recorded.
    Bad,
}

/// Remembers what was found at each parent folder.
#[derive(Debug)]
pub struct FolderCache<'a> {
    seen: FxHashMap<PathBuf, Seen>,
    /// Links of the previous generation that this activation removes: a
    /// folder may take their place.
    removed: &'a FxHashSet<PathBuf>,
    /// The last target's parent folder and what a further target in it
    /// gets: targets come sorted, so neighbours mostly share their folder,
    /// and ten thousand of them then cost one look each folder.
    last: Option<(String, Parents, Option<PathBuf>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Folder,
    Missing,
    /// Missing, and a node checked earlier creates it.
    Claimed,
    Bad,
}

impl<'a> FolderCache<'a> {
    pub fn new(removed: &'a FxHashSet<PathBuf>) -> Self {
        FolderCache { seen: FxHashMap::default(), removed, last: None }
    }

    pub fn check_parents(
        &mut self,
        home: &Path,
        target: &str,
        node: NodeIndex,
        conflicts: &mut BTreeMap<PathBuf, Conflict>,
    ) -> Parents {
        // Targets are normalized (plain names joined by single slashes), so
        // their folders are found, and compared, as text.
        let Some((parent, _)) = target.rsplit_once('/') else {
            return Parents::Present;
        };
        if let Some((last, parents, bad)) = &self.last
            && last == parent
        {
            if let Some(bad) = bad {
                want_folder(conflicts, bad, node);
            }
            return parents.clone();
        }
        let (parents, bad) = self.check_folders(home, parent, node, conflicts);
        // A further target in this folder finds its folders as they are now:
        // present, created by this node, or in the way.
        let follower = match &parents {
            Parents::Missing(_) => Parents::Missing(Vec::new()),
            other => other.clone(),
        };
        self.last = Some((parent.to_owned(), follower, bad));
        parents
    }

    /// Looks at `folder` and the folders above it, outermost first; gives
    /// the bad folder too when one is in the way.
    fn check_folders(
        &mut self,
        home: &Path,
        folder: &str,
        node: NodeIndex,
        conflicts: &mut BTreeMap<PathBuf, Conflict>,
    ) -> (Parents, Option<PathBuf>) {
        let ends = folder.match_indices('/').map(|(slash, _)| slash).chain([folder.len()]);
        let mut missing = Vec::new();
        let mut below_missing = false;
        for end in ends {
            let path = crate::place::join(home, &folder[..end]);
            // Below a missing folder everything is missing: no need to look,
            // only to know whether an earlier node creates it.
            if below_missing {
                if self.seen.insert(path.clone(), Seen::Claimed) != Some(Seen::Claimed) {
                    missing.push(path);
                }
                continue;
            }
            match self.look(&path, conflicts) {
                Seen::Folder => {}
                Seen::Claimed => below_missing = true,
                Seen::Missing => {
                    below_missing = true;
                    self.seen.insert(path.clone(), Seen::Claimed);
                    missing.push(path);
                }
                Seen::Bad => {
                    want_folder(conflicts, &path, node);
                    return (Parents::Bad, Some(path));
                }
            }
        }
        let parents = if below_missing { Parents::Missing(missing) } else { Parents::Present };
        (parents, None)
    }

    fn look(&mut self, path: &Path, conflicts: &mut BTreeMap<PathBuf, Conflict>) -> Seen {
        if let Some(seen) = self.seen.get(path) {
            return *seen;
        }
        let seen = match classify_folder(path) {
            Ok(Entry::Folder) => Seen::Folder,
            Ok(Entry::Missing) => Seen::Missing,
            Ok(Entry::Link(_)) if self.removed.contains(path) => Seen::Missing,
            other => {
                let conflict = Conflict {
                    path: path.to_path_buf(),
                    found: found(other),
                    wanted_by: Wanted::Folder(Vec::new()),
                    backup_taken: None,
                };
                conflicts.insert(path.to_path_buf(), conflict);
                Seen::Bad
            }
        };
        self.seen.insert(path.to_path_buf(), seen);
        seen
    }
}

/// Adds `node` to the nodes that need the folder in the way at `path`.
fn want_folder(conflicts: &mut BTreeMap<PathBuf, Conflict>, path: &Path, node: NodeIndex) {
    if let Some(Conflict { wanted_by: Wanted::Folder(nodes), .. }) = conflicts.get_mut(path) {
        nodes.push(node);
    }
}

/// True when the file at `path` has exactly the bytes of `expected` (which
/// may be a link into the bundle): such a file can be adopted safely.
pub fn same_content(path: &Path, expected: &Path) -> bool {
    let (Ok(ours), Ok(theirs)) = (std::fs::metadata(expected), std::fs::metadata(path)) else {
        return false;
    };
    if !ours.is_file() || !theirs.is_file() || ours.len() != theirs.len() {
        return false;
    }
    matches!((std::fs::read(path), std::fs::read(expected)), (Ok(a), Ok(b)) if a == b)
}
