//! Nodes Lua chunks create while the layers run: checked when a chunk
//! returns (no target or dconf key made twice, then the pre-check), and run
//! right after the chunk's layer, before the next one.

use std::collections::HashMap;
use std::time::Duration;

use am_schema::{Kind, Node, NodeIndex};

use super::backend::Backend;
use super::ownership::Ownership;
use super::precheck::{self, Context, LinkAction, LinkStep};
use super::target::file_target;
use super::task::{Done, Run, State, Task, execute, own, settle, task};
use super::{Failure, NodeOutcome, Progress, Request, Summary};
use crate::error::Result;

/// Runs a Lua chunk, in a process of its own.
pub(super) fn run_chunk(
    node: &Node,
    chunk: &am_schema::Lua,
    context: &crate::lua::Context,
) -> (NodeOutcome, Vec<Node>) {
    // The node's own `timeout`, else the default.
    let limit = chunk.timeout.map(|seconds| Duration::from_secs(seconds.into()));
    let context =
        &crate::lua::Context { time_limit: limit.unwrap_or(context.time_limit), ..*context };
    match crate::lua::run(node, context) {
        Ok(ran) => {
            let created = ran.created.iter().map(|node| node.id.clone()).collect();
            (NodeOutcome::Lua { created, log: ran.log }, ran.created)
        }
        Err(failed) => {
            let failure = Failure::Lua { message: failed.message, log: failed.log };
            (NodeOutcome::Failed(failure), Vec::new())
        }
    }
}

/// The nodes Lua chunks created during the activation.
#[derive(Debug)]
pub(super) struct Created<'p> {
    /// Every created node so far, in the order their creators finished.
    nodes: Vec<Node>,
    /// Targets and dconf keys taken (see [`claims`]), by compiled or
    /// created nodes, with the taker's id; filled on the first chunk, as
    /// most plans have none.
    taken: Option<HashMap<String, String>>,
    plan: &'p am_schema::Plan,
    /// Created nodes not run yet.
    pending: Vec<PendingNode>,
}

impl<'p> Created<'p> {
    pub(super) fn new(plan: &'p am_schema::Plan) -> Self {
        Created { nodes: Vec::new(), taken: None, plan, pending: Vec::new() }
    }

    /// Every node created, in the order their creators finished.
    pub(super) fn into_nodes(self) -> Vec<Node> {
        self.nodes
    }

    /// Runs the nodes created since the last call, as one more batch of
    /// the layer: the files first, then the commands and dconf keys, so a
    /// command a chunk created sees the files the chunk created. A created
    /// node that fails fails its creator, and stops the rest like any
    /// required node.
    pub(super) fn run_pending<B: Backend>(
        &mut self,
        run: &Run<B>,
        progress: &mut impl Progress,
        summary: &mut Summary,
        ownership: &mut Ownership,
        states: &mut [State],
        stop: &mut bool,
    ) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let (tasks, parents) = created_tasks(&self.nodes, pending, run.request, summary, ownership);
        let (files, rest): (Vec<_>, Vec<_>) =
            tasks.into_iter().partition(|(_, task)| matches!(task, Task::Link(_)));
        for batch in [files, rest] {
            if *stop || batch.is_empty() {
                continue;
            }
            let nodes = &self.nodes;
            let finished = |Done { index, outcome, took, .. }: Done| {
                let (Some(node), Some(&parent)) = (nodes.get(index), parents.get(&index)) else {
                    return;
                };
                let state = settle(node, parent, &outcome, summary, stop);
                if matches!(state, State::Failed { .. }) {
                    states[parent as usize] = state;
                }
                progress.node_done(node, &outcome, took);
            };
            let node_of = |index| nodes.get(index);
            execute(run, batch, Vec::new(), node_of, ownership, true, finished)?;
        }
        Ok(())
    }

    /// Takes the nodes a chunk created, after the checks compiled nodes get
    /// at build time (no target taken twice) and before any change (the
    /// pre-check), or gives why the chunk fails.
    pub(super) fn accept(
        &mut self,
        parent: NodeIndex,
        created: Vec<Node>,
        context: &Context,
    ) -> std::result::Result<(), Failure> {
        let plan = self.plan;
        let taken = self.taken.get_or_insert_with(|| {
            let nodes = plan.nodes.iter();
            nodes.flat_map(|node| claims(node).map(|claim| (claim, node.id.clone()))).collect()
        });
        let mut claimed = HashMap::new();
        for node in &created {
            for claim in claims(node) {
                if let Some(owner) = taken.get(&claim).or_else(|| claimed.get(&claim)) {
                    let owner = String::clone(owner);
                    return Err(Failure::Taken { node: node.id.clone(), what: claim, owner });
                }
                claimed.insert(claim, node.id.clone());
            }
        }
        let mut steps = precheck::check_created(&created, context)
            .map_err(|conflicts| Failure::Conflicts { nodes: created.clone(), conflicts })?;
        taken.extend(claimed);
        for (at, node) in created.into_iter().enumerate() {
            let step = steps.remove(&(at as NodeIndex));
            self.pending.push((self.nodes.len(), parent, step));
            self.nodes.push(node);
        }
        Ok(())
    }
}

/// What a node makes that no other node may make too, as it is named in
/// messages: its target, or the dconf keys it sets.
fn claims(node: &Node) -> impl Iterator<Item = String> + '_ {
    let target = file_target(&node.kind).map(|target| format!("~/{target}"));
    let keys = match &node.kind {
        Kind::Dconf(dconf) => dconf.keys.as_slice(),
        _ => &[],
    };
    target.into_iter().chain(keys.iter().map(|key| format!("dconf key {}", key.path())))
}

/// A created node not run yet: its index in [`Created::nodes`], its
/// creator, and its pre-checked step if it is a link or a copy.
type PendingNode = (usize, NodeIndex, Option<LinkStep>);

/// The tasks of the `pending` created nodes, with each one's creator.
fn created_tasks<'a>(
    nodes: &'a [Node],
    pending: Vec<PendingNode>,
    request: &Request<'a>,
    summary: &mut Summary,
    ownership: &mut Ownership,
) -> (Vec<(usize, Task<'a>)>, HashMap<usize, NodeIndex>) {
    let mut tasks = Vec::new();
    let mut parents = HashMap::new();
    for (index, parent, step) in pending {
        let Some(node) = nodes.get(index) else { continue };
        let task = match (&node.kind, step) {
            (Kind::Link(_) | Kind::Copy(_), Some(step)) if step.action != LinkAction::Unchanged => {
                Task::Link(Box::new(step))
            }
            (Kind::Link(_) | Kind::Copy(_), step) => {
                if let Some(step) = step {
                    own(ownership, node, &step, true);
                }
                summary.links_unchanged += 1;
                continue;
            }
            _ => task(node, request),
        };
        parents.insert(index, parent);
        tasks.push((index, task));
    }
    (tasks, parents)
}
