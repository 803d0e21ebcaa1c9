//! The floor and the peers `am` is compared with: systemd-tmpfiles, GNU
//! stow and smfh, each doing the same work on the same workload.

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::floor;
use super::layout::Layout;
use super::measure::{Tool, failure, spawn_error};
use super::workload::Generation;

/// The first line `program --version` prints, or why it could not run.
fn version(program: &str) -> Result<String, String> {
    let mut command = Command::new(program);
    let output = command.arg("--version").output().map_err(|e| spawn_error(&command, &e))?;
    if !output.status.success() {
        return Err(failure(&output));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(stdout.lines().next().unwrap_or(program).trim().to_owned())
}

/// The floor, run in-process: no process start, no plan, no state. Its
/// memory is measured in a process of its own (`am-bench --floor-run`),
/// which makes the workload's file list, then does the same work.
#[derive(Debug)]
pub struct Floor {
    /// The workload's size, for the process measured for memory.
    pub files: usize,
}

impl Tool for Floor {
    fn name(&self) -> String {
        "floor".to_owned()
    }

    fn caveat(&self) -> Option<String> {
        Some(
            "the least work, in-process on one thread: a = mkdir -p once per folder and a \
             symlink per file; b = lstat + readlink per file; c = as b, plus unlink the \
             removed links and replace the changed ones; memory: the same work in a process \
             of its own, with the list of files"
                .to_owned(),
        )
    }

    fn command(
        &mut self,
        layout: &Layout,
        from: Option<&Generation>,
        to: &Generation,
    ) -> Result<Command, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find am-bench: {e}"))?;
        let mut command = Command::new(exe);
        command.arg("--floor-run").arg(layout.root()).arg(self.files.to_string());
        command.arg(from.map_or(0, |from| from.number).to_string()).arg(to.number.to_string());
        Ok(command)
    }

    fn apply(
        &mut self,
        layout: &Layout,
        from: Option<&Generation>,
        to: &Generation,
    ) -> Result<Duration, String> {
        let start = Instant::now();
        let done = floor::apply(layout, from, to);
        done.map(|()| start.elapsed()).map_err(|e| e.to_string())
    }
}

/// `systemd-tmpfiles --create` on `L+` lines, as nix-maid uses it.
#[derive(Debug)]
pub struct Tmpfiles {
    version: Result<String, String>,
}

impl Tmpfiles {
    pub fn new() -> Self {
        Self { version: version("systemd-tmpfiles") }
    }
}

impl Tool for Tmpfiles {
    fn name(&self) -> String {
        "systemd-tmpfiles".to_owned()
    }

    fn unavailable(&self) -> Option<String> {
        self.version.clone().err()
    }

    fn caveat(&self) -> Option<String> {
        let version = self.version.as_deref().unwrap_or("?");
        Some(format!("{version}; c = --create with the new conf, removes nothing"))
    }

    fn command(
        &mut self,
        layout: &Layout,
        _from: Option<&Generation>,
        to: &Generation,
    ) -> Result<Command, String> {
        let mut command = Command::new("systemd-tmpfiles");
        command.arg("--create").arg(layout.tmpfiles_conf(to.number));
        Ok(command)
    }
}

/// GNU stow with one package, `pkg`: each generation is a package folder
/// moved into the stow folder (untimed) before stow runs, as after a `git
/// pull` of a dotfiles repository.
#[derive(Debug)]
pub struct Stow {
    version: Result<String, String>,
    /// The generation whose package is in the stow folder now.
    installed: Option<u32>,
}

impl Stow {
    pub fn new() -> Self {
        Self { version: version("stow"), installed: None }
    }

    fn package(layout: &Layout) -> PathBuf {
        layout.stow_dir().join("pkg")
    }

    /// Moves generation `number`'s package into the stow folder.
    fn install(&mut self, layout: &Layout, number: u32) -> Result<(), String> {
        if self.installed == Some(number) {
            return Ok(());
        }
        let package = Self::package(layout);
        let moved = |from: PathBuf, to: &PathBuf| {
            fs::rename(&from, to).map_err(|e| format!("cannot move {}: {e}", from.display()))
        };
        if let Some(current) = self.installed.take() {
            moved(package.clone(), &layout.stow_parked(current))?;
        }
        moved(layout.stow_parked(number), &package)?;
        self.installed = Some(number);
        Ok(())
    }
}

impl Tool for Stow {
    fn name(&self) -> String {
        "stow".to_owned()
    }

    fn unavailable(&self) -> Option<String> {
        self.version.clone().err()
    }

    fn caveat(&self) -> Option<String> {
        let version = self.version.as_deref().unwrap_or("?");
        Some(format!("{version}; --no-folding, relative links; c = -R (restow)"))
    }

    fn command(
        &mut self,
        layout: &Layout,
        from: Option<&Generation>,
        to: &Generation,
    ) -> Result<Command, String> {
        self.install(layout, to.number)?;
        let mut command = Command::new("stow");
        command.arg("--no-folding").arg("-d").arg(layout.stow_dir());
        command.arg("-t").arg(layout.home());
        if from.is_some_and(|from| from.number != to.number) {
            command.arg("-R");
        }
        command.arg("pkg");
        Ok(command)
    }
}

/// smfh, hjem's linker: `activate` a manifest, or `diff` the new manifest
/// against the old one when switching, as hjem does.
#[derive(Debug)]
pub struct Smfh {
    program: String,
    version: Result<String, String>,
}

impl Smfh {
    /// `AM_BENCH_SMFH` names the binary when it is not `smfh` on the PATH.
    pub fn new() -> Self {
        let program = std::env::var("AM_BENCH_SMFH").unwrap_or_else(|_| "smfh".to_owned());
        Self { version: version(&program), program }
    }
}

impl Tool for Smfh {
    fn name(&self) -> String {
        "smfh".to_owned()
    }

    fn unavailable(&self) -> Option<String> {
        self.version.clone().err()
    }

    fn caveat(&self) -> Option<String> {
        let version = self.version.as_deref().unwrap_or("?");
        Some(format!("{version}; b = activate again; c = diff NEW OLD"))
    }

    fn command(
        &mut self,
        layout: &Layout,
        from: Option<&Generation>,
        to: &Generation,
    ) -> Result<Command, String> {
        let mut command = Command::new(&self.program);
        match from {
            Some(from) if from.number != to.number => command
                .arg("diff")
                .arg(layout.smfh_manifest(to.number))
                .arg(layout.smfh_manifest(from.number)),
            _ => command.arg("activate").arg(layout.smfh_manifest(to.number)),
        };
        Ok(command)
    }
}
