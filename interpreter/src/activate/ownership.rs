//! What the new generation will own: a record per target (with the backup
//! of the user's original, if one was made), the folders activations
//! created, and what was moved to the trash, to delete at commit. Compiled
//! nodes add theirs before the layers run, nodes Lua creates as they come.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use am_schema::state::{Generation, Owned, OwnedKind};

use super::precheck::{LinkAction, LinkStep};
use crate::place::Place;

#[derive(Debug)]
pub struct Ownership<'a> {
    home: &'a Path,
    /// The previous generation's backups by target: they stay recorded
    /// while the target stays managed.
    previous_backups: HashMap<&'a str, &'a Option<String>>,
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
            previous_backups: previous
                .map(|p| p.owned.iter().map(|o| (o.target.as_str(), &o.backup)).collect())
                .unwrap_or_default(),
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
            self.created_dirs.insert(relative.to_string_lossy().into_owned());
        }
    }

    /// Records the target a link or copy step made. `by_lua`: a node a
    /// chunk created, which is recorded with its link content, since no
    /// static entry tells it apart.
    pub fn add(&mut self, target: &str, step: &LinkStep, by_lua: bool) {
        let home = self.home;
        let relative =
            |path: &Path| path.strip_prefix(home).ok().map(|p| p.to_string_lossy().into_owned());
        let backup = match &step.action {
            LinkAction::Displace(displace) if !displace.reason.is_trash() => relative(&displace.to),
            LinkAction::Displace(_) => None,
            _ => self.previous_backups.get(target).and_then(|b| (*b).clone()),
        };
        let kind = match (&step.copy, by_lua) {
            (Some(copy), false) => OwnedKind::Copy(copy.hash),
            (Some(copy), true) => OwnedKind::LuaCopy(copy.hash),
            (None, false) => OwnedKind::Link,
            (None, true) => OwnedKind::LuaLink(step.content.to_string_lossy().into_owned()),
        };
        self.owned.push(Owned { target: target.to_string(), backup, kind });
    }
}
