//! Where an activation happens: the folder whose targets it manages (a
//! home, or a system's `/etc`), its state folder, its static link, and the
//! paths derived from them. A home comes from `$HOME` and
//! `$XDG_STATE_HOME`; a system from `--root` (`/` by default).

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

pub use am_schema::Role;

use crate::error::{Error, Result};

/// The state folder's name under `$XDG_STATE_HOME`, and under `/var/lib`.
const STATE_NAME: &str = "activation-manager";
/// The symlink to the active bundle's `static/` inside a home's state folder.
const STATIC_LINK: &str = "static";
/// A system's static link, as seen inside its root: in `/etc` itself, so
/// that `/etc` holds everything its links need (`/var` may be mounted late).
const SYSTEM_STATIC_LINK: &str = "/etc/.activation-manager/static";

/// `path` with every link in it resolved, if it exists; else as it is.
fn real(path: PathBuf) -> PathBuf {
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// `path` as text, for journal entries and records: what
/// `to_string_lossy` gives, found faster for the valid UTF-8 that nearly
/// every path is (`to_str` checks a word at a time, where the lossy
/// conversion walks byte by byte). A first activation of ten thousand
/// files turns twenty thousand paths into text.
pub fn text(path: &Path) -> String {
    match path.to_str() {
        Some(text) => text.to_owned(),
        None => path.to_string_lossy().into_owned(),
    }
}

/// `base.join(relative)`, for the relative paths an activation joins
/// twice per target: as bytes, where `Path::join` parses `base` into
/// components first. Anything else (absolute or empty) goes to `join`.
pub fn join(base: &Path, relative: &str) -> PathBuf {
    let base = base.as_os_str();
    if relative.is_empty() || relative.starts_with('/') {
        return Path::new(base).join(relative);
    }
    let mut joined = OsString::with_capacity(base.len() + 1 + relative.len());
    joined.push(base);
    if !base.as_encoded_bytes().ends_with(b"/") {
        joined.push("/");
    }
    joined.push(relative);
    PathBuf::from(joined)
}

/// Where an activation happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub role: Role,
    /// The folder targets are relative to: `$HOME`, or `<root>/etc`.
    pub dir: PathBuf,
    /// `$XDG_STATE_HOME/activation-manager`, or
    /// `<root>/var/lib/activation-manager`.
    pub state: PathBuf,
    /// The link that switching bundles swaps.
    pub static_link: PathBuf,
    /// What a managed link holds before its target: the static link as
    /// seen from inside the place (under `--root`, without the root).
    link_base: PathBuf,
    /// A system's root (`/` unless `--root`); `None` for a home.
    pub root: Option<PathBuf>,
}

impl Place {
    /// A home, from `HOME` and `XDG_STATE_HOME`.
    pub fn from_env() -> Result<Self> {
        Self::resolve(std::env::var_os("HOME"), std::env::var_os("XDG_STATE_HOME"))
    }

