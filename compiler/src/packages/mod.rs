//! `am-compile packages`: the package tree of `home.packages`, built the
//! way nixpkgs' `buildEnv` builds home-manager's `home.path`, without
//! stdenv or Perl: the builder of a derivation of its own (named
//! `home-manager-path`, like home-manager's), which the bundle's profile
//! node installs into the user's Nix profile as one entry.
//!
//! Its own pipeline beside the bundle's: read the input (`input`), merge
//! the packages (`merge`), write the links. Nothing is written when two
//! packages collide: the build fails with every collision, each naming
//! both packages and the file.

mod input;
mod merge;

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

pub use self::merge::name_and_version;
use self::merge::{Entry, Tree};
use crate::error::{CompileError, IoAction, IoError};

/// Where to read the input and write the tree.
#[derive(Debug, Clone, Copy)]
pub struct TreeOptions<'a> {
    pub input: &'a Path,
    pub out: &'a Path,
}

/// What was built, for the builder's last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeBuilt {
    pub packages: usize,
    pub links: usize,
}

/// Reads the input, merges its packages and writes the tree at `out`.
pub fn build_tree(options: &TreeOptions) -> Result<TreeBuilt, Vec<CompileError>> {
    let text = fs::read_to_string(options.input).map_err(|source| {
        let path = options.input.into();
        vec![IoError { action: IoAction::ReadInput, path, source }.into()]
    })?;
    let input = input::parse(&text)?;
    let mut tree = merge::merge(&input).map_err(crate::render::sorted)?;
    let links = write(&mut tree, options.out).map_err(|error| vec![error.into()])?;
    Ok(TreeBuilt { packages: input.packages.len(), links })
}

/// Writes the tree's folders and links below `out`; returns how many links.
fn write(tree: &mut Tree, out: &Path) -> Result<usize, IoError> {
    let mut links = 0;
    // Sorted paths put every folder before what it holds.
    for (relative, entry) in &tree.entries {
        let path = out.join(relative.trim_start_matches('/'));
        match entry {
            Entry::Folder { .. } => {
                fs::create_dir(&path)
                    .and_then(|()| fs::set_permissions(&path, fs::Permissions::from_mode(0o755)))
                    .map_err(|source| IoError { action: IoAction::CreateOutput, path, source })?;
            }
            Entry::Link { target, .. } => {
                symlink(target, &path).map_err(|source| IoError {
                    action: IoAction::Link,
                    path,
                    source,
                })?;
                links += 1;
            }
        }
    }
    Ok(links)
}
