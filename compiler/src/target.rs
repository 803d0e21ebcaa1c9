//! Link targets: paths relative to the home, normalized so that two spellings
//! of one path compare equal and a target can never leave the home.

use crate::error::TargetProblem;

/// Why `name` cannot name a file beside others in one folder (a backup
/// extension, a script name), if it cannot.
pub fn component_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.contains('/') {
        Some("contains a `/`")
    } else if name.contains('\0') {
        Some("contains a NUL byte")
    } else {
        None
    }
}

/// Normalizes a target: drops `.` components and repeated or trailing
/// slashes. Rejects absolute paths, `..` components and the home itself.
///
/// `..` is rejected rather than resolved: `a/../b` is almost certainly a
/// mistake, and resolving it would let two differently spelled targets
/// silently be one.
pub fn normalize(target: &str) -> Result<String, TargetProblem> {
    if target.contains('\0') {
        return Err(TargetProblem::NulByte);
    }
    if target.starts_with('/') {
        return Err(TargetProblem::Absolute);
    }
    let mut parts = Vec::new();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(TargetProblem::ParentComponent),
            _ => parts.push(part),
        }
    }
    if parts.is_empty() {
        return Err(TargetProblem::Home);
    }
    Ok(parts.join("/"))
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
    fn normalizes_dots_and_slashes() {
        assert_eq!(normalize(".config//git/./config/"), Ok(".config/git/config".into()));
        assert_eq!(normalize("./a"), Ok("a".into()));
        assert_eq!(normalize("a"), Ok("a".into()));
        assert_eq!(normalize("..."), Ok("...".into()));
        assert_eq!(normalize(".hidden/..x"), Ok(".hidden/..x".into()));
    }

    #[test]
    fn rejects_paths_outside_the_home() {
        assert_eq!(normalize("/etc/passwd"), Err(TargetProblem::Absolute));
        assert_eq!(normalize("a/../../b"), Err(TargetProblem::ParentComponent));
        assert_eq!(normalize("a/.."), Err(TargetProblem::ParentComponent));
        assert_eq!(normalize(""), Err(TargetProblem::Home));
        assert_eq!(normalize("./"), Err(TargetProblem::Home));
        assert_eq!(normalize("//"), Err(TargetProblem::Absolute));
        assert_eq!(normalize("a\0b"), Err(TargetProblem::NulByte));
    }

    #[test]
    fn lists_ancestors_outermost_first() {
        assert_eq!(ancestors("a/b/c").collect::<Vec<_>>(), ["a", "a/b"]);
        assert_eq!(ancestors("a").count(), 0);
    }
}
