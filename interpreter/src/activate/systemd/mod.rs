//! systemd user units: after every unit file is linked, one switch of the
//! user's manager (the `systemd-units` node), modelled on home-manager's
//! sd-switch: compare each unit file of the new bundle with the previous
//! generation's, stop what is removed (and what switches by stop-start),
//! `daemon-reload` once, then start, restart or reload the rest; a unit whose
//! file did not change is not touched. Without a running user manager
//! nothing is done, and the report says so: a manager that starts later
//! reads the new files anyway.
//!
//! Rolling back a failed activation first puts the old files back (the
//! journal does that), then [`undo`] reloads the manager and reverses each
//! change made, newest first, best-effort: a unit that was started is
//! stopped, one that was stopped is started, one that was restarted or
//! reloaded is restarted or reloaded again, now with its old definition.
//! An activation interrupted by a crash has its files restored by the next
//! run's recovery, but not its units' state; the next activation compares
//! with the generation that is current again and switches what differs.

mod decide;
pub mod manager;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use am_schema::state::{Generation, UnitRecord};
use am_schema::{Kind, Plan, STATIC_DIR, Unit};

pub use self::decide::{Compare, Comparison, normalized, shown};
pub use self::manager::{Ran, Systemctl, UnitChange, UnitManager, Verb, Why};
use super::backend::Backend;
use super::{Failure, NodeOutcome, Request, Summary};

/// What a switch compares: the new bundle's units with the previous
/// generation's.
#[derive(Debug, Clone, Copy)]
pub struct Switch<'a> {
    /// The new bundle's units; empty when it has none, or when deactivating.
    pub units: &'a [Unit],
    /// The new bundle; `None` when deactivating.
    pub bundle: Option<&'a Path>,
    pub previous: Option<&'a Generation>,
}

/// What a switch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Switched {
    /// Why no unit was touched: no user manager runs.
    pub skipped: Option<String>,
    /// Every change made, in order.
    pub done: Vec<UnitChange>,
}

/// A switch in which some changes failed; the others were still made.
#[derive(Debug)]
pub struct SwitchFailed {
    /// The changes that were made, for [`undo`].
    pub done: Vec<UnitChange>,
    pub failures: Vec<UnitFailure>,
}

/// One change that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFailure {
    /// What was tried, e.g. `start web.service`.
    pub what: String,
    /// What went wrong, as `systemctl` said it.
    pub message: String,
    /// `systemctl --user status` of the unit, when the change was about one.
    pub status: Option<String>,
}

/// The units of a plan's `systemd-units` node, if it has one.
pub fn planned(plan: &Plan) -> Option<&[Unit]> {
    plan.nodes.iter().find_map(|node| match &node.kind {
        Kind::SystemdUnits(units) => Some(units.units.as_slice()),
        _ => None,
    })
}

/// What a generation records of a plan's units.
pub fn records(plan: &Plan) -> Vec<UnitRecord> {
    let units = planned(plan).unwrap_or_default();
    units
        .iter()
        .map(|unit| UnitRecord { name: unit.name.clone(), target: unit.target.clone() })
        .collect()
}

/// The work of the `systemd-units` node, with the user's own manager.
pub fn node(switch: &Switch, manager: &dyn UnitManager, backend: &impl Backend) -> NodeOutcome {
    match self::switch(switch, manager, backend) {
        Ok(switched) => NodeOutcome::Units(switched),
        Err(failed) => NodeOutcome::Failed(Failure::Units(failed)),
    }
}

/// Stops the previous generation's units when the new plan has no
/// `systemd-units` node to do it (it dropped every unit, or this is a
/// deactivation). A unit that fails to stop is a warning: its file is gone
/// already, and nothing of the new generation depends on it.
pub fn switch_dropped(request: &Request, backend: &impl Backend, summary: &mut Summary) {
    let had_units = request.previous.is_some_and(|previous| !previous.units.is_empty());
    if !had_units || planned(request.plan).is_some() {
        return;
    }
    let dropped = Switch { units: &[], bundle: request.bundle, previous: request.previous };
    match switch(&dropped, request.outside.units, backend) {
        Ok(switched) => {
            summary.units.extend(switched.done);
            summary.units_skipped = switched.skipped;
        }
        Err(failed) => {
            summary.units.extend(failed.done);
            let failures = failed.failures.into_iter();
            summary
                .warnings
                .extend(failures.map(|f| format!("could not {}: {}", f.what, f.message)));
        }
    }
}

/// Switches the user manager from the previous generation's units to the
/// new ones. Queries go to `manager` directly; changes through `backend`.
pub fn switch(
    switch: &Switch,
    manager: &dyn UnitManager,
    backend: &impl Backend,
) -> Result<Switched, SwitchFailed> {
    let mut run = Run { manager, backend, done: Vec::new(), failures: Vec::new() };
    let Compared { units, removed } = match compare(switch) {
        Ok(compared) => compared,
        Err(failure) => return Err(SwitchFailed { done: Vec::new(), failures: vec![failure] }),
    };
    let nothing_changed = units.iter().all(|c| c.compared == Comparison::Same);
    if nothing_changed && removed.is_empty() {
        return Ok(Switched::default());
    }
    if let Some(why) = manager.unavailable() {
        return Ok(Switched { skipped: Some(why), done: Vec::new() });
    }

    let queried = decide::to_query(&units, &removed);
    let Some(active) = run.query(&queried, "running") else { return run.finish() };
    for stop in decide::stops(&units, &removed, &active) {
        run.change(stop);
    }
    // Units started or restarted with stale files would be worse than none.
    if !run.change(UnitChange::DaemonReload) {
        return run.finish();
    }
    let targets = decide::targets_to_query(&units, &active);
    let Some(targets) = run.query(&targets, "active") else { return run.finish() };
    let active_targets: BTreeSet<&str> =
        targets.into_iter().filter(|(_, active)| *active).map(|(target, _)| target).collect();
    for change in decide::starts(&units, &active, &active_targets) {
        run.change(change);
    }
    run.finish()
}

