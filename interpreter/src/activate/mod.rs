//! The activation engine: pre-check every path, then (journaling each change
//! before making it) point the static link at the bundle, remove what the
//! previous generation had and this one drops, run the plan's layers one
//! after the other with the nodes of a layer in parallel, and commit a new
//! generation; or, when a required node fails, undo it all.
//!
//! The engine never prints. It changes the home only through a [`Backend`]
//! and tells a [`Progress`] about every node as it finishes (and its
//! [`Watcher`] about nodes starting and the output of commands as it
//! comes); the caller renders that, and the [`Summary`] at the end.

mod accounts;
pub mod backend;
pub mod changes;
pub mod copy;
mod created;
mod dangling;
pub mod dconf;
pub mod exec;
pub mod findings;
mod layers;
mod ownership;
mod pool;
pub mod precheck;
pub mod profile;
pub mod recover;
pub mod scratch;
mod stale;
pub mod systemd;
pub mod target;
mod task;
mod tmpfiles;
pub mod undo;

use std::io;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use am_schema::state::{AccountsRecord, DconfRecord, Generation, JournalEntry, ProfileRecord};
use am_schema::{Node, NodeIndex, Plan};
use rustc_hash::FxHashSet;

use self::backend::{Backend, Begin, Commit};
use self::ownership::Ownership;
use self::precheck::{Checked, Context, Permissions};
use self::scratch::{Purpose, Scratch};
use self::target::file_target;
use self::undo::UndoProblem;
use crate::error::{Error, Result};
use crate::place::{Place, text};

/// What to activate, and how.
#[derive(Debug)]
pub struct Request<'a> {
    pub plan: &'a Plan,
    /// The canonical bundle folder; `None` deactivates (an empty plan).
    pub bundle: Option<&'a Path>,
    pub place: &'a Place,
    /// The current generation, if any.
    pub previous: Option<&'a Generation>,
    /// The number a new generation gets.
    pub number: u64,
    pub permissions: Permissions,
    /// How many nodes of one layer may run at the same time.
    pub jobs: NonZeroUsize,
    /// `--verbose`: commands then run with `AM_VERBOSE=1` in their
    /// environment (home-manager activation blocks turn it into `VERBOSE`).
    pub verbose: bool,
    /// `--dry-run`, for Lua chunks (`am.dry_run`); the backend is what
    /// keeps a dry run from changing anything.
    pub dry_run: bool,
    pub outside: Outside<'a>,
}

/// The programs outside `am` an activation talks to, built once where the
/// command starts and carried in the request: the engine never makes its
/// own, so tests can run it in process with fakes.
#[derive(Debug, Clone, Copy)]
pub struct Outside<'a> {
    pub dconf: &'a dyn dconf::Dconf,
    pub units: &'a dyn systemd::UnitManager,
}

/// Receives every node's outcome, on the thread that called [`activate`],
/// as soon as the node is done (or skipped).
pub trait Progress {
    fn node_done(&mut self, node: &Node, outcome: &NodeOutcome, took: Duration);
    fn layer_done(&mut self, layer: usize, took: Duration);
    /// What the worker threads tell while nodes run; asked for once, before
    /// the first layer.
    fn watcher(&self) -> Arc<dyn Watcher> {
        Arc::new(Unwatched)
    }
}

/// Told from the worker threads, while nodes run, what [`Progress`] learns
/// only when they are done. Links and copies are not announced: they take
/// microseconds, and there may be ten thousand of them.
pub trait Watcher: Send + Sync + std::fmt::Debug {
    /// A node other than a link or copy starts.
    fn node_started(&self, _node: &Node) {}
    /// A command of `node` wrote `bytes` (stdout and stderr, as they come).
    fn output(&self, _node: &Node, _bytes: &[u8]) {}
}

/// A [`Watcher`] that ignores everything.
#[derive(Debug)]
pub struct Unwatched;

impl Watcher for Unwatched {}

