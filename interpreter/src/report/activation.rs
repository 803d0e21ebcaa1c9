//! Reporting one activation: node outcomes as they finish (above a live
//! status line on a terminal), the dry run's list of changes, timings, and
//! the summary line.

use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use am_schema::{Kind, Node, Plan};

use super::describe;
use super::dry_run::DryRun;
use super::live::Console;
use super::sections::count;
use super::timings::Times;
use crate::activate::backend::Planned;
use crate::activate::{Failure, LinkHow, NodeOutcome, Progress, Status, Summary, Watcher};
use crate::cli::Timings;
use crate::quote::printable;
use crate::style::Style;

/// Said when dconf had to run without the user's session bus.
const PRIVATE_BUS: &str = "no session bus (DBUS_SESSION_BUS_ADDRESS is unset): dconf runs \
                           inside a private one (dbus-run-session)";

/// Off a terminal, after this long, a line tells how far the layers have
/// got (on one, the status line does).
const PROGRESS_AFTER: Duration = Duration::from_secs(2);

/// Reports node outcomes while an activation runs.
#[derive(Debug)]
pub struct ActivationReport<'a> {
    plan: &'a Plan,
    style: Style,
    verbose: bool,
    /// Nothing is really done: the dry run's list says what would be.
    dry_run: bool,
    /// Per-node and per-layer times, printed at the end with `--timings`.
    times: Option<Times>,
    /// The Lua chunks a dry run ran, with the ids of what each created.
    chunks: Vec<(String, Vec<String>)>,
    console: Console,
    started: Instant,
}

impl<'a> ActivationReport<'a> {
    pub fn new(plan: &'a Plan, verbose: bool, dry_run: bool, timings: Option<Timings>) -> Self {
        let style = super::stderr_style();
        ActivationReport {
            plan,
            style,
            verbose,
            dry_run,
            times: timings.map(Times::new),
            chunks: Vec::new(),
            console: Console::new(style, verbose, plan.layers.len()),
            started: Instant::now(),
        }
    }

    /// Prints a dry run's list on stdout, where `less` and `grep` can have
    /// it; a note about dconf's bus goes to stderr.
    pub fn dry_run(&mut self, dry: DryRun, summary: &Summary) -> std::io::Result<()> {
        self.console.finish();
        let dry = DryRun { chunks: &self.chunks, ..dry };
        let private = dry.planned.iter().any(|change| match change {
            Planned::DconfWrite { private_bus, .. } | Planned::DconfReset { private_bus, .. } => {
                *private_bus
            }
            _ => false,
        });
        if private {
            self.console.write(&format!("{} {PRIVATE_BUS}\n", self.style.yellow("note:")));
        }
        super::stdout(&super::dry_run::render(&dry, summary, super::stdout_style()))
    }

