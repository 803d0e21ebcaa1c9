//! Messages about links, copies and trees: their sources and modes.

use super::message::Message;
use crate::error::{FileError, PermissionsProblem};
use crate::nix::nix_string;

/// Renders a problem with a link, copy or tree into `m`.
pub(super) fn render(m: &mut Message, error: &FileError) {
    match error {
        FileError::MissingSource { node, path: source, in_store: true } => {
            m.node_error(node, format!("source {source} does not exist"));
            m.hint(
                "refer to the source as a Nix path or a package, not a string: only \
                 then does Nix build it before this bundle",
            );
        }
        FileError::MissingSource { node, path: source, in_store: false } => {
            m.node_error(node, format!("source {source} does not exist or cannot be read"));
            m.hint(
                "`executable` copies the source into the bundle, so the build must read it: \
                 use a Nix path (source = ./file;), or leave `executable` unset to link to it",
            );
        }
        FileError::ExecutableDirectory { node, path: source, executable } => {
            m.node_error(
                node,
                format!("executable = {executable}, but source {source} is a folder"),
            );
            m.hint("remove `executable`: a folder is linked as it is, its files keep their modes");
        }
        FileError::PermissionsOnLink { node } => {
            m.node_error(node, "`permissions` is set, but a link has its source's mode".into());
            m.hint("set mode = \"copy\"; to write a copy with these permissions, or remove them");
        }
        FileError::BadPermissions { node, value, problem } => {
            let value = nix_string(value);
            m.node_error(node, format!("permissions = {value}: {}", problem.describe()));
            m.hint(match problem {
                PermissionsProblem::NotOctal => {
                    "write the mode in octal, e.g. permissions = \"0600\";"
                }
                PermissionsProblem::SpecialBits => "drop the leading digit: at most \"0777\"",
                PermissionsProblem::OwnerCannotRead => {
                    "let the owner read it (e.g. \"0600\"): am reads a copy to notice your edits"
                }
            });
        }
        FileError::PermissionsAndExecutable { node } => {
            m.node_error(node, "both `permissions` and `executable` are set".into());
            m.hint("keep `permissions`: it sets the executable bits too, e.g. \"0755\"");
        }
        FileError::CopyOfFolder { node, path } => {
            m.node_error(node, format!("source {path} is a folder, which one copy cannot hold"));
            m.hint("set recursive = true; to copy the files in it one by one");
        }
        FileError::BadTreeMode { node, mode } => {
            m.node_error(node, format!("mode = {} is not a mode", nix_string(mode)));
            m.hint("use mode = \"link\"; (the default) or mode = \"copy\";");
        }
        FileError::BadTreeSource { node, path, missing: true } => {
            m.node_error(node, format!("source {path} does not exist"));
            m.hint(
                "recursive = true lists the folder when the bundle is built: refer to it as a \
                 Nix path (source = ./dir;), which Nix copies into the store",
            );
        }
        FileError::BadTreeSource { node, path, missing: false } => {
            m.node_error(node, format!("source {path} is a file, not a folder"));
            m.hint("remove recursive = true; a file is linked (or copied) as it is");
        }
    }
}
