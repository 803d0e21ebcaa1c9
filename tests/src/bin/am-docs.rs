//! `am-docs`: the docs site's generated pages and its build.
//!
//! ```text
//! am-docs --check        fail if a generated page differs from the code (the tests run this)
//! am-docs --update       regenerate them: options, CLI, the example's plan
//! am-docs --build DIR    build the book into DIR, draw its graphs, check every link
//! ```
//!
//! `scripts/docs.sh` runs `--update --build target/docs`. The generated pages
//! are committed, so reviews show how a change reads to users, and the site
//! builds with mdbook alone; `--check` keeps them true.

#[path = "../docs/mod.rs"]
mod docs;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: am-docs [--check | --update] [--build DIR]";

#[derive(Debug, Default)]
struct Args {
    check: bool,
    update: bool,
    build: Option<PathBuf>,
}

fn main() -> ExitCode {
    if let Some(code) = am_tests::rerun_with_bin_dir() {
        return code;
    }
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("am-docs: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("am-docs: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let repo = am_tests::repo_root();
    if args.check || args.update {
        let pages = docs::generate(&repo)?;
        let stale = docs::stale(&repo, &pages);
        if args.update {
            for page in &stale {
                std::fs::write(repo.join(page.path), &page.content)
                    .map_err(|e| format!("{}: {e}", page.path))?;
                eprintln!("==> regenerated {}", page.path);
            }
        } else if !stale.is_empty() {
            let paths: Vec<&str> = stale.iter().map(|page| page.path).collect();
            return Err(format!(
                "these generated pages do not match the code: {}\n\
                 run scripts/docs.sh to regenerate them, and commit the result",
                paths.join(", ")
            ));
        }
    }
    if let Some(out) = &args.build {
        docs::build(&repo, out)?;
        let problems = docs::links::check(out)?;
        if !problems.is_empty() {
            return Err(format!("{} broken links:\n  {}", problems.len(), problems.join("\n  ")));
        }
        eprintln!("==> built the docs into {}; every internal link resolves", out.display());
    }
    Ok(())
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => parsed.check = true,
            "--update" => parsed.update = true,
            "--build" => parsed.build = Some(args.next().ok_or("--build needs a folder")?.into()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if parsed.check && parsed.update {
        return Err("--check and --update exclude each other".into());
    }
    if !(parsed.check || parsed.update || parsed.build.is_some()) {
        return Err("nothing to do".into());
    }
    Ok(parsed)
}
