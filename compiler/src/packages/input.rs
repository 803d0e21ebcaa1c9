//! The input of `am-compile packages`, which the Nix library writes for
//! `home.packages`: the option's provenance and, per package, its name,
//! version, `meta.priority` and the outputs to link, in the order of the
//! option's list.
//!
//! ```json
//! { "version": 1, "declaredBy": "home.packages", "definedIn": ["/home/me/home.nix"],
//!   "packages": [ { "name": "hello", "version": "2.12", "priority": 5,
//!                   "outputs": ["/nix/store/...-hello-2.12"] } ] }
//! ```

use serde_json::{Map, Value};

use crate::error::{CompileError, InputError, NodeRef};
use crate::input::INPUT_VERSION;
use crate::nix::describe_value;

/// A package to merge into the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreePackage {
    /// In the option's list, counted from 1.
    pub position: usize,
    pub name: String,
    pub version: String,
    /// nixpkgs' `meta.priority`: on a collision, the lower number wins.
    pub priority: i64,
    /// Store paths, each a folder whose files the tree links.
    pub outputs: Vec<String>,
}

/// The whole input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeInput {
    /// The option the packages come from, for messages (no id: the tree is
    /// no node).
    pub origin: NodeRef,
    pub packages: Vec<TreePackage>,
}

/// Reads the input text; a problem is the Nix library's, never the user's,
/// and reported as a malformed input.
pub fn parse(text: &str) -> Result<TreeInput, Vec<CompileError>> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        vec![InputError::InvalidJson { message: e.to_string(), line, column }.into()]
    })?;
    let mut problems = Vec::new();
    let Some(root) = root.as_object() else {
        return Err(vec![malformed(
            "it",
            format!("is {}, not an attribute set", describe_value(&root)),
        )]);
    };
    match root.get("version").and_then(Value::as_u64) {
        Some(INPUT_VERSION) => {}
        _ => problems.push(malformed("`version`", format!("is not {INPUT_VERSION}"))),
    }
    let declared_by = root.get("declaredBy").and_then(Value::as_str).map(String::from);
    let defined_in = root
        .get("definedIn")
        .and_then(Value::as_array)
        .map(|files| files.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default();
    let origin = NodeRef { id: None, position: 0, kind: None, declared_by, defined_in, dag: None };
    let packages = match root.get("packages") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| package(index + 1, item, &mut problems))
            .collect(),
        other => {
            let found =
                other.map_or("missing".to_string(), |v| format!("is {}", describe_value(v)));
            problems.push(malformed("`packages`", format!("{found}, not a list")));
            Vec::new()
        }
    };
    if problems.is_empty() { Ok(TreeInput { origin, packages }) } else { Err(problems) }
}

fn package(position: usize, item: &Value, problems: &mut Vec<CompileError>) -> Option<TreePackage> {
    let what = format!("package #{position}");
    let Some(object) = item.as_object() else {
        problems
            .push(malformed(&what, format!("is {}, not an attribute set", describe_value(item))));
        return None;
    };
    let text = |field: &str| object.get(field).and_then(Value::as_str).map(String::from);
    let name = text("name");
    let priority = object.get("priority").and_then(Value::as_i64);
    let outputs = strings(object, "outputs");
    let complete = name.is_some() && priority.is_some() && outputs.is_some();
    if !complete {
        let problem = "needs `name` (a string), `priority` (an integer) and `outputs` (a list of \
                       strings)";
        problems.push(malformed(&what, problem.to_string()));
        return None;
    }
    Some(TreePackage {
        position,
        name: name?,
        version: text("version").unwrap_or_default(),
        priority: priority?,
        outputs: outputs?,
    })
}

fn strings(object: &Map<String, Value>, field: &str) -> Option<Vec<String>> {
    object.get(field)?.as_array()?.iter().map(|v| v.as_str().map(String::from)).collect()
}

fn malformed(what: &str, problem: String) -> CompileError {
    CompileError::from(InputError::MalformedInput { what: what.into(), problem })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_read_in_order() {
        let text = r#"{ "version": 1, "declaredBy": "home.packages", "definedIn": ["/h.nix"],
            "packages": [ { "name": "a", "version": "1", "priority": -10, "outputs": ["/nix/store/x-a-1"] },
                          { "name": "b", "priority": 5, "outputs": [] } ] }"#;
        let input = parse(text).expect("the input reads");
        assert_eq!(input.origin.declared_by.as_deref(), Some("home.packages"));
        assert_eq!(input.packages.len(), 2);
        assert_eq!((input.packages[0].priority, input.packages[1].position), (-10, 2));
        assert_eq!(input.packages[1].version, "");
    }

    #[test]
    fn a_package_without_outputs_is_malformed() {
        let text = r#"{ "version": 1, "packages": [ { "name": "a", "priority": 5 } ] }"#;
        assert_eq!(parse(text).map_err(|e| e.len()), Err(1));
    }
}