    /// The end: timings if asked, what was done beyond the nodes under
    /// `--verbose`, the units switched, and the last line. A dry run's
    /// last line is its list's first, on stdout: only what went wrong is
    /// said here.
    pub fn summary(&mut self, bundle: Option<&Path>, summary: &Summary) {
        self.console.finish();
        let style = self.style;
        let mut text = String::new();
        if let Some(times) = &self.times {
            text.push_str(&times.render(self.started.elapsed()));
        }
        if self.verbose && !self.dry_run {
            text.push_str(&beyond_nodes(bundle, summary, style));
        }
        text.push_str(&super::units::done(summary, style, self.dry_run, self.plan.role));
        let what = match bundle {
            Some(bundle) => printable(&bundle.to_string_lossy()).into_owned(),
            None => String::new(),
        };
        let verb = match (self.dry_run, bundle) {
            (true, Some(_)) => "dry run of",
            (true, None) => "dry run of deactivating",
            (false, Some(_)) => "activated",
            (false, None) => "deactivated",
        };
        let subject = if what.is_empty() { verb.to_string() } else { format!("{verb} {what}") };
        let changes = changes(summary);
        match summary.status() {
            Status::Done if self.dry_run => {}
            Status::Done if summary.nothing_changed() => {
                let _ = writeln!(text, "{}: nothing to change", style.green(&subject));
            }
            Status::Done => {
                let _ = writeln!(text, "{}: {changes}", style.green(&subject));
            }
            Status::Partial => {
                let failed = count(
                    summary.failed_optional.len(),
                    "optional node failed",
                    "optional nodes failed",
                );
                let skipped = match summary.skipped {
                    0 => String::new(),
                    n => format!(", {n} skipped"),
                };
                let changes = if self.dry_run { String::new() } else { format!("; {changes}") };
                let _ = writeln!(
                    text,
                    "{} with failures: {failed}{skipped}{changes}",
                    style.yellow(&subject)
                );
            }
            Status::Failed => {
                let subject = match (self.dry_run, bundle) {
                    (true, _) => subject.clone(),
                    (false, Some(_)) => format!("activation of {what}"),
                    (false, None) => "deactivation".to_string(),
                };
                text.push_str(&self.failure(&subject, summary));
            }
        }
        // What the run left as it was, or took back, and why.
        let locked = summary.locked_users.iter().map(|user| {
            format!(
                "locked user {}: the configuration no longer has it (it is never deleted)",
                printable(user)
            )
        });
        let left = summary.left_groups.iter().map(|membership| {
            format!("removed {}: the configuration no longer has it", printable(membership))
        });
        let alone = summary.left_alone.iter().map(|path| {
            format!(
                "left {} alone: it was changed since activation-manager made it",
                printable(&path.to_string_lossy())
            )
        });
        for note in locked.chain(left).chain(alone) {
            let _ = writeln!(text, "{} {note}", style.yellow("note:"));
        }
        if self.verbose && summary.lua_states > 0 {
            let _ = writeln!(
                text,
                "{} {} ran in {}",
                style.dim("Lua:"),
                count(summary.lua_chunks, "chunk", "chunks"),
                count(summary.lua_states, "Lua state", "Lua states"),
            );
        }
        for warning in &summary.warnings {
            let _ = writeln!(text, "{} {warning}", style.yellow("warning:"));
        }
        self.console.write(&text);
    }

    fn failure(&self, subject: &str, summary: &Summary) -> String {
        let ids: Vec<String> = summary
            .failed_required
            .iter()
            .filter_map(|&index| self.plan.nodes.get(index as usize))
            .map(|node| printable(&node.id).into_owned())
            .collect();
        let mut text = format!(
            "{}: required {} {} failed",
            self.style.red(&format!("{subject} failed")),
            if ids.len() == 1 { "node" } else { "nodes" },
            ids.join(", "),
        );
        if summary.not_run > 0 {
            let _ = write!(text, ", {} not run", count(summary.not_run, "node", "nodes"));
        }
        let problems = &summary.undo_problems;
        text.push_str(if self.dry_run {
            "; a real run would roll every change back\n"
        } else if problems.is_empty() {
            "; every change was rolled back\n"
        } else if crate::activate::undo::all_settled(problems) {
            "; every change was rolled back, except where a path now holds someone else's file:\n"
        } else {
            "; rolling back failed for:\n"
        });
        for problem in problems {
            let path = printable(&problem.path.to_string_lossy()).into_owned();
            let _ = writeln!(text, "  {path}: {}", problem.error);
        }
        text
    }