/// How one node ended. Unchanged links are not reported: they did nothing.
#[derive(Debug)]
pub enum NodeOutcome {
    /// A link was created or replaced; `displaced` says where what was in
    /// its way went. `copied`: a copy was written instead of a link.
    Linked {
        path: PathBuf,
        how: LinkHow,
        copied: bool,
    },
    /// A dconf node's keys hold their values (some may have been written).
    Dconf(dconf::Applied),
    /// The user manager was switched to the bundle's units (or skipped).
    Units(systemd::Switched),
    /// The home's packages are the entry of its Nix profile.
    Profile(profile::Applied),
    /// The system's users and groups are there.
    Accounts(accounts::Applied),
    /// The tmpfiles rules were applied, and the dropped ones removed
    /// (`removed` of them).
    Tmpfiles {
        removed: usize,
    },
    /// An `onChange` command that did not run: none of its files changed.
    NotNeeded,
    /// A command ran and succeeded (its output went to the [`Watcher`]).
    Ran,
    /// A Lua chunk ran and created these nodes (their ids), which run next.
    Lua {
        created: Vec<String>,
        log: Vec<crate::lua::LogLine>,
    },
    Failed(Failure),
    /// Not run because `because`, a failed optional node, is among its
    /// dependencies (directly or through other skipped nodes).
    Skipped {
        because: NodeIndex,
    },
}

/// What a link node did at its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkHow {
    Created,
    Replaced,
    /// The user's file was moved to this backup.
    BackedUp(PathBuf),
    /// `force` replaced what was there.
    Forced,
    /// The file there already had the managed bytes; it is kept at this
    /// path, and comes back when the target is no longer managed.
    Adopted(PathBuf),
}

#[derive(Debug)]
pub enum Failure {
    Link {
        path: PathBuf,
        error: io::Error,
    },
    /// The plan holds a command without a program.
    EmptyArgv,
    Spawn {
        program: PathBuf,
        error: io::Error,
    },
    Exit {
        status: ExitStatus,
        output: Vec<u8>,
    },
    /// The command ran longer than its timeout and its process group was
    /// killed.
    TimedOut {
        seconds: u32,
        output: Vec<u8>,
    },
    /// dconf could not be read or written.
    Dconf {
        error: io::Error,
    },
    /// Units failed to start, stop, restart or reload.
    Units(systemd::SwitchFailed),
    /// The Nix profile could not be read or changed.
    Profile(profile::Failed),
    /// A Lua chunk raised an error: its message and traceback.
    Lua {
        message: String,
        log: Vec<crate::lua::LogLine>,
    },
    /// A Lua chunk created a node making what another node makes: `what`
    /// is a target (`~/x`) or a dconf key (`dconf key /a/b`).
    Taken {
        node: String,
        what: String,
        owner: String,
    },
    /// A command changing the system's users or groups failed.
    Accounts {
        command: String,
        error: String,
    },
    /// `systemd-tmpfiles` failed.
    Tmpfiles {
        command: String,
        output: String,
    },
    /// A bug in `am` kept the node from running.
    Bug(&'static str),
    /// Paths are in the way of nodes a Lua chunk created; `nodes` are
    /// those nodes, which the conflicts refer to by index.
    Conflicts {
        nodes: Vec<Node>,
        conflicts: Vec<precheck::Conflict>,
    },
}

/// What an activation did, for the final report and the exit code.
#[derive(Debug, Default)]
pub struct Summary {
    /// The generation recorded, if a new one was.
    pub generation: Option<u64>,
    /// The static link was created, removed, or now points elsewhere.
    pub static_switched: bool,
    pub links_created: usize,
    pub links_replaced: usize,
    /// Copies written (created or replaced).
    pub copies_written: usize,
    /// dconf keys written by dconf nodes.
    pub dconf_written: usize,
    /// dconf keys the previous generation set and this one dropped: reset.
    pub dconf_reset: Vec<String>,
    /// What dconf nodes reported for the generation record.
    pub dconf_records: Vec<DconfRecord>,
    /// What the accounts node (or the locking of dropped users) leaves for
    /// the generation record; `None`: the previous generation's stands.
    pub accounts: Option<AccountsRecord>,
    /// Users locked after the layers, because the plan has no accounts.
    pub locked_users: Vec<String>,
    /// Group memberships left after the layers for the same reason, as
    /// "USER from group GROUP".
    pub left_groups: Vec<String>,
    /// Changes made to the user's systemd manager, in order.
    pub units: Vec<systemd::UnitChange>,
    /// Why units were left alone: no user manager runs.
    pub units_skipped: Option<String>,
    /// What the profile node installed (or found installed), for the
    /// generation record.
    pub profile: Option<am_schema::state::ProfileRecord>,
    /// The packages the Nix profile gained, lost or changed, when it was
    /// changed.
    pub packages: Option<profile::PackageChanges>,
    pub links_unchanged: usize,
    /// Users' paths moved to a backup.
    pub backed_up: usize,
    /// Targets of the previous generation removed.
    pub removed: Vec<PathBuf>,
    /// Users' originals moved back from their backup.
    pub restored: usize,
    /// Targets of the previous generation the user changed: left alone.
    pub left_alone: Vec<PathBuf>,
    /// Commands that ran and succeeded.
    pub commands_run: usize,
    pub failed_required: Vec<NodeIndex>,
    pub failed_optional: Vec<NodeIndex>,
    pub skipped: usize,
    /// Nodes of the layers after a failed required node.
    pub not_run: usize,
    /// A required node failed and every change was undone.
    pub rolled_back: bool,
    /// Changes the rollback could not undo.
    pub undo_problems: Vec<UndoProblem>,
    /// Problems that did not stop the activation (e.g. no GC root).
    pub warnings: Vec<String>,
    /// Lua chunks that ran, and the Lua states started for them (one per
    /// worker thread that ran one; none for a plan without Lua).
    pub lua_chunks: usize,
    pub lua_states: usize,
}

/// The overall result, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done,
    /// Optional nodes failed; their dependents were skipped, the rest applied.
    Partial,
    /// A required node failed; the activation was rolled back.
    Failed,
}

