//! Helpers for the dconf tests: the real `dconf` in a temporary home, each
//! command inside a private D-Bus session (`dbus-run-session`), so that no
//! test touches the settings of whoever runs the tests.

use std::process::{Command, Output};

use crate::engine::{Bundle, Home};
use crate::{require, stdout};

/// True when `dconf` and `dbus-run-session` can run; see [`crate::require`].
pub fn have_dconf() -> bool {
    let runs = |program: &str, arg: &str| {
        Command::new(program).arg(arg).output().is_ok_and(|o| o.status.success())
    };
    let found = runs("dconf", "help") && runs("dbus-run-session", "--version");
    require("dconf and dbus-run-session (apt-get install dconf-cli dbus)", found)
}

/// A command of this home, with no session bus of its own and no XDG
/// folders of the caller's, so that dconf keeps its database in the home.
/// The runtime folder (where dconf's clients keep a flag file they touch
/// on every read) is beside the home, so reads leave the home as it was.
pub fn command(home: &Home, program: &str) -> Command {
    let runtime = home.root.join("runtime");
    std::fs::create_dir_all(&runtime).expect("the runtime folder can be made");
    let mut command = home.command(program);
    for variable in ["DBUS_SESSION_BUS_ADDRESS", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"] {
        command.env_remove(variable);
    }
    command.env("XDG_RUNTIME_DIR", runtime);
    command
}

/// Runs `<bundle>/bin/activate ARGS` inside a private session bus.
pub fn activate(home: &Home, bundle: &Bundle, args: &[&str]) -> Output {
    command(home, "dbus-run-session")
        .arg("--")
        .arg(bundle.script())
        .args(args)
        .output()
        .expect("dbus-run-session runs")
}

/// Runs `am ARGS` (e.g. `deactivate`, which resets the keys) inside a
/// private session bus.
pub fn am(home: &Home, args: &[&str]) -> Output {
    command(home, "dbus-run-session")
        .arg("--")
        .arg(crate::am_bin())
        .args(args)
        .output()
        .expect("dbus-run-session runs")
}

/// Runs `<bundle>/bin/activate ARGS` with no session bus at all: `am` has to
/// start its own.
pub fn activate_without_bus(home: &Home, bundle: &Bundle, args: &[&str]) -> Output {
    command(home, &bundle.script().display().to_string())
        .args(args)
        .output()
        .expect("bin/activate runs")
}

/// `dconf read PATH`: the key's value as dconf prints it, empty when unset.
pub fn read(home: &Home, path: &str) -> String {
    let output = command(home, "dconf").args(["read", path]).output().expect("dconf runs");
    assert!(output.status.success(), "dconf read {path} failed: {output:?}");
    stdout(&output).trim_end().to_string()
}

/// `dconf write PATH VALUE`, as a user changing a setting would.
pub fn write(home: &Home, path: &str, value: &str) {
    let output = command(home, "dbus-run-session")
        .args(["--", "dconf", "write", path, value])
        .output()
        .expect("dbus-run-session runs");
    assert!(output.status.success(), "dconf write {path} failed: {output:?}");
}

/// Everything dconf holds in this home (`dconf dump /`).
pub fn dump(home: &Home) -> String {
    let output = command(home, "dconf").args(["dump", "/"]).output().expect("dconf runs");
    assert!(output.status.success(), "dconf dump failed: {output:?}");
    stdout(&output)
}