    /// What a node's outcome says, if anything.
    fn outcome(&mut self, node: &Node, outcome: &NodeOutcome) -> String {
        let style = self.style;
        match outcome {
            NodeOutcome::Linked { .. } | NodeOutcome::Ran | NodeOutcome::Dconf(_)
                if self.dry_run =>
            {
                String::new()
            }
            NodeOutcome::Linked { path, how: LinkHow::BackedUp(backup), .. } => format!(
                "{} {} to {}\n",
                style.yellow("backed up"),
                printable(&path.to_string_lossy()),
                printable(&backup.to_string_lossy())
            ),
            NodeOutcome::Linked { path, how: LinkHow::Forced, .. } => format!(
                "{} {}\n",
                style.yellow("replaced (force)"),
                printable(&path.to_string_lossy())
            ),
            NodeOutcome::Linked { path, how: LinkHow::Adopted(kept), .. } => format!(
                "{} {} (its file is kept as {} until it is no longer managed)\n",
                style.yellow("adopted"),
                printable(&path.to_string_lossy()),
                printable(&kept.to_string_lossy())
            ),
            NodeOutcome::Linked { path, how, copied } if self.verbose => {
                let verb = match (how, copied) {
                    (LinkHow::Replaced, _) => "replaced",
                    (_, true) => "copied",
                    (_, false) => "linked",
                };
                format!("{} {}\n", style.green(verb), printable(&path.to_string_lossy()))
            }
            NodeOutcome::Dconf(applied) => {
                let mut text = String::new();
                if self.verbose {
                    for path in &applied.written {
                        let _ = writeln!(
                            text,
                            "{} {}",
                            style.green("wrote dconf key"),
                            printable(path)
                        );
                    }
                }
                if applied.private_bus && !applied.written.is_empty() {
                    let _ = writeln!(text, "{} {PRIVATE_BUS}", style.yellow("note:"));
                }
                text
            }
            NodeOutcome::NotNeeded if self.verbose => {
                format!("{} {}: its files did not change\n", style.dim("not run"), describe(node))
            }
            NodeOutcome::NotNeeded => String::new(),
            // Unit changes are listed with the summary, with those made
            // outside the node.
            NodeOutcome::Units(_) => String::new(),
            NodeOutcome::Profile(_) if self.dry_run => String::new(),
            NodeOutcome::Profile(applied) => profile_done(applied, self.verbose, style),
            NodeOutcome::Accounts(applied) => {
                let mut text = String::new();
                for (verb, what) in [
                    ("created", &applied.created),
                    ("locked user", &applied.locked),
                    ("unlocked user", &applied.unlocked),
                    ("added", &applied.joined),
                    ("removed", &applied.left),
                ] {
                    for name in what {
                        let _ = writeln!(text, "{} {}", style.green(verb), printable(name));
                    }
                }
                for difference in &applied.differences {
                    let _ = writeln!(
                        text,
                        "{} {} (left as it is)",
                        style.yellow("note:"),
                        printable(difference)
                    );
                }
                if self.dry_run { String::new() } else { text }
            }
            NodeOutcome::Tmpfiles { removed } if self.verbose => {
                let mut text = String::new();
                let _ = writeln!(text, "{} {}", style.green("applied"), describe(node));
                if *removed > 0 {
                    let rules = count(*removed, "dropped rule", "dropped rules");
                    let _ =
                        writeln!(text, "{} {rules} of {}", style.green("removed"), describe(node));
                }
                text
            }
            NodeOutcome::Tmpfiles { .. } => String::new(),
            NodeOutcome::Lua { created, log } => {
                let mut text = lua_log(log, node, style);
                if self.dry_run {
                    self.chunks.push((node.id.clone(), created.clone()));
                } else if self.verbose {
                    let ids: Vec<String> =
                        created.iter().map(|id| printable(id).into_owned()).collect();
                    let made = match ids.len() {
                        0 => "creating no node".to_string(),
                        n => format!("creating {}: {}", count(n, "node", "nodes"), ids.join(", ")),
                    };
                    let _ = writeln!(text, "{} {}, {made}", style.green("ran"), describe(node));
                }
                text
            }
            // Its output was shown as it came.
            NodeOutcome::Ran if self.verbose => {
                format!("{} {}\n", style.green("ran"), describe(node))
            }
            NodeOutcome::Linked { .. } | NodeOutcome::Ran => String::new(),
            NodeOutcome::Failed(failure) => {
                let label = if node.required { "failed" } else { "failed (optional)" };
                let (reason, output) = reason(failure);
                let output = match output {
                    // Under --verbose it was shown as it came.
                    Some(output) if self.verbose && !output.is_empty() => {
                        "    (its output is above)\n".to_string()
                    }
                    Some(output) => indented(output),
                    None => String::new(),
                };
                let log = match failure {
                    Failure::Lua { log, .. } => lua_log(log, node, style),
                    _ => String::new(),
                };
                format!("{log}{} {}: {reason}\n{output}", style.red(label), describe(node))
            }
            NodeOutcome::Skipped { because } => {
                let cause = self.plan.nodes.get(*because as usize).map_or_else(
                    || format!("#{because}"),
                    |cause| printable(&cause.id).into_owned(),
                );
                format!(
                    "{} {}: depends on failed optional node {cause}\n",
                    style.yellow("skipped"),
                    describe(node)
                )
            }
        }
    }
}

