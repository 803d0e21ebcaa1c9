//! The user's systemd manager behind a small trait (as sd-switch has it), and
//! its real implementation through `systemctl --user`.
//!
//! Queries (is a manager there, which units are active) are read-only and go
//! straight to the manager, in a dry run too, so that a dry run lists exactly
//! what a real run would do. Changes go through the activation's
//! [`Backend`](crate::activate::backend::Backend), which makes them or, in a
//! dry run, records them.

use std::io;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A verb of `systemctl` that changes a unit's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Start,
    Stop,
    Restart,
    Reload,
}

impl Verb {
    pub fn name(self) -> &'static str {
        match self {
            Verb::Start => "start",
            Verb::Stop => "stop",
            Verb::Restart => "restart",
            Verb::Reload => "reload",
        }
    }

    /// The verb that undoes this one after the old unit files are back.
    pub fn undo(self) -> Verb {
        match self {
            Verb::Start => Verb::Stop,
            Verb::Stop => Verb::Start,
            // Restarting or reloading again puts the old definition in place.
            verb @ (Verb::Restart | Verb::Reload) => verb,
        }
    }
}

/// Why a unit is acted on, for people reading the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Not in the previous generation, and wanted by an active target.
    New,
    /// Its file changed.
    Changed,
    /// Nothing but its `X-Reload-Triggers=` changed.
    ReloadTriggers,
    /// Its file changed and it was not running; an active target wants it.
    NotRunning,
    /// The previous generation had it, this one does not.
    Removed,
    /// Undoing a change of a failed activation.
    RollingBack,
}

impl Why {
    pub fn describe(self) -> &'static str {
        match self {
            Why::New => "new",
            Why::Changed => "changed",
            Why::ReloadTriggers => "reload triggers changed",
            Why::NotRunning => "changed, not running",
            Why::Removed => "removed",
            Why::RollingBack => "rolling back",
        }
    }
}

/// One change to the manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitChange {
    /// The manager reads every unit file again.
    DaemonReload,
    Unit {
        verb: Verb,
        unit: String,
        why: Why,
    },
}

impl UnitChange {
    /// The `systemctl --user` arguments that make the change.
    pub fn args(&self) -> Vec<&str> {
        match self {
            UnitChange::DaemonReload => vec!["daemon-reload"],
            UnitChange::Unit { verb, unit, .. } => vec![verb.name(), unit.as_str()],
        }
    }
}

/// What a change gave: whether it worked, and what `systemctl` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub success: bool,
    /// stdout and stderr, trimmed.
    pub output: String,
}

/// The user's service manager.
pub trait UnitManager: Sync + std::fmt::Debug {
    /// Why units cannot be managed now, or `None` when a manager answers.
    fn unavailable(&self) -> Option<String>;
    /// Whether each unit is active (or activating, or reloading), in order.
    fn active(&self, units: &[&str]) -> io::Result<Vec<bool>>;
    /// Makes one change and waits for its job to finish.
    fn change(&self, change: &UnitChange) -> io::Result<Ran>;
    /// What `systemctl status` says about a unit, for a failure's report.
    fn status(&self, unit: &str) -> String;
}

/// A manager reached through `systemctl`: the user's (`--user`, which talks
/// to `$XDG_RUNTIME_DIR/systemd/private`, no D-Bus needed), or the system's.
#[derive(Debug, Clone)]
pub struct Systemctl {
    scope: Scope,
}

#[derive(Debug, Clone)]
enum Scope {
    User {
        runtime_dir: Option<PathBuf>,
    },
    System,
    /// A system tree under `--root`: its manager is not running here.
    Offline(PathBuf),
}

impl Systemctl {
    /// The manager of the user running `am`.
    pub fn from_env() -> Systemctl {
        let runtime_dir =
            std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from).filter(|dir| dir.is_absolute());
        Systemctl { scope: Scope::User { runtime_dir } }
    }

    /// The manager of the place: the user's for a home, the system's for
    /// the running system, none for a tree under `--root`.
    pub fn for_place(place: &crate::place::Place) -> Systemctl {
        match (&place.role, &place.root) {
            (crate::place::Role::Home, _) => Systemctl::from_env(),
            (_, Some(root)) if place.is_offline() => {
                Systemctl { scope: Scope::Offline(root.clone()) }
            }
            _ => Systemctl { scope: Scope::System },
        }
    }

    fn run(&self, args: &[&str]) -> io::Result<std::process::Output> {
        let mut command = Command::new("systemctl");
        if let Scope::User { .. } = self.scope {
            command.arg("--user");
        }
        command.args(args).stdin(Stdio::null()).output().map_err(|error| {
            io::Error::new(error.kind(), format!("could not run systemctl: {error}"))
        })
    }
}

impl UnitManager for Systemctl {
    fn unavailable(&self) -> Option<String> {
        match &self.scope {
            Scope::User { runtime_dir: None } => return Some("XDG_RUNTIME_DIR is not set".into()),
            Scope::User { runtime_dir: Some(dir) } => {
                let socket = dir.join("systemd/private");
                if std::fs::symlink_metadata(&socket).is_err() {
                    return Some(format!("{} does not exist", socket.display()));
                }
            }
            Scope::System => {
                if std::fs::symlink_metadata("/run/systemd/system").is_err() {
                    return Some("this system was not booted with systemd".into());
                }
            }
            Scope::Offline(root) => {
                return Some(format!("{} is not the running system", root.display()));
            }
        }
        let output = match self.run(&["is-system-running"]) {
            Ok(output) => output,
            Err(error) => return Some(error.to_string()),
        };
        // The exit status is not 0 for `degraded` (a unit failed), which is
        // still a manager that answers; only its answer tells.
        let state = String::from_utf8_lossy(&output.stdout).trim().to_string();
        match state.as_str() {
            "initializing" | "starting" | "running" | "degraded" | "maintenance" => None,
            "" => Some(format!(
                "`systemctl is-system-running` could not connect: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )),
            state => Some(format!("the service manager is {state}")),
        }
    }

    fn active(&self, units: &[&str]) -> io::Result<Vec<bool>> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let mut args = vec!["is-active"];
        args.extend_from_slice(units);
        let output = self.run(&args)?;
        // One state per unit, in order; the exit status only says whether
        // all of them are active.
        let states: Vec<bool> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|state| matches!(state.trim(), "active" | "activating" | "reloading"))
            .collect();
        if states.len() == units.len() {
            Ok(states)
        } else {
            Err(io::Error::other(format!(
                "`systemctl is-active` answered {} lines for {} units: {}",
                states.len(),
                units.len(),
                String::from_utf8_lossy(&output.stderr).trim()
            )))
        }
    }

    fn change(&self, change: &UnitChange) -> io::Result<Ran> {
        let output = self.run(&change.args())?;
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        Ok(Ran { success: output.status.success(), output: text.trim().to_string() })
    }

    fn status(&self, unit: &str) -> String {
        match self.run(&["status", "--no-pager", "--full", "--lines=10", unit]) {
            Ok(output) => String::from_utf8_lossy(&output.stdout).trim_end().to_string(),
            Err(error) => error.to_string(),
        }
    }
}
