//! Other machines on this one, for `am switch`: each a network namespace
//! joined to a client namespace by a veth pair, running Debian's sshd and a
//! nix-daemon in a mount namespace of its own, where `/nix`, `/etc` (a
//! copy of this machine's), `/root`, `/home`, `/var/lib` and `/run` are
//! folders of the test. So a machine has its own Nix store (a copy to it is
//! a real copy, and a bundle missing there cannot run), its own users
//! (`deploy`, with sudo), homes and system state, while its programs
//! (`/usr`) are this machine's. `am` runs in the client namespace, which
//! reaches the machines only over the veth pairs and the test's ssh keys.
//!
//! Needs root (namespaces, mounts), iproute2, util-linux's `unshare`,
//! openssh-server and -client, sudo, and Nix; without one, a test is
//! skipped (a failure under `AM_REQUIRE_ALL=1`), see [`crate::require`].

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::{am_bin, fresh_dir, require, stderr};

/// The unprivileged user every machine has, allowed to use sudo and
/// trusted by the machine's Nix (as a deploy user must be, to import paths
/// that carry no signature).
pub const DEPLOY_USER: &str = "deploy";
/// The ids of [`DEPLOY_USER`] in the machines' own `/etc/passwd`.
pub const DEPLOY_UID: u32 = 4242;

/// The programs the lab runs, with the Debian package of each.
const PROGRAMS: &[(&str, &str)] = &[
    ("ip", "iproute2"),
    ("unshare", "util-linux"),
    ("sshd", "openssh-server"),
    ("ssh", "openssh-client"),
    ("ssh-keygen", "openssh-client"),
    ("sudo", "sudo"),
    ("nix-daemon", "nix-bin"),
    ("nix-store", "nix-bin"),
    ("nix-copy-closure", "nix-bin"),
];

/// The folders a machine has of its own: where it sees them, and the name
/// of the test's folder behind each.
const PRIVATE: &[(&str, &str)] = &[
    ("/nix", "nix"),
    ("/etc", "etc"),
    ("/root", "root"),
    ("/home", "home"),
    ("/var/lib", "var-lib"),
    ("/run", "run"),
];

/// A client namespace and the machines it reaches.
#[derive(Debug)]
pub struct Lab {
    dir: PathBuf,
    client: String,
    machines: Vec<Machine>,
}

/// One machine: its namespace, its address, and its folders.
#[derive(Debug)]
pub struct Machine {
    netns: String,
    address: String,
    dir: PathBuf,
    sshd: Option<Child>,
}

impl Lab {
    /// A lab with `count` machines, or `None` (after saying why) when what
    /// it needs is missing.
    pub fn start(label: &str, count: usize) -> Option<Lab> {
        if !lab_possible() {
            return None;
        }
        sweep_stale_namespaces();
        static LABS: AtomicU32 = AtomicU32::new(0);
        let prefix = format!("am-{}-{}", std::process::id(), LABS.fetch_add(1, Ordering::Relaxed));
        let client = format!("{prefix}-c");
        // The first namespace tells whether this machine allows them at all.
        let added = Command::new("ip").args(["netns", "add", &client]).output();
        let why = added.as_ref().map_or_else(ToString::to_string, |o| stderr(o).trim().to_string());
        if !require(
            &format!("network namespaces (ip netns add: {why})"),
            added.is_ok_and(|o| o.status.success()),
        ) {
            return None;
        }
        let mut lab = Lab { dir: fresh_dir(label), client, machines: Vec::new() };
        ip(&["-n", &lab.client, "link", "set", "lo", "up"]);
        let key = lab.dir.join("client_key");
        ssh_keygen(&key);
        for index in 0..count {
            let machine = Machine::start(&lab, &format!("{prefix}-m{index}"), index, &key);
            lab.machines.push(machine);
        }
        lab.write_ssh_config(&key);
        Some(lab)
    }