impl Progress for ActivationReport<'_> {
    fn node_done(&mut self, node: &Node, outcome: &NodeOutcome, took: Duration) {
        if let Some(times) = &mut self.times {
            times.node(&node.id, took);
        }
        let file = matches!(outcome, NodeOutcome::Linked { .. })
            && matches!(node.kind, Kind::Link(_) | Kind::Copy(_));
        self.console.node_done(node, file);
        let text = self.outcome(node, outcome);
        self.console.write(&text);
    }

    fn layer_done(&mut self, layer: usize, took: Duration) {
        if let Some(times) = &mut self.times {
            times.layer(took);
        }
        self.console.layer_done();
        let layers = self.plan.layers.len();
        if !self.console.is_live() && layer + 1 < layers && self.started.elapsed() > PROGRESS_AFTER
        {
            self.console.write(&format!(
                "{} layer {}/{layers} done\n",
                self.style.dim("…"),
                layer + 1
            ));
        }
    }

    fn watcher(&self) -> Arc<dyn Watcher> {
        self.console.watcher()
    }
}

/// Under `--verbose`: what the activation did besides running nodes (the
/// static link, removals, dconf resets).
fn beyond_nodes(bundle: Option<&Path>, summary: &Summary, style: Style) -> String {
    let mut text = String::new();
    if summary.static_switched {
        let _ = match bundle {
            Some(bundle) => writeln!(
                text,
                "{} the static link to {}",
                style.green("switched"),
                printable(&bundle.join(am_schema::STATIC_DIR).to_string_lossy())
            ),
            None => writeln!(text, "{} the static link", style.green("removed")),
        };
    }
    for path in &summary.removed {
        let _ = writeln!(text, "{} {}", style.green("removed"), printable(&path.to_string_lossy()));
    }
    for key in &summary.dconf_reset {
        let _ = writeln!(text, "{} {}", style.green("reset dconf key"), printable(key));
    }
    text
}

/// Why a node failed, and the command's output if it ran.
fn reason(failure: &Failure) -> (String, Option<&[u8]>) {
    match failure {
        Failure::Link { path, error } => {
            (format!("could not link {}: {error}", printable(&path.to_string_lossy())), None)
        }
        Failure::EmptyArgv => ("the plan gives it no command to run".to_string(), None),
        Failure::Spawn { program, error } => {
            (format!("could not start {}: {error}", printable(&program.to_string_lossy())), None)
        }
        Failure::TimedOut { seconds, output } => (
            format!("timed out after {seconds}s; its process group was killed"),
            Some(output.as_slice()),
        ),
        Failure::Dconf { error } => (error.to_string(), None),
        Failure::Accounts { command, error } => (format!("{command} failed: {error}"), None),
        Failure::Tmpfiles { command, output } => {
            (format!("{command} failed"), Some(output.as_bytes()))
        }
        Failure::Bug(what) => {
            (format!("internal error: {what}; please report this as a bug"), None)
        }
        Failure::Lua { message, .. } => {
            // The traceback goes under the heading, like a command's output.
            let (first, rest) = message.split_once('\n').unwrap_or((message, ""));
            (format!("{first}\n{}", indented_text(rest)), None)
        }
        Failure::Taken { node, what, owner } => (
            format!(
                "it created {} for {}, which {} makes already; make each once",
                printable(node),
                printable(what),
                printable(owner)
            ),
            None,
        ),
        Failure::Conflicts { nodes, conflicts } => {
            let plan = Plan {
                role: am_schema::Role::Home,
                backup_extension: None,
                home_directory: None,
                nodes: nodes.clone(),
                layers: Vec::new(),
            };
            let listed = super::conflicts::render(conflicts, &plan);
            (format!("paths are in the way of nodes it created\n{listed}"), None)
        }
        Failure::Units(failed) => (super::units::failures(failed), None),
        Failure::Profile(failed) if failed.by_nix => (
            format!(
                "{}\n    hint: a package you installed yourself (nix-env -i, nix profile install) \
                 may provide a file of these packages: `nix-env -q` or `nix profile list` \
                 lists them, `nix-env -e NAME` or `nix profile remove NAME` removes one",
                failed.reason
            ),
            Some(failed.output.as_slice()),
        ),
        Failure::Profile(failed) => (failed.reason.clone(), None),
        Failure::Exit { status, output } => {
            let reason = match (status.code(), status.signal()) {
                (Some(code), _) => format!("exited with status {code}"),
                (None, Some(signal)) => format!("killed by signal {signal}"),
                (None, None) => format!("ended with {status}"),
            };
            (reason, Some(output.as_slice()))
        }
    }
}

