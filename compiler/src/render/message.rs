//! The shape every message has: an `error:` headline, indented lines (the
//! node's provenance, tables), and a `hint:`; and the words that name a
//! node in it.

use std::fmt::Write;

use crate::error::NodeRef;

/// Most rows a table lists before it says how many more there are.
const MAX_ROWS: usize = 5;

/// Accumulates the lines of one message.
#[derive(Default)]
pub(super) struct Message {
    text: String,
}

impl Message {
    /// The message's lines, each ending in a newline.
    pub(super) fn into_text(self) -> String {
        self.text
    }

    pub(super) fn error(&mut self, headline: String) {
        let _ = writeln!(self.text, "error: {headline}");
    }

    /// The headline of a problem with one node, and where it was declared.
    pub(super) fn node_error(&mut self, node: &NodeRef, problem: String) {
        self.error(format!("{}: {problem}", subject(node)));
        if let Some(origin) = origin(node) {
            self.line(origin);
        }
    }

    pub(super) fn line(&mut self, line: String) {
        let _ = writeln!(self.text, "  {line}");
    }

    /// One line per node: its id and the option that declared it.
    pub(super) fn nodes(&mut self, nodes: &[NodeRef]) {
        for node in nodes {
            let by = node.declared_by.as_deref().map(|by| format!(" (declared by {by})"));
            self.line(format!("`{}`{}", id_or_position(node), by.unwrap_or_default()));
        }
    }

    pub(super) fn hint(&mut self, hint: impl AsRef<str>) {
        let _ = writeln!(self.text, "  hint: {}", hint.as_ref());
    }

    /// Rows with aligned columns, cut to `MAX_ROWS` so a large conflict does
    /// not push everything else out of Nix's short log tail.
    pub(super) fn table(&mut self, rows: Vec<Vec<String>>) {
        self.table_of_at_most(rows, MAX_ROWS);
    }

    pub(super) fn table_of_at_most(&mut self, rows: Vec<Vec<String>>, limit: usize) {
        let shown = if rows.len() > limit.saturating_add(1) { limit } else { rows.len() };
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| rows[..shown].iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max())
            .map(Option::unwrap_or_default)
            .collect();
        for row in &rows[..shown] {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    let _ = write!(line, "{cell:<width$}  ", width = widths[c]);
                }
            }
            self.line(line.trim_end().to_string());
        }
        if shown < rows.len() {
            self.line(format!("... and {} more", rows.len() - shown));
        }
    }
}

/// "link node `file:.vimrc`", or "node #3" when the node has no id.
pub(super) fn subject(node: &NodeRef) -> String {
    let kind = node.kind.map(|k| format!("{k} ")).unwrap_or_default();
    match &node.id {
        Some(id) => format!("{kind}node `{id}`"),
        None => format!("{kind}node #{}", node.position),
    }
}

pub(super) fn id_or_position(node: &NodeRef) -> String {
    node.id.clone().unwrap_or_else(|| format!("#{}", node.position))
}

/// "declared by home.file.".vimrc" in /home/me/home.nix", as far as known.
pub(super) fn origin(node: &NodeRef) -> Option<String> {
    let files = list(&node.defined_in);
    match (&node.declared_by, files.is_empty()) {
        (Some(option), true) => Some(format!("declared by {option}")),
        (Some(option), false) => Some(format!("declared by {option} in {files}")),
        (None, false) => Some(format!("defined in {files}")),
        (None, true) => None,
    }
}

/// `home.file."x".target`: the option that declared the node, then the
/// path of a field below it.
pub(super) fn option_path(node: &NodeRef, field: &str) -> String {
    match node.declared_by.as_deref() {
        // `dconf.settings` declares its node as the settings themselves.
        Some(option) if option.ends_with(".settings") => match field.strip_prefix("settings") {
            Some(rest) => format!("{option}{rest}"),
            None => format!("{option}.{field}"),
        },
        Some(option) => format!("{option}.{field}"),
        None => field.to_string(),
    }
}

/// Like [`origin`], for table cells: never empty.
pub(super) fn declared(node: &NodeRef) -> String {
    origin(node).unwrap_or_else(|| format!("node #{} of the input", node.position))
}

pub(super) fn list(items: &[String]) -> String {
    if items.len() > MAX_ROWS + 1 {
        format!("{}, and {} more", items[..MAX_ROWS].join(", "), items.len() - MAX_ROWS)
    } else {
        items.join(", ")
    }
}