    pub fn machine(&self, index: usize) -> &Machine {
        &self.machines[index]
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `NIX_SSHOPTS` for this lab: its keys and known hosts, nothing of
    /// the user's own ssh configuration.
    pub fn nix_sshopts(&self) -> String {
        format!("-F {}", self.dir.join("ssh_config").display())
    }

    /// Runs `am args` in the client namespace, with the lab's ssh options,
    /// and Nix configured by `nix_config`.
    pub fn am(&self, args: &[&str], nix_config: &str) -> Output {
        self.in_client(nix_config).arg(am_bin()).args(args).output().expect("ip netns exec runs")
    }

    /// Runs the shell script `script` in the client namespace, with `am`
    /// as `$AM` and the environment of [`Lab::am`], for scripts that run
    /// `am` as users' scripts do (in a loop, with input on stdin).
    pub fn shell(&self, script: &str, nix_config: &str) -> Output {
        let mut command = self.in_client(nix_config);
        command.args(["sh", "-c", script]).env("AM", am_bin());
        command.output().expect("ip netns exec runs")
    }

    /// A command to run in the client namespace (its program and arguments
    /// still to add), with the lab's ssh options and Nix's configuration.
    fn in_client(&self, nix_config: &str) -> Command {
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &self.client])
            .env("NIX_SSHOPTS", self.nix_sshopts())
            .env("NIX_CONFIG", nix_config)
            .env_remove("NO_COLOR")
            .stdin(Stdio::null());
        command
    }

    /// Runs `command` (a shell command line) on `machine` as `user`, over
    /// ssh from the client namespace: what the machine itself sees.
    pub fn on(&self, machine: &Machine, user: &str, command: &str) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.client, "ssh", "-F"])
            .arg(self.dir.join("ssh_config"))
            .arg(machine.host(user))
            .arg(command)
            .stdin(Stdio::null())
            .output()
            .expect("ssh runs")
    }

    fn write_ssh_config(&self, key: &Path) {
        let mut known_hosts = String::new();
        for machine in &self.machines {
            let public = std::fs::read_to_string(machine.dir.join("etc/ssh/am_lab_host_key.pub"))
                .expect("the host key was made");
            let public: Vec<&str> = public.split_whitespace().take(2).collect();
            known_hosts.push_str(&format!("{} {}\n", machine.address, public.join(" ")));
        }
        write(&self.dir.join("known_hosts"), &known_hosts);
        write(
            &self.dir.join("ssh_config"),
            &format!(
                "Host *\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  \
                 StrictHostKeyChecking yes\n  BatchMode yes\n  ConnectTimeout 5\n",
                key.display(),
                self.dir.join("known_hosts").display()
            ),
        );
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.machines.clear();
        remove_namespace(&self.client);
        // A failed test's lab stays, with each machine's log, to be looked at.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        remove_namespace(&self.netns);
        if let Some(mut sshd) = self.sshd.take() {
            let _ = sshd.wait();
        }
    }
}

impl Machine {
    fn start(lab: &Lab, netns: &str, index: usize, client_key: &Path) -> Machine {
        let subnet = format!("10.77.{}", index + 1);
        let dir = lab.dir.join(format!("m{index}"));
        let mut machine =
            Machine { netns: netns.to_string(), address: format!("{subnet}.2"), dir, sshd: None };
        machine.make_folders(client_key);
        // Made in the client namespace, with its peer put into the machine's.
        let link = format!("m{index}");
        ip(&["netns", "add", netns]);
        ip(&["-n", &lab.client, "link", "add", &link, "type", "veth", "peer", "name", "eth0"]);
        ip(&["-n", &lab.client, "link", "set", "eth0", "netns", netns]);
        ip(&["-n", &lab.client, "addr", "add", &format!("{subnet}.1/24"), "dev", &link]);
        ip(&["-n", &lab.client, "link", "set", &link, "up"]);
        ip(&["-n", netns, "addr", "add", &format!("{subnet}.2/24"), "dev", "eth0"]);
        ip(&["-n", netns, "link", "set", "eth0", "up"]);
        ip(&["-n", netns, "link", "set", "lo", "up"]);
        machine.sshd = Some(machine.boot());
        machine.wait_until_ready();
        machine
    }

    /// `user@address`, as `--target-host` takes it.
    pub fn host(&self, user: &str) -> String {
        format!("{user}@{}", self.address)
    }

    /// Where the test finds the path `inside` (absolute, as the machine
    /// sees it) of one of the machine's own folders.
    pub fn path(&self, inside: &str) -> PathBuf {
        for (mount, folder) in PRIVATE {
            if let Some(rest) = inside.strip_prefix(mount) {
                if rest.is_empty() || rest.starts_with('/') {
                    return self.dir.join(folder).join(rest.trim_start_matches('/'));
                }
            }
        }
        panic!("{inside} is not in a folder of the machine's own");
    }

    /// Whether the machine's own store holds `store_path`.
    pub fn has_store_path(&self, store_path: &Path) -> bool {
        self.path(&store_path.display().to_string()).symlink_metadata().is_ok()
    }