impl Summary {
    pub fn status(&self) -> Status {
        if !self.failed_required.is_empty() {
            Status::Failed
        } else if !self.failed_optional.is_empty() {
            Status::Partial
        } else {
            Status::Done
        }
    }

    /// True when the activation changed nothing at all.
    pub fn nothing_changed(&self) -> bool {
        self.generation.is_none()
            && !self.static_switched
            && self.links_created + self.links_replaced + self.commands_run == 0
            && self.copies_written + self.dconf_written + self.dconf_reset.len() == 0
            && self.units.is_empty()
            && self.packages.is_none()
            && self.removed.len() + self.restored + self.backed_up == 0
            && self.failed_required.is_empty()
            && self.failed_optional.is_empty()
    }
}

/// Activates (or, without a bundle, deactivates). Conflicts found by the
/// pre-check are an [`Error::Refused`], raised before anything is changed;
/// failing nodes are not errors but part of the [`Summary`].
pub fn activate(
    request: &Request,
    backend: &impl Backend,
    progress: &mut impl Progress,
) -> Result<Summary> {
    let bundle_static = request.bundle.map(|bundle| bundle.join(am_schema::STATIC_DIR));
    let scratch = Scratch::random().map_err(|source| Error::Io {
        action: "draw the activation's random token for",
        path: request.place.state.clone(),
        source,
    })?;
    let context = Context {
        place: request.place,
        bundle_static: bundle_static.as_deref(),
        previous: request.previous,
        permissions: &request.permissions,
        scratch,
        jobs: request.jobs,
    };
    let checked = precheck::check(request.plan, &context).map_err(Error::Refused)?;
    let begin = Begin {
        number: request.number,
        previous: request.previous.map(|p| p.number),
        bundle: request.bundle,
        token: scratch.token,
    };
    backend.begin(begin).map_err(|source| Error::Io {
        action: "start the activation journal in",
        path: request.place.state.clone(),
        source,
    })?;
    match apply(request, &context, checked, backend, progress) {
        Ok(summary) => Ok(summary),
        // Whatever was changed before the error is undone now, not left
        // for the next run to find.
        Err(error) => {
            let problems = backend.rollback(request.outside.dconf);
            Err(Error::Aborted { error: Box::new(error), problems })
        }
    }
}

