//! Paths a chunk hands to the `am` API, checked by the rule the compiler
//! applies to literal ones: Lua computes them at run time, so this is their
//! only check.

/// A target relative to the home, by the rule of compiled targets
/// ([`am_schema::target`]). Lua gives it as the plan will spell it: a
/// trailing `/` is dropped, other spellings (`a//b`, `./a`) are refused with
/// the plain one, so that `am inspect` and messages show what the chunk wrote.
pub fn relative(target: &str) -> Result<String, String> {
    use am_schema::target::{TargetProblem, normalize};
    let normal = normalize(target).map_err(|problem| match problem {
        TargetProblem::Home => "is empty".to_string(),
        TargetProblem::Absolute => {
            format!("{target:?} is absolute; targets are relative to the home (am.home)")
        }
        TargetProblem::ParentComponent => {
            format!("{target:?} has `..`; write the plain path below the home")
        }
        TargetProblem::NulByte => format!("{target:?} holds a NUL byte"),
        TargetProblem::StateFolder => {
            format!("{target:?} is in activation-manager's own state folder or holds it")
        }
        TargetProblem::Tilde => format!(
            "{target:?} has a `~` component, which would be a folder named `~`; targets are \
             relative to the home already (write the path after `~/`)"
        ),
    })?;
    if normal != target.strip_suffix('/').unwrap_or(target) {
        return Err(format!("{target:?} is not written plainly; write {normal:?}"));
    }
    Ok(normal)
}

/// A path that must be absolute (a link's or a copy's source).
pub fn absolute(path: &str) -> Result<String, String> {
    if !path.starts_with('/') {
        return Err(format!(
            "{path:?} is not absolute; use am.home .. \"/\" .. path for a file in the home"
        ));
    }
    if path.contains('\0') {
        return Err(format!("{path:?} holds a NUL byte"));
    }
    Ok(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_stay_below_the_home() {
        assert_eq!(relative(".config/foo/").as_deref(), Ok(".config/foo"));
        assert_eq!(relative("a/b").as_deref(), Ok("a/b"));
        for bad in ["", "/", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/.", "~/x"] {
            assert!(relative(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(absolute("/nix/store/x").is_ok());
        assert!(absolute("x").is_err());
    }
}
