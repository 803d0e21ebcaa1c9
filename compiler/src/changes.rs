//! `whenChanged` of exec nodes (home-manager's `onChange`): every entry must
//! be the target of a link or copy node, or a folder holding some, so that a
//! typo fails the build instead of a command that silently never runs. The
//! command also waits for those nodes: it runs after the files are in place.
//!
//! Whether a file changed is decided by comparing the bundles' `static/`
//! entries, so a file that Lua makes at activation time cannot be watched.

use std::collections::BTreeSet;

use am_schema::is_within;

use crate::error::{CompileError, GraphError, LuaError, NodeRef};
use crate::input::{Body, InputNode};
use crate::lua::MaybeLua;
use crate::suggest;
use crate::target;

/// Normalizes every `whenChanged` entry, reports those no file is at or
/// inside, and adds the nodes of the files to the command's `after`.
pub fn resolve(nodes: &mut [InputNode], errors: &mut Vec<CompileError>) {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut lua_files: Vec<(String, NodeRef)> = Vec::new();
    for node in nodes.iter() {
        let Some(body @ (Body::Link(file) | Body::Copy(file))) = &node.body else { continue };
        let Some(target) = file.target.as_ref().and_then(MaybeLua::literal) else { continue };
        if body.has_lua_values() {
            lua_files.push((target.to_string(), node.origin.clone()));
        } else if let Some(id) = &node.origin.id {
            files.push((target.to_string(), id.clone()));
        }
    }
    for node in nodes.iter_mut() {
        let Some(Body::Exec(exec)) = &mut node.body else { continue };
        let mut waits_for = BTreeSet::new();
        let mut resolved = Vec::with_capacity(exec.when_changed.len());
        for named in &exec.when_changed {
            let normalized = target::normalize(named).ok();
            let watched =
                |target: &str| normalized.as_deref().is_some_and(|n| is_within(target, n));
            let owners: Vec<&String> =
                files.iter().filter(|(target, _)| watched(target)).map(|(_, id)| id).collect();
            if let Some((_, owner)) = lua_files.iter().find(|(target, _)| watched(target)) {
                errors.push(
                    LuaError::ChangedLuaTarget {
                        node: node.origin.clone(),
                        target: named.clone(),
                        owner: owner.clone(),
                    }
                    .into(),
                );
                continue;
            }
            match normalized {
                Some(normalized) if !owners.is_empty() => {
                    waits_for.extend(owners.into_iter().cloned());
                    resolved.push(normalized);
                }
                _ => {
                    let targets = files.iter().map(|(target, _)| target.as_str());
                    errors.push(
                        GraphError::UnknownChangedTarget {
                            node: node.origin.clone(),
                            target: named.clone(),
                            suggestion: suggest::closest(named, targets).map(String::from),
                        }
                        .into(),
                    );
                }
            }
        }
        resolved.sort();
        resolved.dedup();
        exec.when_changed = resolved;
        let own = node.origin.id.as_deref();
        for id in waits_for {
            if Some(id.as_str()) != own && !node.after.contains(&id) {
                node.after.push(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use am_schema::Kind;
    use serde_json::json;

    use crate::source::SourceKind;

    #[test]
    fn a_command_waits_for_the_files_it_watches() {
        let input = json!({ "version": 1, "nodes": [
            { "id": "file:.a", "kind": "link", "target": ".a", "text": "a" },
            { "id": "file:.b", "kind": "copy", "target": "./.b", "text": "b" },
            { "id": "hook", "kind": "exec", "argv": ["true"], "whenChanged": [".b/", ".a", ".a"] }
        ]});
        let sources = BTreeMap::<String, SourceKind>::new();
        let compiled =
            crate::compile(&input.to_string(), "/nix/store", &sources).expect("it compiles");
        let hook = &compiled.plan.nodes[2];
        assert_eq!(hook.after, [0, 1]);
        let Kind::Exec(exec) = &hook.kind else { panic!("not an exec: {hook:?}") };
        assert_eq!(exec.when_changed, [".a", ".b"]);
    }
}
