//! System bundles under test: the Nix expression that builds one
//! (`systemBundle`), and [`Root`], a temporary folder activated into with
//! `--root` as if it were `/`, never the machine's own `/etc`.

use std::fmt::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::engine::{Bundle, Role, build_exprs, scratch_dir};
use crate::listing::{ListOptions, list_tree};
use crate::place::Place;
use crate::{am_package, nix_path, nixpkgs_lib, repo_root};

/// The account files of a system, which `useradd` and its kin rewrite
/// whole, each leaving the previous version beside it as `<file>-`.
const ACCOUNT_FILES: [&str; 4] = ["passwd", "group", "shadow", "gshadow"];

/// The Nix expression building the system bundle of the module files
/// `modules`.
pub fn system_bundle_expr(modules: &[&Path]) -> String {
    let modules: Vec<String> = modules.iter().map(|m| nix_path(m)).collect();
    format!(
        "let lib = import {lib}; am = import {nix} {{ inherit lib; am = {pkg}; }}; \
         in am.systemBundle {{ modules = [ {modules} ]; }}",
        lib = nix_path(&nixpkgs_lib()),
        nix = nix_path(&repo_root().join("nix")),
        pkg = nix_path(&am_package()),
        modules = modules.join(" "),
    )
}

/// Builds one system bundle per module text, with one `nix-build`, in the
/// order of `modules`.
pub fn build_system_bundles(label: &str, modules: &[&str]) -> Vec<Bundle> {
    let dir = crate::fresh_dir(label);
    let exprs: Vec<String> = modules
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let path = dir.join(format!("system-{i}.nix"));
            std::fs::write(&path, text).expect("the module file is writable");
            system_bundle_expr(&[&path])
        })
        .collect();
    build_exprs(&dir, &exprs, "the test system bundles must build")
}

/// A folder activated into as a system's root (`--root`), with an `etc/`
/// as every system has. Removed when dropped, unless the test is failing.
#[derive(Debug)]
pub struct Root {
    pub path: PathBuf,
}

impl Root {
    pub fn new(label: &str) -> Root {
        let path = scratch_dir(&format!("root-{label}"));
        std::fs::create_dir_all(path.join("etc")).expect("the root is writable");
        Root { path }
    }

    /// A root whose account files have what a distribution starts with:
    /// root, and the `users` group normal users go into, with their
    /// shadow files (where a lock's expiry date goes).
    pub fn with_accounts(label: &str) -> Root {
        let root = Root::new(label);
        root.write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        root.write("etc/group", "root:x:0:\nusers:x:100:\n");
        root.write("etc/shadow", "root:*:19000:0:99999:7:::\n");
        root.write("etc/gshadow", "root:*::\nusers:*::\n");
        for shadow in ["etc/shadow", "etc/gshadow"] {
            std::fs::set_permissions(root.join(shadow), std::fs::Permissions::from_mode(0o600))
                .expect("the shadow files' mode can be set");
        }
        root
    }

    /// Whether the account `name` is locked: expired (`usermod
    /// --expiredate 1`), as `am` locks an account it made and the
    /// configuration dropped.
    pub fn locked(&self, name: &str) -> bool {
        let shadow = self.account("shadow", name);
        shadow.is_some_and(|fields| fields.get(7).is_some_and(|expiry| expiry == "1"))
    }

    /// The line of `name` in the root's `etc/passwd` (or `etc/group`,
    /// `etc/shadow`), split at its colons.
    pub fn account(&self, file: &str, name: &str) -> Option<Vec<String>> {
        let text = std::fs::read_to_string(self.join(&format!("etc/{file}"))).ok()?;
        text.lines()
            .map(|line| line.split(':').map(str::to_string).collect::<Vec<_>>())
            .find(|fields| fields.first().is_some_and(|first| first == name))
    }

