//! The input's `scripts`: executable files the compiler writes into the
//! bundle as `scripts/<name>`, for unit files to run (`ExecStart=` of a
//! service's `script`). They are part of the bundle, not of the plan: no node
//! does anything with them at activation time.

use serde_json::Value;

use crate::error::{CompileError, InputError, SettingError};
use crate::nix::describe_value;

/// Reads `scripts` (an attribute set of name to text), sorted by name.
pub(super) fn read(value: Option<&Value>, errors: &mut Vec<CompileError>) -> Vec<(String, String)> {
    let entries = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Object(entries)) => entries,
        Some(other) => {
            let problem = format!("is {}, not an attribute set of strings", describe_value(other));
            errors.push(InputError::MalformedInput { what: "`scripts`".into(), problem }.into());
            return Vec::new();
        }
    };
    let mut scripts = Vec::with_capacity(entries.len());
    for (name, text) in entries {
        let Some(text) = text.as_str() else {
            let problem = format!("is {}, not a string", describe_value(text));
            errors.push(
                InputError::MalformedInput { what: format!("`scripts.{name}`"), problem }.into(),
            );
            continue;
        };
        match name_problem(name) {
            Some(problem) => {
                errors.push(SettingError::BadScriptName { name: name.clone(), problem }.into())
            }
            None => scripts.push((name.clone(), text.to_string())),
        }
    }
    scripts.sort();
    scripts
}

/// Why `name` cannot be a file directly inside `scripts/`, if it cannot.
fn name_problem(name: &str) -> Option<&'static str> {
    if name == "." || name == ".." {
        Some("is not a file name")
    } else {
        crate::target::component_problem(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_sorted_and_names_checked() {
        let value = serde_json::json!({ "b": "#!/bin/sh\n", "a": "x", "../c": "y", "d": 1 });
        let mut errors = Vec::new();
        let scripts = read(Some(&value), &mut errors);
        assert_eq!(scripts, vec![("a".into(), "x".into()), ("b".into(), "#!/bin/sh\n".into())]);
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "script name \"../c\" contains a `/`",
                "the compiler input is malformed: `scripts.d` is the number 1, not a string"
            ]
        );
    }
}
