//! Reporting one activation: node outcomes as they finish, the dry run's
//! list of changes, timings, and the summary line.

use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use am_schema::{Node, Plan};

use super::{describe, stderr, stderr_style};
use crate::activate::backend::{MoveReason, Planned};
use crate::activate::{Failure, LinkHow, NodeOutcome, Progress, Status, Summary};
use crate::quote::printable;
use crate::style::Style;

/// Said when dconf had to run without the user's session bus.
const PRIVATE_BUS: &str = "no session bus (DBUS_SESSION_BUS_ADDRESS is unset): dconf runs \
                           inside a private one (dbus-run-session)";

/// After this long, a progress line tells how far the layers have got.
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
    timings: Option<Vec<String>>,
    started: Instant,
}

impl<'a> ActivationReport<'a> {
    pub fn new(plan: &'a Plan, verbose: bool, dry_run: bool, timings: bool) -> Self {
        ActivationReport {
            plan,
            style: stderr_style(),
            verbose,
            dry_run,
            timings: timings.then(Vec::new),
            started: Instant::now(),
        }
    }

    /// Lists what a dry run would change, in order.
    pub fn dry_run(&self, planned: &[Planned]) {
        let path = |p: &Path| printable(&p.to_string_lossy()).into_owned();
        let mut text = String::new();
        let mut private = false;
        for change in planned {
            let line = match change {
                Planned::CreateDir(dir) => format!("create folder {}", path(dir)),
                Planned::CreateLink { path: at, content } => {
                    format!("create link {} -> {}", path(at), path(content))
                }
                Planned::ReplaceLink { path: at, content } => {
                    format!("replace link {} -> {}", path(at), path(content))
                }
                Planned::RemoveLink(at) => format!("remove link {}", path(at)),
                Planned::Move { from, why: MoveReason::RemoveCopy, .. } => {
                    format!("remove copy {}", path(from))
                }
                Planned::WriteCopy { path: at, mode } => {
                    format!("write copy {} (mode {mode:04o})", path(at))
                }
                Planned::DconfWrite { path, value, private_bus } => {
                    private |= private_bus;
                    format!("write dconf key {} = {}", printable(path), printable(value))
                }
                Planned::DconfReset { path, private_bus } => {
                    private |= private_bus;
                    format!("reset dconf key {}", printable(path))
                }
                Planned::Move { from, to, why: MoveReason::Backup } => {
                    format!("move {} to its backup {}", path(from), path(to))
                }
                Planned::Move { from, why: MoveReason::Trash, .. } => {
                    format!("replace {} (moved aside, deleted at the end)", path(from))
                }
                Planned::Move { from, to, why: MoveReason::Restore } => {
                    format!("restore {} from its backup {}", path(to), path(from))
                }
                Planned::RemoveDir(dir) => format!("remove folder {} if empty", path(dir)),
                Planned::Unit(change) => super::units::planned(change),
                Planned::Profile(switch) => profile_planned(switch, &self.style.dim("would")),
                Planned::Run { node, spec } => {
                    let mut argv = vec![spec.program.to_string_lossy().into_owned()];
                    argv.extend(spec.args.iter().cloned());
                    let line = crate::quote::shell_line(argv.iter().map(String::as_str));
                    format!("run {}: {line}", printable(node))
                }
                Planned::Commit { generation: Some(number), trash } if trash.is_empty() => {
                    format!("record generation {number}")
                }
                Planned::Commit { generation: Some(number), trash } => {
                    format!("record generation {number}, then delete {}", moved_aside(trash))
                }
                Planned::Commit { generation: None, trash } if !trash.is_empty() => {
                    format!("delete {}", moved_aside(trash))
                }
                Planned::Commit { .. } => continue,
            };
            let _ = writeln!(text, "{} {line}", self.style.dim("would"));
        }
        if private {
            let _ = writeln!(text, "{} {PRIVATE_BUS}", self.style.yellow("note:"));
        }
        stderr(&text);
    }

    /// The last line: what the activation did; timings before it if asked.
    pub fn summary(&self, bundle: Option<&Path>, summary: &Summary, dry_run: bool) {
        if let Some(lines) = &self.timings {
            let total = self.started.elapsed();
            stderr(&format!("{}{:>9}  total\n", lines.concat(), millis(total)));
        }
        let style = self.style;
        let what = match bundle {
            Some(bundle) => printable(&bundle.to_string_lossy()).into_owned(),
            None => "nothing (deactivated)".to_string(),
        };
        let changes = changes(summary);
        let verb = if dry_run { "dry run of" } else { "activated" };
        let mut text = match summary.status() {
            Status::Done if summary.nothing_changed() => {
                format!("{} {what}: nothing to change\n", style.green(verb))
            }
            Status::Done => format!("{} {what}: {changes}\n", style.green(verb)),
            Status::Partial => format!(
                "{} {what} with failures: {}, {} skipped; {changes}\n",
                style.yellow(verb),
                count(
                    summary.failed_optional.len(),
                    "optional node failed",
                    "optional nodes failed"
                ),
                summary.skipped,
            ),
            Status::Failed => self.failure(&what, summary),
        };
        for user in &summary.locked_users {
            let _ = writeln!(
                text,
                "{} locked user {}: the configuration no longer has it (it is never deleted)",
                style.yellow("note:"),
                printable(user)
            );
        }
        for path in &summary.left_alone {
            let _ = writeln!(
                text,
                "{} left {} alone: it was changed since activation-manager made it",
                style.yellow("note:"),
                printable(&path.to_string_lossy())
            );
        }
        if self.verbose && summary.lua_states > 0 {
            let _ = writeln!(
                text,
                "{} {} ran in {}",
                style.dim("lua:"),
                count(summary.lua_chunks, "chunk", "chunks"),
                count(summary.lua_states, "Lua state", "Lua states"),
            );
        }
        for warning in &summary.warnings {
            let _ = writeln!(text, "{} {warning}", style.yellow("warning:"));
        }
        text.insert_str(0, &super::units::done(summary, style, dry_run));
        stderr(&text);
    }

