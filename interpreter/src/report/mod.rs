//! Everything `am` writes to the terminal: node outcomes as they finish,
//! the activation's summary, conflicts and errors on stderr; the output of
//! `am inspect` on stdout. No other module prints.
//!
//! Each message is formatted whole and written with one call, so the lines of
//! two messages never mix.

mod activation;
mod conflicts;
pub mod diff;
pub mod dry_run;
pub mod lifecycle;
mod live;
mod sections;
mod timings;
mod units;

use std::io::{self, Write};

use am_schema::{Node, Plan};

pub use self::activation::ActivationReport;
pub use self::sections::count;
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

/// Prints an error, in full: conflicts are listed, grouped.
pub fn error(error: &Error, plan: Option<&Plan>) {
    let style = Style::for_stream(&io::stderr());
    let mut text = format!("{} {error}\n", style.red("error:"));
    if let (Error::Refused(conflicts), Some(plan)) = (error, plan) {
        text.push_str(&conflicts::refused(conflicts, plan));
    }
    stderr(&text);
}

/// Asks `question` on stderr and reads one line of answer from stdin;
/// an unreadable stdin answers nothing.
pub fn ask(question: &str) -> String {
    stderr(question);
    let mut answer = String::new();
    if io::stdin().read_line(&mut answer).is_err() {
        answer.clear();
    }
    answer
}

/// Said once when another activation of this home holds the lock.
pub fn waiting_for_lock() {
    note("waiting for another activation of this home to finish");
}

/// A step of `am switch` and the command line that does it, said before
/// it runs, so that its own output below has a heading.
pub fn step(what: &str, command: &str) {
    let style = stderr_style();
    stderr(&format!("{} {what}\n    {}\n", style.bold("==>"), style.dim(command)));
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