/// Everything after the pre-check: the changes, and the commit or the
/// rollback.
fn apply(
    request: &Request,
    context: &Context,
    mut checked: Checked,
    backend: &impl Backend,
    progress: &mut impl Progress,
) -> Result<Summary> {
    let mut summary = Summary::default();
    let state_io = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { action, path, source }
    };
    let static_link = &request.place.static_link;
    swap_static(&checked, static_link, context, backend, &mut summary)
        .map_err(state_io("update the static link", static_link))?;
    let mut ownership = Ownership::new(request.place, request.previous);
    let static_targets = || request.plan.nodes.iter().filter_map(|node| file_target(&node.kind));
    stale::remove(
        &checked.stale,
        || stale::needed_dirs(static_targets()),
        &mut ownership,
        request.place,
        backend,
        &mut summary,
    )
    .map_err(state_io("remove targets of the previous generation in", &request.place.dir))?;

    let watcher = progress.watcher();
    let run = task::Run { request, backend, watcher: &*watcher };
    let created = layers::run(&run, context, &mut checked, progress, &mut summary, &mut ownership)?;
    summary.lua_states = crate::lua::states_started();
    if !summary.failed_required.is_empty() {
        summary.undo_problems = backend.rollback(request.outside.dconf);
        summary.rolled_back = true;
        let undone = systemd::undo(&summary.units, request.outside.units, backend);
        summary.warnings.extend(undone);
        return Ok(summary);
    }
    // What Lua made last time and no node made this time goes now, when
    // every chunk has run (a look only homes with such targets pay for).
    if precheck::has_lua_targets(request.previous) {
        let made: FxHashSet<&str> = static_targets()
            .chain(created.iter().filter_map(|node| file_target(&node.kind)))
            .collect();
        // Lua's targets in the way of a compiled target's folder went
        // already, with the pre-check's stale targets.
        let mut kept = made.clone();
        kept.extend(checked.stale.iter().map(|step| step.target.as_str()));
        let stale = precheck::stale_by_lua(context, &kept);
        stale::remove(
            &stale,
            || stale::needed_dirs(made.iter().copied()),
            &mut ownership,
            request.place,
            backend,
            &mut summary,
        )
        .map_err(state_io("remove targets of the previous generation in", &request.place.dir))?;
    }
    // Keys the previous generation set and no node set now are reset last,
    // when the keys Lua set are known too.
    let mut dconf_keys = dconf::planned(&request.plan.nodes);
    dconf_keys.extend(dconf::planned(&created));
    let dconf_client = request.outside.dconf;
    summary.dconf_reset =
        dconf::reset_dropped(dconf_client, request.previous, &dconf_keys, backend)
            .map_err(state_io("reset dropped keys with", Path::new("dconf")))?;
    systemd::switch_dropped(request, backend, &mut summary);
    profile::remove_dropped(request.plan, request.place, request.previous, backend, &mut summary)
        .map_err(state_io(
            "remove the packages of the previous generation from",
            &request.place.dir,
        ))?;
    accounts::lock_dropped(request, backend, &mut summary);
    let place_dir = &request.place.dir;
    let outside = dangling::sources(&request.plan.nodes, context.bundle_static);
    summary.warnings.extend(dangling::warnings(&outside, place_dir));
    summary.warnings.extend(dangling::warnings(&dangling::sources(&created, None), place_dir));
    let dconf =
        dconf::records(std::mem::take(&mut summary.dconf_records), &dconf_keys, request.previous);
    let accounts =
        summary.accounts.take().unwrap_or_else(|| accounts::kept(request.previous, request.place));
    let installed = profile::record(request.plan, summary.profile.take(), request.previous);
    let commit = commit_for(request, ownership, dconf, accounts, installed);

    summary.generation = commit.record.as_ref().map(|record| record.number);
    let committed = backend
        .commit(commit)
        .map_err(state_io("record the new generation in", &request.place.state))?;
    summary.warnings.extend(committed);
    Ok(summary)
}

