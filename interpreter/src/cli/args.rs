//! The clap definitions of `am` and of a bundle's `bin/activate`, and
//! their lowering into [`Command`]: everything clap needs stays here, so
//! the rest of `am` sees only the plain types of the parent module.

use std::ffi::OsString;
use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use clap_complete::Shell;

use super::*;

/// Parses the arguments of `am` (the first one is the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, clap::Error> {
    match Args::try_parse_from(args)?.command {
        Sub::Activate(ActivateArgs { bundle, flags }) => {
            let bundle = bundle.map_or(BundleArg::Active, BundleArg::Folder);
            Ok(Command::Activate(flags.lower(Target::Bundle(bundle))))
        }
        Sub::Rollback { to, flags } => Ok(Command::Activate(flags.lower(Target::Rollback(to)))),
        Sub::Deactivate { flags } => Ok(Command::Activate(flags.lower())),
        Sub::Generations { delete, older_than, keep, dry_run, place } => {
            let delete = if !delete.is_empty() {
                Some(Delete::Numbers(delete))
            } else if older_than.is_some() || keep.is_some() {
                Some(Delete::Old { older_than, keep })
            } else {
                None
            };
            Ok(Command::Generations(Generations { delete, place: place.lower(), dry_run }))
        }
        Sub::CompleteGenerations { place } => Ok(Command::CompleteGenerations(place.lower())),
        Sub::Diff { mut bundles, patch, place } => {
            // clap gives one or two bundles: NEW alone, or OLD and NEW.
            let new = bundles.pop().unwrap_or_default();
            let place = place.lower();
            Ok(Command::Diff(Diff { old: bundles.pop(), place, new, patch }))
        }
        Sub::Switch(SwitchArgs { bundle, target_host, sudo, build_host, flags }) => {
            Ok(Command::Switch(Switch {
                bundle,
                target_host,
                build_host,
                sudo,
                activate_args: flags.into_args()?,
            }))
        }
        Sub::Inspect(InspectArgs { path, json, dot, place }) => {
            let format = match (json, dot) {
                (true, _) => InspectFormat::Json,
                (false, true) => InspectFormat::Dot,
                (false, false) => InspectFormat::Text,
            };
            Ok(Command::Inspect(Inspect { path, format, place: place.lower() }))
        }
        Sub::Completions { shell } => Ok(Command::Completions(shell)),
        Sub::Docs { what: DocsSub::Markdown } => Ok(Command::Docs(Docs::Markdown)),
        Sub::Docs { what: DocsSub::Man { dir } } => Ok(Command::Docs(Docs::Man(dir))),
        Sub::Docs { what: DocsSub::LuaApi } => Ok(Command::Docs(Docs::LuaApi)),
        Sub::LuaChunk => Ok(Command::LuaChunk),
        Sub::BundleEntry { script, args } => {
            // The user's arguments are those of `bin/activate`, which are
            // `am activate`'s flags without the bundle; the script's path as
            // the kernel passed it is the program name shown in `--help`.
            let program = script.clone().into_os_string();
            let matches = EntryArgs::command()
                .bin_name(script.display().to_string())
                .try_get_matches_from(std::iter::once(program).chain(args))?;
            let entry = EntryArgs::from_arg_matches(&matches)?;
            Ok(Command::Activate(entry.flags.lower(Target::Bundle(BundleArg::Script(script)))))
        }
    }
}

/// The exit codes of ARCHITECTURE.md, for `am --help`.
const EXIT_CODES: &str = "\
Exit codes:
  0  success, also when there was nothing to do
  1  the bundle, plan or home could not be read or written
  2  usage error
  3  refused: paths are in the way; nothing was changed
  4  failed: a required node failed; every change was rolled back
  5  partial: optional nodes failed and their dependents were skipped
  6  am switch: ssh, the copy or the remote build failed (see its output)";

/// Activates and inspects home bundles built by activation-manager.
#[derive(Debug, Parser)]
#[command(name = "am", version, after_help = EXIT_CODES)]
struct Args {
    #[command(subcommand)]
    command: Sub,
}

