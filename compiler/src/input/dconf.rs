//! dconf nodes: `settings` maps folders (`org/gnome/desktop/interface`) to
//! keys and their values as GVariant text, which the Nix library renders
//! from Nix values (or, for a value it cannot render, replaces by
//! `{ "error": "<why>", "hint": "<fix>" }` so that the build reports it
//! here, with the others). A value may also be a Lua value, giving the text
//! at activation time; folder and key names may not. Names and values are
//! checked by the rule the Lua API applies at run time
//! ([`am_schema::dconf`]): names that fit the key file `dconf load` reads,
//! and one GVariant value on one line; whether a value fits its key's type
//! is for `dconf load` to say. Two nodes setting one key are found in
//! `conflicts.rs`.

use am_schema::dconf::{folder_problem, key_problem, value_problem};
use serde_json::Value;

use super::reader::{Inside, Reader};
use crate::error::DconfError;
use crate::lua::{self, MaybeLua};
use crate::nix::{describe_value, nix_attribute};

#[derive(Debug)]
pub struct DconfInput {
    /// The valid keys: (folder, key, GVariant text), sorted.
    pub keys: Vec<(String, String, MaybeLua)>,
}

/// Reads a dconf node's `settings`.
pub(super) fn read(reader: &mut Reader) -> DconfInput {
    let mut keys = Vec::new();
    let Some(settings) = reader.get("settings") else {
        reader.missing_unless_set("settings");
        return DconfInput { keys };
    };
    let Some(dirs) = lua::plain_object(settings) else {
        reader.mismatch("settings", settings, None);
        return DconfInput { keys };
    };
    for (dir, entries) in dirs {
        if let Some(problem) = folder_problem(dir) {
            let (node, dir) = (reader.origin.clone(), dir.clone());
            reader.errors.push(DconfError::BadDconfPath { node, dir, problem }.into());
            continue;
        }
        let Some(entries) = lua::plain_object(entries) else {
            reader.mismatch("settings", entries, Some(&Inside::Attribute(dir.clone())));
            continue;
        };
        for (key, value) in entries {
            let (node, dir, key) = (reader.origin.clone(), dir.clone(), key.clone());
            if let Some(problem) = key_problem(&key) {
                reader.errors.push(DconfError::BadDconfKey { node, dir, key, problem }.into());
                continue;
            }
            if let Some(expr) = lua::inline_expr(value) {
                let path = format!("settings.{}.{}", nix_attribute(&dir), nix_attribute(&key));
                let value = reader.lua_expression(path, expr);
                keys.push((dir, key, value));
                continue;
            }
            match value_text(value.clone()) {
                Ok(text) => keys.push((dir, key, MaybeLua::Literal(text))),
                Err((problem, hint)) => reader
                    .errors
                    .push(DconfError::BadDconfValue { node, dir, key, problem, hint }.into()),
            }
        }
    }
    keys.sort();
    DconfInput { keys }
}

/// The GVariant text of a value, or why there is none and, when the Nix
/// library knew it, how to fix that.
fn value_text(value: Value) -> Result<String, (String, Option<String>)> {
    let problem = |text: String| Err((text, None));
    match value {
        Value::String(text) => match value_problem(&text) {
            Some(why) => problem(why),
            None => Ok(text),
        },
        Value::Object(fields) => match (fields.get("error"), fields.get("hint")) {
            (Some(Value::String(error)), hint) => {
                Err((error.clone(), hint.and_then(Value::as_str).map(String::from)))
            }
            _ => problem("is an attribute set, not GVariant text".into()),
        },
        other => problem(format!("is {}, not GVariant text", describe_value(&other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_one_line_of_text() {
        assert_eq!(value_text(Value::String("'dark'".into())), Ok("'dark'".into()));
        assert!(value_text(Value::String("'a\nb'".into())).is_err());
        assert!(value_text(Value::String("'a' 'b'".into())).is_err());
        assert!(value_text(Value::String(" ".into())).is_err());
        assert!(value_text(serde_json::json!(5)).is_err());
        let problem = serde_json::json!({ "error": "is an empty list", "hint": "say which" });
        assert_eq!(value_text(problem), Err(("is an empty list".into(), Some("say which".into()))));
    }
}
