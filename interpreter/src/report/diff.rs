//! The text of `am diff`: a summary line, the two bundles, then each group
//! of changes (files, units, dconf keys, commands), and with `-p` the
//! unified diff under each changed text file.

use std::fmt::Write as _;

use am_schema::SwitchMethod;

use super::sections::{self, Group, Mark, Section, count, mark};
use crate::commands::diff::{
    BundleDiff, Change, FileDiff, KeyDiff, Patch, RunChange, RunDiff, UnitDiff, UnitStep,
};
use crate::quote::printable;
use crate::style::Style;

/// The whole output of `am diff`.
pub fn render(diff: &BundleDiff, style: Style) -> String {
    let sections = [
        files(&diff.files, style),
        units(&diff.units, style),
        keys(&diff.keys, style),
        packages(diff, style),
        runs(&diff.runs, style),
    ];
    let same = diff.files.is_empty()
        && diff.units.is_empty()
        && diff.keys.is_empty()
        && diff.packages.lines().is_empty()
        && diff.profile_moved.is_none();
    let changed = !same || diff.runs.iter().any(|run| run.change.is_some());
    let mut text = match (sections::summary(&sections), changed) {
        (Some(summary), true) => format!("{summary}\n"),
        (Some(summary), false) => format!("no changes to files, units or dconf keys · {summary}\n"),
        (None, _) => "no changes\n".to_string(),
    };
    let path = |p: &Option<std::path::PathBuf>, none: &str| match p {
        Some(p) => printable(&p.to_string_lossy()).into_owned(),
        None => none.to_string(),
    };
    let active = if diff.old_is_active { " (active)" } else { "" };
    let from = path(&diff.old, "nothing (no bundle is active)");
    let _ = writeln!(text, "{} {from}{active}", style.dim("from"));
    let _ = writeln!(text, "{} {}", style.dim("to  "), path(&diff.new, "nothing (deactivated)"));
    let details = sections::details(&sections, style);
    if !details.is_empty() {
        text.push('\n');
        text.push_str(&details);
    }
    if diff.runs.iter().any(|run| run.lua && run.runs) {
        let _ = writeln!(
            text,
            "{} what Lua chunks create is known only when they run: \
             `am activate NEW --dry-run` lists it",
            style.dim("note:")
        );
    }
    text
}

fn files(files: &[FileDiff], style: Style) -> Section {
    let mut section = Section::new(Group::Files);
    let n = |wanted| files.iter().filter(|file| file.change == wanted).count();
    section.count(n(Change::Added), "added");
    section.count(n(Change::Removed), "removed");
    section.count(n(Change::Changed), "changed");
    for file in files {
        let target = format!("~/{}", printable(&file.target));
        let mut line = format!("{} {target}", mark(change_mark(file.change), style));
        if let Some((was, now)) = file.kinds {
            let _ = write!(line, "  now {} {now} (was {} {was})", article(now), article(was));
        }
        line.push_str(&patch(file.patch.as_ref(), style));
        section.lines.push(line);
    }
    section
}

fn units(units: &[UnitDiff], style: Style) -> Section {
    let mut section = Section::new(Group::Units);
    let n = |wanted: fn(&UnitStep) -> bool| units.iter().filter(|unit| wanted(&unit.step)).count();
    section.count(n(|step| matches!(step, UnitStep::Start { .. })), "to start");
    section.count(n(|step| matches!(step, UnitStep::Added)), "added");
    section.count(
        n(|step| matches!(step, UnitStep::Switch(SwitchMethod::Restart | SwitchMethod::StopStart))),
        "to restart",
    );
    section.count(
        n(|step| matches!(step, UnitStep::Switch(SwitchMethod::Reload) | UnitStep::ReloadTriggers)),
        "to reload",
    );
    section.count(n(|step| matches!(step, UnitStep::Switch(SwitchMethod::KeepOld))), "changed");
    section.count(n(|step| matches!(step, UnitStep::Stop)), "to stop");
    for unit in units {
        let (sign, what) = match &unit.step {
            UnitStep::Start { wanted_by } => {
                let targets: Vec<_> = wanted_by.iter().map(|t| printable(t)).collect();
                (Mark::Added, format!("starts if {} is active", targets.join(" or ")))
            }
            UnitStep::Added => {
                (Mark::Added, "added; nothing wants it, so it does not start".into())
            }
            UnitStep::Switch(method) => (
                Mark::Changed,
                match method {
                    SwitchMethod::Restart => "restarts if running (its file changed)".into(),
                    SwitchMethod::Reload => "reloads if running (its file changed)".into(),
                    SwitchMethod::StopStart => {
                        "stops and starts again if running (its file changed)".into()
                    }
                    SwitchMethod::KeepOld => {
                        "its file changed; a running one keeps its old version (keep-old)".into()
                    }
                },
            ),
            UnitStep::ReloadTriggers => {
                (Mark::Changed, "reloads if running (its reload triggers changed)".to_string())
            }
            UnitStep::Stop => (Mark::Removed, "stops if running (removed)".to_string()),
        };
        let name = printable(&unit.name);
        section.lines.push(format!("{} {name}  {what}", mark(sign, style)));
    }
    section
}

