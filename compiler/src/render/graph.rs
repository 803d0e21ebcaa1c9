//! Messages about how nodes relate: one id or target claimed twice, a
//! name of no node, and dependency cycles, drawn whole.

use super::message::{Message, declared, id_or_position, list};
use crate::error::{CycleStep, GraphError, NodeRef};
use crate::nix::{nix_attribute, nix_string};

/// Renders a problem between nodes into `m`.
pub(super) fn render(m: &mut Message, error: &GraphError) {
    match error {
        GraphError::DuplicateId { id, nodes } => {
            m.error(format!("{} nodes have the id `{id}`", nodes.len()));
            let rows = nodes.iter().map(|n| vec![declared(n)]).collect();
            m.table(rows);
            m.hint("ids must be unique: rename or remove all but one of these");
        }
        GraphError::TargetConflict { target, owners } => {
            m.error(format!("{} nodes own the target {target}", owners.len()));
            m.table(owners.iter().map(|n| vec![id_or_position(n), declared(n)]).collect());
            m.hint("keep one of them, or give the others a different `target`");
        }
        GraphError::NestedTarget { outer, outer_target, inner } => {
            let count = inner.len();
            let (targets, are) = if count == 1 { ("target", "is") } else { ("targets", "are") };
            m.error(format!("{count} {targets} {are} inside the target {outer_target}"));
            // No id column: the target and the option say it all, and most
            // ids merely repeat the target (`file:<target>`).
            let outer_rows = outer.iter().map(|n| vec![outer_target.clone(), declared(n)]);
            let inner_rows = inner.iter().map(|(t, n)| vec![format!("  {t}"), declared(n)]);
            m.table(outer_rows.chain(inner_rows).collect());
            m.hint(format!(
                "a link at {outer_target} replaces that whole folder: link the files in it \
                 one by one instead, or drop the ones inside"
            ));
        }
        GraphError::UnknownDependency { node, direction, missing, suggestion } => {
            let field = direction.field();
            m.node_error(node, format!("{field} = [ {} ] names no node", nix_string(missing)));
            m.hint(match suggestion {
                Some(s) => {
                    format!("did you mean {}? Otherwise remove it from `{field}`", nix_string(s))
                }
                None => format!("remove it from `{field}`, or add a node with that id"),
            });
        }
        GraphError::UnknownDagName { node, direction: _, name, suggestion } => {
            let Some(dag) = node.dag.as_deref() else { return };
            let entry = entry_name(node);
            let option = &dag.option;
            m.error(format!(
                "{entry} is {}, but {} is no entry of {option} and no anchor",
                dag.constructor(),
                nix_string(name)
            ));
            if !node.defined_in.is_empty() {
                m.line(format!("defined in {}", list(&node.defined_in)));
            }
            let anchors = dag.anchors.join(", ");
            m.hint(match suggestion {
                Some(s) => format!(
                    "did you mean {}? An entry orders against the other entries of {option} \
                     and the anchors {anchors}",
                    nix_string(s)
                ),
                None => format!(
                    "name another entry of {option}, or one of the anchors {anchors}; or \
                     remove {}",
                    nix_string(name)
                ),
            });
        }
        GraphError::Cycle { chain, others } => cycle(m, chain, others),
        GraphError::UnknownChangedTarget { node, target, suggestion } => {
            let named = nix_string(target);
            m.node_error(node, format!("whenChanged = [ {named} ] names no managed file"));
            m.hint(match suggestion {
                Some(s) => {
                    format!("did you mean {}? It names a link or copy target", nix_string(s))
                }
                None => "name the target of a link or copy node, or a folder holding some".into(),
            });
        }
    }
}

fn cycle(m: &mut Message, chain: &[CycleStep], others: &[String]) {
    let Some(first) = chain.first() else { return };
    if chain.len() == 1 {
        m.error(format!("{} waits for itself", name_in_cycle(&first.node)));
    } else {
        m.error(format!("dependency cycle between {} nodes", chain.len()));
    }
    let rows = chain
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let next = &chain[(i + 1) % chain.len()].node;
            let mut because = Vec::new();
            if step.by_after {
                because.push(declares(&step.node, "after", next));
            }
            if step.by_before {
                because.push(declares(next, "before", &step.node));
            }
            // A DAG entry is named by its option alone: its id is ours.
            let (this, option) = match (&step.node.dag, &step.node.declared_by) {
                (None, Some(option)) => (id_or_position(&step.node), format!("({option})")),
                _ => (entry_name(&step.node), String::new()),
            };
            let waits =
                format!("waits for {}, because {}", entry_name(next), because.join(" and "));
            // Without a node named by its id, there is no column of options.
            if option.is_empty() && chain.iter().all(|step| step.node.dag.is_some()) {
                vec![this, waits]
            } else {
                vec![this, option, waits]
            }
        })
        .collect();
    // A cycle is only useful whole: any of its steps may be the one to cut.
    m.table_of_at_most(rows, usize::MAX);
    if !others.is_empty() {
        m.line(format!("note: also caught in this knot: {}", list(others)));
    }
    let entries = chain.iter().all(|step| step.node.dag.is_some());
    m.hint(match (chain.len(), entries) {
        (1, true) => "remove the entry's own name from its entryAfter/entryBefore/entryBetween",
        (1, false) => "remove the node's own id from its `after`/`before`",
        (_, true) => {
            "change one of these entries (entryAfter, entryBefore, entryBetween) so that \
             an order exists, or split one in two"
        }
        (_, false) => "remove one of these after/before entries, or split a node in two",
    });
}

/// How a node is named in a cycle's row and in its reasons: a DAG entry by
/// its option (`home.activation.a`), any other node by its id.
fn entry_name(node: &NodeRef) -> String {
    match (&node.dag, &node.declared_by) {
        (Some(_), Some(option)) => option.clone(),
        _ => id_or_position(node),
    }
}

/// The header's name for a node that waits for itself.
fn name_in_cycle(node: &NodeRef) -> String {
    match &node.dag {
        Some(dag) => format!("{} (which is {})", entry_name(node), dag.constructor()),
        None => format!("node `{}`", id_or_position(node)),
    }
}

/// Why `node`'s `field` (`after` or `before`) names `other`: a DAG entry's
/// words (`a is entryAfter [ "c" ]`), else `a has after = [ "c" ]`.
fn declares(node: &NodeRef, field: &str, other: &NodeRef) -> String {
    match &node.dag {
        Some(dag) => format!("{} is {}", nix_attribute(&dag.name), dag.constructor()),
        None => format!(
            "{} has {field} = [ {} ]",
            id_or_position(node),
            nix_string(&id_or_position(other))
        ),
    }
}
