//! `am`: activates home bundles and shows what they do.
//!
//! This file parses the command line, dispatches, and is the one place that
//! turns results and errors into exit codes (the table in ARCHITECTURE.md).

mod activate;
mod anchored;
mod bundle;
mod cli;
mod commands;
mod content;
mod error;
mod inspect;
mod lua;
mod manual;
mod place;
mod quote;
mod report;
mod state;
mod style;

use std::process::ExitCode;

use crate::activate::Status;
use crate::cli::Command;
use crate::error::Error;
use crate::place::Place;

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
        Command::Activate(args) => commands::activation::run(&args),
        Command::Inspect(args) => (inspect(&args).map(|()| Status::Done), None),
        Command::Generations(args) => (generations(&args).map(|()| Status::Done), None),
        Command::Diff(args) => {
            let options = commands::diff::Options {
                old: args.old.as_deref(),
                new: &args.new,
                place: &args.place,
                patch: args.patch,
            };
            let text = commands::diff::run(options)
                .map(|diff| report::diff::render(&diff, report::stdout_style()));
            (text.and_then(print).map(|()| Status::Done), None)
        }
        Command::Switch(args) => match commands::switch::run(&args) {
            // The activation on the target said how it went, and its exit
            // code is am's.
            Ok(remote) => return ExitCode::from(remote),
            Err(error) => (Err(error), None),
        },
        Command::Completions(shell) => {
            (print(manual::completions(shell)).map(|()| Status::Done), None)
        }
        Command::Docs(cli::Docs::Markdown) => {
            (print(manual::markdown()).map(|()| Status::Done), None)
        }
        Command::Docs(cli::Docs::Man(dir)) => {
            (manual::man_pages(&dir).map(|()| Status::Done), None)
        }
        Command::LuaChunk => (lua::serve().map(|()| Status::Done), None),
        Command::CompleteGenerations(place) => {
            let numbers = commands::generations::numbers(&place);
            (numbers.and_then(print).map(|()| Status::Done), None)
        }
        Command::Docs(cli::Docs::LuaApi) => {
            let members = lua::members().map_err(|error| Error::Lua(error.to_string()));
            (members.and_then(|lines| print(lines.join("\n") + "\n")).map(|()| Status::Done), None)
        }
    };
    match result {
        Ok(Status::Done) => ExitCode::SUCCESS,
        Ok(Status::Failed) => ExitCode::from(4),
        Ok(Status::Partial) => ExitCode::from(5),
        Err(error) => {
            report::error(&error, plan.as_ref());
            ExitCode::from(match error {
                Error::Refused(_) => 3,
                Error::Remote { .. } => 6,
                Error::AskWithoutTerminal => 2,
                _ => 1,
            })
        }
    }
}

fn inspect(args: &cli::Inspect) -> Result<(), Error> {
    let place = || Place::choose(&args.place, None);
    let inspected = bundle::open_for_inspect(args.path.as_deref(), place)?;
    print(inspect::render(&inspected, args.format, report::stdout_style()))
}

fn generations(args: &cli::Generations) -> Result<(), Error> {
    let text = match &args.delete {
        None => commands::generations::list(&args.place, report::stdout_style())?,
        Some(delete) => commands::generations::delete(&args.place, delete, args.dry_run)?,
    };
    print(text)
}

fn print(text: String) -> Result<(), Error> {
    report::stdout(&text).map_err(|source| Error::Io {
        action: "write to",
        path: "stdout".into(),
        source,
    })
}
