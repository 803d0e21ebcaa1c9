//! Messages about dconf settings. They are headed by the option path of
//! the key (`dconf.settings."org/gnome/desktop/interface".color-scheme`),
//! which is what the user wrote; the node only says where it was declared.

use super::message::{Message, declared, option_path, origin};
use crate::error::{DconfError, NodeRef};
use crate::nix::nix_attribute;

const DCONF_VALUES: &str = "use true/false, an integer (an int32), a float (a double), a \
                            string, a non-empty list of one of them, or a lib.gvariant value \
                            such as (lib.gvariant.mkUint32 5)";

/// Renders a problem with dconf settings into `m`.
pub(super) fn render(m: &mut Message, error: &DconfError) {
    match error {
        DconfError::BadDconfPath { node, dir, problem } => {
            dconf_error(m, node, dir, None, format!("the folder {problem}"));
            m.hint("write a folder like \"org/gnome/desktop/interface\": no slash at either end");
        }
        DconfError::BadDconfKey { node, dir, key, problem } => {
            dconf_error(m, node, dir, Some(key), format!("the key name {problem}"));
            m.hint("a key is a plain name inside its folder; put any `/` part into the folder");
        }
        DconfError::BadDconfValue { node, dir, key, problem, hint } => {
            dconf_error(m, node, dir, Some(key), format!("the value {problem}"));
            m.hint(hint.as_deref().unwrap_or(DCONF_VALUES));
        }
        DconfError::DconfKeyConflict { path, nodes } => {
            m.error(format!("{} dconf nodes set the key {path}", nodes.len()));
            m.table(nodes.iter().map(|n| vec![declared(n)]).collect());
            m.hint("keep one of them: a key has one value");
        }
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
