//! Writing the bundle folder: `plan.am`, `static/<target>`,
//! `dynamic/<name>`, `scripts/<name>`, `bin/activate` and the link
//! `bin/am`, with fixed modes so the output does not depend on the
//! builder's umask.

use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt, symlink};
use std::path::{Component, Path};

use am_schema::{ACTIVATE_SCRIPT, AM_COMMAND, DYNAMIC_DIR, PLAN_FILE, SCRIPTS_DIR, STATIC_DIR};

use crate::error::{IoAction, IoError};
use crate::lower::{Compiled, StaticContent};

const DIR_MODE: u32 = 0o755;
const FILE_MODE: u32 = 0o444;
const EXECUTABLE_MODE: u32 = 0o555;

/// The longest `#!` line Linux reads (`BINPRM_BUF_SIZE` is 256 bytes,
/// newline included); a longer one would be cut off silently.
const MAX_SHEBANG_LINE: usize = 255;

/// The content of `bin/activate`. The kernel runs it as
/// `<am> bundle-entry <script path> <user args>`, and `am` finds the bundle
/// from the script's path.
pub fn activate_script(am_bin: &str) -> String {
    format!(
        "#!{am_bin} bundle-entry\n# Activates this bundle: the same as `am activate <this bundle>`.\n"
    )
}

/// Why `am_bin` cannot stand in a `#!` line, if it cannot.
pub fn am_bin_problem(am_bin: &str) -> Option<&'static str> {
    let problem = if !am_bin.starts_with('/') {
        "is not an absolute path"
    } else if am_bin.chars().any(char::is_whitespace) {
        "contains white space, which a #! line cannot hold"
    } else if activate_script(am_bin).lines().next().map_or(0, str::len) > MAX_SHEBANG_LINE {
        "is too long for a #! line (at most 255 bytes with the interpreter's argument)"
    } else {
        return None;
    };
    Some(problem)
}

/// Writes the bundle into `out`, which must not exist yet or be empty.
/// Nothing else is written, so the folder holds exactly the bundle.
pub fn write(compiled: &Compiled, out: &Path, am_bin: &str) -> Result<(), IoError> {
    create_out(out)?;
    write_file(out, Path::new(PLAN_FILE), &am_schema::encode(&compiled.plan), FILE_MODE)?;
    create_dirs(out, Path::new(STATIC_DIR))?;
    for file in &compiled.statics {
        write_entry(out, &Path::new(STATIC_DIR).join(&file.target), &file.content)?;
    }
    // Only bundles with such files have the folder.
    for file in &compiled.dynamics {
        write_entry(out, &Path::new(DYNAMIC_DIR).join(&file.name), &file.content)?;
    }
    for (name, text) in &compiled.scripts {
        let relative = Path::new(SCRIPTS_DIR).join(name);
        write_file(out, &relative, text.as_bytes(), EXECUTABLE_MODE)?;
    }
    let script = activate_script(am_bin);
    write_file(out, Path::new(ACTIVATE_SCRIPT), script.as_bytes(), EXECUTABLE_MODE)?;
    let command = out.join(AM_COMMAND);
    symlink(am_bin, &command).map_err(io_error(IoAction::Link, &command))
}

/// Writes one entry of `static/` or `dynamic/`.
fn write_entry(out: &Path, relative: &Path, content: &StaticContent) -> Result<(), IoError> {
    match content {
        StaticContent::Text { text, executable } => {
            write_file(out, relative, text.as_bytes(), mode(*executable))
        }
        StaticContent::Symlink { source } => {
            let path = out.join(relative);
            create_parent(out, relative)?;
            symlink(source, &path).map_err(io_error(IoAction::Link, &path))
        }
        StaticContent::Copy { source, executable } => {
            let path = out.join(relative);
            create_parent(out, relative)?;
            fs::copy(source, &path).map_err(io_error(IoAction::CopySource, Path::new(source)))?;
            set_mode(&path, mode(*executable))
        }
    }
}

fn mode(executable: bool) -> u32 {
    if executable { EXECUTABLE_MODE } else { FILE_MODE }
}

fn create_out(out: &Path) -> Result<(), IoError> {
    match fs::create_dir(out) {
        Ok(()) => {}
        // An empty folder is as good as none: tests and tools may create it.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let mut entries = fs::read_dir(out).map_err(io_error(IoAction::CreateOutput, out))?;
            if entries.next().is_some() {
                let e = io::Error::new(io::ErrorKind::AlreadyExists, "it exists and is not empty");
                return Err(io_error(IoAction::CreateOutput, out)(e));
            }
        }
        Err(e) => return Err(io_error(IoAction::CreateOutput, out)(e)),
    }
    set_mode(out, DIR_MODE)
}

/// Creates `root/relative` and every missing folder on the way, each with
/// mode 0755.
fn create_dirs(root: &Path, relative: &Path) -> Result<(), IoError> {
    let mut path = root.to_path_buf();
    for component in relative.components() {
        // Targets are normalized, so only plain names occur; anything else
        // would be a bug, and skipping it keeps the writes inside `root`.
        let Component::Normal(name) = component else { continue };
        path.push(name);
        match fs::create_dir(&path) {
            Ok(()) => set_mode(&path, DIR_MODE)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => {}
            Err(e) => return Err(io_error(IoAction::Write, &path)(e)),
        }
    }
    Ok(())
}

fn create_parent(root: &Path, relative: &Path) -> Result<(), IoError> {
    match relative.parent() {
        Some(parent) => create_dirs(root, parent),
        None => Ok(()),
    }
}

fn write_file(root: &Path, relative: &Path, bytes: &[u8], mode: u32) -> Result<(), IoError> {
    create_parent(root, relative)?;
    let path = root.join(relative);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&path)
        .map_err(io_error(IoAction::Write, &path))?;
    file.write_all(bytes).map_err(io_error(IoAction::Write, &path))?;
    // The mode given to open() is filtered through the umask; set it again.
    set_mode(&path, mode)
}

fn set_mode(path: &Path, mode: u32) -> Result<(), IoError> {
    fs::set_permissions(path, Permissions::from_mode(mode)).map_err(io_error(IoAction::Write, path))
}

fn io_error(action: IoAction, path: &Path) -> impl FnOnce(io::Error) -> IoError {
    let path = path.to_path_buf();
    move |source| IoError { action, path, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn am_path_must_fit_a_shebang_line() {
        assert_eq!(am_bin_problem("/nix/store/abc-am/bin/am"), None);
        assert!(am_bin_problem("am").is_some());
        assert!(am_bin_problem("/my dir/am").is_some());
        assert!(am_bin_problem(&format!("/{}", "x".repeat(300))).is_some());
    }

    #[test]
    fn activate_script_is_exact() {
        assert_eq!(
            activate_script("/nix/store/abc-am/bin/am"),
            "#!/nix/store/abc-am/bin/am bundle-entry\n\
             # Activates this bundle: the same as `am activate <this bundle>`.\n"
        );
    }
}
