//! The pre-check: before anything is changed, every path the activation would
//! touch is looked at, and either a step is planned for it or it is listed as
//! a conflict. One conflict means nothing at all is changed.
//!
//! Besides the new plan's targets, this looks at the previous generation:
//! its targets that the new plan drops are removed (if they still are what we
//! made), and users' originals we backed up for them are moved back.
//!
//! This module only reads the file system (`lstat`, `readlink`, and reading
//! a file that may be adopted because its bytes already are the managed ones).

mod classify;
mod copy;

use std::collections::BTreeMap;
use std::io;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use am_schema::state::{ContentHash, Generation, Owned, OwnedKind};
use am_schema::{Kind, Node, NodeIndex, Plan};
use rustc_hash::FxHashSet;

use self::classify::{Entry, FolderCache, Parents, classify, found, same_content};
pub use self::copy::CopyStep;
use super::backend::Expect;
pub use super::findings::{Conflict, Found, Wanted};
use super::pool::map_ordered;
use super::scratch::{Purpose, Scratch};
use super::target::file_target;
use crate::place::Place;

/// What the user allowed the activation to do with paths in the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    /// `--force`: replace anything in the way of any target.
    pub force: bool,
    /// `--backup-ext`, else the plan's `backupFileExtension`.
    pub backup_extension: Option<String>,
    /// `--overwrite-backup`: an existing backup may be replaced.
    pub overwrite_backup: bool,
}

/// Everything the pre-check looks at.
#[derive(Debug)]
pub struct Context<'a> {
    pub place: &'a Place,
    /// The bundle's canonical `static/`; `None` when deactivating.
    pub bundle_static: Option<&'a Path>,
    pub previous: Option<&'a Generation>,
    pub permissions: &'a Permissions,
    /// The activation's temporary names.
    pub scratch: Scratch,
    /// How many threads may look at targets at once (`--jobs`).
    pub jobs: NonZeroUsize,
}

/// What to do with one managed link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkAction {
    /// Nothing is there: create the link.
    Create,
    /// A link of ours (an earlier activation) or of home-manager: replace
    /// it, through a new link at `temp` swapped in.
    Replace { previous: PathBuf, temp: PathBuf },
    /// The link is already exactly right: do nothing, write nothing.
    Unchanged,
    /// Something of the user's is there: move it aside, then create the link.
    /// Boxed, as is a step's copy: ten thousand steps are moved about
    /// (into tasks, back from the workers), and this, the rare case, would
    /// more than double the size of every one.
    Displace(Box<Displace>),
}

/// Where a path in the way goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Displace {
    pub to: PathBuf,
    pub reason: DisplaceReason,
    /// What the path held when the pre-check looked: checked again when it
    /// is moved, and put back if it changed since.
    pub expect: Expect,
    /// An existing backup that `--overwrite-backup` lets us replace; it is
    /// moved to this hidden name first and deleted when the activation commits.
    pub old_backup: Option<(PathBuf, PathBuf)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplaceReason {
    /// Moved to `<path>.<ext>` and kept; moved back when no longer managed.
    Backup,
    /// `force`: moved to a hidden name and deleted when the activation commits.
    Forced,
    /// The file already had the managed bytes: replaced by the link, and
    /// kept (at the backup, or at a hidden name beside it) to come back
    /// when the target is no longer managed.
    Adopted,
    /// What an earlier activation made there (a copy the user left alone, or
    /// a link where a copy goes now): moved to a hidden name, so a rollback
    /// can put it back, and deleted when the activation commits.
    Replaced,
}

impl DisplaceReason {
    /// Whether the moved path is deleted at commit.
    pub fn is_trash(self) -> bool {
        matches!(self, DisplaceReason::Forced | DisplaceReason::Replaced)
    }
}

/// One managed link: where it goes, what it contains, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkStep {
    /// `$HOME/<target>`.
    pub path: PathBuf,
    /// `$STATE/static/<target>`.
    pub content: PathBuf,
    pub action: LinkAction,
    /// Folders to create before the link, outermost first.
    pub missing_dirs: Vec<PathBuf>,
    /// Set for a copy node: a copy of the bundle's bytes goes to `path`
    /// instead of a link (`content` then only tells our old link apart).
    pub copy: Option<Box<CopyStep>>,
}

