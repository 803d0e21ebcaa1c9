//! The kinds only system bundles have: `tmpfiles` (rules that
//! `systemd-tmpfiles` applies) and `accounts` (service users and groups).

use serde::{Deserialize, Serialize};

/// A tmpfiles.d rules file that a link node of the plan makes: applied with
/// `systemd-tmpfiles --create` when it changed, the rules a previous
/// generation had and this one dropped with `--remove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tmpfiles {
    /// The rules file's target, relative to `/etc`.
    pub target: String,
}

/// Users and groups a system bundle needs, created with the distribution's
/// `groupadd` and `useradd` when missing, never deleted; the memberships
/// they list are added, and removed once dropped if `am` added them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accounts {
    /// Sorted by name.
    pub groups: Vec<GroupAccount>,
    /// Sorted by name.
    pub users: Vec<UserAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupAccount {
    pub name: String,
    /// `None`: the next free system id.
    pub gid: Option<u32>,
    /// Accounts the machine already has (not among `users`) that join the
    /// group, sorted.
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAccount {
    pub name: String,
    /// `None`: the next free id (a system id for a system user).
    pub uid: Option<u32>,
    /// The primary group, by name.
    pub group: String,
    /// Supplementary groups, by name, sorted.
    pub extra_groups: Vec<String>,
    pub home: String,
    pub create_home: bool,
    /// `None`: the distribution's default.
    pub shell: Option<String>,
    pub description: String,
    /// A system user (`useradd --system`): no aging, an id below 1000.
    pub system: bool,
}
