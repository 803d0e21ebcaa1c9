//! Exec nodes: turning a plan's command into something to spawn, and running
//! it with stdout and stderr captured together, killing it (with everything
//! it started) when it outlives its timeout. Also the commands `am` runs
//! for a journaled change (`useradd`, `nix-env`), which must outlive a
//! killed `am` instead.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use am_schema::Exec;
use rustix::fs::{MemfdFlags, memfd_create};

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
    /// Seconds the command may run.
    pub timeout: Option<u32>,
    /// What the command reads on stdin; `None` is `/dev/null`.
    pub stdin: Option<String>,
    /// Whether the journal records the command's change (`useradd`,
    /// `nix-env`), which the next run undoes should `am` be killed while
    /// the command runs. Such a command must then run to its end, and the
    /// next run must wait for it: its stdin is a handle on the place's
    /// lock instead of `stdin` (see `state::lock::for_command`), so the
    /// lock lasts until the command has exited too; and its output goes
    /// to a file rather than a pipe, which a killed `am` would leave
    /// without a reader, so that the command's next write would kill it
    /// (SIGPIPE) halfway through its change, its own lock files left
    /// behind. Its output comes in one piece when it has exited, and it
    /// has no timeout.
    pub journaled: bool,
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
        let env = exec.env.clone();
        Some(ExecSpec {
            program,
            args: args.to_vec(),
            env,
            cwd,
            timeout: exec.timeout,
            stdin: None,
            journaled: false,
        })
    }

    /// A command `am` itself runs for a node (`useradd`, `systemd-tmpfiles`):
    /// `argv[0]` looked up in `PATH`, in `cwd`.
    pub fn command(argv: Vec<String>, cwd: &Path) -> ExecSpec {
        let mut argv = argv.into_iter();
        let program = PathBuf::from(argv.next().unwrap_or_default());
        let args = argv.collect();
        ExecSpec {
            program,
            args,
            env: Vec::new(),
            cwd: cwd.to_path_buf(),
            timeout: None,
            stdin: None,
            journaled: false,
        }
    }
}

/// A finished command.
#[derive(Debug)]
pub struct Captured {
    pub status: ExitStatus,
    /// Stdout and stderr interleaved as the command wrote them.
    pub output: Vec<u8>,
    /// The timeout ran out and the command's process group was killed.
    pub timed_out: bool,
}

/// Spawns the command with stdin from `/dev/null` (or `stdin`) and stdout
/// and stderr on one pipe, reads the pipe to its end (handing each piece to
/// `output` as it comes) and waits for the command; a journaled command
/// differs (see [`ExecSpec::journaled`]). An error means the command could
/// not be started.
///
/// The read ends when every holder of the pipe's write end exits, so a
/// command that leaves a background process holding its stdout keeps the
/// node running until that process exits too (as a shell pipeline would),
/// or until its timeout.
pub fn run_captured(spec: &ExecSpec, output: &dyn Fn(&[u8])) -> io::Result<Captured> {
    if spec.journaled {
        return run_journaled(spec, output);
    }
    // One pipe for both streams keeps the order in which a failing command
    // wrote its progress and its error. std creates it close-on-exec, so
    // commands that other workers spawn at the same time do not inherit it.
    let (mut reader, writer) = io::pipe()?;
    let mut command = command(spec);
    command
        .stdin(if spec.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(writer.try_clone()?)
        .stderr(writer);
    if spec.timeout.is_some() {
        // Its own process group, so that a timeout kills what it started
        // too. Only then: a group of its own also keeps the terminal's
        // Ctrl-C from reaching the command.
        command.process_group(0);
    }
    let mut child = spawn(&mut command, spec)?;
    // The command object holds the parent's copies of the write end; they
    // must be closed or the read below never sees the end of the pipe.
    drop(command);
    // Written from a thread, so that a command writing much output before it
    // reads its input cannot block on a full pipe while this one writes.
    if let (Some(text), Some(mut pipe)) = (spec.stdin.clone(), child.stdin.take()) {
        std::thread::spawn(move || {
            use std::io::Write;
            // A command that exits without reading it all closes the pipe.
            let _ = pipe.write_all(text.as_bytes());
        });
    }
    let mut captured = Vec::new();
    let Some(seconds) = spec.timeout else {
        let read = read_all(&mut reader, &mut |piece| {
            output(piece);
            captured.extend_from_slice(piece);
        });
        let status = child.wait()?;
        read?;
        return Ok(Captured { status, output: captured, timed_out: false });
    };
    // The pipe is read on a thread of its own, so that this one can watch
    // the clock; the pieces come back over a channel.
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let read = read_all(&mut reader, &mut |piece| {
            let _ = sender.send(Ok(piece.to_vec()));
        });
        if let Err(error) = read {
            let _ = sender.send(Err(error));
        }
    });
    let deadline = Instant::now() + Duration::from_secs(u64::from(seconds));
    let mut take = |piece: Vec<u8>| {
        output(&piece);
        captured.extend_from_slice(&piece);
    };
    let ended = loop {
        match receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(piece) => take(piece?),
            Err(mpsc::RecvTimeoutError::Disconnected) => break true,
            // The output has not ended: the command, or something it
            // started in the background, still runs.
            Err(mpsc::RecvTimeoutError::Timeout) => break false,
        }
    };
    let (status, timed_out) = if ended {
        wait_until(&mut child, deadline)?
    } else {
        kill_group(&child);
        let status = child.wait()?;
        // The pipe ends once the group is gone, unless something left the
        // group and holds it; its output is then not waited for.
        let grace = Instant::now() + Duration::from_secs(1);
        while let Ok(piece) = receiver.recv_timeout(grace.saturating_duration_since(Instant::now()))
        {
            take(piece?);
        }
        (status, true)
    };
    Ok(Captured { status, output: captured, timed_out })
}

