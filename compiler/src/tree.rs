//! Trees (`recursive = true`): a source folder mirrored file by file. The
//! compiler lists the folder (it is in the store at build time) and turns
//! the tree into one link or copy node per file, with id `<tree id>/<path>`
//! and target `<tree target>/<path>`, before any other check. From there on
//! they are ordinary nodes: conflicts are found per file, and an activation
//! removes a file that left the tree without touching files the user put
//! into the folder.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{CompileError, FileError, IoAction, IoError};
use crate::input::{Body, Content, InputNode, LinkInput, TreeInput};
use crate::lua::MaybeLua;
use crate::source::{SourceKind, SourceLookup};

/// Replaces every valid tree by the nodes of its files, and every `after`
/// or `before` naming a tree by the ids of its files. A tree with problems
/// stays (and is reported), so that names of it are not reported again.
pub fn expand(
    nodes: Vec<InputNode>,
    lookup: &dyn SourceLookup,
    errors: &mut Vec<CompileError>,
) -> Vec<InputNode> {
    let mut out = Vec::with_capacity(nodes.len());
    let mut files_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in nodes {
        let Some(Body::Tree(tree)) = &node.body else {
            out.push(node);
            continue;
        };
        let (Some(target), Some(source)) = (&tree.target, &tree.source) else {
            out.push(node);
            continue;
        };
        let Some(files) = list(&node, source, lookup, errors) else {
            out.push(node);
            continue;
        };
        let generated: Vec<InputNode> =
            files.iter().map(|rel| file_node(&node, tree, target, source, rel)).collect();
        if let Some(id) = &node.origin.id {
            let ids = generated.iter().filter_map(|n| n.origin.id.clone()).collect();
            files_of.insert(id.clone(), ids);
        }
        out.extend(generated);
    }
    if !files_of.is_empty() {
        let expand = |names: &mut Vec<String>| {
            *names = names
                .drain(..)
                .flat_map(|name| files_of.get(&name).cloned().unwrap_or_else(|| vec![name]))
                .collect();
        };
        for node in &mut out {
            expand(&mut node.after);
            expand(&mut node.before);
        }
    }
    out
}

/// The files of a tree's source folder, or `None` after reporting why
/// there are none to have.
fn list(
    node: &InputNode,
    source: &str,
    lookup: &dyn SourceLookup,
    errors: &mut Vec<CompileError>,
) -> Option<Vec<String>> {
    let kind = lookup.kind(Path::new(source));
    if kind != Some(SourceKind::Directory) {
        errors.push(
            FileError::BadTreeSource {
                node: node.origin.clone(),
                path: source.to_string(),
                missing: kind.is_none(),
            }
            .into(),
        );
        return None;
    }
    match lookup.files(Path::new(source)) {
        Ok(files) => Some(files),
        Err(source_error) => {
            let path = source.into();
            errors
                .push(IoError { action: IoAction::ListSource, path, source: source_error }.into());
            None
        }
    }
}

fn file_node(
    tree_node: &InputNode,
    tree: &TreeInput,
    target: &str,
    source: &str,
    rel: &str,
) -> InputNode {
    let mut origin = tree_node.origin.clone();
    origin.id = origin.id.map(|id| format!("{id}/{rel}"));
    origin.kind = Some(if tree.copy { "copy" } else { "link" });
    let file = LinkInput {
        target: Some(MaybeLua::Literal(format!("{target}/{rel}"))),
        content: Some(Content::Source(MaybeLua::Literal(format!("{source}/{rel}")))),
        executable: None,
        force: tree.force,
        mode: tree.mode,
        owner: None,
        group: None,
    };
    InputNode {
        origin,
        after: tree_node.after.clone(),
        before: tree_node.before.clone(),
        required: tree_node.required,
        body: Some(if tree.copy { Body::Copy(file) } else { Body::Link(file) }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use am_schema::Kind;
    use serde_json::json;

    use crate::source::SourceKind;

    #[test]
    fn a_tree_becomes_one_node_per_file_and_names_of_it_name_them_all() {
        let sources: BTreeMap<String, SourceKind> = [
            ("/nix/store/x-nvim", SourceKind::Directory),
            ("/nix/store/x-nvim/init.lua", SourceKind::File),
            ("/nix/store/x-nvim/lua/plugins.lua", SourceKind::File),
        ]
        .into_iter()
        .map(|(path, kind)| (path.to_string(), kind))
        .collect();
        let input = json!({ "version": 1, "nodes": [
            { "id": "file:.config/nvim", "kind": "tree", "target": ".config/nvim",
              "source": "/nix/store/x-nvim", "mode": "copy", "permissions": "0600" },
            { "id": "reload", "kind": "exec", "argv": ["true"], "after": ["file:.config/nvim"],
              "whenChanged": [".config/nvim"] }
        ]});
        let compiled =
            crate::compile(&input.to_string(), "/nix/store", &sources).expect("the tree compiles");
        let nodes = &compiled.plan.nodes;
        let ids: Vec<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(
            ids,
            ["file:.config/nvim/init.lua", "file:.config/nvim/lua/plugins.lua", "reload"]
        );
        let Kind::Copy(copy) = &nodes[1].kind else { panic!("not a copy: {:?}", nodes[1]) };
        assert_eq!(
            (copy.target.as_str(), copy.mode),
            (".config/nvim/lua/plugins.lua", Some(0o600))
        );
        assert_eq!(nodes[2].after, [0, 1]);
        let Kind::Exec(exec) = &nodes[2].kind else { panic!("not an exec: {:?}", nodes[2]) };
        assert_eq!(exec.when_changed, [".config/nvim"]);
        let statics: Vec<&str> = compiled.statics.iter().map(|s| s.target.as_str()).collect();
        assert_eq!(statics, [".config/nvim/init.lua", ".config/nvim/lua/plugins.lua"]);
    }
}
