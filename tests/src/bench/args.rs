//! Command-line flags of `am-bench`, parsed by hand: four flags do not need
//! a parser dependency in the test crate.

use std::path::PathBuf;

pub const USAGE: &str = "\
usage: am-bench [--files 1000,10000] [--runs 5] [--dir DIR] [--out FILE]

  --files LIST  workload sizes, comma-separated (default 1000,10000)
  --runs N      timed repetitions per scenario; the median is reported (default 5)
  --dir DIR     folder for homes, stores and inputs; use a tmpfs (default: a temp folder)
  --out FILE    where the Markdown report goes (default target/bench/activation.md)";

#[derive(Debug)]
pub struct Args {
    pub files: Vec<usize>,
    pub runs: usize,
    pub dir: Option<PathBuf>,
    pub out: Option<PathBuf>,
}

/// Parses the flags after the program name; `Err` holds what to tell the user.
pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args { files: vec![1000, 10_000], runs: 5, dir: None, out: None };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--files" => parsed.files = sizes(&value()?)?,
            "--runs" => parsed.runs = count(&value()?, "--runs")?,
            "--dir" => parsed.dir = Some(PathBuf::from(value()?)),
            "--out" => parsed.out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

fn sizes(list: &str) -> Result<Vec<usize>, String> {
    list.split(',').map(|size| count(size.trim(), "--files")).collect()
}

fn count(text: &str, flag: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{flag}: expected a positive number, got {text:?}")),
    }
}
