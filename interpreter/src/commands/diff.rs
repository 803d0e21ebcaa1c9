//! `am diff [OLD] NEW`: what activating bundle NEW over bundle OLD (by
//! default the active one) would change. Files are compared by content,
//! units by the unit switch's own rule, commands by their command lines,
//! and the commands that would run are decided as an activation decides
//! them: all worked out from the two bundles, without touching the home.
//! `report::diff` renders the result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use am_schema::{Exec, Kind, Node, Plan, Role, STATIC_DIR, SwitchMethod};

use crate::activate::changes::Changes;
use crate::activate::profile::{self, PackageChanges};
use crate::activate::systemd::{self, Compare, Comparison};
use crate::activate::target::file_target;
use crate::bundle::{Bundle, open_folder};
use crate::cli::Where;
use crate::content::same_static;
use crate::error::{Error, Result};
use crate::place::Place;
use crate::quote::shell_line;

/// What `am diff` compares, and how much it shows.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// `None`: the bundle active for `place`.
    pub old: Option<&'a Path>,
    pub new: &'a Path,
    /// Whose active bundle, when OLD is not given.
    pub place: &'a Where,
    /// `-p`: a unified diff of each changed text file and Lua chunk.
    pub patch: bool,
}

/// Every difference between two bundles that an activation would act on.
#[derive(Debug)]
pub struct BundleDiff {
    /// `None`: nothing is active (a first activation).
    pub old: Option<PathBuf>,
    /// `None`: nothing will be (a deactivation).
    pub new: Option<PathBuf>,
    /// OLD was not named: it is the home's active bundle.
    pub old_is_active: bool,
    /// Files, unit files among them (a unit file that differs by the
    /// bundle's own path alone is the same, as the unit switch has it).
    pub files: Vec<FileDiff>,
    pub units: Vec<UnitDiff>,
    pub keys: Vec<KeyDiff>,
    /// The packages the Nix profile gains, loses or changes.
    pub packages: PackageChanges,
    /// The profile the packages go into, before and after, when it moved.
    pub profile_moved: Option<(String, String)>,
    /// Commands and Lua chunks that would run, and those that changed or
    /// went.
    pub runs: Vec<RunDiff>,
}

/// How something of NEW compares with OLD's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Added,
    Removed,
    Changed,
}

#[derive(Debug)]
pub struct FileDiff {
    pub target: String,
    pub change: Change,
    /// The kinds of node before and after, when a link became a copy or
    /// back.
    pub kinds: Option<(&'static str, &'static str)>,
    pub patch: Option<Patch>,
}

/// The unified diff of a changed file (with `-p`).
#[derive(Debug, PartialEq, Eq)]
pub enum Patch {
    Text(String),
    /// One side is not text (not UTF-8, or holding a NUL byte).
    Binary,
}

/// A unit whose file changed (its diff is with the files).
#[derive(Debug)]
pub struct UnitDiff {
    pub name: String,
    pub step: UnitStep,
}

/// What an activation would do with a unit, if it runs (or, for a new
/// one, if a target that wants it is active).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitStep {
    /// A new unit that these targets want: started when one is active.
    Start { wanted_by: Vec<String> },
    /// A new unit that nothing wants: its file is linked, nothing starts it.
    Added,
    /// Its file changed: switched by its method if it runs.
    Switch(SwitchMethod),
    /// Only `X-Reload-Triggers=` changed: reloaded if it runs.
    ReloadTriggers,
    /// Dropped: stopped if it runs.
    Stop,
}

