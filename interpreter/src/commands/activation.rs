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
use crate::activate::{self, Outside, Request, Status};
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
        Ok((bundle, previous)) => {
            let result = execute(args, &place, &state, outside, bundle.as_ref(), previous.as_ref());
            (result, bundle.map(|bundle| bundle.plan))
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

/// Recovers, then finds the current generation and the bundle to activate
/// (`None` to deactivate).
fn prepare(
    args: &Activate,
    place: &Place,
    state: &StateDir,
    outside: Outside,
    named: Option<Bundle>,
) -> Result<(Option<Bundle>, Option<Generation>)> {
    if args.dry_run {
        if state.journal_path().exists() {
            report::note("an interrupted activation will be rolled back before a real run");
        }
    } else if let Some(recovered) = recover(place, state, outside.dconf)? {
        report::recovered(&recovered);
    }
    let previous = state.current()?;
    let bundle = match &args.target {
        Target::Bundle(_) => match named {
            Some(bundle) => Some(bundle),
            None => Some(bundle::open_folder(&place.active_bundle("activate")?)?),
        },
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
        place.check_role(bundle.plan.role, &bundle.root)?;
        check_home(&bundle.plan, place)?;
    }
    Ok((bundle, previous))
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
) -> Result<Status> {
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
