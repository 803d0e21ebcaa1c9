//! Messages about systemd units. A unit is named by the option that
//! declared it (`systemd.user.services.foo`), not by its node, and the
//! files that define it follow.

use am_schema::SwitchMethod;

use super::message::{Message, id_or_position};
use crate::error::{NodeRef, UnitError, UnitRef};
use crate::fields::UNIT_FIELDS;
use crate::nix::nix_string;
use crate::suggest;
use crate::unit_name::{NameProblem, UNIT_TYPES};

/// Renders a unit problem into `m`.
pub(super) fn render(m: &mut Message, error: &UnitError) {
    match error {
        UnitError::BadUnitName { unit, field, name, problem } => {
            let wanted = *field != "name";
            let headline = if wanted {
                format!("{} in wantedBy {}", nix_string(name), problem.describe())
            } else {
                format!("the unit name {} {}", nix_string(name), problem.describe())
            };
            unit_error(m, unit, headline);
            m.hint(name_hint(name, problem, wanted));
        }
        UnitError::WantedTemplate { unit, wanted_by } => {
            let name = unit.name.as_deref().unwrap_or_default();
            let wanted: Vec<String> = wanted_by.iter().map(|w| nix_string(w)).collect();
            let problem = format!(
                "{} is a template, yet wantedBy = [ {} ]",
                nix_string(name),
                wanted.join(" ")
            );
            unit_error(m, unit, problem);
            let instance = name.replacen("@.", "@NAME.", 1);
            m.hint(format!(
                "a template cannot be started: want an instance instead (a unit named {}), \
                 or remove wantedBy, requiredBy and startAt",
                nix_string(&instance)
            ));
        }
        UnitError::UnknownSwitchMethod { unit, method } => {
            unit_error(m, unit, format!("unknown switch method {}", nix_string(method)));
            let methods: Vec<&str> = SwitchMethod::ALL.iter().map(|m| m.name()).collect();
            m.hint(format!(
                "set unitConfig.X-SwitchMethod to one of: {}; or use restartIfChanged, \
                 reloadIfChanged or stopIfChanged",
                methods.join(", ")
            ));
        }
        UnitError::MalformedUnit { node, position, problem } => {
            let subject = format!("{} node `{}`", node_kind(node), id_or_position(node));
            m.error(format!("{subject}: unit #{position} {problem}"));
            defined_in(m, &node.defined_in);
            m.hint(format!(
                "the systemd.user options write units for you; a unit written by hand is an \
                 attribute set with some of: {}",
                UNIT_FIELDS.join(", ")
            ));
        }
        UnitError::UnitWithoutFile { unit, target } => {
            let problem = format!("no link node makes its unit file {}", nix_string(target));
            unit_error(m, unit, problem);
            m.hint(format!(
                "add a link node with target = {}, and list its id in the `after` of node `{}`",
                nix_string(target),
                id_or_position(&unit.node)
            ));
        }
        UnitError::DuplicateUnit { name, units } => {
            m.error(format!("{} units are named {}", units.len(), nix_string(name)));
            for unit in units {
                m.line(subject(unit));
            }
            m.hint("keep one of them: the manager knows a unit by its name");
        }
        UnitError::SecondUnitsNode { nodes } => {
            m.error(format!("{} nodes have kind systemd-units", nodes.len()));
            m.nodes(nodes);
            m.hint("list every unit in one node: the user manager is reloaded once per activation");
        }
    }
}

/// `error: <unit>: <problem>`, then the files that define the unit.
fn unit_error(m: &mut Message, unit: &UnitRef, problem: String) {
    m.error(format!("{}: {problem}", subject(unit)));
    defined_in(m, &unit.defined_in);
}

fn defined_in(m: &mut Message, files: &[String]) {
    if !files.is_empty() {
        m.line(format!("defined in {}", files.join(", ")));
    }
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
            id_or_position(&unit.node)
        ),
    }
}

fn node_kind(node: &NodeRef) -> &'static str {
    node.kind.unwrap_or("systemd-units")
}
