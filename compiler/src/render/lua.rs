//! Messages about Lua: syntax errors, shown with the offending line and a
//! caret under the column (like rustc and gleam do), and Lua values where
//! they cannot be.
//!
//! They are headed by the option path of the field
//! (`am.nodes.foo.argv[2]`), which is what the user wrote; the next line
//! names the node and where it was declared.

use crate::error::{LuaError, LuaSyntaxError, LuaText, NodeRef};
use crate::fields;
use crate::nix::nix_string;

use super::message::{Message, option_path, origin, subject};

/// Where Lua values may stand, for hints.
const LUA_FIELDS: &str = "target, source, text (of copies), argv, env, cwd and dconf values";

/// Renders a Lua problem into `m`.
pub(super) fn render(m: &mut Message, error: &LuaError) {
    match error {
        LuaError::EmptyScript { node } => {
            m.node_error(node, "`script` is empty".into());
            let example = fields::LUA.first().map_or("", |field| field.example);
            m.hint(format!("write the Lua code to run, e.g. {example}"));
        }
        LuaError::LuaSyntax { node, field, text, error } => {
            let LuaSyntaxError { message, line, column, .. } = error;
            match text {
                // `file:line:column:`, which editors and terminals follow.
                LuaText::ScriptFile(file) => {
                    m.error(format!("{file}:{line}:{column}: Lua syntax error: {message}"));
                    let script = option_path(node, field);
                    m.line(match origin(node) {
                        Some(origin) => {
                            format!("read into {script}, in {}, {origin}", subject(node))
                        }
                        None => format!("read into {script}, in {}", subject(node)),
                    });
                }
                _ => {
                    let at = format!("line {line}, column {column}");
                    field_error(m, node, field, format!("Lua syntax error at {at}: {message}"));
                }
            }
            snippet(m, error);
            m.hint(match text {
                LuaText::Expression => {
                    "fix the expression: a Lua value is one Lua 5.4 expression, such as \
                     os.getenv(\"HOME\") .. \"/.cache\", evaluated when the node runs"
                }
                LuaText::Script | LuaText::ScriptFile(_) => {
                    "fix the script: it must be Lua 5.4 code; it runs when the bundle is activated"
                }
            });
        }
        LuaError::LuaNotAllowed { node, field } => {
            field_error(m, node, field, "a Lua value cannot stand here".into());
            m.hint(not_allowed_hint(node, field));
        }
        LuaError::LuaSourceExecutable { node } => {
            field_error(m, node, "source", "a Lua value, yet `executable` is set".into());
            m.hint(
                "`executable` copies the source into the bundle when it is built, before Lua \
                 knows it: use a copy (mode = \"copy\";), which gets its mode when it runs, \
                 or remove `executable`",
            );
        }
        LuaError::LuaWhenChanged { node } => {
            let problem = "set on a node with Lua values, which runs as a Lua chunk".into();
            field_error(m, node, "whenChanged", problem);
            m.hint(
                "remove `whenChanged` (the command then runs on every activation), or let \
                 the command compute the value itself instead of a Lua value",
            );
        }
        LuaError::ChangedLuaTarget { node, target, owner } => {
            // Headed like the other `whenChanged` problems: the node may be
            // a file's `onChange`, which has no `whenChanged` of its own.
            let named = nix_string(target);
            m.node_error(node, format!("whenChanged = [ {named} ] names a file Lua makes"));
            m.line(format!("note: it is the target of {}, which has Lua values", subject(owner)));
            m.hint(
                "whether a file changed is decided by comparing this bundle with the previous \
                 one, and a file Lua makes is in neither: remove it from `whenChanged` (or \
                 remove the file's `onChange`)",
            );
        }
    }
}

/// `error: <option path>: <problem>`, then the node and where it was
/// declared.
fn field_error(m: &mut Message, node: &NodeRef, field: &str, problem: String) {
    m.error(format!("{}: {problem}", option_path(node, field)));
    m.line(match origin(node) {
        Some(origin) => format!("in {}, {origin}", subject(node)),
        None => format!("in {}", subject(node)),
    });
}

/// The line with the error and a caret line under it:
///
/// ```text
///   3 | local z = = 3
///     |           ^
/// ```
fn snippet(m: &mut Message, error: &LuaSyntaxError) {
    let number = error.line.to_string();
    let gutter = " ".repeat(number.len());
    // Tabs stay tabs, so the caret lines up however wide they are shown.
    let indent: String = error
        .source_line
        .chars()
        .take(error.column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    m.line(format!("{number} | {}", error.source_line).trim_end().to_string());
    m.line(format!("{gutter} | {indent}{}", "^".repeat(error.width)));
}

fn not_allowed_hint(node: &NodeRef, field: &str) -> String {
    let root = field.split(['.', '[']).next().unwrap_or(field);
    let hint = match (node.kind, root) {
        (Some("link"), "text") => {
            "use a copy (mode = \"copy\";): a link points at a file in the bundle, and Lua \
             text only exists when the node runs"
        }
        (Some("tree"), _) => {
            "recursive = true lists the source folder when the bundle is built, so its \
             fields must be plain values; to use Lua, declare the files one by one"
        }
        (_, "id" | "after" | "before") => {
            "ids order the nodes when the bundle is built: write the id as a plain string"
        }
        (_, "whenChanged") => {
            "whenChanged is resolved when the bundle is built: name the file's target as a \
             plain string"
        }
        (Some("lua"), "script") => {
            "`script` is Lua code already: write it as a plain string, without mkLuaInline"
        }
        (Some("dconf"), _) => {
            "folders and keys are fixed when the bundle is built: write them as attribute \
             sets; a key's value may be a Lua value"
        }
        _ => {
            return format!(
                "`{root}` must be known when the bundle is built: write a plain value. Lua \
                 values may stand in {LUA_FIELDS}"
            );
        }
    };
    hint.to_string()
}
