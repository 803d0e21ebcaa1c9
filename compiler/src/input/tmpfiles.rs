//! The `tmpfiles` node: the target of the rules file it applies.

use super::link::read_target;
use super::reader::Reader;
use crate::lua::MaybeLua;

#[derive(Debug)]
pub struct TmpfilesInput {
    /// Normalized; `None` when missing or invalid.
    pub target: Option<String>,
}

pub(super) fn read(reader: &mut Reader) -> TmpfilesInput {
    let target = match read_target(reader, false) {
        Some(MaybeLua::Literal(target)) => Some(target),
        _ => None,
    };
    TmpfilesInput { target }
}
