//! One activation of a home at a time: an exclusive `flock` on the home
//! folder itself, so that no file has to be created before the pre-check
//! (a refused first activation leaves nothing behind). The kernel drops the
//! lock when the process ends, however it ends, and every process holding
//! a handle on it has ended: a command `am` runs for a journaled change
//! gets one ([`for_command`]).

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use rustix::fs::{FlockOperation, flock};

/// Held for as long as it lives.
#[derive(Debug)]
pub struct HomeLock {
    _file: File,
}

/// A second handle on the lock this process holds (one `am` holds one
/// place's lock at a time), while it holds it.
static HELD: Mutex<Option<File>> = Mutex::new(None);

/// A handle on the lock this process holds, for the stdin of a command
/// whose change is journaled (`useradd`, `usermod`: see
/// `activate::exec::ExecSpec::journaled`): the lock is then held
/// until the command exits too, even when `am` is killed first. The next
/// run, which undoes the journal, waits for the command instead of racing
/// it: a `usermod` still running would hold the account files' own lock
/// (and the undo would fail), or change them after the undo (and the
/// account would stay as the killed run left it, with no record of it).
/// `None` when no lock is held, or the handle could not be made.
pub fn for_command() -> Option<File> {
    let held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    held.as_ref().and_then(|file| file.try_clone().ok())
}

impl HomeLock {
    /// Takes the lock, calling `waiting` once if another process holds it,
    /// then waiting for it.
    pub fn acquire(home: &Path, waiting: impl FnOnce()) -> io::Result<HomeLock> {
        let file = File::open(home)?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                waiting();
                flock(&file, FlockOperation::LockExclusive)?;
            }
            Err(error) => return Err(error.into()),
        }
        // The same open file (not the folder opened again), which is what
        // the lock belongs to.
        *HELD.lock().unwrap_or_else(PoisonError::into_inner) = file.try_clone().ok();
        Ok(HomeLock { _file: file })
    }
}

impl Drop for HomeLock {
    /// The second handle goes first: the lock ends with the last handle.
    fn drop(&mut self) {
        HELD.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests take locks one at a time: the handle [`for_command`] gives
    /// is the process's.
    fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
        static SERIAL: Mutex<()> = Mutex::new(());
        SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[test]
    fn a_second_lock_waits() {
        let _serial = one_at_a_time();
        let dir = std::env::temp_dir().join(format!("am-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let first = HomeLock::acquire(&dir, || panic!("nobody holds it yet")).expect("lock");
        let (tx, rx) = std::sync::mpsc::channel();
        let dir2 = dir.clone();
        let waiter = std::thread::spawn(move || {
            let waited = std::cell::Cell::new(false);
            let lock = HomeLock::acquire(&dir2, || waited.set(true)).expect("lock");
            tx.send(waited.get()).expect("send");
            drop(lock);
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(rx.try_recv().is_err(), "the second lock did not wait");
        drop(first);
        assert_eq!(rx.recv().ok(), Some(true));
        waiter.join().expect("waiter");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_command_given_the_lock_keeps_it_until_it_exits() {
        let _serial = one_at_a_time();
        let dir = std::env::temp_dir().join(format!("am-lock-command-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let lock = HomeLock::acquire(&dir, || panic!("nobody holds it yet")).expect("lock");
        let stdin = for_command().expect("a handle on the lock held");
        let started = std::time::Instant::now();
        let mut command = std::process::Command::new("sleep")
            .arg("0.5")
            .stdin(stdin)
            .spawn()
            .expect("sleep runs");
        drop(lock);
        assert!(for_command().is_none(), "a handle on a lock no longer held");
        let waited = std::cell::Cell::new(false);
        let again = HomeLock::acquire(&dir, || waited.set(true)).expect("lock");
        assert!(waited.get(), "the lock was free while the command ran");
        // The command has closed its files once the lock is free, but may
        // not be waitable yet: its duration says it had ended.
        let took = started.elapsed();
        assert!(took.as_millis() >= 500, "the lock was free again after {took:?}");
        command.wait().expect("sleep is waited for");
        drop(again);
        let _ = std::fs::remove_dir_all(dir);
    }
}