/// A target of the previous generation that the new plan drops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleStep {
    pub target: String,
    pub path: PathBuf,
    /// Set when the target still is what we made, and is removed; `None`
    /// when the user changed it since, and it is left alone.
    pub remove: Option<Removal>,
    /// The user's original, moved back once our link is gone.
    pub restore: Option<PathBuf>,
}

/// How a target of the previous generation goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// Our link, with this content, is removed (set aside at `aside` and
    /// looked at once more first).
    Link { content: PathBuf, aside: PathBuf },
    /// Our unedited copy, with this hash, is moved to the trash name `to`
    /// and deleted when the activation commits: until then a rollback can
    /// put it back, whatever became of the bundle that wrote it.
    Copy { to: PathBuf, hash: ContentHash },
}

/// What to do with the state folder and the static link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateStep {
    /// What the static link is now (`None`: absent).
    pub static_previous: Option<PathBuf>,
}

/// The step of every link or copy node, by node index.
#[derive(Debug, Default)]
pub struct LinkSteps(Vec<Option<LinkStep>>);

impl LinkSteps {
    fn new(nodes: usize) -> Self {
        LinkSteps((0..nodes).map(|_| None).collect())
    }

    fn set(&mut self, index: NodeIndex, step: LinkStep) {
        if let Some(slot) = self.0.get_mut(index as usize) {
            *slot = Some(step);
        }
    }

    #[cfg(test)]
    pub fn get(&self, index: NodeIndex) -> Option<&LinkStep> {
        self.0.get(index as usize)?.as_ref()
    }

    /// The step of node `index`, which is then no longer here.
    pub fn take(&mut self, index: NodeIndex) -> Option<LinkStep> {
        self.0.get_mut(index as usize)?.take()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }
}

/// Everything the pre-check planned, when nothing is in the way.
#[derive(Debug)]
pub struct Checked {
    pub state: StateStep,
    /// The link step of every link node.
    pub links: LinkSteps,
    /// Sorted by target.
    pub stale: Vec<StaleStep>,
}

/// Checks every path the activation of `plan` would touch.
pub fn check(plan: &Plan, context: &Context) -> Result<Checked, Vec<Conflict>> {
    let place = context.place;
    // Conflicts are keyed by path: fifty targets under one `.config` that is a
    // file make one conflict, listing them all, and the list comes out sorted.
    let mut conflicts: BTreeMap<PathBuf, Conflict> = BTreeMap::new();
    let state = check_state(place, &mut conflicts);
    let targets: FxHashSet<&str> =
        plan.nodes.iter().filter_map(|node| file_target(&node.kind)).collect();
    // What Lua made is known to be stale only once the chunks ran, unless
    // a compiled target needs its place for a folder: then it goes now.
    let folders: FxHashSet<&str> = match has_lua_targets(context.previous) {
        true => crate::activate::stale::needed_dirs(targets.iter().copied()),
        false => FxHashSet::default(),
    };
    let stale = stale_steps(context, |owned| {
        let target = owned.target.as_str();
        !targets.contains(target) && (!owned.kind.by_lua() || folders.contains(target))
    });
    let removed: FxHashSet<PathBuf> =
        stale.iter().filter(|s| s.remove.is_some()).map(|s| s.path.clone()).collect();
    let links = check_files(&plan.nodes, context, &removed, &mut conflicts);
    if conflicts.is_empty() {
        Ok(Checked { state, links, stale })
    } else {
        Err(conflicts.into_values().collect())
    }
}

/// Checks the targets of nodes a Lua chunk created, when it created them:
/// the same checks as for compiled nodes, with the home as it is by then.
/// The steps are keyed by index into `nodes`.
pub fn check_created(nodes: &[Node], context: &Context) -> Result<LinkSteps, Vec<Conflict>> {
    let mut conflicts = BTreeMap::new();
    let links = check_files(nodes, context, &FxHashSet::default(), &mut conflicts);
    if conflicts.is_empty() { Ok(links) } else { Err(conflicts.into_values().collect()) }
}

/// Whether the previous generation has targets Lua chunks made.
pub fn has_lua_targets(previous: Option<&Generation>) -> bool {
    previous.is_some_and(|previous| previous.owned.iter().any(|owned| owned.kind.by_lua()))
}

/// Targets of the previous generation that Lua chunks made and that no
/// node, compiled or created, has now: checked after the chunks ran.
pub fn stale_by_lua(context: &Context, kept: &FxHashSet<&str>) -> Vec<StaleStep> {
    stale_steps(context, |owned| owned.kind.by_lua() && !kept.contains(owned.target.as_str()))
}

