//! The backend of `--dry-run`: the same engine, recording every change
//! instead of making it.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::Mutex;

use am_schema::state::JournalEntry;

use super::{Backend, Begin, Commit, Expect, MoveReason, lock};
use crate::activate::copy::{CopyFrom, Ids};
use crate::activate::dconf;
use crate::activate::exec::{Captured, ExecSpec};
use crate::activate::profile;
use crate::activate::systemd::{Ran, UnitChange, UnitManager};
use crate::activate::undo::UndoProblem;

/// One change a dry run would make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    CreateDir(PathBuf),
    CreateLink {
        path: PathBuf,
        content: PathBuf,
    },
    ReplaceLink {
        path: PathBuf,
        content: PathBuf,
    },
    RemoveLink(PathBuf),
    WriteCopy {
        path: PathBuf,
        mode: u32,
    },
    /// `private_bus`: dconf would run inside `dbus-run-session`.
    DconfWrite {
        path: String,
        value: String,
        private_bus: bool,
    },
    DconfReset {
        path: String,
        private_bus: bool,
    },
    Unit(UnitChange),
    /// A Nix profile changed with Nix's tools.
    Profile(profile::Switch),
    Move {
        from: PathBuf,
        to: PathBuf,
        why: MoveReason,
    },
    RemoveDir(PathBuf),
    Run {
        node: String,
        spec: ExecSpec,
    },
    Commit {
        generation: Option<u64>,
        trash: Vec<PathBuf>,
    },
}

/// The backend of `--dry-run`: records every change instead of making it.
/// It runs with one job, so the record is in plan order.
#[derive(Debug, Default)]
pub struct DryRunBackend {
    planned: Mutex<Vec<Planned>>,
    trash: Mutex<Vec<PathBuf>>,
}

impl DryRunBackend {
    pub fn planned(self) -> Vec<Planned> {
        self.planned.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn plan(&self, change: Planned) -> io::Result<()> {
        lock(&self.planned).push(change);
        Ok(())
    }
}

impl Backend for DryRunBackend {
    fn begin(&self, _begin: Begin) -> io::Result<()> {
        Ok(())
    }

    fn record(&self, _entries: Vec<JournalEntry>) -> io::Result<()> {
        Ok(())
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        self.plan(Planned::CreateDir(path.to_path_buf()))
    }

    fn create_symlink(&self, content: &Path, path: &Path) -> io::Result<()> {
        let (path, content) = (path.to_path_buf(), content.to_path_buf());
        self.plan(Planned::CreateLink { path, content })
    }

    fn replace_symlink(
        &self,
        content: &Path,
        path: &Path,
        _previous: &Path,
        _temp: &Path,
    ) -> io::Result<bool> {
        let (path, content) = (path.to_path_buf(), content.to_path_buf());
        self.plan(Planned::ReplaceLink { path, content }).map(|()| true)
    }

    fn remove_symlink(&self, path: &Path, _content: &Path, _aside: &Path) -> io::Result<bool> {
        self.plan(Planned::RemoveLink(path.to_path_buf())).map(|()| true)
    }

    fn write_copy(
        &self,
        _from: &CopyFrom,
        path: &Path,
        _temp: &Path,
        mode: u32,
        _owner: Ids,
    ) -> io::Result<()> {
        self.plan(Planned::WriteCopy { path: path.to_path_buf(), mode })
    }

    fn dconf_load(&self, client: &dyn dconf::Dconf, keys: &[(&str, &str)]) -> io::Result<()> {
        for (path, value) in keys {
            let (path, value) = (path.to_string(), value.to_string());
            let private_bus = client.private_bus();
            self.plan(Planned::DconfWrite { path, value, private_bus })?;
        }
        Ok(())
    }

    fn dconf_reset(&self, client: &dyn dconf::Dconf, path: &str) -> io::Result<()> {
        let path = path.to_string();
        self.plan(Planned::DconfReset { path, private_bus: client.private_bus() })
    }

    fn rename(
        &self,
        from: &Path,
        to: &Path,
        why: MoveReason,
        _expect: &Expect,
    ) -> io::Result<bool> {
        if why.is_trash() {
            lock(&self.trash).push(to.to_path_buf());
        }
        self.plan(Planned::Move { from: from.to_path_buf(), to: to.to_path_buf(), why })
            .map(|()| true)
    }

    fn remove_dir_if_empty(&self, path: &Path) -> bool {
        // Whether it would be empty depends on removals not made: say what
        // would be tried.
        let _ = self.plan(Planned::RemoveDir(path.to_path_buf()));
        false
    }

    fn profile_switch(
        &self,
        switch: &profile::Switch,
    ) -> io::Result<Result<(), profile::NixFailed>> {
        self.plan(Planned::Profile(switch.clone())).map(Ok)
    }

    fn unit_change(&self, _manager: &dyn UnitManager, change: &UnitChange) -> io::Result<Ran> {
        self.plan(Planned::Unit(change.clone()))?;
        Ok(Ran { success: true, output: String::new() })
    }

    fn run(&self, node: &str, spec: &ExecSpec, _output: &dyn Fn(&[u8])) -> io::Result<Captured> {
        self.plan(Planned::Run { node: node.to_string(), spec: spec.clone() })?;
        Ok(Captured { status: ExitStatus::from_raw(0), output: Vec::new(), timed_out: false })
    }

    fn commit(&self, commit: Commit) -> io::Result<Vec<String>> {
        let generation = commit.record.map(|record| record.number);
        let trash = std::mem::take(&mut *lock(&self.trash));
        self.plan(Planned::Commit { generation, trash })?;
        Ok(Vec::new())
    }

    fn rollback(&self, _dconf: &dyn dconf::Dconf) -> Vec<UndoProblem> {
        Vec::new()
    }
}
