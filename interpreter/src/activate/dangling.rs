//! Links that lead to nothing: a link whose source is a file outside the
//! store (home-manager's `mkOutOfStoreSymlink`, a Lua chunk's `am.link`)
//! that does not exist. The link is made all the same, since the file may
//! come later (a checkout not cloned yet), but the activation says so
//! rather than leave a dangling link to be found by surprise.
//!
//! Store sources cannot be missing: the compiler checked them, and the
//! bundle keeps them alive, so they are not looked at. Read-only, so the
//! dry run warns too.

use std::io;
use std::path::{Path, PathBuf};

use am_schema::{Kind, Node};
use rustc_hash::FxHashSet;

use crate::quote::printable;

/// The links of `nodes` (the plan's, or those Lua created) with their
/// sources, where a source may be missing: a compiled link's source is
/// what its entry in `bundle_static` links to, unless that is in the store
/// holding the bundle. The bundle lists the entries that link outside the
/// store (`outside-sources`), and only those are read: a readlink into
/// the bundle per link would cost a third as much as making the links.
/// A bundle without the list (from an earlier `am`) has every entry read.
pub fn sources<'n>(nodes: &'n [Node], bundle_static: Option<&Path>) -> Vec<(&'n Node, PathBuf)> {
    let store = bundle_static.and_then(Path::parent).and_then(Path::parent);
    let listed = bundle_static
        .and_then(Path::parent)
        .and_then(|bundle| std::fs::read(bundle.join(am_schema::OUTSIDE_SOURCES_FILE)).ok());
    let listed: Option<FxHashSet<&[u8]>> =
        listed.as_deref().map(|list| list.split(|&byte| byte == 0).collect());
    nodes
        .iter()
        .filter_map(|node| {
            let Kind::Link(link) = &node.kind else { return None };
            let source = match &link.source {
                Some(source) => PathBuf::from(source),
                None if listed.as_ref().is_some_and(|l| !l.contains(link.target.as_bytes())) => {
                    return None;
                }
                None => std::fs::read_link(bundle_static?.join(&link.target)).ok()?,
            };
            let in_store = link.source.is_none() && store.is_some_and(|s| source.starts_with(s));
            (!in_store).then_some((node, source))
        })
        .collect()
}

/// A warning for each of the links found by [`sources`] whose source does
/// not exist once the layers ran.
pub fn warnings(sources: &[(&Node, PathBuf)], dir: &Path) -> Vec<String> {
    sources
        .iter()
        .filter(|(_, source)| missing(source))
        .filter_map(|(node, source)| {
            let Kind::Link(link) = &node.kind else { return None };
            Some(format!(
                "{} links to {}, which does not exist; the link dangles until it does \
                 (declared by {})",
                printable(&dir.join(&link.target).to_string_lossy()),
                printable(&source.to_string_lossy()),
                printable(&node.declared_by),
            ))
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
        let bundle_static = dir.join("store/bundle/static");
        std::fs::create_dir_all(&bundle_static).expect("static");
        std::fs::create_dir_all(dir.join("outside")).expect("a folder outside the store");
        std::fs::write(dir.join("outside/there"), "x").expect("a source");
        std::fs::write(bundle_static.join(".text"), "written by the compiler").expect("text");
        let link_to = |source: PathBuf, name: &str| {
            std::os::unix::fs::symlink(source, bundle_static.join(name)).expect("link");
        };
        link_to(dir.join("outside/there"), ".there");
        link_to(dir.join("outside/gone"), ".gone");
        // The store holding the bundle keeps what the bundle links to.
        link_to(dir.join("store/not-looked-at"), ".in-store");
        let nodes = [
            link("file:.text", ".text", None),
            link("file:.there", ".there", None),
            link("file:.gone", ".gone", None),
            link("file:.in-store", ".in-store", None),
            link("lua", ".lua-gone", Some("/nonexistent/am-test/source")),
        ];
        let found = sources(&nodes, Some(&bundle_static));
        let names: Vec<&str> = found.iter().map(|(node, _)| node.id.as_str()).collect();
        assert_eq!(names, ["file:.there", "file:.gone", "lua"]);
        let warnings = warnings(&found, Path::new("/home/jane"));
        assert_eq!(warnings.len(), 2, "{warnings:#?}");
        assert!(warnings[0].starts_with("/home/jane/.gone links to "), "{}", warnings[0]);
        assert!(warnings[0].ends_with("(declared by home.file.\".gone\")"), "{}", warnings[0]);
        assert!(warnings[1].contains("/nonexistent/am-test/source, which does not exist"));
        // A bundle that lists its entries linking outside the store has
        // only those read.
        std::fs::write(dir.join("store/bundle/outside-sources"), ".text\0.gone").expect("list");
        let found = sources(&nodes, Some(&bundle_static));
        let names: Vec<&str> = found.iter().map(|(node, _)| node.id.as_str()).collect();
        assert_eq!(names, ["file:.gone", "lua"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
