//! Link and copy nodes: a `target` in the home and its content, a `source`
//! path or a `text`. A copy has a link's fields and a mode besides (read in
//! [`super::copy`]); either may have Lua values, except where a link needs a
//! file in the bundle.

use super::copy;
use super::reader::Reader;
use crate::error::{FieldError, LuaError};
use crate::lua::MaybeLua;
use crate::target;

#[derive(Debug)]
pub struct LinkInput {
    /// Normalized when literal; `None` when missing or invalid.
    pub target: Option<MaybeLua>,
    /// `None` unless exactly one of `source` and `text` is set.
    pub content: Option<Content>,
    pub executable: Option<bool>,
    pub force: bool,
    /// A copy's permission bits, when `permissions` or `executable` set them.
    pub mode: Option<u32>,
    /// A copy's owner and group (system bundles only): a name or `+<id>`.
    pub owner: Option<String>,
    pub group: Option<String>,
}

#[derive(Debug)]
pub enum Content {
    Text(MaybeLua),
    /// An absolute path (a literal one is checked to be).
    Source(MaybeLua),
}

impl Content {
    pub fn value(&self) -> &MaybeLua {
        match self {
            Content::Text(value) | Content::Source(value) => value,
        }
    }
}

/// The `target`, normalized when literal, reporting a missing or invalid
/// one. With `allow_lua`, it may be a Lua value, which cannot be checked
/// before it runs.
pub(super) fn read_target(reader: &mut Reader, allow_lua: bool) -> Option<MaybeLua> {
    let target = if allow_lua {
        reader.text("target")
    } else {
        reader.string("target").map(MaybeLua::Literal)
    };
    match target {
        Some(MaybeLua::Literal(raw)) => match target::normalize(&raw) {
            Ok(target) => Some(MaybeLua::Literal(target)),
            Err(problem) => {
                let node = reader.origin.clone();
                reader.errors.push(FieldError::BadTarget { node, target: raw, problem }.into());
                None
            }
        },
        Some(lua) => Some(lua),
        None => {
            reader.missing_unless_set("target");
            None
        }
    }
}

/// A link node, or with `copy` a copy node (which turns `executable` and
/// `permissions` into a mode).
pub(super) fn read(reader: &mut Reader, copy: bool) -> LinkInput {
    let target = read_target(reader, true);
    let source = reader.text("source");
    let mut text = reader.text("text");
    let mut executable = reader.bool("executable");
    let force = reader.bool("force").unwrap_or(false);
    let (mut owner, mut group) = (None, None);
    let mode = if copy {
        owner = copy::read_owner(reader, "owner");
        group = copy::read_owner(reader, "group");
        copy::read_mode(reader, executable.take())
    } else {
        copy::refuse_permissions(reader);
        refuse_lua_in_link(reader, &mut text, source.as_ref(), executable);
        None
    };
    // A mistyped field still counts as set: "both" or "neither" would only
    // repeat the type error in other words.
    let content = match (reader.is_set("source"), reader.is_set("text")) {
        (true, true) => {
            reader.errors.push(FieldError::SourceAndText { node: reader.origin.clone() }.into());
            None
        }
        (false, false) => {
            if !reader.is_misspelled("source") && !reader.is_misspelled("text") {
                reader.errors.push(FieldError::NoContent { node: reader.origin.clone() }.into());
            }
            None
        }
        _ => match (source, text) {
            (Some(MaybeLua::Literal(source)), _) if !source.starts_with('/') => {
                let node = reader.origin.clone();
                reader.errors.push(FieldError::RelativeSource { node, path: source }.into());
                None
            }
            (Some(source), _) => Some(Content::Source(source)),
            (_, Some(text)) => Some(Content::Text(text)),
            (None, None) => None,
        },
    };
    LinkInput { target, content, executable, force, mode, owner, group }
}

/// What a link cannot do with Lua: point at Lua text (a link needs a file
/// in the bundle; `text` is dropped once reported), or make the mode
/// `executable` asks for of a source that is only known when it runs.
fn refuse_lua_in_link(
    reader: &mut Reader,
    text: &mut Option<MaybeLua>,
    source: Option<&MaybeLua>,
    executable: Option<bool>,
) {
    if text.as_ref().is_some_and(MaybeLua::is_lua) {
        let node = reader.origin.clone();
        reader.errors.push(LuaError::LuaNotAllowed { node, field: "text".into() }.into());
        *text = None;
    }
    if executable.is_some() && source.is_some_and(MaybeLua::is_lua) {
        let node = reader.origin.clone();
        reader.errors.push(LuaError::LuaSourceExecutable { node }.into());
    }
}
