//! Link sources on the file system: the only reads besides the input.
//!
//! The look-up sits behind a trait so the checks can be tested against an
//! in-memory file system.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::error::CompileError;
use crate::input::{Body, Content, InputNode};

/// What a source path is, after following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    File,
    Directory,
}

/// Answers what is at a path; `None` when nothing (readable) is there.
pub trait SourceLookup {
    fn kind(&self, path: &Path) -> Option<SourceKind>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFilesystem;

impl SourceLookup for RealFilesystem {
    fn kind(&self, path: &Path) -> Option<SourceKind> {
        let metadata = fs::metadata(path).ok()?;
        Some(if metadata.is_dir() { SourceKind::Directory } else { SourceKind::File })
    }
}

/// A fixed set of paths, for tests.
impl SourceLookup for BTreeMap<String, SourceKind> {
    fn kind(&self, path: &Path) -> Option<SourceKind> {
        path.to_str().and_then(|p| self.get(p)).copied()
    }
}

/// Whether `path` lies inside the store folder `store_dir`.
pub fn in_store(path: &str, store_dir: &str) -> bool {
    let store_dir = store_dir.trim_end_matches('/');
    path.strip_prefix(store_dir).is_some_and(|rest| rest.starts_with('/'))
}

/// Checks the sources of link nodes: a store path must exist (a missing one
/// means Nix did not build it for us, so the link would dangle), and a
/// source that `executable` asks to copy must be a readable file.
///
/// Other sources are not checked: a link to a path outside the store is
/// allowed to point at something that only exists at activation time.
pub fn check(
    nodes: &[InputNode],
    store_dir: &str,
    lookup: &dyn SourceLookup,
    errors: &mut Vec<CompileError>,
) {
    for node in nodes {
        let Some(Body::Link(link)) = &node.body else { continue };
        let Some(Content::Source(source)) = &link.content else { continue };
        let in_store = in_store(source, store_dir);
        if !in_store && link.executable.is_none() {
            continue;
        }
        match (lookup.kind(Path::new(source)), link.executable) {
            (None, _) => errors.push(CompileError::MissingSource {
                node: node.origin.clone(),
                path: source.clone(),
                in_store,
            }),
            (Some(SourceKind::Directory), Some(executable)) => {
                errors.push(CompileError::ExecutableDirectory {
                    node: node.origin.clone(),
                    path: source.clone(),
                    executable,
                })
            }
            _ => {}
        }
    }
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
