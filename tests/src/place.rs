//! Where a test activates: a home ([`crate::engine::Home`]) or a system
//! tree under `--root` ([`crate::system::Root`]), behind one trait, so that
//! a scenario written once (the crash test, the random model of
//! generations) runs against bundles of both roles. A place says where its
//! targets, state and static link are and how `am` is pointed at it; what
//! follows from that (activating, reading the state, checking a target) is
//! written here once.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::am_bin;
use crate::engine::{Bundle, Role, USER_MTIME_SECS, set_user_mtime};

pub trait Place {
    /// The role of the bundles activated here.
    const ROLE: Role;

    /// The folder targets are relative to: `$HOME`, or `DIR/etc`.
    fn dir(&self) -> PathBuf;

    /// The state folder: `$XDG_STATE_HOME/activation-manager`, or
    /// `DIR/var/lib/activation-manager`.
    fn state(&self) -> PathBuf;

    /// The link that switching bundles swaps.
    fn static_link_path(&self) -> PathBuf;

    /// What a managed link at `rel` holds.
    fn link_content(&self, rel: &str) -> PathBuf;

    /// `program` with the place's environment and no stdin.
    fn command_for(&self, program: &Path) -> Command;

    /// What points `am` and `bin/activate` at this place.
    fn place_args(&self) -> Vec<String>;

    /// The path `rel` (below [`Place::dir`]) resolves to, following links
    /// as the place does; `None` when nothing is there.
    fn resolve(&self, rel: &str) -> Option<PathBuf>;

    /// What is there without `am`'s state, for comparing two places that
    /// should hold the same.
    fn listing(&self) -> String;

    /// Everything, state included, with every link's inode and mtime: for
    /// "nothing changed" checks within one place.
    fn snapshot(&self) -> String;

    /// Whether the account `name` is locked; `None` where it does not
    /// exist (a home has no accounts).
    fn account_locked(&self, _name: &str) -> Option<bool> {
        None
    }

    /// Runs `<bundle>/bin/activate` for this place with `args`.
    fn activate(&self, bundle: &Bundle, args: &[&str]) -> Output {
        let mut command = self.command_for(&bundle.script());
        command.args(self.place_args()).args(args).output().expect("bin/activate runs")
    }

    /// Runs `am <command>` for this place with `args`.
    fn am(&self, command: &str, args: &[&str]) -> Output {
        let mut am = self.command_for(&am_bin());
        am.arg(command).args(self.place_args()).args(args).output().expect("am runs")
    }

    /// Starts activating `bundle`, SIGKILLs it after `delay`, and says
    /// whether the kill interrupted it (rather than finding it done).
    fn activate_and_kill(&self, bundle: &Bundle, delay: Duration) -> bool {
        let mut child = self
            .command_for(&bundle.script())
            .args(self.place_args())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the activation starts");
        std::thread::sleep(delay);
        // Child::kill sends SIGKILL; on a process that already exited it does nothing.
        let _ = child.kill();
        let status = child.wait().expect("the killed activation is reaped");
        std::os::unix::process::ExitStatusExt::signal(&status) == Some(9)
    }

    /// The number of the generation `current` points at.
    fn current(&self) -> Option<u32> {
        let content = std::fs::read_link(self.state().join("current")).ok()?;
        let name = content.file_name()?.to_str()?.to_string();
        Some(name.parse().unwrap_or_else(|_| {
            panic!("`current` points at {}, not at generations/<N>", content.display())
        }))
    }

    /// The numbers of the recorded generations, from `generations/`.
    fn generations(&self) -> BTreeSet<u32> {
        let Ok(entries) = std::fs::read_dir(self.state().join("generations")) else {
            return BTreeSet::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str().and_then(|name| name.parse().ok()))
            .collect()
    }

    /// The bundle that `gcroots/<number>` points at.
    fn gcroot(&self, number: u32) -> Option<PathBuf> {
        std::fs::read_link(self.state().join("gcroots").join(number.to_string())).ok()
    }

