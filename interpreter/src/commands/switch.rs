//! `am switch`: copy a bundle to another machine and activate it there.
//!
//! Everything happens in programs the user has and knows: Nix copies the
//! bundle's closure (see `closure`), ssh runs the bundle's own
//! `bin/activate` on the target, whose output shows as it comes and whose
//! exit code becomes `am`'s. With a build host, the bundle's derivation is
//! copied there, built with `nix-store --realise`, and the result copied on.

mod closure;
mod process;
mod ssh;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use self::closure::Copier;
use self::process::Invocation;
use self::ssh::{SSH_FAILED, Ssh};
use crate::bundle;
use crate::cli::Switch;
use crate::error::{Error, Result};
use crate::report;

/// What a failure before the activation leaves behind.
const NOTHING_ACTIVATED: &str = "nothing was activated";

/// Deploys as `args` say; returns the exit code of the activation on the
/// target.
pub fn run(args: &Switch) -> Result<u8> {
    let ssh = Ssh::from_env();
    let copier = Copier::detect();
    let target = args.target_host.as_str();
    let bundle = match args.build_host.as_deref() {
        None => {
            let bundle = built_bundle(&args.bundle)?;
            let step = format!("copying {bundle} to {target}");
            run_step(&step, &copier.to(target, &bundle))?;
            bundle
        }
        Some(builder) => {
            let drv = derivation(&args.bundle)?;
            let step = format!("copying {drv} to {builder}");
            run_step(&step, &copier.derivation_to(builder, &drv))?;
            let bundle = build_on(&ssh, builder, &drv)?;
            // Built on the target itself, the bundle is where it is needed.
            if builder != target {
                let step = format!("copying {bundle} from {builder} to {target}");
                for invocation in copier.between(builder, target, &bundle) {
                    run_step(&step, &invocation)?;
                }
            }
            bundle
        }
    };
    activate_on(&ssh, target, &bundle, args)
}

/// The store path of the built bundle `path` names (`./result` is a link).
fn built_bundle(path: &Path) -> Result<String> {
    if is_derivation(path) {
        return Err(Error::DerivationWithoutBuildHost(path.to_path_buf()));
    }
    // Opening the plan finds a folder that is no bundle before a slow copy.
    let bundle = bundle::open_folder(path)?;
    store_path(path, &bundle.root)
}

/// The store path of the derivation `path` names.
fn derivation(path: &Path) -> Result<String> {
    if !is_derivation(path) {
        return Err(Error::BuildHostNeedsDerivation(path.to_path_buf()));
    }
    let canonical = std::fs::canonicalize(path)
        .map_err(|source| Error::BundleUnreadable { path: path.to_path_buf(), source })?;
    store_path(path, &canonical)
}

/// Whether `path` names a derivation: a `.drv`, or a link to one (as
/// `nix-instantiate --add-root` makes).
fn is_derivation(path: &Path) -> bool {
    let drv = |path: &Path| path.extension().is_some_and(|extension| extension == "drv");
    drv(path) || std::fs::canonicalize(path).is_ok_and(|canonical| drv(&canonical))
}

/// `canonical` as a string, if it is a path right inside the Nix store,
/// the only kind Nix copies.
fn store_path(given: &Path, canonical: &Path) -> Result<String> {
    let store = store_dir();
    let in_store = canonical.parent() == Some(store.as_path());
    match canonical.to_str() {
        Some(path) if in_store => Ok(path.to_string()),
        _ => Err(Error::NotInStore { path: given.to_path_buf(), store }),
    }
}

/// The Nix store folder: `NIX_STORE_DIR`, which Nix reads too, else the
/// usual one.
fn store_dir() -> PathBuf {
    std::env::var_os("NIX_STORE_DIR").map_or_else(|| PathBuf::from("/nix/store"), PathBuf::from)
}

