//! Tree nodes (`recursive = true`): a source folder to mirror at a target,
//! as links or as copies with a mode. `src/tree.rs` lists the folder and turns
//! the tree into one node per file before any other check.

use super::copy;
use super::link::read_target;
use super::reader::Reader;
use crate::error::{FieldError, FileError};
use crate::lua::MaybeLua;

#[derive(Debug)]
pub struct TreeInput {
    /// Normalized; `None` when missing or invalid.
    pub target: Option<String>,
    /// An absolute path; `None` when missing or invalid.
    pub source: Option<String>,
    /// Copies instead of links.
    pub copy: bool,
    /// The copies' mode, from `permissions`.
    pub mode: Option<u32>,
    pub force: bool,
}

/// Reads a tree. Its fields cannot be Lua values: the folder is listed
/// when the bundle is built.
pub(super) fn read(reader: &mut Reader) -> TreeInput {
    let target = read_target(reader, false).and_then(MaybeLua::into_literal);
    let source = match reader.string("source") {
        Some(source) if !source.starts_with('/') => {
            let node = reader.origin.clone();
            reader.errors.push(FieldError::RelativeSource { node, path: source }.into());
            None
        }
        Some(source) => Some(source),
        None => {
            reader.missing_unless_set("source");
            None
        }
    };
    let copy = match reader.string("mode").as_deref() {
        None | Some("link") => false,
        Some("copy") => true,
        Some(other) => {
            let (node, mode) = (reader.origin.clone(), other.to_string());
            reader.errors.push(FileError::BadTreeMode { node, mode }.into());
            false
        }
    };
    let mode = if copy {
        copy::read_mode(reader, None)
    } else {
        copy::refuse_permissions(reader);
        None
    };
    let force = reader.bool("force").unwrap_or(false);
    TreeInput { target, source, copy, mode, force }
}
