//! A throwaway machine for the tests of system bundles: systemd as PID 1 in
//! its own PID, mount and cgroup namespaces, over a root tree of its own
//! (its `/etc`, `/var`, `/run`, `/tmp`) that shares only the host's `/usr`
//! (read-only) and `/nix`. The host's `/etc` and units are never touched;
//! the machine's cgroups live below one folder of the host's hierarchies,
//! removed with it.
//!
//! Works as root on hosts whose PID 1 is not systemd too: that is what the
//! test machines are. Needs `unshare`, `nsenter` and `chroot` (util-linux,
//! coreutils) and systemd's own binaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::{fresh_dir, require};

/// Units of a full Debian system that make no sense in the machine (or
/// would reach the host's console and devices): masked.
const MASKED: &[&str] = &[
    "console-getty.service",
    "getty.target",
    "systemd-udevd.service",
    "systemd-udevd-control.socket",
    "systemd-udevd-kernel.socket",
    "systemd-logind.service",
];

#[derive(Debug)]
pub struct Machine {
    /// The machine's `/`, as seen from the host.
    pub root: PathBuf,
    /// Its PID 1, as seen from the host.
    pid: u32,
    /// The folder of its cgroups in each of the host's hierarchies.
    cgroups: Vec<PathBuf>,
    /// `unshare`, which waits for PID 1, and is waited for in turn.
    starter: std::process::Child,
}

impl Machine {
    /// Boots a machine, or says why it cannot (`None`; a failure when
    /// `AM_REQUIRE_ALL` is set). `share` are host paths bind-mounted at the
    /// same place inside, read-only (an `am` outside the store).
    pub fn boot(label: &str, share: &[&Path]) -> Option<Machine> {
        let root_user = crate::running_as_root();
        let hierarchies: Vec<PathBuf> = ["systemd", "unified"]
            .iter()
            .map(|name| Path::new("/sys/fs/cgroup").join(name))
            .filter(|path| path.join("cgroup.procs").exists())
            .collect();
        let tools =
            ["unshare", "nsenter", "chroot"].iter().all(|tool| crate::find_program(tool).is_some());
        let systemd = Path::new("/usr/lib/systemd/systemd").exists();
        if !require(
            "a system manager in a throwaway machine (root, unshare, systemd)",
            root_user && tools && systemd && !hierarchies.is_empty(),
        ) {
            return None;
        }
        let root = fresh_dir(&format!("machine-{label}"));
        prepare_tree(&root);
        let name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let cgroups: Vec<PathBuf> = hierarchies.iter().map(|h| h.join(&name)).collect();
        for cgroup in &cgroups {
            std::fs::create_dir_all(cgroup).expect("a cgroup of the machine's own");
        }
        let mut script = String::from("set -e\n");
        for cgroup in &cgroups {
            script.push_str(&format!("echo $$ > {}/cgroup.procs\n", cgroup.display()));
        }
        let r = root.display();
        script.push_str(&format!(
            "exec env container=am-test unshare --pid --mount --cgroup --fork --propagation private \
             sh -c 'set -e\n\
             mount --bind -o ro /usr {r}/usr\n\
             mount --rbind /nix {r}/nix\n\
             mount -t proc proc {r}/proc\n\
             mount -t sysfs sysfs {r}/sys\n\
             mount -t tmpfs tmpfs {r}/sys/fs/cgroup\n\
             mkdir {r}/sys/fs/cgroup/systemd {r}/sys/fs/cgroup/unified\n\
             mount -t cgroup -o none,name=systemd cgroup {r}/sys/fs/cgroup/systemd\n\
             mount -t cgroup2 cgroup2 {r}/sys/fs/cgroup/unified\n\
             mount --rbind /dev {r}/dev\n\
             mount -t tmpfs tmpfs {r}/run\n"
        ));
        for path in share {
            let inside = root.join(path.strip_prefix("/").unwrap_or(path));
            std::fs::create_dir_all(&inside).expect("a mount point for a shared path");
            script.push_str(&format!(
                "mount --bind -o ro {} {}\n",
                path.display(),
                inside.display()
            ));
        }
        script.push_str(&format!("exec chroot {r} /usr/lib/systemd/systemd --system'\n"));
        let log = std::fs::File::create(root.with_extension("log")).expect("the machine's log");
        let child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("the machine starts");
        // Owning the tree and the cgroups now, it cleans up after a failure too.
        let mut machine = Machine { root, pid: 0, cgroups, starter: child };
        machine.pid = find_init(machine.starter.id());
        machine.wait_until_running();
        Some(machine)
    }

