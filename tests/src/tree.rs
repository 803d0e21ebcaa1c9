//! A listing of a folder tree that tests compare and snapshot: every path with
//! its type, link target, mode and (short) content, sorted.

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// One line per entry under `root` (which itself is not listed). Symlinks are
/// listed with their target and what they resolve to, and never followed
/// into: the listing shows the tree as `lstat` sees it.
pub fn listing(root: &Path) -> String {
    let mut out = String::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let rel = path.strip_prefix(root).unwrap_or(&path).display().to_string();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).unwrap_or_default();
            let _ = writeln!(out, "{rel} -> {}  [{}]", target.display(), describe(&path));
        } else if meta.is_dir() {
            let _ = writeln!(out, "{rel}/");
            walk(root, &path, out);
        } else {
            let _ = writeln!(out, "{rel}  [{}]", describe(&path));
        }
    }
}

/// What a path resolves to: a folder, a file with mode and content, or dangling.
fn describe(path: &Path) -> String {
    let Ok(meta) = std::fs::metadata(path) else { return "dangling".into() };
    if meta.is_dir() {
        return "folder".into();
    }
    let mode = meta.permissions().mode() & 0o7777;
    let bytes = std::fs::read(path).unwrap_or_default();
    // A generation record holds times and paths whose encoded lengths vary
    // from run to run: its size would make snapshots flaky.
    if bytes.starts_with(b"AM-GEN1\n") {
        return format!("file {mode:04o}, a generation record");
    }
    format!("file {mode:04o}, {} bytes: {}", bytes.len(), preview(&bytes))
}

/// The first line of a file, shortened, so listings stay readable.
fn preview(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let first = text.lines().next().unwrap_or("");
    let short: String = first.chars().take(40).collect();
    let more = if short.len() < text.trim_end().len() { "…" } else { "" };
    format!("{short:?}{more}")
}
