//! The command line: clap structs that mirror the flags, lowered into a
//! [`Command`] that the rest of `am` works with.
//!
//! Parsing only checks what the flags say; whether a bundle exists is found
//! out later, when it is opened.

use std::ffi::OsString;
use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use clap_complete::Shell;

/// The hidden subcommand the completion scripts run for generation numbers.
pub const COMPLETE_GENERATIONS: &str = "__complete-generations";

/// What `am` was asked to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Activate a bundle, roll back to an older generation, or deactivate:
    /// all three are one activation of the engine with another target.
    Activate(Activate),
    Inspect(Inspect),
    Generations(Generations),
    Diff(Diff),
    Switch(Switch),
    /// Print the completion script of a shell.
    Completions(Shell),
    /// Documentation generated from this command line, for the docs site
    /// and packagers.
    Docs(Docs),
    /// Run the Lua chunk of the job on stdin: the process `am` starts for
    /// each chunk.
    LuaChunk,
    /// Print the generation numbers of a place, for the shell completions.
    CompleteGenerations(Where),
}

/// What `am diff` compares.
#[derive(Debug, PartialEq, Eq)]
pub struct Diff {
    /// `None`: the bundle active for `place`.
    pub old: Option<PathBuf>,
    pub place: Where,
    pub new: PathBuf,
    /// `-p`: a unified diff of each changed text file.
    pub patch: bool,
}

/// What `--timings` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Timings {
    /// The slowest 20 nodes, each layer, and the total.
    Slowest,
    /// Every node, slowest first, each layer, and the total.
    All,
}

/// What `am __docs` generates.
#[derive(Debug, PartialEq, Eq)]
pub enum Docs {
    /// The command line reference page of the docs site, to stdout.
    Markdown,
    /// One man page per command, into this folder.
    Man(PathBuf),
    /// Every member of the Lua `am` table, for the type-hint sync test.
    LuaApi,
}

/// What an activation makes the home match.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    Bundle(BundleArg),
    /// The generation before the current one, or the one numbered.
    Rollback(Option<u64>),
    /// Nothing: remove everything the current generation owns.
    Nothing,
}

/// Which place a command works on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Where {
    /// Not said: the home (`$HOME`), unless the bundle being activated is a
    /// system's, which then means the running system.
    #[default]
    Unsaid,
    /// The system whose root is this folder (`/` for `--system`).
    System(PathBuf),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Activate {
    pub target: Target,
    pub place: Where,
    /// How many nodes of one layer may run at the same time.
    pub jobs: NonZeroUsize,
    /// Show the output of commands that succeed and every changed link.
    pub verbose: bool,
    /// Print what would change and change nothing.
    pub dry_run: bool,
    /// Replace anything in the way of any target.
    pub force: bool,
    /// Move paths in the way to `<path>.<ext>` (overrides the bundle's).
    pub backup_ext: Option<String>,
    pub overwrite_backup: bool,
    /// Print per-node and per-layer wall time.
    pub timings: Option<Timings>,
    /// `--ask`: show what would change and ask before changing it.
    pub ask: bool,
    /// `--yes`: with `--ask`, the answer: show the changes, then go on.
    pub yes: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Generations {
    /// `None` lists the generations.
    pub delete: Option<Delete>,
    pub place: Where,
    /// Say what would be deleted, and delete nothing.
    pub dry_run: bool,
}

/// Which generations `am generations` deletes (never the current one).
#[derive(Debug, PartialEq, Eq)]
pub enum Delete {
    /// These, by number.
    Numbers(Vec<u64>),
    /// Those that stopped being current longer than `older_than` ago, and
    /// are not among the `keep` newest; each `None` rules out nothing.
    Old { older_than: Option<Age>, keep: Option<NonZeroUsize> },
}

/// A span of time as written on the command line (`30d`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Age {
    pub seconds: u64,
    /// As the user wrote it, for messages.
    pub text: String,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Inspect {
    /// A bundle folder or a plan file; `None` is the active bundle.
    pub path: Option<PathBuf>,
    /// Whose active bundle, when there is no path.
    pub place: Where,
    pub format: InspectFormat,
}

/// How `am inspect` prints a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectFormat {
    /// Aligned lines for people.
    Text,
    /// JSON for tools.
    Json,
    /// A Graphviz graph.
    Dot,
}

/// What `am switch` deploys, and where.
#[derive(Debug, PartialEq, Eq)]
pub struct Switch {
    /// A built bundle (`./result`), or with `build_host`, the derivation
    /// that builds one.
    pub bundle: PathBuf,
    /// `[user@]host`, as ssh takes it, to activate on.
    pub target_host: String,
    /// `[user@]host` to build the derivation on.
    pub build_host: Option<String>,
    /// Run `bin/activate` under `sudo` on the target.
    pub sudo: bool,
    /// The activation flags the user gave, for `bin/activate` on the target.
    pub activate_args: Vec<String>,
}

