//! The paths in the way of an activation, grouped so that the report stays
//! short whatever their number: one group per option that wants them (and
//! per kind of problem), its paths listed one by one when they are few and
//! by folder when they are many (a `recursive` folder in the way of ten
//! thousand links is one folder), each fix said once, and the count last,
//! where it is seen.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use am_schema::{CopySource, Kind, Node, NodeIndex, Plan};

use super::sections::count;
use crate::activate::precheck::{Conflict, Found, Wanted};
use crate::quote::printable;

/// Most paths a group lists one by one; more are listed by folder.
const PATHS: usize = 10;

/// Most folders a group lists; more are counted.
const FOLDERS: usize = 12;

/// The grouped report of `conflicts`, whose nodes are `plan`'s.
pub fn render(conflicts: &[Conflict], plan: &Plan) -> String {
    let mut groups: BTreeMap<Key, Vec<&Conflict>> = BTreeMap::new();
    for conflict in conflicts {
        groups.entry(key(conflict, plan)).or_default().push(conflict);
    }
    let mut text = String::new();
    let mut forcible = false;
    for (key, members) in &groups {
        forcible |= matches!(key, Key::Link { .. });
        text.push_str(&group(key, members));
    }
    if forcible {
        text.push_str(
            "  or keep what is in the way of files: `am.backupFileExtension = \"bak\";` in the \
             configuration\n  (or --backup-ext bak for one activation) moves each to <path>.bak, \
             and back when it is no longer managed\n",
        );
    }
    text
}

/// The report of a refused activation: the groups, then the count.
pub fn refused(conflicts: &[Conflict], plan: &Plan) -> String {
    let n = count(conflicts.len(), "path", "paths");
    format!(
        "{}{n} in the way; nothing was changed: activate again after a fix\n",
        render(conflicts, plan)
    )
}

/// What the paths of one group have in common: the fix.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// A backup the backup extension would overwrite exists already.
    BackupTaken,
    /// A node of this option wants a link (or copy); `lua` names the `am`
    /// function when a Lua chunk made it.
    Link {
        option: String,
        lua: Option<&'static str>,
    },
    /// Link nodes of this option need a folder here; `link`: a link is
    /// there.
    Folder {
        option: String,
        link: bool,
    },
    Unreadable,
    StateFolder,
    StateDir,
    StaticLink,
}

fn key(conflict: &Conflict, plan: &Plan) -> Key {
    let node = |index: &NodeIndex| plan.nodes.get(*index as usize);
    let option = |node: Option<&Node>| {
        node.map_or_else(|| "a node".to_string(), |node| printable(&node.declared_by).into_owned())
    };
    if conflict.backup_taken.is_some() {
        return Key::BackupTaken;
    }
    match (&conflict.found, &conflict.wanted_by) {
        (Found::Unreadable(_), _) => Key::Unreadable,
        (Found::StateFolder, _) => Key::StateFolder,
        (_, Wanted::Link(index)) => {
            Key::Link { option: option(node(index)), lua: node(index).and_then(created_by_lua) }
        }
        (found, Wanted::Folder(nodes)) => Key::Folder {
            option: option(nodes.first().and_then(node)),
            link: matches!(found, Found::Link(_)),
        },
        (_, Wanted::StateDir) => Key::StateDir,
        (_, Wanted::StaticLink) => Key::StaticLink,
    }
}

