//! What only system bundles have (owners of copies, `tmpfiles`, `accounts`)
//! refused in a home's, and what only homes have (a `profile`: a system has
//! no user's Nix profile) in a system's, at most one `tmpfiles` and one
//! `accounts` node, and
//! the order they imply: the rules after their file, and everything that
//! names a user (copies with owners, the rules, the units) after the
//! accounts are made.

use am_schema::Role;

use crate::error::{CompileError, NodeRef, PackagesError, SystemError};
use crate::input::{Body, InputNode};
use crate::lua::MaybeLua;

pub fn check(role: Role, nodes: &mut [InputNode], errors: &mut Vec<CompileError>) {
    let role_name = match role {
        Role::Home => "home",
        Role::System => "system",
    };
    let mut tmpfiles = Vec::new();
    let mut accounts = Vec::new();
    for node in nodes.iter() {
        let only_in_system = |what| SystemError::OnlyInSystem { node: node.origin.clone(), what };
        match &node.body {
            Some(Body::Copy(copy))
                if role == Role::Home && (copy.owner.is_some() || copy.group.is_some()) =>
            {
                errors.push(only_in_system("an owner or group").into());
            }
            Some(Body::Tmpfiles(_)) => {
                tmpfiles.push(node.origin.clone());
                if role == Role::Home {
                    errors.push(only_in_system("kind tmpfiles").into());
                }
            }
            Some(Body::Accounts(_)) => {
                accounts.push(node.origin.clone());
                if role == Role::Home {
                    errors.push(only_in_system("kind accounts").into());
                }
            }
            Some(Body::Profile(_)) if role == Role::System => {
                errors.push(PackagesError::ProfileInSystem { node: node.origin.clone() }.into());
            }
            Some(Body::SystemdUnits(units)) => match units.scope.as_deref() {
                None => {}
                Some("user") if role == Role::Home => {}
                Some("system") if role == Role::System => {}
                Some(scope) => {
                    let (node, scope) = (node.origin.clone(), scope.to_string());
                    errors.push(SystemError::WrongScope { node, scope, role: role_name }.into());
                }
            },
            _ => {}
        }
    }
    for (kind, found) in [("tmpfiles", &tmpfiles), ("accounts", &accounts)] {
        if found.len() > 1 {
            errors.push(SystemError::SecondNode { kind, nodes: found.clone() }.into());
        }
    }
    order(nodes, accounts.first().and_then(|node| node.id.clone()), errors);
}

/// Adds the edges the system kinds imply.
fn order(nodes: &mut [InputNode], accounts: Option<String>, errors: &mut Vec<CompileError>) {
    let file_nodes: Vec<(String, String)> = nodes
        .iter()
        .filter_map(|node| match &node.body {
            Some(Body::Link(file) | Body::Copy(file)) => match (&file.target, &node.origin.id) {
                (Some(MaybeLua::Literal(target)), Some(id)) => Some((target.clone(), id.clone())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    for node in nodes.iter_mut() {
        let names_users = match &node.body {
            Some(Body::Copy(copy)) => copy.owner.is_some() || copy.group.is_some(),
            Some(Body::Tmpfiles(_) | Body::SystemdUnits(_)) => true,
            _ => false,
        };
        if let (true, Some(accounts)) = (names_users, &accounts) {
            wait_for(node, accounts);
        }
        if let Some(Body::Tmpfiles(tmpfiles)) = &node.body {
            let Some(target) = tmpfiles.target.clone() else { continue };
            match file_nodes.iter().find(|(file, _)| *file == target) {
                Some((_, id)) => wait_for(node, &id.clone()),
                None => {
                    let node: NodeRef = node.origin.clone();
                    errors.push(SystemError::RulesWithoutFile { node, target }.into());
                }
            }
        }
    }
}

fn wait_for(node: &mut InputNode, id: &str) {
    if !node.after.iter().any(|after| after == id) {
        node.after.push(id.to_string());
    }
}
