//! What a target is: a path relative to the home, normalized so that two
//! spellings of one path compare equal and a target can never leave the
//! home. The one rule the compiler applies to targets written in Nix and
//! the interpreter to targets Lua computes at run time.

/// Why a string is not a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetProblem {
    Absolute,
    ParentComponent,
    /// Empty, or only `.` and slashes: the home itself.
    Home,
    NulByte,
    /// In `am`'s own state folder (at its default place), or one of the
    /// folders holding it: that folder holds only `am`'s records.
    StateFolder,
    /// Has a `~` component: a shell's name for the home, which a target
    /// (relative to the home already) would make a folder named `~`.
    Tilde,
}

/// Where `am` keeps a home's state unless `XDG_STATE_HOME` says otherwise.
pub const STATE_FOLDER: &str = ".local/state/activation-manager";

/// Normalizes a target: drops `.` components and repeated or trailing
/// slashes. Rejects absolute paths, `..` and `~` components and the home
/// itself.
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
            "~" => return Err(TargetProblem::Tilde),
            _ => parts.push(part),
        }
    }
    if parts.is_empty() {
        return Err(TargetProblem::Home);
    }
    let target = parts.join("/");
    if crate::is_within(&target, STATE_FOLDER) || crate::is_within(STATE_FOLDER, &target) {
        return Err(TargetProblem::StateFolder);
    }
    Ok(target)
}

/// Whether `extension` may name backups `<path>.<extension>`: one file
/// name's worth beside the path, never a way to another folder.
pub fn is_backup_extension(extension: &str) -> bool {
    !extension.is_empty()
        && extension != "."
        && extension != ".."
        && !extension.contains('/')
        && !extension.contains('\0')
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
    fn rejects_a_tilde_for_the_home() {
        assert_eq!(normalize("~/.config/foo"), Err(TargetProblem::Tilde));
        assert_eq!(normalize(".config/~/foo"), Err(TargetProblem::Tilde));
        assert_eq!(normalize("~"), Err(TargetProblem::Tilde));
        assert_eq!(normalize("~foo/x"), Ok("~foo/x".into()));
        assert_eq!(normalize(".emacs~"), Ok(".emacs~".into()));
    }

    #[test]
    fn rejects_the_state_folder_and_what_holds_it() {
        for target in
            [".local/state/activation-manager/x", ".local/state/activation-manager", ".local"]
        {
            assert_eq!(normalize(target), Err(TargetProblem::StateFolder), "{target}");
        }
        assert_eq!(normalize(".local/share/x"), Ok(".local/share/x".into()));
        assert_eq!(normalize(".local/state/other"), Ok(".local/state/other".into()));
    }

    #[test]
    fn a_backup_extension_stays_beside_its_path() {
        assert!(is_backup_extension("bak"));
        assert!(is_backup_extension("hm.backup"));
        for bad in ["", ".", "..", "../x", "a/b", "/", "a\0"] {
            assert!(!is_backup_extension(bad), "{bad:?} was accepted");
        }
    }
}
