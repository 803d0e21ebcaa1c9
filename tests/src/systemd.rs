//! A real systemd user manager for end-to-end tests, on machines whose PID 1
//! is not systemd (DESIGN.md section 7), torn down when the test ends.
//!
//! What it takes here (Debian 12, systemd 252, running as root in a
//! container whose `/sys/fs/cgroup` is a tmpfs holding cgroup v1
//! hierarchies, the named `systemd` one, and cgroup2 at `unified`):
//!
//! 1. `/run/systemd/system` exists, so systemd counts the machine as booted
//!    with systemd;
//! 2. a user of its own per test (`am-sd-<label>-<slot>`, made with `useradd`
//!    once, kept for later runs), so tests run in parallel with a manager
//!    each; the slot is a lock folder under /run, so that two test runs at
//!    the same time (two people's `cargo nextest`) never share a user;
//! 3. `/run/user/<uid>` owned by the user, mode 0700: `XDG_RUNTIME_DIR`;
//! 4. under each of `/sys/fs/cgroup/systemd` and `/sys/fs/cgroup/unified`,
//!    the folder `user.slice/user-<uid>.slice/user@<uid>.service`, chowned
//!    (with its files) to the user: the manager's delegated cgroup;
//! 5. the manager's process must already sit in those cgroups when it
//!    starts. Moving a process needs write access to the common ancestor's
//!    `cgroup.procs`, which the user lacks, so a root shell writes its own
//!    PID into both and then `exec`s `setpriv` to become the user and
//!    `systemd --user`;
//! 6. a session bus (`dbus-daemon --session`) on `/run/user/<uid>/bus`, as
//!    the user, for what expects one; `systemctl --user` itself talks to
//!    `$XDG_RUNTIME_DIR/systemd/private`;
//! 7. the manager runs with `HOME` set to a fresh home owned by the user, so
//!    it reads unit files from that home's `.config/systemd/user`.
//!
//! Commands of the test then run as the user (`Command::uid`/`gid`) with the
//! same `HOME`, `XDG_RUNTIME_DIR` and bus address. On drop, the manager gets
//! SIGTERM (it stops its units) and then SIGKILL, whatever is left in its
//! cgroups is killed, and the bus, the cgroup folders and the runtime folder
//! are removed.

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::{fresh_dir, require, stderr, stdout};

/// The hierarchies the manager needs a delegated cgroup in.
const HIERARCHIES: [&str; 2] = ["systemd", "unified"];

/// Where Debian and others keep the manager binary.
const SYSTEMD: [&str; 2] = ["/lib/systemd/systemd", "/usr/lib/systemd/systemd"];

