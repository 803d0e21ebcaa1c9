#!/usr/bin/env bash
# The activation benchmark: `am` against a hand-written floor, systemd-tmpfiles,
# GNU stow and smfh on the same generated dotfiles, homes on a tmpfs.
#
#   scripts/bench.sh [--files 1000,10000] [--runs 5]
#
# Prints a Markdown table and writes it to target/bench/activation.md. Installs
# what is missing (stow with apt-get, smfh with cargo); a peer that still cannot
# run shows as "n/a" with the reason.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need_nix
need_cargo

# Debian's stow is GNU stow; systemd-tmpfiles comes with systemd. apt_install
# exits when it cannot install, hence the subshell: the bench goes on without.
command -v stow >/dev/null || (apt_install stow) || say "stow is missing; its row will say n/a"

# smfh's crates.io releases carry only the library (the command-line crate is
# unpublished), so when `cargo install smfh` brings no binary, build a minimal
# one over smfh-core with the two commands the benchmark uses, as hjem calls them.
smfh_core_version=1.7.1
smfh_driver="$repo/target/bench/smfh-driver"

build_smfh_driver() {
  mkdir -p "$smfh_driver/src"
  cat >"$smfh_driver/Cargo.toml" <<EOF
[package]
name = "smfh-driver"
version = "0.0.0"
edition = "2024"
publish = false

[[bin]]
name = "smfh"
path = "src/main.rs"

[dependencies]
smfh-core = "=$smfh_core_version"

# Not a member of activation-manager's workspace.
[workspace]
EOF
  cat >"$smfh_driver/src/main.rs" <<EOF
//! \`smfh activate MANIFEST\` and \`smfh diff NEW OLD\` over smfh-core, as smfh's
//! own command line does them, for activation-manager's benchmark.
use smfh_core::manifest::Manifest;
use std::path::Path;
use std::process::ExitCode;

/// smfh's default prefix for backups of files in the way.
const PREFIX: &str = ".backup-";

fn read(path: &str) -> Result<Manifest, String> {
    Manifest::read(Path::new(path), false).map_err(|e| format!("{path}: {e}"))
}

fn activate(path: &str) -> Result<(), String> {
    let failures = read(path)?.activate(PREFIX);
    match failures.first() {
        None => Ok(()),
        Some((target, e)) => Err(format!("{} failed, first {}: {e}", failures.len(), target.display())),
    }
}

fn diff(new: &str, old: &str) -> Result<(), String> {
    read(new)?.diff(Path::new(old), PREFIX, false).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["--version"] => Ok(println!("smfh-core $smfh_core_version (minimal driver)")),
        ["activate", manifest] => activate(manifest),
        ["diff", new, old] => diff(new, old),
        _ => Err("usage: smfh activate MANIFEST | smfh diff NEW OLD | smfh --version".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("smfh: {message}");
            ExitCode::FAILURE
        }
    }
}
EOF
  (cd "$smfh_driver" && cargo build --release --quiet)
  mkdir -p "$repo/target/bench/bin"
  cp "$smfh_driver/target/release/smfh" "$repo/target/bench/bin/smfh"
}

export PATH="$repo/target/bench/bin:$PATH"
if ! command -v smfh >/dev/null; then
  say "installing smfh (cargo install --locked smfh)"
  if ! cargo install --locked --quiet smfh 2>/dev/null; then
    say "the smfh crate ships no binary; building a minimal one over smfh-core $smfh_core_version"
    build_smfh_driver || say "could not build smfh; its row will say n/a"
  fi
fi

say "building am-bench, am and am-compile (cargo build --release)"
(cd "$repo" && cargo build --release --quiet -p am-tests --bin am-bench)
# A broken am must not stop the peers' numbers: its row says why instead.
if ! build_log=$(cd "$repo" && cargo build --release --quiet --bins 2>&1); then
  reason=$(grep -m1 '^error' <<<"$build_log" || echo "see cargo build --release --bins")
  say "am does not build; its row will say n/a: $reason"
  export AM_BENCH_SKIP_AM="cargo build failed: $reason"
fi
export AM_BIN_DIR="$repo/target/release"
# An assignment of its own, so that `set -e` stops here when none is found.
AM_NIXPKGS_LIB=$(nixpkgs_lib)
export AM_NIXPKGS_LIB

# Homes go on a tmpfs: on ext4 with `discard`, bulk deletes between runs make
# the disk, not the tools, the thing being measured.
dir=$(mktemp -d "${TMPDIR:-/tmp}/am-bench.XXXXXX")
mounted=
cleanup() {
  if [ -n "$mounted" ]; then umount "$dir" || say "could not unmount $dir"; fi
  rm -rf "$dir"
}
trap cleanup EXIT
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=2g tmpfs "$dir"; then
  mounted=1
  say "homes on a tmpfs at $dir"
else
  say "cannot mount a tmpfs (needs root); homes go on $(df --output=fstype "$dir" | tail -1) at $dir, so times include the disk"
fi

"$repo/target/release/am-bench" --dir "$dir" "$@"
