//! Messages about `home.packages`: the profile node, and the package tree
//! whose files two packages provide. A collision is headed by the file,
//! then lists both packages with the path each would link it to, as
//! nixpkgs' `buildEnv` does, but by their names and places in the list.

use super::message::{Message, id_or_position, origin};
use crate::error::{NodeRef, PackagesError, Provider};
use crate::fields::PACKAGE_FIELDS;
use crate::nix::nix_string;

/// Renders a problem with a home's packages into `m`.
pub(super) fn render(m: &mut Message, error: &PackagesError) {
    match error {
        PackagesError::BadProfileDirectory { node, value, problem } => {
            m.node_error(node, format!("profile = {}: it {problem}", nix_string(value)));
            m.hint(
                "home.profileDirectory is the Nix profile's link: relative to the home \
                 (\".nix-profile\") or absolute",
            );
        }
        PackagesError::MalformedPackage { node, position, problem } => {
            m.node_error(node, format!("package #{position} {problem}"));
            m.hint(format!(
                "home.packages lists packages for you; a package written by hand is an \
                 attribute set with some of: {}",
                PACKAGE_FIELDS.join(", ")
            ));
        }
        PackagesError::BadTreePath { node, path, problem } => {
            m.node_error(node, format!("path {path} {problem}"));
            m.hint(
                "path is the package tree to install, a store path of its own: a \
                 derivation such as config.home.path, not a string naming one",
            );
        }
        PackagesError::SecondProfileNode { nodes } => {
            m.error(format!("{} nodes have kind profile", nodes.len()));
            for node in nodes {
                let by = node.declared_by.as_deref().map(|by| format!(" (declared by {by})"));
                m.line(format!("`{}`{}", id_or_position(node), by.unwrap_or_default()));
            }
            m.hint("list every package in home.packages: a home installs one profile entry");
        }
        PackagesError::ProfileInSystem { node } => {
            m.node_error(node, "it is in a system bundle, which has no user's profile".into());
            m.hint(
                "a system's packages are the system configuration's \
                 (environment.systemPackages); home.packages belong in a home's bundle",
            );
        }
        PackagesError::Collision { origin: from, file, first, second } => {
            m.error(format!("{}: two packages provide {file}", option(from)));
            if let Some(origin) = origin(from) {
                m.line(origin);
            }
            m.table(vec![row(first), row(second)]);
            m.hint(format!(
                "remove one of them, or let one win: the lower meta.priority wins, and \
                 (lib.hiPrio pkgs.{}) in home.packages gives that one the highest",
                first.package.name
            ));
        }
        PackagesError::NotAFolder { origin: from, package, path } => {
            m.error(format!("{}: {package} is the file {path}, not a folder", option(from)));
            if let Some(origin) = origin(from) {
                m.line(origin);
            }
            m.hint(
                "a package in home.packages is merged into one folder with the others, so it \
                 must be a folder (with bin/, share/, ...): put a single file into one, \
                 e.g. with pkgs.writeScriptBin",
            );
        }
    }
}

/// The option the packages come from, `home.packages` unless told.
fn option(origin: &NodeRef) -> &str {
    origin.declared_by.as_deref().unwrap_or("home.packages")
}

/// `hello 2.12 (element 1)  a file: /nix/store/...-hello-2.12/bin/hello`.
fn row(provider: &Provider) -> Vec<String> {
    let what = if provider.folder { "a folder" } else { "a file" };
    vec![provider.package.to_string(), format!("{what}: {}", provider.path)]
}
