//! `am inspect --dot`: the plan as a Graphviz graph, so people can look at
//! it as a picture (`am inspect --dot | dot -Tsvg > plan.svg`).
//!
//! One cluster per layer, left to right in the order they run (a layer is
//! often a long list of files, which reads better as a column); one arrow from
//! each node to every node that waits for it (its `after` edges, which already
//! include the input's `before` edges turned around). Files are drawn as
//! notes, commands as rounded boxes showing their command line, other kinds as
//! boxes; optional nodes have a dashed border. Each node's kind and the option
//! that declared it are its tooltip in SVG.

use std::fmt::Write as _;

use am_schema::{Kind, Node, Plan};

use super::{Header, node_layers};
use crate::quote::{printable, shell_line};

/// Longer command lines are cut: the picture is an overview, `am inspect`
/// has the whole line.
const MAX_COMMAND_CHARS: usize = 40;

pub fn render(plan: &Plan, header: &Header) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "// {} {}", header.source_key, printable(&header.source_path));
    out.push_str(concat!(
        "digraph plan {\n",
        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, nodesep=0.25, ranksep=0.35];\n",
        "  node [fontname=\"Helvetica\", fontsize=10, style=\"filled\", color=\"#3b5b8c\"];\n",
        "  edge [color=\"#555555\", arrowsize=0.7];\n",
    ));
    for (number, members) in plan.layers.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_layer_{number} {{");
        let _ = writeln!(
            out,
            "    label=\"layer {number}\"; labeljust=l; style=\"rounded,dashed\"; \
             color=\"#9a9a9a\"; fontcolor=\"#555555\";"
        );
        for &index in members {
            if let Some(node) = plan.nodes.get(index as usize) {
                let _ = writeln!(out, "    {}", node_statement(index as usize, node));
            }
        }
        out.push_str("  }\n");
    }
    // A plan file is input: a node no layer lists is still drawn, outside
    // every layer, so the picture shows that it never runs.
    for (index, layer) in node_layers(plan).iter().enumerate() {
        if let (None, Some(node)) = (layer, plan.nodes.get(index)) {
            let _ = writeln!(out, "  {}", node_statement(index, node));
        }
    }
    for (index, node) in plan.nodes.iter().enumerate() {
        for &dependency in &node.after {
            if (dependency as usize) < plan.nodes.len() {
                let _ = writeln!(out, "  n{dependency} -> n{index};");
            }
        }
    }
    out.push_str("}\n");
    out
}

/// `n3 [label="...", ...];`: the node's id, and for a command what it runs.
fn node_statement(index: usize, node: &Node) -> String {
    // By name, so that a new kind is drawn as a plain box until it is given
    // a look of its own.
    let (shape, fill, mut style) = match node.kind.name() {
        "link" => ("note", "#e8f0fb", String::from("filled")),
        "copy" => ("note", "#e6f4e6", String::from("filled")),
        "exec" => ("box", "#fdf1dc", String::from("filled,rounded")),
        "lua" => ("component", "#f3e8fb", String::from("filled")),
        "profile" => ("folder", "#fbeee6", String::from("filled")),
        _ => ("box", "#eeeeee", String::from("filled")),
    };
    let label = match &node.kind {
        Kind::Exec(exec) => command_label(&node.id, &exec.argv),
        _ => node.id.clone(),
    };
    if !node.required {
        style.push_str(",dashed");
    }
    let tooltip = format!(
        "{}{}, declared by {}",
        node.kind.name(),
        if node.required { "" } else { " (optional)" },
        node.declared_by
    );
    format!(
        "n{index} [label=\"{}\", shape={shape}, style=\"{style}\", fillcolor=\"{fill}\", \
         tooltip=\"{}\"];",
        quoted(&label),
        quoted(&tooltip)
    )
}

/// A command's id, and below it the command line as a shell would read it.
fn command_label(id: &str, argv: &[String]) -> String {
    let command = shell_line(argv.iter().map(String::as_str));
    format!("{id}\n{}", shorten(&command))
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_COMMAND_CHARS {
        return text.to_string();
    }
    let kept: String = text.chars().take(MAX_COMMAND_CHARS - 1).collect();
    format!("{kept}…")
}

/// The inside of a DOT double-quoted string: quotes and backslashes escaped,
/// a newline as DOT's own `\n` line break, other control characters dropped
/// (Graphviz has no escape for them).
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use am_schema::Link;

    use super::*;

    fn link(id: &str, required: bool, after: Vec<u32>) -> Node {
        Node {
            id: format!("file:{id}"),
            declared_by: format!("home.file.\"{id}\""),
            required,
            after,
            kind: Kind::Link(Link { target: id.into(), force: false, source: None }),
        }
    }

    #[test]
    fn layers_become_clusters_and_after_edges_become_arrows() {
        let plan = Plan {
            role: am_schema::Role::Home,
            backup_extension: None,
            home_directory: None,
            nodes: vec![link(".a", true, vec![]), link(".b", false, vec![0])],
            layers: vec![vec![0], vec![1]],
        };
        let header = Header { source_key: "bundle", source_path: "/nix/store/x-home".into() };
        let dot = render(&plan, &header);
        assert!(dot.starts_with("// bundle /nix/store/x-home\ndigraph plan {\n"), "{dot}");
        assert!(dot.contains("subgraph cluster_layer_0 {"), "{dot}");
        assert!(dot.contains("subgraph cluster_layer_1 {"), "{dot}");
        assert!(
            dot.contains(
                "n0 [label=\"file:.a\", shape=note, style=\"filled\", fillcolor=\"#e8f0fb\", \
                 tooltip=\"link, declared by home.file.\\\".a\\\"\"];"
            ),
            "{dot}"
        );
        assert!(dot.contains("style=\"filled,dashed\""), "optional is dashed: {dot}");
        assert!(dot.contains("tooltip=\"link (optional), declared by"), "{dot}");
        assert!(dot.contains("  n0 -> n1;\n"), "{dot}");
        assert!(dot.ends_with("}\n"), "{dot}");
    }

    #[test]
    fn commands_show_their_command_line_quoted_for_dot() {
        let argv = ["/bin/sh", "-c", "echo \"hi\""].map(String::from);
        let label = command_label("run", &argv);
        assert_eq!(label, "run\n/bin/sh -c 'echo \"hi\"'");
        assert_eq!(quoted(&label), "run\\n/bin/sh -c 'echo \\\"hi\\\"'");
    }

    #[test]
    fn long_commands_are_cut() {
        let long = "x".repeat(100);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), MAX_COMMAND_CHARS);
        assert!(short.ends_with('…'));
        assert_eq!(shorten("echo hi"), "echo hi");
    }
}
