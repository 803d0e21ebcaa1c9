//! The command line: what `am` was asked to do ([`Command`] and the types
//! it carries), parsed from the flags by `args`.
//!
//! Parsing only checks what the flags say; whether a bundle exists is found
//! out later, when it is opened.

use std::num::NonZeroUsize;
use std::path::PathBuf;

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

mod args;

pub use args::{activate_script_command, command, parse};