/// A link or copy node whose target is not in `am`'s own folder.
struct Candidate<'n> {
    index: NodeIndex,
    target: &'n str,
    force: bool,
    copy: Option<&'n am_schema::Copy>,
    path: PathBuf,
    content: PathBuf,
}

impl Candidate<'_> {
    fn wanted(&self) -> WantedLink<'_> {
        WantedLink { index: self.index, path: &self.path, content: &self.content }
    }

    fn step(
        self,
        action: LinkAction,
        missing_dirs: Vec<PathBuf>,
        copy: Option<CopyStep>,
    ) -> LinkStep {
        LinkStep {
            path: self.path,
            content: self.content,
            action,
            missing_dirs,
            copy: copy.map(Box::new),
        }
    }
}

/// The link or copy step of every file node in `nodes`, by index.
///
/// What is at each target is looked at on `context.jobs` threads: the
/// pre-check of a re-activation is one `readlink` per target. The parent
/// folders are looked at first, on this thread and in plan order, since
/// the first node needing a missing folder is the one that creates it.
fn check_files(
    nodes: &[Node],
    context: &Context,
    removed: &FxHashSet<PathBuf>,
    conflicts: &mut BTreeMap<PathBuf, Conflict>,
) -> LinkSteps {
    let place = context.place;
    let reserved = place.reserved_in_dir().and_then(Path::to_str);
    let mut candidates = Vec::with_capacity(nodes.len());
    for (index, node) in nodes.iter().enumerate() {
        let (target, force, copy, content) = match &node.kind {
            Kind::Link(link) => {
                let content = match &link.source {
                    Some(source) => PathBuf::from(source),
                    None => place.link_content(&link.target),
                };
                (&link.target, link.force, None, content)
            }
            Kind::Copy(copy) => {
                (&copy.target, copy.force, Some(copy), place.link_content(&copy.target))
            }
            _ => continue,
        };
        let index = index as NodeIndex;
        let path = place.target(target);
        if let Some(state) = reserved
            && (am_schema::is_within(target, state) || am_schema::is_within(state, target))
        {
            let conflict = Conflict {
                path: path.clone(),
                found: Found::StateFolder,
                wanted_by: Wanted::Link(index),
                backup_taken: None,
            };
            conflicts.insert(path, conflict);
            continue;
        }
        candidates.push(Candidate { index, target, force, copy, path, content });
    }
    // A copy's bytes are read (and hashed) before its folders are looked at.
    let copies: Vec<&Candidate> = candidates.iter().filter(|c| c.copy.is_some()).collect();
    let mut copy_steps = map_ordered(context.jobs, &copies, |candidate| {
        candidate.copy.map(|copy| copy::step(copy, &candidate.wanted(), context))
    })
    .into_iter()
    .flatten();

    let mut steps = LinkSteps::new(nodes.len());
    let mut folders = FolderCache::new(removed);
    let mut present = Vec::new();
    for candidate in candidates {
        let copy = match candidate.copy.and_then(|_| copy_steps.next()).transpose() {
            Ok(copy) => copy,
            Err(conflict) => {
                conflicts.insert(conflict.path.clone(), conflict);
                continue;
            }
        };
        let (index, target) = (candidate.index, candidate.target);
        match folders.check_parents(&place.dir, target, index, conflicts) {
            Parents::Bad => {}
            Parents::Missing(dirs) => {
                steps.set(index, candidate.step(LinkAction::Create, dirs, copy))
            }
            Parents::Present => present.push((candidate, copy)),
        }
    }

    let actions = map_ordered(context.jobs, &present, |(candidate, copy)| {
        let (wanted, force) = (candidate.wanted(), candidate.force);
        match copy {
            Some(step) => copy::action(&wanted, step, force, context),
            None => link_action(&wanted, force, candidate.target, context),
        }
    });
    for ((candidate, copy), action) in present.into_iter().zip(actions) {
        match action {
            Ok(action) => steps.set(candidate.index, candidate.step(action, Vec::new(), copy)),
            Err(conflict) => {
                conflicts.insert(candidate.path, conflict);
            }
        }
    }
    steps
}

/// The link a node wants, for [`link_action`].
struct WantedLink<'a> {
    index: NodeIndex,
    path: &'a Path,
    content: &'a Path,
}

