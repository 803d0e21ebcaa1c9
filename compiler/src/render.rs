//! Turning problems into the text a user reads in a failed Nix build.
//!
//! Every message has the same shape: an `error:` line naming the node, the
//! option that declared it (and its files), and a `hint:` saying what to do.
//! Nix 2.8 shows only the last 10 lines of a failed build, so messages stay
//! compact and the report ends with a one-line summary. No colour: this runs
//! inside Nix, which does not pass a terminal through.

mod kinds;
mod lua;
mod message;
mod units;

use std::fmt::Write;

use crate::error::{CompileError, CycleStep, IoAction, IoError, NodeRef, TargetProblem};
use crate::fields;
use crate::nix::nix_string;

use self::message::{Message, declared, id_or_position, list};

const INPUT_HINT: &str = "the activation-manager Nix library writes this input; build the bundle \
                          through it, with the am package of the same version";

/// The whole report: every problem, then a summary line.
pub fn report(errors: &[CompileError]) -> String {
    let mut out = String::new();
    for error in errors {
        out.push_str(&render(error));
    }
    let count = errors.len();
    let problems = if count == 1 { "problem" } else { "problems" };
    let place = if errors.iter().all(CompileError::is_configuration_problem) {
        " in the configuration"
    } else if errors.iter().all(CompileError::is_input_problem) {
        " in the compiler input"
    } else {
        ""
    };
    let _ = writeln!(out, "am-compile: {count} {problems}{place}; the bundle was not built.");
    out
}

