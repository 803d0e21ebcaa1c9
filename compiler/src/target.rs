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
        TargetProblem::Tilde => "has a `~` component, which would be a folder named `~`",
    }
}

/// What a target with a `~` component was meant to be, and the folder the
/// option puts its names in (`""` for the home): the path after the last
/// `~/`, without that folder if the user wrote it again
/// (`xdg.configFile."~/.config/git/config"` is `.config/~/.config/git/config`,
/// meant as `git/config` in `.config`). `None` when nothing follows the `~`.
pub fn without_tilde(target: &str) -> Option<(String, String)> {
    let (folder, after) = match target.rsplit_once("/~/") {
        Some((folder, after)) => (folder.to_string(), after),
        None => (String::new(), target.strip_prefix("~/")?),
    };
    let repeated = after.strip_prefix(folder.as_str()).and_then(|rest| rest.strip_prefix('/'));
    let meant = repeated.unwrap_or(after).trim_matches('/');
    (!meant.is_empty()).then(|| (meant.to_string(), folder))
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
    fn a_tilde_is_taken_off_with_what_the_option_adds() {
        let meant =
            |target| without_tilde(target).map(|(meant, folder)| format!("{folder}|{meant}"));
        assert_eq!(meant("~/.config/foo").as_deref(), Some("|.config/foo"));
        assert_eq!(meant(".config/~/.config/git/config").as_deref(), Some(".config|git/config"));
        assert_eq!(meant(".config/~/git/config").as_deref(), Some(".config|git/config"));
        assert_eq!(meant(".config/~/.configure").as_deref(), Some(".config|.configure"));
        assert_eq!(meant("~"), None);
        assert_eq!(meant("~/"), None);
    }

    #[test]
    fn lists_ancestors_outermost_first() {
        assert_eq!(ancestors("a/b/c").collect::<Vec<_>>(), ["a", "a/b"]);
        assert_eq!(ancestors("a").count(), 0);
    }
}
