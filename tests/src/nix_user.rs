//! A real user of a multi-user Nix, for the tests of `home.packages` that
//! must run as one (DESIGN.md section 7): a test user of its own (made and
//! reserved as the systemd tests do, see `systemd.rs`) with a fresh home,
//! and a private `nix-daemon` through which the user's Nix commands reach
//! the store, as every Nix command of a user does on a multi-user install.
//!
//! The daemon is this test's own: started as root on a socket in a fresh
//! folder (`NIX_DAEMON_SOCKET_PATH`), so that no daemon of the machine is
//! needed or touched, and stopped by its PID when the test ends. Several
//! daemons serve one store safely: Nix locks what it builds and registers.
//! The user's commands get `NIX_REMOTE=daemon` and that socket. A daemon
//! alone (`NixDaemon`) serves the user of a `systemd::UserManager` too.

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::running_as_root;
use crate::systemd::{Slot, ensure_user, id, make_owned_dir};
use crate::{find_program, fresh_dir, require};

/// How long the daemon may take to open its socket.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The settings every Nix command of the tests runs with.
const NIX_CONFIG: &str = "experimental-features = nix-command flakes\nsubstituters =\n";

/// A private `nix-daemon`, for the Nix commands of a test user: started as
/// root on a socket in `<dir>/daemon/`, stopped by its PID when dropped.
#[derive(Debug)]
pub struct NixDaemon {
    socket: PathBuf,
    daemon: Child,
}

impl NixDaemon {
    /// Starts a daemon whose socket and log are in `dir` (which must be
    /// reachable by the user: its parents searchable). Returns `None`,
    /// after [`require`] said why, when this machine cannot run one; panics
    /// when it could but the daemon did not start.
    pub fn start(dir: &Path) -> Option<NixDaemon> {
        let missing = missing_prerequisite();
        if !require("a Nix daemon for a test user", missing.is_none()) {
            eprintln!("  because {}", missing.unwrap_or_default());
            return None;
        }
        let program = find_program("nix-daemon")?;
        let socket_dir = dir.join("daemon");
        make_owned_dir(&socket_dir, "root", "0755");
        let socket = socket_dir.join("socket");
        let log_path = socket_dir.join("daemon.log");
        let log = std::fs::File::create(&log_path).expect("the log can be made");
        let daemon = Command::new(program)
            .env("NIX_DAEMON_SOCKET_PATH", &socket)
            .env("NIX_CONFIG", NIX_CONFIG)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log can be shared"))
            .stderr(log)
            .spawn()
            .expect("nix-daemon starts");
        let mut this = NixDaemon { socket, daemon };
        let started = Instant::now();
        while !this.socket.exists() {
            let exited = this.daemon.try_wait().ok().flatten();
            if exited.is_some() || started.elapsed() > START_TIMEOUT {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("nix-daemon did not open its socket (exit {exited:?}):\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(this)
    }

    /// The environment that sends a user's Nix commands to this daemon,
    /// with the tests' settings.
    pub fn env(&self) -> [(&'static str, &OsStr); 3] {
        [
            ("NIX_REMOTE", OsStr::new("daemon")),
            ("NIX_DAEMON_SOCKET_PATH", self.socket.as_os_str()),
            ("NIX_CONFIG", OsStr::new(NIX_CONFIG)),
        ]
    }
}

impl Drop for NixDaemon {
    fn drop(&mut self) {
        // Only the daemon this test started, by its PID.
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A test user with a fresh home, and a Nix daemon serving it.
#[derive(Debug)]
pub struct NixUser {
    pub user: String,
    pub uid: u32,
    pub gid: u32,
    pub home: PathBuf,
    daemon: NixDaemon,
    _slot: Slot,
}

impl NixUser {
    /// Makes (or reuses) the user `am-sd-<label>-<slot>` and starts a
    /// daemon for it. Returns `None`, after [`require`] said why, when this
    /// machine cannot; panics when it could but the daemon did not start.
    pub fn start(label: &str) -> Option<NixUser> {
        if !require("a Nix daemon for a test user", missing_prerequisite().is_none()) {
            return None;
        }
        let slot = Slot::take(label);
        let user = slot.user.clone();
        ensure_user(&user);
        let (uid, gid) = (id(&user, "-u"), id(&user, "-g"));
        let dir = fresh_dir(&format!("nix-user-{label}"));
        // The user reaches the socket through these folders.
        make_owned_dir(&dir, "root", "0755");
        let home = dir.join("home");
        make_owned_dir(&home, &user, "0755");
        let daemon = NixDaemon::start(&dir)?;
        Some(NixUser { user, uid, gid, home, daemon, _slot: slot })
    }

    /// A command run as the user with a session's environment and nothing
    /// else: `HOME`, `USER`, `LOGNAME`, a system `PATH`, and the daemon.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = self.as_user(program);
        command.env("PATH", "/usr/local/bin:/usr/bin:/bin").envs(self.daemon.env());
        command
    }

    /// `bash --login -c SCRIPT` as the user, in a fresh environment (no
    /// `PATH` of ours): what a user gets when they log in.
    pub fn login_shell(&self, script: &str) -> Command {
        let mut command = self.as_user("bash");
        command.env("SHELL", "/bin/bash").args(["--login", "-c", script]);
        command
    }

    /// `program` as the user, in the home, with only `HOME`, `USER` and
    /// `LOGNAME` in its environment.
    fn as_user(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("HOME", &self.home)
            .env("USER", &self.user)
            .env("LOGNAME", &self.user)
            .current_dir(&self.home)
            .stdin(Stdio::null())
            .uid(self.uid)
            .gid(self.gid);
        command
    }
}

/// What this machine lacks to give a test user a Nix daemon, if anything.
fn missing_prerequisite() -> Option<String> {
    if !running_as_root() {
        return Some("the tests do not run as root (needed to make users and a daemon)".into());
    }
    ["nix-daemon", "useradd", "bash"]
        .iter()
        .find(|program| find_program(program).is_none())
        .map(|program| format!("{program} is not installed"))
}
