//! Copying store paths with everything they reference between this
//! machine and others, with the copy command the installed Nix offers.

use super::process::Invocation;

/// The copy command: both speak to `nix-store --serve` over ssh on the
/// other end, so the other machine needs nothing but Nix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copier {
    /// `nix copy`, the new command line, where the `nix-command` feature
    /// is on. It also copies between two other machines directly.
    NixCopy,
    /// `nix-copy-closure`, which every Nix has (2.8 without the feature
    /// too); a copy between two other machines goes through this one.
    NixCopyClosure,
}

impl Copier {
    /// `nix copy` when `nix` runs a command of the new command line
    /// (`nix eval --expr 0`: no store access, no network), else
    /// `nix-copy-closure`.
    pub fn detect() -> Copier {
        let probe = Invocation::new("nix", ["eval", "--expr", "0"].map(String::from));
        if probe.succeeds_quietly() { Copier::NixCopy } else { Copier::NixCopyClosure }
    }

    /// Copies `path` and its closure from here to `host`.
    pub fn to(self, host: &str, path: &str) -> Invocation {
        match self {
            Copier::NixCopy => nix_copy(&["--to", &store_url(host), path]),
            Copier::NixCopyClosure => nix_copy_closure(&["--to", host, path]),
        }
    }

    /// Copies the derivation `drv` and the derivations and sources it is
    /// built from (never their outputs) from here to `host`.
    pub fn derivation_to(self, host: &str, drv: &str) -> Invocation {
        match self {
            // A .drv named as such means its outputs to `nix copy`.
            Copier::NixCopy => nix_copy(&["--derivation", "--to", &store_url(host), drv]),
            Copier::NixCopyClosure => nix_copy_closure(&["--to", host, drv]),
        }
    }

    /// Copies `path` and its closure from `from` to `to`, in the order
    /// given: `nix copy` streams it through this machine's memory,
    /// `nix-copy-closure` through this machine's store.
    pub fn between(self, from: &str, to: &str, path: &str) -> Vec<Invocation> {
        match self {
            Copier::NixCopy => {
                vec![nix_copy(&["--from", &store_url(from), "--to", &store_url(to), path])]
            }
            Copier::NixCopyClosure => vec![
                nix_copy_closure(&["--from", from, path]),
                nix_copy_closure(&["--to", to, path]),
            ],
        }
    }
}

fn store_url(host: &str) -> String {
    format!("ssh://{host}")
}

fn nix_copy(args: &[&str]) -> Invocation {
    Invocation::new("nix", ["copy"].iter().chain(args).map(|arg| arg.to_string()))
}

fn nix_copy_closure(args: &[&str]) -> Invocation {
    Invocation::new("nix-copy-closure", args.iter().map(|arg| arg.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every copy one copier makes, as command lines: a bundle to `me@t`,
    /// a derivation to `b`, and a bundle from `b` to `me@t`.
    fn copies(copier: Copier) -> Vec<String> {
        let mut invocations =
            vec![copier.to("me@t", "/nix/store/b"), copier.derivation_to("b", "/nix/store/d.drv")];
        invocations.extend(copier.between("b", "me@t", "/nix/store/o"));
        invocations.iter().map(Invocation::shown).collect()
    }

    #[test]
    fn nix_copy_names_ssh_stores() {
        assert_eq!(
            copies(Copier::NixCopy),
            [
                "nix copy --to ssh://me@t /nix/store/b",
                "nix copy --derivation --to ssh://b /nix/store/d.drv",
                "nix copy --from ssh://b --to ssh://me@t /nix/store/o",
            ]
        );
    }

    #[test]
    fn nix_copy_closure_goes_through_this_machine_between_two_others() {
        assert_eq!(
            copies(Copier::NixCopyClosure),
            [
                "nix-copy-closure --to me@t /nix/store/b",
                "nix-copy-closure --to b /nix/store/d.drv",
                "nix-copy-closure --from b /nix/store/o",
                "nix-copy-closure --to me@t /nix/store/o",
            ]
        );
    }
}
