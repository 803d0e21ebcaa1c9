//! Messages about what only system bundles have: owners of copies, the
//! units' scope, `tmpfiles` and `accounts`.

use super::message::Message;
use crate::error::SystemError;
use crate::nix::nix_string;

pub(super) fn render(m: &mut Message, error: &SystemError) {
    match error {
        SystemError::OnlyInSystem { node, what } => {
            m.node_error(node, format!("has {what}, which only a system bundle may have"));
            m.hint(
                "a home's files belong to its user, and a home has no tmpfiles rules or \
                 accounts: move this to the machine's configuration (lib.systemBundle)",
            );
        }
        SystemError::WrongScope { node, scope, role } => {
            m.node_error(node, format!("has scope {} in a {role} bundle", nix_string(scope)));
            m.hint("a home bundle's units are the user's (\"user\"), a system bundle's the system's (\"system\")");
        }
        SystemError::SecondNode { kind, nodes } => {
            m.error(format!("{} nodes have kind {kind}; a bundle has at most one", nodes.len()));
            m.nodes(nodes);
            m.hint("merge them into one node");
        }
        SystemError::RulesWithoutFile { node, target } => {
            m.node_error(
                node,
                format!(
                    "names the rules file {}, which no link or copy node makes",
                    nix_string(target)
                ),
            );
            m.hint("add a link node with that target holding the rules (environment.etc does)");
        }
        SystemError::MalformedAccount { node, list, position, problem } => {
            m.node_error(node, format!("{list} #{position} {problem}"));
            m.hint("users are attribute sets with name and group; groups with name (and gid)");
        }
        SystemError::BadOwner { node, field, value } => {
            m.node_error(
                node,
                format!("{field} {} is not a user or group name, nor +<number>", nix_string(value)),
            );
            m.hint("write a name such as \"nginx\", or a number as \"+33\"");
        }
    }
}
