//! Links that lead to nothing: a link whose source is a file outside the
//! store (home-manager's `mkOutOfStoreSymlink`, a Lua chunk's `am.link`)
//! that does not exist. The link is made all the same, since the file may
//! come later (a checkout not cloned yet), but the activation says so
//! rather than leave a dangling link to be found by surprise.
//!
//! Store sources cannot be missing: the compiler checked them, and the
//! bundle keeps them alive. Read-only, so the dry run warns too.

use std::io;
use std::path::{Path, PathBuf};

use am_schema::{Kind, Node};

use crate::quote::printable;

/// A warning for each link of `nodes` (the plan's, then those Lua
/// created) whose source does not exist once the layers ran. A compiled
/// link's source is what its entry in `bundle_static` links to.
pub fn warnings(nodes: &[Node], bundle_static: Option<&Path>, dir: &Path) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|node| {
            let Kind::Link(link) = &node.kind else { return None };
            let source = match &link.source {
                Some(source) => PathBuf::from(source),
                None => std::fs::read_link(bundle_static?.join(&link.target)).ok()?,
            };
            missing(&source).then(|| {
                format!(
                    "{} links to {}, which does not exist; the link dangles until it does \
                     (declared by {})",
                    printable(&dir.join(&link.target).to_string_lossy()),
                    printable(&source.to_string_lossy()),
                    printable(&node.declared_by),
                )
            })
        })
        .collect()
}

/// Whether `source`, an absolute path, leads to nothing (following links).
/// A source that cannot be looked at (a folder without permission) may
/// well exist: only "not found" counts.
fn missing(source: &Path) -> bool {
    source.is_absolute()
        && std::fs::metadata(source).is_err_and(|error| error.kind() == io::ErrorKind::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(id: &str, target: &str, source: Option<&str>) -> Node {
        Node {
            id: id.to_string(),
            declared_by: format!("home.file.\"{target}\""),
            required: true,
            after: Vec::new(),
            kind: Kind::Link(am_schema::Link {
                target: target.to_string(),
                force: false,
                source: source.map(str::to_string),
            }),
        }
    }

    #[test]
    fn only_links_to_missing_files_are_named() {
        let dir = std::env::temp_dir().join(format!("am-dangling-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let bundle_static = dir.join("static");
        std::fs::create_dir_all(&bundle_static).expect("static");
        std::fs::write(dir.join("there"), "x").expect("a source");
        std::fs::write(bundle_static.join(".text"), "written by the compiler").expect("text");
        std::os::unix::fs::symlink(dir.join("there"), bundle_static.join(".there")).expect("link");
        std::os::unix::fs::symlink(dir.join("gone"), bundle_static.join(".gone")).expect("link");
        let nodes = [
            link("file:.text", ".text", None),
            link("file:.there", ".there", None),
            link("file:.gone", ".gone", None),
            link("lua", ".lua-gone", Some("/nonexistent/am-test/source")),
        ];
        let warnings = warnings(&nodes, Some(&bundle_static), Path::new("/home/jane"));
        assert_eq!(warnings.len(), 2, "{warnings:#?}");
        assert!(warnings[0].starts_with("/home/jane/.gone links to "), "{}", warnings[0]);
        assert!(warnings[0].ends_with("(declared by home.file.\".gone\")"), "{}", warnings[0]);
        assert!(warnings[1].contains("/nonexistent/am-test/source, which does not exist"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