    fn wait_until_running(&self) {
        let started = Instant::now();
        loop {
            let state = self.systemctl(&["is-system-running"]);
            let state = String::from_utf8_lossy(&state.stdout).trim().to_string();
            if state == "running" || state == "degraded" {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the machine's systemd is {state:?} after 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs a program inside the machine, as root, with `/` its root.
    pub fn run(&self, argv: &[&str]) -> Output {
        Command::new("nsenter")
            .arg("-t")
            .arg(self.pid.to_string())
            .args(["-m", "-p", "chroot"])
            .arg(&self.root)
            .args(argv)
            .env_remove("XDG_RUNTIME_DIR")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::null())
            .output()
            .expect("nsenter runs")
    }

    pub fn systemctl(&self, args: &[&str]) -> Output {
        let mut argv = vec!["systemctl"];
        argv.extend_from_slice(args);
        self.run(&argv)
    }

    /// Whether the machine's manager says the unit is active.
    pub fn is_active(&self, unit: &str) -> bool {
        String::from_utf8_lossy(&self.systemctl(&["is-active", unit]).stdout).trim() == "active"
    }

    /// A path inside the machine, seen from the host.
    pub fn path(&self, inside: &str) -> PathBuf {
        self.root.join(inside.trim_start_matches('/'))
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        // SIGKILL to a PID namespace's init kills every process in it; its
        // mounts go with its mount namespace.
        let _ = Command::new("kill").args(["-9", &self.pid.to_string()]).status();
        let started = Instant::now();
        while Path::new(&format!("/proc/{}", self.pid)).exists()
            && started.elapsed() < Duration::from_secs(5)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.starter.wait();
        for cgroup in &self.cgroups {
            remove_cgroups(cgroup);
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// The machine's PID 1 (as the host sees it): the child `unshare` forked,
/// which became `systemd` through `sh` and `chroot` (each `exec`s).
fn find_init(starter: u32) -> u32 {
    let started = Instant::now();
    let children = format!("/proc/{starter}/task/{starter}/children");
    loop {
        let found = std::fs::read_to_string(&children).unwrap_or_default();
        if let Some(pid) = found.split_whitespace().next().and_then(|pid| pid.parse().ok()) {
            return pid;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the machine's systemd never started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Removes a cgroup folder and those below it, deepest first (each must be
/// empty of processes, which a killed machine's are).
fn remove_cgroups(cgroup: &Path) {
    let Ok(entries) = std::fs::read_dir(cgroup) else { return };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            remove_cgroups(&entry.path());
        }
    }
    let _ = std::fs::remove_dir(cgroup);
}

/// The machine's own folders and the few files a Debian system's units and
/// `useradd` need; the rest comes from the host's `/usr`.
fn prepare_tree(root: &Path) {
    for dir in [
        "etc/systemd/system",
        "var/lib",
        "var/log",
        "run",
        "tmp",
        "proc",
        "sys",
        "dev",
        "usr",
        "nix",
        "root",
    ] {
        std::fs::create_dir_all(root.join(dir)).expect("a folder of the machine");
    }
    for dir in ["bin", "lib", "lib64", "sbin"] {
        let _ = std::os::unix::fs::symlink(format!("usr/{dir}"), root.join(dir));
    }
    let _ = Command::new("chmod").arg("1777").arg(root.join("tmp")).status();
    let etc = root.join("etc");
    let files = [
        ("passwd", "root:x:0:0:root:/root:/bin/sh\n", 0o644),
        ("group", "root:x:0:\n", 0o644),
        ("shadow", "root:*:19000:0:99999:7:::\n", 0o600),
        ("gshadow", "root:*::\n", 0o600),
        ("machine-id", "", 0o444),
    ];
    for (name, text, mode) in files {
        std::fs::write(etc.join(name), text).expect("a file of the machine's /etc");
        let mode = std::os::unix::fs::PermissionsExt::from_mode(mode);
        std::fs::set_permissions(etc.join(name), mode).expect("its mode");
    }
    let _ = std::fs::copy("/etc/os-release", etc.join("os-release"));
    let units = etc.join("systemd/system");
    let _ = std::os::unix::fs::symlink(
        "/usr/lib/systemd/system/multi-user.target",
        units.join("default.target"),
    );
    for unit in MASKED {
        let _ = std::os::unix::fs::symlink("/dev/null", units.join(unit));
    }
}