/// Points the static link at the bundle (or removes it when deactivating).
fn swap_static(
    checked: &Checked,
    link: &Path,
    context: &Context,
    backend: &impl Backend,
    summary: &mut Summary,
) -> io::Result<()> {
    let previous = checked.state.static_previous.as_deref();
    let bundle_static = context.bundle_static;
    if previous == bundle_static {
        return Ok(());
    }
    let path = link.to_string_lossy().into_owned();
    let changed = match (previous, bundle_static) {
        (None, Some(content)) => {
            // A system's static link is in `/etc/.activation-manager`, made
            // with the first activation (a home's is in its state folder).
            let state = context.place.state.as_path();
            let folder = link.parent().filter(|folder| *folder != state && !folder.exists());
            let mut entries: Vec<JournalEntry> = folder
                .iter()
                .map(|folder| JournalEntry::DirCreated { path: text(folder) })
                .collect();
            entries.push(JournalEntry::LinkCreated { path, content: text(content) });
            backend.record(entries)?;
            if let Some(folder) = folder {
                backend.create_dir(folder)?;
            }
            backend.create_symlink(content, link)?;
            true
        }
        (Some(old), new) => {
            let entry =
                JournalEntry::LinkReplaced { path, previous: text(old), content: new.map(text) };
            backend.record(vec![entry])?;
            match new {
                Some(content) => {
                    let temp = context.scratch.beside(link, Purpose::Link);
                    backend.replace_symlink(content, link, old, &temp)?
                }
                None => {
                    let aside = context.scratch.beside(link, Purpose::Aside);
                    backend.remove_symlink(link, old, &aside)?
                }
            }
        }
        (None, None) => return Ok(()),
    };
    if !changed {
        return Err(io::Error::other("it changed while the activation ran"));
    }
    summary.static_switched = true;
    Ok(())
}

/// What the activation leaves behind: a new generation record when the
/// managed state differs from the previous generation's.
fn commit_for(
    request: &Request,
    ownership: Ownership,
    dconf: Vec<DconfRecord>,
    accounts: AccountsRecord,
    profile: Option<ProfileRecord>,
) -> Commit {
    let Ownership { mut owned, mut created_dirs, mut prune_after_trash, .. } = ownership;
    owned.sort_by(|a, b| a.target.cmp(&b.target));
    // A folder that waits for the trash to go may hold a target made since
    // (by a Lua chunk): it stays, and stays ours.
    prune_after_trash.retain(|dir| {
        let Some(relative) = dir.strip_prefix(&request.place.dir).ok().and_then(Path::to_str)
        else {
            return true;
        };
        let needed = owned.iter().any(|owned| am_schema::is_within(&owned.target, relative));
        if needed {
            created_dirs.insert(relative.to_string());
        }
        !needed
    });
    let created_dirs: Vec<String> = created_dirs.into_iter().collect();

    let Some(bundle) = request.bundle else {
        let deactivated = request.previous.map(|previous| previous.number);
        return Commit { record: None, current: None, deactivated, prune_after_trash };
    };
    let bundle = bundle.to_string_lossy().into_owned();
    // Keys dconf now shows otherwise, accounts made or locked, a profile
    // entry installed or dropped: a change of the managed state too,
    // recorded even when no file changed.
    let unchanged = request.previous.is_some_and(|previous| {
        previous.bundle == bundle
            && previous.owned == owned
            && previous.created_dirs == created_dirs
            && previous.dconf == dconf
            && previous.accounts == accounts
            && previous.profile == profile
    });
    if unchanged {
        let current = request.previous.map(|previous| previous.number);
        return Commit { record: None, current, deactivated: None, prune_after_trash };
    }
    let record = Generation {
        number: request.number,
        bundle,
        activated_at: crate::state::time::now(),
        owned,
        created_dirs,
        dconf,
        units: systemd::records(request.plan),
        accounts,
        profile,
    };
    Commit {
        current: Some(record.number),
        record: Some(record),
        deactivated: None,
        prune_after_trash,
    }
}

#[cfg(test)]
mod tests;
