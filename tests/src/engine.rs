//! Helpers for the activation engine's end-to-end tests: bundles built from
//! generated module text, homes with their activation state, and user files.
//! Listings of a home are made by [`crate::listing`].

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use crate::listing::{ListOptions, fnv1a, list_tree};
use crate::place::Place;
use crate::{am_bin, bundle_expr, fresh_dir, nix_build, nix_build_expr, stderr, stdout};

/// The modification time every user file gets, so that listings of two homes
/// prepared at different moments compare equal, and a file that was
/// rewritten (rather than moved) shows up.
pub const USER_MTIME_SECS: u64 = 1_000_000_000;

/// A Nix string literal holding `text` exactly.
pub fn nix_str(text: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Which bundles a module makes: a home's (`homeBundle`, targets relative
/// to `$HOME`) or a system's (`systemBundle`, targets relative to `/etc`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    #[default]
    Home,
    System,
}

/// The text of one module, written line by line.
#[derive(Debug, Default, Clone)]
pub struct Module {
    role: Role,
    lines: Vec<String>,
}

impl Module {
    /// A home module.
    pub fn new() -> Module {
        Module::default()
    }

    /// A module of the given role: [`Module::file`] writes `home.file` or
    /// `environment.etc`; the other lines are the same for both.
    pub fn for_role(role: Role) -> Module {
        Module { role, lines: Vec::new() }
    }

    /// The option a file of this module's role is declared in.
    fn files_option(&self) -> &'static str {
        match self.role {
            Role::Home => "home.file",
            Role::System => "environment.etc",
        }
    }

    /// `home.file."<target>".text = <text>;`, or `environment.etc` in a
    /// system module.
    pub fn file(mut self, target: &str, text: &str) -> Module {
        let option = self.files_option();
        self.lines.push(format!("{option}.{}.text = {};", nix_str(target), nix_str(text)));
        self
    }

    /// The id of the node [`Module::file`] makes for `target`.
    pub fn file_id(&self, target: &str) -> String {
        match self.role {
            Role::Home => format!("file:{target}"),
            Role::System => format!("etc:{target}"),
        }
    }

    /// The Nix expression building this module's bundle from its file.
    fn bundle_expr(&self, path: &Path) -> String {
        match self.role {
            Role::Home => bundle_expr(&[path]),
            Role::System => crate::system::system_bundle_expr(&[path]),
        }
    }

    /// A home file with `force = true`.
    pub fn forced_file(mut self, target: &str, text: &str) -> Module {
        self.lines.push(format!(
            "home.file.{} = {{ text = {}; force = true; }};",
            nix_str(target),
            nix_str(text)
        ));
        self
    }

    /// `am.backupFileExtension = <ext>;`
    pub fn backup_ext(mut self, ext: &str) -> Module {
        self.lines.push(format!("am.backupFileExtension = {};", nix_str(ext)));
        self
    }

    /// A raw exec node running `script` with `/bin/sh -c`.
    pub fn exec(mut self, id: &str, script: &str, after: &[&str], required: bool) -> Module {
        self.lines.push(format!(
            "am.nodes.{} = {{ kind = \"exec\"; argv = [ \"/bin/sh\" \"-c\" {} ]; after = {}; \
             required = {required}; }};",
            nix_str(id),
            nix_str(script),
            nix_list(after)
        ));
        self
    }

    /// A raw link node, which can wait for other nodes with `after`.
    pub fn raw_link(mut self, id: &str, target: &str, text: &str, after: &[&str]) -> Module {
        self.lines.push(format!(
            "am.nodes.{} = {{ kind = \"link\"; target = {}; text = {}; after = {}; }};",
            nix_str(id),
            nix_str(target),
            nix_str(text),
            nix_list(after)
        ));
        self
    }

    /// Any line of Nix, e.g. `home.file."x" = { ... };`.
    pub fn line(mut self, line: impl Into<String>) -> Module {
        self.lines.push(line.into());
        self
    }

    pub fn render(&self) -> String {
        let mut out = String::from("{ lib, ... }:\n{\n");
        for line in &self.lines {
            let _ = writeln!(out, "  {line}");
        }
        out.push_str("}\n");
        out
    }
}

fn nix_list(items: &[&str]) -> String {
    let items: Vec<String> = items.iter().map(|item| nix_str(item)).collect();
    format!("[ {} ]", items.join(" "))
}

/// Writes files below `dir` (`(relative path, content)`), making the folders
/// they need: e.g. the source folder of a tree, beside the modules.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (rel, content) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(dir)).expect("folders can be made");
        std::fs::write(&path, content).expect("a file can be written");
    }
}