#[derive(Debug)]
pub struct KeyDiff {
    pub path: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A command or Lua chunk.
#[derive(Debug)]
pub struct RunDiff {
    pub id: String,
    pub declared_by: String,
    pub lua: bool,
    pub change: Option<RunChange>,
    /// Whether it runs when NEW is activated (never for a removed one).
    pub runs: bool,
}

#[derive(Debug)]
pub enum RunChange {
    Added,
    Removed,
    /// A command's old and new command lines.
    Command {
        old: String,
        new: String,
    },
    /// A Lua chunk's code changed; its diff with `-p`.
    Chunk(Option<Patch>),
}

/// Compares the bundles `options` names.
pub fn run(options: Options) -> Result<BundleDiff> {
    let old_folder = match options.old {
        Some(old) => old.to_path_buf(),
        None => Place::choose(options.place, None)?.active_bundle("diff OLD")?,
    };
    let (old, new) = (open_folder(&old_folder)?, open_folder(options.new)?);
    let mut diff = compare(Some(&old), Some(&new), options.patch)?;
    diff.old_is_active = options.old.is_none();
    Ok(diff)
}

/// Compares two bundles; `None` stands for no bundle at all (before the
/// first activation, after a deactivation).
pub fn compare(old: Option<&Bundle>, new: Option<&Bundle>, patch: bool) -> Result<BundleDiff> {
    let nothing = Bundle {
        root: PathBuf::new(),
        plan: Plan {
            role: Role::default(),
            backup_extension: None,
            home_directory: None,
            nodes: Vec::new(),
            layers: Vec::new(),
        },
    };
    let (old_bundle, new_bundle) = (old.unwrap_or(&nothing), new.unwrap_or(&nothing));
    Ok(BundleDiff {
        files: files(old_bundle, new_bundle, patch),
        units: units(old_bundle, new_bundle)?,
        keys: dconf_keys(&old_bundle.plan, &new_bundle.plan),
        packages: packages(&old_bundle.plan, &new_bundle.plan),
        profile_moved: profile_moved(&old_bundle.plan, &new_bundle.plan),
        runs: runs(old, new_bundle, patch),
        old_is_active: false,
        old: old.map(|bundle| bundle.root.clone()),
        new: new.map(|bundle| bundle.root.clone()),
    })
}

/// The targets that both bundles have, whose content differs: what a
/// switch changes through the static link alone, for a dry run's list.
pub fn new_content(old: &Bundle, new: &Bundle) -> Vec<String> {
    files(old, new, false)
        .into_iter()
        .filter(|file| file.change == Change::Changed && file.kinds.is_none())
        .map(|file| file.target)
        .collect()
}

/// The files NEW adds, drops or changes, by target.
fn files(old: &Bundle, new: &Bundle, patch: bool) -> Vec<FileDiff> {
    let (old_targets, new_targets) = (targets(&old.plan), targets(&new.plan));
    let mut files: Vec<FileDiff> = old_targets
        .keys()
        .filter(|target| !new_targets.contains_key(*target))
        .map(|target| FileDiff {
            target: target.to_string(),
            change: Change::Removed,
            kinds: None,
            patch: None,
        })
        .collect();
    for (target, kind) in &new_targets {
        let (change, kinds) = match old_targets.get(target) {
            None => (Change::Added, None),
            Some(old_kind) if old_kind != kind => (Change::Changed, Some((*old_kind, *kind))),
            Some(_) if !same_static(&old.root, &new.root, target) => (Change::Changed, None),
            Some(_) => continue,
        };
        let entry = |root: &Path| root.join(STATIC_DIR).join(target);
        let patch = (patch && change == Change::Changed)
            .then(|| file_patch(target, (old, &entry(&old.root)), (new, &entry(&new.root))))
            .flatten();
        files.push(FileDiff { target: target.to_string(), change, kinds, patch });
    }
    files.sort_by(|a, b| a.target.cmp(&b.target));
    files
}

/// Every file target, with the kind of node that makes it.
fn targets(plan: &Plan) -> BTreeMap<&str, &'static str> {
    plan.nodes
        .iter()
        .filter_map(|node| Some((file_target(&node.kind)?, node.kind.name())))
        .collect()
}

/// The patch between two static entries (links followed), each bundle's
/// own path written as `${bundle}` (the part of a unit file that differs
/// in every bundle and is no change); `None` when either is not a file (a
/// linked folder).
fn file_patch(target: &str, old: (&Bundle, &Path), new: (&Bundle, &Path)) -> Option<Patch> {
    let read = |(bundle, path): (&Bundle, &Path)| -> Option<Vec<u8>> {
        let bytes = std::fs::read(path).ok()?;
        Some(match String::from_utf8(bytes) {
            Ok(text) => {
                let normalized = systemd::normalized(&text, &bundle.root.to_string_lossy());
                systemd::shown(&normalized, "${bundle}").into_bytes()
            }
            Err(not_text) => not_text.into_bytes(),
        })
    };
    Some(text_patch(target, &read(old)?, &read(new)?))
}

fn text_patch(name: &str, old: &[u8], new: &[u8]) -> Patch {
    let text = |bytes| match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Some(text),
        _ => None,
    };
    let (Some(old), Some(new)) = (text(old), text(new)) else { return Patch::Binary };
    let diff = similar::TextDiff::from_lines(old, new);
    let mut unified = diff.unified_diff();
    let text = unified.context_radius(3).header(&format!("a/{name}"), &format!("b/{name}"));
    Patch::Text(text.to_string())
}

/// The units NEW adds, drops or changes, compared as the unit switch
/// compares them (a unit file that differs only in its bundle's own path
/// is the same).
fn units(old: &Bundle, new: &Bundle) -> Result<Vec<UnitDiff>> {
    let old_units = systemd::records(&old.plan);
    let new_units = systemd::planned(&new.plan).unwrap_or_default();
    let compared = systemd::compare_units(&old_units, &old.root, new_units, &new.root)
        .map_err(|(_, path, source)| Error::BundleUnreadable { path, source })?;
    let mut units: Vec<UnitDiff> = compared
        .removed
        .iter()
        .map(|name| UnitDiff { name: name.to_string(), step: UnitStep::Stop })
        .collect();
    for Compare { unit, compared } in compared.units {
        let step = match compared {
            Comparison::Same => continue,
            Comparison::New if unit.wanted_by.is_empty() => UnitStep::Added,
            Comparison::New => UnitStep::Start { wanted_by: unit.wanted_by.clone() },
            Comparison::ReloadTriggers => UnitStep::ReloadTriggers,
            Comparison::Changed => UnitStep::Switch(unit.switch_method),
        };
        units.push(UnitDiff { name: unit.name.clone(), step });
    }
    units.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(units)
}

