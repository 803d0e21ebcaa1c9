//! systemd unit names, checked the way systemd's `unit_name_is_valid` does,
//! so that a name the manager would refuse fails the build instead of the
//! activation.

/// The unit types systemd knows, sorted: the suffix after a name's last `.`.
pub const UNIT_TYPES: &[&str] = &[
    "automount",
    "device",
    "mount",
    "path",
    "scope",
    "service",
    "slice",
    "socket",
    "swap",
    "target",
    "timer",
];

/// systemd's `UNIT_NAME_MAX` is 256 bytes with the terminating NUL.
pub const MAX_LEN: usize = 255;

/// What a valid name names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameForm {
    /// `foo.service`
    Plain,
    /// `foo@.service`: only instances of it can run.
    Template,
    /// `foo@bar.service`
    Instance,
}

/// Why a name is not a valid unit name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong(usize),
    /// No `.` with a unit type after it.
    NoSuffix,
    UnknownSuffix(String),
    /// A character systemd does not allow, the first one found.
    BadChar(char),
    /// Nothing before the `@` (or before the suffix).
    NoPrefix,
    /// A template where a unit that can be active is needed.
    Template,
}

impl NameProblem {
    /// Completes "`<name>` ...".
    pub fn describe(&self) -> String {
        match self {
            NameProblem::Empty => "is empty".into(),
            NameProblem::TooLong(len) => {
                format!("is {len} bytes long, more than the {MAX_LEN} systemd allows")
            }
            NameProblem::NoSuffix => "has no unit type suffix such as `.service`".into(),
            NameProblem::UnknownSuffix(suffix) => format!("has the unknown unit type `.{suffix}`"),
            NameProblem::BadChar(c) => {
                format!("contains {}, which systemd does not allow", show(*c))
            }
            NameProblem::NoPrefix => "has nothing before its `@` or type suffix".into(),
            NameProblem::Template => {
                "is a template (nothing between `@` and the type), which cannot be active".into()
            }
        }
    }
}

/// Checks a unit name; templates are valid names.
pub fn check(name: &str) -> Result<NameForm, NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if name.len() > MAX_LEN {
        return Err(NameProblem::TooLong(name.len()));
    }
    let Some((stem, suffix)) = name.rsplit_once('.') else {
        return Err(NameProblem::NoSuffix);
    };
    if !UNIT_TYPES.contains(&suffix) {
        return Err(if suffix.is_empty() {
            NameProblem::NoSuffix
        } else {
            NameProblem::UnknownSuffix(suffix.to_string())
        });
    }
    if let Some(c) = stem.chars().find(|&c| !allowed(c)) {
        return Err(NameProblem::BadChar(c));
    }
    match stem.split_once('@') {
        _ if stem.is_empty() => Err(NameProblem::NoPrefix),
        None => Ok(NameForm::Plain),
        Some(("", _)) => Err(NameProblem::NoPrefix),
        Some((_, "")) => Ok(NameForm::Template),
        Some(_) => Ok(NameForm::Instance),
    }
}

/// Checks a name that must be able to be active: a target that wants a
/// unit, or a unit something wants.
pub fn check_startable(name: &str) -> Result<NameForm, NameProblem> {
    match check(name)? {
        NameForm::Template => Err(NameProblem::Template),
        form => Ok(form),
    }
}

/// systemd's `VALID_CHARS_WITH_AT`.
fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || ":-_.\\@".contains(c)
}

fn show(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '/' => "a `/`".into(),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        c => format!("`{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(check("foo.service"), Ok(NameForm::Plain));
        assert_eq!(check("foo.service.service"), Ok(NameForm::Plain));
        assert_eq!(check("foo@.service"), Ok(NameForm::Template));
        assert_eq!(check("foo@bar.service"), Ok(NameForm::Instance));
        // Only the first `@` separates; systemd allows more in the instance.
        assert_eq!(check("foo@a@b.timer"), Ok(NameForm::Instance));
        assert_eq!(check("a:b-c_d.e\\x2d.socket"), Ok(NameForm::Plain));
    }

    #[test]
    fn problems() {
        assert_eq!(check(""), Err(NameProblem::Empty));
        assert_eq!(check("default"), Err(NameProblem::NoSuffix));
        assert_eq!(check("foo."), Err(NameProblem::NoSuffix));
        assert_eq!(check("default.targte"), Err(NameProblem::UnknownSuffix("targte".into())));
        assert_eq!(check("foo bar.service"), Err(NameProblem::BadChar(' ')));
        assert_eq!(check("a/b.service"), Err(NameProblem::BadChar('/')));
        assert_eq!(check("@x.service"), Err(NameProblem::NoPrefix));
        assert_eq!(check(".service"), Err(NameProblem::NoPrefix));
        let long = format!("{}.service", "x".repeat(250));
        assert_eq!(check(&long), Err(NameProblem::TooLong(258)));
        assert_eq!(check_startable("foo@.service"), Err(NameProblem::Template));
        assert_eq!(check_startable("foo@x.service"), Ok(NameForm::Instance));
    }
}