/// How the bundle to activate was named.
#[derive(Debug, PartialEq, Eq)]
pub enum BundleArg {
    /// Not at all: the bundle this home's static link points into.
    Active,
    /// A bundle folder, e.g. `./result`.
    Folder(PathBuf),
    /// The bundle's own `bin/activate`, which the kernel hands to
    /// `am bundle-entry` through the script's `#!` line.
    Script(PathBuf),
}

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
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command, clap::Error> {
        parse(args.iter().map(OsString::from))
    }

    fn activate(args: &[&str]) -> Activate {
        match parse_strs(args) {
            Ok(Command::Activate(activate)) => activate,
            other => panic!("{args:?} parsed into {other:?}"),
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        Args::command().debug_assert();
        EntryArgs::command().debug_assert();
    }

    #[test]
    fn activate_takes_an_optional_bundle() {
        let explicit = activate(&["am", "activate", "./result", "--jobs", "3", "-v"]);
        assert_eq!(explicit.target, Target::Bundle(BundleArg::Folder("./result".into())));
        assert_eq!(explicit.jobs.get(), 3);
        assert!(explicit.verbose);
        assert_eq!(activate(&["am", "activate"]).target, Target::Bundle(BundleArg::Active));
    }

    #[test]
    fn zero_jobs_is_a_usage_error() {
        let error = parse_strs(&["am", "activate", "--jobs", "0"]).expect_err("0 is rejected");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn bundle_entry_parses_the_users_flags_like_activate() {
        let entry = activate(&["am", "bundle-entry", "/b/bin/activate", "--verbose", "-j", "2"]);
        assert_eq!(entry.target, Target::Bundle(BundleArg::Script("/b/bin/activate".into())));
        assert!(entry.verbose);
        assert_eq!(entry.jobs.get(), 2);
    }

    #[test]
    fn bundle_entry_help_is_activates_help() {
        let error = parse_strs(&["am", "bundle-entry", "./result/bin/activate", "--help"])
            .expect_err("help is shown");
        assert_eq!(error.kind(), clap::error::ErrorKind::DisplayHelp);
        let help = error.render().to_string();
        assert!(help.contains("--jobs"), "{help}");
        assert!(help.contains("./result/bin/activate"), "{help}");
    }

    #[test]
    fn bundle_entry_rejects_a_bundle_argument() {
        let error = parse_strs(&["am", "bundle-entry", "/b/bin/activate", "./other"])
            .expect_err("activate takes no bundle");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn inspect_takes_a_path_and_json() {
        let parsed = parse_strs(&["am", "inspect", "--json", "plan.am"]).expect("valid");
        let format = InspectFormat::Json;
        assert_eq!(
            parsed,
            Command::Inspect(Inspect {
                path: Some("plan.am".into()),
                format,
                place: Where::Unsaid
            })
        );
    }

    #[test]
    fn inspect_prints_one_format() {
        let parsed = parse_strs(&["am", "inspect", "--dot"]).expect("valid");
        let format = InspectFormat::Dot;
        assert_eq!(parsed, Command::Inspect(Inspect { path: None, format, place: Where::Unsaid }));
        let error = parse_strs(&["am", "inspect", "--dot", "--json"]).expect_err("one format");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn deactivate_refuses_the_flags_of_an_activation() {
        let parsed = activate(&["am", "deactivate", "--dry-run", "--root", "/mnt"]);
        assert_eq!(parsed.target, Target::Nothing);
        assert!(parsed.dry_run);
        assert_eq!(parsed.place, Where::System("/mnt".into()));
        for flag in ["--force", "--jobs=2", "--backup-ext=bak", "--timings"] {
            let error = parse_strs(&["am", "deactivate", flag]).expect_err(flag);
            assert_eq!(error.kind(), clap::error::ErrorKind::UnknownArgument, "{flag}");
        }
    }

    #[test]
    fn generations_delete_by_number_or_by_age_and_count() {
        let generations = |args: &[&str]| match parse_strs(args) {
            Ok(Command::Generations(generations)) => generations,
            other => panic!("{args:?} parsed into {other:?}"),
        };
        assert_eq!(generations(&["am", "generations"]).delete, None);
        let numbers = generations(&["am", "generations", "--delete", "1", "3"]);
        assert_eq!(numbers.delete, Some(Delete::Numbers(vec![1, 3])));
        let old = generations(&["am", "generations", "--delete-older-than", "30d", "--keep", "2"]);
        let age = Age { seconds: 30 * 86_400, text: "30d".into() };
        let keep = NonZeroUsize::new(2);
        assert_eq!(old.delete, Some(Delete::Old { older_than: Some(age), keep }));
        assert!(generations(&["am", "generations", "--keep", "1", "-n"]).dry_run);
        for bad in [
            &["am", "generations", "--delete-older-than", "30"][..],
            &["am", "generations", "--delete-older-than", "3m"],
            &["am", "generations", "--delete-older-than", "d"],
            &["am", "generations", "--keep", "0"],
            &["am", "generations", "--delete", "1", "--keep", "1"],
            &["am", "generations", "--dry-run"],
        ] {
            let error = parse_strs(bad).expect_err("refused");
            assert_eq!(error.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn switch_passes_the_activation_flags_on_as_given() {
        let parsed = parse_strs(&[
            "am",
            "switch",
            "./result",
            "--target-host",
            "me@web",
            "-n",
            "-j",
            "2",
            "--root",
            "/srv/image",
            "-b",
            "bak",
            "--sudo",
        ])
        .expect("valid");
        let expected = Switch {
            bundle: "./result".into(),
            target_host: "me@web".to_string(),
            build_host: None,
            sudo: true,
            activate_args: [
                "--jobs",
                "2",
                "--dry-run",
                "--backup-ext",
                "bak",
                "--root",
                "/srv/image",
            ]
            .map(String::from)
            .to_vec(),
        };
        assert_eq!(parsed, Command::Switch(expected));
        // Unsaid, the number of jobs is left to the target's CPUs.
        let parsed =
            parse_strs(&["am", "switch", "x.drv", "--build-host", "b", "--target-host", "t"]);
        match parsed.expect("valid") {
            Command::Switch(switch) => {
                assert_eq!(switch.build_host.as_deref(), Some("b"));
                assert!(switch.activate_args.is_empty(), "{:?}", switch.activate_args);
            }
            other => panic!("parsed into {other:?}"),
        }
    }

    #[test]
    fn ages_have_a_unit() {
        assert_eq!(parse_age("2w").map(|age| age.seconds), Ok(14 * 86_400));
        assert_eq!(parse_age("12h").map(|age| age.seconds), Ok(12 * 3600));
        assert_eq!(parse_age("90s").map(|age| age.seconds), Ok(90));
        assert!(parse_age("99999999999999999999d").is_err(), "overflow");
        assert!(parse_age("-1d").is_err());
    }

    #[test]
    fn switch_refuses_hosts_that_ssh_or_nix_would_misread() {
        for host in ["-oProxyCommand=x", "ssh://h", "me@web/x", "a b", ""] {
            let error = parse_strs(&["am", "switch", "./result", &format!("--target-host={host}")])
                .expect_err(host);
            assert_eq!(error.exit_code(), 2, "{host}");
        }
        let error = parse_strs(&["am", "switch", "./result"]).expect_err("a target is needed");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn diff_takes_new_alone_or_old_and_new() {
        let parsed = parse_strs(&["am", "diff", "./result"]).expect("valid");
        let diff = Diff { old: None, place: Where::Unsaid, new: "./result".into(), patch: false };
        assert_eq!(parsed, Command::Diff(diff));
        let parsed = parse_strs(&["am", "diff", "-p", "old", "new"]).expect("valid");
        let diff =
            Diff { old: Some("old".into()), place: Where::Unsaid, new: "new".into(), patch: true };
        assert_eq!(parsed, Command::Diff(diff));
        assert!(parse_strs(&["am", "diff"]).is_err());
        assert!(parse_strs(&["am", "diff", "a", "b", "c"]).is_err());
    }

    #[test]
    fn timings_take_an_optional_which() {
        assert_eq!(activate(&["am", "activate"]).timings, None);
        assert_eq!(activate(&["am", "activate", "--timings"]).timings, Some(Timings::Slowest));
        assert_eq!(activate(&["am", "activate", "--timings=all"]).timings, Some(Timings::All));
        // `--timings` takes no separate word: the bundle stays the bundle.
        let parsed = activate(&["am", "activate", "--timings", "./result"]);
        assert_eq!(parsed.target, Target::Bundle(BundleArg::Folder("./result".into())));
    }

    #[test]
    fn yes_answers_ask() {
        let parsed = activate(&["am", "activate", "--ask", "--yes"]);
        assert!(parsed.ask && parsed.yes);
        assert!(parse_strs(&["am", "activate", "--yes"]).is_err(), "--yes without --ask");
    }

    #[test]
    fn completions_name_a_shell() {
        let parsed = parse_strs(&["am", "completions", "zsh"]).expect("valid");
        assert_eq!(parsed, Command::Completions(Shell::Zsh));
        assert!(parse_strs(&["am", "completions", "tcsh"]).is_err());
    }

    #[test]
    fn the_chunk_process_has_a_hidden_subcommand() {
        let subcommand = crate::lua::SUBCOMMAND;
        assert_eq!(parse_strs(&["am", subcommand]).expect("valid"), Command::LuaChunk);
        let help = Args::command().render_help().to_string();
        assert!(!help.contains(subcommand), "{help}");
    }
}
