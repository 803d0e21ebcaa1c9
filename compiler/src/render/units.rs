//! The messages of the systemd unit problems, in the shape of every other
//! compiler message: an `error:` line naming the option, where it was
//! defined, and a `hint:` saying what to do.

use std::fmt::Write;

use am_schema::SwitchMethod;

use super::UNIT_FIELDS;
use super::name::{NameProblem, UNIT_TYPES};
use crate::error::{CompileError, NodeRef, UnitRef};
use crate::render::nix_string;
use crate::suggest;

/// The message of a unit problem; `None` for every other problem.
pub fn render(error: &CompileError) -> Option<String> {
    let mut out = String::new();
    let mut error_line = |subject: &str, problem: String, files: &[String]| {
        let _ = writeln!(out, "error: {subject}: {problem}");
        if !files.is_empty() {
            let _ = writeln!(out, "  defined in {}", files.join(", "));
        }
    };
    let hint = match error {
        CompileError::BadUnitName { unit, field, name, problem } => {
            let wanted = *field != "name";
            let headline = if wanted {
                format!("{} in wantedBy {}", nix_string(name), problem.describe())
            } else {
                format!("the unit name {} {}", nix_string(name), problem.describe())
            };
            error_line(&subject(unit), headline, &unit.defined_in);
            name_hint(name, problem, wanted)
        }
        CompileError::WantedTemplate { unit, wanted_by } => {
            let name = unit.name.as_deref().unwrap_or_default();
            let wanted: Vec<String> = wanted_by.iter().map(|w| nix_string(w)).collect();
            let problem = format!(
                "{} is a template, yet wantedBy = [ {} ]",
                nix_string(name),
                wanted.join(" ")
            );
            error_line(&subject(unit), problem, &unit.defined_in);
            let instance = name.replacen("@.", "@NAME.", 1);
            format!(
                "a template cannot be started: want an instance instead (a unit named {}), \
                 or remove wantedBy, requiredBy and startAt",
                nix_string(&instance)
            )
        }
        CompileError::UnknownSwitchMethod { unit, method } => {
            let problem = format!("unknown switch method {}", nix_string(method));
            error_line(&subject(unit), problem, &unit.defined_in);
            let methods: Vec<&str> = SwitchMethod::ALL.iter().map(|m| m.name()).collect();
            format!(
                "set unitConfig.X-SwitchMethod to one of: {}; or use restartIfChanged, \
                 reloadIfChanged or stopIfChanged",
                methods.join(", ")
            )
        }
        CompileError::MalformedUnit { node, position, problem } => {
            let subject = format!("{} node `{}`", node_kind(node), node_id(node));
            error_line(&subject, format!("unit #{position} {problem}"), &node.defined_in);
            format!(
                "the systemd.user options write units for you; a unit written by hand is an \
                 attribute set with some of: {}",
                UNIT_FIELDS.join(", ")
            )
        }
        CompileError::UnitWithoutFile { unit, target } => {
            let problem = format!("no link node makes its unit file {}", nix_string(target));
            error_line(&subject(unit), problem, &unit.defined_in);
            format!(
                "add a link node with target = {}, and list its id in the `after` of node `{}`",
                nix_string(target),
                node_id(&unit.node)
            )
        }
        CompileError::DuplicateUnit { name, units } => {
            let _ = writeln!(out, "error: {} units are named {}", units.len(), nix_string(name));
            for unit in units {
                let _ = writeln!(out, "  {}", subject(unit));
            }
            "keep one of them: the manager knows a unit by its name".to_string()
        }
        CompileError::SecondUnitsNode { nodes } => {
            let _ = writeln!(out, "error: {} nodes have kind systemd-units", nodes.len());
            for node in nodes {
                let by = node.declared_by.as_deref().map(|by| format!(" (declared by {by})"));
                let _ = writeln!(out, "  `{}`{}", node_id(node), by.unwrap_or_default());
            }
            "list every unit in one node: the user manager is reloaded once per activation"
                .to_string()
        }
        CompileError::BadScriptName { name, problem } => {
            let _ = writeln!(out, "error: script {} {problem}", nix_string(name));
            "script names are plain file names in the bundle's scripts/ folder".to_string()
        }
        _ => return None,
    };
    let _ = writeln!(out, "  hint: {hint}");
    Some(out)
}

/// What to do about a bad name; `wanted` when it is a `wantedBy` entry,
/// which names some other unit, usually a target.
fn name_hint(name: &str, problem: &NameProblem, wanted: bool) -> String {
    let fix_it = if wanted { "correct the entry" } else { "rename the unit" };
    match problem {
        NameProblem::Empty => format!("{fix_it}: a unit needs a name"),
        NameProblem::TooLong(_) => format!("{fix_it}: shorten the name"),
        NameProblem::NoSuffix if wanted => {
            format!(
                "did you mean {}?",
                nix_string(&format!("{}.target", name.trim_end_matches('.')))
            )
        }
        NameProblem::NoSuffix => "end the name with its type, e.g. \".service\"".to_string(),
        NameProblem::UnknownSuffix(suffix) => {
            let stem = name.strip_suffix(suffix.as_str()).unwrap_or(name);
            match suggest::closest(suffix, UNIT_TYPES.iter().copied()) {
                Some(known) => format!("did you mean {}?", nix_string(&format!("{stem}{known}"))),
                None => format!("the unit types are: {}", UNIT_TYPES.join(", ")),
            }
        }
        NameProblem::BadChar(_) => {
            format!("{fix_it}: unit names hold only ASCII letters, digits and :-_.\\@")
        }
        NameProblem::NoPrefix => format!("{fix_it}: put a name before the `@` and the type"),
        NameProblem::Template => {
            let instance = name.replacen("@.", "@NAME.", 1);
            format!("a template is never active: name an instance, e.g. {}", nix_string(&instance))
        }
    }
}

/// The option that declared the unit, or where the unit sits in its node.
fn subject(unit: &UnitRef) -> String {
    match &unit.declared_by {
        Some(option) => option.clone(),
        None => format!(
            "unit #{} of {} node `{}`",
            unit.position,
            node_kind(&unit.node),
            node_id(&unit.node)
        ),
    }
}

fn node_kind(node: &NodeRef) -> &'static str {
    node.kind.unwrap_or("systemd-units")
}

fn node_id(node: &NodeRef) -> String {
    node.id.clone().unwrap_or_else(|| format!("#{}", node.position))
}
