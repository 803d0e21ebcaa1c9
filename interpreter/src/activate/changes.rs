//! Which files an activation changes, for `onChange` commands (exec nodes
//! with `when_changed`): decided from the bundles alone, comparing each
//! target's static entry in the previous generation's bundle with the new
//! one's, so the answer does not depend on how far the activation got.

use std::path::Path;

use am_schema::{Plan, is_within};

use super::Request;
use super::target::file_target;
use crate::content::same_static;

/// The bundles an activation goes from and to.
#[derive(Debug)]
pub struct Changes<'a> {
    plan: &'a Plan,
    /// `None` for a first activation: every file is new.
    old: Option<&'a Path>,
    new: Option<&'a Path>,
}

impl<'a> Changes<'a> {
    pub fn new(request: &'a Request) -> Changes<'a> {
        let old = request.previous.map(|previous| Path::new(&previous.bundle));
        Changes::between(request.plan, old, request.bundle)
    }

    /// The changes from the bundle `old` to `new`, whose plan is `plan`
    /// (`am diff` asks the same question an activation asks).
    pub fn between(plan: &'a Plan, old: Option<&'a Path>, new: Option<&'a Path>) -> Changes<'a> {
        Changes { plan, old, new }
    }

    /// Whether a command with these `when_changed` targets runs: always when
    /// it names none; else when a file at one of them, or inside one of them
    /// (a folder), is new or differs from the previous bundle's.
    pub fn any(&self, when_changed: &[String]) -> bool {
        if when_changed.is_empty() {
            return true;
        }
        let (Some(old), Some(new)) = (self.old, self.new) else { return true };
        self.plan.nodes.iter().filter_map(|node| file_target(&node.kind)).any(|target| {
            when_changed.iter().any(|named| is_within(target, named))
                && !same_static(old, new, target)
        })
    }
}
