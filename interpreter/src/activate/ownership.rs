//! What the new generation will own: a record per target (with the backup
//! of the user's original, if one was made), the folders activations
//! created, and what was moved to the trash, to delete at commit. Compiled
//! nodes add theirs before the layers run, nodes Lua creates as they come.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use am_schema::state::{Generation, Owned, OwnedKind};

use super::precheck::{LinkAction, LinkStep, previous_owned};
use crate::place::{Place, text};

#[derive(Debug)]
pub struct Ownership<'a> {
    home: &'a Path,
    /// The previous generation, if it recorded any backup: its backups
    /// stay recorded while their targets stay managed.
    previous: Option<&'a Generation>,
    pub owned: Vec<Owned>,
    /// Relative to the home.
    pub created_dirs: BTreeSet<String>,
    /// Folders that go once the trash is deleted (see `stale::remove`).
    pub prune_after_trash: Vec<PathBuf>,
}

impl<'a> Ownership<'a> {
    /// Starts from the folders the previous generation created.
    pub fn new(place: &'a Place, previous: Option<&'a Generation>) -> Self {
        Ownership {
            home: &place.dir,
            // Most generations hold no backup: then no target needs the
            // search for its previous record (a binary search per target).
            previous: previous.filter(|p| p.owned.iter().any(|owned| owned.backup.is_some())),
            owned: Vec::new(),
            created_dirs: previous
                .map(|p| p.created_dirs.iter().cloned().collect())
                .unwrap_or_default(),
            prune_after_trash: Vec::new(),
        }
    }

    /// Records a folder this activation created.
    pub fn created_dir(&mut self, path: &Path) {
        if let Ok(relative) = path.strip_prefix(self.home) {
            self.created_dirs.insert(text(relative));
        }
    }

    /// Records the target a link or copy step made. `by_lua`: a node a
    /// chunk created, which is recorded with its link content, since no
    /// static entry tells it apart.
    pub fn add(&mut self, target: &str, step: &LinkStep, by_lua: bool) {
        let home = self.home;
        let relative = |path: &Path| path.strip_prefix(home).ok().map(text);
        let backup = match &step.action {
            LinkAction::Displace(displace) if !displace.reason.is_trash() => relative(&displace.to),
            LinkAction::Displace(_) => None,
            _ => previous_owned(target, self.previous).and_then(|owned| owned.backup.clone()),
        };
        let kind = match (&step.copy, by_lua) {
            (Some(copy), false) => OwnedKind::Copy(copy.hash),
            (Some(copy), true) => OwnedKind::LuaCopy(copy.hash),
            (None, false) => OwnedKind::Link,
            (None, true) => OwnedKind::LuaLink(text(&step.content)),
        };
        self.owned.push(Owned { target: target.to_string(), backup, kind });
    }
}
