//! Undoing a change of a Nix profile (`JournalEntry::ProfileChanged`):
//! the generation that was current becomes current again, and the
//! generations made since are deleted, so the profile is exactly as it
//! was, links and all; then the link to it and the folders made for it
//! go, if they are still what was made. Nix's own `--switch-generation` and
//! `--delete-generations` do the same two things to the same links; they
//! are done here directly, each checked on the disk first, so that an undo
//! that is run twice (after a crash during recovery) does no harm.

use std::io;
use std::path::{Path, PathBuf};

use super::locate::{current, generation_link, generations};
use crate::activate::scratch::{Purpose, Scratch};
use crate::activate::undo::UndoProblem;
use crate::anchored::{Anchored, Found};

/// What one `ProfileChanged` entry says.
#[derive(Debug, Clone, Copy)]
pub struct Changed<'a> {
    pub profile: &'a str,
    pub previous: Option<u64>,
    pub newest: u64,
    pub made_dirs: &'a [String],
    pub made_link: Option<&'a str>,
}

/// Puts the profile back as the entry found it. A profile whose current
/// generation is neither the one it had nor one made since is someone
/// else's doing, and is left as it is.
pub fn undo(changed: Changed, scratch: Scratch) -> Result<(), UndoProblem> {
    let profile = Path::new(changed.profile);
    let folder = profile.parent().unwrap_or(Path::new("/")).to_path_buf();
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |error| UndoProblem { path, error, left_alone: false }
    };
    let dirs: Vec<PathBuf> = changed.made_dirs.iter().map(PathBuf::from).collect();
    let link = changed.made_link.map(Path::new);
    // Changes are made below folders that were there before: the one
    // above each made folder, and the profile's and the link's own if
    // they were not made.
    let roots: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|dir| dir.parent())
        .chain([folder.as_path()])
        .chain(link.and_then(Path::parent))
        .map(Path::to_path_buf)
        .filter(|root| !dirs.contains(root))
        .collect();
    let fs = Anchored::new(roots);
    let temp = scratch.beside(profile, Purpose::Link);
    if fs.found(&temp).map_err(failed(&temp))? == Found::Link {
        fs.remove_file(&temp).map_err(failed(&temp))?;
    }
    if folder.exists() {
        let now = current(profile).map_err(failed(profile))?;
        match (now, changed.previous) {
            (now, previous) if now == previous => {}
            (Some(now), previous) if now > changed.newest => match previous {
                Some(previous) => switch_to(&fs, profile, previous, now, &temp)?,
                None => remove_if(&fs, profile, now)?,
            },
            (now, _) => {
                let holds = now.map_or("no generation".to_string(), |n| format!("generation {n}"));
                let error = io::Error::other(format!(
                    "it is at {holds}, which activation-manager did not make: left as it is"
                ));
                return Err(UndoProblem { path: profile.to_path_buf(), error, left_alone: true });
            }
        }
        let current_now = current(profile).map_err(failed(profile))?;
        for number in generations(profile).map_err(failed(profile))? {
            if number > changed.newest && Some(number) != current_now {
                let link = generation_link(profile, number);
                if fs.found(&link).map_err(failed(&link))? == Found::Link {
                    fs.remove_file(&link).map_err(failed(&link))?;
                }
            }
        }
    }
    // The link to the profile, if it still leads there.
    if let Some(link) = link {
        if fs.read_link(link).is_ok_and(|content| content == profile) {
            fs.remove_file(link).map_err(failed(link))?;
        }
    }
    for dir in dirs.iter().rev() {
        match fs.remove_dir(dir) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            // Someone keeps something there now: the folder stays theirs.
            Err(error)
                if error.raw_os_error() == Some(rustix::io::Errno::NOTEMPTY.raw_os_error()) => {}
            other => other.map_err(failed(dir))?,
        }
    }
    Ok(())
}