    /// `DIR/<rel>`, for a path of the system (`etc/motd`).
    pub fn join(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    /// A file of the distribution's (or the admin's) at `rel`.
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(&self.path)).expect("folders can be made");
        std::fs::write(path, text).expect("the file can be written");
    }

    /// Appends `text` to the file at `rel` (an account of the machine's).
    pub fn append(&self, rel: &str, text: &str) {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(self.join(rel))
            .expect("the file can be appended to");
        std::io::Write::write_all(&mut file, text.as_bytes()).expect("the file can be written");
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        // A system activation does not read the home; the tests' own user
        // manager is never asked about units.
        command.env_remove("XDG_RUNTIME_DIR").env_remove("NO_COLOR").stdin(Stdio::null());
        command
    }

    /// `<bundle>/bin/activate --root DIR ARGS`.
    pub fn activate(&self, bundle: &Bundle, args: &[&str]) -> Output {
        Place::activate(self, bundle, args)
    }

    /// `am COMMAND --root DIR ARGS`.
    pub fn am(&self, command: &str, args: &[&str]) -> Output {
        Place::am(self, command, args)
    }

    /// What `rel` (a path of the system, `etc/motd`) reads as inside the
    /// root: an absolute link target is resolved below `DIR`, as the
    /// booted system would resolve it. `None` when nothing is there.
    pub fn read(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.resolve_path(&self.join(rel), 0)?).ok()
    }

    /// `path` with every link on the way resolved inside the root.
    fn resolve_path(&self, path: &Path, depth: u32) -> Option<PathBuf> {
        if depth > 16 {
            return None;
        }
        let mut resolved = PathBuf::new();
        for component in path.components() {
            resolved.push(component);
            if let Ok(target) = std::fs::read_link(&resolved) {
                let inside = if target.starts_with("/nix/store") {
                    target
                } else if target.is_absolute() {
                    self.path.join(target.strip_prefix("/").unwrap_or(&target))
                } else {
                    resolved.parent().unwrap_or(&self.path).join(target)
                };
                resolved = self.resolve_path(&inside, depth + 1)?;
            }
        }
        resolved.exists().then_some(resolved)
    }

    /// Every path below `etc/` but the static folder's own: links with
    /// their target and what they read as inside the root, files with
    /// their mode, owner and group ids, and text.
    pub fn etc_listing(&self) -> String {
        let mut out = String::new();
        self.walk(&self.join("etc"), &mut out);
        out
    }

    fn walk(&self, dir: &Path, out: &mut String) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let rel = path.strip_prefix(&self.path).unwrap_or(&path).display().to_string();
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            if rel == "etc/.activation-manager" {
                let _ = writeln!(out, "{rel}/  [activation-manager's]");
            } else if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap_or_default();
                let text = self.read(&rel).map_or("dangling".into(), |text| format!("{text:?}"));
                let _ = writeln!(out, "{rel} -> {}  [{text}]", target.display());
            } else if meta.is_dir() {
                let _ = writeln!(out, "{rel}/");
                self.walk(&path, out);
            } else {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let mode = meta.permissions().mode() & 0o7777;
                let _ =
                    writeln!(out, "{rel}  [{mode:04o} {}:{}, {text:?}]", meta.uid(), meta.gid());
            }
        }
    }
}

impl Place for Root {
    const ROLE: Role = Role::System;

    fn dir(&self) -> PathBuf {
        self.join("etc")
    }

    fn state(&self) -> PathBuf {
        self.join("var/lib/activation-manager")
    }

    fn static_link_path(&self) -> PathBuf {
        self.join("etc/.activation-manager/static")
    }

    fn link_content(&self, rel: &str) -> PathBuf {
        Path::new("/etc/.activation-manager/static").join(rel)
    }

    fn command_for(&self, program: &Path) -> Command {
        self.command(program)
    }

    fn place_args(&self) -> Vec<String> {
        vec!["--root".to_string(), self.path.display().to_string()]
    }

    fn resolve(&self, rel: &str) -> Option<PathBuf> {
        self.resolve_path(&self.dir().join(rel), 0)
    }

    /// The whole tree but `am`'s state (the state folder, and the static
    /// link's folder in `etc`), links resolved inside the root, with owners
    /// (a copy's, a tmpfiles rule's), then the records of the account
    /// files, sorted (the tools reorder them, and keep their own backups).
    fn listing(&self) -> String {
        let resolve = |path: &Path| self.resolve_path(path, 0);
        let mut skip = vec![self.state(), self.join("etc/.activation-manager")];
        for file in ACCOUNT_FILES {
            skip.extend([self.join(&format!("etc/{file}")), self.join(&format!("etc/{file}-"))]);
        }
        // The lock file `lckpwdf` makes once, and leaves.
        skip.push(self.join("etc/.pwd.lock"));
        let options = ListOptions {
            skip,
            resolve: Some(&resolve),
            only_user_mtimes: true,
            owners: true,
            ..ListOptions::default()
        };
        let mut out = list_tree(&self.path, &options);
        for file in ACCOUNT_FILES {
            let text = std::fs::read_to_string(self.join(&format!("etc/{file}")));
            let mut records: Vec<String> =
                text.unwrap_or_default().lines().map(str::to_string).collect();
            if file == "shadow" {
                // The day of the last password change is the day the
                // account was made, which two trees need not share.
                for record in &mut records {
                    let mut fields: Vec<&str> = record.split(':').collect();
                    if let Some(day) = fields.get_mut(2) {
                        *day = "";
                    }
                    *record = fields.join(":");
                }
            }
            records.sort();
            let _ = writeln!(out, "---- etc/{file}");
            records.iter().for_each(|record| out.push_str(&format!("{record}\n")));
        }
        out
    }

    fn account_locked(&self, name: &str) -> Option<bool> {
        self.account("passwd", name).map(|_| self.locked(name))
    }

    fn snapshot(&self) -> String {
        let resolve = |path: &Path| self.resolve_path(path, 0);
        let options = ListOptions {
            link_stamps: true,
            resolve: Some(&resolve),
            owners: true,
            ..ListOptions::default()
        };
        list_tree(&self.path, &options)
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