/// Runs a journaled command (see [`ExecSpec::journaled`]): the lock as its
/// stdin, both streams into one unnamed file, read back once it exited.
fn run_journaled(spec: &ExecSpec, output: &dyn Fn(&[u8])) -> io::Result<Captured> {
    let mut file = File::from(memfd_create("am-command-output", MemfdFlags::CLOEXEC)?);
    let lock = crate::state::lock::for_command().map_or_else(Stdio::null, Stdio::from);
    let mut command = command(spec);
    command.stdin(lock).stdout(file.try_clone()?).stderr(file.try_clone()?);
    let status = spawn(&mut command, spec)?.wait()?;
    file.seek(SeekFrom::Start(0))?;
    let mut captured = Vec::new();
    file.read_to_end(&mut captured)?;
    if !captured.is_empty() {
        output(&captured);
    }
    Ok(Captured { status, output: captured, timed_out: false })
}

/// The command of `spec`, its streams still to be set.
fn command(spec: &ExecSpec) -> Command {
    let mut command = Command::new(&spec.program);
    command
        .args(&spec.args)
        .envs(spec.env.iter().map(|(name, value)| (name, value)))
        .current_dir(&spec.cwd);
    command
}

fn spawn(command: &mut Command, spec: &ExecSpec) -> io::Result<Child> {
    command.spawn().map_err(|error| {
        // A missing working folder fails the spawn with the same "No such
        // file or directory" as a missing program; say which it was.
        if spec.cwd.is_dir() {
            error
        } else {
            let message = format!("its working folder {} is not a folder", spec.cwd.display());
            io::Error::new(error.kind(), message)
        }
    })
}

