//! The dependency graph: one vertex per distinct id, `before` edges turned
//! around into `after` edges, and every name that matches no node reported.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{CompileError, DagEntry, Direction, GraphError, NodeRef};
use crate::input::InputNode;
use crate::suggest;

/// Which declarations made an edge `u` waits for `v`: `u`'s `after`, `v`'s
/// `before`, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cause {
    pub by_after: bool,
    pub by_before: bool,
}

#[derive(Debug)]
pub struct Graph {
    /// Distinct ids, sorted, so that vertex order is id order.
    pub ids: Vec<String>,
    /// The first node declaring each id, for messages.
    pub origins: Vec<NodeRef>,
    /// For each vertex, the vertices it waits for, with why.
    pub deps: Vec<BTreeMap<usize, Cause>>,
}

impl Graph {
    /// A graph of vertices `n0`, `n1`, ... where vertex `i` waits for
    /// `deps[i]` (all by `after`), for the tests of the graph algorithms.
    #[cfg(test)]
    pub fn from_deps(deps: &[&[usize]]) -> Graph {
        let origin = |position| NodeRef {
            id: Some(format!("n{position}")),
            position,
            kind: None,
            declared_by: None,
            defined_in: vec![],
            dag: None,
        };
        Graph {
            ids: (0..deps.len()).map(|i| format!("n{i}")).collect(),
            origins: (0..deps.len()).map(origin).collect(),
            deps: deps
                .iter()
                .map(|d| {
                    d.iter().map(|&v| (v, Cause { by_after: true, by_before: false })).collect()
                })
                .collect(),
        }
    }

    /// Vertices that wait for each vertex: the reverse of `deps`.
    pub fn dependents(&self) -> Vec<Vec<usize>> {
        let mut dependents = vec![Vec::new(); self.ids.len()];
        for (vertex, deps) in self.deps.iter().enumerate() {
            for &dep in deps.keys() {
                dependents[dep].push(vertex);
            }
        }
        dependents
    }
}

/// The DAG entry of `node` and the user's name behind the lowered id
/// `missing`, if the node is a DAG entry.
fn dag_name<'a>(node: &'a NodeRef, missing: &'a str) -> Option<(&'a DagEntry, &'a str)> {
    let dag = node.dag.as_deref()?;
    Some((dag, dag.name_of(node.id.as_deref()?, missing)?))
}

/// Builds the graph from every node that has an id. Duplicate ids share one
/// vertex (and are reported elsewhere), so that cycles through them are
/// still found.
pub fn build(nodes: &[InputNode], errors: &mut Vec<CompileError>) -> Graph {
    let mut origins: BTreeMap<&str, &NodeRef> = BTreeMap::new();
    for node in nodes {
        if let Some(id) = &node.origin.id {
            origins.entry(id).or_insert(&node.origin);
        }
    }
    let index: BTreeMap<&str, usize> = origins.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut deps = vec![BTreeMap::<usize, Cause>::new(); index.len()];
    let mut unknown = BTreeSet::new();
    for node in nodes {
        let this = node.origin.id.as_deref().and_then(|id| index.get(id)).copied();
        for (direction, names) in
            [(Direction::After, &node.after), (Direction::Before, &node.before)]
        {
            for name in names {
                let Some(&other) = index.get(name.as_str()) else {
                    unknown.insert((node.origin.position, direction, name.as_str(), &node.origin));
                    continue;
                };
                let Some(this) = this else { continue };
                match direction {
                    Direction::After => deps[this].entry(other).or_default().by_after = true,
                    Direction::Before => deps[other].entry(this).or_default().by_before = true,
                }
            }
        }
    }
    for (_, direction, missing, node) in unknown {
        // An entry of a DAG names entries and anchors, not ids.
        if let Some((dag, name)) = dag_name(node, missing) {
            let siblings = nodes
                .iter()
                .filter_map(|other| other.origin.dag.as_deref())
                .filter(|other| other.option == dag.option)
                .map(|other| other.name.as_str());
            let names = siblings.chain(dag.anchors.iter().map(String::as_str));
            let suggestion = suggest::closest(name, names).map(String::from);
            let (node, name) = (node.clone(), name.to_string());
            errors.push(GraphError::UnknownDagName { node, direction, name, suggestion }.into());
            continue;
        }
        let suggestion = suggest::closest(missing, index.keys().copied()).map(String::from);
        errors.push(
            GraphError::UnknownDependency {
                node: node.clone(),
                direction,
                missing: missing.to_string(),
                suggestion,
            }
            .into(),
        );
    }
    Graph {
        ids: origins.keys().map(|id| id.to_string()).collect(),
        origins: origins.into_values().cloned().collect(),
        deps,
    }
}
