//! Messages about a node's fields: its kind, unknown, missing and mistyped
//! fields, and the fields a link, copy or exec cannot do without. Hints
//! show the field table's examples.

use super::message::Message;
use crate::error::{FieldError, NodeRef, TargetProblem};
use crate::fields;
use crate::nix::nix_string;

/// Renders a problem with a node's fields into `m`.
pub(super) fn render(m: &mut Message, error: &FieldError) {
    match error {
        FieldError::UnknownKind { node, kind, suggestion } => {
            m.node_error(node, format!("unknown kind {}", nix_string(kind)));
            let kinds = kind_names();
            m.hint(match suggestion {
                Some(s) => format!("did you mean {}? The kinds are: {kinds}", nix_string(s)),
                None => format!("set `kind` to one of: {kinds}"),
            });
        }
        FieldError::UnknownField { node, field, allowed, suggestion } => {
            m.node_error(node, format!("unknown field `{field}`"));
            let kind = match node.kind {
                Some(kind) => format!("{} {kind} node", article(kind)),
                None => "this node".into(),
            };
            let allowed = allowed.join(", ");
            m.hint(match suggestion {
                Some(s) => format!("did you mean `{s}`? {} has: {allowed}", capitalize(&kind)),
                None => format!("remove it; {kind} has: {allowed}"),
            });
        }
        FieldError::MissingField { node, field: "id" } => {
            m.node_error(node, "no `id` (or an empty one)".into());
            m.hint(
                "give every node a unique id; nodes of the Nix library's options always \
                 have one, so check a module that writes `am.loweredNodes` itself",
            );
        }
        FieldError::MissingField { node, field } => {
            m.node_error(node, format!("`{field}` is missing"));
            m.hint(match field_example(node, field) {
                Some(example) => format!("set it, e.g. {example}"),
                None => format!("set `{field}`"),
            });
        }
        FieldError::WrongType { node, field, expected, found, inside, example } => {
            let problem = match inside {
                None => format!("`{field}` must be {expected}, not {found}"),
                Some(inside) => format!("`{field}` must be {expected}, but {inside} is {found}"),
            };
            m.node_error(node, problem);
            m.hint(format!("for example: {example}"));
        }
        FieldError::SourceAndText { node } => {
            m.node_error(node, "both `source` and `text` are set".into());
            m.hint("keep one: `source` links to an existing file, `text` writes a new one");
        }
        FieldError::NoContent { node } => {
            m.node_error(node, "neither `source` nor `text` is set".into());
            m.hint("set `source` to the file to link to, or `text` to the content of the file");
        }
        FieldError::EmptyArgv { node } => {
            m.node_error(node, "`argv` is empty".into());
            m.hint("give the program and its arguments, e.g. argv = [ \"/bin/sh\" \"-c\" \"echo hi\" ];");
        }
        FieldError::BadTarget { node, target, problem } => bad_target(m, node, target, *problem),
        FieldError::RelativeSource { node, path: source } => {
            m.node_error(node, format!("source {} is a relative path", nix_string(source)));
            m.hint("use a Nix path (source = ./file;), which Nix copies into the store, or an absolute path");
        }
    }
}

fn bad_target(m: &mut Message, node: &NodeRef, target: &str, problem: TargetProblem) {
    m.node_error(
        node,
        format!("target {} {}", nix_string(target), crate::target::describe(problem)),
    );
    m.hint(match problem {
        TargetProblem::Tilde => tilde_hint(target),
        _ => target_hint(problem).to_string(),
    });
}

/// What to do about a target with `problem`.
pub(super) fn target_hint(problem: TargetProblem) -> &'static str {
    match problem {
        TargetProblem::Absolute => {
            "targets are relative to the home: \".config/foo\" means ~/.config/foo"
        }
        TargetProblem::ParentComponent => "targets must stay inside the home: remove the `..`",
        TargetProblem::Home => "name a file or folder inside the home, e.g. \".config/foo\"",
        TargetProblem::NulByte => "remove the NUL byte from the target",
        TargetProblem::StateFolder => {
            "give the file another target: ~/.local/state/activation-manager holds only \
             activation-manager's own records"
        }
        TargetProblem::Tilde => {
            "targets are relative to the home already (those of xdg.configFile and its kind \
             to their folder): leave out the `~/`"
        }
    }
}

/// What one target with a `~` component was meant to be, in the words of
/// its option.
fn tilde_hint(target: &str) -> String {
    match crate::target::without_tilde(target) {
        Some((meant, folder)) if folder.is_empty() => format!(
            "targets are relative to the home already: write {} for ~/{meant}",
            nix_string(&meant)
        ),
        Some((meant, folder)) => format!(
            "this option's names are relative to ~/{folder} already: write {} for \
             ~/{folder}/{meant}",
            nix_string(&meant)
        ),
        None => target_hint(TargetProblem::Home).to_string(),
    }
}

fn kind_names() -> String {
    fields::KINDS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}

fn field_example(node: &NodeRef, field: &str) -> Option<&'static str> {
    let kind_fields = node.kind.and_then(fields::kind_fields).map_or(&[][..], |(_, f)| f);
    fields::lookup(kind_fields, field).map(|f| f.example)
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
