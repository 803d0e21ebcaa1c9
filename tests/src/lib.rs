//! Test harness: builds bundles with the real `nix-build` and runs the real
//! `am` against temporary homes.
//!
//! Where Nix is missing, a test prints why and passes as skipped, unless
//! `AM_REQUIRE_ALL=1` (as in CI), where a skip is a failure.

pub mod dconf;
pub mod engine;
pub mod listing;
pub mod luadoc;
pub mod machine;
pub mod nix_user;
pub mod nixeval;
pub mod packages;
pub mod place;
pub mod pty;
pub mod remote;
pub mod rng;
pub mod system;
pub mod systemd;
pub mod tree;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The cargo target folder of the tests that build a clone of this
/// repository in release mode, as a user would (`demo.rs`,
/// `getting_started.rs`): one for all of them, so the dependencies are
/// compiled once per machine and not once per clone. Cargo's lock on the
/// folder makes the builds of tests running at once take turns.
pub fn clones_target_dir() -> PathBuf {
    repo_root().join("target/clones")
}

/// Returns false (after printing why) when a test must be skipped because
/// `what` is missing; panics instead when `AM_REQUIRE_ALL=1`.
pub fn require(what: &str, present: bool) -> bool {
    if present {
        return true;
    }
    if std::env::var_os("AM_REQUIRE_ALL").is_some_and(|v| v == "1") {
        panic!("{what} is missing and AM_REQUIRE_ALL=1 forbids skipping");
    }
    eprintln!("SKIPPED: {what} is missing (set AM_REQUIRE_ALL=1 to make this a failure)");
    false
}

/// True when `nix-build` can run; see [`require`].
pub fn have_nix() -> bool {
    let found =
        Command::new("nix-build").arg("--version").output().is_ok_and(|o| o.status.success());
    require("nix-build (apt-get install nix-bin)", found)
}

/// A program on `PATH`, else in cargo's bin folder (where `cargo install`
/// puts mdbook and emmylua_check, and which is not always on `PATH`).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(cargo_home.map(|home| home.join("bin")))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The nixpkgs library: `AM_NIXPKGS_LIB`, else the snapshot beside the repo.
pub fn nixpkgs_lib() -> PathBuf {
    std::env::var_os("AM_NIXPKGS_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/nixpkgs-lib/lib"))
}

/// The cargo profile folder holding the `am` and `am-compile` this test run
/// was built with (`target/debug` for `cargo test`).
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AM_BIN_DIR") {
        return PathBuf::from(dir);
    }
    // Test executables live in target/<profile>/deps/.
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default()
}

/// For the harness's own binaries (`am-docs`, `am-bench`): the harness
/// finds `am` and `am-compile` through `AM_BIN_DIR`, read from the
/// environment, and setting it in-process needs `unsafe`. When it is unset,
/// runs this binary again with it set to the folder the binary was built
/// into, and returns that run's exit code; `None` when it is set.
pub fn rerun_with_bin_dir() -> Option<std::process::ExitCode> {
    std::env::var_os("AM_BIN_DIR").is_none().then(|| {
        let exe = std::env::current_exe().expect("the path of the binary itself");
        let bin_dir = exe.parent().expect("the binary lives in a folder").to_path_buf();
        let status = Command::new(&exe)
            .args(std::env::args_os().skip(1))
            .env("AM_BIN_DIR", bin_dir)
            .status()
            .expect("the binary can start itself again");
        std::process::ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8)
    })
}

/// The `am` binary under test.
pub fn am_bin() -> PathBuf {
    let am = bin_dir().join("am");
    assert!(am.is_file(), "{} is missing: run `cargo build --bins` first", am.display());
    am
}

/// A folder holding `bin/am` and `bin/am-compile`, handed to the Nix library
/// as a path so Nix copies it into the store: bundles then reference a store
/// `am`, exactly as with the packaged one.
pub fn am_package() -> PathBuf {
    let bins = bin_dir();
    let stamp = ["am", "am-compile"]
        .iter()
        .map(|name| {
            let meta = std::fs::metadata(bins.join(name)).unwrap_or_else(|e| {
                panic!("{}/{name}: {e}; run `cargo build --bins` first", bins.display())
            });
            let mtime =
                meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            format!("{}-{}", meta.len(), mtime.map_or(0, |d| d.as_nanos()))
        })
        .collect::<Vec<_>>()
        .join("-");
    let package = bins.join("am-package").join(stamp);
    if !package.is_dir() {
        // Tests run as parallel processes: build the folder aside, then
        // rename it into place; losing the race to another process is fine.
        let scratch = fresh_dir("am-package");
        std::fs::create_dir_all(scratch.join("bin")).expect("scratch folder is writable");
        for name in ["am", "am-compile"] {
            std::fs::copy(bins.join(name), scratch.join("bin").join(name)).expect("copy binary");
        }
        std::fs::create_dir_all(package.parent().unwrap_or(&bins)).expect("target is writable");
        let _ = std::fs::rename(&scratch, &package);
    }
    package
}

