//! The link checker: every `href` and `src` of the built site that stays
//! inside it must name a file that exists, and an anchor that file has.
//!
//! It reads the HTML that mdBook wrote rather than the Markdown sources, so
//! it checks what readers click: links mdBook rewrote (`.md` to `.html`),
//! the sidebar, and pictures added after the build.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// Every broken link of the site in `root`, as `page: problem` lines.
pub fn check(root: &Path) -> Result<Vec<String>, String> {
    let mut pages = Vec::new();
    collect_html(root, &mut pages)?;
    pages.sort();
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for page in &pages {
        let html = std::fs::read_to_string(page).map_err(|e| format!("{}: {e}", page.display()))?;
        let shown = page.strip_prefix(root).unwrap_or(page).display().to_string();
        for link in
            attribute_values(&html, "href").into_iter().chain(attribute_values(&html, "src"))
        {
            if let Some(problem) = check_link(root, page, &link, &mut ids) {
                problems.push(format!("{shown}: {problem}"));
            }
        }
    }
    Ok(problems)
}

fn check_link(
    root: &Path,
    page: &Path,
    link: &str,
    ids: &mut BTreeMap<PathBuf, BTreeSet<String>>,
) -> Option<String> {
    if is_external(link) {
        return None;
    }
    let (path, fragment) = match link.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (link, None),
    };
    let path = path.split('?').next().unwrap_or_default();
    let target = if path.is_empty() {
        page.to_path_buf()
    } else {
        let joined = page.parent().unwrap_or(root).join(percent_decode(path));
        let target = normalize(&joined);
        if !target.starts_with(root) {
            return Some(format!("{link} leaves the site"));
        }
        if target.is_dir() { target.join("index.html") } else { target }
    };
    if !target.is_file() {
        return Some(format!("{link}: {} does not exist", target.display()));
    }
    let fragment = fragment.filter(|f| !f.is_empty())?;
    let known = ids.entry(target.clone()).or_insert_with(|| {
        let html = std::fs::read_to_string(&target).unwrap_or_default();
        attribute_values(&html, "id").into_iter().collect()
    });
    let fragment = percent_decode(fragment);
    (!known.contains(&fragment)).then(|| format!("{link}: no id \"{fragment}\" in that page"))
}

/// `https:`, `mailto:` and the like, and `//host/...`: not ours to check.
fn is_external(link: &str) -> bool {
    if link.starts_with("//") {
        return true;
    }
    match link.find(':') {
        Some(colon) => !link[..colon].contains(['/', '#', '?']),
        None => false,
    }
}

fn collect_html(dir: &Path, pages: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            collect_html(&path, pages)?;
        } else if path.extension().is_some_and(|ext| ext == "html") && !is_404(&path) {
            pages.push(path);
        }
    }
    Ok(())
}

/// mdBook's `404.html` is served by a web server in place of any missing
/// page, so its links are written against the site's root (`<base href="/">`)
/// rather than against its own folder.
fn is_404(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name == "404.html")
}

/// The values of every `name="..."` attribute, HTML entities decoded.
/// mdBook always quotes attributes with double quotes.
fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    let mut values = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&needle) {
        rest = &rest[start + needle.len()..];
        let Some(end) = rest.find('"') else { break };
        values.push(decode_entities(&rest[..end]));
        rest = &rest[end..];
    }
    values
}

fn decode_entities(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a/b/../c` as `a/c`, without touching the file system (the target may
/// not exist, which is what is being checked).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_missing_pages_and_anchors_and_skips_external_links() {
        let root = am_tests::fresh_dir("links");
        std::fs::create_dir_all(root.join("guide")).expect("folder");
        std::fs::write(
            root.join("index.html"),
            r##"<a href="guide/a.html#top">a</a> <a href="guide/a.html#gone">b</a>
               <a href="missing.html">c</a> <a href="https://example.org/x">d</a>
               <img src="guide/pic%20one.svg"> <a href="#here">e</a> <h1 id="here">"##,
        )
        .expect("index");
        std::fs::write(
            root.join("guide/a.html"),
            r#"<h2 id="top">Top</h2><a href="../index.html">"#,
        )
        .expect("page");
        std::fs::write(root.join("guide/pic one.svg"), "<svg/>").expect("picture");
        let problems = check(&root).expect("readable");
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].contains("guide/a.html#gone: no id \"gone\""), "{problems:#?}");
        assert!(problems[1].contains("missing.html:"), "{problems:#?}");
        let _ = std::fs::remove_dir_all(&root);
    }
}
