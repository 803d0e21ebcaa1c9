//! `am activate`, `am rollback` and `am deactivate` (and `bin/activate`):
//! lock the home, finish or undo an interrupted activation, work out the
//! target bundle, and run the engine with the real or the dry-run backend.

use std::io::IsTerminal;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use am_schema::Plan;
use am_schema::state::Generation;

use crate::activate::backend::{DryRunBackend, RealBackend};
use crate::activate::dconf;
use crate::activate::precheck::Permissions;
use crate::activate::recover::recover;
use crate::activate::systemd::Systemctl;
use crate::activate::{self, Outside, Request, Status, Summary};
use crate::bundle::{self, Bundle};
use crate::cli::{Activate, Target};
use crate::commands::diff;
use crate::error::{Error, Result};
use crate::place::{Place, Role};
use crate::report::dry_run::DryRun;
use crate::report::{self, ActivationReport};
use crate::state::StateDir;
use crate::state::lock::HomeLock;

/// Runs one activation. The plan comes back beside the result so that
/// conflicts can be reported with the nodes that want each path.
pub fn run(args: &Activate) -> (Result<Status>, Option<Plan>) {
    // A bundle named on the command line says whether it is a home's or a
    // system's, which says where the state, the lock and the targets are.
    let named = match &args.target {
        Target::Bundle(arg) => match bundle::open(arg) {
            Ok(bundle) => bundle,
            Err(error) => return (Err(error), None),
        },
        _ => None,
    };
    let role = named.as_ref().map(|bundle| bundle.plan.role);
    let place = match Place::choose(&args.place, role).and_then(|p| p.check_owner().map(|()| p)) {
        Ok(place) => place,
        Err(error) => return (Err(error), None),
    };
    let state = StateDir::new(place.state.clone());
    let _lock = match lock(&place) {
        Ok(lock) => lock,
        Err(error) => return (Err(error), None),
    };
    // The programs outside `am` are found once, here, and handed down.
    let (dconf, units) = (dconf::Client::from_env(), Systemctl::for_place(&place));
    let outside = Outside { dconf: &dconf, units: &units };
    match prepare(args, &place, &state, outside, named) {
        Ok(Prepared { bundle, previous, rollback }) => {
            let result = execute(args, &place, &state, outside, bundle.as_ref(), previous.as_ref());
            if let (Ok(Some(summary)), Some(to)) = (&result, rollback) {
                if summary.status() != Status::Failed {
                    let from = previous.as_ref().map(|previous| previous.number);
                    report::lifecycle::rolled_back(from, to, summary.generation, args.dry_run);
                }
            }
            let deactivated = matches!(args.target, Target::Nothing) && !args.dry_run;
            if let (true, Ok(Some(summary)), Some(previous)) = (deactivated, &result, &previous) {
                if summary.status() != Status::Failed {
                    report::lifecycle::deactivated(previous.number, Path::new(&previous.bundle));
                }
            }
            // Declined (`--ask`) is done too: nothing was asked to change.
            let status = result.map(|summary| summary.map_or(Status::Done, |s| s.status()));
            (status, bundle.map(|bundle| bundle.plan))
        }
        Err(error) => (Err(error), None),
    }
}

/// Takes the lock of the place: its home folder, or a system's state
/// folder (made if missing).
pub fn lock(place: &Place) -> Result<HomeLock> {
    let folder = match place.role {
        Role::Home => &place.dir,
        Role::System => {
            std::fs::create_dir_all(&place.state).map_err(|source| Error::Io {
                action: "create the state folder",
                path: place.state.clone(),
                source,
            })?;
            &place.state
        }
    };
    HomeLock::acquire(folder, report::waiting_for_lock).map_err(|source| Error::Io {
        action: "lock",
        path: folder.clone(),
        source,
    })
}

/// What an activation starts from.
#[derive(Debug)]
struct Prepared {
    /// The bundle to activate; `None` deactivates.
    bundle: Option<Bundle>,
    /// The current generation.
    previous: Option<Generation>,
    /// The generation a rollback goes back to.
    rollback: Option<u64>,
}