/// A new empty folder under the system's temp dir. It is left behind for
/// a look after a failure; the first call of each test process removes the
/// folders of test processes that have ended (unless `AM_KEEP_TEST_DIRS` is
/// set), so they do not pile up (each may hold a GC root of a build).
pub fn fresh_dir(label: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    static SWEEP: std::sync::Once = std::sync::Once::new();
    SWEEP.call_once(sweep_ended_test_dirs);
    let dir = std::env::temp_dir().join(format!(
        "am-test-{label}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir is writable");
    dir
}

/// Removes `am-test-<label>-<pid>-<n>` folders of processes no longer running.
fn sweep_ended_test_dirs() {
    if std::env::var_os("AM_KEEP_TEST_DIRS").is_some() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|name| name.strip_prefix("am-test-")) else {
            continue;
        };
        let mut parts = rest.rsplit('-');
        let (Some(_counter), Some(pid)) = (parts.next(), parts.next()) else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        if std::fs::remove_dir_all(entry.path()).is_err() {
            // A test may leave read-only folders (copies out of the store).
            let _ = Command::new("chmod").arg("-R").arg("u+w").arg(entry.path()).status();
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The environment every Nix command of the tests runs with: flakes on, no
/// binary caches (there is no network, and look-ups would only wait).
pub fn nix_command(program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("NIX_CONFIG", "experimental-features = nix-command flakes\nsubstituters =\n");
    cmd
}

/// `nix-store --delete PATH`: fails for a path that is still alive (a GC
/// root, or an out-link, keeps it).
pub fn nix_store_delete(path: &Path) -> Output {
    nix_command("nix-store").arg("--delete").arg(path).output().expect("nix-store runs")
}

/// The Nix expression building the home bundle of `modules` (paths to files).
pub fn bundle_expr(modules: &[&Path]) -> String {
    bundle_expr_with_args(modules, "{ }")
}

/// The module every test home gets first: no `am` command in the home
/// (`am.command.enable`), which would give each test home a Nix profile
/// and its `nix-env` run. A test of the command sets it again.
pub const NO_COMMAND: &str = "({ lib, ... }: { am.command.enable = lib.mkDefault false; })";

/// [`bundle_expr`] with `extraSpecialArgs` (a Nix expression; `lib` is the
/// nixpkgs library in it).
pub fn bundle_expr_with_args(modules: &[&Path], extra_special_args: &str) -> String {
    let modules: Vec<String> = modules.iter().map(|m| nix_path(m)).collect();
    format!(
        "let lib = import {lib}; am = import {nix} {{ inherit lib; am = {pkg}; }}; \
         in am.homeBundle {{ modules = [ {NO_COMMAND} {modules} ]; \
         extraSpecialArgs = {extra_special_args}; }}",
        lib = nix_path(&nixpkgs_lib()),
        nix = nix_path(&repo_root().join("nix")),
        pkg = nix_path(&am_package()),
        modules = modules.join(" "),
    )
}

/// A Nix expression `(path)` naming an absolute path, for building
/// expressions by `format!`.
pub fn nix_path(path: &Path) -> String {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    format!("({})", absolute.display())
}

/// Builds the bundle of `modules` with the real `nix-build`, leaving a
/// `result` link in `dir`. Returns that link, or Nix's stderr on failure.
pub fn nix_build(dir: &Path, modules: &[&Path], extra_args: &[&str]) -> Result<PathBuf, String> {
    nix_build_expr(dir, &bundle_expr(modules), extra_args)
}

/// Builds the Nix expression `expr` with the real `nix-build`, leaving a
/// `result` link in `dir` (for a list: `result`, `result-2`, ...). Returns
/// that link, or Nix's stderr on failure.
pub fn nix_build_expr(dir: &Path, expr: &str, extra_args: &[&str]) -> Result<PathBuf, String> {
    let link = dir.join("result");
    let output = nix_command("nix-build")
        .arg("--out-link")
        .arg(&link)
        .args(extra_args)
        .arg("--expr")
        .arg(expr)
        .output()
        .expect("nix-build runs");
    if output.status.success() { Ok(link) } else { Err(stderr(&output)) }
}

/// Runs a command with a given home, returning its output.
pub fn run_in_home(program: impl AsRef<OsStr>, args: &[&str], home: &Path) -> Output {
    Command::new(program)
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_STATE_HOME")
        // Tests never switch the units of the developer's own user manager.
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("NO_COLOR")
        .output()
        .expect("command runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Panics with the command's output unless it exited with `code`.
pub fn assert_exit(output: &Output, code: i32, what: &str) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{what}: expected exit code {code}\n--- stdout\n{}--- stderr\n{}",
        stdout(output),
        stderr(output)
    );
}

/// The lines `am-compile` printed in a failed `nix-build`, without Nix's own
/// framing ("building ...", "error: builder for ... failed"), which differs
/// between Nix versions.
///
/// The builder that failed is the one Nix started last before saying so:
/// a bundle whose package tree fails is preceded by the builds of the
/// packages, when they were not built before.
pub fn compiler_output(nix_stderr: &str) -> String {
    let lines: Vec<&str> = nix_stderr.lines().collect();
    let end = lines.iter().position(|line| line.starts_with("error: builder for"));
    let end = end.unwrap_or(lines.len());
    let building = lines[..end].iter().rposition(|line| line.starts_with("building '"));
    let start = building.map_or(end, |at| at + 1);
    lines[start..end].iter().map(|line| format!("{line}\n")).collect()
}

/// Insta settings that replace store hashes and temp folders by stable names.
pub fn snapshot_settings(temp: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"/nix/store/[0-9a-z]{32}-", "/nix/store/HASH-");
    settings.add_filter(&regex_escape(&temp.display().to_string()), "[TMP]");
    settings.add_filter(&regex_escape(&repo_root().display().to_string()), "[REPO]");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// `text` as a regex matching exactly it, for snapshot filters.
pub fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect()
}

/// Whether the tests run as root (needed for users, cgroups, namespaces).
pub fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| status.lines().find(|l| l.starts_with("Uid:")).map(str::to_string))
        .is_some_and(|line| line.split_whitespace().nth(1) == Some("0"))
}
