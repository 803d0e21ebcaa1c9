//! The `profile` node (`home.packages`): the home's package tree installed
//! into the user's Nix profile as one entry, the way home-manager installs
//! `home.path`, replacing the entry of the same name and leaving every
//! other entry alone.
//!
//! The profile is found and read first (`locate`), which changes nothing
//! and runs in a dry run too. When the entry is already the tree, nothing
//! is done. Otherwise the change is journaled (`ProfileChanged`: the
//! profile, its current and newest generation) before Nix's own tools make
//! it (`nix`), so that a rollback or the recovery after a kill makes the
//! old generation current again and deletes the new ones (`undo`): the
//! profile is then exactly as before, links and all. A generation without
//! the node removes what the previous one installed, if the profile still
//! holds it ([`remove_dropped`]); a generation records what it installed.

mod changes;
mod locate;
mod nix;
pub mod undo;

use std::io;
use std::path::{Path, PathBuf};

use am_schema::state::{Generation, JournalEntry, ProfileRecord};
use am_schema::{Kind, Plan, Profile};

pub use self::changes::{PackageChanges, name_and_version};
pub use self::nix::{NixFailed, Switch, run};
use super::backend::Backend;
use super::{Failure, NodeOutcome, Summary};
use crate::place::Place;

/// What the profile node did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The profile, e.g. `~/.local/state/nix/profiles/profile`.
    pub profile: PathBuf,
    /// `home.profileDirectory`, absolute, and whether activation made it.
    pub link: PathBuf,
    pub made_link: bool,
    /// `None`: the profile held the tree already and was not touched.
    pub changes: Option<PackageChanges>,
    /// What the generation records.
    pub record: ProfileRecord,
}

/// Why the profile node failed.
#[derive(Debug)]
pub struct Failed {
    pub reason: String,
    /// What Nix said, when a command of it failed.
    pub output: Vec<u8>,
    /// Whether a Nix command failed (rather than reading the profile).
    pub by_nix: bool,
}

impl Failed {
    fn io(error: io::Error) -> Failed {
        Failed { reason: error.to_string(), output: Vec::new(), by_nix: false }
    }
}

/// The profile node of a plan, if it has one.
pub fn planned(plan: &Plan) -> Option<&Profile> {
    plan.nodes.iter().find_map(|node| match &node.kind {
        Kind::Profile(profile) => Some(profile),
        _ => None,
    })
}

/// The store folder a store path lies in.
fn store_dir(path: &str) -> &Path {
    Path::new(path).parent().unwrap_or(Path::new("/nix/store"))
}

/// The node's work: installs the tree unless the profile holds it already.
pub fn apply(
    profile: &Profile,
    place: &Place,
    previous: Option<&Generation>,
    backend: &impl Backend,
) -> NodeOutcome {
    match install(profile, place, previous, backend) {
        Ok(applied) => NodeOutcome::Profile(applied),
        Err(failed) => NodeOutcome::Failed(Failure::Profile(failed)),
    }
}

fn install(
    profile: &Profile,
    place: &Place,
    previous: Option<&Generation>,
    backend: &impl Backend,
) -> Result<Applied, Failed> {
    // The compiler refuses it; a plan made by hand may still have one.
    if place.role == crate::place::Role::System {
        let reason = "a system has no user's Nix profile to install packages into".to_string();
        return Err(Failed { reason, output: Vec::new(), by_nix: false });
    }
    let entry = profile.entry_name();
    let store = store_dir(&profile.path);
    let located = locate::locate(&profile.profile, place, entry, store).map_err(Failed::io)?;
    let record = ProfileRecord {
        profile: located.profile.to_string_lossy().into_owned(),
        path: profile.path.clone(),
        packages: profile.packages.clone(),
    };
    let mut applied = Applied {
        profile: located.profile.clone(),
        link: located.link.clone(),
        made_link: located.make_link.is_some(),
        changes: None,
        record,
    };
    let installed = located.state.entries == [profile.path.as_str()];
    if installed && located.make_link.is_none() {
        return Ok(applied);
    }
    // What the profile had: the packages of the tree a generation of this
    // home installed there, if the profile still holds it.
    let before = previous
        .and_then(|previous| previous.profile.as_ref())
        .filter(|record| located.state.entries.contains(&record.path))
        .map(|record| record.packages.as_slice())
        .unwrap_or_default();
    let changes = PackageChanges::between(before, &profile.packages);
    let link = located.make_link.clone().map(|content| (located.link.clone(), content));
    let switch = Switch {
        profile: located.profile.clone(),
        format: located.state.format,
        entry: entry.to_string(),
        install: (!installed).then(|| profile.path.clone()),
        remove: located.state.entries.iter().filter(|e| **e != profile.path).cloned().collect(),
        dirs: located.missing_dirs.clone(),
        link,
        changes: changes.clone(),
        cwd: place.dir.clone(),
    };
    backend.record(vec![changed_entry(&switch, &located.state)]).map_err(Failed::io)?;
    switched(&switch, backend)?;
    if !installed {
        applied.changes = Some(changes);
    }
    Ok(applied)
}

