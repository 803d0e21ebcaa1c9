//! Lua nodes (`lua.tasks.<name>`): a `script`, syntax-checked here, the
//! `.lua` file it was read from, if any, and how long it may run.

use super::reader::Reader;
use crate::error::{LuaError, LuaText};
use crate::lua::syntax;

/// A `lua` node.
#[derive(Debug)]
pub struct ScriptInput {
    /// Non-empty; `None` when missing or invalid.
    pub script: Option<String>,
    /// The file the script was read from, which messages name.
    pub file: Option<String>,
    /// Seconds the chunk may run.
    pub timeout: Option<u32>,
}

/// Reads a `lua` node's `script`, syntax-checked, and `scriptFile`.
pub(super) fn read(reader: &mut Reader) -> ScriptInput {
    let file = reader.string("scriptFile");
    let script = match reader.string("script") {
        Some(script) if script.trim().is_empty() => {
            reader.errors.push(LuaError::EmptyScript { node: reader.origin.clone() }.into());
            None
        }
        Some(script) => {
            if let Some(error) = syntax::check_chunk(&script) {
                let (node, field) = (reader.origin.clone(), "script".to_string());
                let text = file.clone().map_or(LuaText::Script, LuaText::ScriptFile);
                reader.errors.push(LuaError::LuaSyntax { node, field, text, error }.into());
            }
            Some(script)
        }
        None => {
            reader.missing_unless_set("script");
            None
        }
    };
    ScriptInput { script, file, timeout: reader.seconds("timeout") }
}
