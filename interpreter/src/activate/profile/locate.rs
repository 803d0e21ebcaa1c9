//! Finding a Nix profile and reading its state, without changing anything
//! (a dry run reads it too).
//!
//! A profile is a link (`…/profiles/profile`) to its current generation, a
//! link beside it named `profile-<N>-link`, which points at the store path
//! of that generation's environment. `home.profileDirectory` (usually
//! `~/.nix-profile`) is either such a profile or a link to one, which is
//! how Nix reads `~/.nix-profile` too. Its format decides the tool, as
//! home-manager decides: `manifest.json` in the environment is `nix
//! profile`'s, anything else `nix-env`'s.

use std::io;
use std::path::{Path, PathBuf};

use crate::place::Place;

/// Which of Nix's tools a profile belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `manifest.nix` (or a profile not made yet): `nix-env`.
    Env,
    /// `manifest.json`: `nix profile`.
    Manifest,
}

impl Format {
    /// The tool, for messages.
    pub fn tool(self) -> &'static str {
        match self {
            Format::Env => "nix-env",
            Format::Manifest => "nix profile",
        }
    }
}

/// A profile and what it holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// `home.profileDirectory`, absolute.
    pub link: PathBuf,
    /// When `link` does not exist: the profile it is made to point at.
    pub make_link: Option<PathBuf>,
    /// The profile: the link Nix switches from generation to generation.
    pub profile: PathBuf,
    /// Folders to make before Nix can make the profile, outermost first.
    pub missing_dirs: Vec<PathBuf>,
    pub state: ProfileState,
}

/// A profile's generations and entries at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileState {
    /// The current generation; `None` when the profile does not exist.
    pub current: Option<u64>,
    /// The highest generation number there is (0: none).
    pub newest: u64,
    pub format: Format,
    /// The store paths among the profile's entries whose name is the one
    /// looked for (`home-manager-path`), sorted.
    pub entries: Vec<String>,
}

/// Finds the profile that `configured` (`home.profileDirectory`, relative
/// to the home or absolute) leads to, and the entries named `entry` in it;
/// `store_dir` is the Nix store's folder.
pub fn locate(
    configured: &str,
    place: &Place,
    entry: &str,
    store_dir: &Path,
) -> io::Result<Located> {
    let link = place.dir.join(configured);
    let (profile, make_link) = match std::fs::symlink_metadata(&link) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let profile = default_profile(place);
            (profile.clone(), Some(profile))
        }
        Err(error) => return Err(error),
        Ok(meta) if meta.file_type().is_symlink() => {
            let content = std::fs::read_link(&link)?;
            if generation_of(&link, &content).is_some() {
                (link.clone(), None)
            } else {
                let parent = link.parent().unwrap_or(Path::new("/"));
                (parent.join(content), None)
            }
        }
        Ok(_) => {
            return Err(io::Error::other(format!(
                "{} is not a link to a Nix profile: a file or folder is there; move it away \
                 (Nix makes the link when it is missing)",
                link.display()
            )));
        }
    };
    let mut missing_dirs = Vec::new();
    for dir in profile
        .parent()
        .into_iter()
        .flat_map(Path::ancestors)
        .chain(make_link.as_ref().and(link.parent()).into_iter().flat_map(Path::ancestors))
    {
        if !dir.exists() && !missing_dirs.iter().any(|known: &PathBuf| known == dir) {
            missing_dirs.push(dir.to_path_buf());
        }
    }
    missing_dirs.sort_by_key(|dir| dir.components().count());
    let state = read_state(&profile, entry, store_dir)?;
    Ok(Located { link, make_link, profile, missing_dirs, state })
}

/// Where a profile goes that nothing made yet: where Nix 2.14 and later
/// make it, `$XDG_STATE_HOME/nix/profiles/profile` (older Nix, which made
/// it under `/nix/var/nix/profiles/per-user`, follows the link as well).
fn default_profile(place: &Place) -> PathBuf {
    // The state folder is `$XDG_STATE_HOME/activation-manager`.
    let state_home = place.state.parent().unwrap_or(&place.dir);
    state_home.join("nix/profiles/profile")
}

