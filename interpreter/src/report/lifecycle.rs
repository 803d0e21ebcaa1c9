//! What the commands of a generation's life say beyond an activation's
//! summary: where a rollback went, and how to undo a deactivation.

use std::path::Path;

use super::{note, stderr, stderr_style};
use crate::quote::printable;

/// `rolled back from 3 to 2`, after the summary of the rollback's
/// activation. `from` is `None` after `am deactivate`; `recorded` is the
/// new generation the rollback made, if it made one.
pub fn rolled_back(from: Option<u64>, to: u64, recorded: Option<u64>, dry_run: bool) {
    stderr(&rollback_line(from, to, recorded, dry_run, stderr_style()));
}

/// After `am deactivate`: how to bring generation `number` back, with the
/// `am` of its bundle when the deactivation took `am` itself off `PATH`
/// (`am.command` installs it with the home).
pub fn deactivated(number: u64, bundle: &Path) {
    note(&deactivated_line(number, bundle));
}

fn deactivated_line(number: u64, bundle: &Path) -> String {
    let own = bundle.join(am_schema::AM_COMMAND);
    let mut text = format!("`am rollback` activates generation {number} again");
    if own.exists() {
        text.push_str(&format!(
            "; if am has left your PATH with it, run {} rollback",
            printable(&own.to_string_lossy())
        ));
    }
    text
}

fn rollback_line(
    from: Option<u64>,
    to: u64,
    recorded: Option<u64>,
    dry_run: bool,
    style: crate::style::Style,
) -> String {
    let from = from.map_or_else(|| "none (deactivated)".to_string(), |from| from.to_string());
    if dry_run {
        return format!("would roll back from {from} to {to}\n");
    }
    let after = match recorded {
        Some(number) => format!(" (recorded as generation {number})"),
        None => ", whose bundle is the current one's: nothing new was recorded".to_string(),
    };
    format!("{} from {from} to {to}{after}\n", style.green("rolled back"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::Style;

    #[test]
    fn a_rollback_says_where_from_and_where_to() {
        let line =
            |from, recorded, dry_run| rollback_line(from, 2, recorded, dry_run, Style::PLAIN);
        assert_eq!(
            line(Some(3), Some(4), false),
            "rolled back from 3 to 2 (recorded as generation 4)\n"
        );
        assert_eq!(
            line(None, Some(4), false),
            "rolled back from none (deactivated) to 2 (recorded as generation 4)\n"
        );
        assert_eq!(line(Some(3), None, true), "would roll back from 3 to 2\n");
    }

    #[test]
    fn a_deactivation_says_how_to_come_back() {
        let gone = Path::new("/nonexistent/bundle");
        assert_eq!(deactivated_line(3, gone), "`am rollback` activates generation 3 again");
        let bundle = std::env::temp_dir().join(format!("am-deactivated-{}", std::process::id()));
        std::fs::create_dir_all(bundle.join("bin")).expect("writable");
        std::fs::write(bundle.join("bin/am"), "").expect("writable");
        let line = deactivated_line(3, &bundle);
        assert!(line.ends_with(&format!("run {}/bin/am rollback", bundle.display())), "{line}");
        let _ = std::fs::remove_dir_all(&bundle);
    }
}
