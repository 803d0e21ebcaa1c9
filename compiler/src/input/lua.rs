//! Lua nodes (`lua.tasks.<name>`): a `script`, syntax-checked here, and how
//! long it may run.

use super::reader::Reader;
use crate::error::LuaError;
use crate::lua::syntax;

/// A `lua` node.
#[derive(Debug)]
pub struct ScriptInput {
    /// Non-empty; `None` when missing or invalid.
    pub script: Option<String>,
    /// Seconds the chunk may run.
    pub timeout: Option<u32>,
}

/// Reads a `lua` node's `script`, syntax-checked.
pub(super) fn read(reader: &mut Reader) -> ScriptInput {
    let script = match reader.string("script") {
        Some(script) if script.trim().is_empty() => {
            reader.errors.push(LuaError::EmptyScript { node: reader.origin.clone() }.into());
            None
        }
        Some(script) => {
            if let Some(error) = syntax::check_chunk(&script) {
                let (node, field) = (reader.origin.clone(), "script".to_string());
                reader
                    .errors
                    .push(LuaError::LuaSyntax { node, field, expression: false, error }.into());
            }
            Some(script)
        }
        None => {
            reader.missing_unless_set("script");
            None
        }
    };
    ScriptInput { script, timeout: reader.seconds("timeout") }
}
