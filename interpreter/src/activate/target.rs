//! What a node puts in the home: the targets of the file kinds.

use am_schema::Kind;

/// The target (relative to the home) of a link or copy node.
pub fn file_target(kind: &Kind) -> Option<&str> {
    match kind {
        Kind::Link(link) => Some(&link.target),
        Kind::Copy(copy) => Some(&copy.target),
        _ => None,
    }
}