/// One problem, as a few lines ending in a newline.
pub fn render(error: &CompileError) -> String {
    let mut m = Message::default();
    match error {
        CompileError::InvalidJson { message, line, column } => {
            m.error(format!(
                "the compiler input is not valid JSON: {message} (line {line}, column {column})"
            ));
            m.hint(INPUT_HINT);
        }
        CompileError::UnsupportedVersion { found, supported } => {
            m.error(format!(
                "the compiler input has version {found}, but this am-compile reads version {supported}"
            ));
            m.hint(INPUT_HINT);
        }
        CompileError::MalformedInput { what, problem } => {
            m.error(format!("the compiler input is malformed: {what} {problem}"));
            m.hint(INPUT_HINT);
        }
        CompileError::BadBackupExtension { value, problem } => {
            m.error(format!("am.backupFileExtension = {} {problem}", nix_string(value)));
            m.hint("use a plain suffix such as \"backup\": ~/.bashrc is then moved to ~/.bashrc.backup");
        }
        CompileError::UnknownKind { node, kind, suggestion } => {
            m.node_error(node, format!("unknown kind {}", nix_string(kind)));
            let kinds = kind_names();
            m.hint(match suggestion {
                Some(s) => format!("did you mean {}? The kinds are: {kinds}", nix_string(s)),
                None => format!("set `kind` to one of: {kinds}"),
            });
        }
        CompileError::UnknownField { node, field, allowed, suggestion } => {
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
        CompileError::MissingField { node, field: "id" } => {
            m.node_error(node, "no `id` (or an empty one)".into());
            m.hint(
                "give every node a unique id; nodes of the Nix library's options always \
                 have one, so check a module that writes `am.loweredNodes` itself",
            );
        }
        CompileError::MissingField { node, field } => {
            m.node_error(node, format!("`{field}` is missing"));
            m.hint(match field_example(node, field) {
                Some(example) => format!("set it, e.g. {example}"),
                None => format!("set `{field}`"),
            });
        }
        CompileError::WrongType { node, field, expected, found, inside, example } => {
            let problem = match inside {
                None => format!("`{field}` must be {expected}, not {found}"),
                Some(inside) => format!("`{field}` must be {expected}, but {inside} is {found}"),
            };
            m.node_error(node, problem);
            m.hint(format!("for example: {example}"));
        }
        CompileError::SourceAndText { node } => {
            m.node_error(node, "both `source` and `text` are set".into());
            m.hint("keep one: `source` links to an existing file, `text` writes a new one");
        }
        CompileError::NoContent { node } => {
            m.node_error(node, "neither `source` nor `text` is set".into());
            m.hint("set `source` to the file to link to, or `text` to the content of the file");
        }
        CompileError::EmptyArgv { node } => {
            m.node_error(node, "`argv` is empty".into());
            m.hint("give the program and its arguments, e.g. argv = [ \"/bin/sh\" \"-c\" \"echo hi\" ];");
        }
        CompileError::BadTarget { node, target, problem } => {
            bad_target(&mut m, node, target, *problem)
        }
        CompileError::RelativeSource { node, path: source } => {
            m.node_error(node, format!("source {} is a relative path", nix_string(source)));
            m.hint("use a Nix path (source = ./file;), which Nix copies into the store, or an absolute path");
        }
        CompileError::MissingSource { node, path: source, in_store: true } => {
            m.node_error(node, format!("source {source} does not exist"));
            m.hint(
                "refer to the source as a Nix path or a package, not a string: only \
                 then does Nix build it before this bundle",
            );
        }
        CompileError::MissingSource { node, path: source, in_store: false } => {
            m.node_error(node, format!("source {source} does not exist or cannot be read"));
            m.hint(
                "`executable` copies the source into the bundle, so the build must read it: \
                 use a Nix path (source = ./file;), or leave `executable` unset to link to it",
            );
        }
        CompileError::ExecutableDirectory { node, path: source, executable } => {
            m.node_error(
                node,
                format!("executable = {executable}, but source {source} is a folder"),
            );
            m.hint("remove `executable`: a folder is linked as it is, its files keep their modes");
        }
        CompileError::DuplicateId { id, nodes } => {
            m.error(format!("{} nodes have the id `{id}`", nodes.len()));
            let rows = nodes.iter().map(|n| vec![declared(n)]).collect();
            m.table(rows);
            m.hint("ids must be unique: rename or remove all but one of these");
        }
        CompileError::TargetConflict { target, owners } => {
            m.error(format!("{} nodes own the target {target}", owners.len()));
            m.table(owners.iter().map(|n| vec![id_or_position(n), declared(n)]).collect());
            m.hint("keep one of them, or give the others a different `target`");
        }
        CompileError::NestedTarget { outer, outer_target, inner } => {
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
        CompileError::UnknownDependency { node, direction, missing, suggestion } => {
            let field = direction.field();
            m.node_error(node, format!("{field} = [ {} ] names no node", nix_string(missing)));
            m.hint(match suggestion {
                Some(s) => {
                    format!("did you mean {}? Otherwise remove it from `{field}`", nix_string(s))
                }
                None => format!("remove it from `{field}`, or add a node with that id"),
            });
        }
        CompileError::Cycle { chain, others } => cycle(&mut m, chain, others),
        CompileError::BadAmPath { path, problem } => {
            m.error(format!("the am binary {} {problem}", nix_string(path)));
            m.hint("pass --am (or set $amBin) to the absolute path of `am`, e.g. \"${am}/bin/am\"");
        }
        CompileError::BadUnitName { .. }
        | CompileError::WantedTemplate { .. }
        | CompileError::UnknownSwitchMethod { .. }
        | CompileError::MalformedUnit { .. }
        | CompileError::UnitWithoutFile { .. }
        | CompileError::DuplicateUnit { .. }
        | CompileError::SecondUnitsNode { .. }
        | CompileError::BadScriptName { .. } => units::render(&mut m, error),
        CompileError::PermissionsOnLink { .. }
        | CompileError::BadPermissions { .. }
        | CompileError::PermissionsAndExecutable { .. }
        | CompileError::CopyOfFolder { .. }
        | CompileError::BadTreeMode { .. }
        | CompileError::BadTreeSource { .. }
        | CompileError::UnknownChangedTarget { .. }
        | CompileError::BadDconfPath { .. }
        | CompileError::BadDconfKey { .. }
        | CompileError::BadDconfValue { .. }
        | CompileError::DconfKeyConflict { .. } => kinds::render(&mut m, error),
        CompileError::EmptyScript { .. }
        | CompileError::LuaSyntax { .. }
        | CompileError::LuaNotAllowed { .. }
        | CompileError::LuaSourceExecutable { .. }
        | CompileError::LuaWhenChanged { .. }
        | CompileError::ChangedLuaTarget { .. } => lua::render(&mut m, error),
        CompileError::Internal { message } => {
            m.error(format!("internal error: {message}"));
            m.hint("this is a bug in am-compile; please report it with the configuration");
        }
        CompileError::Io(IoError { action, path, source }) => {
            let path = path.display();
            let hint = match action {
                IoAction::ReadInput => {
                    "pass --input FILE, or set $inputPath (Nix sets it for `input` with passAsFile)"
                }
                IoAction::CreateOutput => {
                    "pass --out (or set $out) to a folder that does not exist yet, or is empty"
                }
                IoAction::Write => {
                    "check that the bundle folder can be written and the disk is not full"
                }
                IoAction::CopySource => {
                    "`executable` makes a copy: check that the source is a file the build can read"
                }
                IoAction::Link => "check that the bundle folder can be written",
                IoAction::ListSource => {
                    "recursive = true lists the source folder: check that the build can read it"
                }
            };
            let what = format!("could not {} {path}", action.verb());
            m.error(format!("{what}: {source}"));
            m.hint(hint);
        }
    }
    m.into_text()
}

fn bad_target(m: &mut Message, node: &NodeRef, target: &str, problem: TargetProblem) {
    let hint = match problem {
        TargetProblem::Absolute => {
            "targets are relative to the home: \".config/foo\" means ~/.config/foo"
        }
        TargetProblem::ParentComponent => "targets must stay inside the home: remove the `..`",
        TargetProblem::Home => "name a file or folder inside the home, e.g. \".config/foo\"",
        TargetProblem::NulByte => "remove the NUL byte from the target",
    };
    m.node_error(
        node,
        format!("target {} {}", nix_string(target), crate::target::describe(problem)),
    );
    m.hint(hint);
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

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn kind_names() -> String {
    fields::KINDS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}

fn field_example(node: &NodeRef, field: &str) -> Option<&'static str> {
    let kind_fields = node.kind.and_then(fields::kind_fields).map_or(&[][..], |(_, f)| f);
    fields::lookup(kind_fields, field).map(|f| f.example)
}
