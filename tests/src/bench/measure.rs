//! The timing loop: every run starts from an emptied home, prepares the
//! scenario untimed, times the tool's own work, then checks the home. One
//! more run per tool and scenario measures the peak memory of the process
//! doing the work, under GNU time (untimed: time's own start would count).

use std::fs;
use std::io;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::layout::Layout;
use super::workload::{Generation, Workload};

/// One way of linking a generation into the home.
pub trait Tool {
    fn name(&self) -> String;

    /// Why the tool cannot run at all (not installed, bundle did not build).
    fn unavailable(&self) -> Option<String> {
        None
    }

    /// What a reader must know to compare this row, whatever the results.
    fn caveat(&self) -> Option<String> {
        None
    }

    /// The command that brings the home, which holds `from` (`None`: it is
    /// empty), to `to`, once any preparation the tool needs (moving its
    /// inputs in place) is done: that preparation is never measured.
    fn command(
        &mut self,
        layout: &Layout,
        from: Option<&Generation>,
        to: &Generation,
    ) -> Result<Command, String>;

    /// Brings the home from `from` to `to` and returns the time of the
    /// tool's own work.
    fn apply(
        &mut self,
        layout: &Layout,
        from: Option<&Generation>,
        to: &Generation,
    ) -> Result<Duration, String> {
        time_command(&mut self.command(layout, from, to)?)
    }

    /// Brings the home from `from` to `to` and returns the peak resident
    /// memory, in KiB, of the process that did it.
    fn peak_memory(
        &mut self,
        layout: &Layout,
        from: Option<&Generation>,
        to: &Generation,
    ) -> Result<u64, String> {
        peak_memory(&self.command(layout, from, to)?, &layout.root().join("peak-memory"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// (a) First activation into an empty home.
    First,
    /// (b) The same generation again: nothing to do.
    Noop,
    /// (c) Switch to the second generation.
    Switch,
}

impl Scenario {
    pub const ALL: [Scenario; 3] = [Scenario::First, Scenario::Noop, Scenario::Switch];

    pub fn label(self) -> &'static str {
        match self {
            Scenario::First => "a",
            Scenario::Noop => "b",
            Scenario::Switch => "c",
        }
    }

    /// The generation the home holds before the timed step, and the one after.
    fn generations(self, workload: &Workload) -> (Option<&Generation>, &Generation) {
        match self {
            Scenario::First => (None, &workload.first),
            Scenario::Noop => (Some(&workload.first), &workload.first),
            Scenario::Switch => (Some(&workload.first), &workload.second),
        }
    }
}

/// The times of one tool in one scenario.
#[derive(Debug)]
pub struct Timing {
    pub median: Duration,
    pub min: Duration,
    /// The peak resident memory of one run, in KiB, or why it is unknown.
    pub memory: Result<u64, String>,
    /// How the resulting home differed from the generation, if it did.
    pub problems: Option<String>,
}

/// One table row: a tool on one workload size.
#[derive(Debug)]
pub struct Row {
    pub tool: String,
    pub files: usize,
    pub cells: Vec<Result<Timing, String>>,
    pub caveat: Option<String>,
}

/// What one tool collected in one scenario so far.
#[derive(Debug, Default)]
struct Samples {
    times: Vec<Duration>,
    problems: Option<String>,
    failed: Option<String>,
}

impl Samples {
    fn timing(mut self, memory: Result<u64, String>) -> Result<Timing, String> {
        if let Some(reason) = self.failed {
            return Err(reason);
        }
        self.times.sort();
        let median = *self.times.get(self.times.len() / 2).ok_or("no run")?;
        Ok(Timing { median, min: self.times[0], memory, problems: self.problems })
    }
}

/// Times every tool in every scenario, one row per tool. Tools take turns
/// run by run, so a load that comes and goes (a build next door) weighs on
/// all of them alike and the ratios stay fair. A failure fills the tool's
/// cell with its reason and stops its runs in that scenario.
pub fn rows(
    tools: &mut [Box<dyn Tool>],
    layout: &Layout,
    workload: &Workload,
    runs: usize,
) -> Vec<Row> {
    let files = workload.first.files.len();
    let unavailable: Vec<Option<String>> = tools.iter().map(|tool| tool.unavailable()).collect();
    let mut cells: Vec<Vec<Result<Timing, String>>> = tools.iter().map(|_| Vec::new()).collect();
    for scenario in Scenario::ALL {
        let mut samples: Vec<Samples> = tools.iter().map(|_| Samples::default()).collect();
        for _ in 0..runs {
            for (index, tool) in tools.iter_mut().enumerate() {
                let sample = &mut samples[index];
                if unavailable[index].is_some() || sample.failed.is_some() {
                    continue;
                }
                match one_run(tool.as_mut(), layout, workload, scenario) {
                    Ok((took, found)) => {
                        sample.times.push(took);
                        sample.problems = sample.problems.take().or(found);
                    }
                    Err(reason) => sample.failed = Some(reason),
                }
            }
        }
        for (index, sample) in samples.into_iter().enumerate() {
            let timing = match &unavailable[index] {
                Some(reason) => Err(reason.clone()),
                None if sample.failed.is_some() => sample.timing(Err("failed".to_owned())),
                None => {
                    let tool = tools[index].as_mut();
                    sample.timing(memory_run(tool, layout, workload, scenario))
                }
            };
            let (name, label) = (tools[index].name(), scenario.label());
            eprintln!("    {name} ({files} files), {label}: {}", progress(&timing));
            cells[index].push(timing);
        }
    }
    tools
        .iter()
        .zip(cells)
        .map(|(tool, cells)| Row { tool: tool.name(), files, cells, caveat: tool.caveat() })
        .collect()
}

/// One line for the progress output: the median, or why there is none.
fn progress(timing: &Result<Timing, String>) -> String {
    match timing {
        Ok(timing) => format!("median {:.1} ms", timing.median.as_secs_f64() * 1000.0),
        Err(reason) => format!("n/a: {reason}"),
    }
}

/// One more run of the scenario, measuring the peak memory of the work.
fn memory_run(
    tool: &mut dyn Tool,
    layout: &Layout,
    workload: &Workload,
    scenario: Scenario,
) -> Result<u64, String> {
    layout.reset_home().map_err(|e| format!("cannot empty the home: {e}"))?;
    let (from, to) = scenario.generations(workload);
    if let Some(before) = from {
        tool.apply(layout, None, before).map_err(|e| format!("first activation: {e}"))?;
    }
    tool.peak_memory(layout, from, to)
}

fn one_run(
    tool: &mut dyn Tool,
    layout: &Layout,
    workload: &Workload,
    scenario: Scenario,
) -> Result<(Duration, Option<String>), String> {
    layout.reset_home().map_err(|e| format!("cannot empty the home: {e}"))?;
    let (from, to) = scenario.generations(workload);
    if let Some(before) = from {
        tool.apply(layout, None, before).map_err(|e| format!("first activation: {e}"))?;
    }
    let took = tool.apply(layout, from, to)?;
    Ok((took, check(layout, from, to)))
}

/// Every file of `to` must read back its content through the home, and the
/// files only `from` declared must be gone.
fn check(layout: &Layout, from: Option<&Generation>, to: &Generation) -> Option<String> {
    let home = layout.home();
    let mut missing = 0;
    let mut wrong = 0;
    for file in &to.files {
        match fs::read_to_string(home.join(&file.path)) {
            Ok(content) if content == file.content => {}
            Ok(_) => wrong += 1,
            Err(_) => missing += 1,
        }
    }
    let stale = from.map_or(0, |from| {
        let left = from.missing_from(to).into_iter();
        left.filter(|f| fs::symlink_metadata(home.join(&f.path)).is_ok()).count()
    });
    let found: Vec<String> = [
        (missing, "files missing"),
        (wrong, "files with wrong content"),
        (stale, "stale links of removed files"),
    ]
    .iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, what)| format!("{count} {what}"))
    .collect();
    (!found.is_empty()).then(|| found.join(", "))
}

