//! Where a home and its activation state live: `$HOME`, the state folder
//! under `$XDG_STATE_HOME`, and the paths derived from them.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The state folder's name under `$XDG_STATE_HOME`.
const STATE_NAME: &str = "activation-manager";
/// The symlink to the active bundle's `static/` inside the state folder.
const STATIC_LINK: &str = "static";

/// `path` with every link in it resolved, if it exists; else as it is.
fn real(path: PathBuf) -> PathBuf {
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// The home being activated and the paths `am` derives from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomePaths {
    /// `$HOME`, absolute.
    pub home: PathBuf,
    /// `$XDG_STATE_HOME/activation-manager`, absolute.
    pub state: PathBuf,
}

impl HomePaths {
    /// Reads `HOME` and `XDG_STATE_HOME` from the environment.
    pub fn from_env() -> Result<Self> {
        Self::resolve(std::env::var_os("HOME"), std::env::var_os("XDG_STATE_HOME"))
    }

    /// The paths for given values of `HOME` and `XDG_STATE_HOME`. An empty or
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
        Ok(HomePaths { state: state_home.join(STATE_NAME), home })
    }

    /// Refuses a home that belongs to another user when `am` runs as root:
    /// whatever it made there would be root's, in a folder the owner
    /// controls.
    pub fn check_owner(&self) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        if !rustix::process::geteuid().is_root() {
            return Ok(());
        }
        match std::fs::metadata(&self.home) {
            Ok(meta) if meta.uid() != 0 => {
                Err(Error::HomeOfAnotherUser { home: self.home.clone(), owner: meta.uid() })
            }
            _ => Ok(()),
        }
    }

    /// The state folder relative to the home, when it is inside it: no
    /// target may be there.
    pub fn state_in_home(&self) -> Option<&Path> {
        self.state.strip_prefix(&self.home).ok()
    }

    /// `$STATE/static`, the one link that switching bundles swaps.
    pub fn static_link(&self) -> PathBuf {
        self.state.join(STATIC_LINK)
    }

    /// Where a link node's target lives: `$HOME/<target>`.
    pub fn target(&self, target: &str) -> PathBuf {
        self.home.join(target)
    }

    /// What a managed link at `$HOME/<target>` contains: the absolute path
    /// `$STATE/static/<target>`, so it follows the static link into whichever
    /// bundle is active.
    pub fn link_content(&self, target: &str) -> PathBuf {
        self.static_link().join(target)
    }

    /// The bundle the static link points into: the parent of the link's
    /// content, which is `<bundle>/static`. `command` is the `am` command
    /// that needs it, for the message when no bundle is active.
    pub fn active_bundle(&self, command: &'static str) -> Result<PathBuf> {
        let static_link = self.static_link();
        match std::fs::read_link(&static_link) {
            Ok(content) => match content.parent() {
                Some(bundle) if content.is_absolute() => Ok(bundle.to_path_buf()),
                _ => Err(Error::Io {
                    action: "find the active bundle through",
                    path: static_link,
                    source: io::Error::other(format!(
                        "it points at {}, not at a bundle's static folder",
                        content.display()
                    )),
                }),
            },
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                Err(Error::NoActiveBundle { static_link, command })
            }
            Err(source) => {
                Err(Error::Io { action: "read the static link", path: static_link, source })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn resolve(home: Option<&str>, state: Option<&str>) -> Result<HomePaths> {
        HomePaths::resolve(home.map(OsString::from), state.map(OsString::from))
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
