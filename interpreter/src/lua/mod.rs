//! Lua for dynamic nodes: a chunk runs on the worker thread that picked up
//! its node, in that thread's own Lua state (created the first time the
//! thread runs a chunk, so a plan without Lua never starts one), and tells
//! what it wants through the `am` API (see `api.rs`): the nodes it creates
//! come back to the engine, which checks and runs them like compiled ones.
//!
//! Lua itself cannot change anything: the state has no `io`, no `os.execute`
//! and no module loading (see `sandbox.rs`), so dry run, journal and rollback
//! cover everything a chunk does.

mod api;
mod sandbox;
mod target;

use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use am_schema::Node;

pub use self::api::members;

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
    pub time_limit: std::time::Duration,
}

/// How long a chunk may run. Chunks only compute and describe nodes, which
/// takes milliseconds even for thousands of them; commands they create run
/// as nodes, with their own timeouts.
pub const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// What a chunk did.
#[derive(Debug, Default)]
pub struct Ran {
    /// The nodes it created, in the order it created them.
    pub created: Vec<Node>,
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

/// Lua states started by this process: a plan without dynamic nodes must
/// leave it at zero (`--verbose` shows it, and a test checks it).
static STATES_STARTED: AtomicUsize = AtomicUsize::new(0);

pub fn states_started() -> usize {
    STATES_STARTED.load(Ordering::Relaxed)
}

thread_local! {
    /// This thread's state, once it ran a chunk.
    static STATE: RefCell<Option<mlua::Lua>> = const { RefCell::new(None) };
}

/// Runs the chunk of `node` (a `lua` node) in this thread's state.
pub fn run(node: &Node, chunk: &am_schema::Lua, context: &Context) -> Result<Ran, Failed> {
    STATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let lua = match &mut *slot {
            Some(lua) => lua,
            empty => match sandbox::new_state() {
                Ok(lua) => {
                    STATES_STARTED.fetch_add(1, Ordering::Relaxed);
                    empty.insert(lua)
                }
                Err(error) => {
                    let message = format!("could not start Lua: {error}");
                    return Err(Failed { message, log: Vec::new() });
                }
            },
        };
        api::run(lua, node, chunk, context)
    })
}
