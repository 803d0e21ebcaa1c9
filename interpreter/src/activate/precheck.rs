//! The pre-check: before anything is changed, every path the activation would
//! touch is looked at, and either a step is planned for it or it is listed as
//! a conflict. One conflict means nothing at all is changed.
//!
//! This module only reads the file system (`lstat`, `readlink`).

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use am_schema::{Kind, NodeIndex, Plan};

use crate::home::HomePaths;

/// What to do with one managed link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkAction {
    /// Nothing is there: create the link (and missing parent folders).
    Create,
    /// A link of an earlier activation with other content: replace it.
    Replace { previous: PathBuf },
    /// The link is already exactly right: do nothing, write nothing.
    Unchanged,
}

/// One managed link: where it goes, what it contains, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkStep {
    /// `$HOME/<target>`.
    pub path: PathBuf,
    /// `$STATE/static/<target>`.
    pub content: PathBuf,
    pub action: LinkAction,
    /// A parent folder is missing: create them before the link.
    pub create_parents: bool,
}

/// What to do with the state folder and the static link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateStep {
    pub create_state_dir: bool,
    /// `None` when the static link already points at this bundle.
    pub static_link: Option<LinkAction>,
}

/// Everything the pre-check planned, when nothing is in the way.
#[derive(Debug)]
pub struct Checked {
    pub state: StateStep,
    /// The link step of every link node, by node index.
    pub links: HashMap<NodeIndex, LinkStep>,
}

/// A path in the way of the activation.
#[derive(Debug)]
pub struct Conflict {
    pub path: PathBuf,
    pub found: Found,
    /// Why the path matters: the nodes whose targets are at or below it.
    pub wanted_by: Wanted,
}

/// What was found at a conflicting path.
#[derive(Debug)]
pub enum Found {
    File,
    Folder,
    /// Something that is neither file, folder nor link (a socket, a fifo).
    Special,
    /// A symlink, with its content: where a link is wanted, one not made by
    /// activation-manager; where a folder is wanted, any link.
    Link(PathBuf),
    /// The path could not be looked at.
    Unreadable(io::Error),
}

/// Who needs a conflicting path.
#[derive(Debug)]
pub enum Wanted {
    /// A link node wants a link exactly here.
    Link(NodeIndex),
    /// These link nodes need the path to be a folder holding their targets.
    Folder(Vec<NodeIndex>),
    /// The activation's own state folder (`$STATE`) must be a folder.
    StateDir,
    /// The activation's own static link (`$STATE/static`) must be a link.
    StaticLink,
}

/// Checks every path the activation of `plan` would touch. `bundle_static`
/// is the bundle's (canonical) `static/` folder.
pub fn check(
    plan: &Plan,
    home: &HomePaths,
    bundle_static: &Path,
) -> Result<Checked, Vec<Conflict>> {
    // Conflicts are keyed by path: fifty targets under one `.config` that is a
    // file make one conflict, listing them all, and the list comes out sorted.
    let mut conflicts: BTreeMap<PathBuf, Conflict> = BTreeMap::new();
    let state = check_state(home, bundle_static, &mut conflicts);
    let mut folders = FolderCache::default();
    let mut links = HashMap::new();
    for (index, node) in plan.nodes.iter().enumerate() {
        let Kind::Link(link) = &node.kind else { continue };
        let index = index as NodeIndex;
        let path = home.target(&link.target);
        let content = home.link_content(&link.target);
        let parents_ok = folders.check_parents(&home.home, &link.target, index, &mut conflicts);
        let create_parents = parents_ok == Parents::Missing;
        let action = match parents_ok {
            Parents::Bad => continue,
            // Below a missing folder there is nothing to look at.
            Parents::Missing => LinkAction::Create,
            Parents::Present => match classify(&path) {
                Ok(Entry::Missing) => LinkAction::Create,
                Ok(Entry::Link(current)) if current == content => LinkAction::Unchanged,
                Ok(Entry::Link(current)) if current.starts_with(home.static_link()) => {
                    LinkAction::Replace { previous: current }
                }
                other => {
                    let found = found(other);
                    conflicts.insert(
                        path.clone(),
                        Conflict { path, found, wanted_by: Wanted::Link(index) },
                    );
                    continue;
                }
            },
        };
        links.insert(index, LinkStep { path, content, action, create_parents });
    }
    if conflicts.is_empty() {
        Ok(Checked { state, links })
    } else {
        Err(conflicts.into_values().collect())
    }
}