/// A bundle built by `nix-build`: its out-link and the store path behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub out_link: PathBuf,
    pub store_path: PathBuf,
}

impl Bundle {
    /// `<bundle>/bin/activate`, through the store path so that it still
    /// works once the out-link is gone.
    pub fn script(&self) -> PathBuf {
        self.store_path.join("bin/activate")
    }

    pub fn arg(&self) -> String {
        self.store_path.display().to_string()
    }

    /// The bundle an out-link of `nix-build` points at.
    pub fn from_out_link(out_link: PathBuf) -> Bundle {
        let store_path = std::fs::canonicalize(&out_link)
            .unwrap_or_else(|e| panic!("{} resolves: {e}", out_link.display()));
        Bundle { out_link, store_path }
    }
}

/// Builds one bundle per module with a single `nix-build` of a list, so the
/// Nix library is evaluated once. Bundles come back in the order of `modules`.
pub fn build_bundles(dir: &Path, modules: &[Module]) -> Vec<Bundle> {
    std::fs::create_dir_all(dir).expect("the build folder is writable");
    let mut exprs = Vec::new();
    for (i, module) in modules.iter().enumerate() {
        let path = dir.join(format!("module-{i}.nix"));
        std::fs::write(&path, module.render()).expect("the module file is writable");
        exprs.push(module.bundle_expr(&path));
    }
    build_exprs(dir, &exprs, "the test bundles must build")
}

/// Builds the Nix expressions `exprs`, each giving a bundle, with a single
/// `nix-build` of their list in `dir`; panics with `what` and Nix's message
/// when they do not build. Bundles come back in the order of `exprs`.
pub fn build_exprs(dir: &Path, exprs: &[String], what: &str) -> Vec<Bundle> {
    std::fs::create_dir_all(dir).expect("the build folder is writable");
    let list: Vec<String> = exprs.iter().map(|expr| format!("({expr})")).collect();
    let out_link = nix_build_expr(dir, &format!("[ {} ]", list.join(" ")), &[])
        .unwrap_or_else(|stderr| panic!("{what}:\n{stderr}"));
    (0..exprs.len())
        .map(|i| {
            // nix-build names the out-links of a list result, result-2, ...
            let out_link =
                if i == 0 { out_link.clone() } else { dir.join(format!("result-{}", i + 1)) };
            Bundle::from_out_link(out_link)
        })
        .collect()
}

/// Builds the bundle of the module files `modules` in `dir`; panics with
/// `what` and Nix's message when it does not build.
pub fn build_module_files(dir: &Path, modules: &[&Path], what: &str) -> Bundle {
    let out_link =
        nix_build(dir, modules, &[]).unwrap_or_else(|stderr| panic!("{what}:\n{stderr}"));
    Bundle::from_out_link(out_link)
}

/// A module file in `dir` setting `home.homeDirectory` to `home` (with
/// `mkForce`, over what the configuration says): a configuration written
/// for `/home/jane` then builds a bundle that activates in a test's home.
pub fn home_directory_module(dir: &Path, home: &Path) -> PathBuf {
    let path = dir.join("home-directory.nix");
    let text = format!(
        "{{ lib, ... }}: {{ home.homeDirectory = lib.mkForce {}; }}\n",
        nix_str(&home.display().to_string())
    );
    std::fs::create_dir_all(dir).expect("the build folder is writable");
    std::fs::write(&path, text).expect("the module file is writable");
    path
}

/// Like [`build_bundles`], but reuses the bundles of an earlier call (in
/// this or another test process) with the same modules and the same `am`:
/// several tests of one file then evaluate their bundles once. The cache
/// folder holds the out-links, which keep the bundles rooted; a test that
/// deletes out-links or bundles must use [`build_bundles`].
pub fn cached_bundles(modules: &[Module]) -> Vec<Bundle> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    // The expressions name the role, the nixpkgs library, the Nix library
    // and the `am` package, whose folder changes with every build of `am`.
    let texts: Vec<String> = modules
        .iter()
        .map(|module| format!("{}\0{}", module.bundle_expr(Path::new("/")), module.render()))
        .collect();
    let key = fnv1a(texts.join("\0").as_bytes());
    let dir = std::env::temp_dir().join("am-test-bundles").join(format!("{key:016x}"));
    let done = dir.join("done");
    if let Some(bundles) = read_cache(&dir, &done, modules.len()) {
        return bundles;
    }
    // Processes that miss at the same time each build under their own name
    // (Nix builds each bundle once); the last to finish names its out-links.
    let name = format!("build-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    let bundles = build_bundles(&dir.join(&name), modules);
    let scratch = dir.join(format!("{name}.done"));
    std::fs::write(&scratch, &name).expect("the cache folder is writable");
    std::fs::rename(&scratch, &done).expect("the cache marker can be renamed into place");
    bundles
}

