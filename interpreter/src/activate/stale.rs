//! Removing what the previous generation had and the new plan drops: our
//! links and unedited copies go (a rollback writes a copy again from the
//! previous bundle), the users' originals we had backed up come back, and
//! folders we created are pruned once empty (never the home).

use std::collections::{BTreeSet, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use am_schema::is_within;
use am_schema::state::JournalEntry;

use super::Summary;
use super::backend::{Backend, Expect, MoveReason};
use super::ownership::Ownership;
use super::precheck::{Removal, StaleStep};
use super::task::moved;
use crate::place::Place;

/// Removes `steps`, recording in `ownership` what the commit finishes: the
/// copies moved to the trash, and the folders that held them.
pub fn remove(
    steps: &[StaleStep],
    needed: &HashSet<&str>,
    ownership: &mut Ownership,
    home: &Place,
    backend: &impl Backend,
    summary: &mut Summary,
) -> io::Result<()> {
    let text = |p: &Path| p.to_string_lossy().into_owned();
    let mut entries = Vec::new();
    for step in steps {
        match &step.remove {
            Some(Removal::Link { content, .. }) => entries.push(JournalEntry::LinkReplaced {
                path: text(&step.path),
                previous: text(content),
                content: None,
            }),
            Some(Removal::Copy { to, .. }) => entries.push(moved(&step.path, to, true)),
            None => {}
        }
        if let Some(backup) = &step.restore {
            entries.push(moved(backup, &step.path, false));
        }
    }
    backend.record(entries)?;
    let mut restored = HashSet::new();
    for step in steps {
        // Looked at once more as it goes: what changed since the pre-check
        // is the user's, and stays.
        let removed = match &step.remove {
            Some(Removal::Link { content, aside }) => {
                backend.remove_symlink(&step.path, content, aside)?
            }
            Some(Removal::Copy { to, hash }) => {
                backend.rename(&step.path, to, MoveReason::RemoveCopy, &Expect::Copy(*hash))?
            }
            None => false,
        };
        if removed {
            summary.removed.push(step.path.clone());
        } else {
            summary.left_alone.push(step.path.clone());
        }
        if let Some(backup) = step.restore.as_ref().filter(|_| removed || step.remove.is_none()) {
            match backend.rename(backup, &step.path, MoveReason::Restore, &Expect::Anything) {
                Ok(_) => {
                    summary.restored += 1;
                    restored.insert(step.target.as_str());
                }
                // Something new is in its place: the original stays at its
                // backup, and the report says so.
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    summary.left_alone.push(backup.clone());
                }
                // The user removed the backup: nothing to put back.
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err(error),
            }
        }
    }
    let waiting = prune(steps, needed, &restored, &mut ownership.created_dirs, home, backend);
    ownership.prune_after_trash.extend(waiting);
    Ok(())
}

/// The folders `targets` live in: never pruned, even when a removal leaves
/// one empty for a moment.
pub fn needed_dirs<'t>(targets: impl Iterator<Item = &'t str>) -> HashSet<&'t str> {
    targets
        .map(Path::new)
        .flat_map(|target| target.ancestors().skip(1))
        .filter_map(Path::to_str)
        .filter(|dir| !dir.is_empty())
        .collect()
}

/// Removes folders we created that held removed targets, deepest first, as
/// long as they are empty and the new plan does not need them. Not
/// journaled: undoing a removal re-creates the folders a restored link needs.
///
/// Gives the folders that are empty but for a copy moved to the trash
/// (deepest first): they go when the commit deletes the trash, and are no
/// longer recorded as ours.
fn prune(
    steps: &[StaleStep],
    needed: &HashSet<&str>,
    restored: &HashSet<&str>,
    created_dirs: &mut BTreeSet<String>,
    home: &Place,
    backend: &impl Backend,
) -> Vec<PathBuf> {
    // A folder where a user's original came back holds it. Besides the
    // folders of the removed targets, every folder an activation made that
    // the new plan does not need: one that held a user's file when its
    // targets went is removed once the user has removed the file.
    let mut candidates: Vec<String> = steps
        .iter()
        .filter(|step| step.remove.is_some() && !restored.contains(step.target.as_str()))
        .flat_map(|step| Path::new(&step.target).ancestors().skip(1))
        .filter_map(Path::to_str)
        .chain(created_dirs.iter().map(String::as_str))
        .filter(|dir| !dir.is_empty() && created_dirs.contains(*dir) && !needed.contains(dir))
        .map(str::to_string)
        .collect();
    // Deepest first, so a folder is tried after the folders inside it.
    candidates.sort_by(|a, b| {
        let depth = |dir: &String| dir.matches('/').count();
        depth(b).cmp(&depth(a)).then_with(|| b.cmp(a))
    });
    candidates.dedup();
    let trashed: Vec<&str> = steps
        .iter()
        .filter(|step| matches!(step.remove, Some(Removal::Copy { .. })))
        .map(|step| step.target.as_str())
        .collect();
    let mut after_trash = Vec::new();
    for dir in &candidates {
        let path = home.target(dir);
        if backend.remove_dir_if_empty(&path) {
            created_dirs.remove(dir);
        } else if trashed.iter().any(|target| is_within(target, dir)) {
            created_dirs.remove(dir);
            after_trash.push(path);
        }
    }
    after_trash
}
