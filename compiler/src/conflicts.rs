//! Two nodes claiming one thing: one id, one target, a target inside
//! another node's target, one dconf key, or the profile entry of a home's
//! packages.

use std::collections::BTreeMap;

use crate::error::{CompileError, DconfError, GraphError, NodeRef, PackagesError};
use crate::input::{Body, InputNode};
use crate::target;

/// Reports duplicate ids, conflicting targets and dconf keys set twice.
pub fn check(nodes: &[InputNode], errors: &mut Vec<CompileError>) {
    let mut by_target: BTreeMap<&str, Vec<&InputNode>> = BTreeMap::new();
    for node in nodes {
        if let Some(target) = link_target(node) {
            by_target.entry(target).or_default().push(node);
        }
    }
    duplicate_ids(nodes, errors);
    shared_targets(&by_target, errors);
    nested_targets(&by_target, errors);
    dconf_keys(nodes, errors);
    profiles(nodes, errors);
}

fn link_target(node: &InputNode) -> Option<&str> {
    match &node.body {
        // A Lua target is only known when it runs.
        Some(Body::Link(file) | Body::Copy(file)) => file.target.as_ref()?.literal(),
        _ => None,
    }
}

fn duplicate_ids(nodes: &[InputNode], errors: &mut Vec<CompileError>) {
    let mut by_id: BTreeMap<&str, Vec<&InputNode>> = BTreeMap::new();
    for node in nodes {
        if let Some(id) = &node.origin.id {
            by_id.entry(id).or_default().push(node);
        }
    }
    for (id, group) in by_id {
        if group.len() < 2 {
            continue;
        }
        // Two `home.file` entries with one target also share their id
        // (`file:<target>`); the target conflict says it better, alone.
        let first_target = link_target(group[0]);
        if first_target.is_some() && group.iter().all(|n| link_target(n) == first_target) {
            continue;
        }
        let nodes = group.iter().map(|n| n.origin.clone()).collect();
        errors.push(GraphError::DuplicateId { id: id.to_string(), nodes }.into());
    }
}

fn shared_targets(by_target: &BTreeMap<&str, Vec<&InputNode>>, errors: &mut Vec<CompileError>) {
    for (target, owners) in by_target {
        if owners.len() > 1 {
            errors.push(
                GraphError::TargetConflict {
                    target: target.to_string(),
                    owners: owners.iter().map(|n| n.origin.clone()).collect(),
                }
                .into(),
            );
        }
    }
}

/// A link at `a` puts whatever `a` links to where `a/b` would go, so no
/// target may lie inside another. Reported once per outer target.
fn nested_targets(by_target: &BTreeMap<&str, Vec<&InputNode>>, errors: &mut Vec<CompileError>) {
    let mut inside: BTreeMap<&str, Vec<(String, NodeRef)>> = BTreeMap::new();
    for (target, owners) in by_target {
        for outer in target::ancestors(target).filter(|a| by_target.contains_key(a)) {
            let entries = inside.entry(outer).or_default();
            entries.extend(owners.iter().map(|n| (target.to_string(), n.origin.clone())));
        }
    }
    for (outer_target, inner) in inside {
        let outer = by_target
            .get(outer_target)
            .map(|owners| owners.iter().map(|n| n.origin.clone()).collect())
            .unwrap_or_default();
        errors.push(
            GraphError::NestedTarget { outer, outer_target: outer_target.to_string(), inner }
                .into(),
        );
    }
}

/// Reports every key that more than one dconf node sets.
fn dconf_keys(nodes: &[InputNode], errors: &mut Vec<CompileError>) {
    let mut setters: BTreeMap<String, Vec<NodeRef>> = BTreeMap::new();
    for node in nodes {
        let Some(Body::Dconf(dconf)) = &node.body else { continue };
        for (dir, key, _) in &dconf.keys {
            setters.entry(format!("/{dir}/{key}")).or_default().push(node.origin.clone());
        }
    }
    for (path, nodes) in setters {
        if nodes.len() > 1 {
            errors.push(DconfError::DconfKeyConflict { path, nodes }.into());
        }
    }
}

/// A home's packages are one entry of one profile: two profile nodes would
/// replace each other's entry.
fn profiles(nodes: &[InputNode], errors: &mut Vec<CompileError>) {
    let profiles: Vec<NodeRef> = nodes
        .iter()
        .filter(|node| matches!(node.body, Some(Body::Profile(_))))
        .map(|node| node.origin.clone())
        .collect();
    if profiles.len() > 1 {
        errors.push(PackagesError::SecondProfileNode { nodes: profiles }.into());
    }
}
