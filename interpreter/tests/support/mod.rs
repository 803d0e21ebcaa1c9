//! Shared helpers of the integration tests: fake bundles written from
//! `Plan` values, temporary homes, and the real `am` binary run against them.

#![allow(dead_code)] // Each test file uses its own subset.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use am_schema::{Exec, Kind, Link, Node, NodeIndex, Plan};

/// A new empty folder under the system's temp dir, removed when dropped.
#[derive(Debug)]
pub struct Scratch {
    pub root: PathBuf,
}

impl Scratch {
    pub fn new(label: &str) -> Scratch {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let root = std::env::temp_dir().join(format!(
            "am-it-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("home")).expect("temp dir is writable");
        Scratch { root }
    }

    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    /// `$HOME/.local/state/activation-manager`.
    pub fn state(&self) -> PathBuf {
        self.home().join(".local/state/activation-manager")
    }

    /// Writes `plan` as a bundle folder named `name`: `plan.am`, one
    /// `static/<target>` file per link node (holding `<name>:<target>`), and a
    /// `bin/activate` whose `#!` line runs the `am` under test.
    pub fn bundle(&self, name: &str, plan: &Plan) -> PathBuf {
        let bundle = self.root.join(name);
        std::fs::create_dir_all(bundle.join("static")).expect("bundle folder");
        std::fs::write(bundle.join(am_schema::PLAN_FILE), am_schema::encode(plan)).expect("plan");
        for node in &plan.nodes {
            if let Kind::Link(link) = &node.kind {
                let file = bundle.join("static").join(&link.target);
                std::fs::create_dir_all(file.parent().expect("has a parent")).expect("folder");
                std::fs::write(&file, format!("{name}:{}", link.target)).expect("static file");
            }
        }
        let script = bundle.join(am_schema::ACTIVATE_SCRIPT);
        std::fs::create_dir_all(script.parent().expect("bin")).expect("bin folder");
        std::fs::write(&script, format!("#!{} bundle-entry\n", am().display())).expect("script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        bundle
    }

    /// Runs `am` with this scratch's home.
    pub fn am(&self, args: &[&str]) -> Output {
        self.run(am(), args)
    }

    /// Runs any program with this scratch's home and a clean environment
    /// for `am` (no XDG_STATE_HOME, no colour).
    pub fn run(&self, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Output {
        Command::new(program)
            .args(args)
            .env("HOME", self.home())
            .env_remove("XDG_STATE_HOME")
            .env("NO_COLOR", "1")
            .output()
            .expect("command runs")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

pub fn am() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_am"))
}

pub fn link(target: &str) -> Node {
    Node {
        id: format!("file:{target}"),
        declared_by: format!("home.file.\"{target}\""),
        required: true,
        after: vec![],
        kind: Kind::Link(Link { target: target.into(), force: false, source: None }),
    }
}

/// An exec node running `script` with `sh -c`.
pub fn shell(id: &str, script: &str, required: bool, after: &[NodeIndex]) -> Node {
    Node {
        id: id.into(),
        declared_by: format!("am.nodes.{id}"),
        required,
        after: after.to_vec(),
        kind: Kind::Exec(Exec {
            argv: vec!["sh".into(), "-c".into(), script.into()],
            env: vec![],
            cwd: None,
            timeout: None,
            when_changed: vec![],
        }),
    }
}

// The output helpers every end-to-end test uses, from the test crate.
#[allow(unused_imports)] // Each test file uses its own subset.
pub use am_tests::{assert_exit, stderr, stdout};

/// Inode, change time and modification time as `lstat` sees them: any
/// replacement or write shows up as a difference.
pub fn stamp(path: &Path) -> (u64, i64, i64, i64, i64) {
    let meta =
        std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (meta.ino(), meta.ctime(), meta.ctime_nsec(), meta.mtime(), meta.mtime_nsec())
}

/// Every path under `root`, relative and sorted, links with their content.
pub fn listing(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            match std::fs::read_link(&path) {
                Ok(content) => out.push(format!("{rel} -> {}", content.display())),
                Err(_) if path.is_dir() => {
                    out.push(format!("{rel}/"));
                    walk(root, &path, out);
                }
                Err(_) => out.push(rel),
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}
