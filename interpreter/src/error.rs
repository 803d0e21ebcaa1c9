//! Every way a command of `am` can fail before or around running nodes.
//!
//! Failing nodes are not errors: they are part of an activation's result (see
//! `activate::Summary`). `main.rs` turns an [`Error`] into an exit code, and
//! `report.rs` renders the variants that need more than one line.

use std::io;
use std::path::PathBuf;

use am_schema::DecodeError;

use crate::activate::findings::{Conflict, UndoProblem};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("HOME is not set; am needs it to know which home to activate")]
    HomeUnset,

    #[error("HOME is {}, which is not an absolute path", .0.display())]
    HomeNotAbsolute(PathBuf),

    #[error("--root {} is not an absolute path", .0.display())]
    RootNotAbsolute(PathBuf),

    #[error(
        "a system is activated as root (or, with --root DIR, into a folder you own): \
         run it with sudo"
    )]
    SystemNeedsRoot,

    #[error(
        "{} is a {bundle} bundle, not a {place} one: a home bundle is activated by its \
         user, without --system or --root; a system bundle by root, with its own \
         bin/activate or --system",
        .path.display()
    )]
    WrongRole { path: PathBuf, bundle: &'static str, place: &'static str },

    #[error(
        "no bundle is active for this home yet ({} does not exist); \
         name the bundle, e.g. `am {command} ./result`",
        .static_link.display()
    )]
    NoActiveBundle { static_link: PathBuf, command: &'static str },

    #[error("bundle {}: {source}", .path.display())]
    BundleUnreadable { path: PathBuf, source: io::Error },

    #[error(
        "{} is not a bundle folder (a bundle holds plan.am, static/ and bin/activate)",
        .path.display()
    )]
    NotABundle { path: PathBuf },

    #[error("could not read plan {}: {source}", .path.display())]
    PlanUnreadable { path: PathBuf, source: io::Error },

    #[error("could not load plan {}: {source}", .path.display())]
    PlanInvalid { path: PathBuf, source: DecodeError },

    #[error("refusing the plan {}: {problem}", .path.display())]
    PlanUnsafe { path: PathBuf, problem: String },

    #[error(
        "HOME is /, which is not a home: activation-manager would manage the whole \
         file system as one"
    )]
    HomeIsRoot,

    #[error(
        "{} belongs to user {owner}, but am runs as root: activate a home as its owner \
         (e.g. `sudo -u <user> ./result/bin/activate`), so that nothing in it is made as root",
        .home.display()
    )]
    HomeOfAnotherUser { home: PathBuf, owner: u32 },

    #[error("could not load {}: {source}", .path.display())]
    StateInvalid { path: PathBuf, source: DecodeError },

    #[error(
        "this bundle is for the home {} (its home.homeDirectory), but HOME is {}; \
         nothing was changed\n  hint: activate it as the user of that home, or build it \
         with home.homeDirectory = \"{}\" (or without home.homeDirectory, for any home)",
        .expected.display(), .actual.display(), .actual.display()
    )]
    WrongHome { expected: PathBuf, actual: PathBuf },

    #[error("there is no generation before generation {current} to roll back to")]
    NothingToRollBack { current: u64 },

    #[error("this home has no generation {0}; `am generations` lists them")]
    NoSuchGeneration(u64),

    #[error("generation {0} is the current one already; `am activate` activates its bundle again")]
    RollbackToCurrent(u64),

    #[error("there is no generation to roll back to: activate a bundle first")]
    NoGenerations,

    #[error("generation {0} is the current one; activate another before deleting it")]
    DeleteCurrent(u64),

    #[error("this home has no active generation (never activated, or deactivated)")]
    NoCurrentGeneration,

    /// `--ask` without a terminal to ask on, and without `--yes`.
    #[error(
        "--ask needs a terminal to ask on, and stdin is not one: pass --yes as well to \
         show the changes and go on, or leave out --ask"
    )]
    AskWithoutTerminal,

    /// The pre-check found paths in the way; nothing was changed.
    #[error("{} in the way; nothing was changed", paths_in_the_way(.0.len()))]
    Refused(Vec<Conflict>),

    /// A change outside any node failed, e.g. creating the state folder.
    #[error("could not {action} {}: {source}", .path.display())]
    Io { action: &'static str, path: PathBuf, source: io::Error },

    /// An error after the activation began changing the home; what it had
    /// changed was undone then and there, except `problems`.
    #[error("{error}; {}", undone(.problems))]
    Aborted { error: Box<Error>, problems: Vec<UndoProblem> },

    /// An interrupted activation could not be undone completely; nothing
    /// else is done until it is.
    #[error(
        "an interrupted activation could not be undone completely; {}\n  \
         fix what is named above and run am again (its journal {} is kept for that)",
        undone(.problems), .journal.display()
    )]
    RecoveryIncomplete { journal: PathBuf, problems: Vec<UndoProblem> },

    #[error(
        "{} is not in the Nix store ({}): am switch copies a bundle with everything it \
         needs, which only a store path has; pass what nix-build made (e.g. ./result)",
        .path.display(), .store.display()
    )]
    NotInStore { path: PathBuf, store: PathBuf },

    #[error(
        "{} is a derivation, not a built bundle: build it first (`nix-store --realise \
         {}`), or pass --build-host HOST to build it there",
        .0.display(), .0.display()
    )]
    DerivationWithoutBuildHost(PathBuf),

    #[error(
        "--build-host builds the bundle there, so it needs the bundle's derivation, not \
         the built bundle {}: pass its .drv (`nix-instantiate home.nix`, or \
         `nix eval --raw .#ATTR.drvPath` for a flake)",
        .0.display()
    )]
    BuildHostNeedsDerivation(PathBuf),

    /// A step of `am switch` on the way to another machine failed: ssh
    /// itself, a copy or a remote build.
    #[error("{step} failed: {failure}; {after}")]
    Remote { step: String, failure: String, after: &'static str },

    /// Lua could not start (out of memory, or a bug in `am`).
    #[error("could not start Lua: {0}")]
    Lua(String),

    /// A worker thread panicked. Nothing in a worker is meant to panic, so
    /// this is a bug in `am`, reported instead of aborting the whole process.
    #[error("internal error: {0}; please report this as a bug")]
    Internal(&'static str),
}

fn undone(problems: &[UndoProblem]) -> String {
    let mut text = String::from("every change it had made was undone");
    if problems.iter().any(|problem| !problem.left_alone) {
        text = String::from("not every change it had made could be undone");
    }
    for problem in problems {
        text.push_str(&format!("\n  except at {}: {}", problem.path.display(), problem.error));
    }
    text
}

fn paths_in_the_way(count: usize) -> String {
    if count == 1 { "1 path is".to_string() } else { format!("{count} paths are") }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