    /// The home for given values of `HOME` and `XDG_STATE_HOME`. An empty or
    /// relative `XDG_STATE_HOME` is ignored, as the XDG base directory
    /// specification asks, and the default `$HOME/.local/state` is used.
    pub fn resolve(home: Option<OsString>, xdg_state_home: Option<OsString>) -> Result<Self> {
        let home = match home {
            Some(home) if !home.is_empty() => PathBuf::from(home),
            _ => return Err(Error::HomeUnset),
        };
        if !home.is_absolute() {
            return Err(Error::HomeNotAbsolute(home));
        }
        // One home, however it is reached: a $HOME through a link (a
        // /home that links to /usr/home) names the same folder as the link's
        // target, and the links made in it say so.
        let home = real(home);
        if home == Path::new("/") {
            return Err(Error::HomeIsRoot);
        }
        let state_home = xdg_state_home
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute())
            .map(real)
            .unwrap_or_else(|| home.join(".local/state"));
        let state = state_home.join(STATE_NAME);
        let static_link = state.join(STATIC_LINK);
        Ok(Place {
            role: Role::Home,
            link_base: static_link.clone(),
            static_link,
            state,
            dir: home,
            root: None,
        })
    }

    /// The place a command names (`--system`, `--root`), else the one of
    /// the bundle it activates (`role`), else the home.
    pub fn choose(chosen: &crate::cli::Where, role: Option<Role>) -> Result<Self> {
        match (chosen, role) {
            (crate::cli::Where::System(root), _) => Place::system(root),
            (crate::cli::Where::Unsaid, Some(Role::System)) => Place::system(Path::new("/")),
            (crate::cli::Where::Unsaid, _) => Place::from_env(),
        }
    }

    /// Refuses a bundle of another role than the place's: a system's files
    /// go below `/etc`, a home's below `$HOME`.
    pub fn check_role(&self, role: Role, bundle: &Path) -> Result<()> {
        let name = |role| match role {
            Role::Home => "home",
            Role::System => "system",
        };
        if role == self.role {
            return Ok(());
        }
        let (path, bundle, place) = (bundle.to_path_buf(), name(role), name(self.role));
        Err(Error::WrongRole { path, bundle, place })
    }

    /// A system whose root is `root` (`/` for the running one).
    pub fn system(root: &Path) -> Result<Self> {
        if !root.is_absolute() {
            return Err(Error::RootNotAbsolute(root.to_path_buf()));
        }
        let root = real(root.to_path_buf());
        let inside = |path: &str| root.join(path.trim_start_matches('/'));
        Ok(Place {
            role: Role::System,
            dir: inside("/etc"),
            state: inside("/var/lib").join(STATE_NAME),
            static_link: inside(SYSTEM_STATIC_LINK),
            link_base: PathBuf::from(SYSTEM_STATIC_LINK),
            root: Some(root),
        })
    }

    /// Whether this is a system under `--root`, not the running one: its
    /// units are placed, never started.
    pub fn is_offline(&self) -> bool {
        self.root.as_deref().is_some_and(|root| root != Path::new("/"))
    }

    /// Refuses a home that belongs to another user when `am` runs as root:
    /// whatever it made there would be root's, in a folder the owner
    /// controls. A system needs root, unless it is a tree under `--root`.
    pub fn check_owner(&self) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        let root = rustix::process::geteuid().is_root();
        match self.role {
            Role::System if !root && !self.is_offline() => Err(Error::SystemNeedsRoot),
            Role::System => Ok(()),
            Role::Home if !root => Ok(()),
            Role::Home => match std::fs::metadata(&self.dir) {
                Ok(meta) if meta.uid() != 0 => {
                    Err(Error::HomeOfAnotherUser { home: self.dir.clone(), owner: meta.uid() })
                }
                _ => Ok(()),
            },
        }
    }

    /// The folder of `am`'s own records in the managed folder, relative to
    /// it, if there is one there: the state folder inside a home, the
    /// static link's folder in a system's `/etc`. No target may be there.
    pub fn reserved_in_dir(&self) -> Option<&Path> {
        let reserved = match self.role {
            Role::Home => &self.state,
            Role::System => self.static_link.parent()?,
        };
        reserved.strip_prefix(&self.dir).ok()
    }

    /// Where a link node's target lives: `$HOME/<target>`, `<root>/etc/<target>`.
    pub fn target(&self, target: &str) -> PathBuf {
        join(&self.dir, target)
    }

    /// What a managed link at `<target>` contains: the static link's path
    /// (as seen inside the place) joined with the target, so it follows the
    /// static link into whichever bundle is active.
    pub fn link_content(&self, target: &str) -> PathBuf {
        join(&self.link_base, target)
    }

    /// Whether a link's content points into this place's static link: a
    /// link an activation made.
    pub fn is_static_content(&self, content: &Path) -> bool {
        content.starts_with(&self.link_base)
    }

    /// The bundle the static link points into: the parent of the link's
    /// content, which is `<bundle>/static`. `command` is the `am` command
    /// that needs it, for the message when no bundle is active.
    pub fn active_bundle(&self, command: &'static str) -> Result<PathBuf> {
        let static_link = &self.static_link;
        match std::fs::read_link(static_link) {
            Ok(content) => match content.parent() {
                Some(bundle) if content.is_absolute() => Ok(bundle.to_path_buf()),
                _ => Err(Error::Io {
                    action: "find the active bundle through",
                    path: static_link.clone(),
                    source: io::Error::other(format!(
                        "it points at {}, not at a bundle's static folder",
                        content.display()
                    )),
                }),
            },
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                Err(Error::NoActiveBundle { static_link: static_link.clone(), command })
            }
            Err(source) => {
                let path = static_link.clone();
                Err(Error::Io { action: "read the static link", path, source })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn resolve(home: Option<&str>, state: Option<&str>) -> Result<Place> {
        Place::resolve(home.map(OsString::from), state.map(OsString::from))
    }

    #[test]
    fn state_defaults_to_local_state() {
        let paths = resolve(Some("/home/me"), None).expect("valid home");
        assert_eq!(paths.state, Path::new("/home/me/.local/state/activation-manager"));
        assert_eq!(
            paths.link_content(".config/git/config"),
            Path::new("/home/me/.local/state/activation-manager/static/.config/git/config")
        );
        assert_eq!(paths.target(".profile"), Path::new("/home/me/.profile"));
    }

    #[test]
    fn absolute_xdg_state_home_is_used() {
        let paths = resolve(Some("/home/me"), Some("/var/state")).expect("valid home");
        assert_eq!(paths.state, Path::new("/var/state/activation-manager"));
    }

    #[test]
    fn relative_or_empty_xdg_state_home_is_ignored() {
        for state in ["relative/state", ""] {
            let paths = resolve(Some("/home/me"), Some(state)).expect("valid home");
            assert_eq!(paths.state, Path::new("/home/me/.local/state/activation-manager"));
        }
    }

    #[test]
    fn join_is_path_join() {
        for (base, relative) in
            [("/home/me", ".config/git/config"), ("/", "etc"), ("/home/me", ""), ("/a", "/b")]
        {
            assert_eq!(join(Path::new(base), relative), Path::new(base).join(relative));
        }
    }

    #[test]
    fn the_root_folder_is_no_home() {
        assert!(matches!(resolve(Some("/"), None), Err(Error::HomeIsRoot)));
        assert!(matches!(resolve(Some("//"), None), Err(Error::HomeIsRoot)));
    }

    #[test]
    fn a_home_reached_through_a_link_is_its_real_folder() {
        let dir = std::env::temp_dir().join(format!("am-home-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("real")).expect("home");
        std::os::unix::fs::symlink(dir.join("real"), dir.join("link")).expect("link");
        let via_link = resolve(dir.join("link").to_str(), None).expect("valid home");
        let direct = resolve(dir.join("real").to_str(), None).expect("valid home");
        assert_eq!(via_link, direct);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn home_must_be_set_and_absolute() {
        assert!(matches!(resolve(None, None), Err(Error::HomeUnset)));
        assert!(matches!(resolve(Some(""), None), Err(Error::HomeUnset)));
        assert!(matches!(resolve(Some("me"), None), Err(Error::HomeNotAbsolute(_))));
    }
}
