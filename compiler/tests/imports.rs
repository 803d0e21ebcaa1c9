//! The compiler's modules import each other one way only (ARCHITECTURE.md,
//! `compiler/`): no module reaches, through the modules it names, a module
//! that names it. Read from the source text, the way rust-analyzer's tidy
//! tests read theirs: `use` trees, `crate::`/`super::` paths in code, and
//! the children a module declares and names. Unit tests are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each module of `src/` (`input::link`; the crate root is `""`) with the
/// modules it names.
type Imports = BTreeMap<String, BTreeSet<String>>;

#[test]
fn no_compiler_module_imports_one_that_imports_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let imports = imports(&read_modules(&src));
    // A sanity check on the reading: these edges exist, so a parser that
    // found nothing cannot pass for one that found no loop.
    for (from, to) in [("input::link", "input::reader"), ("lower", "graph"), ("render", "error")] {
        assert!(imports[from].contains(to), "{from} imports {to}; found {:?}", imports[from]);
    }
    if let Some(cycle) = find_cycle(&imports) {
        panic!(
            "these compiler modules import each other in a loop: {}\nmove what they share \
             into a module that imports neither (as nix.rs, unit_name.rs or render/message.rs)",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn a_loop_through_a_use_tree_a_path_and_a_child_is_found() {
    let modules = BTreeMap::from([
        (String::new(), "mod a;\nmod b;\n".to_string()),
        ("a".to_string(), "mod kid;\npub struct T;\nfn f() { kid::g() }\n".to_string()),
        ("a::kid".to_string(), "use crate::{b::{self, X}, c};\n".to_string()),
        ("b".to_string(), "fn f() -> crate::a::T { crate::a::T }\n".to_string()),
        ("c".to_string(), "// use crate::a;\nuse super::b as _;\n".to_string()),
    ]);
    let imports = imports(&modules);
    assert_eq!(imports["a::kid"], BTreeSet::from(["b".to_string(), "c".to_string()]));
    assert_eq!(imports["c"], BTreeSet::from(["b".to_string()]), "comments are not imports");
    assert_eq!(find_cycle(&imports), Some(["a", "a::kid", "b", "a"].map(String::from).to_vec()));
}

/// Every `.rs` file below `src`, by module path, without its `mod tests`.
fn read_modules(src: &Path) -> BTreeMap<String, String> {
    let mut modules = BTreeMap::new();
    let mut folders = vec![src.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).expect("src/ can be listed");
        for path in entries.map(|entry| entry.expect("src/ can be listed").path()) {
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let relative = path.strip_prefix(src).expect("below src/").with_extension("");
            let mut segments: Vec<String> =
                relative.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            if segments.last().is_some_and(|last| last == "mod" || last == "lib") {
                segments.pop();
            }
            // The binary is another crate: it uses the library by its name.
            if path.extension().is_some_and(|ext| ext == "rs") && segments != ["main"] {
                let text = std::fs::read_to_string(&path).expect("source is readable");
                let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
                modules.insert(segments.join("::"), code.to_string());
            }
        }
    }
    modules
}

/// The modules each module names, other than itself and the crate root.
fn imports(modules: &BTreeMap<String, String>) -> Imports {
    modules
        .iter()
        .map(|(module, text)| {
            let code: String = text
                .lines()
                .map(|line| line.split("//").next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n");
            let mut paths = Vec::new();
            let mut offset = 0;
            for line in code.split_inclusive('\n') {
                let item = without_visibility(line.trim_start());
                if let Some(tree) = item.strip_prefix("use ") {
                    let start = offset + line.len() - tree.len();
                    let end = code[start..].find(';').map_or(code.len(), |end| start + end);
                    paths.extend(expand(&code[start..end]));
                } else if let Some(child) = item.strip_prefix("mod ") {
                    let child = child.trim_end().trim_end_matches(';');
                    if find_word(&code, &format!("{child}::")).is_some() {
                        paths.push(format!("self::{child}"));
                    }
                }
                offset += line.len();
            }
            for prefix in ["crate::", "super::"] {
                let mut rest = code.as_str();
                while let Some(at) = find_word(rest, prefix) {
                    let path = &rest[at..];
                    let end = path
                        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                        .unwrap_or(path.len());
                    paths.push(path[..end].to_string());
                    rest = &path[end..];
                }
            }
            let named = paths
                .iter()
                .filter_map(|path| resolve(modules, module, path))
                .filter(|target| target != module && !target.is_empty())
                .collect();
            (module.clone(), named)
        })
        .collect()
}

/// An item without its `pub` or `pub(...)`.
fn without_visibility(item: &str) -> &str {
    if let Some(rest) = item.strip_prefix("pub(") {
        rest.split_once(')').map_or(item, |(_, rest)| rest.trim_start())
    } else {
        item.strip_prefix("pub ").unwrap_or(item)
    }
}

/// Where `word` starts in `text` as a word of its own.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find(word).map(|at| at + from) {
        let before = text[..at].chars().next_back();
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// The paths of a `use` tree: `a::{b, c::{d, self}}` is `a::b`, `a::c::d`, `a::c`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or_default();
        return vec![path.trim().to_string()];
    };
    let prefix = tree[..open].trim();
    let inner = tree[open + 1..].trim_end().strip_suffix('}').unwrap_or_default();
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (at, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|part| !part.trim().is_empty())
        .flat_map(expand)
        .map(|path| match path.as_str() {
            "self" => prefix.trim_end_matches(':').to_string(),
            _ => format!("{prefix}{path}"),
        })
        .collect()
}

/// The module a path names, or lies in: `crate::input::Body` is `input`;
/// `kid::f` is `here::kid` when `here` has that child; `None` for paths out
/// of the crate.
fn resolve(modules: &BTreeMap<String, String>, here: &str, path: &str) -> Option<String> {
    let here: Vec<&str> = if here.is_empty() { Vec::new() } else { here.split("::").collect() };
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base = match segments.first().copied() {
        Some("crate") => Vec::new(),
        Some("self") => here.clone(),
        Some("super") => {
            let mut base = here.clone();
            while segments.first() == Some(&"super") {
                base.pop();
                segments.remove(0);
            }
            segments.insert(0, "super");
            base
        }
        _ => here.clone(),
    };
    if matches!(segments.first().copied(), Some("crate" | "self" | "super")) {
        segments.remove(0);
    } else {
        // A plain path names a child of this module, or leaves the crate.
        let child = [here.as_slice(), &segments[..1]].concat().join("::");
        if !modules.contains_key(&child) {
            return None;
        }
    }
    let mut found = None;
    for segment in std::iter::once(None).chain(segments.into_iter().map(Some)) {
        if let Some(segment) = segment {
            base.push(segment);
        }
        let candidate = base.join("::");
        if modules.contains_key(&candidate) {
            found = Some(candidate);
        }
    }
    found
}

/// A loop of imports, as the modules along it with the first one again at
/// the end, if there is one.
fn find_cycle(imports: &Imports) -> Option<Vec<String>> {
    fn visit(
        module: &str,
        imports: &Imports,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut cycle = path[at..].to_vec();
            cycle.push(module.to_string());
            return Some(cycle);
        }
        if !done.insert(module.to_string()) {
            return None;
        }
        path.push(module.to_string());
        for next in imports.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(next, imports, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    imports.keys().find_map(|module| visit(module, imports, &mut Vec::new(), &mut done))
}
