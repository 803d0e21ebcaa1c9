//! Messages about how nodes relate: one id or target claimed twice, a
//! name of no node, and dependency cycles, drawn whole.

use super::message::{Message, declared, id_or_position, list};
use crate::error::{CycleStep, GraphError};
use crate::nix::nix_string;

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
        m.error(format!("node `{}` waits for itself", id_or_position(&first.node)));
    } else {
        m.error(format!("dependency cycle between {} nodes", chain.len()));
    }
    let rows = chain
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let next = &chain[(i + 1) % chain.len()].node;
            let (this_id, next_id) = (id_or_position(&step.node), id_or_position(next));
            let mut because = Vec::new();
            if step.by_after {
                because.push(format!("{this_id} has after = [ {} ]", nix_string(&next_id)));
            }
            if step.by_before {
                because.push(format!("{next_id} has before = [ {} ]", nix_string(&this_id)));
            }
            let option =
                step.node.declared_by.as_deref().map(|o| format!("({o})")).unwrap_or_default();
            vec![this_id, option, format!("waits for {next_id}, because {}", because.join(" and "))]
        })
        .collect();
    // A cycle is only useful whole: any of its steps may be the one to cut.
    m.table_of_at_most(rows, usize::MAX);
    if !others.is_empty() {
        m.line(format!("note: also caught in this knot: {}", list(others)));
    }
    m.hint(if chain.len() == 1 {
        "remove the node's own id from its `after`/`before`"
    } else {
        "remove one of these after/before entries, or split a node in two"
    });
}