/// The clap definition of `am`, for completions, man pages and the docs.
pub fn command() -> clap::Command {
    Args::command()
}

/// The clap definition of a bundle's `bin/activate`, for the docs.
pub fn activate_script_command() -> clap::Command {
    EntryArgs::command()
}

#[derive(Debug, Subcommand)]
enum Sub {
    Activate(ActivateArgs),
    Inspect(InspectArgs),
    /// Activate the generation before the current one again, as a new
    /// generation.
    ///
    /// After `am deactivate`, the generation it ended is activated again.
    /// Either way, it says where it went: `rolled back from 3 to 2`.
    Rollback {
        /// Roll back to this generation instead of the one before the current
        /// (any kept one, also after `am deactivate`).
        #[arg(long, value_name = "N")]
        to: Option<u64>,
        #[command(flatten)]
        flags: ActivateFlags,
    },
    /// Remove everything the current generation owns, and move the
    /// originals that were backed up back into place.
    ///
    /// The generation stays in the list, marked as deactivated: `am
    /// rollback` activates it again.
    Deactivate {
        #[command(flatten)]
        flags: DeactivateFlags,
    },
    /// List this home's generations, or delete old ones (and their GC roots).
    ///
    /// The list marks the current generation and those `am deactivate`
    /// ended. The current generation is never deleted.
    #[command(group(clap::ArgGroup::new("deletion").multiple(true)))]
    Generations {
        /// Delete these generations.
        #[arg(
            long,
            value_name = "N",
            num_args = 1..,
            group = "deletion",
            conflicts_with_all = ["older_than", "keep"]
        )]
        delete: Vec<u64>,
        /// Delete the generations that stopped being current more than AGE
        /// ago (`30d`; `s`, `h`, `d` and `w` are seconds, hours, days and
        /// weeks), so that what was active AGE ago stays.
        #[arg(long = "delete-older-than", value_name = "AGE", value_parser = parse_age, group = "deletion")]
        older_than: Option<Age>,
        /// Delete all but the N newest generations; with
        /// --delete-older-than, only those that are old too.
        #[arg(long, value_name = "N", value_parser = parse_keep, group = "deletion")]
        keep: Option<NonZeroUsize>,
        /// Print which generations would be deleted, and delete none.
        #[arg(long, short = 'n', requires = "deletion")]
        dry_run: bool,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Show what activating bundle NEW would change compared with bundle
    /// OLD, or with the bundle active for this home when only NEW is given.
    ///
    /// A summary line comes first (files added, removed and changed; units
    /// to start, restart or stop; dconf keys; commands to run), then each
    /// change, grouped the same way. Files are compared by content and
    /// mode, unit files as the unit switch compares them.
    #[command(override_usage = "am diff [OPTIONS] [OLD] NEW")]
    Diff {
        /// `[OLD] NEW`: the bundle to compare from (default: the active
        /// one) and the bundle to compare with it, e.g. a new `./result`.
        #[arg(value_name = "BUNDLE", num_args = 1..=2, required = true)]
        bundles: Vec<PathBuf>,
        /// Also print a unified diff of each changed text file and Lua
        /// chunk.
        #[arg(long, short = 'p')]
        patch: bool,
        #[command(flatten)]
        place: PlaceArgs,
    },
    Switch(SwitchArgs),
    /// Print a completion script for SHELL to stdout.
    ///
    /// Load it from your shell's startup file, e.g. for bash:
    /// `source <(am completions bash)` in `~/.bashrc`; for zsh:
    /// `source <(am completions zsh)` in `~/.zshrc` (after `compinit`); for
    /// fish: `am completions fish > ~/.config/fish/completions/am.fish`.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Generates documentation from this command line: the docs site's
    /// reference page (`markdown`) and man pages (`man DIR`).
    #[command(name = "__docs", hide = true)]
    Docs {
        #[command(subcommand)]
        what: DocsSub,
    },
    /// Runs one Lua chunk, for `am` itself (see lua/process.rs).
    #[command(name = crate::lua::SUBCOMMAND, hide = true)]
    LuaChunk,
    /// Prints the generation numbers, one a line with a tab and a
    /// description, for the completion scripts (see manual.rs).
    #[command(name = COMPLETE_GENERATIONS, hide = true)]
    CompleteGenerations {
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Runs a bundle's `bin/activate`, whose first line is
    /// `#!<am> bundle-entry`; the kernel adds the script's path and the
    /// user's arguments.
    #[command(hide = true, disable_help_flag = true, disable_version_flag = true)]
    BundleEntry {
        script: PathBuf,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

#[derive(Debug, Subcommand)]
enum DocsSub {
    /// Print the command line reference of the docs site as Markdown.
    Markdown,
    /// Write `am.1`, `am-activate.1`, ... into DIR.
    Man { dir: PathBuf },
    /// List the members of the Lua `am` table with their Lua types.
    LuaApi,
}

/// Make this home match a bundle: check every target first, then link its
/// files and run its commands.
#[derive(Debug, clap::Args)]
struct ActivateArgs {
    /// The bundle folder (e.g. `./result`); defaults to the bundle active
    /// for this home.
    bundle: Option<PathBuf>,
    #[command(flatten)]
    flags: ActivateFlags,
}

/// The flags of `am activate` that `bin/activate` accepts too.
#[derive(Debug, clap::Args)]
struct ActivateFlags {
    /// Run at most N nodes at the same time [default: the number of CPUs].
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs)]
    jobs: Option<NonZeroUsize>,
    /// Also show the output of commands that succeed, and every changed link.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Print every change that would be made, and change nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Replace whatever is in the way of any target (files, folders, links).
    #[arg(long)]
    force: bool,
    /// Move paths in the way to `<path>.<EXT>` instead of stopping.
    #[arg(long, short = 'b', value_name = "EXT", value_parser = parse_backup_ext)]
    backup_ext: Option<String>,
    /// Allow replacing an existing `<path>.<EXT>` backup.
    #[arg(long, requires = "backup_ext")]
    overwrite_backup: bool,
    /// Print how long the slowest 20 nodes and each layer took, and the
    /// total; `--timings=all` lists every node.
    #[arg(
        long,
        value_enum,
        value_name = "WHICH",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "slowest"
    )]
    timings: Option<Timings>,
    /// Show what would change (as `am diff` does) and ask before changing
    /// it; refused when stdin is not a terminal, unless `--yes` answers.
    #[arg(long)]
    ask: bool,
    /// With `--ask`: show what would change, then go on without asking.
    #[arg(long, short = 'y', requires = "ask")]
    yes: bool,
    #[command(flatten)]
    place: PlaceArgs,
}

