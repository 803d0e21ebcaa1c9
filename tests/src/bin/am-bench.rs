//! `am-bench`: times `am` against a hand-written floor and its peers
//! (systemd-tmpfiles, GNU stow, smfh) on the same generated dotfiles and
//! prints a Markdown table; `scripts/bench.sh` installs the peers and runs it.

#[path = "../bench/mod.rs"]
mod bench;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bench::layout::{self, Layout};
use bench::measure::{self, Row, Tool};
use bench::peers::{Floor, Smfh, Stow, Tmpfiles};
use bench::report::{self, Setting};
use bench::{am, args, workload};

fn main() -> ExitCode {
    // The floor's work in a process of its own, for its memory.
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, dir, files, from, to] = arguments.as_slice()
        && flag == "--floor-run"
    {
        return floor_run(dir, files, from, to);
    }
    if let Some(code) = am_tests::rerun_with_bin_dir() {
        return code;
    }
    let args = match args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let root = args.dir.clone().unwrap_or_else(|| am_tests::fresh_dir("bench"));
    let mut setting = setting(&root, args.runs);
    let mut rows = Vec::new();
    let mut builds = Vec::new();
    if args.tools.contains(&"am") {
        builds.push(am::empty_home(&root));
    }
    for &files in &args.files {
        let (size_rows, size_builds) = bench_size(&root, files, &args);
        rows.extend(size_rows);
        builds.extend(size_builds);
    }
    setting.load.1 = load_average();
    let report = report::render(&setting, &rows, &builds);
    print!("{report}");
    let out = args.out.unwrap_or_else(|| am_tests::repo_root().join("target/bench/activation.md"));
    write_report(&out, &report);
    ExitCode::SUCCESS
}

/// Generates one workload, builds `am`'s bundles (when `am` is among
/// the tools asked for), times them, and frees the folder again (a tmpfs is
/// memory) unless asked to `keep` it.
fn bench_size(root: &Path, files: usize, args: &args::Args) -> (Vec<Row>, Vec<am::Build>) {
    let (runs, names) = (args.runs, &args.tools);
    eprintln!("==> {files} files");
    let workload = workload::generate(files, workload::SEED);
    let layout = Layout::new(root.join(format!("files-{files}")));
    layout::write_inputs(&layout, &workload).expect("the bench folder is writable");
    let mut builds = Vec::new();
    let mut tools: Vec<Box<dyn Tool>> = Vec::new();
    for name in names {
        tools.push(match *name {
            "am" => {
                let (am, am_builds) = am::build(&layout, &workload);
                builds = am_builds;
                Box::new(am)
            }
            "systemd-tmpfiles" => Box::new(Tmpfiles::new()),
            "stow" => Box::new(Stow::new()),
            "smfh" => Box::new(Smfh::new()),
            _ => Box::new(Floor { files }),
        });
    }
    let rows = measure::rows(&mut tools, &layout, &workload, runs);
    if args.keep {
        eprintln!("    kept {}", layout.root().display());
    } else if let Err(e) = fs::remove_dir_all(layout.root()) {
        eprintln!("warning: could not remove {}: {e}", layout.root().display());
    }
    (rows, builds)
}

/// `am-bench --floor-run DIR FILES FROM TO`: the floor's work on the
/// workload of `FILES` files in `DIR`, from generation `FROM` (0: an empty
/// home) to `TO`.
fn floor_run(dir: &str, files: &str, from: &str, to: &str) -> ExitCode {
    let (Ok(files), Ok(from), Ok(to)) = (files.parse(), from.parse::<u32>(), to.parse::<u32>())
    else {
        eprintln!("usage: am-bench --floor-run DIR FILES FROM TO");
        return ExitCode::from(2);
    };
    let workload = workload::generate(files, workload::SEED);
    let generation = |number| match number {
        1 => Some(&workload.first),
        2 => Some(&workload.second),
        _ => None,
    };
    let Some(to) = generation(to) else {
        eprintln!("am-bench --floor-run: no generation {to}");
        return ExitCode::from(2);
    };
    match bench::floor::apply(&Layout::new(PathBuf::from(dir)), generation(from), to) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("am-bench --floor-run: {error}");
            ExitCode::FAILURE
        }
    }
}

fn setting(root: &Path, runs: usize) -> Setting {
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    Setting {
        runs,
        filesystem: filesystem(root),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        kernel: kernel.trim().to_owned(),
        load: (load_average(), String::new()),
    }
}

/// The 1-minute load average, from /proc/loadavg.
fn load_average() -> String {
    let loadavg = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    loadavg.split(' ').next().unwrap_or("?").to_owned()
}

/// The type of the file system holding `dir`, from the longest mount point
/// above it: the numbers mean little without it.
fn filesystem(dir: &Path) -> String {
    let dir = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mounts = fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let best = mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let point = PathBuf::from(fields.nth(1)?);
            let kind = fields.next()?;
            dir.starts_with(&point).then(|| (point.as_os_str().len(), kind.to_owned()))
        })
        .max_by_key(|(length, _)| *length);
    let kind = best.map_or_else(|| "an unknown file system".to_owned(), |(_, kind)| kind);
    format!("{kind} ({})", dir.display())
}

fn write_report(out: &Path, report: &str) {
    if let Some(parent) = out.parent() {
        fs::create_dir_all(parent).expect("the report's folder can be created");
    }
    fs::write(out, report).expect("the report can be written");
    eprintln!("==> report written to {}", out.display());
}