    fn has_journal(&self) -> bool {
        std::fs::symlink_metadata(self.state().join("journal")).is_ok()
    }

    /// What the static link points at.
    fn static_link(&self) -> Option<PathBuf> {
        std::fs::read_link(self.static_link_path()).ok()
    }

    /// Writes a file of the user's (in a system, of the distribution's)
    /// at `rel`, making its parents, with the fixed user mtime.
    fn write_user_file(&self, rel: &str, bytes: &[u8]) {
        let path = self.dir().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("user folders can be made");
        }
        std::fs::write(&path, bytes).expect("a user file can be written");
        set_user_mtime(&path);
    }

    /// Panics unless `rel` is a regular file (not a link) holding `bytes`
    /// with the fixed user mtime.
    fn assert_user_file(&self, rel: &str, bytes: &[u8], context: &str) {
        let path = self.dir().join(rel);
        let meta = std::fs::symlink_metadata(&path)
            .unwrap_or_else(|e| panic!("{context}: user file {rel} is gone ({e})"));
        assert!(meta.is_file(), "{context}: user file {rel} is no longer a plain file");
        let found = std::fs::read(&path).expect("a user file is readable");
        assert!(
            found == bytes,
            "{context}: user file {rel} changed: {:?} instead of {:?}",
            String::from_utf8_lossy(&found),
            String::from_utf8_lossy(bytes)
        );
        assert_eq!(
            meta.mtime() as u64,
            USER_MTIME_SECS,
            "{context}: user file {rel} was rewritten (its mtime changed)"
        );
    }

    /// Panics unless `rel` is a link into the static folder
    /// ([`Place::link_content`]) that resolves to `bytes`.
    fn assert_managed(&self, rel: &str, bytes: &[u8], context: &str) {
        let content = std::fs::read_link(self.dir().join(rel))
            .unwrap_or_else(|e| panic!("{context}: {rel} is not a link ({e})"));
        assert_eq!(
            content,
            self.link_content(rel),
            "{context}: {rel} does not link into the static folder"
        );
        let found = self.resolve(rel).and_then(|path| std::fs::read(path).ok());
        let found = found.unwrap_or_else(|| panic!("{context}: {rel} does not resolve"));
        assert!(
            found == bytes,
            "{context}: {rel} resolves to {:?} instead of {:?}",
            String::from_utf8_lossy(&found),
            String::from_utf8_lossy(bytes)
        );
    }

    /// Panics unless `rel` is a copy (a plain file) holding `bytes` with
    /// `mode`, owned by the ids `owner` (`(uid, gid)`) when given.
    fn assert_copy(
        &self,
        rel: &str,
        bytes: &[u8],
        mode: u32,
        owner: Option<(u32, u32)>,
        context: &str,
    ) {
        let path = self.dir().join(rel);
        let meta = std::fs::symlink_metadata(&path)
            .unwrap_or_else(|e| panic!("{context}: the copy {rel} is missing ({e})"));
        assert!(meta.is_file(), "{context}: {rel} is not a copy ({:?})", meta.file_type());
        let found = std::fs::read(&path).expect("a copy is readable");
        assert!(
            found == bytes,
            "{context}: the copy {rel} holds {:?} instead of {:?}",
            String::from_utf8_lossy(&found),
            String::from_utf8_lossy(bytes)
        );
        assert_eq!(meta.mode() & 0o7777, mode, "{context}: the mode of the copy {rel}");
        if let Some(owner) = owner {
            assert_eq!((meta.uid(), meta.gid()), owner, "{context}: the owner of the copy {rel}");
        }
    }

    /// Panics unless nothing at all is at `rel` (not even a dangling link).
    fn assert_absent(&self, rel: &str, context: &str) {
        let path = self.dir().join(rel);
        if let Ok(meta) = std::fs::symlink_metadata(&path) {
            panic!("{context}: {rel} should not exist, but is there ({:?})", meta.file_type());
        }
    }
}
