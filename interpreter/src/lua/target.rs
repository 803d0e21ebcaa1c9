//! Paths a chunk hands to the `am` API, checked like the compiler checks
//! literal ones: Lua computes them at run time, so this is their only check.

/// A target relative to the home, as the plan spells targets: no leading
/// `/`, no empty, `.` or `..` component. A trailing `/` is dropped.
pub fn relative(target: &str) -> Result<String, String> {
    let trimmed = target.strip_suffix('/').unwrap_or(target);
    if trimmed.is_empty() {
        return Err("is empty".into());
    }
    if trimmed.starts_with('/') {
        return Err(format!("{trimmed:?} is absolute; targets are relative to the home (am.home)"));
    }
    if trimmed.contains('\0') {
        return Err(format!("{trimmed:?} holds a NUL byte"));
    }
    if let Some(part) = trimmed.split('/').find(|part| matches!(*part, "" | "." | "..")) {
        let what =
            if part.is_empty() { "an empty part (`//`)".into() } else { format!("`{part}`") };
        return Err(format!("{trimmed:?} has {what}; write the plain path below the home"));
    }
    Ok(trimmed.to_string())
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
        for bad in ["", "/", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/."] {
            assert!(relative(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(absolute("/nix/store/x").is_ok());
        assert!(absolute("x").is_err());
    }
}
