//! The `profile` node (`home.packages`): the Nix profile it installs into,
//! the store path of the merged package tree, and the packages in it, for
//! `am diff`, dry runs and reports. That there is one such node per bundle
//! is checked in `src/conflicts.rs`; that the tree exists, in
//! `src/source.rs`.

use am_schema::Package;
use serde_json::{Map, Value};

use super::reader::Reader;
use super::units::{string, string_list};
use crate::error::{CompileError, NodeRef, PackagesError};
use crate::fields::PACKAGE_FIELDS;
use crate::nix::describe_value;
use crate::target;

/// Where a profile goes unless the node says: Nix's own link in the home.
pub const DEFAULT_PROFILE: &str = ".nix-profile";

#[derive(Debug)]
pub struct ProfileInput {
    /// Normalized: relative to the home like a target, or absolute.
    pub profile: Option<String>,
    /// The tree's store path, as given (checked by `src/source.rs`).
    pub path: Option<String>,
    /// Sorted by name, then version.
    pub packages: Vec<Package>,
}

pub(super) fn read(reader: &mut Reader) -> ProfileInput {
    let raw = reader.string("profile").unwrap_or_else(|| DEFAULT_PROFILE.to_string());
    let profile = match profile_problem(&raw) {
        Ok(profile) => Some(profile),
        Err(problem) => {
            let node = reader.origin.clone();
            reader
                .errors
                .push(PackagesError::BadProfileDirectory { node, value: raw, problem }.into());
            None
        }
    };
    let path = reader.string("path");
    if path.is_none() {
        reader.missing_unless_set("path");
    }
    let packages = match reader.get("packages") {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let (node, errors) = (&reader.origin, &mut *reader.errors);
            let mut packages: Vec<Package> = items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| read_package(node, index + 1, item, errors))
                .collect();
            packages.sort();
            packages
        }
        Some(other) => {
            reader.mismatch("packages", other, None);
            Vec::new()
        }
    };
    ProfileInput { profile, path, packages }
}

/// The profile directory normalized, or why it cannot be one: an absolute
/// path, or a path inside the home.
fn profile_problem(raw: &str) -> Result<String, &'static str> {
    if let Some(rest) = raw.strip_prefix('/') {
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        if raw.contains('\0') {
            return Err("contains a NUL byte");
        }
        if parts.contains(&"..") {
            return Err("has a `..` component");
        }
        if parts.is_empty() {
            return Err("is the root folder");
        }
        return Ok(format!("/{}", parts.join("/")));
    }
    target::normalize(raw).map_err(target::describe)
}

/// One entry of `packages`: `{ name, version, outputs }`.
fn read_package(
    node: &NodeRef,
    position: usize,
    item: &Value,
    errors: &mut Vec<CompileError>,
) -> Option<Package> {
    let malformed =
        |problem: String| PackagesError::MalformedPackage { node: node.clone(), position, problem };
    let Value::Object(object) = item else {
        errors.push(malformed(format!("is {}, not an attribute set", describe_value(item))).into());
        return None;
    };
    let mut problems = unknown_fields(object);
    let name = string(object, "name", &mut problems);
    let version = string(object, "version", &mut problems).unwrap_or_default();
    let outputs = string_list(object, "outputs", &mut problems);
    if name.is_none() && object.get("name").is_none_or(Value::is_null) {
        problems.push("has no `name`".to_string());
    }
    let found = problems.len();
    errors.extend(problems.into_iter().map(|problem| CompileError::from(malformed(problem))));
    let mut outputs = outputs;
    outputs.sort();
    match name {
        Some(name) if found == 0 => Some(Package { name, version, outputs }),
        _ => None,
    }
}

fn unknown_fields(object: &Map<String, Value>) -> Vec<String> {
    object
        .keys()
        .filter(|key| !PACKAGE_FIELDS.contains(&key.as_str()))
        .map(|key| format!("has an unknown field `{key}`"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_is_inside_the_home_or_absolute() {
        assert_eq!(profile_problem(".nix-profile"), Ok(".nix-profile".into()));
        assert_eq!(
            profile_problem("./.local//state/nix/profile/"),
            Ok(".local/state/nix/profile".into())
        );
        assert_eq!(
            profile_problem("/nix/var//nix/profiles/per-user/me/profile"),
            Ok("/nix/var/nix/profiles/per-user/me/profile".into())
        );
        assert!(profile_problem("../elsewhere").is_err());
        assert!(profile_problem("/a/../b").is_err());
        assert!(profile_problem("/").is_err());
        assert!(profile_problem("").is_err());
    }
}