    /// The machine's folders, users, keys and configuration.
    fn make_folders(&self, client_key: &Path) {
        for (_, folder) in PRIVATE {
            std::fs::create_dir_all(self.dir.join(folder)).expect("a machine folder");
        }
        let status = Command::new("cp").arg("-a").arg("/etc/.").arg(self.dir.join("etc")).status();
        assert!(status.is_ok_and(|s| s.success()), "/etc is copied for the machine");
        let etc = self.dir.join("etc");
        let home = self.dir.join("home").join(DEPLOY_USER);
        std::fs::create_dir_all(&home).expect("the deploy user's home");
        chown(&home, DEPLOY_UID);
        let (user, id) = (DEPLOY_USER, DEPLOY_UID);
        append(&etc.join("passwd"), &format!("{user}:x:{id}:{id}::/home/{user}:/bin/sh\n"));
        append(&etc.join("shadow"), &format!("{user}:*:19000:0:99999:7:::\n"));
        append(&etc.join("group"), &format!("{user}:x:{id}:\n"));
        std::fs::create_dir_all(etc.join("sudoers.d")).expect("sudoers.d");
        write(&etc.join("sudoers.d/am-lab"), &format!("{user} ALL=(ALL) NOPASSWD: ALL\n"));
        std::fs::create_dir_all(etc.join("nix")).expect("/etc/nix");
        // No substituters: there is no network, and look-ups would only wait.
        write(
            &etc.join("nix/nix.conf"),
            &format!("sandbox = false\nsubstituters =\ntrusted-users = root {user}\n"),
        );
        let ssh = etc.join("ssh");
        std::fs::create_dir_all(ssh.join("am_lab_authorized")).expect("authorized keys folder");
        ssh_keygen(&ssh.join("am_lab_host_key"));
        let public = std::fs::read_to_string(client_key.with_extension("pub")).expect("client key");
        for login in ["root", DEPLOY_USER] {
            write(&ssh.join("am_lab_authorized").join(login), &public);
        }
        write(
            &ssh.join("am_lab_sshd_config"),
            &format!(
                "ListenAddress {}\nHostKey /etc/ssh/am_lab_host_key\n\
                 AuthorizedKeysFile /etc/ssh/am_lab_authorized/%u\nPidFile none\nUsePAM no\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\n",
                self.address
            ),
        );
    }

    /// Starts the machine: its mounts, its nix-daemon, and sshd in front.
    fn boot(&self) -> Child {
        let mut script = String::from("set -e\n");
        for (mount, folder) in PRIVATE {
            let folder = self.dir.join(folder);
            script.push_str(&format!("mount --bind '{}' {mount}\n", folder.display()));
        }
        script.push_str(
            "mkdir -p /run/sshd\nnix-daemon &\n\
             exec /usr/sbin/sshd -D -e -f /etc/ssh/am_lab_sshd_config\n",
        );
        let log = std::fs::File::create(self.dir.join("machine.log")).expect("the machine's log");
        Command::new("ip")
            .args(["netns", "exec", &self.netns, "unshare", "--mount", "--propagation", "private"])
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log, twice"))
            .stderr(log)
            .spawn()
            .expect("the machine starts")
    }

    fn wait_until_ready(&self) {
        let socket = self.dir.join("nix/var/nix/daemon-socket/socket");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = std::fs::read_to_string(self.dir.join("machine.log")).unwrap_or_default();
            if log.contains("Server listening on") && socket.exists() {
                return;
            }
            assert!(Instant::now() < deadline, "the machine did not start:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Whether everything the lab needs is here (see [`require`]).
fn lab_possible() -> bool {
    if !require("root (network namespaces and mounts need it)", crate::running_as_root()) {
        return false;
    }
    for (program, package) in PROGRAMS {
        let found = crate::find_program(program)
            .or_else(|| Some(Path::new("/usr/sbin").join(program)).filter(|p| p.is_file()))
            .is_some();
        if !require(&format!("{program} (apt-get install {package})"), found) {
            return false;
        }
    }
    true
}

/// Removes namespaces that labs of test processes no longer running left
/// behind (killed before they could clean up), with what runs in them.
fn sweep_stale_namespaces() {
    let Ok(output) = Command::new("ip").args(["netns", "list"]).output() else { return };
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        let Some(pid) = name.strip_prefix("am-").and_then(|rest| rest.split('-').next()) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            remove_namespace(name);
        }
    }
}

/// Kills what runs in the namespace `name`, all started by a lab, and
/// removes it.
fn remove_namespace(name: &str) {
    if let Ok(output) = Command::new("ip").args(["netns", "pids", name]).output() {
        for pid in String::from_utf8_lossy(&output.stdout).split_whitespace() {
            let _ = Command::new("kill").args(["-KILL", pid]).status();
        }
    }
    let _ = Command::new("ip").args(["netns", "del", name]).status();
}

fn ip(args: &[&str]) {
    let output = Command::new("ip").args(args).output().expect("ip runs");
    assert!(output.status.success(), "ip {}: {}", args.join(" "), stderr(&output));
}

fn ssh_keygen(path: &Path) {
    let output = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "am-lab", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen runs");
    assert!(output.status.success(), "ssh-keygen: {}", stderr(&output));
}

fn chown(path: &Path, id: u32) {
    let status = Command::new("chown").arg(format!("{id}:{id}")).arg(path).status();
    assert!(status.is_ok_and(|s| s.success()), "chown {}", path.display());
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn append(path: &Path, text: &str) {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    write(path, &(old + text));
}