    fn failure(&self, what: &str, summary: &Summary) -> String {
        let ids: Vec<String> = summary
            .failed_required
            .iter()
            .filter_map(|&index| self.plan.nodes.get(index as usize))
            .map(|node| printable(&node.id).into_owned())
            .collect();
        let mut text = format!(
            "{}: required {} {} failed",
            self.style.red(&format!("activation of {what} failed")),
            if ids.len() == 1 { "node" } else { "nodes" },
            ids.join(", "),
        );
        if summary.not_run > 0 {
            let _ = write!(text, ", {} not run", count(summary.not_run, "node", "nodes"));
        }
        let problems = &summary.undo_problems;
        text.push_str(if problems.is_empty() {
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
}

impl Progress for ActivationReport<'_> {
    fn node_done(&mut self, node: &Node, outcome: &NodeOutcome, took: Duration) {
        if let Some(lines) = &mut self.timings {
            lines.push(format!("{:>9}  {}\n", millis(took), printable(&node.id)));
        }
        let style = self.style;
        let text = match outcome {
            NodeOutcome::Linked { .. } | NodeOutcome::Ran { .. } | NodeOutcome::Dconf(_)
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
                for (verb, what) in
                    [("created", &applied.created), ("locked user", &applied.locked)]
                        .into_iter()
                        .chain([("unlocked user", &applied.unlocked)])
                {
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
            NodeOutcome::Tmpfiles { created, removed } if self.verbose => {
                let mut text = String::new();
                if *created {
                    let _ = writeln!(text, "{} {}", style.green("applied"), describe(node));
                }
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
                if self.verbose || self.dry_run {
                    let verb = if self.dry_run { "would run" } else { "ran" };
                    let ids: Vec<String> =
                        created.iter().map(|id| printable(id).into_owned()).collect();
                    let made = match ids.len() {
                        0 => "creating no node".to_string(),
                        n => format!("creating {}: {}", count(n, "node", "nodes"), ids.join(", ")),
                    };
                    let _ = writeln!(text, "{} {}, {made}", style.green(verb), describe(node));
                }
                text
            }
            NodeOutcome::Ran { output } if self.verbose => {
                let output = if output.is_empty() { String::new() } else { indented(output) };
                format!("{} {}\n{output}", style.green("ran"), describe(node))
            }
            NodeOutcome::Linked { .. } | NodeOutcome::Ran { .. } => String::new(),
            NodeOutcome::Failed(failure) => {
                let label = if node.required { "failed" } else { "failed (optional)" };
                let (reason, output) = reason(failure);
                let output = output.map(indented).unwrap_or_default();
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
        };
        if !text.is_empty() {
            stderr(&text);
        }
    }

    fn layer_done(&mut self, layer: usize, took: Duration) {
        if let Some(lines) = &mut self.timings {
            lines.push(format!("{:>9}  layer {layer}\n", millis(took)));
        }
        let layers = self.plan.layers.len();
        if layer + 1 < layers && self.started.elapsed() > PROGRESS_AFTER {
            stderr(&format!("{} layer {}/{layers} done\n", self.style.dim("…"), layer + 1));
        }
    }
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
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
            let listed: String =
                conflicts.iter().map(|conflict| super::render_conflict(conflict, &plan)).collect();
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
            let label = if line.warning { style.yellow("warning:") } else { style.dim("lua:") };
            format!("{label} {}: {}\n", printable(&node.id), printable(&line.text))
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
    links(summary.removed, "removed", &mut parts);
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

/// The dry run's lines for a profile change: the link made to the profile,
/// then what is installed or removed with which tool, and every package
/// the profile gains or loses. `would` starts each line after the first.
fn profile_planned(switch: &crate::activate::profile::Switch, would: &str) -> String {
    let path = |p: &Path| printable(&p.to_string_lossy()).into_owned();
    let mut lines = Vec::new();
    if let Some((link, profile)) = &switch.link {
        lines.push(format!("create link {} -> {} (the Nix profile)", path(link), path(profile)));
    }
    let tool = switch.format.tool();
    let profile = path(&switch.profile);
    match &switch.install {
        Some(tree) => lines
            .push(format!("install {} into the Nix profile {profile} ({tool})", printable(tree))),
        None if !switch.remove.is_empty() => {
            let old: Vec<String> =
                switch.remove.iter().map(|o| printable(o).into_owned()).collect();
            lines.push(format!("remove {} from the Nix profile {profile} ({tool})", old.join(", ")))
        }
        None => {}
    }
    let mut text = lines.join(&format!("\n{would} "));
    for change in switch.changes.lines() {
        let _ = write!(text, "\n      {} {}", change.sign, printable(&change.text));
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

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "the 2 paths moved aside": their names are the activation's own.
fn moved_aside(trash: &[PathBuf]) -> String {
    match trash.len() {
        1 => "the path moved aside".to_string(),
        n => format!("the {n} paths moved aside"),
    }
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
