//! Lua in the compiler input: `lua` nodes, whose `script` runs at
//! activation time, and Lua values in string fields. nixpkgs'
//! `lib.generators.mkLuaInline "expr"` arrives as
//! `{ "_type": "lua-inline", "expr": "..." }`.
//!
//! Nothing here runs Lua. Every script and expression is syntax-checked
//! ([`syntax`]) while the input is read (`input/lua.rs` reads `lua`
//! nodes), and a node with Lua values is lowered into a chunk calling the
//! run-time `am` API ([`chunk`]).

pub mod chunk;
pub mod syntax;

use serde_json::{Map, Value};

/// The value of a field that may hold Lua.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum MaybeLua {
    Literal(String),
    /// A Lua expression, evaluated when the node runs.
    Lua(String),
}

impl MaybeLua {
    pub fn literal(&self) -> Option<&str> {
        match self {
            MaybeLua::Literal(text) => Some(text),
            MaybeLua::Lua(_) => None,
        }
    }

    pub fn is_lua(&self) -> bool {
        matches!(self, MaybeLua::Lua(_))
    }

    pub fn into_literal(self) -> Option<String> {
        match self {
            MaybeLua::Literal(text) => Some(text),
            MaybeLua::Lua(_) => None,
        }
    }
}

/// Whether a JSON value is what `lib.generators.mkLuaInline` makes.
pub fn is_inline(value: &Value) -> bool {
    value.get("_type").and_then(Value::as_str) == Some("lua-inline")
}

/// The attribute set `value` is, unless it is a `mkLuaInline` value.
pub fn plain_object(value: &Value) -> Option<&Map<String, Value>> {
    value.as_object().filter(|_| !is_inline(value))
}

/// The expression of a `mkLuaInline` value; `None` for any other value, or
/// one whose `expr` is not a string.
pub fn inline_expr(value: &Value) -> Option<&str> {
    if is_inline(value) { value.get("expr").and_then(Value::as_str) } else { None }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use am_schema::{Kind, Lua};
    use serde_json::json;

    use crate::lower::{DynamicFile, StaticContent};
    use crate::source::SourceKind;

    fn lua(expr: &str) -> serde_json::Value {
        json!({ "_type": "lua-inline", "expr": expr })
    }

    #[test]
    fn nodes_with_lua_become_chunks_and_the_rest_stays() {
        let input = json!({ "version": 1, "nodes": [
            { "id": "walls", "kind": "lua", "declaredBy": "lua.tasks.\"walls\"",
              "script": "am.exec{ argv = { \"true\" } }\n" },
            { "id": "file:.face", "kind": "link", "declaredBy": "home.file.\".face\"",
              "target": lua("os.getenv('FACE')"), "text": "x\n", "executable": true },
            { "id": "file:.token", "kind": "copy", "target": ".token",
              "text": lua("os.getenv('TOKEN')"), "permissions": "0600", "force": true },
            { "id": "greet", "kind": "exec", "argv": ["/bin/echo", lua("os.date()")],
              "timeout": 5 },
            { "id": "dconf", "kind": "dconf", "declaredBy": "dconf.settings",
              "settings": { "org/x": { "a": "'plain'", "b": lua("'\"' .. os.getenv('B') .. '\"'") } } },
            { "id": "file:.plain", "kind": "link", "target": ".plain", "text": "p" }
        ]});
        let sources = BTreeMap::<String, SourceKind>::new();
        let compiled =
            crate::compile(&input.to_string(), "/nix/store", &sources).expect("it compiles");
        let chunks: BTreeMap<&str, &Lua> = compiled
            .plan
            .nodes
            .iter()
            .filter_map(|node| match &node.kind {
                Kind::Lua(lua) => Some((node.id.as_str(), lua)),
                _ => None,
            })
            .collect();
        assert_eq!(chunks.len(), 5, "every node but the plain link: {chunks:?}");
        assert_eq!(chunks["walls"].name, "lua.tasks.\"walls\".script");
        assert_eq!(chunks["walls"].chunk, "am.exec{ argv = { \"true\" } }\n");
        let face = format!("{:016x}", am_schema::fnv1a64(b"file:.face"));
        assert_eq!(chunks["file:.face"].name, "home.file.\".face\" (Lua values)");
        assert_eq!(
            chunks["file:.face"].chunk,
            format!(
                "am.link{{\n  target = (os.getenv('FACE')),\n  \
                 source = am.bundle .. \"/dynamic/{face}\",\n  force = false,\n}}\n"
            )
        );
        assert_eq!(
            chunks["file:.token"].chunk,
            "am.copy{\n  target = \".token\",\n  text = (os.getenv('TOKEN')),\n  permissions = \"0600\",\n  \
             force = true,\n}\n"
        );
        assert_eq!(chunks["greet"].name, "greet (Lua values)");
        assert!(chunks["greet"].chunk.contains("timeout = 5,"));
        assert!(chunks["dconf"].chunk.contains("[\"a\"] = \"'plain'\","));
        // Only the link with Lua has a file in dynamic/, with the mode of a
        // static entry; only the plain link has one in static/.
        let text = StaticContent::Text { text: "x\n".into(), executable: true };
        assert_eq!(compiled.dynamics, [DynamicFile { name: face, content: text }]);
        let statics: Vec<&str> = compiled.statics.iter().map(|s| s.target.as_str()).collect();
        assert_eq!(statics, [".plain"]);
    }
}
