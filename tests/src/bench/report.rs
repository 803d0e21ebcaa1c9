//! The Markdown report: one table of activation times with ratios to the
//! floor and peak memory, one of bundle evaluation and build times, and
//! what machine they came from.

use std::fmt::Write as _;
use std::time::Duration;

use super::am::{Build, BuildTimes};
use super::measure::{Row, Scenario, Timing};

/// What the reader needs to judge the numbers: where they were taken.
#[derive(Debug)]
pub struct Setting {
    pub runs: usize,
    pub filesystem: String,
    pub cores: usize,
    pub kernel: String,
    /// The 1-minute load average before and after: other work on the
    /// machine shows up in every time, less in the ratios.
    pub load: (String, String),
}

pub fn render(setting: &Setting, rows: &[Row], builds: &[Build]) -> String {
    let mut out = String::from("## Activation benchmark\n\n");
    let _ = writeln!(
        out,
        "Homes on {}; {} cores; Linux {}; load average {} before, {} after. \
         Median (min) wall time in ms of {} run(s), the tools taking turns run by run. \
         Scenarios: a = first activation into an empty home, b = the same again (no-op), \
         c = switch to a generation with 1% changed, 1% removed, 1% added. \
         ×floor = median / the floor's median. \
         MiB = peak resident memory of the process doing the work, from one more run \
         (GNU time).\n",
        setting.filesystem,
        setting.cores,
        setting.kernel,
        setting.load.0,
        setting.load.1,
        setting.runs
    );
    out.push_str(
        "| tool | files | a (ms) | b (ms) | c (ms) | a ×floor | b ×floor | c ×floor \
         | a MiB | b MiB | c MiB | note |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for row in rows {
        let floor = rows.iter().find(|r| r.tool == "floor" && r.files == row.files);
        out.push_str(&table_row(row, floor));
    }
    out.push_str("\n### Bundle builds of `am` (not in the times above)\n\n");
    out.push_str(
        "eval = `nix-instantiate` of the home (time, and peak memory); per 1,000 files = \
         what the files add to an empty home's evaluation (the 0-files row), per 1,000; \
         build = `nix-store --realise`, which runs `am-compile`.\n\n",
    );
    out.push_str(
        "| files | generation | eval (s) | eval MiB | eval s / 1,000 files \
         | eval MiB / 1,000 files | build (s) | note |\n|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    let empty = builds.iter().find(|build| build.files == 0).and_then(|b| b.result.as_ref().ok());
    for build in builds {
        out.push_str(&build_row(build, empty));
    }
    out
}

fn table_row(row: &Row, floor: Option<&Row>) -> String {
    let times = row.cells.iter().map(|cell| match cell {
        Ok(timing) => format!("{} ({})", ms(timing.median), ms(timing.min)),
        Err(_) => "n/a".to_owned(),
    });
    let ratios = row.cells.iter().enumerate().map(|(index, cell)| {
        let base = floor.and_then(|f| f.cells.get(index)).and_then(|c| c.as_ref().ok());
        match (cell, base) {
            (Ok(timing), Some(base)) => ratio(timing, base),
            _ => "n/a".to_owned(),
        }
    });
    let memory = row.cells.iter().map(|cell| match cell {
        Ok(Timing { memory: Ok(kib), .. }) => mib(*kib),
        _ => "n/a".to_owned(),
    });
    let cells: Vec<String> = times.chain(ratios).chain(memory).collect();
    format!(
        "| {} | {} | {} | {} |\n",
        row.tool,
        row.files,
        cells.join(" | "),
        cell_text(&note(row))
    )
}

/// The caveat, then what went wrong or looked wrong, scenario by scenario.
fn note(row: &Row) -> String {
    let mut parts: Vec<String> = row.caveat.iter().cloned().collect();
    let failures: Vec<&String> = row.cells.iter().filter_map(|c| c.as_ref().err()).collect();
    if !failures.is_empty() && failures.iter().all(|f| *f == failures[0]) {
        // The same reason in every scenario: say it once.
        parts.push(format!("n/a: {}", failures[0]));
    } else {
        for (scenario, cell) in Scenario::ALL.iter().zip(&row.cells) {
            let label = scenario.label();
            match cell {
                Err(reason) => parts.push(format!("{label}: n/a: {reason}")),
                Ok(timing) => {
                    if let Some(problems) = &timing.problems {
                        parts.push(format!("{label}: home has {problems}"));
                    }
                    if let Err(reason) = &timing.memory {
                        parts.push(format!("{label}: memory n/a: {reason}"));
                    }
                }
            }
        }
    }
    parts.join("; ")
}

fn build_row(build: &Build, empty: Option<&BuildTimes>) -> String {
    let none = || "n/a".to_owned();
    let (eval, memory, per_files, per_files_memory, compile, note) = match &build.result {
        Ok(times) => {
            let thousands = build.files as f64 / 1000.0;
            let added = empty.filter(|_| build.files > 0);
            let per_files = added.map_or_else(none, |empty| {
                seconds((times.eval.as_secs_f64() - empty.eval.as_secs_f64()) / thousands)
            });
            let per_files_memory = match (added.map(|empty| &empty.eval_memory), &times.eval_memory)
            {
                (Some(Ok(empty)), Ok(kib)) => mib_f((*kib as f64 - *empty as f64) / thousands),
                _ => none(),
            };
            let memory = times.eval_memory.as_ref().map_or_else(|_| none(), |kib| mib(*kib));
            let note = match (&times.eval_memory, times.cached) {
                (Err(reason), _) => format!("memory n/a: {reason}"),
                (_, true) => "bundle was in the store already".to_owned(),
                _ if build.files == 0 => "an empty home: evaluated only".to_owned(),
                _ => String::new(),
            };
            let compile = times.build.map_or_else(none, |build| seconds(build.as_secs_f64()));
            (seconds(times.eval.as_secs_f64()), memory, per_files, per_files_memory, compile, note)
        }
        Err(reason) => (none(), none(), none(), none(), none(), reason.clone()),
    };
    format!(
        "| {} | {} | {eval} | {memory} | {per_files} | {per_files_memory} | {compile} | {} |\n",
        build.files,
        build.generation,
        cell_text(&note)
    )
}

fn ms(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else if ms < 100.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.0}")
    }
}

fn seconds(seconds: f64) -> String {
    format!("{seconds:.2}")
}

/// KiB as MiB.
fn mib(kib: u64) -> String {
    mib_f(kib as f64)
}

fn mib_f(kib: f64) -> String {
    format!("{:.1}", kib / 1024.0)
}

fn ratio(timing: &Timing, base: &Timing) -> String {
    let base = base.median.as_secs_f64();
    if base <= 0.0 {
        return "n/a".to_owned();
    }
    format!("{:.2}", timing.median.as_secs_f64() / base)
}

/// Text safe inside one Markdown table cell.
fn cell_text(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
