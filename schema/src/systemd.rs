//! The plan's view of systemd units: which units a bundle has and how each
//! one is switched when its file changes. The unit files themselves are the
//! static entries of ordinary link nodes.

use serde::{Deserialize, Serialize};

/// The units of one bundle, managed through the user's systemd manager after
/// every unit file is linked: one `daemon-reload`, then per unit a start,
/// restart, reload or stop, decided at activation time by comparing each
/// unit file with the previous generation's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemdUnits {
    /// Sorted by name, each name once.
    pub units: Vec<Unit>,
}

/// One unit of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// A valid unit name, e.g. `syncthing.service` or `backup@home.timer`.
    pub name: String,
    /// The unit file's link target, relative to the home; its content is the
    /// bundle's `static/<target>`.
    pub target: String,
    /// What to do when the unit file changed while the unit runs.
    pub switch_method: SwitchMethod,
    /// Units (usually targets) that want or require this one; a new unit is
    /// started when one of them is active. Sorted.
    pub wanted_by: Vec<String>,
}

/// How a running unit whose file changed is switched to the new file
/// (home-manager's `X-SwitchMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SwitchMethod {
    /// `systemctl restart` after the manager read the new file.
    Restart,
    /// `systemctl reload`: the unit re-reads its configuration in place.
    Reload,
    /// Stopped with the old file's definition (its `ExecStop=`) before the
    /// manager reads the new one, then started.
    StopStart,
    /// Left running as it is; the new file applies at its next start.
    KeepOld,
}

impl SwitchMethod {
    pub const ALL: [SwitchMethod; 4] = [
        SwitchMethod::Restart,
        SwitchMethod::Reload,
        SwitchMethod::StopStart,
        SwitchMethod::KeepOld,
    ];

    /// The name as `X-SwitchMethod=` spells it.
    pub fn name(self) -> &'static str {
        match self {
            SwitchMethod::Restart => "restart",
            SwitchMethod::Reload => "reload",
            SwitchMethod::StopStart => "stop-start",
            SwitchMethod::KeepOld => "keep-old",
        }
    }
}
