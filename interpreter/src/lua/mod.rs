//! Lua for dynamic nodes. Each chunk runs in a process of its own: `am`
//! starts itself again as `am __lua-chunk` (see `child.rs`), hands it the
//! chunk on stdin and reads back, as they come, the nodes the chunk
//! creates through the `am` API (see `api/`) and the lines it logs (see
//! `process.rs`); the engine checks and runs those nodes like compiled ones.
//!
//! Lua itself cannot change anything: the state has no `io`, no
//! `os.execute`, no module loading and no bytecode (see `sandbox.rs`), so
//! dry run, journal and rollback cover everything a chunk does. The
//! process is what makes the limits hold whatever the chunk does: a loop
//! that catches the time limit's error, or runs in C where no hook fires
//! (a pattern match), is killed; its memory is capped by the kernel too;
//! and each chunk starts from fresh globals, since no state is reused. A
//! plan without Lua starts no such process.

mod api;
mod child;
mod process;
mod sandbox;
mod target;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub use self::api::members;
pub use self::child::serve;
pub use self::process::{SUBCOMMAND, run};

/// What a chunk may know about the activation it runs in.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub home: &'a Path,
    /// `None` when deactivating (no chunk runs then).
    pub bundle: Option<&'a Path>,
    pub dry_run: bool,
    /// How long a chunk may run before it is stopped (an endless loop would
    /// otherwise hang the activation): the node's `timeout`, else
    /// [`TIME_LIMIT`].
    pub time_limit: Duration,
}

/// How long a chunk may run. Chunks only compute and describe nodes, which
/// takes milliseconds even for thousands of them; commands they create run
/// as nodes, with their own timeouts.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// What one chunk may hold: what Lua allocates and what it hands to `am`
/// (nodes and log lines, which `am` keeps), together. Far more than any
/// configuration needs.
pub const MEMORY_LIMIT: usize = 1 << 30;

/// A memory size for people: `1 GiB`, `64 MiB`.
fn size_text(bytes: usize) -> String {
    if bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

/// What a chunk did.
#[derive(Debug, Default)]
pub struct Ran {
    /// The nodes it created, in the order it created them.
    pub created: Vec<am_schema::Node>,
    /// What it said through `am.log` or `print`, in order.
    pub log: Vec<LogLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub warning: bool,
    pub text: String,
}

/// A chunk that failed: Lua's message with its traceback, and what it had
/// said before failing.
#[derive(Debug)]
pub struct Failed {
    pub message: String,
    pub log: Vec<LogLine>,
}

/// Lua states started by this process, one per chunk (each in a process
/// of its own): a plan without dynamic nodes must leave it at zero
/// (`--verbose` shows it, and a test checks it).
static STATES_STARTED: AtomicUsize = AtomicUsize::new(0);

pub fn states_started() -> usize {
    STATES_STARTED.load(Ordering::Relaxed)
}

/// Why a chunk was stopped after `limit`.
fn stopped(limit: Duration) -> String {
    format!(
        "stopped after {} s (an endless loop? if it needs longer, raise its `timeout`)",
        limit.as_secs_f64()
    )
}