fn keys(keys: &[KeyDiff], style: Style) -> Section {
    let mut section = Section::new(Group::Dconf);
    let n = |old: bool, new: bool| {
        keys.iter().filter(|key| key.old.is_some() == old && key.new.is_some() == new).count()
    };
    let (set, changed, reset) = (n(false, true), n(true, true), n(true, false));
    if set > 0 {
        section.counts.push(format!("{} set", count(set, "key", "keys")));
    }
    section.count(changed, "changed");
    section.count(reset, "reset");
    for key in keys {
        let path = printable(&key.path);
        let line = match (&key.old, &key.new) {
            (None, Some(new)) => {
                format!("{} {path} = {}", mark(Mark::Added, style), printable(new))
            }
            (Some(old), Some(new)) => format!(
                "{} {path} = {} (was {})",
                mark(Mark::Changed, style),
                printable(new),
                printable(old)
            ),
            (Some(old), None) => {
                format!("{} {path} reset (was {})", mark(Mark::Removed, style), printable(old))
            }
            (None, None) => continue,
        };
        section.lines.push(line);
    }
    section
}

fn packages(diff: &BundleDiff, style: Style) -> Section {
    let mut section = Section::new(Group::Packages);
    let changes = &diff.packages;
    sections::packages(&mut section, changes, style);
    if let Some((before, after)) = &diff.profile_moved {
        section.lines.push(format!(
            "{} they now go into the Nix profile {} (were in {})",
            mark(Mark::Changed, style),
            printable(after),
            printable(before)
        ));
    }
    section
}

fn runs(runs: &[RunDiff], style: Style) -> Section {
    let mut section = Section::new(Group::Commands);
    let n = |lua: bool| runs.iter().filter(|run| run.runs && run.lua == lua).count();
    let removed = runs.iter().filter(|run| matches!(run.change, Some(RunChange::Removed))).count();
    section.count(n(false), "to run");
    if n(true) > 0 {
        section.counts.push(format!("{} to run", count(n(true), "Lua chunk", "Lua chunks")));
    }
    section.count(removed, "removed");
    for run in runs {
        let (sign, what) = match (&run.change, run.runs) {
            (Some(RunChange::Added), _) => (Mark::Added, "new"),
            (Some(RunChange::Removed), _) => (Mark::Removed, "removed"),
            (Some(_), true) => (Mark::Changed, "changed"),
            (Some(_), false) => (Mark::Changed, "changed; does not run, as its files did not"),
            (None, _) => (Mark::Same, "runs"),
        };
        let noun = if run.lua { "Lua chunk " } else { "" };
        let mut line = format!(
            "{} {noun}{} ({})  {what}",
            mark(sign, style),
            printable(&run.id),
            printable(&run.declared_by)
        );
        match &run.change {
            Some(RunChange::Command { old, new }) => {
                let _ = write!(line, "\n      {} {}", style.red("was:"), printable(old));
                let _ = write!(line, "\n      {} {}", style.green("now:"), printable(new));
            }
            Some(RunChange::Chunk(chunk)) => line.push_str(&patch(chunk.as_ref(), style)),
            _ => {}
        }
        section.lines.push(line);
    }
    section
}

fn change_mark(change: Change) -> Mark {
    match change {
        Change::Added => Mark::Added,
        Change::Removed => Mark::Removed,
        Change::Changed => Mark::Changed,
    }
}

/// A patch under its line, indented, its added and removed lines coloured.
fn patch(patch: Option<&Patch>, style: Style) -> String {
    match patch {
        None => String::new(),
        Some(Patch::Binary) => "\n      (binary content differs)".to_string(),
        Some(Patch::Text(text)) => text
            .lines()
            .map(|line| {
                let line = printable(line);
                let shown = if line.starts_with("+++") || line.starts_with("---") {
                    style.bold(&line)
                } else if line.starts_with('+') {
                    style.green(&line)
                } else if line.starts_with('-') {
                    style.red(&line)
                } else if line.starts_with("@@") {
                    style.dim(&line)
                } else {
                    line.into_owned()
                };
                format!("\n      {shown}")
            })
            .collect(),
    }
}

fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}
