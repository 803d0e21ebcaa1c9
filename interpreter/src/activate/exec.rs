//! Exec nodes: turning a plan's command into something to spawn, and running
//! it with stdout and stderr captured together.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use am_schema::Exec;

/// A command ready to run: paths resolved against the home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecSpec {
    /// `argv[0]`: looked up in `PATH` when it has no `/`; a relative path
    /// with a `/` is made relative to `cwd`, so it does not depend on where
    /// `am` was started.
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Added to the environment `am` runs with.
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
}

impl ExecSpec {
    /// `None` for an empty argv, which the compiler rejects but a plan file
    /// could still hold.
    pub fn new(exec: &Exec, home: &Path) -> Option<ExecSpec> {
        let (program, args) = exec.argv.split_first()?;
        // `cwd` relative to the home, `None` the home itself.
        let cwd = exec.cwd.as_deref().map_or_else(|| home.to_path_buf(), |cwd| home.join(cwd));
        let program =
            if program.contains('/') { cwd.join(program) } else { PathBuf::from(program) };
        Some(ExecSpec { program, args: args.to_vec(), env: exec.env.clone(), cwd })
    }
}

/// A finished command.
#[derive(Debug)]
pub struct Captured {
    pub status: ExitStatus,
    /// Stdout and stderr interleaved as the command wrote them.
    pub output: Vec<u8>,
}

/// Spawns the command with stdin from `/dev/null` and stdout and stderr on
/// one pipe, reads the pipe to its end and waits for the command. An error
/// means the command could not be started.
///
/// The read ends when every holder of the pipe's write end exits, so a
/// command that leaves a background process holding its stdout keeps the
/// node running until that process exits too (as a shell pipeline would).
pub fn run_captured(spec: &ExecSpec) -> io::Result<Captured> {
    // One pipe for both streams keeps the order in which a failing command
    // wrote its progress and its error. std creates it close-on-exec, so
    // commands that other workers spawn at the same time do not inherit it.
    let (mut reader, writer) = io::pipe()?;
    let mut command = Command::new(&spec.program);
    command
        .args(&spec.args)
        .envs(spec.env.iter().map(|(name, value)| (name, value)))
        .current_dir(&spec.cwd)
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer);
    let mut child = command.spawn().map_err(|error| {
        // A missing working folder fails the spawn with the same "No such
        // file or directory" as a missing program; say which it was.
        if spec.cwd.is_dir() {
            error
        } else {
            let message = format!("its working folder {} is not a folder", spec.cwd.display());
            io::Error::new(error.kind(), message)
        }
    })?;
    // The command object holds the parent's copies of the write end; they
    // must be closed or the read below never sees the end of the pipe.
    drop(command);
    let mut output = Vec::new();
    let read = reader.read_to_end(&mut output);
    let status = child.wait()?;
    read?;
    Ok(Captured { status, output })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(argv: &[&str], cwd: Option<&str>) -> Exec {
        Exec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            env: vec![("AM_TEST".into(), "yes".into())],
            cwd: cwd.map(str::to_string),
        }
    }

    #[test]
    fn cwd_defaults_to_and_is_relative_to_the_home() {
        let home = Path::new("/home/me");
        let spec = |cwd| ExecSpec::new(&exec(&["true"], cwd), home).map(|s| s.cwd);
        assert_eq!(spec(None), Some(PathBuf::from("/home/me")));
        assert_eq!(spec(Some("src")), Some(PathBuf::from("/home/me/src")));
        assert_eq!(spec(Some("/tmp")), Some(PathBuf::from("/tmp")));
    }

    #[test]
    fn program_with_a_slash_is_relative_to_cwd() {
        let home = Path::new("/home/me");
        let program = |argv0| ExecSpec::new(&exec(&[argv0], Some("bin")), home).map(|s| s.program);
        assert_eq!(program("true"), Some(PathBuf::from("true")));
        assert_eq!(program("./run"), Some(PathBuf::from("/home/me/bin/./run")));
        assert_eq!(program("/bin/sh"), Some(PathBuf::from("/bin/sh")));
    }

    #[test]
    fn empty_argv_has_no_spec() {
        assert_eq!(ExecSpec::new(&exec(&[], None), Path::new("/")), None);
    }

    #[test]
    fn output_of_both_streams_is_captured_in_order() {
        let argv = ["sh", "-c", "echo out; echo err >&2; echo \"$AM_TEST\"; exit 3"];
        let spec = ExecSpec::new(&exec(&argv, Some("/")), Path::new("/")).expect("spec");
        let captured = run_captured(&spec).expect("sh runs");
        assert_eq!(captured.status.code(), Some(3));
        assert_eq!(String::from_utf8_lossy(&captured.output), "out\nerr\nyes\n");
    }

    #[test]
    fn a_missing_working_folder_is_named() {
        let spec = ExecSpec::new(&exec(&["true"], Some("/nonexistent/am-test")), Path::new("/"))
            .expect("spec");
        let error = run_captured(&spec).map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(error, Err("its working folder /nonexistent/am-test is not a folder".into()));
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let spec =
            ExecSpec::new(&exec(&["/nonexistent/am-test"], None), Path::new("/")).expect("spec");
        assert!(run_captured(&spec).is_err());
    }
}
