//! The Markdown report: one table of activation times with ratios to the
//! floor, one of bundle build times, and what machine they came from.

use std::fmt::Write as _;
use std::time::Duration;

use super::am::Build;
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
         ×floor = median / the floor's median.\n",
        setting.filesystem,
        setting.cores,
        setting.kernel,
        setting.load.0,
        setting.load.1,
        setting.runs
    );
    out.push_str(
        "| tool | files | a (ms) | b (ms) | c (ms) | a ×floor | b ×floor | c ×floor | note |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for row in rows {
        let floor = rows.iter().find(|r| r.tool == "floor" && r.files == row.files);
        out.push_str(&table_row(row, floor));
    }
    out.push_str("\n### Bundle builds of `am` (not in the times above)\n\n");
    out.push_str(
        "| files | generation | eval (s) | build (s) | note |\n|---:|---:|---:|---:|---|\n",
    );
    for build in builds {
        out.push_str(&build_row(build));
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
    let cells: Vec<String> = times.chain(ratios).collect();
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
            match cell {
                Err(reason) => parts.push(format!("{}: n/a: {reason}", scenario.label())),
                Ok(Timing { problems: Some(problems), .. }) => {
                    parts.push(format!("{}: home has {problems}", scenario.label()))
                }
                Ok(_) => {}
            }
        }
    }
    parts.join("; ")
}

fn build_row(build: &Build) -> String {
    let (eval, compile, note) = match &build.result {
        Ok(times) => {
            let note = if times.cached { "bundle was in the store already" } else { "" };
            (seconds(times.eval), seconds(times.build), note.to_owned())
        }
        Err(reason) => ("n/a".to_owned(), "n/a".to_owned(), reason.clone()),
    };
    format!(
        "| {} | {} | {eval} | {compile} | {} |\n",
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

fn seconds(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64())
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
