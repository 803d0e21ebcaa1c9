//! The pre-check of copy targets: a copy is replaced only while it still
//! has the bytes an earlier activation wrote (the hash in the generation
//! record); a copy the user edited is in the way like any file of theirs.

use std::path::{Path, PathBuf};

use am_schema::state::{ContentHash, Generation, OwnedKind};
use am_schema::{Copy, CopySource};

use super::classify::{Entry, classify};
use super::{
    Conflict, Context, DisplaceReason, Found, LinkAction, Wanted, WantedLink, displace_or_conflict,
    link_is_ours, previous_owned, trashed,
};
use crate::activate::backend::Expect;
use crate::activate::copy::{CopyFrom, OwnerSpec, hash_file, mode_of};
use crate::activate::scratch::Purpose;

/// What a copy node writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyStep {
    /// Where the bytes come from.
    pub from: CopyFrom,
    /// Where the copy is written before it is moved into place.
    pub temp: PathBuf,
    pub mode: u32,
    /// The hash of the bytes written, recorded in the generation.
    pub hash: ContentHash,
    /// A system's copy's owner and group, looked up when it is written.
    pub owner: Option<OwnerSpec>,
}

/// Reads the bytes for a copy; a source that cannot be read (a source
/// outside the store that is gone) is reported like a path in the way,
/// before anything is changed.
pub(super) fn step(
    copy: &Copy,
    wanted: &WantedLink,
    context: &Context,
) -> Result<CopyStep, Conflict> {
    let file = |path: PathBuf| CopyFrom::File(path);
    let from = match &copy.source {
        CopySource::Static => {
            file(context.bundle_static.unwrap_or(Path::new("")).join(&copy.target))
        }
        CopySource::File(path) => file(PathBuf::from(path)),
        CopySource::Text(text) => CopyFrom::Text(text.clone()),
    };
    let read = match &from {
        CopyFrom::File(path) => hash_file(path).and_then(|hash| Ok((hash, mode_of(path)?))),
        CopyFrom::Text(text) => Ok((ContentHash::of(text.as_bytes()), 0o644)),
    };
    let (hash, source_mode) = read.map_err(|error| Conflict {
        path: match &from {
            CopyFrom::File(path) => path.clone(),
            CopyFrom::Text(_) => wanted.path.to_path_buf(),
        },
        found: Found::Unreadable(error),
        wanted_by: Wanted::Link(wanted.index),
        backup_taken: None,
    })?;
    let executable = source_mode & 0o100 != 0;
    let mode = copy.mode.unwrap_or(if executable { 0o755 } else { 0o644 });
    let owner = (copy.owner.is_some() || copy.group.is_some()).then(|| OwnerSpec {
        user: copy.owner.clone(),
        group: copy.group.clone(),
        etc: context.place.dir.clone(),
    });
    let temp = context.scratch.beside(wanted.path, Purpose::New);
    Ok(CopyStep { from, temp, mode, hash, owner })
}

/// Decides what to do at a copy target whose parents are folders.
pub(super) fn action(
    wanted: &WantedLink,
    step: &CopyStep,
    force: bool,
    context: &Context,
) -> Result<LinkAction, Conflict> {
    let path = wanted.path;
    let entry = classify(path);
    let mut adoptable = None;
    match &entry {
        Ok(Entry::Missing) => return Ok(LinkAction::Create),
        Ok(Entry::File) => {
            let found = hash_file(path).ok();
            if found == Some(step.hash)
                && mode_of(path).ok() == Some(step.mode)
                && owned_right(path, step)
            {
                return Ok(LinkAction::Unchanged);
            }
            let target = target_of(path, context);
            if let Some(hash) =
                found.filter(|&hash| Some(hash) == recorded_hash(&target, context.previous))
            {
                let expect = Expect::Copy(hash);
                return Ok(trashed(path, DisplaceReason::Replaced, expect, context));
            }
            if found == Some(step.hash) {
                adoptable = Some(Expect::Copy(step.hash));
            }
        }
        // Our link (the target was a link before) or home-manager's.
        Ok(Entry::Link(current)) if link_is_ours(current, &target_of(path, context), context) => {
            let expect = Expect::Link(current.clone());
            return Ok(trashed(path, DisplaceReason::Replaced, expect, context));
        }
        _ => {}
    }
    displace_or_conflict(wanted, entry, force, adoptable, context)
}

/// The hash of the regular file at `path`, if it is the copy the previous
/// generation wrote at `target`, unedited.
pub(super) fn ours(
    path: &Path,
    target: &str,
    previous: Option<&Generation>,
) -> Option<ContentHash> {
    recorded_hash(target, previous).filter(|&hash| hash_file(path).is_ok_and(|found| found == hash))
}

/// The hash the previous generation recorded for a copy at `target`.
fn recorded_hash(target: &str, previous: Option<&Generation>) -> Option<ContentHash> {
    match previous_owned(target, previous)?.kind {
        OwnedKind::Copy(hash) | OwnedKind::LuaCopy(hash) => Some(hash),
        OwnedKind::Link | OwnedKind::LuaLink(_) => None,
    }
}

/// The target of a path in the home.
fn target_of(path: &Path, context: &Context) -> String {
    path.strip_prefix(&context.place.dir).unwrap_or(path).to_string_lossy().into_owned()
}

/// Whether the file at `path` belongs to who the copy names (always, for a
/// copy that names nobody); a name that does not resolve yet (the accounts
/// node creates it) means the copy is written again.
fn owned_right(path: &Path, step: &CopyStep) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Some(owner) = &step.owner else { return true };
    let (Ok(ids), Ok(meta)) = (owner.ids(), std::fs::symlink_metadata(path)) else { return false };
    ids.uid.is_none_or(|uid| uid == meta.uid()) && ids.gid.is_none_or(|gid| gid == meta.gid())
}
