//! Where a home and its activation state live: `$HOME`, the state folder
//! under `$XDG_STATE_HOME`, and the paths derived from them.

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// The state folder's name under `$XDG_STATE_HOME`.
const STATE_NAME: &str = "activation-manager";
/// The symlink to the active bundle's `static/` inside the state folder.
const STATIC_LINK: &str = "static";

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
        let state_home = xdg_state_home
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute())
            .unwrap_or_else(|| home.join(".local/state"));
        Ok(HomePaths { state: state_home.join(STATE_NAME), home })
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
    fn home_must_be_set_and_absolute() {
        assert!(matches!(resolve(None, None), Err(Error::HomeUnset)));
        assert!(matches!(resolve(Some(""), None), Err(Error::HomeUnset)));
        assert!(matches!(resolve(Some("me"), None), Err(Error::HomeNotAbsolute(_))));
    }
}
