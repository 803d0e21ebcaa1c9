//! Merging packages into one tree of links, with the rules of nixpkgs'
//! `buildEnv` (`pkgs/build-support/buildenv/builder.pl`), which
//! home-manager's `home.path` is built with:
//!
//! - a path only one package has is one link to it, a folder included;
//! - a folder two packages have becomes a real folder holding the entries
//!   of both, merged the same way, level by level;
//! - where two packages have a file (or a file and a folder), the lower
//!   `meta.priority` wins; on equal priorities, two files with the same
//!   mode and bytes (or one file reached twice) are no collision, and
//!   anything else is one, reported with both packages;
//! - `nix-support`, `propagated-build-inputs`, `share/mime/*` (but
//!   `share/mime/packages`), `info/dir`, `perllocal.pod` and `log` are
//!   left out, as `buildEnv` leaves them out;
//! - the packages named in an output's
//!   `nix-support/propagated-user-env-packages` join after all listed
//!   ones, each with a lower priority than the one before, and lose every
//!   collision without a word.
//!
//! Unlike `buildEnv`, which stops at the first collision, every collision
//! is reported.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::input::TreeInput;
use crate::error::{CompileError, IoAction, IoError, PackageRef, PackagesError, Provider};

/// What the tree has at a path relative to it (`""` is the tree itself,
/// `/bin/hello` a file in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A real folder merging the entries of several packages; `path` is
    /// where the first of them has it, for messages.
    Folder { priority: i64, from: usize, path: PathBuf },
    /// A link to a path in a package.
    Link { target: PathBuf, priority: i64, from: usize },
}

/// The merged tree: every entry by its path in the tree, sorted, so a
/// folder comes before what it holds.
#[derive(Debug, Default)]
pub struct Tree {
    pub entries: BTreeMap<String, Entry>,
}

/// The priority the first propagated package gets; each next one gets one
/// more (so loses to it), as in `buildEnv`.
const PROPAGATED_PRIORITY: i64 = 1000;

/// Builds the tree of `input`; every collision and every output that is a
/// file is an error.
pub fn merge(input: &TreeInput) -> Result<Tree, Vec<CompileError>> {
    let mut merger = Merger {
        input,
        tree: Tree::default(),
        sources: Vec::new(),
        done: BTreeSet::new(),
        propagated: BTreeMap::new(),
        errors: Vec::new(),
    };
    let root = Entry::Folder { priority: 0, from: usize::MAX, path: PathBuf::new() };
    merger.tree.entries.insert(String::new(), root);
    for package in &input.packages {
        for output in &package.outputs {
            let from = merger.source(PackageRef {
                position: package.position,
                name: package.name.clone(),
                version: package.version.clone(),
                propagated: false,
            });
            merger.add(Path::new(output), false, package.priority, from);
        }
    }
    // Propagated packages, in sorted order, until none brings another.
    let mut priority = PROPAGATED_PRIORITY;
    while !merger.propagated.is_empty() {
        for (path, by) in std::mem::take(&mut merger.propagated) {
            let (name, version) = name_and_version(&path);
            let from = merger.source(PackageRef { position: by, name, version, propagated: true });
            merger.add(Path::new(&path), true, priority, from);
            priority += 1;
        }
    }
    if merger.errors.is_empty() { Ok(merger.tree) } else { Err(merger.errors) }
}

struct Merger<'a> {
    input: &'a TreeInput,
    tree: Tree,
    /// The package of each added output, for messages; entries refer to
    /// them by index.
    sources: Vec<PackageRef>,
    /// Outputs added already: each is merged once.
    done: BTreeSet<PathBuf>,
    /// Propagated outputs waiting to be added, with the position of the
    /// listed package that brought them in.
    propagated: BTreeMap<String, usize>,
    errors: Vec<CompileError>,
}

