//! The floor: the least work any linker must do, written plainly and run
//! in-process and sequentially, so the other rows read as "times the floor".

use std::fs;
use std::io;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use super::layout::Layout;
use super::workload::{File, Generation};

/// Brings the home from `from` (`None`: empty) to `to`.
pub fn apply(layout: &Layout, from: Option<&Generation>, to: &Generation) -> io::Result<()> {
    match from {
        None => link_all(layout, to),
        Some(from) => switch(layout, from, to),
    }
}

/// Scenario (a): `mkdir -p` and one symlink per file into an empty home.
/// Files come sorted, so siblings are neighbours and a folder just made
/// needs no second `mkdir -p`: the floor is meant to be hard to beat.
pub fn link_all(layout: &Layout, generation: &Generation) -> io::Result<()> {
    let home = layout.home();
    let mut made = PathBuf::new();
    for file in &generation.files {
        let path = home.join(&file.path);
        if let Some(parent) = path.parent().filter(|parent| *parent != made) {
            fs::create_dir_all(parent)?;
            made = parent.to_path_buf();
        }
        symlink(layout.store_file(file), &path)?;
    }
    Ok(())
}

/// Scenarios (b) and (c): prune the links of files `to` no longer declares,
/// then check every other link (lstat + readlink) and replace or add the ones
/// that differ. With `from == to` this is the no-op check of (b).
pub fn switch(layout: &Layout, from: &Generation, to: &Generation) -> io::Result<()> {
    let home = layout.home();
    for file in from.missing_from(to) {
        prune(&home, &home.join(&file.path), &layout.store_file(file))?;
    }
    for file in &to.files {
        ensure(layout, &home.join(&file.path), file)?;
    }
    Ok(())
}

/// Removes the link if it still is ours, then the folders it leaves empty.
fn prune(home: &Path, path: &Path, ours: &Path) -> io::Result<()> {
    if fs::read_link(path).ok().as_deref() != Some(ours) {
        return Ok(());
    }
    fs::remove_file(path)?;
    let mut folder = path.parent();
    while let Some(dir) = folder.filter(|dir| *dir != home) {
        // A folder that still holds something stops the walk up.
        if fs::remove_dir(dir).is_err() {
            break;
        }
        folder = dir.parent();
    }
    Ok(())
}

fn ensure(layout: &Layout, path: &Path, file: &File) -> io::Result<()> {
    let wanted = layout.store_file(file);
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            symlink(&wanted, path)
        }
        Err(e) => Err(e),
        Ok(meta) if meta.file_type().is_symlink() => {
            if fs::read_link(path)? == wanted {
                Ok(())
            } else {
                replace(path, &wanted)
            }
        }
        Ok(_) => Err(io::Error::other(format!("{} is in the way", path.display()))),
    }
}

/// Swaps the link atomically: a new link beside it, renamed over it.
fn replace(path: &Path, wanted: &Path) -> io::Result<()> {
    let mut temp = PathBuf::from(path);
    temp.as_mut_os_string().push(".floor-tmp");
    symlink(wanted, &temp)?;
    fs::rename(&temp, path)
}
