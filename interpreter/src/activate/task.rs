//! One node's work: what a task is, running a batch of tasks on the worker
//! pool (each batch's file changes journaled at once before it starts), and
//! what a finished task leaves in the summary and the ownership.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use am_schema::state::JournalEntry;
use am_schema::{DconfKey, Kind, Node, NodeIndex};

use super::backend::{Backend, Expect, MoveReason};
use super::copy::OwnerSpec;
use super::exec::ExecSpec;
use super::ownership::Ownership;
use super::precheck::{DisplaceReason, LinkAction, LinkStep};
use super::target::file_target;
use super::{Failure, LinkHow, NodeOutcome, Request, Summary, Watcher, pool};
use crate::error::{Error, Result};

/// Where a node stands while the layers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Pending,
    Succeeded,
    Failed { required: bool },
    Skipped { because: NodeIndex },
}

/// The work of one node, handed to a worker.
#[derive(Debug)]
pub(super) enum Task<'a> {
    /// A link or a copy.
    Link(Box<LinkStep>),
    Exec(Option<ExecSpec>),
    Dconf(&'a [DconfKey]),
    Units(super::systemd::Switch<'a>),
    Tmpfiles(&'a am_schema::Tmpfiles),
    Accounts(&'a am_schema::Accounts),
    Lua(&'a Node, &'a am_schema::Lua),
    Profile(&'a am_schema::Profile),
    /// A link or copy without its step: a bug, reported as such.
    Misplaced,
}

/// What a worker hands back for one node.
#[derive(Debug)]
pub(super) struct Done {
    pub index: usize,
    pub outcome: NodeOutcome,
    /// The nodes a Lua chunk created.
    pub created: Vec<Node>,
    /// The step of a link or copy that was made: what the generation owns.
    pub made: Option<LinkStep>,
    pub took: Duration,
}

/// What tasks run with: the request, the backend making the changes, and
/// who is told about nodes while they run.
#[derive(Debug)]
pub(super) struct Run<'r, 'a, B> {
    pub request: &'r Request<'a>,
    pub backend: &'r B,
    pub watcher: &'r dyn Watcher,
}

/// The task of a node that is not a link or a copy: those come with their
/// pre-checked step instead.
pub(super) fn task<'a>(node: &'a Node, request: &Request<'a>) -> Task<'a> {
    match &node.kind {
        Kind::Exec(exec) => Task::Exec(ExecSpec::new(exec, &request.place.dir).map(|mut spec| {
            if request.verbose {
                spec.env.push(("AM_VERBOSE".into(), "1".into()));
            }
            // A system's commands learn which root they activate, so that
            // one talking to the system manager can tell a tree under
            // `--root` from the running system.
            if let Some(root) = &request.place.root {
                spec.env.push(("AM_ROOT".into(), root.to_string_lossy().into_owned()));
            }
            spec
        })),
        Kind::Dconf(dconf) => Task::Dconf(&dconf.keys),
        Kind::SystemdUnits(units) => Task::Units(super::systemd::Switch {
            units: &units.units,
            bundle: request.bundle,
            previous: request.previous,
        }),
        Kind::Lua(chunk) => Task::Lua(node, chunk),
        Kind::Profile(profile) => Task::Profile(profile),
        Kind::Tmpfiles(tmpfiles) => Task::Tmpfiles(tmpfiles),
        Kind::Accounts(accounts) => Task::Accounts(accounts),
        Kind::Link(_) | Kind::Copy(_) => Task::Misplaced,
    }
}

/// Runs `tasks` on the worker pool: first, on this thread, the folders
/// their links need (and `more_dirs`), outermost first, with every change
/// of the batch journaled before. What the links and copies that were made
/// own, and the folders created, go to `ownership` (`by_lua`: the nodes
/// were created by Lua chunks).
pub(super) fn execute<'n, B: Backend>(
    run: &Run<B>,
    tasks: Vec<(usize, Task)>,
    more_dirs: Vec<PathBuf>,
    node_of: impl Fn(usize) -> Option<&'n Node> + Sync,
    ownership: &mut Ownership,
    by_lua: bool,
    mut finished: impl FnMut(Done),
) -> Result<()> {
    let Run { request, backend, watcher } = *run;
    let dirs: BTreeSet<PathBuf> = tasks
        .iter()
        .filter_map(|(_, task)| match task {
            Task::Link(step) => Some(step.missing_dirs.iter()),
            _ => None,
        })
        .flatten()
        .cloned()
        .chain(more_dirs)
        .collect();
    let text = |p: &Path| p.to_string_lossy().into_owned();
    let intents: Vec<JournalEntry> = dirs
        .iter()
        .map(|dir| JournalEntry::DirCreated { path: text(dir) })
        .chain(tasks.iter().flat_map(|(_, task)| match task {
            Task::Link(step) => intents(step),
            _ => Vec::new(),
        }))
        .collect();
    let io_error = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { action, path, source }
    };
    backend
        .record(intents)
        .map_err(io_error("write the activation journal in", &request.place.state))?;
    for dir in dirs {
        // A folder an earlier layer (or a command) made since the
        // pre-check is used as it is: see `Backend::create_dir`.
        backend.create_dir(&dir).map_err(io_error("create the folder", &dir))?;
        ownership.created_dir(&dir);
    }
    let lua_context = crate::lua::Context {
        home: &request.place.dir,
        bundle: request.bundle,
        dry_run: request.dry_run,
        time_limit: crate::lua::TIME_LIMIT,
    };
    let work = |(index, task): (usize, Task)| {
        let started = Instant::now();
        let node = node_of(index);
        if let (Some(node), false) = (node, matches!(task, Task::Link(_))) {
            watcher.node_started(node);
        }
        let output = |bytes: &[u8]| {
            if let Some(node) = node {
                watcher.output(node, bytes);
            }
        };
        let id = node.map_or("", |node| node.id.as_str());
        let (outcome, created, made) = perform(id, task, request, backend, &lua_context, &output);
        Done { index, outcome, created, made, took: started.elapsed() }
    };
    let finished = |done: Done| {
        if let (Some(step), Some(node)) = (&done.made, node_of(done.index)) {
            own(ownership, node, step, by_lua);
        }
        finished(done);
    };
    pool::run_all(request.jobs, tasks, work, finished)
        .map_err(|_| Error::Internal("a worker thread panicked"))
}

/// Records in `ownership` what the link or copy step of `node` made.
pub(super) fn own(ownership: &mut Ownership, node: &Node, step: &LinkStep, by_lua: bool) {
    if let Some(target) = file_target(&node.kind) {
        ownership.add(target, step, by_lua);
    }
}

/// Counts a finished node in the summary and gives its new state.
pub(super) fn settle(
    node: &Node,
    index: NodeIndex,
    outcome: &NodeOutcome,
    summary: &mut Summary,
    stop: &mut bool,
) -> State {
    // Unit changes of a failed switch are undone with the rest.
    if let NodeOutcome::Failed(Failure::Units(failed)) = outcome {
        summary.units.extend(failed.done.iter().cloned());
    }
    match outcome {
        NodeOutcome::Linked { how, copied, .. } => {
            if let LinkHow::BackedUp(_) = how {
                summary.backed_up += 1;
            }
            match (copied, how) {
                (true, _) => summary.copies_written += 1,
                (false, LinkHow::Replaced) => summary.links_replaced += 1,
                (false, _) => summary.links_created += 1,
            }
            State::Succeeded
        }
        NodeOutcome::Dconf(applied) => {
            summary.dconf_written += applied.written.len();
            summary.dconf_records.extend(applied.records.iter().cloned());
            State::Succeeded
        }
        NodeOutcome::Units(switched) => {
            summary.units.extend(switched.done.iter().cloned());
            summary.units_skipped.clone_from(&switched.skipped);
            State::Succeeded
        }
        NodeOutcome::Profile(applied) => {
            summary.profile = Some(applied.record.clone());
            summary.packages.clone_from(&applied.changes);
            State::Succeeded
        }
        NodeOutcome::Accounts(applied) => {
            summary.accounts = Some(applied.record.clone());
            State::Succeeded
        }
        NodeOutcome::Tmpfiles { .. } => State::Succeeded,
        NodeOutcome::NotNeeded => State::Succeeded,
        NodeOutcome::Ran => {
            summary.commands_run += 1;
            State::Succeeded
        }
        NodeOutcome::Lua { .. } => State::Succeeded,
        NodeOutcome::Failed(_) if node.required => {
            summary.failed_required.push(index);
            *stop = true;
            State::Failed { required: true }
        }
        NodeOutcome::Failed(_) => {
            summary.failed_optional.push(index);
            State::Failed { required: false }
        }
        NodeOutcome::Skipped { because } => State::Skipped { because: *because },
    }
}

/// The journal entries of a link step (its folders aside), in the order its
/// changes are made.
fn intents(step: &LinkStep) -> Vec<JournalEntry> {
    let text = |p: &Path| p.to_string_lossy().into_owned();
    let mut entries = Vec::new();
    let (path, content) = (text(&step.path), text(&step.content));
    // What puts the new link or copy in place, once the path is free.
    let created = match &step.copy {
        Some(copy) => JournalEntry::CopyCreated {
            path: path.clone(),
            temp: text(&copy.temp),
            hash: copy.hash,
        },
        None => JournalEntry::LinkCreated { path: path.clone(), content: content.clone() },
    };
    match &step.action {
        LinkAction::Unchanged => {}
        LinkAction::Create => entries.push(created),
        LinkAction::Replace { previous, .. } => entries.push(JournalEntry::LinkReplaced {
            path,
            previous: text(previous),
            content: Some(content),
        }),
        LinkAction::Displace(displace) => {
            if let Some((backup, trash)) = &displace.old_backup {
                entries.push(moved(backup, trash, true));
            }
            entries.push(moved(&step.path, &displace.to, displace.reason.is_trash()));
            entries.push(created);
        }
    }
    entries
}

/// The journal entry of moving `from` to `to`, with the inode found at
/// `from` now, so that undo moves back only what was moved.
pub(super) fn moved(from: &Path, to: &Path, trash: bool) -> JournalEntry {
    use std::os::unix::fs::MetadataExt;
    let text = |p: &Path| p.to_string_lossy().into_owned();
    let inode = std::fs::symlink_metadata(from).map_or(0, |meta| meta.ino());
    JournalEntry::Moved { from: text(from), to: text(to), trash, inode }
}

/// Does one node's work; runs on a worker thread. Gives the nodes a Lua
/// chunk created too, and the step of a link or copy that was made. A
/// command's output goes to `output` as it comes, too.
fn perform(
    id: &str,
    task: Task,
    request: &Request,
    backend: &impl Backend,
    lua: &crate::lua::Context,
    output: &dyn Fn(&[u8]),
) -> (NodeOutcome, Vec<Node>, Option<LinkStep>) {
    let outcome = match task {
        Task::Link(step) => {
            return match link(&step, backend) {
                Ok(how) => {
                    let (path, copied) = (step.path.clone(), step.copy.is_some());
                    (NodeOutcome::Linked { path, how, copied }, Vec::new(), Some(*step))
                }
                Err(error) => {
                    let failure = Failure::Link { path: step.path, error };
                    (NodeOutcome::Failed(failure), Vec::new(), None)
                }
            };
        }
        Task::Dconf(keys) => {
            super::dconf::apply(request.outside.dconf, keys, request.previous, backend)
        }
        Task::Units(switch) => super::systemd::node(&switch, request.outside.units, backend),
        Task::Profile(profile) => {
            super::profile::apply(profile, request.place, request.previous, backend)
        }
        Task::Tmpfiles(tmpfiles) => {
            let (place, bundle) = (request.place, request.bundle);
            super::tmpfiles::apply(tmpfiles, id, place, bundle, request.previous, backend)
        }
        Task::Accounts(accounts) => {
            super::accounts::apply(accounts, id, request.place, request.previous, backend)
        }
        Task::Exec(None) => NodeOutcome::Failed(Failure::EmptyArgv),
        Task::Lua(node, chunk) => {
            let (outcome, created) = super::created::run_chunk(node, chunk, lua);
            return (outcome, created, None);
        }
        Task::Misplaced => {
            NodeOutcome::Failed(Failure::Bug("a link or copy lost its pre-checked step"))
        }
        Task::Exec(Some(spec)) => match backend.run(id, &spec, output) {
            Ok(captured) if captured.timed_out => NodeOutcome::Failed(Failure::TimedOut {
                seconds: spec.timeout.unwrap_or_default(),
                output: captured.output,
            }),
            Ok(captured) if captured.status.success() => NodeOutcome::Ran,
            Ok(captured) => NodeOutcome::Failed(Failure::Exit {
                status: captured.status,
                output: captured.output,
            }),
            Err(error) => NodeOutcome::Failed(Failure::Spawn { program: spec.program, error }),
        },
    };
    (outcome, Vec::new(), None)
}

/// The error of a change whose path was changed by someone else since the
/// pre-check: what is there now is left as it is.
fn changed_since(path: &Path) -> std::io::Error {
    std::io::Error::other(format!(
        "{} changed since activation-manager looked at it; it was left as it is",
        path.display()
    ))
}

fn link(step: &LinkStep, backend: &impl Backend) -> std::io::Result<LinkHow> {
    let path = &step.path;
    // Puts the link or copy at a path that is free.
    let create = || match &step.copy {
        Some(copy) => {
            let owner = copy.owner.as_ref().map(OwnerSpec::ids).transpose()?.unwrap_or_default();
            backend.write_copy(&copy.from, path, &copy.temp, copy.mode, owner)
        }
        None => backend.create_symlink(&step.content, path),
    };
    let done = |ok: bool| if ok { Ok(()) } else { Err(changed_since(path)) };
    match &step.action {
        LinkAction::Unchanged => Ok(LinkHow::Replaced),
        LinkAction::Create => create().map(|()| LinkHow::Created),
        LinkAction::Replace { previous, temp } => {
            done(backend.replace_symlink(&step.content, path, previous, temp)?)?;
            Ok(LinkHow::Replaced)
        }
        LinkAction::Displace(displace) => {
            if let Some((backup, trash)) = &displace.old_backup {
                backend.rename(backup, trash, MoveReason::Trash, &Expect::Anything)?;
            }
            let why =
                if displace.reason.is_trash() { MoveReason::Trash } else { MoveReason::Backup };
            done(backend.rename(path, &displace.to, why, &displace.expect)?)?;
            create()?;
            Ok(match displace.reason {
                DisplaceReason::Backup => LinkHow::BackedUp(displace.to.clone()),
                DisplaceReason::Forced => LinkHow::Forced,
                DisplaceReason::Adopted => LinkHow::Adopted(displace.to.clone()),
                DisplaceReason::Replaced => LinkHow::Replaced,
            })
        }
    }
}
