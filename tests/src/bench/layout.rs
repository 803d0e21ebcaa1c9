//! Where everything lives under one workload's folder, and the untimed
//! writing of what each tool reads: the "store" of link targets, the
//! tmpfiles confs, the stow packages, the smfh manifests and the Nix module
//! of `am`.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::workload::{File, Generation, Workload};

/// The folders of one workload. Every tool uses the same home path, emptied
/// before each run, so inputs naming it are written once per generation.
#[derive(Debug)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    /// The file a link of the floor, tmpfiles and smfh points at.
    pub fn store_file(&self, file: &File) -> PathBuf {
        self.root.join("store").join(format!("g{}", file.origin)).join(&file.path)
    }

    pub fn tmpfiles_conf(&self, generation: u32) -> PathBuf {
        self.root.join("tmpfiles").join(format!("g{generation}.conf"))
    }

    pub fn smfh_manifest(&self, generation: u32) -> PathBuf {
        self.root.join("smfh").join(format!("g{generation}.json"))
    }

    /// Stow's folder, holding the one package `pkg` while a generation is in use.
    pub fn stow_dir(&self) -> PathBuf {
        self.root.join("stow")
    }

    /// Where generation `generation`'s stow package waits while not in use.
    pub fn stow_parked(&self, generation: u32) -> PathBuf {
        self.root.join("stow-parked").join(format!("g{generation}"))
    }

    pub fn nix_dir(&self, generation: u32) -> PathBuf {
        self.root.join("nix").join(format!("g{generation}"))
    }

    /// Removes everything in the home and leaves it empty.
    pub fn reset_home(&self) -> io::Result<()> {
        let home = self.home();
        match fs::remove_dir_all(&home) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        fs::create_dir_all(home)
    }
}

/// Writes every tool's inputs for both generations.
pub fn write_inputs(layout: &Layout, workload: &Workload) -> io::Result<()> {
    for generation in [&workload.first, &workload.second] {
        write_store(layout, generation)?;
        write_tmpfiles_conf(layout, generation)?;
        write_smfh_manifest(layout, generation)?;
        write_tree(&layout.stow_parked(generation.number), generation)?;
        let module = layout.nix_dir(generation.number).join("home.nix");
        write_file(&module, &nix_module(generation))?;
    }
    fs::create_dir_all(layout.stow_dir())
}

fn write_file(path: &Path, content: &str) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, content)
}

/// The store files a generation adds: only contents it wrote itself.
fn write_store(layout: &Layout, generation: &Generation) -> io::Result<()> {
    let mut own = generation.files.iter().filter(|f| f.origin == generation.number);
    own.try_for_each(|file| write_file(&layout.store_file(file), &file.content))
}

fn write_tree(root: &Path, generation: &Generation) -> io::Result<()> {
    generation.files.iter().try_for_each(|file| write_file(&root.join(&file.path), &file.content))
}

/// `L+` replaces whatever is at the path with the link: what nix-maid does.
fn write_tmpfiles_conf(layout: &Layout, generation: &Generation) -> io::Result<()> {
    let home = layout.home();
    let mut conf = String::new();
    for file in &generation.files {
        let target = layout.store_file(file);
        let _ = writeln!(conf, "L+ {}/{} - - - - {}", home.display(), file.path, target.display());
    }
    write_file(&layout.tmpfiles_conf(generation.number), &conf)
}

/// A manifest as hjem writes it: absolute paths, symlinks, no clobbering.
fn write_smfh_manifest(layout: &Layout, generation: &Generation) -> io::Result<()> {
    let home = layout.home();
    let files: Vec<serde_json::Value> = generation
        .files
        .iter()
        .map(|file| {
            serde_json::json!({
                "type": "symlink",
                "source": layout.store_file(file),
                "target": home.join(&file.path),
            })
        })
        .collect();
    let manifest = serde_json::json!({ "version": 3, "clobber_by_default": false, "files": files });
    write_file(&layout.smfh_manifest(generation.number), &manifest.to_string())
}

/// A home module declaring every file of the generation as `text`.
pub fn nix_module(generation: &Generation) -> String {
    let mut module = String::from("{ ... }:\n{\n  home.file = {\n");
    for file in &generation.files {
        let _ = writeln!(
            module,
            "    {}.text = {};",
            nix_string(&file.path),
            nix_string(&file.content)
        );
    }
    module.push_str("  };\n}\n");
    module
}

/// `text` as a double-quoted Nix string: `\`, `"` and `${` are escaped so
/// that the value is taken literally, control characters are written out.
pub fn nix_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => quoted.push_str("\\$"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::nix_string;

    #[test]
    fn nix_strings_keep_quotes_backslashes_and_interpolations_literal() {
        assert_eq!(nix_string("a \"b\" \\ ${HOME} $x ''\n"), r#""a \"b\" \\ \${HOME} $x ''\n""#);
    }
}