/// How long the manager may take to answer after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `systemd --user` of a test user, with its home.
#[derive(Debug)]
pub struct UserManager {
    pub user: String,
    pub uid: u32,
    pub gid: u32,
    /// The user's home for this test, where units are linked.
    pub home: PathBuf,
    pub runtime_dir: PathBuf,
    /// The manager's output, for failure messages.
    log: PathBuf,
    /// `HOME`, `XDG_RUNTIME_DIR` and the rest of a session's environment.
    env: Vec<(&'static str, String)>,
    manager: Child,
    bus_pid: String,
    cgroups: Vec<PathBuf>,
    /// Held while the manager runs: the user is this test's alone.
    _slot: Slot,
}

impl UserManager {
    /// Starts a manager for a user `am-sd-<label>-<slot>` (at most 24 bytes
    /// of label). Returns `None`, after [`require`] said why, when this machine
    /// cannot run one; panics when it could but the manager did not come up.
    pub fn start(label: &str) -> Option<UserManager> {
        let systemd = SYSTEMD.iter().map(Path::new).find(|path| path.is_file());
        let missing = match systemd {
            Some(_) => missing_prerequisite(),
            None => Some("systemd is not installed".into()),
        };
        if !require("a systemd user manager", missing.is_none()) {
            eprintln!("  because {}", missing.unwrap_or_default());
            return None;
        }
        let systemd = systemd?;
        let slot = Slot::take(label);
        let user = slot.user.clone();
        assert!(user.len() <= 32, "user name {user} is longer than useradd allows");
        ensure_user(&user);
        let (uid, gid) = (id(&user, "-u"), id(&user, "-g"));

        std::fs::create_dir_all("/run/systemd/system").expect("/run/systemd is writable");
        let runtime_dir = PathBuf::from(format!("/run/user/{uid}"));
        let cgroups: Vec<PathBuf> = HIERARCHIES
            .iter()
            .map(|h| {
                PathBuf::from(format!(
                    "/sys/fs/cgroup/{h}/user.slice/user-{uid}.slice/user@{uid}.service"
                ))
            })
            .collect();
        // A run that was killed before its drop leaves its processes behind.
        for cgroup in &cgroups {
            kill_all_in(cgroup);
            remove_cgroup(cgroup);
        }
        let _ = std::fs::remove_dir_all(&runtime_dir);
        make_owned_dir(&runtime_dir, &user, "0700");
        for cgroup in &cgroups {
            std::fs::create_dir_all(cgroup).expect("cgroup folder can be made");
            run_ok(Command::new("chown").arg("-R").arg(format!("{uid}:{gid}")).arg(cgroup));
        }

        let dir = fresh_dir(&format!("sd-{label}"));
        let home = dir.join("home");
        make_owned_dir(&home, &user, "0755");
        let log = dir.join("manager.log");
        let env = session_env(&user, &home, &runtime_dir);
        let bus_pid = start_bus(uid, gid, &env, &runtime_dir);
        let manager = start_manager(systemd, uid, gid, &env, &cgroups, &log);
        let mut this = UserManager {
            user,
            uid,
            gid,
            home,
            runtime_dir,
            log,
            env,
            manager,
            bus_pid,
            cgroups,
            _slot: slot,
        };
        this.wait_until_running();
        Some(this)
    }

    /// A command run as the user, in the user's session environment.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .current_dir(&self.home)
            .uid(self.uid)
            .gid(self.gid);
        command
    }

    /// `systemctl --user ARGS` as the user.
    pub fn systemctl(&self, args: &[&str]) -> Output {
        self.command("systemctl").arg("--user").args(args).output().expect("systemctl runs")
    }

    /// `systemctl --user is-active UNIT`: `active`, `inactive`, `failed`...
    pub fn is_active(&self, unit: &str) -> String {
        stdout(&self.systemctl(&["is-active", unit])).trim().to_string()
    }

    /// One property of a unit, as `systemctl --user show -p` gives it.
    pub fn show(&self, unit: &str, property: &str) -> String {
        let output = self.systemctl(&["show", "--value", "-p", property, unit]);
        stdout(&output).trim().to_string()
    }

    /// Runs `PROGRAM ARGS` as the user inside a session bus of its own
    /// (`dbus-run-session`), as dconf needs one.
    pub fn in_session(&self, program: &Path, args: &[&str]) -> Output {
        self.command("dbus-run-session")
            .arg("--")
            .arg(program)
            .args(args)
            .output()
            .expect("dbus-run-session runs")
    }

    /// `dconf read PATH` as the user: the key's value as dconf prints it,
    /// empty when unset.
    pub fn dconf_read(&self, path: &str) -> String {
        let output = self.command("dconf").args(["read", path]).output().expect("dconf runs");
        assert!(output.status.success(), "dconf read {path} failed: {output:?}");
        stdout(&output).trim_end().to_string()
    }

    /// Activates a bundle as the user: `<bundle>/bin/activate ARGS`.
    pub fn activate(&self, bundle: &Path, args: &[&str]) -> Output {
        self.command(bundle.join("bin/activate")).args(args).output().expect("activate runs")
    }

