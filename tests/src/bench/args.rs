//! Command-line flags of `am-bench`, parsed by hand: five flags do not need
//! a parser dependency in the test crate.

use std::path::PathBuf;

pub const USAGE: &str = "\
usage: am-bench [--files 1000,10000] [--runs 5] [--tools LIST] [--dir DIR] [--out FILE] [--keep]

  --files LIST  workload sizes, comma-separated (default 1000,10000)
  --runs N      timed repetitions per scenario; the median is reported (default 5)
  --tools LIST  the tools to time, comma-separated, of floor, am, systemd-tmpfiles,
                stow and smfh (default: all; `am,floor` while working on am)
  --dir DIR     folder for homes, stores and inputs; use a tmpfs (default: a temp folder)
  --out FILE    where the Markdown report goes (default target/bench/activation.md)
  --keep        keep each workload's folder under DIR (home, inputs, bundles as
                nix/gN/result), to profile a tool by hand afterwards";

#[derive(Debug)]
pub struct Args {
    pub files: Vec<usize>,
    pub runs: usize,
    /// The tools to time, in the table's order.
    pub tools: Vec<&'static str>,
    pub dir: Option<PathBuf>,
    pub out: Option<PathBuf>,
    /// Leave each workload's folder in place instead of freeing it.
    pub keep: bool,
}

/// Parses the flags after the program name; `Err` holds what to tell the user.
pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        files: vec![1000, 10_000],
        runs: 5,
        tools: TOOLS.to_vec(),
        dir: None,
        out: None,
        keep: false,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--files" => parsed.files = sizes(&value()?)?,
            "--runs" => parsed.runs = count(&value()?, "--runs")?,
            "--tools" => parsed.tools = tools(&value()?)?,
            "--dir" => parsed.dir = Some(PathBuf::from(value()?)),
            "--out" => parsed.out = Some(PathBuf::from(value()?)),
            "--keep" => parsed.keep = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

/// Every tool the bench knows, in the order of the table.
pub const TOOLS: [&str; 5] = ["floor", "am", "systemd-tmpfiles", "stow", "smfh"];

/// The named tools in the table's order. The floor is always timed: every
/// ratio is taken against it.
fn tools(list: &str) -> Result<Vec<&'static str>, String> {
    let named: Vec<&str> = list.split(',').map(str::trim).collect();
    if let Some(unknown) = named.iter().find(|name| !TOOLS.contains(name)) {
        return Err(format!("--tools: unknown tool {unknown:?}; known: {}", TOOLS.join(", ")));
    }
    Ok(TOOLS.into_iter().filter(|tool| *tool == "floor" || named.contains(tool)).collect())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &str) -> Result<Args, String> {
        parse(words.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn tools_keep_the_table_order_and_always_the_floor() {
        let args = parse_words("--tools smfh,am").expect("valid flags");
        assert_eq!(args.tools, ["floor", "am", "smfh"]);
        assert_eq!(parse_words("").expect("no flags").tools, TOOLS);
    }

    #[test]
    fn an_unknown_tool_is_named() {
        let error = parse_words("--tools am,rsync").expect_err("rsync is no tool of the bench");
        assert!(error.contains("\"rsync\""), "{error}");
    }
}
