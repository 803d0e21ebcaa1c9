//! What the commands of a generation's life say beyond an activation's
//! summary: where a rollback went.

use super::{stderr, stderr_style};

/// `rolled back from 3 to 2`, after the summary of the rollback's
/// activation. `from` is `None` after `am deactivate`; `recorded` is the
/// new generation the rollback made, if it made one.
pub fn rolled_back(from: Option<u64>, to: u64, recorded: Option<u64>, dry_run: bool) {
    stderr(&rollback_line(from, to, recorded, dry_run, stderr_style()));
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
}