/// The generation number `content` names if it is a generation link of
/// the profile `profile` (`<name>-<N>-link` beside it).
pub fn generation_of(profile: &Path, content: &Path) -> Option<u64> {
    let name = profile.file_name()?.to_str()?;
    let beside = content
        .parent()
        .is_none_or(|parent| parent.as_os_str().is_empty() || Some(parent) == profile.parent());
    let number = content.file_name()?.to_str()?.strip_prefix(name)?.strip_prefix('-')?;
    let number = number.strip_suffix("-link")?;
    (beside && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
        .then(|| number.parse().ok())
        .flatten()
}

/// The path of generation `number` of `profile`.
pub fn generation_link(profile: &Path, number: u64) -> PathBuf {
    let name = profile.file_name().unwrap_or_default().to_string_lossy();
    profile.with_file_name(format!("{name}-{number}-link"))
}

/// The generations of `profile` there are, by number, sorted.
pub fn generations(profile: &Path) -> io::Result<Vec<u64>> {
    let Some(dir) = profile.parent() else { return Ok(Vec::new()) };
    let entries = match std::fs::read_dir(dir) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        other => other?,
    };
    let mut numbers = Vec::new();
    for entry in entries {
        if let Some(number) = generation_of(profile, Path::new(&entry?.file_name())) {
            numbers.push(number);
        }
    }
    numbers.sort_unstable();
    Ok(numbers)
}

/// The current generation of `profile`: `None` when it does not exist.
pub fn current(profile: &Path) -> io::Result<Option<u64>> {
    let content = match std::fs::read_link(profile) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        other => other?,
    };
    generation_of(profile, &content).map(Some).ok_or_else(|| {
        io::Error::other(format!(
            "{} is not a Nix profile: it links to {}, not to a generation {}-<N>-link",
            profile.display(),
            content.display(),
            profile.file_name().unwrap_or_default().to_string_lossy()
        ))
    })
}

/// What `profile` holds now.
pub fn read_state(profile: &Path, entry: &str, store_dir: &Path) -> io::Result<ProfileState> {
    let current = current(profile)?;
    let newest = generations(profile)?.last().copied().unwrap_or(0);
    let json = profile.join("manifest.json");
    let (format, manifest) = if json.exists() {
        (Format::Manifest, std::fs::read_to_string(json)?)
    } else {
        let nix = profile.join("manifest.nix");
        let text = if current.is_some() && nix.exists() {
            std::fs::read_to_string(nix)?
        } else {
            String::new()
        };
        (Format::Env, text)
    };
    let entries = store_paths_named(&manifest, store_dir, entry);
    Ok(ProfileState { current, newest, format, entries })
}

/// The store paths in a manifest (either format) named `name` after their
/// hash. Both formats write each installed store path in full, as a
/// quoted string; nothing else in them is a store path with that name.
fn store_paths_named(manifest: &str, store_dir: &Path, name: &str) -> Vec<String> {
    let prefix = format!("{}/", store_dir.display());
    let mut found: Vec<String> = manifest
        .match_indices(&prefix)
        .filter_map(|(at, _)| {
            let rest = &manifest[at + prefix.len()..];
            let end = rest.find(|c: char| !store_name_char(c)).unwrap_or(rest.len());
            let base = &rest[..end];
            (am_schema::store_name(base) == name && base.len() > name.len())
                .then(|| format!("{prefix}{base}"))
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

/// A character Nix allows in a store path's name.
fn store_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+-._?=".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_links_are_named_after_the_profile() {
        let profile = Path::new("/h/.local/state/nix/profiles/profile");
        assert_eq!(generation_of(profile, Path::new("profile-7-link")), Some(7));
        assert_eq!(
            generation_of(profile, Path::new("/h/.local/state/nix/profiles/profile-12-link")),
            Some(12)
        );
        assert_eq!(generation_of(profile, Path::new("/elsewhere/profile-7-link")), None);
        assert_eq!(generation_of(profile, Path::new("profile-x-link")), None);
        assert_eq!(generation_of(profile, Path::new("other-7-link")), None);
        assert_eq!(
            generation_link(profile, 3),
            Path::new("/h/.local/state/nix/profiles/profile-3-link")
        );
    }

    #[test]
    fn entries_are_found_in_both_manifests() {
        let store = Path::new("/nix/store");
        let json = r#"{"elements":[{"active":true,"storePaths":["/nix/store/aaa-home-manager-path"]},
            {"storePaths":["/nix/store/bbb-hello-2.12"]}],"version":2}"#;
        assert_eq!(
            store_paths_named(json, store, "home-manager-path"),
            ["/nix/store/aaa-home-manager-path"]
        );
        let nix = r#"[ { meta = { }; name = "home-manager-path"; out = { outPath = "/nix/store/ccc-home-manager-path"; };
            outPath = "/nix/store/ccc-home-manager-path"; } { outPath = "/nix/store/ddd-home-manager-path-old"; } ]"#;
        assert_eq!(
            store_paths_named(nix, store, "home-manager-path"),
            ["/nix/store/ccc-home-manager-path"]
        );
    }
}