/// Recovers, then finds the current generation and the bundle to activate.
fn prepare(
    args: &Activate,
    place: &Place,
    state: &StateDir,
    outside: Outside,
    named: Option<Bundle>,
) -> Result<Prepared> {
    if args.dry_run {
        if state.journal_path().exists() {
            report::note("an interrupted activation will be rolled back before a real run");
        }
    } else if let Some(recovered) = recover(place, state, outside.dconf)? {
        report::recovered(&recovered);
    }
    let previous = state.current()?;
    let mut rollback = None;
    let bundle = match &args.target {
        Target::Bundle(_) => match named {
            Some(bundle) => Some(bundle),
            None => Some(bundle::open_folder(&place.active_bundle("activate")?)?),
        },
        Target::Rollback(to) => {
            let current = previous.as_ref().map(|previous| previous.number);
            let number = rollback_target(&state.numbers()?, current, *to)?;
            rollback = Some(number);
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
        place.check_role(bundle.plan.role, &bundle.root)?;
        check_home(&bundle.plan, place)?;
    }
    Ok(Prepared { bundle, previous, rollback })
}

/// The generation `am rollback [--to N]` activates again, among the kept
/// ones (`numbers`, ascending): N, else the one before the current, else
/// (after `am deactivate`) the newest, which was current last.
fn rollback_target(numbers: &[u64], current: Option<u64>, to: Option<u64>) -> Result<u64> {
    match (to, current) {
        (Some(number), Some(current)) if number == current => Err(Error::RollbackToCurrent(number)),
        (Some(number), _) if numbers.contains(&number) => Ok(number),
        (Some(number), _) => Err(Error::NoSuchGeneration(number)),
        (None, Some(current)) => numbers
            .iter()
            .rev()
            .copied()
            .find(|&n| n < current)
            .ok_or(Error::NothingToRollBack { current }),
        (None, None) => numbers.last().copied().ok_or(Error::NoGenerations),
    }
}

/// A bundle built for one home (`home.homeDirectory`) refuses another
/// `$HOME`: its files and commands may name that home's absolute paths.
/// The same folder reached through another path (a symlinked `/home`)
/// is the same home, as home-manager's `-ef` check has it.
fn check_home(plan: &Plan, place: &Place) -> Result<()> {
    let Some(expected) = plan.home_directory.as_deref().map(Path::new) else { return Ok(()) };
    if expected == place.dir || same_file(expected, &place.dir) {
        return Ok(());
    }
    Err(Error::WrongHome { expected: expected.to_path_buf(), actual: place.dir.clone() })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

fn execute(
    args: &Activate,
    place: &Place,
    state: &StateDir,
    outside: Outside,
    bundle: Option<&Bundle>,
    previous: Option<&Generation>,
) -> Result<Option<Summary>> {
    let empty = Plan {
        role: place.role,
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
        place,
        previous,
        number: state.next_number()?,
        permissions,
        jobs: args.jobs,
        verbose: args.verbose,
        dry_run: args.dry_run,
        outside,
    };
    if args.ask && !ask(args, previous, bundle)? {
        report::note("not activated; nothing was changed");
        return Ok(None);
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
            place,
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
        let backend = RealBackend::new(state.clone(), place);
        activate::activate(&request, &backend, &mut report)?
    };
    report.summary(target.as_deref(), &summary);
    Ok(Some(summary))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_goes_to_the_one_before_the_current_or_the_one_named() {
        let numbers = [1, 2, 4, 5];
        assert_eq!(rollback_target(&numbers, Some(5), None).ok(), Some(4));
        assert_eq!(rollback_target(&numbers, Some(4), None).ok(), Some(2));
        assert_eq!(rollback_target(&numbers, Some(5), Some(1)).ok(), Some(1));
        assert!(matches!(
            rollback_target(&numbers, Some(1), None),
            Err(Error::NothingToRollBack { current: 1 })
        ));
        assert!(matches!(
            rollback_target(&numbers, Some(5), Some(3)),
            Err(Error::NoSuchGeneration(3))
        ));
        assert!(matches!(
            rollback_target(&numbers, Some(5), Some(5)),
            Err(Error::RollbackToCurrent(5))
        ));
    }

    #[test]
    fn after_deactivate_rollback_goes_to_the_newest_or_the_one_named() {
        assert_eq!(rollback_target(&[1, 2, 3], None, None).ok(), Some(3));
        assert_eq!(rollback_target(&[1, 2, 3], None, Some(1)).ok(), Some(1));
        assert!(matches!(rollback_target(&[], None, None), Err(Error::NoGenerations)));
    }
}
