//! `am diff OLD NEW`: what activating bundle NEW over bundle OLD would
//! change, target by target, command by command, dconf key by key and unit
//! by unit, without a home.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use am_schema::{Kind, Plan};

use crate::activate::profile;
use crate::activate::systemd::{self, Compare, Comparison};
use crate::activate::target::file_target;
use crate::bundle::{Bundle, open_folder, same_static};
use crate::error::{Error, Result};
use crate::quote::printable;
use crate::style::Style;

pub fn run(old: &Path, new: &Path, style: Style) -> Result<String> {
    let (old, new) = (open_folder(old)?, open_folder(new)?);
    let old_links = links(&old.plan);
    let new_links = links(&new.plan);
    let mut lines = Vec::new();
    for target in old_links.keys().filter(|target| !new_links.contains_key(*target)) {
        lines.push(format!("{} ~/{}  removed", style.red("-"), printable(target)));
    }
    for (target, kind) in &new_links {
        match old_links.get(target) {
            None => lines.push(format!("{} ~/{}  added", style.green("+"), printable(target))),
            Some(old_kind) if old_kind != kind => {
                lines.push(format!("{} ~/{}  now a {kind}", style.yellow("~"), printable(target)))
            }
            Some(_) if !same_static(&old.root, &new.root, target) => lines.push(format!(
                "{} ~/{}  content changed",
                style.yellow("~"),
                printable(target)
            )),
            Some(_) => {}
        }
    }
    let (old_runs, new_runs) = (runs(&old.plan), runs(&new.plan));
    for (id, kind) in old_runs.iter().filter(|(id, _)| !new_runs.contains_key(*id)) {
        lines.push(format!("{} {} {}  removed", style.red("-"), what_runs(kind), printable(id)));
    }
    for (id, kind) in &new_runs {
        let change = match old_runs.get(id) {
            None => format!("{} {} {}  added", style.green("+"), what_runs(kind), printable(id)),
            Some(old) if old != kind => {
                format!("{} {} {}  changed", style.yellow("~"), what_runs(kind), printable(id))
            }
            Some(_) => continue,
        };
        lines.push(change);
    }
    let (old_keys, new_keys) = (dconf_keys(&old.plan), dconf_keys(&new.plan));
    for path in old_keys.keys().filter(|path| !new_keys.contains_key(*path)) {
        lines.push(format!("{} dconf {}  reset", style.red("-"), printable(path)));
    }
    for (path, value) in &new_keys {
        let (sign, what) = match old_keys.get(path) {
            None => (style.green("+"), "set to"),
            Some(old) if old != value => (style.yellow("~"), "changed to"),
            Some(_) => continue,
        };
        lines.push(format!("{sign} dconf {}  {what} {}", printable(path), printable(value)));
    }
    lines.extend(units(&old, &new, style)?);
    lines.extend(packages(&old.plan, &new.plan, style));
    let mut text = String::new();
    if lines.is_empty() {
        text.push_str(
            "no differences in targets, commands, Lua chunks, dconf keys, units or packages\n",
        );
    }
    if new_runs.values().any(|kind| matches!(kind, Kind::Lua(_))) {
        lines.push(format!(
            "{} what Lua chunks create is known only when they run: \
             `result/bin/activate --dry-run` lists it",
            style.dim("note:")
        ));
    }
    for line in lines {
        let _ = writeln!(text, "{line}");
    }
    Ok(text)
}

/// The systemd units NEW adds, drops or changes, compared as an activation
/// compares them; which of them run decides at activation time what is
/// started, restarted or stopped.
fn units(old: &Bundle, new: &Bundle, style: Style) -> Result<Vec<String>> {
    let old_units = systemd::records(&old.plan);
    let new_units = systemd::planned(&new.plan).unwrap_or_default();
    let compared = systemd::compare_units(&old_units, &old.root, new_units, &new.root)
        .map_err(|(_, path, source)| Error::BundleUnreadable { path, source })?;
    let mut lines: Vec<String> = compared
        .removed
        .iter()
        .map(|name| format!("{} unit {}  removed", style.red("-"), printable(name)))
        .collect();
    for Compare { unit, compared } in compared.units {
        let name = printable(&unit.name);
        match compared {
            Comparison::Same => {}
            Comparison::New => lines.push(format!("{} unit {name}  added", style.green("+"))),
            Comparison::ReloadTriggers => {
                lines.push(format!("{} unit {name}  reload triggers changed", style.yellow("~")))
            }
            Comparison::Changed => lines.push(format!(
                "{} unit {name}  changed (switch: {})",
                style.yellow("~"),
                unit.switch_method.name()
            )),
        }
    }
    Ok(lines)
}

/// The packages NEW installs into the Nix profile that OLD does not, and
/// the other way round, by name and version; and a move to another profile.
fn packages(old: &Plan, new: &Plan, style: Style) -> Vec<String> {
    let (before, after) = (profile::planned(old), profile::planned(new));
    let list =
        |plan: Option<&am_schema::Profile>| plan.map(|p| p.packages.clone()).unwrap_or_default();
    let changes = profile::PackageChanges::between(&list(before), &list(after));
    let mut lines: Vec<String> = changes
        .lines()
        .into_iter()
        .map(|change| {
            let sign = match change.sign {
                '+' => style.green("+"),
                '-' => style.red("-"),
                _ => style.yellow("~"),
            };
            let what = match change.sign {
                '+' => "added",
                '-' => "removed",
                _ => "changed",
            };
            format!("{sign} package {}  {what}", printable(&change.text))
        })
        .collect();
    if let (Some(before), Some(after)) = (before, after) {
        if before.profile != after.profile {
            lines.push(format!(
                "{} packages now go into the Nix profile {} (were in {})",
                style.yellow("~"),
                printable(&after.profile),
                printable(&before.profile)
            ));
        }
    }
    lines
}

/// Every file target, with the kind of node that makes it.
fn links(plan: &Plan) -> BTreeMap<&str, &'static str> {
    plan.nodes
        .iter()
        .filter_map(|node| Some((file_target(&node.kind)?, node.kind.name())))
        .collect()
}

/// Every dconf key by path, with its value.
fn dconf_keys(plan: &Plan) -> BTreeMap<String, &str> {
    crate::activate::dconf::planned(&plan.nodes)
        .into_iter()
        .map(|key| (key.path(), key.value.as_str()))
        .collect()
}

/// Every node that runs something (a command or a Lua chunk), by id.
fn runs(plan: &Plan) -> BTreeMap<&str, &Kind> {
    plan.nodes
        .iter()
        .filter(|node| matches!(node.kind, Kind::Exec(_) | Kind::Lua(_)))
        .map(|node| (node.id.as_str(), &node.kind))
        .collect()
}

fn what_runs(kind: &Kind) -> &'static str {
    if matches!(kind, Kind::Lua(_)) { "Lua chunk" } else { "command" }
}
