//! Messages about copies, trees, `whenChanged` and dconf settings.
//!
//! dconf problems are headed by the option path of the key
//! (`dconf.settings."org/gnome/desktop/interface".color-scheme`), which is
//! what the user wrote; the node only says where it was declared.

use crate::error::{CompileError, NodeRef, PermissionsProblem};
use crate::nix::{nix_attribute, nix_string};

use super::message::{Message, declared, option_path, origin};

const DCONF_VALUES: &str = "use true/false, an integer (an int32), a float (a double), a \
                            string, a non-empty list of one of them, or a lib.gvariant value \
                            such as (lib.gvariant.mkUint32 5)";

/// Renders the problems of this module's kinds into `m`; others are left.
pub(super) fn render(m: &mut Message, error: &CompileError) {
    match error {
        CompileError::PermissionsOnLink { node } => {
            m.node_error(node, "`permissions` is set, but a link has its source's mode".into());
            m.hint("set mode = \"copy\"; to write a copy with these permissions, or remove them");
        }
        CompileError::BadPermissions { node, value, problem } => {
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
        CompileError::PermissionsAndExecutable { node } => {
            m.node_error(node, "both `permissions` and `executable` are set".into());
            m.hint("keep `permissions`: it sets the executable bits too, e.g. \"0755\"");
        }
        CompileError::CopyOfFolder { node, path } => {
            m.node_error(node, format!("source {path} is a folder, which one copy cannot hold"));
            m.hint("set recursive = true; to copy the files in it one by one");
        }
        CompileError::BadTreeMode { node, mode } => {
            m.node_error(node, format!("mode = {} is not a mode", nix_string(mode)));
            m.hint("use mode = \"link\"; (the default) or mode = \"copy\";");
        }
        CompileError::BadTreeSource { node, path, missing: true } => {
            m.node_error(node, format!("source {path} does not exist"));
            m.hint(
                "recursive = true lists the folder when the bundle is built: refer to it as a \
                 Nix path (source = ./dir;), which Nix copies into the store",
            );
        }
        CompileError::BadTreeSource { node, path, missing: false } => {
            m.node_error(node, format!("source {path} is a file, not a folder"));
            m.hint("remove recursive = true; a file is linked (or copied) as it is");
        }
        CompileError::UnknownChangedTarget { node, target, suggestion } => {
            let named = nix_string(target);
            m.node_error(node, format!("whenChanged = [ {named} ] names no managed file"));
            m.hint(match suggestion {
                Some(s) => {
                    format!("did you mean {}? It names a link or copy target", nix_string(s))
                }
                None => "name the target of a link or copy node, or a folder holding some".into(),
            });
        }
        CompileError::BadDconfPath { node, dir, problem } => {
            dconf_error(m, node, dir, None, format!("the folder {problem}"));
            m.hint("write a folder like \"org/gnome/desktop/interface\": no slash at either end");
        }
        CompileError::BadDconfKey { node, dir, key, problem } => {
            dconf_error(m, node, dir, Some(key), format!("the key name {problem}"));
            m.hint("a key is a plain name inside its folder; put any `/` part into the folder");
        }
        CompileError::BadDconfValue { node, dir, key, problem, hint } => {
            dconf_error(m, node, dir, Some(key), format!("the value {problem}"));
            m.hint(hint.as_deref().unwrap_or(DCONF_VALUES));
        }
        CompileError::DconfKeyConflict { path, nodes } => {
            m.error(format!("{} dconf nodes set the key {path}", nodes.len()));
            m.table(nodes.iter().map(|n| vec![declared(n)]).collect());
            m.hint("keep one of them: a key has one value");
        }
        _ => {}
    }
}

/// `error: dconf.settings."org/x".key: <problem>`, then where it was declared.
fn dconf_error(m: &mut Message, node: &NodeRef, dir: &str, key: Option<&str>, problem: String) {
    let mut field = format!("settings.{}", nix_attribute(dir));
    if let Some(key) = key {
        field = format!("{field}.{}", nix_attribute(key));
    }
    m.error(format!("{}: {problem}", option_path(node, &field)));
    if let Some(origin) = origin(node) {
        m.line(origin);
    }
}
