//! The list a dry run prints on stdout: a summary line saying what would
//! happen, then every change grouped as `am diff` groups them (files,
//! units, dconf keys, commands), each file once however many steps it
//! takes. The activation's own bookkeeping (the static link, folders,
//! `daemon-reload`) is listed under `--verbose`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use am_schema::Plan;

use super::sections::{self, Group, Mark, Section, count, mark};
use crate::activate::backend::{MoveReason, Planned};
use crate::activate::systemd::{UnitChange, Verb};
use crate::activate::{Status, Summary};
use crate::place::{Place, Role};
use crate::quote::{printable, shell_line};
use crate::style::Style;

/// What a dry run found, beside the backend's list.
#[derive(Debug)]
pub struct DryRun<'a> {
    pub plan: &'a Plan,
    pub place: &'a Place,
    /// `None` when deactivating.
    pub bundle: Option<&'a Path>,
    pub planned: &'a [Planned],
    /// Targets that stay but whose content changes, through the static
    /// link alone (the engine has no step for them).
    pub new_content: &'a [String],
    /// Lua chunks that would run: id and what each creates.
    pub chunks: &'a [(String, Vec<String>)],
    pub verbose: bool,
}

/// The whole list.
pub fn render(dry: &DryRun, summary: &Summary, style: Style) -> String {
    let sections = [
        files(dry, style),
        units(dry, style),
        dconf(dry, style),
        packages(dry, style),
        commands(dry, style),
    ];
    let what = match dry.bundle {
        Some(bundle) => format!("activate {}", printable(&bundle.to_string_lossy())),
        None => "deactivate".to_string(),
    };
    let generation = summary.generation.map(|n| format!(" as generation {n}")).unwrap_or_default();
    let first = match (summary.status(), sections::summary(&sections)) {
        (Status::Failed, _) => {
            format!("would {what}, but a required node would fail and every change be rolled back")
        }
        (_, Some(changes)) => format!("would {what}{generation}: {changes}"),
        (_, None) => format!("would {what}: nothing to change"),
    };
    format!("{}\n{}", style.bold(&first), sections::details(&sections, style))
}