/// Runs a command to completion and returns its wall time, or why it failed.
pub fn time_command(command: &mut Command) -> Result<Duration, String> {
    let start = Instant::now();
    let output = command.output().map_err(|e| spawn_error(command, &e))?;
    let took = start.elapsed();
    if output.status.success() { Ok(took) } else { Err(failure(&output)) }
}

/// GNU time, which reports a finished process's peak resident memory
/// (from wait4's rusage, which no safe Rust API gives).
const GNU_TIME: &str = "/usr/bin/time";

/// Runs a command to completion under GNU time and returns its peak
/// resident memory in KiB; `report` is the file GNU time writes it to.
pub fn peak_memory(command: &Command, report: &Path) -> Result<u64, String> {
    let mut measured = under_gnu_time(command, report);
    let output = measured.output().map_err(|e| spawn_error(&measured, &e))?;
    if !output.status.success() {
        return Err(failure(&output));
    }
    reported_memory(report)
}

/// `command`, run by GNU time, which writes the peak resident memory of
/// the process to `report` when it ends.
pub fn under_gnu_time(command: &Command, report: &Path) -> Command {
    let mut measured = Command::new(GNU_TIME);
    measured.args(["--format", "%M", "--output"]).arg(report);
    measured.arg(command.get_program()).args(command.get_args());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => measured.env(name, value),
            None => measured.env_remove(name),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        measured.current_dir(dir);
    }
    measured
}

/// The peak resident memory, in KiB, that GNU time wrote to `report`.
pub fn reported_memory(report: &Path) -> Result<u64, String> {
    let text = fs::read_to_string(report).map_err(|e| format!("{GNU_TIME} wrote nothing: {e}"))?;
    // The last line: for a failing command, GNU time writes its status first.
    let last = text.lines().last().unwrap_or("").trim();
    last.parse().map_err(|_| format!("{GNU_TIME} reported {last:?}, not a size"))
}

pub fn spawn_error(command: &Command, error: &io::Error) -> String {
    format!("cannot run {}: {error}", command.get_program().to_string_lossy())
}

/// The exit status and the last line the command printed on stderr, which
/// is where tools put their final error.
pub fn failure(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or("");
    format!("{}: {}", output.status, last.trim())
}
