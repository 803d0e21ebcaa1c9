//! Runs a chunk in a process of its own (`am __lua-chunk`, see `child.rs`)
//! and reads back what it creates and logs. The process is the chunk's
//! box: whatever the chunk does (catch the time limit's error, loop in C
//! where no hook fires, block on a FIFO, crash the VM), it is killed when
//! its time is up, and `am` goes on with a failed node.
//!
//! Spawning `/proc/self/exe` starts the very binary that runs, not a
//! `fork()` of a process whose other threads may hold locks.

use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use am_schema::Node;
use am_schema::chunk::{
    ChunkEvent, ChunkJob, EVENT_HEADER_LEN, decode_event, encode_job, event_len,
};

use super::{Context, Failed, LogLine, MEMORY_LIMIT, Ran, STATES_STARTED, size_text};

/// The program started for a chunk: this one.
const SELF: &str = "/proc/self/exe";

/// The hidden subcommand that runs a chunk (see `cli/args.rs`).
pub const SUBCOMMAND: &str = "__lua-chunk";

/// How long after its time limit a chunk that went on (the limit's error
/// is asked for with a hook, which a chunk can escape) is killed.
const GRACE: Duration = Duration::from_secs(1);

/// The most a chunk may hand back: its budget, and room for its failure
/// message. The process keeps to the budget itself; this is the check
/// that holds should it not.
const REPLY_CAP: usize = MEMORY_LIMIT + (1 << 20);

/// What is kept of the process's stderr (only a crash writes there).
const STDERR_CAP: u64 = 16 << 10;

/// Runs the chunk of `node` (a `lua` node) in a process of its own.
pub fn run(node: &Node, context: &Context) -> Result<Ran, Failed> {
    let failed = |message: String| Failed { message, log: Vec::new() };
    let job = ChunkJob {
        node: node.clone(),
        home: context.home.as_os_str().as_bytes().to_vec(),
        bundle: context.bundle.map(|path| path.as_os_str().as_bytes().to_vec()),
        dry_run: context.dry_run,
        time_limit: context.time_limit,
    };
    let mut child = Command::new(SELF)
        .arg(SUBCOMMAND)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| failed(format!("could not start a process for Lua ({SELF}): {error}")))?;
    STATES_STARTED.fetch_add(1, Ordering::Relaxed);
    let watchdog = Watchdog::start(&child, context.time_limit + GRACE);
    // A process that died at once cannot take the job: its exit says why.
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(&encode_job(&job));
    }
    let mut reply = Reply::default();
    let broken = child.stdout.take().and_then(|stdout| reply.read(stdout).err());
    if broken.is_some() {
        kill(&child);
    }
    // To its end, while the watchdog still runs: a process blocked on a
    // full stderr would otherwise never be waited for.
    let mut stderr = Vec::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.by_ref().take(STDERR_CAP).read_to_end(&mut stderr);
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
    }
    let killed = watchdog.stop();
    let status = child.wait().map_err(|error| failed(format!("lost its Lua process: {error}")))?;
    let Reply { created, log, failure } = reply;
    let message = if killed {
        super::stopped(context.time_limit)
            + "; it went on after it was asked to stop (in a `pcall`, a coroutine, a long \
               pattern match or a read that waits), so its process was killed"
    } else if let Some(why) = broken {
        why
    } else if let Some(message) = failure {
        message
    } else if status.success() {
        return Ok(Ran { created, log });
    } else {
        let said = String::from_utf8_lossy(&stderr);
        let ended = match status.signal() {
            Some(signal) => format!("was killed by signal {signal}"),
            None => format!("failed ({status})"),
        };
        format!("its Lua process {ended}: {}", said.trim())
    };
    Err(Failed { message, log })
}

/// What the process said, event by event.
#[derive(Debug, Default)]
pub(super) struct Reply {
    pub created: Vec<Node>,
    pub log: Vec<LogLine>,
    pub failure: Option<String>,
}

impl Reply {
    /// Reads events until the process closes its stdout (it ended, or was
    /// killed; a frame cut short by the kill is dropped). An error says
    /// why the process must be stopped at once: it handed back more than
    /// [`REPLY_CAP`], or something that is no event.
    pub(super) fn read(&mut self, mut from: impl Read) -> Result<(), String> {
        let mut total = 0usize;
        loop {
            let mut header = [0; EVENT_HEADER_LEN];
            if from.read_exact(&mut header).is_err() {
                return Ok(());
            }
            let len = event_len(header);
            total += EVENT_HEADER_LEN + len;
            if total > REPLY_CAP {
                return Err(format!(
                    "it handed more than its memory limit of {} to am, so its process was killed",
                    size_text(MEMORY_LIMIT)
                ));
            }
            let mut payload = vec![0; len];
            if from.read_exact(&mut payload).is_err() {
                return Ok(());
            }
            match decode_event(&payload) {
                Ok(ChunkEvent::Created(node)) => self.created.push(node),
                Ok(ChunkEvent::Log { warning, text }) => self.log.push(LogLine { warning, text }),
                Ok(ChunkEvent::Failed(message)) => self.failure = Some(message),
                Err(error) => {
                    return Err(format!(
                        "its Lua process said something that is no event ({error}), so it was \
                         killed"
                    ));
                }
            }
        }
    }
}

/// Kills the process once its time is up, unless stopped before.
struct Watchdog {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<bool>,
}

impl Watchdog {
    fn start(child: &Child, after: Duration) -> Watchdog {
        let (stop, stopped) = mpsc::channel();
        let pid = child_pid(child);
        let thread = std::thread::spawn(move || {
            let expired =
                matches!(stopped.recv_timeout(after), Err(mpsc::RecvTimeoutError::Timeout));
            if let (true, Some(pid)) = (expired, pid) {
                // Not waited for yet (see `stop`), so the pid is still its.
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
            expired
        });
        Watchdog { stop, thread }
    }

    /// Stops the clock and says whether it killed the process. Called
    /// before the process is waited for, so that a kill never reaches a
    /// process that took over its pid.
    fn stop(self) -> bool {
        let _ = self.stop.send(());
        self.thread.join().unwrap_or(true)
    }
}

fn child_pid(child: &Child) -> Option<rustix::process::Pid> {
    i32::try_from(child.id()).ok().and_then(rustix::process::Pid::from_raw)
}

fn kill(child: &Child) {
    if let Some(pid) = child_pid(child) {
        // Gone already is fine: it is waited for either way.
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use am_schema::chunk::encode_event;

    #[test]
    fn a_reply_past_the_cap_or_unreadable_stops_the_process() {
        let log = encode_event(&ChunkEvent::Log { warning: false, text: "hi".into() });
        // A frame announcing more than the cap is refused before it is read.
        let huge = [log.as_slice(), &u32::MAX.to_le_bytes()].concat();
        let mut reply = Reply::default();
        let why = reply.read(huge.as_slice()).expect_err("past the cap");
        assert!(why.contains("more than its memory limit of 1 GiB"), "{why}");
        assert_eq!(reply.log.len(), 1, "what came before the cap is kept");

        let garbage = [&1u32.to_le_bytes()[..], &[0xff]].concat();
        let why = Reply::default().read(garbage.as_slice()).expect_err("no event");
        assert!(why.contains("no event"), "{why}");

        // A frame cut short by a kill ends the reply, without an error.
        let cut = &log[..log.len() - 1];
        let mut reply = Reply::default();
        assert_eq!(reply.read(cut), Ok(()));
        assert!(reply.log.is_empty());
    }
}
