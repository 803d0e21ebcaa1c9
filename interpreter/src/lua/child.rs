//! The process that runs one chunk: `am __lua-chunk`, which `process.rs`
//! starts. It reads the job from stdin, limits itself, runs the chunk in a
//! fresh state, and writes each event to stdout as the chunk makes it.

use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use am_schema::Kind;
use am_schema::chunk::{ChunkEvent, decode_job, encode_event};
use rustix::process::{
    Resource, Rlimit, Signal, getrlimit, set_parent_process_death_signal, setrlimit,
};

use super::{Context, MEMORY_LIMIT};
use crate::error::Error;

/// How much address space the process may map: the chunk's budget, one
/// copy of the largest value in flight (a Lua string becoming a node, the
/// node becoming a frame), and the program itself. Allocations the budget
/// does not see then fail here, instead of taking the machine's memory.
const ADDRESS_SPACE: u64 = 2 * MEMORY_LIMIT as u64 + (1 << 30);

/// Lowers a limit to `soft` and `hard`, or keeps it where it is lower
/// already (a process may not raise its hard limit).
fn lower(resource: Resource, soft: u64, hard: u64) -> rustix::io::Result<()> {
    let now = getrlimit(resource);
    let maximum = now.maximum.map_or(hard, |now| now.min(hard));
    let current = now.current.map_or(soft, |now| now.min(soft)).min(maximum);
    setrlimit(resource, Rlimit { current: Some(current), maximum: Some(maximum) })
}

/// The longest failure message handed back: Lua's message and traceback
/// fit easily; a chunk erroring with a whole file does not need to.
const FAILURE_CAP: usize = 64 << 10;

/// Runs the chunk of the job on stdin. An error means the job could not be
/// read; a failing chunk is an event like any other.
pub fn serve() -> Result<(), Error> {
    let limit = |what: &str, error: rustix::io::Errno| {
        Error::Lua(format!("the chunk's process could not limit its {what}: {error}"))
    };
    // Killed with `am`, which holds the home's lock while a chunk runs
    // and would otherwise leave a looping chunk behind.
    set_parent_process_death_signal(Some(Signal::KILL)).map_err(|e| limit("life", e))?;
    lower(Resource::As, ADDRESS_SPACE, ADDRESS_SPACE).map_err(|e| limit("memory", e))?;

    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).map_err(|e| Error::Lua(format!("no job: {e}")))?;
    let job = decode_job(&input).map_err(|e| Error::Lua(format!("a broken job: {e}")))?;
    let Kind::Lua(chunk) = &job.node.kind else {
        return Err(Error::Lua(format!("{} is not a Lua node", job.node.id)));
    };
    // CPU time too, in case `am` died before the death signal was set: a
    // chunk left behind then runs no longer than it would have.
    let seconds = job.time_limit.as_secs() + 2;
    lower(Resource::Cpu, seconds, seconds + 1).map_err(|e| limit("time", e))?;

    let home = Path::new(std::ffi::OsStr::from_bytes(&job.home));
    let bundle = job.bundle.as_deref().map(|bytes| Path::new(std::ffi::OsStr::from_bytes(bytes)));
    let context = Context { home, bundle, dry_run: job.dry_run, time_limit: job.time_limit };
    let send = Box::new(|frame: &[u8]| {
        let mut out = std::io::stdout().lock();
        out.write_all(frame)?;
        out.flush()
    });
    if let Err(mut message) = super::api::run(&job.node, chunk, &context, MEMORY_LIMIT, send) {
        if message.len() > FAILURE_CAP {
            let mut end = FAILURE_CAP;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
            message.push_str(" [...]");
        }
        let frame = encode_event(&ChunkEvent::Failed(message));
        let mut out = std::io::stdout().lock();
        out.write_all(&frame)
            .and_then(|()| out.flush())
            .map_err(|e| Error::Lua(format!("could not report the chunk's failure: {e}")))?;
    }
    Ok(())
}