/// Reads `reader` to its end, handing each piece to `piece` as it comes.
fn read_all(reader: &mut impl Read, piece: &mut dyn FnMut(&[u8])) -> io::Result<()> {
    let mut buffer = [0; 8192];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => piece(&buffer[..n]),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

/// Kills the process group the child leads (its id is the group's).
fn kill_group(child: &Child) {
    let group = i32::try_from(child.id()).ok().and_then(rustix::process::Pid::from_raw);
    if let Some(group) = group {
        // Gone already is fine: the child is waited for either way.
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
}

/// Waits for the child (whose output has ended) until `deadline`, then
/// kills its process group.
fn wait_until(child: &mut Child, deadline: Instant) -> io::Result<(ExitStatus, bool)> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((status, false));
        }
        if Instant::now() >= deadline {
            kill_group(child);
            return Ok((child.wait()?, true));
        }
        // Usually reached only after the output ended, when the command
        // is exiting: a short sleep costs little.
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(argv: &[&str], cwd: Option<&str>) -> Exec {
        Exec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            env: vec![("AM_TEST".into(), "yes".into())],
            cwd: cwd.map(str::to_string),
            timeout: None,
            when_changed: vec![],
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
        let captured = run_captured(&spec, &|_| {}).expect("sh runs");
        assert_eq!(captured.status.code(), Some(3));
        assert_eq!(String::from_utf8_lossy(&captured.output), "out\nerr\nyes\n");
    }

    #[test]
    fn a_missing_working_folder_is_named() {
        let spec = ExecSpec::new(&exec(&["true"], Some("/nonexistent/am-test")), Path::new("/"))
            .expect("spec");
        let error = run_captured(&spec, &|_| {}).map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(error, Err("its working folder /nonexistent/am-test is not a folder".into()));
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let spec =
            ExecSpec::new(&exec(&["/nonexistent/am-test"], None), Path::new("/")).expect("spec");
        assert!(run_captured(&spec, &|_| {}).is_err());
    }

    #[test]
    fn a_timeout_kills_the_whole_process_group() {
        // The background `sleep` holds the output pipe: only killing the
        // group ends the read.
        let script = "echo started; sleep 30 & sleep 30";
        let mut spec =
            ExecSpec::new(&exec(&["sh", "-c", script], Some("/")), Path::new("/")).expect("spec");
        spec.timeout = Some(1);
        let started = Instant::now();
        let captured = run_captured(&spec, &|_| {}).expect("sh runs");
        assert!(captured.timed_out, "the command was not reported as timed out");
        assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
        assert_eq!(String::from_utf8_lossy(&captured.output), "started\n");
    }

    #[test]
    fn output_comes_as_it_is_written() {
        // The second line is written a while after the first: the first
        // must have arrived by then.
        let script = "echo first; sleep 1; echo second";
        for timeout in [None, Some(30)] {
            let mut spec = ExecSpec::new(&exec(&["sh", "-c", script], Some("/")), Path::new("/"))
                .expect("spec");
            spec.timeout = timeout;
            let started = Instant::now();
            let pieces = std::sync::Mutex::new(Vec::new());
            let output = |piece: &[u8]| {
                let mut pieces = pieces.lock().unwrap_or_else(|p| p.into_inner());
                pieces.push((started.elapsed(), String::from_utf8_lossy(piece).into_owned()));
            };
            let captured = run_captured(&spec, &output).expect("sh runs");
            assert_eq!(String::from_utf8_lossy(&captured.output), "first\nsecond\n");
            let pieces = pieces.into_inner().unwrap_or_else(|p| p.into_inner());
            let (when, first) = pieces.first().cloned().unwrap_or_default();
            assert!(first.starts_with("first"), "{pieces:?}");
            assert!(when < Duration::from_millis(900), "the first line came late: {pieces:?}");
        }
    }

    #[test]
    fn a_command_within_its_timeout_succeeds() {
        let mut spec = ExecSpec::new(&exec(&["sh", "-c", "echo quick"], Some("/")), Path::new("/"))
            .expect("spec");
        spec.timeout = Some(30);
        let captured = run_captured(&spec, &|_| {}).expect("sh runs");
        assert!(!captured.timed_out);
        assert!(captured.status.success());
        assert_eq!(String::from_utf8_lossy(&captured.output), "quick\n");
    }

    #[test]
    fn a_journaled_command_writes_to_a_file_not_a_pipe() {
        // A pipe would lose its reader with a killed `am`, and the next
        // write kill the command.
        let script =
            "if [ -p /dev/stdout ]; then echo pipe; else echo file; fi; echo err >&2; exit 3";
        let spec = ExecSpec {
            journaled: true,
            ..ExecSpec::command(vec!["sh".into(), "-c".into(), script.into()], Path::new("/"))
        };
        let pieces = std::sync::Mutex::new(Vec::new());
        let output =
            |piece: &[u8]| pieces.lock().unwrap_or_else(|p| p.into_inner()).push(piece.to_vec());
        let captured = run_captured(&spec, &output).expect("sh runs");
        assert_eq!(captured.status.code(), Some(3));
        assert_eq!(String::from_utf8_lossy(&captured.output), "file\nerr\n");
        let pieces = pieces.into_inner().unwrap_or_else(|p| p.into_inner());
        assert_eq!(pieces, std::slice::from_ref(&captured.output), "the output comes once, whole");
    }
}
