//! The `tmpfiles` node: `systemd-tmpfiles --create` on the bundle's rules
//! file at every activation (as NixOS's switch does), and `--remove` on
//! the rules the previous generation had and this one dropped (which
//! removes what those rules' types remove, such as `D` and `R`; a dropped
//! `d` leaves its folder). `--root` for a tree under `--root`.
//!
//! Not journaled, like a command: what `systemd-tmpfiles` made stays when
//! a later node fails. That is why `--create` runs even when the rules are
//! the previous generation's: an activation that was rolled back (or
//! killed, and undone by the next run) may have applied other rules to the
//! same paths (another mode, another owner), and the next activation puts
//! them back as the active rules say.

use std::collections::BTreeSet;
use std::path::Path;

use am_schema::Tmpfiles;
use am_schema::state::Generation;

use super::backend::Backend;
use super::exec::ExecSpec;
use super::{Failure, NodeOutcome};
use crate::place::Place;

pub fn apply(
    tmpfiles: &Tmpfiles,
    node: &str,
    place: &Place,
    bundle: Option<&Path>,
    previous: Option<&Generation>,
    backend: &impl Backend,
) -> NodeOutcome {
    let entry = |bundle: &Path| bundle.join(am_schema::STATIC_DIR).join(&tmpfiles.target);
    let Some(rules) = bundle.map(entry) else {
        return NodeOutcome::Failed(Failure::Bug("a tmpfiles node without a bundle"));
    };
    let new = std::fs::read_to_string(&rules).unwrap_or_default();
    // A previous bundle the collector deleted has no rules to drop.
    let old = previous
        .and_then(|previous| std::fs::read_to_string(entry(Path::new(&previous.bundle))).ok());
    let dropped = dropped_rules(old.as_deref().unwrap_or(""), &new);
    let root = place.root.as_deref().filter(|_| place.is_offline());
    let argv = |action: &str, file: &str| {
        let mut argv = vec!["systemd-tmpfiles".to_string(), action.to_string()];
        if let Some(root) = root {
            argv.extend(["--root".into(), root.to_string_lossy().into_owned()]);
        }
        argv.push(file.to_string());
        argv
    };
    let spec = ExecSpec::command(argv("--create", &rules.to_string_lossy()), Path::new("/"));
    if let Err(failure) = run(node, spec, backend) {
        return NodeOutcome::Failed(failure);
    }
    if !dropped.is_empty() {
        let mut spec = ExecSpec::command(argv("--remove", "-"), Path::new("/"));
        spec.stdin = Some(dropped.join("\n") + "\n");
        if let Err(failure) = run(node, spec, backend) {
            return NodeOutcome::Failed(failure);
        }
    }
    NodeOutcome::Tmpfiles { removed: dropped.len() }
}

fn run(node: &str, spec: ExecSpec, backend: &impl Backend) -> Result<(), Failure> {
    let mut argv = vec![spec.program.to_string_lossy().into_owned()];
    argv.extend(spec.args.iter().cloned());
    let command = crate::quote::shell_line(argv.iter().map(String::as_str));
    match backend.run(node, &spec, &|_| {}) {
        Ok(captured) if captured.status.success() => Ok(()),
        Ok(captured) => {
            let output = String::from_utf8_lossy(&captured.output).trim().to_string();
            Err(Failure::Tmpfiles { command, output })
        }
        Err(error) => Err(Failure::Tmpfiles { command, output: error.to_string() }),
    }
}

/// The rules of `old` that `new` does not have, in their order; comments
/// and blank lines are no rules.
fn dropped_rules(old: &str, new: &str) -> Vec<String> {
    let rules = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    let kept: BTreeSet<String> = rules(new).into_iter().collect();
    rules(old).into_iter().filter(|rule| !kept.contains(rule)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rules_the_new_file_lacks_are_dropped() {
        let old = "# comment\nd /var/lib/a 0755 root root -\n\nD /var/cache/b - - - -\n";
        let new = "d /var/lib/a 0755 root root -\n";
        assert_eq!(dropped_rules(old, new), ["D /var/cache/b - - - -"]);
        assert!(dropped_rules(new, old).is_empty());
    }
}
