//! Reporting what happened to systemd units: the changes a dry run would
//! make, the changes an activation made, why units were left alone, and
//! failures with what `systemctl status` says.

use std::fmt::Write as _;

use am_schema::Role;

use crate::activate::Summary;
use crate::activate::systemd::{SwitchFailed, UnitChange, Verb};
use crate::quote::printable;
use crate::style::Style;

/// A dry run's line about a unit change, to the manager of `role`.
pub fn planned(change: &UnitChange, role: Role) -> String {
    match change {
        UnitChange::DaemonReload if role == Role::System => "systemctl daemon-reload".to_string(),
        UnitChange::DaemonReload => "systemctl --user daemon-reload".to_string(),
        UnitChange::Unit { verb, unit, why } => {
            format!("{}  {} ({})", printable(unit), verb.name(), why.describe())
        }
    }
}

/// The unit changes an activation made, one line each (a dry run listed
/// them with every other change already), and a note when no manager (the
/// user's for a home, the system's for a system) was there to make them.
pub fn done(summary: &Summary, style: Style, dry_run: bool, role: Role) -> String {
    let mut text = String::new();
    let undone = if summary.rolled_back { ", then undone by the rollback" } else { "" };
    for change in summary.units.iter().filter(|_| !dry_run) {
        if let UnitChange::Unit { verb, unit, why } = change {
            let (verb, unit, why) = (style.green(past(*verb)), printable(unit), why.describe());
            let _ = writeln!(text, "{verb} {unit} ({why}){undone}");
        }
    }
    if let Some(why) = &summary.units_skipped {
        let (manager, later) = match role {
            Role::Home => ("systemd user manager", "a user manager that starts later"),
            Role::System => ("running system manager", "the system manager, when it boots,"),
        };
        let _ = writeln!(
            text,
            "{} no {manager} to switch units with ({}): units were not started, stopped or \
             restarted; {later} reads the new unit files",
            style.yellow("note:"),
            printable(why)
        );
    }
    text
}

/// `2 units started`, `1 unit restarted`... for the summary line.
pub fn counts(changes: &[UnitChange]) -> Vec<String> {
    [Verb::Start, Verb::Restart, Verb::Reload, Verb::Stop]
        .into_iter()
        .filter_map(|wanted| {
            let n = changes
                .iter()
                .filter(|change| matches!(change, UnitChange::Unit { verb, .. } if *verb == wanted))
                .count();
            let noun = if n == 1 { "unit" } else { "units" };
            (n > 0).then(|| format!("{n} {noun} {}", past(wanted)))
        })
        .collect()
}

/// The failures of a switch, each with its unit's status, as the reason a
/// `systemd-units` node failed.
pub fn failures(failed: &SwitchFailed) -> String {
    let n = failed.failures.len();
    let mut text = format!("{n} unit {} failed", if n == 1 { "change" } else { "changes" });
    for failure in &failed.failures {
        let message = failure.message.trim().replace('\n', "\n    ");
        let _ = write!(text, "\n  {}: {message}", printable(&failure.what));
        for line in failure.status.iter().flat_map(|status| status.lines()) {
            let _ = write!(text, "\n    │ {line}");
        }
    }
    text
}

fn past(verb: Verb) -> &'static str {
    match verb {
        Verb::Start => "started",
        Verb::Stop => "stopped",
        Verb::Restart => "restarted",
        Verb::Reload => "reloaded",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activate::systemd::{UnitFailure, Why};

    fn act(verb: Verb, unit: &str) -> UnitChange {
        UnitChange::Unit { verb, unit: unit.into(), why: Why::Changed }
    }

    #[test]
    fn counts_name_each_verb_once() {
        let changes = [
            UnitChange::DaemonReload,
            act(Verb::Start, "a.service"),
            act(Verb::Start, "b.service"),
            act(Verb::Stop, "c.service"),
        ];
        assert_eq!(counts(&changes), ["2 units started", "1 unit stopped"]);
    }

    #[test]
    fn failures_show_the_status() {
        let failed = SwitchFailed {
            done: vec![],
            failures: vec![UnitFailure {
                what: "start web.service".into(),
                message: "Job for web.service failed.\nSee the status.\n".into(),
                status: Some("× web.service\n     Active: failed".into()),
            }],
        };
        assert_eq!(
            failures(&failed),
            "1 unit change failed\n  start web.service: Job for web.service failed.\n    \
             See the status.\n    │ × web.service\n    │      Active: failed"
        );
        let restart = act(Verb::Restart, "web.service");
        assert_eq!(planned(&restart, Role::Home), "web.service  restart (changed)");
        let reload = UnitChange::DaemonReload;
        assert_eq!(planned(&reload, Role::Home), "systemctl --user daemon-reload");
        assert_eq!(planned(&reload, Role::System), "systemctl daemon-reload");
    }
}
