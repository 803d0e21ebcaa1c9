//! Finishing or undoing an activation that was interrupted (a kill, a power
//! loss): done before anything else by every command that changes the home.

use std::path::{Path, PathBuf};

use am_schema::state::JournalEntry;

use super::backend::delete_trash;
use super::dconf;
use super::undo::{self, UndoProblem};
use crate::anchored::Anchored;
use crate::error::{Error, Result};
use crate::place::Place;
use crate::state::StateDir;
use crate::state::journal;

/// What recovery did.
#[derive(Debug)]
pub enum Recovered {
    /// The activation of `generation` had committed; its clean-up was finished.
    Finished { generation: u64 },
    /// The activation of `generation` was undone.
    RolledBack { generation: u64, problems: Vec<UndoProblem> },
}

/// Looks for a journal left behind and finishes or undoes its activation.
pub fn recover(
    place: &Place,
    state: &StateDir,
    dconf: &dyn dconf::Dconf,
) -> Result<Option<Recovered>> {
    let path = state.journal_path();
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { action, path, source }
    };
    // Records a killed run was writing are never complete: they go first.
    state.remove_temporaries().map_err(io("clean up", &state.root))?;
    let Some(entries) = journal::read(&path).map_err(io("read", &path))? else {
        return Ok(None);
    };
    let (generation, previous, token) = match entries.first() {
        Some(JournalEntry::Begin { generation, previous, token, .. }) => {
            (*generation, *previous, *token)
        }
        // Cut off before its first entry was complete: nothing was changed.
        _ => {
            journal::remove(&path).map_err(io("remove", &path))?;
            return Ok(None);
        }
    };
    let fs = Anchored::new([place.dir.clone(), state.root.clone()]);
    let committed = entries.iter().find_map(|entry| match entry {
        JournalEntry::Committed { prune } => Some(prune),
        _ => None,
    });
    if let Some(prune) = committed {
        // Only what was really moved is there; the names hold the token,
        // so nothing else can be.
        let trash: Vec<PathBuf> = entries
            .iter()
            .filter_map(|entry| match entry {
                JournalEntry::Moved { to, trash: true, .. } => Some(PathBuf::from(to)),
                _ => None,
            })
            .collect();
        delete_trash(&fs, &trash, &mut Vec::new());
        for dir in prune {
            // Something that appeared there since keeps the folder: fine.
            let _ = fs.remove_dir(Path::new(dir));
        }
        journal::remove(&path).map_err(io("remove", &path))?;
        return Ok(Some(Recovered::Finished { generation }));
    }
    let problems = undo::undo(&entries, token, &fs, dconf);
    // `current` may already point at the new generation if the kill came
    // between that rename and the commit mark.
    if state.current_number()? != previous {
        state.set_current(previous).map_err(io("reset", &state.root))?;
    }
    // A deactivation marks the generation it ends before `current` goes;
    // undone, that generation is current again and unmarked.
    if let Some(previous) = previous {
        state.unmark_deactivated(previous).map_err(io("clean up", &state.root))?;
    }
    if Some(generation) != previous {
        state.delete(generation).map_err(io("remove the unfinished generation in", &state.root))?;
    }
    if !undo::all_settled(&problems) {
        // Tried again by the next run; nothing else happens before.
        return Err(Error::RecoveryIncomplete { journal: path, problems });
    }
    journal::remove(&path).map_err(io("remove", &path))?;
    Ok(Some(Recovered::RolledBack { generation, problems }))
}