/// The state folder must be a folder (a link to one is fine: people move
/// `~/.local/state` around) and the static link, if present, a link.
fn check_state(
    home: &HomePaths,
    bundle_static: &Path,
    conflicts: &mut BTreeMap<PathBuf, Conflict>,
) -> StateStep {
    let mut add = |path: PathBuf, found, wanted_by| {
        conflicts.insert(path.clone(), Conflict { path, found, wanted_by });
    };
    let create_state_dir = match std::fs::metadata(&home.state) {
        Ok(meta) if meta.is_dir() => false,
        Ok(_) => {
            add(home.state.clone(), found(classify(&home.state)), Wanted::StateDir);
            false
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => true,
        Err(error) => {
            add(home.state.clone(), Found::Unreadable(error), Wanted::StateDir);
            false
        }
    };
    let static_link = home.static_link();
    let static_action = match classify(&static_link) {
        Ok(Entry::Missing) => Some(LinkAction::Create),
        Ok(Entry::Link(current)) if current == bundle_static => None,
        Ok(Entry::Link(previous)) => Some(LinkAction::Replace { previous }),
        other => {
            add(static_link, found(other), Wanted::StaticLink);
            None
        }
    };
    StateStep { create_state_dir, static_link: static_action }
}

/// What `lstat` found at a path.
#[derive(Debug)]
enum Entry {
    Missing,
    Link(PathBuf),
    Folder,
    File,
    Special,
}

fn classify(path: &Path) -> io::Result<Entry> {
    // Almost every path a re-activation looks at is one of its links, so
    // `readlink` comes first: one system call instead of `lstat` + `readlink`.
    // It fails with EINVAL on anything that is not a link.
    match std::fs::read_link(path) {
        Ok(content) => return Ok(Entry::Link(content)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Entry::Missing),
        Err(error) if error.kind() != io::ErrorKind::InvalidInput => return Err(error),
        Err(_) => {}
    }
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
fn found(entry: io::Result<Entry>) -> Found {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parents {
    /// All exist and are real folders.
    Present,
    /// One is missing (so the target is too); the activation creates them.
    Missing,
    /// One is in the way; a conflict was recorded.
    Bad,
}

/// Remembers what was found at each parent folder, so that ten thousand
/// targets under `.config` cost one `lstat` of `.config`.
#[derive(Debug, Default)]
struct FolderCache {
    seen: HashMap<PathBuf, Parents>,
}

impl FolderCache {
    fn check_parents(
        &mut self,
        home: &Path,
        target: &str,
        node: NodeIndex,
        conflicts: &mut BTreeMap<PathBuf, Conflict>,
    ) -> Parents {
        let mut folders: Vec<&Path> = Path::new(target)
            .ancestors()
            .skip(1)
            .filter(|folder| !folder.as_os_str().is_empty())
            .collect();
        folders.reverse();
        for folder in folders {
            let path = home.join(folder);
            let state = match self.seen.get(&path) {
                Some(state) => *state,
                None => {
                    let state = match classify(&path) {
                        Ok(Entry::Folder) => Parents::Present,
                        Ok(Entry::Missing) => Parents::Missing,
                        other => {
                            let found = found(other);
                            let wanted_by = Wanted::Folder(Vec::new());
                            conflicts.insert(
                                path.clone(),
                                Conflict { path: path.clone(), found, wanted_by },
                            );
                            Parents::Bad
                        }
                    };
                    self.seen.insert(path.clone(), state);
                    state
                }
            };
            match state {
                Parents::Present => continue,
                Parents::Missing => return Parents::Missing,
                Parents::Bad => {
                    if let Some(Conflict { wanted_by: Wanted::Folder(nodes), .. }) =
                        conflicts.get_mut(&path)
                    {
                        nodes.push(node);
                    }
                    return Parents::Bad;
                }
            }
        }
        Parents::Present
    }
}

#[cfg(test)]
mod tests;
