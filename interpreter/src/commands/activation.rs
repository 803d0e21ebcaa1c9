//! `am activate`, `am rollback` and `am deactivate` (and `bin/activate`):
//! lock the home, finish or undo an interrupted activation, work out the
//! target bundle, and run the engine with the real or the dry-run backend.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use am_schema::Plan;
use am_schema::state::Generation;

use crate::activate::backend::{DryRunBackend, RealBackend};
use crate::activate::dconf;
use crate::activate::precheck::Permissions;
use crate::activate::recover::recover;
use crate::activate::systemd::Systemctl;
use crate::activate::{self, Outside, Request, Status};
use crate::bundle::{self, Bundle};
use crate::cli::{Activate, Target};
use crate::error::{Error, Result};
use crate::home::HomePaths;
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
    // The programs outside `am` are found once, here, and handed down.
    let (dconf, units) = (dconf::Client::from_env(), Systemctl::from_env());
    let outside = Outside { dconf: &dconf, units: &units };
    match prepare(args, &home, &state, outside) {
        Ok((bundle, previous)) => {
            let result = execute(args, &home, &state, outside, bundle.as_ref(), previous.as_ref());
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
    outside: Outside,
) -> Result<(Option<Bundle>, Option<Generation>)> {
    if args.dry_run {
        if state.journal_path().exists() {
            report::note("an interrupted activation will be rolled back before a real run");
        }
    } else if let Some(recovered) = recover(home, state, outside.dconf)? {
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
    if let Some(bundle) = &bundle {
        check_home(&bundle.plan, home)?;
    }
    Ok((bundle, previous))
}

/// A bundle built for one home (`home.homeDirectory`) refuses another
/// `$HOME`: its files and commands may name that home's absolute paths.
/// The same folder reached through another path (a symlinked `/home`)
/// is the same home, as home-manager's `-ef` check has it.
fn check_home(plan: &Plan, home: &HomePaths) -> Result<()> {
    let Some(expected) = plan.home_directory.as_deref().map(Path::new) else { return Ok(()) };
    if expected == home.home || same_file(expected, &home.home) {
        return Ok(());
    }
    Err(Error::WrongHome { expected: expected.to_path_buf(), actual: home.home.clone() })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

fn execute(
    args: &Activate,
    home: &HomePaths,
    state: &StateDir,
    outside: Outside,
    bundle: Option<&Bundle>,
    previous: Option<&Generation>,
) -> Result<Status> {
    let empty = Plan {
        backup_extension: None,
        home_directory: None,
        nodes: Vec::new(),
        layers: Vec::new(),
    };
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
        outside,
    };
    let mut report = ActivationReport::new(plan, args.verbose, args.dry_run, args.timings);
    let target = bundle.map(|bundle| bundle.root.clone());
    let summary = if args.dry_run {
        let backend = DryRunBackend::default();
        let summary = activate::activate(&request, &backend, &mut report)?;
        report.dry_run(&backend.planned());
        summary
    } else {
        let backend = RealBackend::new(state.clone(), home);
        activate::activate(&request, &backend, &mut report)?
    };
    report.summary(target.as_deref(), &summary, args.dry_run);
    Ok(summary.status())
}