fn read_cache(dir: &Path, done: &Path, count: usize) -> Option<Vec<Bundle>> {
    let build = dir.join(std::fs::read_to_string(done).ok()?);
    (0..count)
        .map(|i| {
            let name = if i == 0 { "result".to_string() } else { format!("result-{}", i + 1) };
            let out_link = build.join(name);
            let store_path = std::fs::canonicalize(&out_link).ok()?;
            Some(Bundle { out_link, store_path })
        })
        .collect()
}

/// A temporary home and where its activation state lives. It is removed
/// when dropped, unless the test is failing (so it can be looked at).
#[derive(Debug)]
pub struct Home {
    /// The folder holding the home (and the separate state home, if any).
    pub root: PathBuf,
    /// `$HOME`.
    pub path: PathBuf,
    /// `$XDG_STATE_HOME` when the state is kept outside the home; `None`
    /// means the default `$HOME/.local/state`.
    pub xdg_state_home: Option<PathBuf>,
}

impl Home {
    /// An empty home whose state is in the default place inside it.
    pub fn new(label: &str) -> Home {
        let root = scratch_dir(label);
        let path = root.join("home");
        std::fs::create_dir_all(&path).expect("the home is writable");
        Home { root, path, xdg_state_home: None }
    }

    /// An empty home with `XDG_STATE_HOME` beside it, so that a listing of
    /// the home holds exactly what a user sees there.
    pub fn with_state_outside(label: &str) -> Home {
        let root = scratch_dir(label);
        let path = root.join("home");
        std::fs::create_dir_all(&path).expect("the home is writable");
        Home { path, xdg_state_home: Some(root.join("state")), root }
    }

    /// `$XDG_STATE_HOME/activation-manager`.
    pub fn state(&self) -> PathBuf {
        let state_home =
            self.xdg_state_home.clone().unwrap_or_else(|| self.path.join(".local/state"));
        state_home.join("activation-manager")
    }

    /// A command with this home's environment. Like [`crate::run_in_home`],
    /// it has no `XDG_RUNTIME_DIR`, so that it never switches the units of
    /// the developer's own user manager; a test that wants one sets it.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command.env("HOME", &self.path).env_remove("NO_COLOR").env_remove("XDG_RUNTIME_DIR");
        match &self.xdg_state_home {
            Some(dir) => command.env("XDG_STATE_HOME", dir),
            None => command.env_remove("XDG_STATE_HOME"),
        };
        command.stdin(Stdio::null());
        command
    }

    /// Starts activating `bundle` in this home, SIGKILLs it after `delay`,
    /// and says whether the kill interrupted it (rather than finding it done).
    pub fn activate_and_kill(&self, bundle: &Bundle, delay: Duration) -> bool {
        Place::activate_and_kill(self, bundle, delay)
    }

    /// Runs `<bundle>/bin/activate ARGS`.
    pub fn activate(&self, bundle: &Bundle, args: &[&str]) -> Output {
        Place::activate(self, bundle, args)
    }

    /// Runs `am ARGS`.
    pub fn am(&self, args: &[&str]) -> Output {
        self.command(am_bin()).args(args).output().expect("am runs")
    }

    /// The number of the generation `current` points at.
    pub fn current(&self) -> Option<u32> {
        Place::current(self)
    }

    /// The numbers of the recorded generations, from `generations/`.
    pub fn generations(&self) -> BTreeSet<u32> {
        Place::generations(self)
    }

    /// The bundle that `gcroots/<number>` points at.
    pub fn gcroot(&self, number: u32) -> Option<PathBuf> {
        Place::gcroot(self, number)
    }

    /// The bundle of the current generation, through its GC root.
    pub fn current_bundle(&self) -> Option<PathBuf> {
        self.current().and_then(|n| self.gcroot(n))
    }

    pub fn has_journal(&self) -> bool {
        Place::has_journal(self)
    }

    /// What `static` points at.
    pub fn static_link(&self) -> Option<PathBuf> {
        Place::static_link(self)
    }

    /// The home as a user sees it, without the activation state: link
    /// contents with `~` and `$STATE` for the home and state folders, what
    /// each link resolves to (with a content hash), and the mode, size, hash
    /// and mtime of every file. Two homes that hold the same compare equal.
    pub fn listing(&self) -> String {
        let options = ListOptions {
            skip: vec![self.state()],
            replace: self.replacements(),
            ..ListOptions::default()
        };
        list_tree(&self.path, &options)
    }

    /// Everything: the home with the state folder, and the state folder
    /// when it is outside the home, with the inode and mtime of every link,
    /// so that even a link replaced by an identical one shows. For "nothing
    /// changed" checks within one home.
    pub fn snapshot(&self) -> String {
        let options = ListOptions {
            replace: self.replacements(),
            link_stamps: true,
            ..ListOptions::default()
        };
        let mut out = list_tree(&self.path, &options);
        if let Some(state_home) = &self.xdg_state_home {
            out.push_str("---- $XDG_STATE_HOME\n");
            out.push_str(&list_tree(state_home, &options));
        }
        out
    }

    fn replacements(&self) -> Vec<(String, String)> {
        vec![
            (self.state().display().to_string(), "$STATE".to_string()),
            (self.path.display().to_string(), "~".to_string()),
        ]
    }

    /// Writes a user file (making its parents) with the fixed user mtime.
    pub fn write_user_file(&self, rel: &str, bytes: &[u8]) {
        Place::write_user_file(self, rel, bytes);
    }

    /// Panics unless `rel` is a regular file (not a link) holding `bytes`
    /// with the fixed user mtime.
    pub fn assert_user_file(&self, rel: &str, bytes: &[u8], context: &str) {
        Place::assert_user_file(self, rel, bytes, context);
    }

    /// Panics unless `rel` is a link to `$STATE/static/<rel>` that resolves
    /// to `bytes`.
    pub fn assert_managed(&self, rel: &str, bytes: &[u8], context: &str) {
        Place::assert_managed(self, rel, bytes, context);
    }

    /// Panics unless nothing at all is at `rel` (not even a dangling link).
    pub fn assert_absent(&self, rel: &str, context: &str) {
        Place::assert_absent(self, rel, context);
    }
}