/// The journal entry of `switch`, made before it, with the state of the
/// profile before.
fn changed_entry(switch: &Switch, before: &locate::ProfileState) -> JournalEntry {
    let text = |path: &Path| path.to_string_lossy().into_owned();
    JournalEntry::ProfileChanged {
        profile: text(&switch.profile),
        previous: before.current,
        newest: before.newest,
        made_dirs: switch.dirs.iter().map(|dir| text(dir)).collect(),
        made_link: switch.link.as_ref().map(|(link, _)| text(link)),
    }
}

/// Runs a switch through the backend; a failed Nix command is the node's
/// failure, with what Nix said.
fn switched(switch: &Switch, backend: &impl Backend) -> Result<(), Failed> {
    match backend.profile_switch(switch).map_err(Failed::io)? {
        Ok(()) => Ok(()),
        Err(failed) => {
            let reason = match failed.captured.status.code() {
                Some(code) => format!("`{}` failed with exit status {code}", failed.command),
                None => format!("`{}` failed", failed.command),
            };
            Err(Failed { reason, output: failed.captured.output, by_nix: true })
        }
    }
}

/// Removes the entry the previous generation installed when this one does
/// not install it there: the plan has no profile node (or deactivates), or
/// the node installed into another profile. A profile that no longer holds
/// it is left alone. A node that failed or was skipped keeps it.
pub fn remove_dropped(
    plan: &Plan,
    place: &Place,
    previous: Option<&Generation>,
    backend: &impl Backend,
    summary: &mut Summary,
) -> io::Result<()> {
    let Some(old) = previous.and_then(|previous| previous.profile.as_ref()) else {
        return Ok(());
    };
    match (planned(plan), &summary.profile) {
        (Some(_), None) => return Ok(()),
        (_, Some(new)) if new.profile == old.profile => return Ok(()),
        _ => {}
    }
    let profile = Path::new(&old.profile);
    let entry = am_schema::store_name(&old.path);
    let state = locate::read_state(profile, entry, store_dir(&old.path))?;
    if !state.entries.contains(&old.path) {
        return Ok(());
    }
    let switch = Switch {
        profile: profile.to_path_buf(),
        format: state.format,
        entry: entry.to_string(),
        install: None,
        remove: vec![old.path.clone()],
        dirs: Vec::new(),
        link: None,
        changes: PackageChanges::between(&old.packages, &[]),
        cwd: place.dir.clone(),
    };
    backend.record(vec![changed_entry(&switch, &state)])?;
    if let Err(failed) = backend.profile_switch(&switch)? {
        let output = String::from_utf8_lossy(&failed.captured.output);
        return Err(io::Error::other(format!("`{}` failed: {}", failed.command, output.trim())));
    }
    summary.packages = Some(switch.changes);
    Ok(())
}

/// The generation's record of the profile: what this activation installed,
/// or, when its node did not run (a failed or skipped optional one), what
/// the previous generation had there; nothing without a profile node.
pub fn record(
    plan: &Plan,
    applied: Option<ProfileRecord>,
    previous: Option<&Generation>,
) -> Option<ProfileRecord> {
    match (applied, planned(plan)) {
        (Some(record), _) => Some(record),
        (None, Some(_)) => previous.and_then(|previous| previous.profile.clone()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use am_schema::{Node, Package};

    use super::*;

    fn record(path: &str) -> ProfileRecord {
        ProfileRecord {
            profile: "/h/.local/state/nix/profiles/profile".into(),
            path: path.into(),
            packages: vec![Package {
                name: "hello".into(),
                version: "2.12".into(),
                outputs: vec![],
            }],
        }
    }

    fn generation(profile: Option<ProfileRecord>) -> Generation {
        Generation {
            number: 1,
            bundle: "/nix/store/x-home-bundle".into(),
            activated_at: 0,
            owned: Vec::new(),
            created_dirs: Vec::new(),
            dconf: Vec::new(),
            units: Vec::new(),
            accounts: Default::default(),
            profile,
        }
    }

    fn plan(with_profile: bool) -> Plan {
        let node = Node {
            id: "packages".into(),
            declared_by: "home.packages".into(),
            required: true,
            after: Vec::new(),
            kind: Kind::Profile(Profile {
                profile: ".nix-profile".into(),
                path: "/nix/store/t-home-manager-path".into(),
                packages: Vec::new(),
            }),
        };
        let nodes = if with_profile { vec![node] } else { Vec::new() };
        Plan {
            role: am_schema::Role::Home,
            backup_extension: None,
            home_directory: None,
            nodes,
            layers: Vec::new(),
        }
    }

    #[test]
    fn a_node_that_did_not_run_keeps_what_the_profile_holds() {
        let kept = record("/nix/store/a-home-manager-path");
        let previous = generation(Some(kept.clone()));
        assert_eq!(super::record(&plan(true), None, Some(&previous)), Some(kept));
    }

    #[test]
    fn what_was_installed_is_recorded_and_a_dropped_entry_is_not() {
        let previous = generation(Some(record("/nix/store/a-home-manager-path")));
        let new = record("/nix/store/b-home-manager-path");
        let recorded = super::record(&plan(true), Some(new.clone()), Some(&previous));
        assert_eq!(recorded, Some(new));
        assert_eq!(super::record(&plan(false), None, Some(&previous)), None);
    }
}
