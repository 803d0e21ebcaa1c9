//! The shape `am diff` and a dry run share: one summary line, then the
//! details in groups (files, units, dconf keys, packages, commands), each line
//! marked `+` (new), `-` (gone) or `~` (changed), so that what one shows
//! reads like the other.

use std::fmt::Write as _;

use crate::activate::profile::PackageChanges;
use crate::quote::printable;
use crate::style::Style;

/// The groups changes are listed in, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Files,
    Units,
    Dconf,
    /// The packages of the profile node.
    Packages,
    Commands,
}

impl Group {
    fn heading(self) -> &'static str {
        match self {
            Group::Files => "files",
            Group::Units => "units",
            Group::Dconf => "dconf",
            Group::Packages => "packages",
            Group::Commands => "commands",
        }
    }
}

/// One group: its counts for the summary line, and its detail lines.
#[derive(Debug)]
pub struct Section {
    pub group: Group,
    /// `1 added`, `2 to restart`: shown as `files: 1 added, ...`.
    pub counts: Vec<String>,
    /// Each line as it is printed below the group's heading, without the
    /// indentation.
    pub lines: Vec<String>,
}

impl Section {
    pub fn new(group: Group) -> Section {
        Section { group, counts: Vec::new(), lines: Vec::new() }
    }

    /// Adds `n <what>` to the counts, when `n` is not zero.
    pub fn count(&mut self, n: usize, what: &str) {
        if n > 0 {
            self.counts.push(format!("{n} {what}"));
        }
    }
}

/// How a line is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Added,
    Removed,
    Changed,
    /// Not a change, but something that happens (a command that runs).
    Same,
}

/// The mark at the start of a detail line.
pub fn mark(mark: Mark, style: Style) -> String {
    match mark {
        Mark::Added => style.green("+"),
        Mark::Removed => style.red("-"),
        Mark::Changed => style.yellow("~"),
        Mark::Same => " ".to_string(),
    }
}

/// `files: 1 added, 1 changed · commands: 2 to run`; `None` when no group
/// has anything to count.
pub fn summary(sections: &[Section]) -> Option<String> {
    let parts: Vec<String> = sections
        .iter()
        .filter(|section| !section.counts.is_empty())
        .map(|section| format!("{}: {}", section.group.heading(), section.counts.join(", ")))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Every group that has lines: its heading, then its lines indented.
pub fn details(sections: &[Section], style: Style) -> String {
    let mut text = String::new();
    for section in sections.iter().filter(|section| !section.lines.is_empty()) {
        let _ = writeln!(text, "{}", style.bold(section.group.heading()));
        for line in &section.lines {
            let _ = writeln!(text, "  {line}");
        }
    }
    text
}

/// The packages a profile gains, loses or changes: counted, and a line
/// each.
pub fn packages(section: &mut Section, changes: &PackageChanges, style: Style) {
    section.count(changes.added.len(), "added");
    section.count(changes.removed.len(), "removed");
    section.count(changes.changed.len(), "changed");
    for line in changes.lines() {
        let sign = match line.sign {
            '+' => Mark::Added,
            '-' => Mark::Removed,
            _ => Mark::Changed,
        };
        section.lines.push(format!("{} {}", self::mark(sign, style), printable(&line.text)));
    }
}

/// `1 key` / `2 keys`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
