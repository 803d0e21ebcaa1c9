//! One activation of a home at a time: an exclusive `flock` on the home
//! folder itself, so that no file has to be created before the pre-check
//! (a refused first activation leaves nothing behind). The kernel drops the
//! lock when the process ends, however it ends.

use std::fs::File;
use std::io;
use std::path::Path;

use rustix::fs::{FlockOperation, flock};

/// Held for as long as it lives.
#[derive(Debug)]
pub struct HomeLock {
    _file: File,
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
        Ok(HomeLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits() {
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
}