/// Each path's steps, then one line per path.
fn files(dry: &DryRun, style: Style) -> Section {
    let mut section = Section::new(Group::Files);
    let static_link = &dry.place.static_link;
    let mut steps: BTreeMap<&Path, Vec<&Planned>> = BTreeMap::new();
    let mut housekeeping = Vec::new();
    for change in dry.planned {
        let path = match change {
            Planned::CreateLink { path, .. }
            | Planned::ReplaceLink { path, .. }
            | Planned::RemoveLink(path)
            | Planned::WriteCopy { path, .. } => path.as_path(),
            Planned::Move { to, why: MoveReason::Restore, .. } => to.as_path(),
            Planned::Move { from, .. } => from.as_path(),
            Planned::CreateDir(dir) => {
                housekeeping.push((Mark::Added, format!("{}/  (folder)", shown(dry.place, dir))));
                continue;
            }
            Planned::RemoveDir(dir) => {
                housekeeping.push((
                    Mark::Removed,
                    format!("{}/  (folder, if empty)", shown(dry.place, dir)),
                ));
                continue;
            }
            _ => continue,
        };
        if path == static_link.as_path() {
            let line = match change {
                Planned::CreateLink { content, .. } | Planned::ReplaceLink { content, .. } => {
                    format!(
                        "{}  now points to {}",
                        shown(dry.place, path),
                        shown(dry.place, content)
                    )
                }
                _ => format!("{}  removed", shown(dry.place, path)),
            };
            housekeeping.push((Mark::Changed, line));
            continue;
        }
        steps.entry(path).or_default().push(change);
    }
    let mut lines: Vec<(PathBuf, Mark, String)> = steps
        .into_iter()
        .map(|(path, steps)| {
            let (mark, what) = file_line(dry.place, &steps);
            (path.to_path_buf(), mark, what)
        })
        .collect();
    // The profile node's link to the Nix profile, made before Nix runs.
    let profile_links = dry.planned.iter().filter_map(|change| match change {
        Planned::Profile(switch) => switch.link.as_ref(),
        _ => None,
    });
    for (link, profile) in profile_links {
        let what = format!("a link to the Nix profile {}", printable(&profile.to_string_lossy()));
        lines.push((link.clone(), Mark::Added, what));
    }
    for target in dry.new_content {
        let path = dry.place.target(target);
        if !lines.iter().any(|(at, ..)| *at == path) {
            lines.push((path, Mark::Changed, "new content".to_string()));
        }
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let n = |wanted| lines.iter().filter(|(_, mark, _)| *mark == wanted).count();
    section.count(n(Mark::Added), "added");
    section.count(n(Mark::Removed), "removed");
    section.count(n(Mark::Changed), "changed");
    for (path, sign, what) in lines {
        let what = if what.is_empty() { what } else { format!("  {what}") };
        section.lines.push(format!("{} {}{what}", mark(sign, style), shown(dry.place, &path)));
    }
    if dry.verbose {
        section.lines.extend(
            housekeeping.into_iter().map(|(sign, line)| format!("{} {line}", mark(sign, style))),
        );
    }
    section
}

/// How one path changes, from its steps in order.
fn file_line(place: &Place, steps: &[&Planned]) -> (Mark, String) {
    let mut created = None;
    let (mut replaces_link, mut removed, mut removed_copy) = (false, false, false);
    let (mut backup, mut trash, mut restored) = (None, false, None);
    for step in steps {
        match step {
            Planned::CreateLink { .. } => created = Some(String::new()),
            Planned::WriteCopy { mode, .. } => created = Some(format!("a copy, mode {mode:04o}")),
            Planned::ReplaceLink { .. } => replaces_link = true,
            Planned::RemoveLink(_) => removed = true,
            Planned::Move { why: MoveReason::RemoveCopy, .. } => removed_copy = true,
            Planned::Move { to, why: MoveReason::Backup, .. } => backup = Some(to),
            Planned::Move { why: MoveReason::Trash, .. } => trash = true,
            Planned::Move { from, why: MoveReason::Restore, .. } => restored = Some(from),
            _ => {}
        }
    }
    let restore = |from: &Path| format!("your original comes back from {}", shown(place, from));
    let and = |first: Option<String>, then: String| match first.filter(|f| !f.is_empty()) {
        Some(first) => format!("{first}; {then}"),
        None => then,
    };
    match (created, restored) {
        (Some(kind), _) if backup.is_some() => {
            let to = backup.map(|to| shown(place, to)).unwrap_or_default();
            (Mark::Changed, and(Some(kind), format!("what is there moves to {to}")))
        }
        (Some(kind), _) if trash => (
            Mark::Changed,
            and(Some(kind), "replaces what is there, deleted when the activation ends".into()),
        ),
        (Some(kind), _) if replaces_link => {
            (Mark::Changed, and(Some(kind), "replaces the link there".into()))
        }
        (Some(kind), _) => (Mark::Added, kind),
        (None, Some(from)) if removed || removed_copy => (Mark::Removed, restore(from)),
        (None, Some(from)) => (Mark::Changed, restore(from)),
        (None, None) if removed_copy => (Mark::Removed, "a copy".to_string()),
        (None, None) if removed => (Mark::Removed, String::new()),
        (None, None) if replaces_link => (Mark::Changed, "replaces the link there".to_string()),
        (None, None) => (Mark::Removed, "moved aside, deleted when the activation ends".into()),
    }
}

fn units(dry: &DryRun, style: Style) -> Section {
    let mut section = Section::new(Group::Units);
    let changes: Vec<&UnitChange> = dry
        .planned
        .iter()
        .filter_map(|change| match change {
            Planned::Unit(change) => Some(change),
            _ => None,
        })
        .collect();
    for (verb, what) in [
        (Verb::Start, "to start"),
        (Verb::Restart, "to restart"),
        (Verb::Reload, "to reload"),
        (Verb::Stop, "to stop"),
    ] {
        let n = changes
            .iter()
            .filter(|change| matches!(change, UnitChange::Unit { verb: v, .. } if *v == verb))
            .count();
        section.count(n, what);
    }
    for change in changes {
        let sign = match change {
            UnitChange::DaemonReload if dry.verbose => Mark::Same,
            UnitChange::DaemonReload => continue,
            UnitChange::Unit { verb: Verb::Start, .. } => Mark::Added,
            UnitChange::Unit { verb: Verb::Stop, .. } => Mark::Removed,
            UnitChange::Unit { .. } => Mark::Changed,
        };
        section.lines.push(format!(
            "{} {}",
            mark(sign, style),
            super::units::planned(change, dry.place.role)
        ));
    }
    section
}

fn dconf(dry: &DryRun, style: Style) -> Section {
    let mut section = Section::new(Group::Dconf);
    let (mut written, mut reset) = (0, 0);
    for change in dry.planned {
        match change {
            Planned::DconfWrite { path, value, .. } => {
                written += 1;
                section.lines.push(format!(
                    "{} {} = {}",
                    mark(Mark::Changed, style),
                    printable(path),
                    printable(value)
                ));
            }
            Planned::DconfReset { path, .. } => {
                reset += 1;
                section.lines.push(format!(
                    "{} {} reset",
                    mark(Mark::Removed, style),
                    printable(path)
                ));
            }
            _ => {}
        }
    }
    if written > 0 {
        section.counts.push(format!("{} to write", count(written, "key", "keys")));
    }
    section.count(reset, "to reset");
    section
}

/// What the profile node would install or remove: each package, and the
/// tool that runs on which profile.
fn packages(dry: &DryRun, style: Style) -> Section {
    let mut section = Section::new(Group::Packages);
    let path = |p: &Path| printable(&p.to_string_lossy()).into_owned();
    for change in dry.planned {
        let Planned::Profile(switch) = change else { continue };
        let changes = &switch.changes;
        sections::packages(&mut section, changes, style);
        if changes.lines().is_empty() && switch.install.is_some() {
            section.counts.push("the profile rebuilt".to_string());
        }
        let (tool, profile) = (switch.format.tool(), path(&switch.profile));
        let step = match &switch.install {
            Some(tree) => {
                format!("install {} into the Nix profile {profile} ({tool})", printable(tree))
            }
            None if !switch.remove.is_empty() => {
                let old: Vec<String> =
                    switch.remove.iter().map(|old| printable(old).into_owned()).collect();
                format!("remove {} from the Nix profile {profile} ({tool})", old.join(", "))
            }
            None => continue,
        };
        section.lines.push(format!("{} {step}", mark(Mark::Same, style)));
    }
    section
}

fn commands(dry: &DryRun, style: Style) -> Section {
    let mut section = Section::new(Group::Commands);
    let declared = |id: &str| {
        let node = dry.plan.nodes.iter().find(|node| node.id == id);
        node.map(|node| format!(" ({})", printable(&node.declared_by))).unwrap_or_default()
    };
    let mut runs = 0;
    for change in dry.planned {
        if let Planned::Run { node, spec } = change {
            runs += 1;
            let mut argv = vec![spec.program.to_string_lossy().into_owned()];
            argv.extend(spec.args.iter().cloned());
            let line = shell_line(argv.iter().map(String::as_str));
            let id = printable(node);
            section.lines.push(format!(
                "{} {id}{}  {line}",
                mark(Mark::Same, style),
                declared(node)
            ));
        }
    }
    section.count(runs, "to run");
    for (id, created) in dry.chunks {
        let made = match created.len() {
            0 => "creates no node".to_string(),
            n => {
                let ids: Vec<_> = created.iter().map(|id| printable(id).into_owned()).collect();
                format!("creates {}: {}", count(n, "node", "nodes"), ids.join(", "))
            }
        };
        let line = format!("Lua chunk {}{}  {made}", printable(id), declared(id));
        section.lines.push(format!("{} {line}", mark(Mark::Same, style)));
    }
    if !dry.chunks.is_empty() {
        section
            .counts
            .push(format!("{} to run", count(dry.chunks.len(), "Lua chunk", "Lua chunks")));
    }
    section
}

/// `~/x` for a path in a home, else the path.
fn shown(place: &Place, path: &Path) -> String {
    match path.strip_prefix(&place.dir) {
        Ok(relative) if place.role == Role::Home => {
            format!("~/{}", printable(&relative.to_string_lossy()))
        }
        _ => printable(&path.to_string_lossy()).into_owned(),
    }
}
