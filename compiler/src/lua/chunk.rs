//! The chunk that stands for a node with Lua values: one call of the
//! run-time `am` API (`am.link{...}`, `am.copy{...}`, `am.exec{...}`,
//! `am.dconf{...}`), with the literal fields as Lua strings and each Lua
//! value as `(<expr>)`, exactly as [`super::syntax`] checked it.
//!
//! One field a line, so that `am inspect` shows a readable chunk.

use std::fmt::Write;

use am_schema::DYNAMIC_DIR;

use super::MaybeLua;
use super::syntax::parenthesize;

/// Where the bytes of a link or copy come from.
#[derive(Debug, Clone, Copy)]
pub enum Bytes<'a> {
    /// A path (absolute at run time).
    Source(&'a MaybeLua),
    /// The content itself (copies only).
    Text(&'a MaybeLua),
    /// A file the compiler wrote into the bundle's `dynamic/`.
    BundleFile(&'a str),
}

/// `am.link{...}`, or with `copy` `am.copy{...}`; `mode` is for copies
/// (their `permissions`).
pub fn file(copy: bool, target: &MaybeLua, bytes: Bytes, mode: Option<u32>, force: bool) -> String {
    let (field, bytes) = match bytes {
        Bytes::Source(source) => ("source", value(source)),
        Bytes::Text(text) => ("text", value(text)),
        Bytes::BundleFile(name) => {
            ("source", format!("am.bundle .. {}", quote(&format!("/{DYNAMIC_DIR}/{name}"))))
        }
    };
    let mut call = Call::new(if copy { "copy" } else { "link" });
    call.field("target", &value(target));
    call.field(field, &bytes);
    if let Some(mode) = mode {
        call.field("permissions", &quote(&format!("{mode:04o}")));
    }
    call.field("force", if force { "true" } else { "false" });
    call.finish()
}

/// `am.exec{...}`; `env` is sorted by name.
pub fn exec(
    argv: &[MaybeLua],
    env: &[(String, MaybeLua)],
    cwd: Option<&MaybeLua>,
    timeout: Option<u32>,
) -> String {
    let mut call = Call::new("exec");
    call.field("argv", &table(argv.iter().map(value), "  "));
    if !env.is_empty() {
        let entries = env.iter().map(|(name, v)| format!("[{}] = {}", quote(name), value(v)));
        call.field("env", &table(entries, "  "));
    }
    if let Some(cwd) = cwd {
        call.field("cwd", &value(cwd));
    }
    if let Some(timeout) = timeout {
        call.field("timeout", &timeout.to_string());
    }
    call.finish()
}

/// `am.dconf{...}` of (folder, key, GVariant text) triples, sorted.
pub fn dconf(keys: &[(String, String, MaybeLua)]) -> String {
    let mut call = Call::new("dconf");
    for group in keys.chunk_by(|a, b| a.0 == b.0) {
        let entries = group.iter().map(|(_, key, v)| format!("[{}] = {}", quote(key), value(v)));
        call.field(&format!("[{}]", quote(&group[0].0)), &table(entries, "  "));
    }
    call.finish()
}

/// A Lua string literal holding exactly `text`. Only `"` and `\` are
/// escaped, plus every control character (as `\n` or three decimal
/// digits, so that a digit after it cannot extend the escape): no raw line
/// break, and no long bracket that the text could close.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\{:03}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn value(value: &MaybeLua) -> String {
    match value {
        MaybeLua::Literal(text) => quote(text),
        MaybeLua::Lua(expr) => parenthesize(expr),
    }
}

/// A table constructor with one entry a line, its `}` at `indent`.
fn table(entries: impl Iterator<Item = String>, indent: &str) -> String {
    let mut out = String::from("{\n");
    for entry in entries {
        let _ = writeln!(out, "{indent}  {entry},");
    }
    out.push_str(indent);
    out.push('}');
    out
}

/// `am.<function>{`, its fields, `}`.
struct Call(String);

impl Call {
    fn new(function: &str) -> Call {
        Call(format!("am.{function}{{\n"))
    }

    fn field(&mut self, name: &str, value: &str) {
        let _ = writeln!(self.0, "  {name} = {value},");
    }

    fn finish(mut self) -> String {
        self.0.push_str("}\n");
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lua::syntax::check_chunk;

    fn literal(text: &str) -> MaybeLua {
        MaybeLua::Literal(text.into())
    }

    fn lua(expr: &str) -> MaybeLua {
        MaybeLua::Lua(expr.into())
    }

    #[test]
    fn nasty_strings_are_quoted_byte_for_byte() {
        assert_eq!(quote(r#"say "hi" \o/"#), r#""say \"hi\" \\o/""#);
        assert_eq!(quote("a\nb\r\tc"), r#""a\nb\013\009c""#);
        // A digit after an escape stays a digit of its own.
        assert_eq!(quote("\u{1}2"), r#""\0012""#);
        assert_eq!(quote("\u{7f}"), r#""\127""#);
        // Long brackets and comments mean nothing inside a quoted string.
        assert_eq!(quote("]]--[==["), r#""]]--[==[""#);
        assert_eq!(quote("é ✓"), "\"é ✓\"");
    }

    #[test]
    fn quoted_strings_parse_as_lua() {
        let nasty = "\"'\\\n\r\t\u{1}\u{1b}[0m]]]=]--[[x\u{7f}é";
        assert_eq!(check_chunk(&format!("return {}", quote(nasty))), None);
    }

    #[test]
    fn a_copy_with_lua_text() {
        let chunk = file(
            true,
            &literal(".config/app/token"),
            Bytes::Text(&lua("os.getenv(\"TOKEN\") -- from the session")),
            Some(0o600),
            false,
        );
        assert_eq!(
            chunk,
            "am.copy{\n  target = \".config/app/token\",\n  \
             text = (os.getenv(\"TOKEN\") -- from the session\n),\n  permissions = \"0600\",\n  \
             force = false,\n}\n"
        );
        assert_eq!(check_chunk(&chunk), None);
    }

    #[test]
    fn a_link_to_a_bundle_file() {
        let target = lua("os.getenv(\"XDG_CONFIG_HOME\"):sub(#os.getenv(\"HOME\") + 2) .. \"/x\"");
        let chunk = file(false, &target, Bytes::BundleFile("0123abcd"), None, true);
        assert_eq!(
            chunk,
            "am.link{\n  target = (os.getenv(\"XDG_CONFIG_HOME\"):sub(#os.getenv(\"HOME\") + 2) \
             .. \"/x\"),\n  source = am.bundle .. \"/dynamic/0123abcd\",\n  force = true,\n}\n"
        );
        assert_eq!(check_chunk(&chunk), None);
    }

    #[test]
    fn an_exec_and_a_dconf_call() {
        let env = [("GREETING".to_string(), literal("hi")), ("X".to_string(), lua("1 + 1"))];
        let argv = [literal("/bin/sh"), literal("-c"), lua("'echo ' .. os.date()")];
        let chunk = exec(&argv, &env, Some(&lua("os.getenv('HOME')")), Some(30));
        assert_eq!(
            chunk,
            "am.exec{\n  argv = {\n    \"/bin/sh\",\n    \"-c\",\n    ('echo ' .. os.date()),\n  },\n  \
             env = {\n    [\"GREETING\"] = \"hi\",\n    [\"X\"] = (1 + 1),\n  },\n  \
             cwd = (os.getenv('HOME')),\n  timeout = 30,\n}\n"
        );
        assert_eq!(check_chunk(&chunk), None);

        let keys = [
            ("org/a".to_string(), "k".to_string(), literal("'x'")),
            ("org/a".to_string(), "l".to_string(), lua("\"uint32 \" .. 5")),
            ("org/b".to_string(), "m".to_string(), literal("true")),
        ];
        let chunk = dconf(&keys);
        assert_eq!(
            chunk,
            "am.dconf{\n  [\"org/a\"] = {\n    [\"k\"] = \"'x'\",\n    [\"l\"] = (\"uint32 \" .. 5),\n  },\n  \
             [\"org/b\"] = {\n    [\"m\"] = \"true\",\n  },\n}\n"
        );
        assert_eq!(check_chunk(&chunk), None);
    }
}
