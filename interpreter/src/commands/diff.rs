//! `am diff OLD NEW`: what activating bundle NEW over bundle OLD would
//! change, target by target, command by command, dconf key by key and unit
//! by unit, without a home.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use am_schema::{Exec, Kind, Plan};

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
    let old_execs = execs(&old.plan);
    let new_execs = execs(&new.plan);
    for id in old_execs.keys().filter(|id| !new_execs.contains_key(*id)) {
        lines.push(format!("{} command {}  removed", style.red("-"), printable(id)));
    }
    for (id, exec) in &new_execs {
        match old_execs.get(id) {
            None => lines.push(format!("{} command {}  added", style.green("+"), printable(id))),
            Some(old) if old != exec => {
                lines.push(format!("{} command {}  changed", style.yellow("~"), printable(id)))
            }
            Some(_) => {}
        }
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
    let mut text = String::new();
    if lines.is_empty() {
        text.push_str("no differences in targets, commands, dconf keys or units\n");
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

/// Every file target, with the kind of node that makes it.
fn links(plan: &Plan) -> BTreeMap<&str, &'static str> {
    plan.nodes
        .iter()
        .filter_map(|node| Some((file_target(&node.kind)?, node.kind.name())))
        .collect()
}

/// Every dconf key by path, with its value.
fn dconf_keys(plan: &Plan) -> BTreeMap<String, &str> {
    crate::activate::dconf::planned(plan)
        .into_iter()
        .map(|key| (key.path(), key.value.as_str()))
        .collect()
}

fn execs(plan: &Plan) -> BTreeMap<&str, &Exec> {
    plan.nodes
        .iter()
        .filter_map(|node| match &node.kind {
            Kind::Exec(exec) => Some((node.id.as_str(), exec)),
            _ => None,
        })
        .collect()
}