/// Reverses `done` after the files of a failed activation were put back;
/// returns what could not be reversed.
pub fn undo(done: &[UnitChange], manager: &dyn UnitManager, backend: &impl Backend) -> Vec<String> {
    if done.is_empty() {
        return Vec::new();
    }
    let reversed = done.iter().rev().filter_map(|change| match change {
        UnitChange::Unit { verb, unit, .. } => {
            Some(UnitChange::Unit { verb: verb.undo(), unit: unit.clone(), why: Why::RollingBack })
        }
        UnitChange::DaemonReload => None,
    });
    let mut run = Run { manager, backend, done: Vec::new(), failures: Vec::new() };
    for change in std::iter::once(UnitChange::DaemonReload).chain(reversed) {
        run.change(change);
    }
    run.failures
        .into_iter()
        .map(|failure| format!("could not {}: {}", failure.what, failure.message))
        .collect()
}

/// Reads the unit files of both generations and compares them.
fn compare<'a>(switch: &Switch<'a>) -> Result<Compared<'a>, UnitFailure> {
    let (old_units, old_bundle): (&[UnitRecord], &str) =
        switch.previous.map_or((&[], ""), |previous| (&previous.units, &previous.bundle));
    let new_bundle = switch.bundle.unwrap_or(Path::new(""));
    compare_units(old_units, Path::new(old_bundle), switch.units, new_bundle).map_err(
        |(unit, path, error)| UnitFailure {
            what: format!("read the unit file of {unit}"),
            message: format!("{}: {error}", path.display()),
            status: None,
        },
    )
}

/// How each unit of the new bundle compares with the old one's, and the
/// units the old one has and the new one drops.
#[derive(Debug)]
pub struct Compared<'a> {
    pub units: Vec<Compare<'a>>,
    pub removed: Vec<&'a str>,
}

/// Compares the unit files of two bundles (`am diff` compares two bundles
/// without a generation). Fails with the unit and path of a new unit file
/// that cannot be read; an old one that cannot be read (its bundle was
/// deleted) counts as changed: restarting is the safe side.
pub fn compare_units<'a>(
    old_units: &'a [UnitRecord],
    old_bundle: &Path,
    new_units: &'a [Unit],
    new_bundle: &Path,
) -> Result<Compared<'a>, (&'a str, PathBuf, io::Error)> {
    let (old_root, new_root) = (old_bundle.to_string_lossy(), new_bundle.to_string_lossy());
    let old_by_name: BTreeMap<&str, &UnitRecord> =
        old_units.iter().map(|record| (record.name.as_str(), record)).collect();
    let mut units = Vec::with_capacity(new_units.len());
    for unit in new_units {
        let path = new_bundle.join(STATIC_DIR).join(&unit.target);
        let new = match std::fs::read_to_string(&path) {
            Ok(text) => decide::normalized(&text, &new_root),
            Err(error) => return Err((unit.name.as_str(), path, error)),
        };
        let old = old_by_name.get(unit.name.as_str()).map(|record| {
            let text = std::fs::read_to_string(old_bundle.join(STATIC_DIR).join(&record.target));
            decide::normalized(&text.unwrap_or_default(), &old_root)
        });
        units.push(Compare { unit, compared: decide::compare(old.as_deref(), &new) });
    }
    let new_names: BTreeSet<&str> = new_units.iter().map(|unit| unit.name.as_str()).collect();
    let removed = old_units
        .iter()
        .map(|record| record.name.as_str())
        .filter(|name| !new_names.contains(name))
        .collect();
    Ok(Compared { units, removed })
}

/// The changes of one switch (or undo) as they are made.
struct Run<'a, B> {
    manager: &'a dyn UnitManager,
    backend: &'a B,
    done: Vec<UnitChange>,
    failures: Vec<UnitFailure>,
}

impl<B: Backend> Run<'_, B> {
    /// Whether each unit is active; `None` (and a failure) when the manager
    /// could not say.
    fn query<'u>(&mut self, units: &[&'u str], what: &str) -> Option<BTreeMap<&'u str, bool>> {
        match self.manager.active(units) {
            Ok(states) => Some(units.iter().copied().zip(states).collect()),
            Err(error) => {
                let what = format!("find out which units are {what}");
                self.failures.push(UnitFailure { what, message: error.to_string(), status: None });
                None
            }
        }
    }

    /// Makes one change; true when it worked.
    fn change(&mut self, change: UnitChange) -> bool {
        let unit = match &change {
            UnitChange::Unit { unit, .. } => Some(unit.clone()),
            UnitChange::DaemonReload => None,
        };
        let failure = match self.backend.unit_change(self.manager, &change) {
            Ok(ran) if ran.success => None,
            Ok(ran) => Some(ran.output),
            Err(error) => Some(error.to_string()),
        };
        let Some(message) = failure else {
            self.done.push(change);
            return true;
        };
        let what = change.args().join(" ");
        let status = unit.map(|unit| self.manager.status(&unit));
        self.failures.push(UnitFailure { what, message, status });
        false
    }

    fn finish(self) -> Result<Switched, SwitchFailed> {
        if self.failures.is_empty() {
            Ok(Switched { skipped: None, done: self.done })
        } else {
            Err(SwitchFailed { done: self.done, failures: self.failures })
        }
    }
}
