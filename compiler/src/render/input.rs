//! Messages about no node: the input file, the settings outside the
//! nodes, and the build itself (its command line, the file system, a bug).

use super::message::Message;
use crate::error::{BuildError, InputError, IoAction, IoError, SettingError};
use crate::nix::nix_string;

const INPUT_HINT: &str = "the activation-manager Nix library writes this input; build the bundle \
                          through it, with the am package of the same version";

/// The input file is not what the Nix library writes.
pub(super) fn input(m: &mut Message, error: &InputError) {
    match error {
        InputError::InvalidJson { message, line, column } => {
            m.error(format!(
                "the compiler input is not valid JSON: {message} (line {line}, column {column})"
            ));
            m.hint(INPUT_HINT);
        }
        InputError::UnsupportedVersion { found, supported } => {
            m.error(format!(
                "the compiler input has version {found}, but this am-compile reads version {supported}"
            ));
            m.hint(INPUT_HINT);
        }
        InputError::MalformedInput { what, problem } => {
            m.error(format!("the compiler input is malformed: {what} {problem}"));
            m.hint(INPUT_HINT);
        }
    }
}

/// A setting outside the nodes.
pub(super) fn setting(m: &mut Message, error: &SettingError) {
    match error {
        SettingError::BadBackupExtension { value, problem } => {
            m.error(format!("am.backupFileExtension = {} {problem}", nix_string(value)));
            m.hint("use a plain suffix such as \"backup\": ~/.bashrc is then moved to ~/.bashrc.backup");
        }
        SettingError::BadScriptName { name, problem } => {
            m.error(format!("script {} {problem}", nix_string(name)));
            m.hint("script names are plain file names in the bundle's scripts/ folder");
        }
    }
}

/// The build itself: its command line, the file system, or a bug.
pub(super) fn build(m: &mut Message, error: &BuildError) {
    match error {
        BuildError::BadAmPath { path, problem } => {
            m.error(format!("the am binary {} {problem}", nix_string(path)));
            m.hint("pass --am (or set $amBin) to the absolute path of `am`, e.g. \"${am}/bin/am\"");
        }
        BuildError::Internal { message } => {
            m.error(format!("internal error: {message}"));
            m.hint("this is a bug in am-compile; please report it with the configuration");
        }
        BuildError::Io(IoError { action, path, source }) => {
            let path = path.display();
            let hint = match action {
                IoAction::ReadInput => {
                    "pass --input FILE, or set $inputPath (Nix sets it for `input` with passAsFile)"
                }
                IoAction::CreateOutput => {
                    "pass --out (or set $out) to a folder that does not exist yet, or is empty"
                }
                IoAction::Write => {
                    "check that the bundle folder can be written and the disk is not full"
                }
                IoAction::CopySource => {
                    "`executable` makes a copy: check that the source is a file the build can read"
                }
                IoAction::Link => "check that the bundle folder can be written",
                IoAction::ListSource => {
                    "recursive = true lists the source folder: check that the build can read it"
                }
            };
            let what = format!("could not {} {path}", action.verb());
            m.error(format!("{what}: {source}"));
            m.hint(hint);
        }
    }
}
