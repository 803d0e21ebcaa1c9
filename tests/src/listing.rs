//! Listings of a tree for comparing two of them: every path in order, what
//! each link holds and resolves to, and the mode, size, content hash and
//! mtime of every file.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::engine::USER_MTIME_SECS;

/// Where a path resolves to, every link on the way followed; `None` when
/// nothing is there.
pub(crate) type Resolve<'a> = dyn Fn(&Path) -> Option<PathBuf> + 'a;

/// How [`list_tree`] lists a tree; the default suits a home.
#[derive(Default)]
pub(crate) struct ListOptions<'a> {
    /// Absolute paths left out; their ancestors are left out too when
    /// nothing else is in them.
    pub skip: Vec<PathBuf>,
    /// Prefixes of link contents replaced by stable names, in order.
    pub replace: Vec<(String, String)>,
    pub link_stamps: bool,
    /// Where a path resolves to, following every link on the way; `None`
    /// follows them as this machine does. A system tree's links are
    /// absolute paths inside the tree, resolved below its root.
    pub resolve: Option<&'a Resolve<'a>>,
    /// Whether a file shows only if it has the fixed user mtime, not the
    /// mtime itself: copies `am` writes carry the moment they were written,
    /// which differs between two trees that hold the same.
    pub only_user_mtimes: bool,
    /// Whether files and folders show their owner and group ids.
    pub owners: bool,
}

pub(crate) fn list_tree(root: &Path, options: &ListOptions) -> String {
    let mut lines = Vec::new();
    walk(root, root, options, &mut lines);
    lines.into_iter().map(|line| line + "\n").collect()
}

fn walk(root: &Path, dir: &Path, options: &ListOptions, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if options.skip.contains(&path) {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path).display().to_string();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.file_type().is_symlink() {
            let content = std::fs::read_link(&path).unwrap_or_default().display().to_string();
            let content = options
                .replace
                .iter()
                .find_map(|(prefix, name)| {
                    content.strip_prefix(prefix.as_str()).map(|rest| format!("{name}{rest}"))
                })
                .unwrap_or(content);
            let mut line = format!("{rel} -> {content}  [{}]", resolve(&path, options));
            if options.link_stamps {
                let _ = write!(
                    line,
                    " ino {} mtime {}.{}",
                    meta.ino(),
                    meta.mtime(),
                    meta.mtime_nsec()
                );
            }
            out.push(line);
        } else if meta.is_dir() {
            let mut children = Vec::new();
            walk(root, &path, options, &mut children);
            let holds_skipped = options.skip.iter().any(|skip| skip.starts_with(&path));
            if children.is_empty() && holds_skipped {
                continue;
            }
            let mode = meta.permissions().mode() & 0o7777;
            out.push(format!("{rel}/  [{mode:04o}{}]", owners(&meta, options)));
            out.extend(children);
        } else {
            let mtime = if !options.only_user_mtimes {
                format!("mtime {}.{}", meta.mtime(), meta.mtime_nsec())
            } else if meta.mtime() as u64 == USER_MTIME_SECS {
                "the user's mtime".to_string()
            } else {
                "another mtime".to_string()
            };
            out.push(format!("{rel}  [{}] {mtime}", describe_file(&path, &meta, options)));
        }
    }
}

/// What a link resolves to.
fn resolve(path: &Path, options: &ListOptions) -> String {
    let resolved = match options.resolve {
        Some(resolve) => resolve(path),
        None => Some(path.to_path_buf()),
    };
    let Some(resolved) = resolved else { return "dangling".to_string() };
    match std::fs::metadata(&resolved) {
        Ok(meta) if meta.is_dir() => "folder".to_string(),
        Ok(meta) => describe_file(&resolved, &meta, options),
        Err(_) => "dangling".to_string(),
    }
}

fn describe_file(path: &Path, meta: &std::fs::Metadata, options: &ListOptions) -> String {
    let mode = meta.permissions().mode() & 0o7777;
    let owners = owners(meta, options);
    match std::fs::read(path) {
        Ok(bytes) => {
            format!("file {mode:04o}{owners}, {} bytes, fnv {:016x}", bytes.len(), fnv1a(&bytes))
        }
        Err(e) => format!("file {mode:04o}{owners}, unreadable: {e}"),
    }
}

/// ` <uid>:<gid>` when the options list owners.
fn owners(meta: &std::fs::Metadata, options: &ListOptions) -> String {
    if options.owners { format!(" {}:{}", meta.uid(), meta.gid()) } else { String::new() }
}

/// FNV-1a, 64 bits: a content hash that needs no dependency.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Panics with the lines that differ (not two walls of text) unless the
/// listings are equal.
pub fn assert_same_listing(actual: &str, expected: &str, context: &str) {
    if actual == expected {
        return;
    }
    let actual_lines: BTreeSet<&str> = actual.lines().collect();
    let expected_lines: BTreeSet<&str> = expected.lines().collect();
    let mut message = format!("{context}: the tree differs from the expected one\n");
    for line in expected_lines.difference(&actual_lines).take(25) {
        let _ = writeln!(message, "  expected, missing: {line}");
    }
    for line in actual_lines.difference(&expected_lines).take(25) {
        let _ = writeln!(message, "  found, unexpected: {line}");
    }
    panic!("{message}");
}
