//! Everything `am` writes to the terminal: node outcomes as they finish,
//! the activation's summary, conflicts and errors on stderr; the output of
//! `am inspect` on stdout. No other module prints.
//!
//! Each message is formatted whole and written with one call, so the lines of
//! two messages never mix.

mod activation;
pub mod lifecycle;
mod units;

use std::io::{self, Write};

use am_schema::{CopySource, Kind, Node, NodeIndex, Plan};

pub use self::activation::ActivationReport;
use crate::activate::precheck::{Conflict, Found, Wanted};
use crate::activate::recover::Recovered;
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

fn stderr_style() -> Style {
    Style::for_stream(&io::stderr())
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

pub(crate) fn render_conflict(conflict: &Conflict, plan: &Plan) -> String {
    let what = match &conflict.found {
        Found::File => "a file".to_string(),
        Found::Folder => "a folder".to_string(),
        Found::Special => "a special file (socket, fifo or device)".to_string(),
        Found::Link(content) => format!("a link to {}", printable(&content.to_string_lossy())),
        Found::Unreadable(error) => format!("cannot be checked ({error})"),
        Found::StateFolder => "activation-manager's own state folder".to_string(),
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
    if let Some(backup) = &conflict.backup_taken {
        return format!(
            "  {}\n    {what}, {wanted}, and its backup {} exists already\n    \
             fix: move the old backup away, or pass --overwrite-backup to replace it\n",
            printable(&conflict.path.to_string_lossy()),
            printable(&backup.to_string_lossy()),
        );
    }
    let fix = match (&conflict.found, &conflict.wanted_by) {
        (Found::Unreadable(_), _) => "make it readable for this user, or remove it",
        (Found::StateFolder, _) => {
            "give the file another target; activation-manager's state folder \
             ($XDG_STATE_HOME/activation-manager) holds only its own records"
        }
        (_, Wanted::Link(index)) => {
            let node = plan.nodes.get(*index as usize);
            let option = node.map(|n| match created_by_lua(n) {
                Some(function) => format!("force = true in its {function}{{...}} call"),
                None => format!("{}.force = true", printable(&n.declared_by)),
            });
            let name = conflict.path.file_name().unwrap_or_default().to_string_lossy();
            return format!(
                "  {}\n    {what}, {wanted}\n    fix: move it away yourself, or set \
                 {} to replace it,\n         or activate with --backup-ext EXT \
                 to keep it as {}.EXT; then activate again\n",
                printable(&conflict.path.to_string_lossy()),
                option.unwrap_or_default(),
                printable(&name),
            );
        }
        (_, Wanted::StateDir | Wanted::StaticLink) => "move it elsewhere or remove it yourself",
        (Found::Folder, _) => "move the folder elsewhere or remove it yourself",
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

/// The `am` function that created a node at run time, if Lua made it.
fn created_by_lua(node: &am_schema::Node) -> Option<&'static str> {
    match &node.kind {
        Kind::Link(link) if link.source.is_some() => Some("am.link"),
        Kind::Copy(copy) if copy.source != CopySource::Static => Some("am.copy"),
        _ => None,
    }
}

/// Said once when another activation of this home holds the lock.
pub fn waiting_for_lock() {
    note("waiting for another activation of this home to finish");
}

/// A one-line note on stderr.
pub fn note(text: &str) {
    stderr(&format!("{} {text}\n", stderr_style().yellow("note:")));
}

/// What recovering an interrupted activation did.
pub fn recovered(recovered: &Recovered) {
    match recovered {
        Recovered::Finished { generation } => note(&format!(
            "finished the clean-up of generation {generation}, which was interrupted"
        )),
        Recovered::RolledBack { generation, problems } => {
            note(&format!(
                "the activation of generation {generation} was interrupted; it was rolled back"
            ));
            for problem in problems {
                note(&format!(
                    "could not restore {}: {}",
                    printable(&problem.path.to_string_lossy()),
                    problem.error
                ));
            }
        }
    }
}

/// `id (declared by option)`.
fn describe(node: &Node) -> String {
    format!("{} (declared by {})", printable(&node.id), printable(&node.declared_by))
}
