//! Keeping bundles alive: every kept generation's bundle is an indirect Nix
//! GC root. `<state>/gcroots/<N>` links to the bundle, and Nix's
//! `/nix/var/nix/gcroots/auto/` (or the user's `per-user/<name>/`) holds a
//! link to that link, which is what `nix-store --add-root` makes. Writing that
//! link directly costs one syscall instead of a process; where it is not
//! allowed, `nix-store --add-root` goes through the daemon. Without any way
//! to register, `am` says so loudly: a collected bundle would leave the
//! home's links dangling.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

const GCROOTS: &str = "/nix/var/nix/gcroots";

/// Makes `<state>/gcroots/<number>` a symlink to `bundle` and registers it
/// as an indirect root: a system's in `/nix/var/nix/gcroots/activation-manager/`
/// (made if missing; only root activates a system), a home's where its
/// user may write.
pub fn register(
    state: &super::StateDir,
    number: u64,
    bundle: &Path,
    role: am_schema::Role,
) -> io::Result<()> {
    let link = state.link_gcroot(number, bundle)?;
    let link = link.as_path();
    let name = format!(
        "activation-manager-{:016x}",
        am_schema::fnv1a64(link.as_os_str().as_encoded_bytes())
    );
    let mut dirs = Vec::new();
    if role == am_schema::Role::System {
        let ours = PathBuf::from(GCROOTS).join("activation-manager");
        let _ = std::fs::create_dir_all(&ours);
        dirs.push(ours);
    }
    dirs.push(PathBuf::from(GCROOTS).join("auto"));
    if let Some(user) = std::env::var_os("USER") {
        dirs.push(PathBuf::from(GCROOTS).join("per-user").join(user));
    }
    for dir in dirs {
        let root = dir.join(&name);
        if std::fs::read_link(&root).is_ok_and(|target| target == link) {
            return Ok(());
        }
        if std::os::unix::fs::symlink(link, &root).is_ok() {
            return Ok(());
        }
    }
    add_root_with_nix_store(link, bundle)
}

fn add_root_with_nix_store(link: &Path, bundle: &Path) -> io::Result<()> {
    let output = Command::new("nix-store")
        .arg("--realise")
        .arg(bundle)
        .arg("--add-root")
        .arg(link)
        .output()
        .map_err(|error| {
            io::Error::new(error.kind(), format!("could not run nix-store: {error}"))
        })?;
    if output.status.success() {
        Ok(())
    } else {
        let said = String::from_utf8_lossy(&output.stderr);
        Err(io::Error::other(format!("nix-store --add-root failed: {}", said.trim())))
    }
}