/// A command's output, each line indented under the node's heading.
fn indented(output: &[u8]) -> String {
    let text = String::from_utf8_lossy(output);
    if text.trim().is_empty() {
        return "    (no output)\n".to_string();
    }
    indented_text(&text)
}

fn indented_text(text: &str) -> String {
    text.lines().map(|line| format!("    │ {}\n", line.trim_end_matches('\r'))).collect()
}

/// What a chunk said through `am.log` and `print`, one line each, with
/// its node's id.
fn lua_log(log: &[crate::lua::LogLine], node: &Node, style: Style) -> String {
    log.iter()
        .map(|line| {
            let (id, text) = (printable(&node.id), printable(&line.text));
            if line.warning {
                format!("{} {id}: {text}\n", style.yellow("warning:"))
            } else {
                format!("{} {text}\n", style.dim(&format!("{id} │")))
            }
        })
        .collect()
}

/// `3 links created, 1 replaced, 1 unchanged, 2 removed, 1 command run`.
fn changes(summary: &Summary) -> String {
    let mut parts: Vec<String> = Vec::new();
    let links = |n: usize, what: &str, parts: &mut Vec<String>| {
        if n > 0 {
            let noun = match (parts.is_empty(), n) {
                (false, _) => "",
                (true, 1) => "link ",
                (true, _) => "links ",
            };
            parts.push(format!("{n} {noun}{what}"));
        }
    };
    links(summary.links_created, "created", &mut parts);
    links(summary.links_replaced, "replaced", &mut parts);
    links(summary.links_unchanged, "unchanged", &mut parts);
    links(summary.removed.len(), "removed", &mut parts);
    if summary.backed_up > 0 {
        parts.push(count(summary.backed_up, "path backed up", "paths backed up"));
    }
    if summary.restored > 0 {
        parts.push(count(summary.restored, "original restored", "originals restored"));
    }
    if summary.copies_written > 0 {
        parts.push(count(summary.copies_written, "copy written", "copies written"));
    }
    if summary.dconf_written > 0 {
        parts.push(count(summary.dconf_written, "dconf key written", "dconf keys written"));
    }
    if !summary.dconf_reset.is_empty() {
        parts.push(count(summary.dconf_reset.len(), "dconf key reset", "dconf keys reset"));
    }
    parts.extend(super::units::counts(&summary.units));
    if let Some(packages) = &summary.packages {
        parts.push(match packages.counts() {
            counts if counts.is_empty() => "Nix profile updated".to_string(),
            counts => counts,
        });
    }
    if summary.commands_run > 0 {
        parts.push(count(summary.commands_run, "command run", "commands run"));
    }
    let mut text = if parts.is_empty() { "nothing".to_string() } else { parts.join(", ") };
    if let Some(number) = summary.generation {
        let _ = write!(text, " (generation {number})");
    }
    text
}

/// What the profile node did: the link to the profile it made, if it made
/// one, and under `--verbose` which packages changed.
fn profile_done(
    applied: &crate::activate::profile::Applied,
    verbose: bool,
    style: Style,
) -> String {
    let mut text = String::new();
    if applied.made_link {
        let _ = writeln!(
            text,
            "{} made {}, a link to the new Nix profile {}",
            style.yellow("note:"),
            printable(&applied.link.to_string_lossy()),
            printable(&applied.profile.to_string_lossy())
        );
    }
    let Some(changes) = applied.changes.as_ref().filter(|_| verbose) else {
        return text;
    };
    let _ = writeln!(
        text,
        "{} the Nix profile {}",
        style.green("updated"),
        printable(&applied.profile.to_string_lossy())
    );
    for change in changes.lines() {
        let _ = writeln!(text, "    {} {}", change.sign, printable(&change.text));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_links_once() {
        let summary = Summary {
            links_created: 3,
            links_replaced: 1,
            links_unchanged: 1,
            commands_run: 1,
            ..Summary::default()
        };
        assert_eq!(changes(&summary), "3 links created, 1 replaced, 1 unchanged, 1 command run");
        let summary = Summary { links_unchanged: 1, commands_run: 2, ..Summary::default() };
        assert_eq!(changes(&summary), "1 link unchanged, 2 commands run");
    }

    #[test]
    fn output_lines_are_indented_whole() {
        assert_eq!(indented(b"a\r\nb"), "    │ a\n    │ b\n");
        assert_eq!(indented(b"\n"), "    (no output)\n");
    }
}
