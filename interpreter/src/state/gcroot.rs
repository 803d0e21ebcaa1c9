//! Keeping bundles alive: every kept generation's bundle is an indirect Nix
//! GC root, registered through `nix-store --add-root`, which goes through the
//! daemon on multi-user installs. Without a way to register, `am` says so
//! loudly: a collected bundle would leave the home's links dangling.

use std::io;
use std::path::Path;
use std::process::Command;

/// Registers `link` (created as a symlink to `bundle`) as an indirect root.
/// An error carries what Nix said.
pub fn register(link: &Path, bundle: &Path) -> io::Result<()> {
    if let Some(dir) = link.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(link);
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