/// Decides what to do at a target whose parents are folders.
fn link_action(
    wanted: &WantedLink,
    force: bool,
    target: &str,
    context: &Context,
) -> Result<LinkAction, Conflict> {
    let path = wanted.path;
    let entry = classify(path);
    match &entry {
        Ok(Entry::Missing) => return Ok(LinkAction::Create),
        Ok(Entry::Link(current)) if current == wanted.content => return Ok(LinkAction::Unchanged),
        Ok(Entry::Link(current)) if link_is_ours(current, target, context) => {
            let temp = context.scratch.beside(path, Purpose::Link);
            return Ok(LinkAction::Replace { previous: current.clone(), temp });
        }
        Ok(Entry::File) => {
            if let Some(hash) = copy::ours(path, target, context.previous) {
                return Ok(trashed(path, DisplaceReason::Replaced, Expect::Copy(hash), context));
            }
        }
        _ => {}
    }
    // A compiled link's bytes are in the bundle; a created one's at its source.
    let managed_bytes = match context.place.is_static_content(wanted.content) {
        true => context.bundle_static.map(|dir| dir.join(target)),
        false => Some(wanted.content.to_path_buf()),
    };
    let adoptable = managed_bytes
        .filter(|managed| matches!(entry, Ok(Entry::File)) && same_content(path, managed))
        .map(Expect::SameBytes);
    displace_or_conflict(wanted, entry, force, adoptable, context)
}

/// Whether a link found at `target` was made by us or by home-manager, so
/// it may be replaced: one into our static folder, one the previous
/// generation's Lua made (with just this content), or home-manager's.
fn link_is_ours(current: &Path, target: &str, context: &Context) -> bool {
    context.place.is_static_content(current)
        || is_home_manager_link(current)
        || matches!(previous_owned(target, context.previous),
            Some(Owned { kind: OwnedKind::LuaLink(content), .. }) if Path::new(content) == current)
}

/// What the previous generation recorded for `target`, if anything: its
/// records are sorted by target.
pub(in crate::activate) fn previous_owned<'g>(
    target: &str,
    previous: Option<&'g Generation>,
) -> Option<&'g Owned> {
    let owned = &previous?.owned;
    owned.binary_search_by(|owned| owned.target.as_str().cmp(target)).ok().map(|at| &owned[at])
}

/// Moves `path` to its trash name beside it, if it still is `expect`.
fn trashed(path: &Path, reason: DisplaceReason, expect: Expect, context: &Context) -> LinkAction {
    let to = context.scratch.beside(path, Purpose::Trash);
    LinkAction::Displace(Box::new(Displace { to, reason, expect, old_backup: None }))
}

/// What to do with something of the user's at a target: replace it when
/// `force` says so or it already has the managed bytes (`adoptable`), move
/// it to its backup when a backup extension is set, else refuse.
fn displace_or_conflict(
    wanted: &WantedLink,
    entry: io::Result<Entry>,
    force: bool,
    adoptable: Option<Expect>,
    context: &Context,
) -> Result<LinkAction, Conflict> {
    let path = wanted.path;
    if force || context.permissions.force {
        return Ok(trashed(path, DisplaceReason::Forced, Expect::Anything, context));
    }
    let extension = context.permissions.backup_extension.as_deref();
    if let Some(expect) = adoptable {
        // The user's file is kept, so that it comes back (with its mode,
        // owner and times) when the target is no longer managed.
        let keep = match extension {
            Some(extension) => backup_name(path, extension),
            None => adopted_name(path),
        };
        if is_free(&keep) {
            let reason = DisplaceReason::Adopted;
            return Ok(LinkAction::Displace(Box::new(Displace {
                to: keep,
                reason,
                expect,
                old_backup: None,
            })));
        }
    }
    let mut conflict = Conflict {
        path: path.to_path_buf(),
        found: found(entry),
        wanted_by: Wanted::Link(wanted.index),
        backup_taken: None,
    };
    if matches!(conflict.found, Found::Unreadable(_)) {
        return Err(conflict);
    }
    let Some(extension) = extension else { return Err(conflict) };
    let backup = backup_name(path, extension);
    let old_backup = match is_free(&backup) {
        true => None,
        false if context.permissions.overwrite_backup => {
            Some((backup.clone(), context.scratch.beside(&backup, Purpose::Trash)))
        }
        false => {
            conflict.backup_taken = Some(backup);
            return Err(conflict);
        }
    };
    let reason = DisplaceReason::Backup;
    let displace = Displace { to: backup, reason, expect: Expect::Anything, old_backup };
    Ok(LinkAction::Displace(Box::new(displace)))
}

