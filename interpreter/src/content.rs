//! Whether a target's `static/` entry holds the same content in two
//! bundles: what `am diff` shows as changed, and what makes an `onChange`
//! command run.
//!
//! Content means what a user sees through the home's link: the bytes and
//! mode of a file, a folder's entries. A link into the Nix store is
//! followed, since a new store path often holds the very same bytes (one
//! changed file gives a `recursive` folder a new store path, and every one
//! of its ten thousand links a new content). A link anywhere else (an
//! out-of-store link to the user's own files) is compared by where it
//! points: pointing elsewhere is the change. A file that differs only by
//! its bundle's own path (a unit file, or its copy in a `.wants` folder,
//! naming a script of the bundle) is the same, by the rule the unit switch
//! applies: every bundle has its own path, and what it names there carries
//! a hash of its content in its name.

use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use am_schema::STATIC_DIR;

use crate::activate::systemd;

/// Whether `target`'s static entry has the same content in the bundles at
/// `old` and `new` (canonical folders). An entry missing or unreadable in
/// either bundle differs.
pub fn same_static(old: &Path, new: &Path, target: &str) -> bool {
    let (a, b) = (old.join(STATIC_DIR).join(target), new.join(STATIC_DIR).join(target));
    if matches!((fs::read_link(&a), fs::read_link(&b)), (Ok(x), Ok(y)) if x == y) {
        return true;
    }
    match (followed(old, &a), followed(new, &b)) {
        (Some(Entry::Elsewhere(x)), Some(Entry::Elsewhere(y))) => x == y,
        (Some(Entry::Content(x)), Some(Entry::Content(y))) => {
            same_content(&x, &y, &Roots { old, new })
        }
        _ => false,
    }
}

/// The bundles compared, whose own paths their files may name.
struct Roots<'a> {
    old: &'a Path,
    new: &'a Path,
}

/// Files larger than this are compared byte for byte only: the bundle's
/// own path appears in the small text files the compiler writes.
const NORMALIZED_UP_TO: u64 = 1 << 20;

/// What a static entry stands for.
enum Entry {
    /// Content to compare: a file or folder of the bundle or the store.
    Content(PathBuf),
    /// A link out of the store, by where it points.
    Elsewhere(PathBuf),
}

/// The entry at `path` of the bundle `root`, with a link into the store
/// (the folder the bundle itself is in) followed; `None` when it is gone.
fn followed(root: &Path, path: &Path) -> Option<Entry> {
    let metadata = fs::symlink_metadata(path).ok()?;
    if !metadata.file_type().is_symlink() {
        return Some(Entry::Content(path.to_path_buf()));
    }
    let content = fs::read_link(path).ok()?;
    let store = root.parent().filter(|store| *store != Path::new("/"))?;
    if content.is_absolute() && content.starts_with(store) {
        Some(Entry::Content(content))
    } else {
        Some(Entry::Elsewhere(content))
    }
}

/// Whether two paths (links followed) hold the same content: files with
/// the same mode and bytes, folders with the same names holding the same.
fn same_content(a: &Path, b: &Path, roots: &Roots) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => same_entry(a, &x, b, &y, roots),
        _ => false,
    }
}

fn same_entry(a: &Path, x: &Metadata, b: &Path, y: &Metadata, roots: &Roots) -> bool {
    if x.permissions().mode() & 0o7777 != y.permissions().mode() & 0o7777 {
        return false;
    }
    if x.is_file() && y.is_file() {
        if x.len() == y.len() && same_bytes(a, b).unwrap_or(false) {
            return true;
        }
        return x.len().max(y.len()) <= NORMALIZED_UP_TO && same_but_bundle(a, b, roots);
    }
    x.is_dir() && y.is_dir() && same_folder(a, b, roots).unwrap_or(false)
}

