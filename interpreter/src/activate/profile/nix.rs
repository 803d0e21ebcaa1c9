//! Changing a Nix profile with Nix's own tools, as home-manager does:
//! `nix-env --install` of the tree (which replaces the entry of the same
//! name) for a `nix-env` profile; `nix profile remove` of the old entry and
//! `nix profile install` of the new one for a `nix profile` one. Both work
//! from Nix 2.4 to today; `nix profile` gets the `nix-command`
//! experimental feature on its command line, which Nix 2.8 needs.

use std::io;
use std::path::{Path, PathBuf};

use super::changes::PackageChanges;
use super::locate::{Format, read_state};
use crate::activate::exec::{Captured, ExecSpec, run_captured};

/// One change of a profile: what to remove and install, and the folders
/// Nix needs to make the profile in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    /// The profile (the link Nix switches).
    pub profile: PathBuf,
    pub format: Format,
    /// The entries' name (`home-manager-path`).
    pub entry: String,
    /// The tree installed; `None` only removes.
    pub install: Option<String>,
    /// Entries of that name removed first (`nix-env --install` replaces
    /// them by itself; `nix profile` needs them removed).
    pub remove: Vec<String>,
    /// Folders made (outermost first) before Nix runs.
    pub dirs: Vec<PathBuf>,
    /// `home.profileDirectory` and the profile, when the link is missing:
    /// made before Nix runs, so that Nix (which makes a missing
    /// `~/.nix-profile` itself, to its own default) finds it.
    pub link: Option<(PathBuf, PathBuf)>,
    /// The packages the profile gains and loses, for people.
    pub changes: PackageChanges,
    /// Where the commands run (the home).
    pub cwd: PathBuf,
}

/// A Nix command that failed.
#[derive(Debug)]
pub struct NixFailed {
    /// The command line, for the message.
    pub command: String,
    pub captured: Captured,
}

impl Switch {
    /// The commands that make the change, in order.
    pub fn commands(&self) -> Vec<ExecSpec> {
        let profile = self.profile.to_string_lossy().into_owned();
        let spec = |program: &str, args: Vec<String>| ExecSpec {
            program: PathBuf::from(program),
            args,
            env: Vec::new(),
            cwd: self.cwd.clone(),
            timeout: None,
            stdin: None,
            // The journal records the change before it is made.
            journaled: true,
        };
        let nix_profile = |action: &str, path: &str| {
            let args = ["--extra-experimental-features", "nix-command", "profile", action];
            let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            args.extend(["--profile".to_string(), profile.clone(), path.to_string()]);
            spec("nix", args)
        };
        match (self.format, &self.install) {
            (Format::Env, Some(path)) => {
                let args = vec!["--profile".into(), profile, "--install".into(), path.clone()];
                vec![spec("nix-env", args)]
            }
            (Format::Env, None) if !self.remove.is_empty() => {
                let args =
                    vec!["--profile".into(), profile, "--uninstall".into(), self.entry.clone()];
                vec![spec("nix-env", args)]
            }
            (Format::Env, None) => Vec::new(),
            (Format::Manifest, install) => self
                .remove
                .iter()
                .map(|old| nix_profile("remove", old))
                .chain(install.iter().map(|path| nix_profile("install", path)))
                .collect(),
        }
    }
}

/// Makes the folders and runs the commands of `switch`, stopping at the
/// first that fails (`Ok(Err(_))`), then checks that the profile holds
/// what was installed and no longer what was removed.
pub fn run(switch: &Switch) -> io::Result<Result<(), NixFailed>> {
    for dir in &switch.dirs {
        make_dir(dir)?;
    }
    if let Some((link, profile)) = &switch.link {
        let parent = link.parent().unwrap_or(Path::new("/")).to_path_buf();
        crate::anchored::Anchored::new([parent]).symlink(profile, link).map_err(|error| {
            let message = format!("could not link {} to the profile: {error}", link.display());
            io::Error::new(error.kind(), message)
        })?;
    }
    for spec in switch.commands() {
        let captured = run_captured(&spec, &|_| {}).map_err(|error| {
            let program = spec.program.display();
            io::Error::new(
                error.kind(),
                format!("could not run {program} ({error}); is Nix installed?"),
            )
        })?;
        if !captured.status.success() {
            let command = command_line(&spec);
            return Ok(Err(NixFailed { command, captured }));
        }
    }
    let any = switch.install.iter().chain(&switch.remove).next();
    let store = any.and_then(|path| Path::new(path).parent()).unwrap_or(Path::new("/nix/store"));
    let after = read_state(&switch.profile, &switch.entry, store)?;
    let installed = switch.install.as_ref().is_none_or(|path| after.entries.contains(path));
    let removed = switch.remove.iter().all(|path| !after.entries.contains(path));
    if !(installed && removed) {
        return Err(io::Error::other(format!(
            "{} reported success, yet the profile {} holds {}",
            switch.format.tool(),
            switch.profile.display(),
            if after.entries.is_empty() {
                "none of it".to_string()
            } else {
                after.entries.join(", ")
            }
        )));
    }
    Ok(Ok(()))
}

/// A folder for the profile, made through an opened parent and never
/// through a link (as every folder `am` makes).
fn make_dir(dir: &Path) -> io::Result<()> {
    let parent = dir.parent().unwrap_or(Path::new("/")).to_path_buf();
    crate::anchored::Anchored::new([parent]).create_dir(dir)
}

/// The command as a shell line, for messages.
pub fn command_line(spec: &ExecSpec) -> String {
    let program = spec.program.to_string_lossy();
    crate::quote::shell_line(
        std::iter::once(program.as_ref()).chain(spec.args.iter().map(String::as_str)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn switch(format: Format, install: Option<&str>, remove: &[&str]) -> Switch {
        Switch {
            profile: "/h/.local/state/nix/profiles/profile".into(),
            format,
            entry: "home-manager-path".into(),
            install: install.map(String::from),
            remove: remove.iter().map(|r| r.to_string()).collect(),
            dirs: Vec::new(),
            link: None,
            changes: PackageChanges::default(),
            cwd: "/h".into(),
        }
    }

    fn lines(switch: &Switch) -> Vec<String> {
        switch.commands().iter().map(command_line).collect()
    }

    #[test]
    fn nix_env_installs_over_the_entry_of_the_same_name() {
        let install = switch(
            Format::Env,
            Some("/nix/store/n-home-manager-path"),
            &["/nix/store/o-home-manager-path"],
        );
        assert_eq!(
            lines(&install),
            [
                "nix-env --profile /h/.local/state/nix/profiles/profile --install /nix/store/n-home-manager-path"
            ]
        );
        let remove = switch(Format::Env, None, &["/nix/store/o-home-manager-path"]);
        assert_eq!(
            lines(&remove),
            [
                "nix-env --profile /h/.local/state/nix/profiles/profile --uninstall home-manager-path"
            ]
        );
    }

    #[test]
    fn nix_profile_removes_then_installs() {
        let install = switch(Format::Manifest, Some("/nix/store/n-x"), &["/nix/store/o-x"]);
        assert_eq!(
            lines(&install),
            [
                "nix --extra-experimental-features nix-command profile remove --profile /h/.local/state/nix/profiles/profile /nix/store/o-x",
                "nix --extra-experimental-features nix-command profile install --profile /h/.local/state/nix/profiles/profile /nix/store/n-x",
            ]
        );
    }
}
