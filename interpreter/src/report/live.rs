//! stderr while an activation runs. Lines are written whole; on a terminal
//! a status line sits below them (the nodes running and for how long, the
//! layers done, the files made), redrawn by a thread of its own a few times
//! a second and cleared before any other line is written, so the two never
//! mix. Off a terminal nothing but the lines is written.
//!
//! Under `--verbose`, what commands write is shown as it comes, each line
//! under the id of its node, since commands of one layer run side by side.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use am_schema::Node;

use super::sections::count;
use crate::activate::Watcher;
use crate::quote::printable;
use crate::style::Style;

/// How often the status line is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// An activation that ends sooner draws no status line at all.
const QUIET_FOR: Duration = Duration::from_millis(300);

/// The most of an unfinished line a command's output is held back for.
const MAX_PARTIAL: usize = 4096;

/// How many running nodes the status line names.
const NAMED: usize = 3;

/// stderr for one activation.
#[derive(Debug)]
pub struct Console {
    shared: Arc<Shared>,
    ticker: Option<JoinHandle<()>>,
}

/// What the writer, the workers and the ticker share.
#[derive(Debug)]
pub struct Shared {
    board: Mutex<Board>,
    wake: Condvar,
    style: Style,
    /// Show the lines commands write as they come (`--verbose`).
    stream: bool,
}

/// The state the status line shows.
#[derive(Debug)]
struct Board {
    /// Whether the status line is on a terminal at all.
    live: bool,
    /// Whether it is on the screen now (and must be cleared first).
    drawn: bool,
    finished: bool,
    started: Instant,
    /// Nodes running, by id, with when they started, oldest first.
    running: Vec<(String, Instant)>,
    layers_done: usize,
    layers: usize,
    /// Links and copies made so far.
    files_done: usize,
    /// What commands wrote after their last newline, by node id.
    partial: BTreeMap<String, Vec<u8>>,
}

