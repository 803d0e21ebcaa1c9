//! Everything `am` writes to the terminal: node outcomes as they finish,
//! the activation's summary, conflicts and errors on stderr; the output of
//! `am inspect` on stdout. No other module prints.
//!
//! Each message is formatted whole and written with one call, so the lines of
//! two messages never mix.

use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;

use am_schema::{Node, NodeIndex, Plan};

use crate::activate::precheck::{Conflict, Found, Wanted};
use crate::activate::{Failure, NodeOutcome, Progress, Status, Summary};
use crate::error::Error;
use crate::quote::printable;
use crate::style::Style;

/// Writes `text` to stdout. A closed pipe (`am inspect | head`) is not an
/// error worth a message.
pub fn stdout(text: &str) -> io::Result<()> {
    match io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The style for text written to stdout.
pub fn stdout_style() -> Style {
    Style::for_stream(&io::stdout())
}

fn stderr(text: &str) {
    // Nowhere is left to report a failing stderr to.
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Prints an error, in full: conflicts are listed one by one.
pub fn error(error: &Error, plan: Option<&Plan>) {
    let style = Style::for_stream(&io::stderr());
    let mut text = format!("{} {error}\n", style.red("error:"));
    if let (Error::Refused(conflicts), Some(plan)) = (error, plan) {
        for conflict in conflicts {
            text.push_str(&render_conflict(conflict, plan));
        }
    }
    stderr(&text);
}

fn render_conflict(conflict: &Conflict, plan: &Plan) -> String {
    let what = match &conflict.found {
        Found::File => "a file".to_string(),
        Found::Folder => "a folder".to_string(),
        Found::Special => "a special file (socket, fifo or device)".to_string(),
        Found::Link(content) => format!("a link to {}", printable(&content.to_string_lossy())),
        Found::Unreadable(error) => format!("cannot be checked ({error})"),
    };
    let node = |index: &NodeIndex| match plan.nodes.get(*index as usize) {
        Some(node) => describe(node),
        None => format!("node #{index}"),
    };
    let wanted = match &conflict.wanted_by {
        Wanted::Link(index) => format!("where {} puts a link", node(index)),
        Wanted::Folder(nodes) => {
            let first = nodes.first().map(node).unwrap_or_default();
            match nodes.len() {
                0 | 1 => format!("where {first} needs a folder"),
                n => format!("where {first} and {} more need a folder", n - 1),
            }
        }
        Wanted::StateDir => "where activation-manager keeps its state (a folder)".to_string(),
        Wanted::StaticLink => "where activation-manager keeps its link to the bundle".to_string(),
    };
    let fix = match (&conflict.found, &conflict.wanted_by) {
        (Found::Unreadable(_), _) => "make it readable for this user, or remove it",
        (_, Wanted::StateDir | Wanted::StaticLink) => "move it elsewhere or remove it yourself",
        (Found::Folder, _) => "move the folder elsewhere or remove it yourself",
        (Found::Link(_), Wanted::Link(_)) => {
            "remove the link yourself (activation-manager did not make it)"
        }
        (Found::Link(_), Wanted::Folder(_)) => {
            "replace the link by a real folder yourself (files are never placed \
             through a linked folder)"
        }
        _ => "move the file elsewhere or remove it yourself",
    };
    format!(
        "  {}\n    {what}, {wanted}\n    fix: {fix}, then activate again\n",
        printable(&conflict.path.to_string_lossy())
    )
}

/// `id (declared by option)`.
fn describe(node: &Node) -> String {
    format!("{} (declared by {})", printable(&node.id), printable(&node.declared_by))
}

/// Reports node outcomes while an activation runs.
#[derive(Debug)]
pub struct ActivationReport<'a> {
    plan: &'a Plan,
    style: Style,
    verbose: bool,
}

impl<'a> ActivationReport<'a> {
    pub fn new(plan: &'a Plan, verbose: bool) -> Self {
        ActivationReport { plan, style: Style::for_stream(&io::stderr()), verbose }
    }

    /// The last line: what the activation did.
    pub fn summary(&self, bundle: &Path, summary: &Summary) {
        let bundle = printable(&bundle.to_string_lossy()).into_owned();
        let style = self.style;
        let changes = changes(summary);
        let text = match summary.status() {
            Status::Done if summary.nothing_changed() => {
                format!("{} {bundle}: nothing to change\n", style.green("activated"))
            }
            Status::Done => format!("{} {bundle}: {changes}\n", style.green("activated")),
            Status::Partial => format!(
                "{} {bundle} with failures: {}, {} skipped; {changes}\n",
                style.yellow("activated"),
                count(
                    summary.failed_optional.len(),
                    "optional node failed",
                    "optional nodes failed"
                ),
                summary.skipped,
            ),
            Status::Failed => {
                let ids: Vec<String> = summary
                    .failed_required
                    .iter()
                    .filter_map(|&index| self.plan.nodes.get(index as usize))
                    .map(|node| printable(&node.id).into_owned())
                    .collect();
                let mut text = format!(
                    "{}: required {} {} failed",
                    style.red(&format!("activation of {bundle} failed")),
                    if ids.len() == 1 { "node" } else { "nodes" },
                    ids.join(", "),
                );
                if summary.not_run > 0 {
                    text.push_str(&format!(
                        ", {} not run",
                        count(summary.not_run, "node", "nodes")
                    ));
                }
                // What was changed before the failure stays changed (until
                // rollback exists); say so, but not when it is nothing.
                if summary.links_created + summary.links_replaced + summary.commands_run > 0 {
                    text.push_str(&format!("; applied before: {changes}"));
                }
                text.push('\n');
                text
            }
        };
        stderr(&text);
    }
}

impl Progress for ActivationReport<'_> {
    fn node_done(&mut self, node: &Node, outcome: &NodeOutcome) {
        let style = self.style;
        let text = match outcome {
            NodeOutcome::Linked { path, replaced } if self.verbose => {
                let verb = if *replaced { "replaced" } else { "linked" };
                format!("{} {}\n", style.green(verb), printable(&path.to_string_lossy()))
            }
            NodeOutcome::Ran { output } if self.verbose => {
                let output = if output.is_empty() { String::new() } else { indented(output) };
                format!("{} {}\n{output}", style.green("ran"), describe(node))
            }
            NodeOutcome::Linked { .. } | NodeOutcome::Ran { .. } => return,
            NodeOutcome::Failed(failure) => {
                let label = if node.required { "failed" } else { "failed (optional)" };
                let (reason, output) = reason(failure);
                let output = output.map(indented).unwrap_or_default();
                format!("{} {}: {reason}\n{output}", style.red(label), describe(node))
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
        stderr(&text);
    }
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
    text.lines().map(|line| format!("    │ {}\n", line.trim_end_matches('\r'))).collect()
}

/// `3 links created, 1 replaced, 1 unchanged, 1 command run`.
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
    if summary.commands_run > 0 {
        parts.push(count(summary.commands_run, "command run", "commands run"));
    }
    if parts.is_empty() { "nothing".to_string() } else { parts.join(", ") }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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
