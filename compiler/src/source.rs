//! Link sources on the file system: the only reads besides the input.
//!
//! The look-up sits behind a trait so the checks can be tested against an
//! in-memory file system.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::error::{CompileError, FileError, PackagesError};
use crate::input::{Body, Content, InputNode};
use crate::lua::MaybeLua;

/// What a source path is, after following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    File,
    Directory,
}

/// Answers what is at a path; `None` when nothing (readable) is there.
pub trait SourceLookup {
    fn kind(&self, path: &Path) -> Option<SourceKind>;
    /// The files below a folder, links followed, as sorted paths relative
    /// to it (`a/b`); folders themselves are not listed.
    fn files(&self, dir: &Path) -> io::Result<Vec<String>>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFilesystem;

impl SourceLookup for RealFilesystem {
    fn kind(&self, path: &Path) -> Option<SourceKind> {
        let metadata = fs::metadata(path).ok()?;
        Some(if metadata.is_dir() { SourceKind::Directory } else { SourceKind::File })
    }

    fn files(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut files = Vec::new();
        walk(dir, "", &mut Vec::new(), &mut files)?;
        files.sort();
        Ok(files)
    }
}

/// Lists `dir` into `files`, `prefix` being its path relative to the tree.
/// `open` holds the folders being listed (device and inode): a link back to
/// one of them would never end, and is skipped.
fn walk(
    dir: &Path,
    prefix: &str,
    open: &mut Vec<(u64, u64)>,
    files: &mut Vec<String>,
) -> io::Result<()> {
    let meta = fs::metadata(dir)?;
    let id = (meta.dev(), meta.ino());
    if open.contains(&id) {
        return Ok(());
    }
    open.push(id);
    let mut entries: Vec<PathBuf> =
        fs::read_dir(dir)?.map(|entry| entry.map(|e| e.path())).collect::<io::Result<_>>()?;
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            let message = format!("{} has a name that is not UTF-8", path.display());
            io::Error::new(io::ErrorKind::InvalidData, message)
        })?;
        let rel = if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
        // A link that leads nowhere would leave a dangling link in the home.
        let meta = fs::metadata(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        if meta.is_dir() {
            walk(&path, &rel, open, files)?;
        } else {
            files.push(rel);
        }
    }
    open.pop();
    Ok(())
}

/// A fixed set of paths, for tests.
impl SourceLookup for BTreeMap<String, SourceKind> {
    fn kind(&self, path: &Path) -> Option<SourceKind> {
        path.to_str().and_then(|p| self.get(p)).copied()
    }

    fn files(&self, dir: &Path) -> io::Result<Vec<String>> {
        let prefix = format!("{}/", dir.display());
        Ok(self
            .iter()
            .filter(|(_, kind)| **kind == SourceKind::File)
            .filter_map(|(path, _)| path.strip_prefix(&prefix).map(String::from))
            .collect())
    }
}

/// Whether `path` lies inside the store folder `store_dir`.
pub fn in_store(path: &str, store_dir: &str) -> bool {
    let store_dir = store_dir.trim_end_matches('/');
    path.strip_prefix(store_dir).is_some_and(|rest| rest.starts_with('/'))
}

/// Checks the sources of link and copy nodes: a store path must exist (a
/// missing one means Nix did not build it for us, so the link would
/// dangle), a source that `executable` asks to copy must be a readable
/// file, and so must the source of a copy node (a folder is a tree).
///
/// Other sources are not checked: a link to a path outside the store is
/// allowed to point at something that only exists at activation time.
///
/// The tree of a profile node must be a folder that is itself a store
/// path: Nix installs store paths, and would install the whole store path
/// around a folder inside one.
pub fn check(
    nodes: &[InputNode],
    store_dir: &str,
    lookup: &dyn SourceLookup,
    errors: &mut Vec<CompileError>,
) {
    for node in nodes {
        if let Some(Body::Profile(profile)) = &node.body {
            let Some(path) = &profile.path else { continue };
            if let Some(problem) = tree_problem(path, store_dir, lookup) {
                let (node, path) = (node.origin.clone(), path.clone());
                errors.push(PackagesError::BadTreePath { node, path, problem }.into());
            }
        }
    }
    for node in nodes {
        let (link, copy) = match &node.body {
            Some(Body::Link(link)) => (link, false),
            Some(Body::Copy(copy)) => (copy, true),
            _ => continue,
        };
        // A Lua source is only known when it runs.
        let Some(Content::Source(MaybeLua::Literal(source))) = &link.content else { continue };
        let in_store = in_store(source, store_dir);
        if !in_store && link.executable.is_none() {
            continue;
        }
        match (lookup.kind(Path::new(source)), link.executable) {
            (None, _) => errors.push(
                FileError::MissingSource {
                    node: node.origin.clone(),
                    path: source.clone(),
                    in_store,
                }
                .into(),
            ),
            (Some(SourceKind::Directory), _) if copy => errors.push(
                FileError::CopyOfFolder { node: node.origin.clone(), path: source.clone() }.into(),
            ),
            (Some(SourceKind::Directory), Some(executable)) => errors.push(
                FileError::ExecutableDirectory {
                    node: node.origin.clone(),
                    path: source.clone(),
                    executable,
                }
                .into(),
            ),
            _ => {}
        }
    }
}

/// Why the tree of a profile node cannot be installed, if it cannot.
fn tree_problem(path: &str, store_dir: &str, lookup: &dyn SourceLookup) -> Option<&'static str> {
    let store_dir = store_dir.trim_end_matches('/');
    let name = path.strip_prefix(store_dir).and_then(|rest| rest.strip_prefix('/'));
    Some(match (name, lookup.kind(Path::new(path))) {
        (None, _) => "is not in the Nix store",
        (Some(name), _) if name.is_empty() || name.contains('/') => {
            "is inside a store path, not one itself"
        }
        (_, None) => "does not exist",
        (_, Some(SourceKind::File)) => "is a file, not a folder",
        (_, Some(SourceKind::Directory)) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_membership_needs_a_whole_component() {
        assert!(in_store("/nix/store/abc-foo", "/nix/store"));
        assert!(in_store("/nix/store/abc-foo", "/nix/store/"));
        assert!(!in_store("/nix/storefoo", "/nix/store"));
        assert!(!in_store("/nix/store", "/nix/store"));
        assert!(!in_store("/home/me/foo", "/nix/store"));
    }
}
