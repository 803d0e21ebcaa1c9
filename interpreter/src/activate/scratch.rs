//! Names for an activation's own temporary paths beside a target: the copy
//! being written, the link swapped in, what is set aside to be checked, and
//! the trash deleted at commit.
//!
//! Each name holds the activation's token, 64 random bits written to the
//! journal's `Begin`: nobody can have made such a path before the
//! activation, so whatever is found there was made by it, and recovery
//! (which reads the token back) knows every name it may have left behind.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What a temporary path beside a target is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A copy's bytes, written and flushed before being linked into place.
    New,
    /// A link that is swapped with the one at the target.
    Link,
    /// What was at the target, set aside to check it before it is removed.
    Aside,
    /// What `force`, `--overwrite-backup` or a replacement moved out of the
    /// way: deleted when the activation commits.
    Trash,
}

impl Purpose {
    fn suffix(self) -> &'static str {
        match self {
            Purpose::New => "new",
            Purpose::Link => "link",
            Purpose::Aside => "aside",
            Purpose::Trash => "trash",
        }
    }
}

/// The temporary names of one activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scratch {
    pub token: u64,
}

impl Scratch {
    /// A new activation's names, from the kernel's random source.
    pub fn random() -> std::io::Result<Scratch> {
        let mut bytes = [0u8; 8];
        rustix::rand::getrandom(&mut bytes, rustix::rand::GetRandomFlags::empty())?;
        Ok(Scratch { token: u64::from_le_bytes(bytes) })
    }

    /// `.<name>.am-<token>-<purpose>` beside `path`.
    pub fn beside(&self, path: &Path, purpose: Purpose) -> PathBuf {
        let mut name = OsString::from(".");
        name.push(path.file_name().unwrap_or_default());
        name.push(format!(".am-{:016x}-{}", self.token, purpose.suffix()));
        path.with_file_name(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sit_beside_the_target_and_hold_the_token() {
        let scratch = Scratch { token: 0x1234 };
        assert_eq!(
            scratch.beside(Path::new("/home/me/.config/git/config"), Purpose::Trash),
            Path::new("/home/me/.config/git/.config.am-0000000000001234-trash")
        );
        let a = Scratch::random().expect("random");
        let b = Scratch::random().expect("random");
        assert_ne!(a, b, "two activations got the same token");
    }
}
