//! Running the plan's layers, one after the other: the nodes of one layer
//! on the worker pool (see `task`), then the nodes the layer's Lua chunks
//! created, before the next layer.

use std::time::{Duration, Instant};

use am_schema::{Kind, Node, NodeIndex};

use super::backend::Backend;
use super::changes::Changes;
use super::created::Created;
use super::ownership::Ownership;
use super::precheck::{Checked, Context, LinkAction};
use super::task::{Done, Run, State, Task, execute, own, settle, task};
use super::{NodeOutcome, Progress, Summary};
use crate::error::Result;

/// Runs the layers; gives back the nodes Lua chunks created, which ran too.
pub(super) fn run<B: Backend>(
    run: &Run<B>,
    context: &Context,
    checked: &mut Checked,
    progress: &mut impl Progress,
    summary: &mut Summary,
    ownership: &mut Ownership,
) -> Result<Vec<Node>> {
    let Run { request, .. } = *run;
    let plan = request.plan;
    let mut states = vec![State::Pending; plan.nodes.len()];
    // Whether an `onChange` command runs is decided from the bundles alone,
    // before any file changes.
    let changes = Changes::new(request);
    let mut lua = Created::new(plan);
    for (layer_number, layer) in plan.layers.iter().enumerate() {
        let started = Instant::now();
        let mut tasks = Vec::with_capacity(layer.len());
        // Folders a skipped link would have made: later links may need them.
        let mut orphan_dirs = Vec::new();
        for &index in layer {
            let Some(node) = plan.nodes.get(index as usize) else { continue };
            // A node listed twice runs once.
            if states[index as usize] != State::Pending {
                continue;
            }
            if let Some(because) = failed_optional_dependency(node, &states) {
                if let Some(step) = checked.links.take(index) {
                    orphan_dirs.extend(step.missing_dirs);
                }
                states[index as usize] = State::Skipped { because };
                summary.skipped += 1;
                progress.node_done(node, &NodeOutcome::Skipped { because }, Duration::ZERO);
                continue;
            }
            let task = match &node.kind {
                Kind::Link(_) | Kind::Copy(_) => match checked.links.take(index) {
                    Some(step) if step.action != LinkAction::Unchanged => {
                        Task::Link(Box::new(step))
                    }
                    // Already right: done without touching anything.
                    step => {
                        if let Some(step) = step {
                            own(ownership, node, &step, false);
                        }
                        states[index as usize] = State::Succeeded;
                        summary.links_unchanged += 1;
                        continue;
                    }
                },
                Kind::Exec(exec) if !changes.any(&exec.when_changed) => {
                    states[index as usize] = State::Succeeded;
                    progress.node_done(node, &NodeOutcome::NotNeeded, Duration::ZERO);
                    continue;
                }
                _ => task(node, request),
            };
            tasks.push((index as usize, task));
        }

        let mut stop = false;
        let node_of = |index: usize| plan.nodes.get(index);
        execute(run, tasks, orphan_dirs, node_of, ownership, false, |done| {
            let Done { index, mut outcome, created, took, .. } = done;
            let Some(node) = plan.nodes.get(index) else { return };
            if let NodeOutcome::Lua { .. } = outcome {
                summary.lua_chunks += 1;
                if let Err(failure) = lua.accept(index as NodeIndex, created, context) {
                    outcome = NodeOutcome::Failed(failure);
                }
            }
            states[index] = settle(node, index as NodeIndex, &outcome, summary, &mut stop);
            progress.node_done(node, &outcome, took);
        })?;

        // Nodes the layer's chunks created run before the next layer, which
        // may depend on their creators.
        if !stop {
            lua.run_pending(run, progress, summary, ownership, &mut states, &mut stop)?;
        }
        progress.layer_done(layer_number, started.elapsed());
        // The rest of a layer still runs when a required node fails (its
        // nodes are independent and already under way), the next does not.
        if stop {
            break;
        }
    }
    summary.failed_required.sort_unstable();
    summary.failed_required.dedup();
    summary.failed_optional.sort_unstable();
    summary.failed_optional.dedup();
    summary.not_run = plan
        .layers
        .iter()
        .flatten()
        .filter(|&&index| states.get(index as usize) == Some(&State::Pending))
        .count();
    Ok(lua.into_nodes())
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