impl Place for Home {
    const ROLE: Role = Role::Home;

    fn dir(&self) -> PathBuf {
        self.path.clone()
    }

    fn state(&self) -> PathBuf {
        Home::state(self)
    }

    fn static_link_path(&self) -> PathBuf {
        self.state().join("static")
    }

    fn link_content(&self, rel: &str) -> PathBuf {
        self.static_link_path().join(rel)
    }

    fn command_for(&self, program: &Path) -> Command {
        self.command(program)
    }

    fn place_args(&self) -> Vec<String> {
        Vec::new()
    }

    fn resolve(&self, rel: &str) -> Option<PathBuf> {
        std::fs::canonicalize(self.path.join(rel)).ok()
    }

    fn listing(&self) -> String {
        Home::listing(self)
    }

    fn snapshot(&self) -> String {
        Home::snapshot(self)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// A new empty folder for homes: under `AM_TEST_HOMES` when set, else on the
/// tmpfs `/dev/shm` when there is one, else in the temp dir. The disks of
/// the test machines are slow at bulk creation right after bulk deletion
/// (ext4 with `discard`), which would measure the disk instead of `am`; a
/// SIGKILL does not care where the page cache goes.
pub fn scratch_dir(label: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let base = std::env::var_os("AM_TEST_HOMES").map(PathBuf::from).unwrap_or_else(|| {
        let shm = Path::new("/dev/shm");
        let writable =
            std::fs::metadata(shm).is_ok_and(|m| m.is_dir() && !m.permissions().readonly());
        if writable { shm.to_path_buf() } else { std::env::temp_dir() }
    });
    let name = format!(
        "am-home-{label}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let dir = base.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    match std::fs::create_dir_all(&dir) {
        Ok(()) => dir,
        Err(_) => fresh_dir(label),
    }
}

/// Gives a file the fixed user mtime.
pub fn set_user_mtime(path: &Path) {
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(USER_MTIME_SECS);
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(time))
        .unwrap_or_else(|e| panic!("set the mtime of {}: {e}", path.display()));
}

/// Stdout and stderr of a command, one after the other.
pub fn all_output(output: &Output) -> String {
    format!("{}{}", stdout(output), stderr(output))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nix_strings_escape_interpolation_and_quotes() {
        assert_eq!(nix_str("a \"b\" ${c} $d\n\\"), r#""a \"b\" \${c} $d\n\\""#);
    }

    #[test]
    fn listing_leaves_out_the_state_and_its_empty_parents() {
        let home = Home::new("listing");
        std::fs::create_dir_all(home.state().join("generations")).expect("state");
        home.write_user_file("notes", b"hi\n");
        let listing = home.listing();
        assert!(listing.starts_with("notes  [file 0644, 3 bytes"), "{listing}");
        assert_eq!(listing.lines().count(), 1, "{listing}");
        home.write_user_file(".local/share/x", b"x");
        let listing = home.listing();
        assert!(listing.contains(".local/share/x"), "{listing}");
        assert!(!listing.contains(".local/state"), "{listing}");
    }
}
