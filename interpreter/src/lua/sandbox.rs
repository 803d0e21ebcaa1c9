//! A Lua state that can compute but not act: everything a chunk changes
//! must go through the `am` API, so that dry run, journal and rollback see
//! it. Hence no `io`, no `package`/`require`, no `debug`, no file loading,
//! and of `os` only what reads the clock and the environment.
//!
//! Code is text only: Lua does not check bytecode, and mutated bytecode
//! makes the VM follow wild pointers. So `string.dump` is gone and `load`
//! reads text whatever mode it is asked for, as the chunk itself is.

use mlua::{ChunkMode, Function, Lua, LuaOptions, StdLib, Table};

/// `os` functions a chunk may use: none of them changes anything.
const OS_KEPT: &[&str] = &["clock", "date", "difftime", "getenv", "time"];

/// Base-library functions that read or run files.
const BASE_REMOVED: &[&str] = &["dofile", "loadfile"];

/// `load` as Lua has it, but for text only: the mode argument is replaced
/// by `"t"`, and the arguments after it pass on as they came (Lua tells an
/// `env` of nil from none).
const TEXT_LOAD: &str = "local load = ...\n\
                         return function(chunk, name, mode, ...) return load(chunk, name, \"t\", ...) end";

pub fn new_state() -> mlua::Result<Lua> {
    let libraries = StdLib::STRING
        | StdLib::TABLE
        | StdLib::MATH
        | StdLib::UTF8
        | StdLib::COROUTINE
        | StdLib::OS;
    let lua = Lua::new_with(libraries, LuaOptions::default())?;
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
    let string: Table = globals.get("string")?;
    string.raw_remove("dump")?;
    let load: Function = globals.get("load")?;
    let text_load: Function =
        lua.load(TEXT_LOAD).set_name("=load").set_mode(ChunkMode::Text).call(load)?;
    globals.set("load", text_load)?;
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
            "string.dump",
            "('').dump",
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

    #[test]
    fn load_reads_text_only() {
        let lua = new_state().expect("a state starts");
        let refused: String = lua
            .load(r#"return select(2, load("\27LuaT\0\25\147\r\n\26\n", "bytes", "b"))"#)
            .eval()
            .expect("evaluates");
        assert!(refused.contains("attempt to load a binary chunk (mode is 't')"), "{refused}");
        // Text loads with every mode, and an `env` argument still counts,
        // even as nil.
        let code = r#"
            local env = { x = 41 }
            assert(load("return x + 1", "n", "b", env)() == 42)
            assert(load("return 2")() == 2)
            assert(select(2, pcall(load("return x", "n", "t", nil))):find("nil value"))
            return true
        "#;
        let ran: bool = lua.load(code).eval().expect("text loads");
        assert!(ran);
    }
}