/// The flags of `am deactivate`: those of `am activate` that mean
/// something without a bundle. It runs no node (no `--jobs`, no
/// `--timings`) and puts nothing in the way of anything (no `--force`,
/// no backups), so those are refused rather than ignored.
#[derive(Debug, clap::Args)]
struct DeactivateFlags {
    /// Also list each path removed or put back.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Print every change that would be made, and change nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// Show what would be removed (as `am diff` does) and ask before
    /// removing it; refused when stdin is not a terminal, unless `--yes`
    /// answers.
    #[arg(long)]
    ask: bool,
    /// With `--ask`: show what would be removed, then go on without asking.
    #[arg(long, short = 'y', requires = "ask")]
    yes: bool,
    #[command(flatten)]
    place: PlaceArgs,
}

impl DeactivateFlags {
    fn lower(self) -> Activate {
        Activate {
            target: Target::Nothing,
            place: self.place.lower(),
            jobs: NonZeroUsize::MIN,
            verbose: self.verbose,
            dry_run: self.dry_run,
            force: false,
            backup_ext: None,
            overwrite_backup: false,
            timings: None,
            ask: self.ask,
            yes: self.yes,
        }
    }
}

impl ActivateFlags {
    fn lower(self, target: Target) -> Activate {
        // A dry run makes no change worth parallelising, and one job keeps
        // its list of changes in plan order.
        let jobs = if self.dry_run { Some(NonZeroUsize::MIN) } else { self.jobs };
        let jobs =
            jobs.or_else(|| std::thread::available_parallelism().ok()).unwrap_or(NonZeroUsize::MIN);
        Activate {
            target,
            place: self.place.lower(),
            jobs,
            verbose: self.verbose,
            dry_run: self.dry_run,
            force: self.force,
            backup_ext: self.backup_ext,
            overwrite_backup: self.overwrite_backup,
            timings: self.timings,
            ask: self.ask,
            yes: self.yes,
        }
    }
}

