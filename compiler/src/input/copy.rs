//! The mode of a copy node: `permissions` (an octal string such as `"0600"`)
//! or `executable`, checked here so that a typo fails the build with the
//! option that has it, not the activation.

use super::reader::Reader;
use crate::error::{CompileError, FieldError, FileError, PermissionsProblem, SystemError};

/// The mode a copy node asks for; `None` leaves it to the source's
/// executable bit (`0755` or `0644`).
pub(super) fn read_mode(reader: &mut Reader, executable: Option<bool>) -> Option<u32> {
    let permissions = reader.string("permissions");
    match (permissions, executable) {
        (Some(_), Some(_)) => {
            let node = reader.origin.clone();
            reader.errors.push(FileError::PermissionsAndExecutable { node }.into());
            None
        }
        (Some(value), None) => match parse_permissions(&value) {
            Ok(mode) => Some(mode),
            Err(problem) => {
                let node = reader.origin.clone();
                reader.errors.push(FileError::BadPermissions { node, value, problem }.into());
                None
            }
        },
        (None, executable) => executable.map(|executable| if executable { 0o755 } else { 0o644 }),
    }
}

/// A copy's `owner` or `group`: a user or group name as `useradd` accepts
/// it, or `+<id>` (NixOS's `environment.etc.<n>.user` spelling).
pub(super) fn read_owner(reader: &mut Reader, field: &'static str) -> Option<String> {
    let value = reader.string(field)?;
    if is_account_name(&value) || value.strip_prefix('+').is_some_and(is_number) {
        return Some(value);
    }
    let node = reader.origin.clone();
    reader.errors.push(SystemError::BadOwner { node, field, value }.into());
    None
}

/// A user or group name: what `useradd` and `groupadd` take by default
/// (a letter or `_` first, then letters, digits, `_`, `-`, a final `$`).
pub(crate) fn is_account_name(name: &str) -> bool {
    let body = name.strip_suffix('$').unwrap_or(name);
    let mut chars = body.chars();
    name.len() <= 32
        && chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.len() <= 10 && text.chars().all(|c| c.is_ascii_digit())
}

/// Reports `permissions` on a node that makes links: a link has no mode of
/// its own. On a link node the field is unknown, and was reported as such;
/// this says it better, so it replaces that report.
pub(super) fn refuse_permissions(reader: &mut Reader) {
    if reader.is_set("permissions") {
        let node = reader.origin.clone();
        reader.errors.retain(|error| {
            !matches!(error, CompileError::Field(FieldError::UnknownField { node: n, field, .. })
                if field == "permissions" && *n == node)
        });
        reader.errors.push(FileError::PermissionsOnLink { node }.into());
    }
}

/// `"644"`, `"0644"` or `"0o644"` into `0o644`. Special bits are refused
/// (a setuid copy in a home is never what anyone wants), and so is a mode
/// that keeps the owner from reading the file: `am` reads a copy to tell
/// whether the user edited it.
fn parse_permissions(text: &str) -> Result<u32, PermissionsProblem> {
    let digits = text.strip_prefix("0o").unwrap_or(text);
    let octal = matches!(digits.len(), 3 | 4) && digits.bytes().all(|b| (b'0'..=b'7').contains(&b));
    let mode = u32::from_str_radix(digits, 8).ok().filter(|_| octal);
    match mode {
        None => Err(PermissionsProblem::NotOctal),
        Some(mode) if mode > 0o777 => Err(PermissionsProblem::SpecialBits),
        Some(mode) if mode & 0o400 == 0 => Err(PermissionsProblem::OwnerCannotRead),
        Some(mode) => Ok(mode),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_three_or_four_octal_digits() {
        assert_eq!(parse_permissions("0600"), Ok(0o600));
        assert_eq!(parse_permissions("644"), Ok(0o644));
        assert_eq!(parse_permissions("0o755"), Ok(0o755));
        assert_eq!(parse_permissions("rw-r--r--"), Err(PermissionsProblem::NotOctal));
        assert_eq!(parse_permissions("0688"), Err(PermissionsProblem::NotOctal));
        assert_eq!(parse_permissions("64"), Err(PermissionsProblem::NotOctal));
        assert_eq!(parse_permissions("+644"), Err(PermissionsProblem::NotOctal));
        assert_eq!(parse_permissions("4755"), Err(PermissionsProblem::SpecialBits));
        assert_eq!(parse_permissions("0200"), Err(PermissionsProblem::OwnerCannotRead));
    }
}
