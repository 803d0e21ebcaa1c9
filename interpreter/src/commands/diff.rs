//! `am diff OLD NEW`: what activating bundle NEW over bundle OLD would
//! change, target by target and command by command, without a home.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use am_schema::{Exec, Kind, Plan, STATIC_DIR};

use crate::bundle::{Bundle, open_folder};
use crate::error::Result;
use crate::quote::printable;
use crate::style::Style;

pub fn run(old: &Path, new: &Path, style: Style) -> Result<String> {
    let (old, new) = (open_folder(old)?, open_folder(new)?);
    let old_links = links(&old.plan);
    let new_links = links(&new.plan);
    let mut lines = Vec::new();
    for target in old_links.difference(&new_links) {
        lines.push(format!("{} ~/{}  removed", style.red("-"), printable(target)));
    }
    for target in &new_links {
        if !old_links.contains(target) {
            lines.push(format!("{} ~/{}  added", style.green("+"), printable(target)));
        } else if !same_static(&old, &new, target) {
            lines.push(format!("{} ~/{}  content changed", style.yellow("~"), printable(target)));
        }
    }
    let old_execs = execs(&old.plan);
    let new_execs = execs(&new.plan);
    for id in old_execs.keys().filter(|id| !new_execs.contains_key(*id)) {
        lines.push(format!("{} command {}  removed", style.red("-"), printable(id)));
    }
    for (id, exec) in &new_execs {
        match old_execs.get(id) {
            None => lines.push(format!("{} command {}  added", style.green("+"), printable(id))),
            Some(old) if old != exec => {
                lines.push(format!("{} command {}  changed", style.yellow("~"), printable(id)))
            }
            Some(_) => {}
        }
    }
    let mut text = String::new();
    if lines.is_empty() {
        text.push_str("no differences in targets or commands\n");
    }
    for line in lines {
        let _ = writeln!(text, "{line}");
    }
    Ok(text)
}

fn links(plan: &Plan) -> BTreeSet<&str> {
    plan.nodes
        .iter()
        .filter_map(|node| match &node.kind {
            Kind::Link(link) => Some(link.target.as_str()),
            Kind::Exec(_) => None,
        })
        .collect()
}

fn execs(plan: &Plan) -> BTreeMap<&str, &Exec> {
    plan.nodes
        .iter()
        .filter_map(|node| match &node.kind {
            Kind::Exec(exec) => Some((node.id.as_str(), exec)),
            Kind::Link(_) => None,
        })
        .collect()
}

/// Whether a target's static entry is the same in both bundles: the same
/// link, or a file with the same bytes and mode.
fn same_static(old: &Bundle, new: &Bundle, target: &str) -> bool {
    let (a, b) = (old.root.join(STATIC_DIR).join(target), new.root.join(STATIC_DIR).join(target));
    if let (Ok(a), Ok(b)) = (std::fs::read_link(&a), std::fs::read_link(&b)) {
        return a == b;
    }
    let mode = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).map(|m| m.permissions().mode()).ok()
    };
    mode(&a) == mode(&b)
        && matches!((std::fs::read(&a), std::fs::read(&b)), (Ok(x), Ok(y)) if x == y)
}