impl Merger<'_> {
    fn source(&mut self, package: PackageRef) -> usize {
        self.sources.push(package);
        self.sources.len() - 1
    }

    fn add(&mut self, output: &Path, quiet: bool, priority: i64, from: usize) {
        // `buildEnv` skips an output that is not there.
        if !self.done.insert(output.to_path_buf()) || fs::symlink_metadata(output).is_err() {
            return;
        }
        self.find(String::new(), output, quiet, priority, from);
        let listed = output.join("nix-support/propagated-user-env-packages");
        if let Ok(text) = fs::read_to_string(&listed) {
            let by = self.sources[from].position;
            // `buildEnv` reads the file's first line only.
            for path in text.lines().next().unwrap_or_default().split_whitespace() {
                if !self.done.contains(Path::new(path)) {
                    self.propagated.entry(path.to_string()).or_insert(by);
                }
            }
        }
    }

    /// Merges what the package `from` has at `target` into the tree at
    /// `relative` (builder.pl's `findFiles`).
    fn find(&mut self, relative: String, target: &Path, quiet: bool, priority: i64, from: usize) {
        let is_dir = target.is_dir();
        // The tree's root is a folder: an output must be one too.
        if relative.is_empty() && !is_dir {
            let (origin, package) = (self.input.origin.clone(), self.sources[from].clone());
            let path = target.display().to_string();
            self.errors.push(PackagesError::NotAFolder { origin, package, path }.into());
            return;
        }
        if left_out(&relative) {
            return;
        }
        let new = Entry::Link { target: target.to_path_buf(), priority, from };
        let old = match self.tree.entries.get(&relative) {
            None => {
                self.tree.entries.insert(relative, new);
                return;
            }
            Some(old) => old.clone(),
        };
        if let Entry::Link { target: old_target, priority: old_priority, .. } = &old {
            let old_is_dir = old_target.is_dir();
            // A file of a package with a lower priority gives way.
            if priority < *old_priority && !old_is_dir {
                self.tree.entries.insert(relative, new);
                return;
            }
            // One file reached twice: the link that is no link wins.
            if same_file(target, old_target) {
                if old_target.is_symlink() && !target.is_symlink() {
                    self.tree.entries.insert(relative, new);
                }
                return;
            }
            if priority > *old_priority && !old_is_dir {
                return;
            }
        }
        let old_is_folder = match &old {
            Entry::Folder { .. } => true,
            Entry::Link { target, .. } => target.is_dir(),
        };
        if !(is_dir && old_is_folder) {
            if quiet || self.same_bytes(&old, target) {
                return;
            }
            self.collision(&relative, &old, target, is_dir, from);
            return;
        }
        // Two folders: a real one, holding the entries of both.
        if let Entry::Link { target: old_target, priority: old_priority, from: old_from } = &old {
            self.find_in(&relative, old_target, quiet, *old_priority, *old_from);
        }
        self.find_in(&relative, target, quiet, priority, from);
        let (from, path) = match old {
            Entry::Folder { from, path, .. } => (from, path),
            Entry::Link { from, target, .. } => (from, target),
        };
        self.tree.entries.insert(relative, Entry::Folder { priority, from, path });
    }

    /// Merges every entry of the folder `target` (builder.pl's
    /// `findFilesInDir`), in sorted order.
    fn find_in(&mut self, relative: &str, target: &Path, quiet: bool, priority: i64, from: usize) {
        let names = match list(target) {
            Ok(names) => names,
            Err(source) => {
                let path = target.to_path_buf();
                self.errors.push(IoError { action: IoAction::ListSource, path, source }.into());
                return;
            }
        };
        for name in names {
            let child = target.join(&name);
            self.find(format!("{relative}/{name}"), &child, quiet, priority, from);
        }
    }

    /// `buildEnv`'s `checkCollisionContents`: two files with one mode and
    /// the same bytes do not collide.
    fn same_bytes(&self, old: &Entry, target: &Path) -> bool {
        let Entry::Link { target: old_target, .. } = old else { return false };
        let mode = |path: &Path| fs::metadata(path).map(|meta| meta.mode()).ok();
        match (mode(old_target), mode(target)) {
            (Some(a), Some(b)) if a == b => {
                matches!((fs::read(old_target), fs::read(target)), (Ok(a), Ok(b)) if a == b)
            }
            _ => false,
        }
    }

    fn collision(&mut self, relative: &str, old: &Entry, target: &Path, is_dir: bool, from: usize) {
        let first = match old {
            Entry::Folder { from, path, .. } => Provider {
                package: self.source_ref(*from),
                path: path.display().to_string(),
                folder: true,
            },
            Entry::Link { target, from, .. } => Provider {
                package: self.source_ref(*from),
                path: target.display().to_string(),
                folder: target.is_dir(),
            },
        };
        let second = Provider {
            package: self.source_ref(from),
            path: target.display().to_string(),
            folder: is_dir,
        };
        let (origin, file) = (self.input.origin.clone(), relative.trim_start_matches('/').into());
        self.errors.push(PackagesError::Collision { origin, file, first, second }.into());
    }

    fn source_ref(&self, from: usize) -> PackageRef {
        self.sources.get(from).cloned().unwrap_or(PackageRef {
            position: 0,
            name: "?".into(),
            version: String::new(),
            propagated: false,
        })
    }
}

/// What `buildEnv` never links (builder.pl's "urgh, hacky" list).
fn left_out(relative: &str) -> bool {
    let base = relative.rsplit('/').next().unwrap_or(relative);
    relative == "/propagated-build-inputs"
        || relative == "/nix-support"
        || relative.ends_with("info/dir")
        || (relative.starts_with("/share/mime/") && !relative.starts_with("/share/mime/packages"))
        || base == "perllocal.pod"
        || base == "log"
}

/// Whether two paths lead (through any links) to one file.
fn same_file(a: &Path, b: &Path) -> bool {
    matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
}

/// A folder's entries, sorted, as names.
fn list(dir: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.into_string().map_err(|name| {
            let message = format!("{} has a name that is not UTF-8", dir.join(name).display());
            io::Error::new(io::ErrorKind::InvalidData, message)
        })?;
        names.push(name);
    }
    names.sort();
    Ok(names)
}

/// Nix's split of a store path's name into name and version: the version
/// starts at the first `-` followed by something other than a letter.
pub fn name_and_version(path: &str) -> (String, String) {
    let name = am_schema::store_name(path);
    let split = name
        .char_indices()
        .find(|(at, c)| {
            *c == '-' && name[at + 1..].chars().next().is_some_and(|n| !n.is_ascii_alphabetic())
        })
        .map(|(at, _)| at);
    match split {
        Some(at) => (name[..at].to_string(), name[at + 1..].to_string()),
        None => (name.to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_like_nix() {
        assert_eq!(
            name_and_version("/nix/store/h-hello-2.12.1"),
            ("hello".into(), "2.12.1".into())
        );
        assert_eq!(
            name_and_version("/nix/store/h-xorg-server-21"),
            ("xorg-server".into(), "21".into())
        );
        assert_eq!(name_and_version("/nix/store/h-tree"), ("tree".into(), String::new()));
    }

    #[test]
    fn what_build_env_leaves_out() {
        assert!(left_out("/nix-support"));
        assert!(left_out("/share/mime/globs"));
        assert!(!left_out("/share/mime/packages"));
        assert!(left_out("/share/info/dir"));
        assert!(left_out("/lib/perl5/perllocal.pod"));
        assert!(!left_out("/bin/hello"));
    }
}
