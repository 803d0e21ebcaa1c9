//! Every error about how nodes relate, rendered exactly as a user sees it
//! in a failed build: an id or a target claimed twice, a target inside
//! another, a name of no node (in `after`, `before` or a DAG entry), and
//! dependency cycles, drawn whole. These are the compiler's graph errors
//! (`render/graph.rs`); `errors.rs` has the errors within one node and the
//! input as a whole. Each snapshot holds the input nodes (in its
//! description) and the report, so it reads on its own.

#[macro_use]
mod common;

use serde_json::{Value, json};

// `home.activation` entries.

/// `home.activation` entries as the Nix library lowers them: the DAG entry
/// rides along, and messages quote it.
fn activation(name: &str, after: &[&str], before: &[&str]) -> Value {
    let ids = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .map(|n| {
                if *n == "writeBoundary" {
                    "file:.profile".into()
                } else {
                    format!("activation:{n}")
                }
            })
            .collect()
    };
    json!({
        "id": format!("activation:{name}"), "kind": "exec", "argv": ["/bin/bash", "-c", "true"],
        "after": ids(after), "before": ids(before),
        "declaredBy": format!("home.activation.{name}"),
        "dag": { "option": "home.activation", "name": name, "after": after, "before": before,
                 "anchors": ["checkLinkTargets", "linkGeneration", "writeBoundary"] }
    })
}

#[test]
fn activation_entry_naming_nothing() {
    nodes_error!(json!([
        { "id": "file:.profile", "kind": "link", "target": ".profile", "text": "x" },
        activation("first", &[], &[]),
        activation("second", &["frist", "writeBoundary"], &[]),
        activation("third", &[], &["linkGeneratoin"])
    ]));
}

#[test]
fn activation_entries_in_a_cycle() {
    nodes_error!(json!([
        { "id": "file:.profile", "kind": "link", "target": ".profile", "text": "x" },
        activation("a", &["writeBoundary", "c"], &[]),
        activation("b", &["a"], &[]),
        activation("c", &["b"], &["a"]),
        activation("self", &["self"], &[])
    ]));
}

// Conflicts.

#[test]
fn duplicate_id() {
    nodes_error!(json!([
        { "id": "hello", "kind": "exec", "argv": ["true"], "declaredBy": "am.nodes.hello" },
        { "id": "hello", "kind": "exec", "argv": ["false"], "declaredBy": "home.activation.hello", "definedIn": ["/home/me/activation.nix"] }
    ]));
}

#[test]
fn duplicate_link_with_one_target_is_one_target_conflict() {
    nodes_error!(json!([
        { "id": "file:.vimrc", "kind": "link", "target": ".vimrc", "text": "a", "declaredBy": "home.file.\".vimrc\"" },
        { "id": "file:.vimrc", "kind": "link", "target": ".vimrc", "text": "b", "declaredBy": "home.file.vimrc", "definedIn": ["/home/me/vim.nix"] }
    ]));
}

#[test]
fn target_conflict_between_spellings() {
    nodes_error!(json!([
        { "id": "file:.config/git/config", "kind": "link", "target": ".config/git/config", "text": "a" },
        { "id": "gitconfig", "kind": "link", "target": "./.config//git/config/", "text": "b" }
    ]));
}

#[test]
fn nested_target() {
    nodes_error!(json!([
        { "id": "file:.config/nvim", "kind": "link", "target": ".config/nvim", "source": "/nix/store/bbbb-nvim" },
        { "id": "file:.config/nvim/init.lua", "kind": "link", "target": ".config/nvim/init.lua", "text": "-- hi" }
    ]));
}

#[test]
fn many_nested_targets_are_cut_short() {
    let mut nodes =
        vec![json!({ "id": "file:.cache", "kind": "link", "target": ".cache", "text": "x" })];
    for i in 0..9 {
        let target = format!(".cache/share/f{i}");
        nodes.push(json!({ "id": format!("file:{target}"), "kind": "link", "target": target, "text": "x" }));
    }
    nodes_error!(Value::Array(nodes));
}

// The graph.

#[test]
fn unknown_dependency_with_suggestion() {
    nodes_error!(json!([
        { "id": "world", "kind": "exec", "argv": ["true"] },
        { "id": "hello", "kind": "exec", "argv": ["true"], "after": ["wrld"] }
    ]));
}

#[test]
fn unknown_dependency_missing_the_file_prefix() {
    nodes_error!(json!([
        { "id": "file:.config/git/config", "kind": "link", "target": ".config/git/config", "text": "a" },
        { "id": "hello", "kind": "exec", "argv": ["true"], "before": [".config/git/config"] }
    ]));
}

#[test]
fn unknown_dependency_without_suggestion() {
    nodes_error!(
        json!([{ "id": "hello", "kind": "exec", "argv": ["true"], "after": ["setup-database"] }])
    );
}

#[test]
fn cycle_of_two() {
    nodes_error!(json!([
        { "id": "a", "kind": "exec", "argv": ["true"], "after": ["b"] },
        { "id": "b", "kind": "exec", "argv": ["true"], "after": ["a"] }
    ]));
}

#[test]
fn cycle_through_before() {
    nodes_error!(json!([
        { "id": "a", "kind": "exec", "argv": ["true"], "after": ["b"] },
        { "id": "b", "kind": "exec", "argv": ["true"] },
        { "id": "c", "kind": "exec", "argv": ["true"], "before": ["b"], "after": ["a"], "declaredBy": "home.activation.c" }
    ]));
}

#[test]
fn cycle_declared_both_ways() {
    nodes_error!(json!([
        { "id": "a", "kind": "exec", "argv": ["true"], "after": ["b"] },
        { "id": "b", "kind": "exec", "argv": ["true"], "before": ["a"], "after": ["a"] }
    ]));
}

#[test]
fn self_loop() {
    nodes_error!(json!([{ "id": "a", "kind": "exec", "argv": ["true"], "after": ["a"] }]));
}

#[test]
fn cycle_in_a_larger_knot() {
    nodes_error!(json!([
        { "id": "a", "kind": "exec", "argv": ["true"], "after": ["b"] },
        { "id": "b", "kind": "exec", "argv": ["true"], "after": ["c", "a"] },
        { "id": "c", "kind": "exec", "argv": ["true"], "after": ["d"] },
        { "id": "d", "kind": "exec", "argv": ["true"], "after": ["b"] },
        { "id": "e", "kind": "exec", "argv": ["true"], "after": ["d"] }
    ]));
}

#[test]
fn long_cycle_is_drawn_whole() {
    let nodes: Vec<Value> = (0..8)
        .map(|i| {
            json!({ "id": format!("step{i}"), "kind": "exec", "argv": ["true"],
                         "after": [format!("step{}", (i + 1) % 8)] })
        })
        .collect();
    nodes_error!(Value::Array(nodes));
}
