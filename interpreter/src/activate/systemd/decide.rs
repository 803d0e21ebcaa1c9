//! What to do with each unit, decided from the old and new unit files and
//! from which units are active: pure functions, so every rule is tested
//! without a manager.
//!
//! The rules (home-manager's sd-switch and NixOS's switch-to-configuration
//! agree on them): a unit whose file is the same is not touched; a new unit
//! starts when a target that wants it is active; a changed unit that runs is
//! switched by its [`SwitchMethod`], and one that does not run starts like a
//! new one; a unit whose file differs only in `X-Reload-Triggers=` is
//! reloaded; a removed unit that runs is stopped. Stops happen before
//! `daemon-reload`, while the manager still has the old definition (and its
//! `ExecStop=`); everything else after.

use std::collections::{BTreeMap, BTreeSet};

use am_schema::{SwitchMethod, Unit};

use super::manager::{UnitChange, Verb, Why};

/// How a unit file of the new bundle compares with the previous one's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// The previous generation had no such unit.
    New,
    Same,
    /// Only `X-Reload-Triggers=` differs.
    ReloadTriggers,
    Changed,
}

/// The line that holds the hash of a unit's reload triggers.
const RELOAD_TRIGGERS: &str = "X-Reload-Triggers=";

/// Stands in for a bundle's own store path inside unit files.
const BUNDLE: &str = "\u{0}bundle\u{0}";

/// A unit file with its bundle's own path abstracted: every bundle has its
/// own path, and a unit whose `ExecStart=` runs a script of the bundle must
/// still compare equal when nothing about it changed. (Scripts carry a hash
/// of their content in their name, so a changed script still shows.)
pub fn normalized(text: &str, bundle: &str) -> String {
    if bundle.is_empty() { text.to_string() } else { text.replace(bundle, BUNDLE) }
}

/// A normalized unit file for people to read, its bundle's path written
/// as `bundle`.
pub fn shown(normalized: &str, bundle: &str) -> String {
    normalized.replace(BUNDLE, bundle)
}

/// Compares normalized unit files.
pub fn compare(old: Option<&str>, new: &str) -> Comparison {
    let Some(old) = old else { return Comparison::New };
    if old == new {
        return Comparison::Same;
    }
    if without_reload_triggers(old).eq(without_reload_triggers(new)) {
        Comparison::ReloadTriggers
    } else {
        Comparison::Changed
    }
}

fn without_reload_triggers(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|line| !line.starts_with(RELOAD_TRIGGERS))
}

/// A unit of the new bundle and how its file compares.
#[derive(Debug, Clone, Copy)]
pub struct Compare<'a> {
    pub unit: &'a Unit,
    pub compared: Comparison,
}

/// The units whose state must be known before anything changes: those that
/// changed and those removed, sorted.
pub fn to_query<'a>(units: &[Compare<'a>], removed: &[&'a str]) -> Vec<&'a str> {
    let changed = units
        .iter()
        .filter(|c| matches!(c.compared, Comparison::Changed | Comparison::ReloadTriggers));
    let mut names: Vec<&str> =
        changed.map(|c| c.unit.name.as_str()).chain(removed.iter().copied()).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Stops made before `daemon-reload`: removed units that run, and changed
/// units that switch by stop-start.
pub fn stops(
    units: &[Compare],
    removed: &[&str],
    active: &BTreeMap<&str, bool>,
) -> Vec<UnitChange> {
    let mut stops: Vec<(&str, Why)> = removed
        .iter()
        .filter(|name| runs(active, name))
        .map(|name| (*name, Why::Removed))
        .collect();
    stops.extend(
        units
            .iter()
            .filter(|c| {
                c.compared == Comparison::Changed && c.unit.switch_method == SwitchMethod::StopStart
            })
            .filter(|c| runs(active, &c.unit.name))
            .map(|c| (c.unit.name.as_str(), Why::Changed)),
    );
    stops.sort_unstable_by_key(|(name, _)| *name);
    stops.into_iter().map(|(unit, why)| act(Verb::Stop, unit, why)).collect()
}

/// The targets whose state decides whether units that do not run start:
/// those wanting a new unit, or a changed one that does not run. Sorted.
pub fn targets_to_query<'a>(units: &[Compare<'a>], active: &BTreeMap<&str, bool>) -> Vec<&'a str> {
    let set: BTreeSet<&str> = units
        .iter()
        .filter(|c| might_start(c, active))
        .flat_map(|c| c.unit.wanted_by.iter().map(String::as_str))
        .collect();
    set.into_iter().collect()
}

/// Changes made after `daemon-reload`, in unit name order.
pub fn starts(
    units: &[Compare],
    active: &BTreeMap<&str, bool>,
    active_targets: &BTreeSet<&str>,
) -> Vec<UnitChange> {
    let wanted =
        |unit: &Unit| unit.wanted_by.iter().any(|target| active_targets.contains(target.as_str()));
    let mut changes = Vec::new();
    for c in units {
        let name = c.unit.name.as_str();
        let change = match (c.compared, runs(active, name)) {
            (Comparison::Same, _) => None,
            (Comparison::New, _) => wanted(c.unit).then_some((Verb::Start, Why::New)),
            (Comparison::ReloadTriggers | Comparison::Changed, false) => {
                wanted(c.unit).then_some((Verb::Start, Why::NotRunning))
            }
            (Comparison::ReloadTriggers, true) => Some((Verb::Reload, Why::ReloadTriggers)),
            (Comparison::Changed, true) => match c.unit.switch_method {
                SwitchMethod::Restart => Some((Verb::Restart, Why::Changed)),
                SwitchMethod::Reload => Some((Verb::Reload, Why::Changed)),
                // Stopped before the reload; started with the new file now.
                SwitchMethod::StopStart => Some((Verb::Start, Why::Changed)),
                SwitchMethod::KeepOld => None,
            },
        };
        changes.extend(change.map(|(verb, why)| (name, verb, why)));
    }
    changes.sort_unstable_by_key(|(name, _, _)| *name);
    changes.into_iter().map(|(unit, verb, why)| act(verb, unit, why)).collect()
}

/// Whether a unit may start depending on its targets: a new one, or a
/// changed one that does not run.
fn might_start(c: &Compare, active: &BTreeMap<&str, bool>) -> bool {
    match c.compared {
        Comparison::New => true,
        Comparison::Same => false,
        Comparison::Changed | Comparison::ReloadTriggers => !runs(active, &c.unit.name),
    }
}

/// Whether the manager said the unit is active; a unit it was not asked
/// about is not.
fn runs(active: &BTreeMap<&str, bool>, name: &str) -> bool {
    active.get(name).copied().unwrap_or(false)
}

fn act(verb: Verb, unit: &str, why: Why) -> UnitChange {
    UnitChange::Unit { verb, unit: unit.to_string(), why }
}

#[cfg(test)]
mod tests;
