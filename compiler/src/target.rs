//! Link targets: paths relative to the home, normalized so that two spellings
//! of one path compare equal and a target can never leave the home. The rule
//! itself is the schema's ([`am_schema::target`]), which the interpreter
//! applies to targets Lua computes: one rule on both sides.

pub use am_schema::target::{TargetProblem, normalize};

/// Completes "target \"x\" ...".
pub fn describe(problem: TargetProblem) -> &'static str {
    match problem {
        TargetProblem::Absolute => "is an absolute path",
        TargetProblem::ParentComponent => "has a `..` component",
        TargetProblem::Home => "is the home itself",
        TargetProblem::NulByte => "contains a NUL byte",
        TargetProblem::StateFolder => "is in activation-manager's own state folder or holds it",
    }
}

/// Why `name` cannot name a file beside others in one folder (a backup
/// extension, a script name), if it cannot.
pub fn component_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.contains('/') {
        Some("contains a `/`")
    } else if name.contains('\0') {
        Some("contains a NUL byte")
    } else if name == "." || name == ".." {
        Some("is `.` or `..`")
    } else {
        None
    }
}

/// The folders containing a normalized target, innermost last:
/// `a/b/c` has `a` and `a/b`.
pub fn ancestors(target: &str) -> impl Iterator<Item = &str> {
    target.match_indices('/').map(|(at, _)| &target[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_ancestors_outermost_first() {
        assert_eq!(ancestors("a/b/c").collect::<Vec<_>>(), ["a", "a/b"]);
        assert_eq!(ancestors("a").count(), 0);
    }
}
