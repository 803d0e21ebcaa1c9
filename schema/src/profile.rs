//! The plan's view of a home's packages (`home.packages`): one merged
//! package tree, installed as one entry of the user's Nix profile.

use serde::{Deserialize, Serialize};

/// Installs `path` into the Nix profile at `profile` as one entry, replacing
/// the entry of the same name a previous activation (or home-manager)
/// installed and leaving every other entry alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// `home.profileDirectory`: relative to the home (normalized like a
    /// target), or absolute. Usually the link `.nix-profile`.
    pub profile: String,
    /// The store path of the merged package tree (a folder); its name
    /// after the hash (`home-manager-path`) names the profile entry.
    pub path: String,
    /// What the tree holds, for people: sorted by name, then version.
    pub packages: Vec<Package>,
}

impl Profile {
    /// The name of the profile entry: the store path's name without its
    /// hash, as `nix-env` and `nix profile` name an installed store path.
    pub fn entry_name(&self) -> &str {
        store_name(&self.path)
    }
}

/// The name of a store path without its folder and hash:
/// `/nix/store/<hash>-home-manager-path` gives `home-manager-path`.
pub fn store_name(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.split_once('-').map_or(base, |(_, name)| name)
}

/// One package of a profile's tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Package {
    /// `pname`, or the name part of the derivation's `name`.
    pub name: String,
    /// `version`, or the version part of the name; may be empty.
    pub version: String,
    /// The store paths of the outputs the tree links, sorted.
    pub outputs: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_named_by_its_store_path() {
        assert_eq!(store_name("/nix/store/abc123-home-manager-path"), "home-manager-path");
        assert_eq!(store_name("/nix/store/abc123-hello-2.12"), "hello-2.12");
        assert_eq!(store_name("plain"), "plain");
    }
}