/// Builds `drv` on `builder`; returns the bundle it built, in the
/// builder's store.
fn build_on(ssh: &Ssh, builder: &str, drv: &str) -> Result<String> {
    let step = format!("building {drv} on {builder}");
    let invocation = ssh.remote(builder, &["nix-store", "--realise", drv], false);
    report::step(&step, &invocation.shown());
    let (status, stdout) =
        invocation.run_for_stdout().map_err(|error| cannot_run(&step, &invocation, &error))?;
    check_status(&step, &invocation, status)?;
    // A bundle's derivation has one output, which `--realise` prints.
    let lines: Vec<&str> = stdout.lines().filter(|line| !line.trim().is_empty()).collect();
    match lines.as_slice() {
        [path] if path.starts_with('/') => Ok(path.trim().to_string()),
        _ => Err(Error::Remote {
            step,
            failure: format!(
                "`{}` printed {:?} where one store path was expected",
                invocation.shown(),
                stdout
            ),
            after: NOTHING_ACTIVATED,
        }),
    }
}

/// Runs the bundle's `bin/activate` on `target`; returns its exit code.
fn activate_on(ssh: &Ssh, target: &str, bundle: &str, args: &Switch) -> Result<u8> {
    let activate = format!("{bundle}/bin/activate");
    let mut words: Vec<&str> = Vec::new();
    if args.sudo {
        words.push("sudo");
    }
    words.push(&activate);
    words.extend(args.activate_args.iter().map(String::as_str));
    // sudo asks for a password on a terminal; there is one to give it only
    // when the user is at one here.
    let tty = args.sudo && std::io::stdin().is_terminal();
    let invocation = ssh.remote(target, &words, tty);
    let sudo = if args.sudo { " with sudo" } else { "" };
    let step = format!("activating {bundle} on {target}{sudo}");
    report::step(&step, &invocation.shown());
    let status = if tty { invocation.run_at_terminal() } else { invocation.run() };
    let status = status.map_err(|error| cannot_run(&step, &invocation, &error))?;
    match status.code() {
        Some(SSH_FAILED) | None => Err(Error::Remote {
            failure: exited(&invocation, status),
            step,
            after: "ssh could not connect, lost the connection, or the activation there was \
                    killed; an activation that had begun there either finished (`am \
                    generations` there tells) or is undone by the next am run there",
        }),
        Some(code) => Ok(u8::try_from(code).unwrap_or(u8::MAX)),
    }
}

/// Says `step`, runs `invocation`, and fails unless it exits with 0: one
/// of the steps before the activation.
fn run_step(step: &str, invocation: &Invocation) -> Result<()> {
    report::step(step, &invocation.shown());
    let status = invocation.run().map_err(|error| cannot_run(step, invocation, &error))?;
    check_status(step, invocation, status)
}

/// Fails unless a step before the activation exited with 0.
fn check_status(step: &str, invocation: &Invocation, status: ExitStatus) -> Result<()> {
    if status.success() {
        return Ok(());
    }
    Err(Error::Remote {
        step: step.to_string(),
        failure: exited(invocation, status),
        after: NOTHING_ACTIVATED,
    })
}

/// `` `cmd` exited with N (its output is above)``.
fn exited(invocation: &Invocation, status: ExitStatus) -> String {
    let how = match status.code() {
        Some(code) => format!("exited with {code}"),
        None => "was stopped by a signal".to_string(),
    };
    format!("`{}` {how} (its output is above)", invocation.shown())
}

fn cannot_run(step: &str, invocation: &Invocation, error: &std::io::Error) -> Error {
    Error::Remote {
        step: step.to_string(),
        failure: format!(
            "could not run {}: {error} (am switch needs Nix and an ssh client on PATH)",
            invocation.program
        ),
        after: NOTHING_ACTIVATED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_right_inside_the_store_are_copied() {
        let store = store_dir();
        let bundle = store.join("abc-home-bundle");
        assert_eq!(
            store_path(Path::new("./result"), &bundle).ok(),
            bundle.to_str().map(String::from)
        );
        let inside = bundle.join("static");
        assert!(matches!(store_path(&inside, &inside), Err(Error::NotInStore { .. })));
        let elsewhere = Path::new("/tmp/home-bundle");
        assert!(matches!(store_path(elsewhere, elsewhere), Err(Error::NotInStore { .. })));
    }

    #[test]
    fn a_derivation_is_built_only_on_a_build_host() {
        let drv = Path::new("/nix/store/abc-home-bundle.drv");
        assert!(matches!(built_bundle(drv), Err(Error::DerivationWithoutBuildHost(_))));
        let built = Path::new("/nix/store/abc-home-bundle");
        assert!(matches!(derivation(built), Err(Error::BuildHostNeedsDerivation(_))));
    }
}