/// The dconf keys NEW sets, changes or drops (which an activation resets).
fn dconf_keys(old: &Plan, new: &Plan) -> Vec<KeyDiff> {
    let keys = |plan: &Plan| -> BTreeMap<String, String> {
        crate::activate::dconf::planned(&plan.nodes)
            .into_iter()
            .map(|key| (key.path(), key.value.clone()))
            .collect()
    };
    let (mut old, new) = (keys(old), keys(new));
    let mut diffs = Vec::new();
    for (path, value) in new {
        match old.remove(&path) {
            Some(was) if was == value => {}
            was => diffs.push(KeyDiff { path, old: was, new: Some(value) }),
        }
    }
    diffs.extend(old.into_iter().map(|(path, was)| KeyDiff { path, old: Some(was), new: None }));
    diffs.sort_by(|a, b| a.path.cmp(&b.path));
    diffs
}

/// The packages NEW installs into the Nix profile that OLD does not, and
/// the other way round, by name and version (as the profile node compares
/// them).
fn packages(old: &Plan, new: &Plan) -> PackageChanges {
    let list = |plan| profile::planned(plan).map(|p| p.packages.clone()).unwrap_or_default();
    PackageChanges::between(&list(old), &list(new))
}

/// The profile the packages go into, when both bundles have one and it
/// differs.
fn profile_moved(old: &Plan, new: &Plan) -> Option<(String, String)> {
    let (before, after) = (profile::planned(old)?, profile::planned(new)?);
    (before.profile != after.profile).then(|| (before.profile.clone(), after.profile.clone()))
}

/// The commands and Lua chunks that NEW runs, changes or drops; with no
/// OLD, every command runs.
fn runs(old: Option<&Bundle>, new: &Bundle, patch: bool) -> Vec<RunDiff> {
    let by_id = |plan: &Plan| -> BTreeMap<String, Node> {
        plan.nodes
            .iter()
            .filter(|node| matches!(node.kind, Kind::Exec(_) | Kind::Lua(_)))
            .map(|node| (node.id.clone(), node.clone()))
            .collect()
    };
    let mut old_runs = old.map(|old| by_id(&old.plan)).unwrap_or_default();
    let new_runs = by_id(&new.plan);
    // The question an activation asks about each `onChange` command.
    let old_root = old.map(|old| old.root.as_path());
    let changes = Changes::between(&new.plan, old_root, Some(&new.root));
    let mut diffs = Vec::new();
    for (id, node) in new_runs {
        let runs = match &node.kind {
            Kind::Exec(exec) => changes.any(&exec.when_changed),
            _ => true,
        };
        let change = match old_runs.remove(&id).map(|old| old.kind) {
            None => Some(RunChange::Added),
            Some(old) if old == node.kind => None,
            Some(Kind::Exec(old)) => match &node.kind {
                Kind::Exec(exec) => {
                    Some(RunChange::Command { old: command_line(&old), new: command_line(exec) })
                }
                _ => Some(RunChange::Added),
            },
            Some(Kind::Lua(old)) => match &node.kind {
                Kind::Lua(chunk) => Some(RunChange::Chunk(patch.then(|| {
                    text_patch(&chunk.name, old.chunk.as_bytes(), chunk.chunk.as_bytes())
                }))),
                _ => Some(RunChange::Added),
            },
            Some(_) => Some(RunChange::Added),
        };
        if change.is_none() && !runs {
            continue;
        }
        let lua = matches!(node.kind, Kind::Lua(_));
        diffs.push(RunDiff { id, declared_by: node.declared_by, lua, change, runs });
    }
    diffs.extend(old_runs.into_values().map(|node| RunDiff {
        lua: matches!(node.kind, Kind::Lua(_)),
        id: node.id,
        declared_by: node.declared_by,
        change: Some(RunChange::Removed),
        runs: false,
    }));
    diffs.sort_by(|a, b| a.id.cmp(&b.id));
    diffs
}

/// A command as a shell line: its folder, environment and arguments, and
/// what limits it.
fn command_line(exec: &Exec) -> String {
    let mut words: Vec<String> = Vec::new();
    if let Some(cwd) = &exec.cwd {
        words.extend(["cd".to_string(), shell_line([cwd.as_str()]), "&&".to_string()]);
    }
    words.extend(
        exec.env.iter().map(|(name, value)| shell_line([format!("{name}={value}").as_str()])),
    );
    words.push(shell_line(exec.argv.iter().map(String::as_str)));
    let mut line = words.join(" ");
    if let Some(seconds) = exec.timeout {
        line.push_str(&format!("  (timeout {seconds}s)"));
    }
    if !exec.when_changed.is_empty() {
        line.push_str(&format!("  (when {} changed)", exec.when_changed.join(", ")));
    }
    line
}