impl ActivateFlags {
    /// The flags again as `bin/activate` reads them, for an activation on
    /// another machine: what was not given stays unsaid, so the target's
    /// own defaults (its number of CPUs) apply there.
    fn into_args(self) -> Result<Vec<String>, clap::Error> {
        // Named one by one, so that a new flag cannot be forgotten here.
        let ActivateFlags {
            jobs,
            verbose,
            dry_run,
            force,
            backup_ext,
            overwrite_backup,
            timings,
            ask,
            yes,
            place: PlaceArgs { system, root },
        } = self;
        let mut args = Vec::new();
        if let Some(jobs) = jobs {
            args.extend(["--jobs".to_string(), jobs.to_string()]);
        }
        let switches = [
            (verbose, "--verbose"),
            (dry_run, "--dry-run"),
            (force, "--force"),
            (overwrite_backup, "--overwrite-backup"),
            (timings == Some(Timings::Slowest), "--timings"),
            (timings == Some(Timings::All), "--timings=all"),
            (ask, "--ask"),
            (yes, "--yes"),
            (system, "--system"),
        ];
        args.extend(switches.iter().filter(|(on, _)| *on).map(|(_, flag)| flag.to_string()));
        if let Some(ext) = backup_ext {
            args.extend(["--backup-ext".to_string(), ext]);
        }
        if let Some(root) = root {
            let root = root.into_os_string().into_string().map_err(|root| {
                clap::Error::raw(
                    clap::error::ErrorKind::InvalidUtf8,
                    format!("--root {root:?} is not UTF-8, which a remote command line needs\n"),
                )
            })?;
            args.extend(["--root".to_string(), root]);
        }
        Ok(args)
    }
}

fn parse_backup_ext(value: &str) -> Result<String, String> {
    if am_schema::target::is_backup_extension(value) {
        Ok(value.to_string())
    } else {
        Err("a backup extension is a file name's end such as `bak`: not empty, \
             not `.` or `..`, and without `/`"
            .to_string())
    }
}

/// `30d`: a whole number and a unit.
fn parse_age(value: &str) -> Result<Age, String> {
    let problem = || {
        "expected a whole number and a unit, e.g. `30d`: `s` seconds, `h` hours, \
         `d` days, `w` weeks"
            .to_string()
    };
    let split = value.find(|c: char| !c.is_ascii_digit()).ok_or_else(problem)?;
    let (number, unit) = value.split_at(split);
    let unit_seconds = match unit {
        "s" => 1,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(problem()),
    };
    let seconds = number.parse::<u64>().ok().and_then(|n| n.checked_mul(unit_seconds));
    let seconds = seconds.ok_or_else(problem)?;
    Ok(Age { seconds, text: value.to_string() })
}

fn parse_keep(value: &str) -> Result<NonZeroUsize, String> {
    match value.parse::<usize>() {
        Ok(keep) => NonZeroUsize::new(keep)
            .ok_or_else(|| "at least 1 generation is kept; --keep 1 keeps the newest".to_string()),
        Err(_) => Err("expected a whole number of generations, e.g. 5".to_string()),
    }
}

fn parse_jobs(value: &str) -> Result<NonZeroUsize, String> {
    match value.parse::<usize>() {
        Ok(jobs) => NonZeroUsize::new(jobs).ok_or_else(|| "at least 1 job is needed".to_string()),
        Err(_) => Err("expected a whole number of jobs, e.g. 4".to_string()),
    }
}

