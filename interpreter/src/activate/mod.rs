//! The activation engine: pre-check every path, prepare the state folder and
//! swap the static link, then run the plan's layers one after the other, the
//! nodes of a layer in parallel.
//!
//! The engine never prints. It changes the home only through a [`Backend`]
//! and tells a [`Progress`] about every node as it finishes; the caller
//! renders that, and the [`Summary`] at the end.

pub mod backend;
pub mod exec;
mod pool;
pub mod precheck;

use std::io;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitStatus;

use am_schema::{Kind, Node, NodeIndex};

use self::backend::Backend;
use self::exec::ExecSpec;
use self::precheck::{Checked, LinkAction, LinkStep};
use crate::bundle::Bundle;
use crate::error::{Error, Result};
use crate::home::HomePaths;

#[derive(Debug, Clone)]
pub struct Options {
    /// How many nodes of one layer may run at the same time.
    pub jobs: NonZeroUsize,
}

/// Receives every node's outcome, on the thread that called [`activate`],
/// as soon as the node is done (or skipped).
pub trait Progress {
    fn node_done(&mut self, node: &Node, outcome: &NodeOutcome);
}

/// How one node ended. Unchanged links are not reported: they did nothing.
#[derive(Debug)]
pub enum NodeOutcome {
    /// A link was created or replaced.
    Linked {
        path: PathBuf,
        replaced: bool,
    },
    /// A command ran and succeeded.
    Ran {
        output: Vec<u8>,
    },
    Failed(Failure),
    /// Not run because `because`, a failed optional node, is among its
    /// dependencies (directly or through other skipped nodes).
    Skipped {
        because: NodeIndex,
    },
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
}

/// What an activation did, for the final report and the exit code.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The static link was created or now points at another bundle.
    pub static_switched: bool,
    pub links_created: usize,
    pub links_replaced: usize,
    pub links_unchanged: usize,
    /// Commands that ran and succeeded.
    pub commands_run: usize,
    pub failed_required: Vec<NodeIndex>,
    pub failed_optional: Vec<NodeIndex>,
    pub skipped: usize,
    /// Nodes of the layers after a failed required node.
    pub not_run: usize,
}

/// The overall result, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done,
    /// Optional nodes failed; their dependents were skipped, the rest applied.
    Partial,
    /// A required node failed; later layers did not run.
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
        !self.static_switched
            && self.links_created == 0
            && self.links_replaced == 0
            && self.commands_run == 0
            && self.failed_required.is_empty()
            && self.failed_optional.is_empty()
    }
}

/// Activates `bundle` for `home`. Conflicts found by the pre-check are an
/// [`Error::Refused`], raised before anything is changed; failing nodes are
/// not errors but part of the [`Summary`].
pub fn activate(
    bundle: &Bundle,
    home: &HomePaths,
    options: &Options,
    backend: &impl Backend,
    progress: &mut impl Progress,
) -> Result<Summary> {
    let bundle_static = bundle.static_dir();
    let mut checked =
        precheck::check(&bundle.plan, home, &bundle_static).map_err(Error::Refused)?;
    let mut summary = Summary::default();
    prepare_state(&checked, home, &bundle_static, backend, &mut summary)?;
    run_layers(bundle, home, options, &mut checked, backend, progress, summary)
}

/// Creates the state folder if needed and points the static link at the
/// bundle, before any node runs: home links resolve through it.
fn prepare_state(
    checked: &Checked,
    home: &HomePaths,
    bundle_static: &std::path::Path,
    backend: &impl Backend,
    summary: &mut Summary,
) -> Result<()> {
    if checked.state.create_state_dir {
        backend.create_dir_all(&home.state).map_err(|source| Error::Io {
            action: "create the state folder",
            path: home.state.clone(),
            source,
        })?;
    }
    let static_link = home.static_link();
    let swapped = match checked.state.static_link {
        None | Some(LinkAction::Unchanged) => return Ok(()),
        Some(LinkAction::Create) => backend.create_symlink(bundle_static, &static_link),
        Some(LinkAction::Replace { .. }) => backend.replace_symlink(bundle_static, &static_link),
    };
    swapped.map_err(|source| Error::Io {
        action: "update the static link",
        path: static_link,
        source,
    })?;
    summary.static_switched = true;
    Ok(())
}

/// Where a node stands while the layers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Succeeded,
    Failed { required: bool },
    Skipped { because: NodeIndex },
}

/// The work of one node, handed to a worker.
#[derive(Debug)]
enum Task {
    Link(LinkStep),
    Exec(Option<ExecSpec>),
}