/// One group: what wants the paths, the paths, and the fix.
fn group(key: &Key, members: &[&Conflict]) -> String {
    let them = if members.len() == 1 { "it" } else { "them" };
    let (heading, fix) = match key {
        Key::BackupTaken => (
            "their backups exist already".to_string(),
            format!("move the old backups away, or pass --overwrite-backup to replace {them}"),
        ),
        Key::Link { option, lua: None } => (
            format!("{option} puts its files here"),
            format!("move {them} away yourself, or set {option}.force = true to replace {them}"),
        ),
        Key::Link { option, lua: Some(function) } => (
            format!("{option} creates files here with {function}"),
            format!(
                "move {them} away yourself, or set force = true in its {function}{{...}} call to \
                 replace {them}"
            ),
        ),
        Key::Folder { option, link: false } => (
            format!(
                "{option} needs {} here",
                if members.len() == 1 { "a folder" } else { "folders" }
            ),
            format!("move {them} elsewhere or remove {them} yourself"),
        ),
        Key::Folder { option, link: true } => (
            format!(
                "{option} needs {} here",
                if members.len() == 1 { "a folder" } else { "folders" }
            ),
            format!(
                "replace {them} by {} yourself (files are never placed through a linked folder)",
                if members.len() == 1 { "a real folder" } else { "real folders" }
            ),
        ),
        Key::Unreadable => (
            "these cannot be checked".to_string(),
            format!("make {them} readable for this user, or remove {them}"),
        ),
        Key::StateFolder => (
            "these targets are in activation-manager's state folder".to_string(),
            "give the files other targets; $XDG_STATE_HOME/activation-manager holds only its \
             own records"
                .to_string(),
        ),
        Key::StateDir => (
            "activation-manager keeps its state here (a folder)".to_string(),
            format!("move {them} elsewhere or remove {them} yourself"),
        ),
        Key::StaticLink => (
            "activation-manager keeps its link to the bundle here".to_string(),
            format!("move {them} elsewhere or remove {them} yourself"),
        ),
    };
    let mut text = format!("  {heading}:\n");
    if members.len() <= PATHS {
        for conflict in members {
            let _ = writeln!(text, "    {}  ({})", shown(&conflict.path), found(conflict));
        }
    } else {
        text.push_str(&by_folder(members));
    }
    let _ = writeln!(text, "    fix: {fix}");
    text
}

/// Many paths as one line per folder that holds them.
fn by_folder(members: &[&Conflict]) -> String {
    let mut folders: BTreeMap<&Path, Vec<&Conflict>> = BTreeMap::new();
    for conflict in members {
        folders.entry(conflict.path.parent().unwrap_or(Path::new("/"))).or_default().push(conflict);
    }
    let mut text = String::new();
    for (folder, inside) in folders.iter().take(FOLDERS) {
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for conflict in inside {
            *kinds.entry(noun(&conflict.found)).or_default() += 1;
        }
        let kinds: Vec<String> =
            kinds.into_iter().map(|(noun, n)| count(n, noun, &format!("{noun}s"))).collect();
        let _ = writeln!(text, "    {}/  {}", shown(folder), kinds.join(", "));
    }
    if folders.len() > FOLDERS {
        let rest: usize = folders.values().skip(FOLDERS).map(Vec::len).sum();
        let more = count(folders.len() - FOLDERS, "folder", "folders");
        let _ = writeln!(text, "    … and {} in {more} more", count(rest, "path", "paths"));
    }
    text
}

/// What is at a conflicting path.
fn found(conflict: &Conflict) -> String {
    let backup = conflict
        .backup_taken
        .as_ref()
        .map(|backup| format!("; its backup {} exists", printable(&backup.to_string_lossy())));
    let what = match &conflict.found {
        Found::Link(content) => format!("a link to {}", printable(&content.to_string_lossy())),
        Found::Unreadable(error) => format!("cannot be checked: {error}"),
        Found::StateFolder => "activation-manager's own state folder".to_string(),
        other => format!("a {}", noun(other)),
    };
    what + &backup.unwrap_or_default()
}

fn noun(found: &Found) -> &'static str {
    match found {
        Found::File => "file",
        Found::Folder => "folder",
        Found::Special => "special file",
        Found::Link(_) => "link",
        Found::Unreadable(_) => "unreadable path",
        Found::StateFolder => "state folder",
    }
}

fn shown(path: &Path) -> String {
    printable(&path.to_string_lossy()).into_owned()
}

/// The `am` function that created a node at run time, if Lua made it.
fn created_by_lua(node: &Node) -> Option<&'static str> {
    match &node.kind {
        Kind::Link(link) if link.source.is_some() => Some("am.link"),
        Kind::Copy(copy) if copy.source != CopySource::Static => Some("am.copy"),
        _ => None,
    }
}