    fn wait_until_running(&mut self) {
        let started = Instant::now();
        loop {
            let state = stdout(&self.systemctl(&["is-system-running"])).trim().to_string();
            if state == "running" || state == "degraded" {
                return;
            }
            let exited = self.manager.try_wait().ok().flatten();
            if exited.is_some() || started.elapsed() > START_TIMEOUT {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("systemd --user did not come up (state {state:?}, exit {exited:?}):\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for UserManager {
    fn drop(&mut self) {
        let pid = self.manager.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.manager.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.manager.kill();
        let _ = self.manager.wait();
        for cgroup in &self.cgroups {
            kill_all_in(cgroup);
            remove_cgroup(cgroup);
            // `user-<uid>.slice`, empty now; `user.slice` may be another test's.
            let _ = cgroup.parent().map(std::fs::remove_dir);
        }
        let _ = Command::new("kill").args(["-KILL", &self.bus_pid]).status();
        let _ = std::fs::remove_dir_all(&self.runtime_dir);
    }
}

/// Slots per label: how many runs of one test may share the machine.
const SLOTS: u32 = 8;

/// A test user reserved for one test: the folder `/run/am-test-users/<user>`
/// holding the PID of the test process, removed on drop. A folder whose
/// process is gone was left by a killed run and is taken over.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) user: String,
    lock: PathBuf,
}

impl Slot {
    pub(crate) fn take(label: &str) -> Slot {
        let locks = Path::new("/run/am-test-users");
        std::fs::create_dir_all(locks).expect("/run is writable");
        // The lock folder is made whole aside and renamed into place, which
        // fails while another one (never empty) is there.
        let pid = std::process::id().to_string();
        let scratch = locks.join(format!(".{pid}-{label}"));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir(&scratch).expect("/run is writable");
        std::fs::write(scratch.join("pid"), &pid).expect("the lock folder is writable");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            for slot in 0..SLOTS {
                let user = format!("am-sd-{label}-{slot}");
                let lock = locks.join(&user);
                if std::fs::rename(&scratch, &lock).is_ok() {
                    return Slot { user, lock };
                }
                let owner = std::fs::read_to_string(lock.join("pid")).unwrap_or_default();
                let gone = !Path::new("/proc").join(owner.trim()).exists();
                // Left by a run that was killed: taken over, unless another
                // run took it over meanwhile.
                let still = std::fs::read_to_string(lock.join("pid")).unwrap_or_default();
                if gone && !owner.is_empty() && still == owner {
                    let _ = std::fs::remove_dir_all(&lock);
                }
            }
            assert!(Instant::now() < deadline, "every test user of {label} stayed busy");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.lock);
    }
}

/// The environment of the user's session.
fn session_env(user: &str, home: &Path, runtime_dir: &Path) -> Vec<(&'static str, String)> {
    let runtime = runtime_dir.display().to_string();
    vec![
        ("HOME", home.display().to_string()),
        ("USER", user.to_string()),
        ("LOGNAME", user.to_string()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin".to_string()),
        ("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={runtime}/bus")),
        ("XDG_RUNTIME_DIR", runtime),
    ]
}

/// Starts the session bus as the user; returns its PID.
fn start_bus(uid: u32, gid: u32, env: &[(&str, String)], runtime_dir: &Path) -> String {
    let address = format!("unix:path={}/bus", runtime_dir.display());
    let output = Command::new("dbus-daemon")
        .args(["--session", "--fork", "--print-pid", "--address", &address])
        .env_clear()
        .envs(env.iter().map(|(name, value)| (name, value)))
        .uid(uid)
        .gid(gid)
        .stdin(Stdio::null())
        .output()
        .expect("dbus-daemon runs");
    assert!(output.status.success(), "dbus-daemon failed: {}", stderr(&output));
    stdout(&output).trim().to_string()
}

/// Starts `systemd --user` inside its cgroups (see the module docs).
fn start_manager(
    systemd: &Path,
    uid: u32,
    gid: u32,
    env: &[(&str, String)],
    cgroups: &[PathBuf],
    log: &Path,
) -> Child {
    let log = std::fs::File::create(log).expect("the log file can be made");
    // The cgroup paths hold no quote: they are made of fixed words and numbers.
    let join: String = cgroups
        .iter()
        .map(|c| format!("echo $$ > '{}' || exit 1; ", c.join("cgroup.procs").display()))
        .collect();
    Command::new("sh")
        .arg("-c")
        .arg(format!(r#"{join}exec "$@""#))
        .arg("sh")
        .arg("setpriv")
        .args(["--reuid", &uid.to_string(), "--regid", &gid.to_string(), "--clear-groups", "--"])
        .arg(systemd)
        .arg("--user")
        .env_clear()
        .envs(env.iter().map(|(name, value)| (name, value)))
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("the log file can be shared"))
        .stderr(log)
        .spawn()
        .expect("sh runs")
}

/// What this machine lacks to run a user manager, if anything.
fn missing_prerequisite() -> Option<String> {
    if !crate::running_as_root() {
        return Some("the tests do not run as root (needed to make users and cgroups)".into());
    }
    for program in ["useradd", "setpriv", "dbus-daemon", "systemctl"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("{program} is not installed"));
        }
    }
    HIERARCHIES
        .iter()
        .map(|h| format!("/sys/fs/cgroup/{h}/cgroup.procs"))
        .find(|procs| !Path::new(procs).exists())
        .map(|procs| format!("{procs} does not exist (another cgroup layout)"))
}

/// Makes the user unless it exists; `useradd` fails while another test
/// holds the lock on /etc/passwd, so it is retried.
pub(crate) fn ensure_user(user: &str) {
    for _ in 0..50 {
        if Command::new("id").arg("-u").arg(user).output().is_ok_and(|o| o.status.success()) {
            return;
        }
        let _ = Command::new("useradd")
            .args(["--system", "--user-group", "--no-create-home"])
            .args(["--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", user])
            .output();
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("could not create the test user {user}");
}

pub(crate) fn id(user: &str, flag: &str) -> u32 {
    let output = Command::new("id").arg(flag).arg(user).output().expect("id runs");
    stdout(&output)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("id {flag} {user}: {}", stderr(&output)))
}

pub(crate) fn make_owned_dir(path: &Path, user: &str, mode: &str) {
    std::fs::create_dir_all(path).expect("the folder can be made");
    run_ok(Command::new("chown").arg(format!("{user}:{user}")).arg(path));
    run_ok(Command::new("chmod").arg(mode).arg(path));
}

fn run_ok(command: &mut Command) {
    let output = command.output().expect("the command runs");
    assert!(output.status.success(), "{command:?} failed: {}", stderr(&output));
}

/// Kills every process in `cgroup` and the cgroups below it: all of them
/// were started by a test's manager.
fn kill_all_in(cgroup: &Path) {
    for dir in cgroup_tree(cgroup) {
        let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
        for pid in procs.split_whitespace() {
            let _ = Command::new("kill").args(["-KILL", pid]).status();
        }
    }
}

/// Removes `cgroup` and the cgroups below it, deepest first. A cgroup is
/// removed with rmdir even though it seems to hold files.
fn remove_cgroup(cgroup: &Path) {
    for dir in cgroup_tree(cgroup).into_iter().rev() {
        for _ in 0..20 {
            if std::fs::remove_dir(&dir).is_ok() || !dir.exists() {
                break;
            }
            // Killed processes leave their cgroup a moment later.
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `cgroup` and every cgroup below it, parents before children.
fn cgroup_tree(cgroup: &Path) -> Vec<PathBuf> {
    let mut tree = Vec::new();
    let mut pending = vec![cgroup.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        tree.push(dir);
        pending.extend(entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()));
    }
    tree
}