fn run_layers(
    bundle: &Bundle,
    home: &HomePaths,
    options: &Options,
    checked: &mut Checked,
    backend: &impl Backend,
    progress: &mut impl Progress,
    mut summary: Summary,
) -> Result<Summary> {
    let plan = &bundle.plan;
    let mut states = vec![State::Pending; plan.nodes.len()];
    for layer in &plan.layers {
        let mut tasks = Vec::new();
        for &index in layer {
            let Some(node) = plan.nodes.get(index as usize) else { continue };
            // A node listed twice runs once.
            if states[index as usize] != State::Pending {
                continue;
            }
            if let Some(because) = failed_optional_dependency(node, &states) {
                states[index as usize] = State::Skipped { because };
                summary.skipped += 1;
                progress.node_done(node, &NodeOutcome::Skipped { because });
                continue;
            }
            let task = match &node.kind {
                Kind::Link(_) => match checked.links.remove(&index) {
                    Some(step) if step.action != LinkAction::Unchanged => Task::Link(step),
                    // Already right: done without touching anything.
                    _ => {
                        states[index as usize] = State::Succeeded;
                        summary.links_unchanged += 1;
                        continue;
                    }
                },
                Kind::Exec(exec) => Task::Exec(ExecSpec::new(exec, &home.home)),
            };
            tasks.push((index, task));
        }

        let mut stop = false;
        let finished = |(index, outcome): (NodeIndex, NodeOutcome)| {
            let Some(node) = plan.nodes.get(index as usize) else { return };
            states[index as usize] = match &outcome {
                NodeOutcome::Linked { replaced: false, .. } => {
                    summary.links_created += 1;
                    State::Succeeded
                }
                NodeOutcome::Linked { replaced: true, .. } => {
                    summary.links_replaced += 1;
                    State::Succeeded
                }
                NodeOutcome::Ran { .. } => {
                    summary.commands_run += 1;
                    State::Succeeded
                }
                NodeOutcome::Failed(_) if node.required => {
                    summary.failed_required.push(index);
                    stop = true;
                    State::Failed { required: true }
                }
                NodeOutcome::Failed(_) => {
                    summary.failed_optional.push(index);
                    State::Failed { required: false }
                }
                NodeOutcome::Skipped { because } => State::Skipped { because: *because },
            };
            progress.node_done(node, &outcome);
        };
        let work = |(index, task)| (index, perform(task, backend));
        pool::run_all(options.jobs, tasks, work, finished)
            .map_err(|_| Error::Internal("a worker thread panicked"))?;
        // The rest of a layer still runs when a required node fails (its
        // nodes are independent and already under way), the next does not.
        if stop {
            break;
        }
    }
    summary.failed_required.sort_unstable();
    summary.failed_optional.sort_unstable();
    summary.not_run = plan
        .layers
        .iter()
        .flatten()
        .filter(|&&index| states.get(index as usize) == Some(&State::Pending))
        .count();
    Ok(summary)
}

/// The failed optional node that keeps `node` from running, if any: a failed
/// optional dependency, or the one that made a dependency skip.
fn failed_optional_dependency(node: &Node, states: &[State]) -> Option<NodeIndex> {
    node.after.iter().find_map(|&dep| match states.get(dep as usize) {
        Some(State::Failed { required: false }) => Some(dep),
        Some(State::Skipped { because }) => Some(*because),
        _ => None,
    })
}

/// Does one node's work; runs on a worker thread.
fn perform(task: Task, backend: &impl Backend) -> NodeOutcome {
    match task {
        Task::Link(step) => {
            let replaced = matches!(step.action, LinkAction::Replace { .. });
            let result = if replaced {
                backend.replace_symlink(&step.content, &step.path)
            } else {
                create_link(&step, backend)
            };
            match result {
                Ok(()) => NodeOutcome::Linked { path: step.path, replaced },
                Err(error) => NodeOutcome::Failed(Failure::Link { path: step.path, error }),
            }
        }
        Task::Exec(None) => NodeOutcome::Failed(Failure::EmptyArgv),
        Task::Exec(Some(spec)) => match backend.run(&spec) {
            Ok(captured) if captured.status.success() => {
                NodeOutcome::Ran { output: captured.output }
            }
            Ok(captured) => NodeOutcome::Failed(Failure::Exit {
                status: captured.status,
                output: captured.output,
            }),
            Err(error) => NodeOutcome::Failed(Failure::Spawn { program: spec.program, error }),
        },
    }
}

fn create_link(step: &LinkStep, backend: &impl Backend) -> io::Result<()> {
    if let (true, Some(parent)) = (step.create_parents, step.path.parent()) {
        backend.create_dir_all(parent)?;
    }
    backend.create_symlink(&step.content, &step.path)
}

#[cfg(test)]
mod tests;