impl Console {
    /// `layers`: how many the plan has, for "layer 2/5".
    pub fn new(style: Style, stream: bool, layers: usize) -> Console {
        let live = io::stderr().is_terminal()
            && std::env::var_os("TERM").is_none_or(|term| term != "dumb");
        let board = Board {
            live,
            drawn: false,
            finished: false,
            started: Instant::now(),
            running: Vec::new(),
            layers_done: 0,
            layers,
            files_done: 0,
            partial: BTreeMap::new(),
        };
        let shared =
            Arc::new(Shared { board: Mutex::new(board), wake: Condvar::new(), style, stream });
        let ticker = live.then(|| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || shared.tick())
        });
        Console { shared, ticker }
    }

    /// What the workers tell, for [`crate::activate::Progress::watcher`].
    pub fn watcher(&self) -> Arc<dyn Watcher> {
        Arc::clone(&self.shared) as Arc<dyn Watcher>
    }

    /// Writes `text` (whole lines) above the status line.
    pub fn write(&self, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut board = self.shared.board();
        write_above(&mut board, text);
    }

    /// A node is done: it no longer runs, what it wrote last is shown, and
    /// a link or copy counts as a file made.
    pub fn node_done(&self, node: &Node, file: bool) {
        let mut board = self.shared.board();
        board.running.retain(|(id, _)| *id != node.id);
        if let Some(rest) = board.partial.remove(&node.id).filter(|rest| !rest.is_empty()) {
            let line = output_line(&node.id, &rest, self.shared.style);
            write_above(&mut board, &line);
        }
        board.files_done += usize::from(file);
    }

    pub fn layer_done(&self) {
        self.shared.board().layers_done += 1;
    }

    /// Whether the status line is shown (stderr is a terminal).
    pub fn is_live(&self) -> bool {
        self.shared.board().live
    }

    /// Stops the ticker and clears the status line; nothing is drawn after.
    pub fn finish(&mut self) {
        {
            let mut board = self.shared.board();
            board.finished = true;
            clear(&mut board);
        }
        self.shared.wake.notify_all();
        if let Some(ticker) = self.ticker.take() {
            // A ticker that panicked drew nothing more; nothing to report.
            let _ = ticker.join();
        }
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Shared {
    fn board(&self) -> MutexGuard<'_, Board> {
        // A panic while drawing leaves the board whole: each change is one
        // assignment or push.
        self.board.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The ticker's loop: redraw until finished.
    fn tick(&self) {
        let mut board = self.board();
        while !board.finished {
            if board.started.elapsed() >= QUIET_FOR {
                draw(&mut board, self.style);
            }
            board = match self.wake.wait_timeout(board, TICK) {
                Ok((board, _)) => board,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

impl Watcher for Shared {
    fn node_started(&self, node: &Node) {
        self.board().running.push((node.id.clone(), Instant::now()));
    }

    fn output(&self, node: &Node, bytes: &[u8]) {
        if !self.stream {
            return;
        }
        let mut board = self.board();
        let mut pending = board.partial.remove(&node.id).unwrap_or_default();
        pending.extend_from_slice(bytes);
        let mut text = String::new();
        while let Some(end) = pending.iter().position(|&byte| byte == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            text.push_str(&output_line(&node.id, &line[..end], self.style));
        }
        // A line that never ends (a progress bar redrawn with `\r`) is
        // shown in pieces rather than held back without bound.
        if pending.len() > MAX_PARTIAL {
            text.push_str(&output_line(&node.id, &std::mem::take(&mut pending), self.style));
        }
        board.partial.insert(node.id.clone(), pending);
        write_above(&mut board, &text);
    }
}

/// One line a command wrote, under its node's id.
fn output_line(id: &str, line: &[u8], style: Style) -> String {
    let line = String::from_utf8_lossy(line);
    let line = line.trim_end_matches('\r');
    format!("{} {}\n", style.dim(&format!("{} │", printable(id))), printable(line))
}

fn write_above(board: &mut Board, text: &str) {
    if text.is_empty() {
        return;
    }
    clear(board);
    // Nowhere is left to report a failing stderr to.
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

fn clear(board: &mut Board) {
    if board.drawn {
        let _ = io::stderr().lock().write_all(b"\r\x1b[K");
        board.drawn = false;
    }
}

fn draw(board: &mut Board, style: Style) {
    let line = status(board, Instant::now());
    // A terminal that does not know its size says 0.
    let width = rustix::termios::tcgetwinsize(io::stderr())
        .ok()
        .filter(|size| size.ws_col > 0)
        .map_or(80, |size| size.ws_col);
    let line = cut(&line, usize::from(width.max(20)) - 1);
    let _ = io::stderr().lock().write_all(format!("\r\x1b[K{}", style.dim(&line)).as_bytes());
    board.drawn = true;
}

/// `layer 2/5 · 1234 files made · running: hello 2.1s, lua:x 0.3s`.
fn status(board: &Board, now: Instant) -> String {
    let mut parts =
        vec![format!("layer {}/{}", (board.layers_done + 1).min(board.layers), board.layers)];
    if board.files_done > 0 {
        parts.push(count(board.files_done, "file made", "files made"));
    }
    if !board.running.is_empty() {
        let mut named: Vec<String> = board
            .running
            .iter()
            .take(NAMED)
            .map(|(id, since)| {
                format!("{} {:.1}s", printable(id), now.duration_since(*since).as_secs_f64())
            })
            .collect();
        if board.running.len() > NAMED {
            named.push(format!("{} more", board.running.len() - NAMED));
        }
        parts.push(format!("running: {}", named.join(", ")));
    }
    parts.join(" · ")
}

/// The first `width` characters of `line`.
fn cut(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_string();
    }
    let kept: String = line.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board() -> Board {
        Board {
            live: true,
            drawn: false,
            finished: false,
            started: Instant::now(),
            running: Vec::new(),
            layers_done: 1,
            layers: 3,
            files_done: 12,
            partial: BTreeMap::new(),
        }
    }

    #[test]
    fn status_names_running_nodes_with_their_time() {
        let mut board = board();
        let now = Instant::now();
        let ids = ["hello", "lua:x", "c", "d"];
        board.running =
            ids.iter().map(|id| (id.to_string(), now - Duration::from_millis(2100))).collect();
        assert_eq!(
            status(&board, now),
            "layer 2/3 · 12 files made · running: hello 2.1s, lua:x 2.1s, c 2.1s, 1 more"
        );
    }

    #[test]
    fn long_lines_are_cut_to_the_width() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }
}
