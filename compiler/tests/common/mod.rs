//! What the snapshot tests of errors share: a compile of nodes that must
//! fail, and the snapshot of its report with the input nodes as its
//! description, so that each snapshot reads on its own.

use std::collections::BTreeMap;

use am_compiler::{SourceKind, compile, render};
use serde_json::{Value, json};

const STORE: &str = "/nix/store";
const HOME_NIX: &str = "/home/me/home.nix";

/// Store paths that "exist" for these tests.
fn sources() -> BTreeMap<String, SourceKind> {
    BTreeMap::from([
        ("/nix/store/aaaa-vimrc".to_string(), SourceKind::File),
        ("/nix/store/bbbb-nvim".to_string(), SourceKind::Directory),
        ("/nix/store/bbbb-nvim/init.lua".to_string(), SourceKind::File),
        ("/nix/store/cccc-home-manager-path".to_string(), SourceKind::Directory),
    ])
}

/// Gives every node the provenance the Nix library would, unless the test
/// sets (or removes, with `null`) its own.
pub fn with_provenance(nodes: Value) -> Value {
    let Value::Array(nodes) = nodes else { return nodes };
    let nodes = nodes
        .into_iter()
        .map(|mut node| {
            if let Value::Object(fields) = &mut node {
                let id = fields.get("id").and_then(Value::as_str).unwrap_or("unnamed").to_string();
                // Like Nix's `showOption`, which quotes only names that need it.
                let bare = id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                let option =
                    if bare { format!("am.nodes.{id}") } else { format!("am.nodes.\"{id}\"") };
                fields.entry("declaredBy").or_insert_with(|| json!(option));
                fields.entry("definedIn").or_insert_with(|| json!([HOME_NIX]));
            }
            node
        })
        .collect();
    Value::Array(nodes)
}

/// The report for a whole input text, which must fail to compile.
pub fn report_for_text(text: &str) -> String {
    match compile(text, STORE, &sources()) {
        Ok(_) => panic!("the input compiled, but an error was expected:\n{text}"),
        Err(errors) => render::report(&errors),
    }
}

/// One line per input node, for the snapshot's description.
pub fn describe(nodes: &Value) -> String {
    match nodes {
        Value::Array(nodes) => nodes.iter().map(Value::to_string).collect::<Vec<_>>().join("\n"),
        other => other.to_string(),
    }
}

/// Snapshots the report for a list of nodes (given as `json!`).
macro_rules! nodes_error {
    ($nodes:expr) => {{
        let nodes = $crate::common::with_provenance($nodes);
        let text = serde_json::json!({ "version": 1, "nodes": nodes }).to_string();
        let description = $crate::common::describe(&nodes);
        insta::with_settings!({ description => description, omit_expression => true }, {
            insta::assert_snapshot!($crate::common::report_for_text(&text));
        });
    }};
}
