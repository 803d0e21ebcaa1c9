//! The `systemd-units` node: the units of a bundle and how each one
//! switches, each unit with its own provenance. Names are checked here;
//! what needs every node (one file per unit, one such node) in `src/units.rs`.

use am_schema::SwitchMethod;
use serde_json::{Map, Value};

use super::reader::Reader;
use crate::error::{CompileError, FieldError, NodeRef, UnitError, UnitRef};
use crate::fields::UNIT_FIELDS;
use crate::nix::describe_value;
use crate::target;
use crate::unit_name;

/// The `units` of a `systemd-units` node, as far as they could be read.
#[derive(Debug, Default)]
pub struct UnitsInput {
    pub units: Vec<UnitInput>,
    /// `"user"` or `"system"`, when given: it must be the bundle's.
    pub scope: Option<String>,
}

/// One unit; fields with problems are `None` (and the problem recorded).
#[derive(Debug)]
pub struct UnitInput {
    pub origin: UnitRef,
    /// A valid unit name.
    pub name: Option<String>,
    /// The unit file's target, normalized.
    pub target: Option<String>,
    pub switch_method: Option<SwitchMethod>,
    /// Valid names of units that can be active.
    pub wanted_by: Vec<String>,
}

/// Reads the `units` field of a `systemd-units` node.
pub(super) fn read(reader: &mut Reader) -> UnitsInput {
    let scope = reader.string("scope");
    let items = match reader.get("units") {
        Some(Value::Array(items)) => items,
        Some(other) => {
            reader.mismatch("units", other, None);
            return UnitsInput { units: Vec::new(), scope };
        }
        None => {
            reader.missing_unless_set("units");
            return UnitsInput { units: Vec::new(), scope };
        }
    };
    let (node, errors) = (&reader.origin, &mut *reader.errors);
    let units = items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            let position = index + 1;
            match item {
                Value::Object(object) => Some(read_unit(node, position, object, errors)),
                other => {
                    let problem = format!("is {}, not an attribute set", describe_value(other));
                    errors.push(
                        UnitError::MalformedUnit { node: node.clone(), position, problem }.into(),
                    );
                    None
                }
            }
        })
        .collect();
    UnitsInput { units, scope }
}

fn read_unit(
    node: &NodeRef,
    position: usize,
    object: &Map<String, Value>,
    errors: &mut Vec<CompileError>,
) -> UnitInput {
    // Shape problems are collected first: they all read the same object.
    let mut problems = Vec::new();
    for key in object.keys().filter(|key| !UNIT_FIELDS.contains(&key.as_str())) {
        problems.push(format!("has an unknown field `{key}`"));
    }
    let raw_name = string(object, "name", &mut problems);
    let raw_target = string(object, "target", &mut problems);
    let raw_method = string(object, "switchMethod", &mut problems);
    let declared_by = string(object, "declaredBy", &mut problems);
    let defined_in = string_list(object, "definedIn", &mut problems);
    let raw_wanted_by = string_list(object, "wantedBy", &mut problems);
    for field in ["name", "target"] {
        if object.get(field).is_none_or(Value::is_null) {
            problems.push(format!("has no `{field}`"));
        }
    }
    errors.extend(problems.into_iter().map(|problem| {
        CompileError::from(UnitError::MalformedUnit { node: node.clone(), position, problem })
    }));

    let origin =
        UnitRef { node: node.clone(), position, name: raw_name.clone(), declared_by, defined_in };
    let name = raw_name.and_then(|name| match unit_name::check(&name) {
        Ok(form) => {
            if form == unit_name::NameForm::Template && !raw_wanted_by.is_empty() {
                let wanted_by = raw_wanted_by.clone();
                errors.push(UnitError::WantedTemplate { unit: origin.clone(), wanted_by }.into());
            }
            Some(name)
        }
        Err(problem) => {
            let unit = origin.clone();
            errors.push(UnitError::BadUnitName { unit, field: "name", name, problem }.into());
            None
        }
    });
    let wanted_by = raw_wanted_by
        .into_iter()
        .filter(|wanted| match unit_name::check_startable(wanted) {
            Ok(_) => true,
            Err(problem) => {
                let (unit, name) = (origin.clone(), wanted.clone());
                errors
                    .push(UnitError::BadUnitName { unit, field: "wantedBy", name, problem }.into());
                false
            }
        })
        .collect();
    let target = raw_target.and_then(|raw| match target::normalize(&raw) {
        Ok(target) => Some(target),
        Err(problem) => {
            let (node, target) = (node.clone(), raw);
            errors.push(FieldError::BadTarget { node, target, problem }.into());
            None
        }
    });
    let switch_method = match raw_method.as_deref() {
        None => Some(SwitchMethod::Restart),
        Some(method) => {
            let known = SwitchMethod::ALL.iter().find(|known| known.name() == method).copied();
            if known.is_none() {
                let (unit, method) = (origin.clone(), method.to_string());
                errors.push(UnitError::UnknownSwitchMethod { unit, method }.into());
            }
            known
        }
    };
    UnitInput { origin, name, target, switch_method, wanted_by }
}

/// A string field of a unit (or another entry of a list of attribute
/// sets); `null` is absent.
pub(super) fn string(
    object: &Map<String, Value>,
    field: &str,
    problems: &mut Vec<String>,
) -> Option<String> {
    match object.get(field)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => {
            problems.push(format!("has `{field}` = {}, not a string", describe_value(other)));
            None
        }
    }
}

/// A list-of-strings field of a unit (or another entry); absent is empty.
pub(super) fn string_list(
    object: &Map<String, Value>,
    field: &str,
    problems: &mut Vec<String>,
) -> Vec<String> {
    match object.get(field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).map(String::from).collect()
        }
        Some(other) => {
            let found = describe_value(other);
            problems.push(format!("has `{field}` = {found}, not a list of strings"));
            Vec::new()
        }
    }
}
