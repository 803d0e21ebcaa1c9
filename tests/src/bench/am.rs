//! `am` itself: each generation's bundle built with the real `nix-build`
//! expression of the test harness (untimed for the table, reported apart,
//! with the time and memory of evaluating it and of an empty home), then
//! activated with `result/bin/activate` as a user would.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use am_tests::{bundle_expr, nix_command};

use super::layout::Layout;
use super::measure::{Tool, failure, reported_memory, spawn_error, under_gnu_time};
use super::workload::{Generation, Workload};

/// How long Nix took to produce one generation's bundle.
#[derive(Debug)]
pub struct Build {
    pub files: usize,
    pub generation: u32,
    pub result: Result<BuildTimes, String>,
}

#[derive(Debug)]
pub struct BuildTimes {
    /// `nix-instantiate`: evaluating the modules into a derivation.
    pub eval: Duration,
    /// The peak resident memory of `nix-instantiate`, in KiB.
    pub eval_memory: Result<u64, String>,
    /// `nix-store --realise`: running `am-compile`; `None` when only
    /// evaluated (the empty home).
    pub build: Option<Duration>,
    /// The bundle was in the store already, so `build` did not compile.
    pub cached: bool,
}

/// Evaluates an empty home, once: what every evaluation costs before its
/// files, which the report takes from each per 1,000 files.
pub fn empty_home(root: &Path) -> Build {
    let result = (|| {
        missing_binaries()?;
        let dir = root.join("empty-home");
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
        let module = dir.join("home.nix");
        std::fs::write(&module, "{ ... }: { }\n").map_err(|e| format!("cannot write it: {e}"))?;
        let (_, eval, eval_memory) = evaluate(&dir)?;
        Ok(BuildTimes { eval, eval_memory, build: None, cached: false })
    })();
    Build { files: 0, generation: 0, result }
}

/// Evaluates the bundle of `dir/home.nix` into a derivation: its path, the
/// time it took and the peak memory of `nix-instantiate`.
fn evaluate(dir: &Path) -> Result<(String, Duration, Result<u64, String>), String> {
    let expr = bundle_expr(&[&dir.join("home.nix")]);
    let report = dir.join("eval-memory");
    let mut instantiate = nix_command("nix-instantiate");
    instantiate.arg("--expr").arg(expr);
    let start = Instant::now();
    let drv = nix_stdout(&mut under_gnu_time(&instantiate, &report))?;
    let eval = start.elapsed();
    Ok((drv, eval, reported_memory(&report)))
}

/// `am` with the bundles of both generations, or why there are none.
#[derive(Debug)]
pub struct Am {
    bundles: Result<Vec<PathBuf>, String>,
}

/// Builds both generations' bundles; the tool reports "n/a" if one failed.
pub fn build(layout: &Layout, workload: &Workload) -> (Am, Vec<Build>) {
    let mut bundles = Vec::new();
    let mut builds = Vec::new();
    let mut first_error = None;
    for generation in [&workload.first, &workload.second] {
        eprintln!("    am: building generation {} with Nix", generation.number);
        let built = build_one(layout, generation);
        let result = built.map(|(bundle, times)| {
            bundles.push(bundle);
            times
        });
        if let Err(e) = &result {
            first_error.get_or_insert_with(|| e.clone());
        }
        builds.push(Build { files: generation.files.len(), generation: generation.number, result });
    }
    let bundles = match first_error {
        Some(error) => Err(error),
        None => Ok(bundles),
    };
    (Am { bundles }, builds)
}

fn build_one(layout: &Layout, generation: &Generation) -> Result<(PathBuf, BuildTimes), String> {
    // bench.sh says so when am does not compile: the binaries left from an
    // earlier build would not be the am of this checkout.
    if let Ok(reason) = std::env::var("AM_BENCH_SKIP_AM") {
        return Err(reason);
    }
    missing_binaries()?;
    let dir = layout.nix_dir(generation.number);
    let (drv, eval, eval_memory) = evaluate(&dir)?;
    let out = nix_stdout(nix_command("nix-store").args(["--query", "--outputs", &drv]))?;
    let cached = Path::new(&out).exists();
    let result = dir.join("result");
    let start = Instant::now();
    let mut realise = nix_command("nix-store");
    realise.args(["--realise", &drv, "--add-root"]).arg(&result);
    nix_stdout(&mut realise)?;
    let build = Some(start.elapsed());
    Ok((result, BuildTimes { eval, eval_memory, build, cached }))
}

/// The harness copies `am` and `am-compile` from `AM_BIN_DIR` into the
/// store; say which is missing instead of letting it panic.
fn missing_binaries() -> Result<(), String> {
    let dir = std::env::var_os("AM_BIN_DIR").map(PathBuf::from).unwrap_or_default();
    match ["am", "am-compile"].into_iter().find(|name| !dir.join(name).is_file()) {
        Some(name) => Err(format!("{} is missing: cargo build --release --bins", name)),
        None => Ok(()),
    }
}

/// The last line a Nix command printed on stdout (a store path). On
/// failure, what `am-compile` said, else Nix's last line.
fn nix_stdout(command: &mut Command) -> Result<String, String> {
    let output = command.output().map_err(|e| spawn_error(command, &e))?;
    if !output.status.success() {
        let compiler = am_tests::compiler_output(&am_tests::stderr(&output));
        let said = compiler.lines().map(str::trim).filter(|line| !line.is_empty());
        let said: Vec<&str> = said.take(3).collect();
        let said = if said.is_empty() { failure(&output) } else { said.join(" / ") };
        return Err(format!("{}: {said}", command.get_program().to_string_lossy()));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(stdout.lines().last().unwrap_or("").trim().to_owned())
}

impl Tool for Am {
    fn name(&self) -> String {
        "am".to_owned()
    }

    fn unavailable(&self) -> Option<String> {
        self.bundles.clone().err()
    }

    fn caveat(&self) -> Option<String> {
        Some("result/bin/activate; links via the static dir into a bundle in /nix/store".to_owned())
    }

    fn command(
        &mut self,
        layout: &Layout,
        _from: Option<&Generation>,
        to: &Generation,
    ) -> Result<Command, String> {
        let bundles = self.bundles.as_ref().map_err(String::clone)?;
        let bundle = &bundles[to.number as usize - 1];
        let mut command = Command::new(bundle.join("bin/activate"));
        command.env("HOME", layout.home()).env_remove("XDG_STATE_HOME");
        Ok(command)
    }
}
