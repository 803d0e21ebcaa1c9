//! `am activate`, `am rollback` and `am deactivate` (and `bin/activate`):
//! lock the home, finish or undo an interrupted activation, work out the
//! target bundle, and run the engine with the real or the dry-run backend.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use am_schema::Plan;
use am_schema::state::Generation;

use crate::activate::backend::{DryRunBackend, RealBackend};
use crate::activate::dconf;
use crate::activate::precheck::Permissions;
use crate::activate::recover::recover;
use crate::activate::{self, Request, Status};
use crate::bundle::{self, Bundle};
use crate::cli::{Activate, Target};
use crate::commands::diff;
use crate::error::{Error, Result};
use crate::home::HomePaths;
use crate::report::dry_run::DryRun;
use crate::report::{self, ActivationReport};
use crate::state::StateDir;
use crate::state::lock::HomeLock;

/// Runs one activation. The plan comes back beside the result so that
/// conflicts can be reported with the nodes that want each path.
pub fn run(args: &Activate) -> (Result<Status>, Option<Plan>) {
    let home = match HomePaths::from_env().and_then(|home| home.check_owner().map(|()| home)) {
        Ok(home) => home,
        Err(error) => return (Err(error), None),
    };
    let state = StateDir::new(home.state.clone());
    let _lock = match HomeLock::acquire(&home.home, report::waiting_for_lock) {
        Ok(lock) => lock,
        Err(source) => {
            let error = Error::Io { action: "lock", path: home.home.clone(), source };
            return (Err(error), None);
        }
    };
    match prepare(args, &home, &state) {
        Ok((bundle, previous)) => {
            let result = execute(args, &home, &state, bundle.as_ref(), previous.as_ref());
            (result, bundle.map(|bundle| bundle.plan))
        }
        Err(error) => (Err(error), None),
    }
}

/// Recovers, then finds the current generation and the bundle to activate
/// (`None` to deactivate).
fn prepare(
    args: &Activate,
    home: &HomePaths,
    state: &StateDir,
) -> Result<(Option<Bundle>, Option<Generation>)> {
    if args.dry_run {
        if state.journal_path().exists() {
            report::note("an interrupted activation will be rolled back before a real run");
        }
    } else if let Some(recovered) = recover(home, state, &dconf::Client::from_env())? {
        report::recovered(&recovered);
    }
    let previous = state.current()?;
    let bundle = match &args.target {
        Target::Bundle(arg) => Some(bundle::open(arg, home)?),
        Target::Rollback(to) => {
            let current = previous.as_ref().ok_or(Error::NoCurrentGeneration)?;
            let number = match to {
                Some(number) => *number,
                None => state
                    .numbers()?
                    .into_iter()
                    .rev()
                    .find(|&n| n < current.number)
                    .ok_or(Error::NothingToRollBack { current: current.number })?,
            };
            if !state.numbers()?.contains(&number) {
                return Err(Error::NoSuchGeneration(number));
            }
            let target = state.read(number)?;
            Some(bundle::open_folder(&PathBuf::from(target.bundle))?)
        }
        Target::Nothing => {
            if previous.is_none() {
                return Err(Error::NoCurrentGeneration);
            }
            None
        }
    };
    Ok((bundle, previous))
}

fn execute(
    args: &Activate,
    home: &HomePaths,
    state: &StateDir,
    bundle: Option<&Bundle>,
    previous: Option<&Generation>,
) -> Result<Status> {
    let empty = Plan { backup_extension: None, nodes: Vec::new(), layers: Vec::new() };
    let plan = bundle.map_or(&empty, |bundle| &bundle.plan);
    let permissions = Permissions {
        force: args.force,
        backup_extension: args.backup_ext.clone().or_else(|| plan.backup_extension.clone()),
        overwrite_backup: args.overwrite_backup,
    };
    let request = Request {
        plan,
        bundle: bundle.map(|bundle| bundle.root.as_path()),
        home,
        previous,
        number: state.next_number()?,
        permissions,
        jobs: args.jobs,
        verbose: args.verbose,
        dry_run: args.dry_run,
    };
    if args.ask && !ask(args, previous, bundle)? {
        report::note("not activated; nothing was changed");
        return Ok(Status::Done);
    }
    let mut report = ActivationReport::new(plan, args.verbose, args.dry_run, args.timings);
    let target = bundle.map(|bundle| bundle.root.clone());
    let summary = if args.dry_run {
        let backend = DryRunBackend::default();
        let summary = activate::activate(&request, &backend, &mut report)?;
        let planned = backend.planned();
        let new_content = match (previous_bundle(previous), bundle) {
            (Some(old), Some(new)) => diff::new_content(&old, new),
            _ => Vec::new(),
        };
        let dry = DryRun {
            plan,
            home,
            bundle: target.as_deref(),
            planned: &planned,
            new_content: &new_content,
            chunks: &[],
            verbose: args.verbose,
        };
        report.dry_run(dry, &summary).map_err(|source| Error::Io {
            action: "write to",
            path: "stdout".into(),
            source,
        })?;
        summary
    } else {
        let backend = RealBackend::new(state.clone(), home, dconf::Client::from_env());
        activate::activate(&request, &backend, &mut report)?
    };
    report.summary(target.as_deref(), &summary);
    Ok(summary.status())
}

/// The bundle of the current generation, if it is still there (a bundle
/// the garbage collector took is compared as if nothing were active).
fn previous_bundle(previous: Option<&Generation>) -> Option<Bundle> {
    bundle::open_folder(Path::new(&previous?.bundle)).ok()
}

/// `--ask`: shows what activating `bundle` over the current generation
/// changes, as `am diff` does, and asks whether to go on; `--yes` answers
/// yes. Without a terminal to ask on, and without `--yes`, refuses.
fn ask(args: &Activate, previous: Option<&Generation>, bundle: Option<&Bundle>) -> Result<bool> {
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(Error::AskWithoutTerminal);
    }
    let old = previous_bundle(previous);
    let diff = diff::compare(old.as_ref(), bundle, false)?;
    let text = report::diff::render(&diff, report::stdout_style());
    let stdout = |text: &str| {
        report::stdout(text).map_err(|source| Error::Io {
            action: "write to",
            path: "stdout".into(),
            source,
        })
    };
    stdout(&text)?;
    if args.yes {
        return Ok(true);
    }
    let answer = report::ask("Activate? [y/N] ");
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}
