//! Exec nodes: a command (`argv`, `env`, `cwd`), how long it may run, and
//! the files whose change makes it run (`whenChanged`, resolved against the
//! nodes' targets in `changes.rs`).

use super::reader::Reader;
use crate::error::{FieldError, LuaError};
use crate::lua::MaybeLua;

#[derive(Debug)]
pub struct ExecInput {
    pub argv: Vec<MaybeLua>,
    /// Sorted by name.
    pub env: Vec<(String, MaybeLua)>,
    pub cwd: Option<MaybeLua>,
    pub timeout: Option<u32>,
    /// As written; normalized and checked against the nodes' targets later.
    pub when_changed: Vec<String>,
}

impl ExecInput {
    pub(super) fn has_lua_values(&self) -> bool {
        let env = self.env.iter().map(|(_, value)| value);
        self.argv.iter().chain(env).chain(&self.cwd).any(MaybeLua::is_lua)
    }
}

/// Reads an exec node; one with Lua values may not have `whenChanged`.
pub(super) fn read(reader: &mut Reader) -> ExecInput {
    let argv = match reader.list("argv", Reader::plain_or_lua) {
        Some(argv) if argv.is_empty() => {
            reader.errors.push(FieldError::EmptyArgv { node: reader.origin.clone() }.into());
            argv
        }
        Some(argv) => argv,
        None => {
            reader.missing_unless_set("argv");
            Vec::new()
        }
    };
    let env = reader.map("env", Reader::plain_or_lua).unwrap_or_default();
    let cwd = reader.text("cwd");
    let timeout = reader.seconds("timeout");
    let when_changed = reader.string_list("whenChanged").unwrap_or_default();
    let exec = ExecInput { argv, env, cwd, timeout, when_changed };
    if exec.has_lua_values() && !exec.when_changed.is_empty() {
        reader.errors.push(LuaError::LuaWhenChanged { node: reader.origin.clone() }.into());
    }
    exec
}
