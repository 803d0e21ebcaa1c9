//! Running a command on a pseudo-terminal, as a user at a terminal runs
//! it: its stdin, stdout and stderr are the terminal, what it writes is
//! recorded with the moment it arrived, and the test can type answers.

use std::fs::File;
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{Winsize, tcsetwinsize};

/// A piece of what the command wrote, with the moment it arrived.
pub type Piece = (Instant, Vec<u8>);

/// A command running on a pseudo-terminal of 120 columns.
#[derive(Debug)]
pub struct Terminal {
    child: Child,
    master: File,
    /// Everything the command wrote, piece by piece, with when it came.
    pieces: Arc<Mutex<Vec<Piece>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Terminal {
    /// Starts `command` with the terminal as its stdin, stdout and stderr.
    pub fn spawn(mut command: Command) -> Terminal {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
            .expect("a pseudo-terminal can be opened");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let size = Winsize { ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0 };
        tcsetwinsize(&master, size).expect("the terminal's size can be set");
        let name = ptsname(&master, Vec::new()).expect("the terminal has a name");
        let name = name.to_str().expect("its name is UTF-8").to_string();
        let side = || {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&name)
                .expect("the terminal's other side opens");
            Stdio::from(file)
        };
        let child = command
            .stdin(side())
            .stdout(side())
            .stderr(side())
            .spawn()
            .expect("the command starts");
        // The command holds the only copies of the other side now, so the
        // reads below end when it exits.
        drop(command);
        let master = File::from(master);
        let pieces = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let (mut master, pieces) =
                (master.try_clone().expect("the terminal can be shared"), Arc::clone(&pieces));
            std::thread::spawn(move || {
                let mut buffer = [0; 4096];
                // Ends with EIO once nothing holds the other side.
                while let Ok(n @ 1..) = master.read(&mut buffer) {
                    let mut pieces = pieces.lock().unwrap_or_else(|p| p.into_inner());
                    pieces.push((Instant::now(), buffer[..n].to_vec()));
                }
            })
        };
        Terminal { child, master, pieces, reader: Some(reader) }
    }

    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        let pieces = self.pieces.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(
            &pieces.iter().flat_map(|(_, bytes)| bytes.clone()).collect::<Vec<u8>>(),
        )
        .into_owned()
    }

    /// Waits until what was written contains `text`; panics after `limit`.
    pub fn wait_for(&self, text: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.text().contains(text) {
            assert!(Instant::now() < deadline, "no {text:?} within {limit:?}:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types `text` at the terminal.
    pub fn type_text(&mut self, text: &str) {
        self.master.write_all(text.as_bytes()).expect("the terminal takes input");
    }

    /// Waits for the command to exit and for the last of its output; gives
    /// its status, when it exited, and every piece it wrote with when.
    pub fn finish(mut self) -> (ExitStatus, Instant, Vec<Piece>) {
        let status = self.child.wait().expect("the command is waited for");
        let exited = Instant::now();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let pieces = std::mem::take(&mut *self.pieces.lock().unwrap_or_else(|p| p.into_inner()));
        (status, exited, pieces)
    }
}