/// Whether nothing is at `path`.
fn is_free(path: &Path) -> bool {
    matches!(std::fs::symlink_metadata(path), Err(error) if error.kind() == io::ErrorKind::NotFound)
}

/// Targets of the previous generation that are `stale`.
fn stale_steps(context: &Context, stale: impl Fn(&Owned) -> bool) -> Vec<StaleStep> {
    let Some(previous) = context.previous else { return Vec::new() };
    let place = context.place;
    previous
        .owned
        .iter()
        .filter(|owned| stale(owned))
        .map(|owned| {
            let path = place.target(&owned.target);
            let scratch = &context.scratch;
            let link = |content: PathBuf| {
                let ours = std::fs::read_link(&path).is_ok_and(|current| current == content);
                let aside = scratch.beside(&path, Purpose::Aside);
                ours.then_some(Removal::Link { content, aside })
            };
            let remove = match &owned.kind {
                OwnedKind::Link => link(place.link_content(&owned.target)),
                OwnedKind::LuaLink(content) => link(PathBuf::from(content)),
                // Moved aside, not deleted, until the activation commits,
                // so a rollback can put it back.
                OwnedKind::Copy(hash) | OwnedKind::LuaCopy(hash) => {
                    crate::activate::copy::has_hash(&path, *hash).then(|| Removal::Copy {
                        to: scratch.beside(&path, Purpose::Trash),
                        hash: *hash,
                    })
                }
            };
            let ours = remove.is_some();
            // Only put the original back where our link was, never over
            // something the user made since.
            let restore = owned
                .backup
                .as_deref()
                .map(|backup| place.target(backup))
                .filter(|_| ours || std::fs::symlink_metadata(&path).is_err());
            StaleStep { target: owned.target.clone(), path, remove, restore }
        })
        .collect()
}

/// `<path>.<extension>`.
fn backup_name(path: &Path, extension: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(extension);
    path.with_file_name(name)
}

/// `.<name>.am-adopted` beside `path`: where a file adopted without a
/// backup extension is kept.
fn adopted_name(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".am-adopted");
    path.with_file_name(name)
}

/// Links that a home-manager generation made point into its
/// `/nix/store/<hash>-home-manager-files/` folder: they are replaced like our
/// own, so switching from home-manager needs no manual clean-up.
fn is_home_manager_link(content: &Path) -> bool {
    let mut parts = content.components().map(|c| c.as_os_str().to_string_lossy());
    content.is_absolute()
        && parts.nth(1).as_deref() == Some("nix")
        && parts.next().as_deref() == Some("store")
        && parts.next().is_some_and(|name| name.ends_with("-home-manager-files"))
}

/// The state folder must be a folder (a link to one is fine: people move
/// `~/.local/state` around) and the static link, if present, a link.
fn check_state(place: &Place, conflicts: &mut BTreeMap<PathBuf, Conflict>) -> StateStep {
    let mut add = |path: PathBuf, found, wanted_by| {
        conflicts.insert(path.clone(), Conflict { path, found, wanted_by, backup_taken: None });
    };
    match std::fs::metadata(&place.state) {
        Ok(meta) if meta.is_dir() => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Ok(_) => add(place.state.clone(), found(classify(&place.state)), Wanted::StateDir),
        Err(error) => add(place.state.clone(), Found::Unreadable(error), Wanted::StateDir),
    }
    // A system's static link has a folder of its own in `/etc`.
    if let Some(folder) = place.static_link.parent().filter(|folder| *folder != place.state) {
        match classify(folder) {
            Ok(Entry::Missing | Entry::Folder) => {}
            other => add(folder.to_path_buf(), found(other), Wanted::StaticLink),
        }
    }
    let static_link = place.static_link.clone();
    let static_previous = match classify(&static_link) {
        Ok(Entry::Missing) => None,
        Ok(Entry::Link(previous)) => Some(previous),
        other => {
            add(static_link, found(other), Wanted::StaticLink);
            None
        }
    };
    StateStep { static_previous }
}

#[cfg(test)]
mod tests;