/// Whether two text files are the same once each bundle's own path is
/// abstracted, by the unit switch's rule.
fn same_but_bundle(a: &Path, b: &Path, roots: &Roots) -> bool {
    let normalized = |path: &Path, root: &Path| {
        let text = fs::read_to_string(path).ok()?;
        Some(systemd::normalized(&text, &root.to_string_lossy()))
    };
    match (normalized(a, roots.old), normalized(b, roots.new)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Compares two folders entry by entry. Links inside them are compared by
/// where they point, never followed: a folder may hold a link to itself.
fn same_folder(a: &Path, b: &Path, roots: &Roots) -> io::Result<bool> {
    let names = |dir: &Path| -> io::Result<Vec<_>> {
        let mut names: Vec<_> = fs::read_dir(dir)?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?;
        names.sort();
        Ok(names)
    };
    let names_a = names(a)?;
    if names_a != names(b)? {
        return Ok(false);
    }
    for name in names_a {
        let (a, b) = (a.join(&name), b.join(&name));
        let (x, y) = (fs::symlink_metadata(&a)?, fs::symlink_metadata(&b)?);
        let same = match (x.file_type().is_symlink(), y.file_type().is_symlink()) {
            (true, true) => fs::read_link(&a)? == fs::read_link(&b)?,
            (false, false) => same_entry(&a, &x, &b, &y, roots),
            _ => false,
        };
        if !same {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Compares two files of the same length in blocks, stopping at the first
/// difference.
fn same_bytes(a: &Path, b: &Path) -> io::Result<bool> {
    let (mut a, mut b) = (File::open(a)?, File::open(b)?);
    let (mut x, mut y) = (vec![0; 64 * 1024], vec![0; 64 * 1024]);
    loop {
        let n = read_full(&mut a, &mut x)?;
        if n != read_full(&mut b, &mut y)? || x[..n] != y[..n] {
            return Ok(false);
        }
        if n < x.len() {
            return Ok(true);
        }
    }
}

/// Reads until `buf` is full or the file ends; gives how much was read.
fn read_full(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    /// Two bundles in a fake store, and a source folder per bundle.
    struct Store {
        root: PathBuf,
    }

    impl Store {
        fn new(label: &str) -> Store {
            let root = std::env::temp_dir()
                .join(format!("am-content-{label}-{}", std::process::id()))
                .join("store");
            let _ = fs::remove_dir_all(&root);
            for bundle in ["old", "new"] {
                fs::create_dir_all(root.join(bundle).join(STATIC_DIR)).expect("temp is writable");
            }
            Store { root }
        }

        fn bundle(&self, name: &str) -> PathBuf {
            self.root.join(name)
        }

        fn write(&self, rel: &str, bytes: &str, mode: u32) -> PathBuf {
            let path = self.root.join(rel);
            fs::create_dir_all(path.parent().expect("a parent")).expect("writable");
            fs::write(&path, bytes).expect("writable");
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
            path
        }

        fn link(&self, bundle: &str, target: &str, content: &Path) {
            symlink(content, self.bundle(bundle).join(STATIC_DIR).join(target)).expect("symlink");
        }

        fn same(&self, target: &str) -> bool {
            same_static(&self.bundle("old"), &self.bundle("new"), target)
        }
    }

    impl Drop for Store {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(self.root.parent().unwrap_or(&self.root));
        }
    }

    #[test]
    fn links_into_the_store_compare_by_content() {
        let store = Store::new("store-links");
        let a = store.write("aaa-src/f", "same\n", 0o444);
        let b = store.write("bbb-src/f", "same\n", 0o444);
        store.link("old", "f", &a);
        store.link("new", "f", &b);
        assert!(store.same("f"), "the same bytes under another store path differ");
        let c = store.write("ccc-src/g", "other\n", 0o444);
        store.link("old", "g", &a);
        store.link("new", "g", &c);
        assert!(!store.same("g"), "other bytes compare equal");
        let d = store.write("ddd-src/h", "same\n", 0o555);
        store.link("old", "h", &a);
        store.link("new", "h", &d);
        assert!(!store.same("h"), "another mode compares equal");
    }

    #[test]
    fn a_file_and_a_link_to_the_same_bytes_are_the_same() {
        let store = Store::new("file-link");
        let source = store.write("aaa-src/f", "text\n", 0o444);
        store.link("old", "f", &source);
        store.write("new/static/f", "text\n", 0o444);
        assert!(store.same("f"));
    }

    #[test]
    fn links_out_of_the_store_compare_by_where_they_point() {
        let store = Store::new("outside");
        store.link("old", "f", Path::new("/home/me/dotfiles/a"));
        store.link("new", "f", Path::new("/home/me/dotfiles/b"));
        assert!(!store.same("f"));
        store.link("old", "g", Path::new("/home/me/dotfiles/a"));
        store.link("new", "g", Path::new("/home/me/dotfiles/a"));
        assert!(store.same("g"));
    }

    #[test]
    fn folders_compare_entry_by_entry() {
        let store = Store::new("folders");
        store.write("aaa-src/d/x", "x\n", 0o444);
        store.write("bbb-src/d/x", "x\n", 0o444);
        store.link("old", "d", &store.root.join("aaa-src/d"));
        store.link("new", "d", &store.root.join("bbb-src/d"));
        assert!(store.same("d"));
        store.write("bbb-src/d/y", "y\n", 0o444);
        assert!(!store.same("d"), "a file more compares equal");
    }

    #[test]
    fn files_that_differ_by_their_bundles_path_alone_are_the_same() {
        let store = Store::new("bundle-path");
        let text = |bundle: &str| {
            let root = store.bundle(bundle).display().to_string();
            format!("[Service]\nExecStart={root}/scripts/aaa-web-start\n")
        };
        store.write("old/static/web.service", &text("old"), 0o444);
        store.write("new/static/web.service", &text("new"), 0o444);
        assert!(store.same("web.service"));
        store.write("new/static/web.service", &text("new").replace("aaa", "bbb"), 0o444);
        assert!(!store.same("web.service"), "another script compares equal");
    }

    #[test]
    fn a_missing_entry_differs() {
        let store = Store::new("missing");
        store.write("old/static/f", "text\n", 0o444);
        assert!(!store.same("f"));
    }
}