/// Activates the bundle this script belongs to: checks every target first,
/// then links its files and runs its commands.
#[derive(Debug, Parser)]
#[command(name = "activate", disable_version_flag = true)]
struct EntryArgs {
    #[command(flatten)]
    flags: ActivateFlags,
}

/// Copy a bundle to another machine and activate it there, over ssh.
///
/// Copies the closure of BUNDLE to the target host (`nix copy --to
/// ssh://HOST` when the installed Nix has the `nix-command` feature on,
/// else `nix-copy-closure --to HOST`), then runs the bundle's own
/// `bin/activate` there with the activation flags given here, showing its
/// output as it comes. `am switch` exits with that activation's exit code,
/// or 6 when ssh, the copy or the remote build failed. With --dry-run, the
/// bundle is copied all the same, and the target lists what would change
/// there. ssh takes its options from `~/.ssh/config` and `NIX_SSHOPTS`, as
/// Nix's own copies do.
#[derive(Debug, clap::Args)]
struct SwitchArgs {
    /// The bundle, built (e.g. `./result`); with --build-host, its
    /// derivation (a `.drv`, e.g. from `nix-instantiate`).
    bundle: PathBuf,
    /// The machine to activate on: `[user@]host` as ssh takes it. A home
    /// bundle is activated as that user, a system bundle needs root there
    /// (or --sudo).
    #[arg(long, value_name = "HOST", value_parser = parse_host)]
    target_host: String,
    /// Activate with `sudo` on the target, e.g. a system bundle when ssh
    /// logs in as a user other than root.
    #[arg(long)]
    sudo: bool,
    /// Build BUNDLE's derivation on HOST rather than here, then copy the
    /// bundle from HOST to the target.
    #[arg(long, value_name = "HOST", value_parser = parse_host)]
    build_host: Option<String>,
    #[command(flatten)]
    flags: ActivateFlags,
}

/// A host for ssh and for Nix's `ssh://` store URLs: `[user@]name`, where
/// the name is one ssh resolves (an address, or a `Host` of `~/.ssh/config`).
fn parse_host(value: &str) -> Result<String, String> {
    let fits = |c: char| !c.is_whitespace() && !c.is_control() && !"/?#".contains(c);
    if !value.is_empty() && !value.starts_with('-') && value.chars().all(fits) {
        Ok(value.to_string())
    } else {
        Err("a host is `[user@]name` as ssh takes it, e.g. `root@web1` or a `Host` of \
             ~/.ssh/config; a port or a key goes into ~/.ssh/config or NIX_SSHOPTS"
            .to_string())
    }
}

/// Show what a bundle does, layer by layer.
#[derive(Debug, clap::Args)]
struct InspectArgs {
    /// A bundle folder or a plan.am file; defaults to the bundle active for
    /// this home.
    path: Option<PathBuf>,
    /// Print JSON for tools instead of text for people.
    #[arg(long)]
    json: bool,
    /// Print a Graphviz graph instead: a box per layer, an arrow from each
    /// node to the nodes that wait for it. `dot -Tsvg` draws it.
    #[arg(long, conflicts_with = "json")]
    dot: bool,
    #[command(flatten)]
    place: PlaceArgs,
}

/// Where a command works: a home (the default) or a system.
#[derive(Debug, clap::Args)]
struct PlaceArgs {
    /// Work on the system (its `/etc`, system units and
    /// `/var/lib/activation-manager`) instead of your home. A system
    /// bundle's own `bin/activate` needs no flag.
    #[arg(long)]
    system: bool,
    /// The root folder of the system, for an image or a container being
    /// built: its units are placed and enabled, not started (implies
    /// --system).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

impl PlaceArgs {
    fn lower(self) -> Where {
        match (self.system, self.root) {
            (_, Some(root)) => Where::System(root),
            (true, None) => Where::System(PathBuf::from("/")),
            (false, None) => Where::Unsaid,
        }
    }
}

#[cfg(test)]
mod tests;