/// Makes generation `previous` current again, where generation `made` (one
/// made since) is: through a new link renamed over the profile, as Nix
/// switches generations.
fn switch_to(
    fs: &Anchored,
    profile: &Path,
    previous: u64,
    made: u64,
    temp: &Path,
) -> Result<(), UndoProblem> {
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |error| UndoProblem { path, error, left_alone: false }
    };
    let target = generation_link(profile, previous);
    if fs.found(&target).map_err(failed(&target))? != Found::Link {
        let error = io::Error::other(format!(
            "its generation {previous}, which was current, is gone ({} is missing): left at \
             generation {made}",
            target.display()
        ));
        return Err(UndoProblem { path: profile.to_path_buf(), error, left_alone: true });
    }
    let name = target.file_name().map(PathBuf::from).unwrap_or_default();
    fs.symlink(&name, temp).map_err(failed(temp))?;
    // Checked right before the rename: still the generation made since.
    if current(profile).ok().flatten() != Some(made) {
        let _ = fs.remove_file(temp);
        let error = io::Error::other("it changed while it was being put back: left as it is");
        return Err(UndoProblem { path: profile.to_path_buf(), error, left_alone: true });
    }
    fs.rename_over(temp, profile).map_err(failed(profile))
}

/// Removes the profile when it is at generation `made`: it did not exist
/// before.
fn remove_if(fs: &Anchored, profile: &Path, made: u64) -> Result<(), UndoProblem> {
    if current(profile).ok().flatten() == Some(made) {
        fs.remove_file(profile).map_err(|error| UndoProblem {
            path: profile.to_path_buf(),
            error,
            left_alone: false,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    /// A profile folder with generations `numbers` (links to made-up store
    /// paths) and the profile at `current`, below a fresh folder.
    fn profile(name: &str, numbers: &[u64], current: Option<u64>) -> (PathBuf, PathBuf) {
        let root =
            std::env::temp_dir().join(format!("am-profile-undo-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let folder = root.join("nix/profiles");
        std::fs::create_dir_all(&folder).expect("mkdir");
        let profile = folder.join("profile");
        for number in numbers {
            let store = format!("/nix/store/{number}-user-environment");
            symlink(store, generation_link(&profile, *number)).expect("link");
        }
        if let Some(current) = current {
            symlink(format!("profile-{current}-link"), &profile).expect("link");
        }
        (root, profile)
    }

    fn listing(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| {
                        let link = std::fs::read_link(e.path()).unwrap_or_default();
                        format!("{} -> {}", e.file_name().to_string_lossy(), link.display())
                    })
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    fn changed<'a>(profile: &'a str, previous: Option<u64>, newest: u64) -> Changed<'a> {
        Changed { profile, previous, newest, made_dirs: &[], made_link: None }
    }

    #[test]
    fn the_previous_generation_comes_back_and_newer_ones_go() {
        let (root, profile) = profile("back", &[1, 2, 3, 4], Some(4));
        let before = vec![
            "profile -> profile-2-link".to_string(),
            "profile-1-link -> /nix/store/1-user-environment".into(),
            "profile-2-link -> /nix/store/2-user-environment".into(),
        ];
        let text = profile.display().to_string();
        // The activation found generation 2 current and 2 the newest, then
        // Nix made 3 (nix profile remove) and 4 (install).
        undo(changed(&text, Some(2), 2), Scratch { token: 7 }).expect("undone");
        assert_eq!(listing(profile.parent().expect("folder")), before);
        // Again, as after a crash during recovery: nothing more to do.
        undo(changed(&text, Some(2), 2), Scratch { token: 7 }).expect("undone twice");
        assert_eq!(listing(profile.parent().expect("folder")), before);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn a_profile_that_was_not_there_goes_with_its_folders_and_link() {
        let (root, profile) = profile("new", &[1], Some(1));
        let link = root.join(".nix-profile");
        symlink(&profile, &link).expect("link");
        let dirs: Vec<String> =
            ["nix", "nix/profiles"].iter().map(|d| root.join(d).display().to_string()).collect();
        let text = profile.display().to_string();
        let link_text = link.display().to_string();
        let entry = Changed {
            profile: &text,
            previous: None,
            newest: 0,
            made_dirs: &dirs,
            made_link: Some(&link_text),
        };
        undo(entry, Scratch { token: 7 }).expect("undone");
        assert_eq!(listing(&root), Vec::<String>::new(), "left behind");
        undo(entry, Scratch { token: 7 }).expect("undone twice");
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn a_generation_someone_else_made_current_is_left_alone() {
        let (root, profile) = profile("theirs", &[1, 2, 3], Some(1));
        let text = profile.display().to_string();
        // The activation found 2 current; the user switched to 1 since.
        let problem = undo(changed(&text, Some(2), 2), Scratch { token: 7 }).expect_err("theirs");
        assert!(problem.left_alone, "{problem:?}");
        assert_eq!(listing(profile.parent().expect("folder")).len(), 4, "nothing was deleted");
        let _ = std::fs::remove_dir_all(root);
    }
}
