//! Lowering a validated graph into the plan, plus the list of files the
//! bundle's `static/` folder must hold.
//!
//! Internal types are converted into `am_schema` types by hand: the schema is
//! a compatibility promise and must not follow this crate's refactorings.

use std::collections::BTreeMap;

use am_schema::{Copy, CopySource, Dconf, DconfKey, Exec, Kind, Link, Node, NodeIndex, Plan};

use crate::graph::Graph;
use crate::input::{Body, Content, InputNode};

/// What `static/<target>` becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticContent {
    /// A file the compiler writes with this content.
    Text { text: String, executable: bool },
    /// A symlink to the source, which keeps the source's own mode.
    Symlink { source: String },
    /// A copy of the source file with the mode `executable` asks for.
    Copy { source: String, executable: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    /// Normalized, relative to `static/`.
    pub target: String,
    pub content: StaticContent,
}

/// Everything the bundle is made of, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    pub plan: Plan,
    /// Sorted by target.
    pub statics: Vec<StaticFile>,
    /// The bundle's `scripts/<name>` and their text, sorted by name.
    pub scripts: Vec<(String, String)>,
}

/// Builds the plan. Only called when validation found no problem; a node
/// that is still incomplete then is a bug, returned as a description.
pub fn lower(
    backup_extension: Option<String>,
    nodes: &[InputNode],
    graph: &Graph,
    layers: &[Vec<usize>],
) -> Result<Compiled, String> {
    let by_id: BTreeMap<&str, &InputNode> =
        nodes.iter().filter_map(|n| Some((n.origin.id.as_deref()?, n))).collect();
    // The plan orders nodes by (layer, id); layers already list vertices in
    // id order, so flattening them gives the final order.
    let order: Vec<usize> = layers.iter().flatten().copied().collect();
    let mut new_index = vec![0; graph.ids.len()];
    for (position, &vertex) in order.iter().enumerate() {
        new_index[vertex] = to_index(position)?;
    }

    let mut plan_nodes = Vec::with_capacity(order.len());
    let mut statics = Vec::new();
    for &vertex in &order {
        let id = &graph.ids[vertex];
        let node = by_id.get(id.as_str()).ok_or_else(|| internal(id, "has no input node"))?;
        let mut after: Vec<NodeIndex> =
            graph.deps[vertex].keys().map(|&dep| new_index[dep]).collect();
        after.sort_unstable();
        let kind = match &node.body {
            Some(Body::Link(link)) => {
                let (Some(target), Some(content)) = (&link.target, &link.content) else {
                    return Err(internal(id, "is a link without target or content"));
                };
                statics.push(StaticFile {
                    target: target.clone(),
                    content: static_content(content, link.executable),
                });
                Kind::Link(Link { target: target.clone(), force: link.force, source: None })
            }
            Some(Body::Copy(copy)) => {
                let (Some(target), Some(content)) = (&copy.target, &copy.content) else {
                    return Err(internal(id, "is a copy without target or content"));
                };
                // The interpreter reads the bytes from the bundle and gives
                // the copy its mode: the entry itself keeps the source's.
                statics.push(StaticFile {
                    target: target.clone(),
                    content: static_content(content, None),
                });
                Kind::Copy(Copy {
                    target: target.clone(),
                    mode: copy.mode,
                    force: copy.force,
                    source: CopySource::Static,
                })
            }
            Some(Body::Dconf(dconf)) => Kind::Dconf(Dconf {
                keys: dconf
                    .keys
                    .iter()
                    .map(|(dir, key, value)| DconfKey {
                        dir: dir.clone(),
                        key: key.clone(),
                        value: value.clone(),
                    })
                    .collect(),
            }),
            Some(Body::Tree(_)) => return Err(internal(id, "is a tree that was not expanded")),
            Some(Body::Exec(exec)) => Kind::Exec(Exec {
                argv: exec.argv.clone(),
                env: exec.env.clone(),
                cwd: exec.cwd.clone(),
                timeout: exec.timeout,
                when_changed: exec.when_changed.clone(),
            }),
            Some(Body::SystemdUnits(units)) => {
                Kind::SystemdUnits(crate::units::lower(units).ok_or_else(|| {
                    internal(id, "has a unit without a valid name, target or switch method")
                })?)
            }
            None => return Err(internal(id, "has no kind")),
        };
        plan_nodes.push(Node {
            id: id.clone(),
            declared_by: node.origin.declared_by.clone().unwrap_or_default(),
            required: node.required,
            after,
            kind,
        });
    }
    statics.sort_by(|a, b| a.target.cmp(&b.target));

    let layers = layers.iter().map(|layer| layer.iter().map(|&v| new_index[v]).collect()).collect();
    let plan = Plan { backup_extension, nodes: plan_nodes, layers };
    Ok(Compiled { plan, statics, scripts: Vec::new() })
}

fn static_content(content: &Content, executable: Option<bool>) -> StaticContent {
    match (content, executable) {
        (Content::Text(text), executable) => {
            StaticContent::Text { text: text.clone(), executable: executable.unwrap_or(false) }
        }
        (Content::Source(source), None) => StaticContent::Symlink { source: source.clone() },
        (Content::Source(source), Some(executable)) => {
            StaticContent::Copy { source: source.clone(), executable }
        }
    }
}

fn to_index(position: usize) -> Result<NodeIndex, String> {
    NodeIndex::try_from(position)
        .map_err(|_| format!("more than {} nodes do not fit in a plan", NodeIndex::MAX))
}

fn internal(id: &str, problem: &str) -> String {
    format!("node `{id}` passed validation but {problem}")
}
