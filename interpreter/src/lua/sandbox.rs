//! A Lua state that can compute but not act: everything a chunk changes
//! must go through the `am` API, so that dry run, journal and rollback see
//! it. Hence no `io`, no `package`/`require`, no `debug`, no file loading,
//! and of `os` only what reads the clock and the environment.

use mlua::{Lua, LuaOptions, StdLib, Table};

/// `os` functions a chunk may use: none of them changes anything.
const OS_KEPT: &[&str] = &["clock", "date", "difftime", "getenv", "time"];

/// What one Lua state may allocate: far more than any configuration needs.
const MEMORY_LIMIT: usize = 1 << 30;

/// Base-library functions that read or run files.
const BASE_REMOVED: &[&str] = &["dofile", "loadfile"];

pub fn new_state() -> mlua::Result<Lua> {
    let libraries = StdLib::STRING
        | StdLib::TABLE
        | StdLib::MATH
        | StdLib::UTF8
        | StdLib::COROUTINE
        | StdLib::OS;
    let lua = Lua::new_with(libraries, LuaOptions::default())?;
    // A chunk building a string without end fails, instead of taking the
    // machine's memory with it.
    lua.set_memory_limit(MEMORY_LIMIT)?;
    let globals = lua.globals();
    for name in BASE_REMOVED {
        globals.raw_remove(*name)?;
    }
    let os: Table = globals.get("os")?;
    let kept = lua.create_table()?;
    for name in OS_KEPT {
        kept.raw_set(*name, os.get::<mlua::Value>(*name)?)?;
    }
    globals.set("os", kept)?;
    Ok(lua)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_harmless_functions_are_reachable() {
        let lua = new_state().expect("a state starts");
        for absent in [
            "io",
            "package",
            "require",
            "debug",
            "dofile",
            "loadfile",
            "os.execute",
            "os.remove",
            "os.rename",
            "os.exit",
            "os.tmpname",
        ] {
            let code = format!("return {absent} == nil");
            let gone: bool = lua.load(&code).eval().expect("evaluates");
            assert!(gone, "{absent} is reachable from Lua");
        }
        for present in ["os.getenv", "os.time", "string.format", "table.sort", "math.floor"] {
            let code = format!("return {present} ~= nil");
            let there: bool = lua.load(&code).eval().expect("evaluates");
            assert!(there, "{present} is missing");
        }
    }
}
