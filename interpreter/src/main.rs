//! `am`: activates home bundles and shows what they do.
//!
//! This file parses the command line, dispatches, and is the one place that
//! turns results and errors into exit codes (the table in ARCHITECTURE.md).

mod activate;
mod bundle;
mod cli;
mod error;
mod home;
mod inspect;
mod quote;
mod report;
mod style;

use std::process::ExitCode;

use crate::activate::backend::RealBackend;
use crate::activate::{Options, Status};
use crate::cli::Command;
use crate::error::Error;
use crate::home::HomePaths;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args_os()) {
        Ok(command) => command,
        Err(usage) => {
            // `--help` and `--version` come this way too, with nothing wrong.
            let _ = usage.print();
            return ExitCode::from(if usage.use_stderr() { 2 } else { 0 });
        }
    };
    let (result, plan) = match command {
        Command::Activate(args) => activate(&args),
        Command::Inspect(args) => (inspect(&args).map(|()| Status::Done), None),
    };
    match result {
        Ok(Status::Done) => ExitCode::SUCCESS,
        Ok(Status::Failed) => ExitCode::from(4),
        Ok(Status::Partial) => ExitCode::from(5),
        Err(error) => {
            report::error(&error, plan.as_ref());
            ExitCode::from(match error {
                Error::Refused(_) => 3,
                _ => 1,
            })
        }
    }
}

/// Runs `am activate`. The plan comes back beside the result so that
/// conflicts can be reported with the nodes that want each path.
fn activate(args: &cli::Activate) -> (Result<Status, Error>, Option<am_schema::Plan>) {
    let home = match HomePaths::from_env() {
        Ok(home) => home,
        Err(error) => return (Err(error), None),
    };
    let bundle = match bundle::open(&args.bundle, &home) {
        Ok(bundle) => bundle,
        Err(error) => return (Err(error), None),
    };
    let mut report = report::ActivationReport::new(&bundle.plan, args.verbose);
    let options = Options { jobs: args.jobs };
    let result = activate::activate(&bundle, &home, &options, &RealBackend::default(), &mut report)
        .map(|summary| {
            report.summary(&bundle.root, &summary);
            summary.status()
        });
    (result, Some(bundle.plan))
}

fn inspect(args: &cli::Inspect) -> Result<(), Error> {
    let inspected = bundle::open_for_inspect(args.path.as_deref(), HomePaths::from_env)?;
    let text = inspect::render(&inspected, args.json, report::stdout_style());
    report::stdout(&text).map_err(|source| Error::Io {
        action: "write to",
        path: "stdout".into(),
        source,
    })
}
