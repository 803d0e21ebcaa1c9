#!/usr/bin/env bash
# Every test: unit, snapshot and end-to-end (real Nix builds, real activations).
# Set AM_REQUIRE_ALL=1 to turn a skipped test (missing Nix...) into a failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need_nix
need_cargo
command -v cargo-nextest >/dev/null || { say "installing cargo-nextest"; cargo install --locked cargo-nextest; }
# The docs tests skip without these (or fail, with AM_REQUIRE_ALL=1); apt_install
# exits when it cannot install, hence the subshell.
(need_docs_tools browser) || say "mdbook, dot or chromium is missing: the docs tests will skip"
(need_systemd_user) || say "systemd, dbus or setpriv is missing: the systemd unit tests will skip"
(need_dconf) || say "dconf-cli or dbus is missing: the dconf tests will skip"
(need_lua_check) || say "emmylua_check is missing: the Lua type-check tests will skip"
(need_shells) || say "zsh or fish is missing: their completion tests will skip"
(need_remote_lab) || say "iproute2, openssh-server or sudo is missing: the am switch tests will skip"

# An assignment of its own, so that `set -e` stops here when none is found.
AM_NIXPKGS_LIB=$(nixpkgs_lib)
export AM_NIXPKGS_LIB
# Snapshots are reviewed by people: tests never write them unless asked.
export INSTA_UPDATE="${INSTA_UPDATE:-no}"

cd "$repo"
say "building am and am-compile"
cargo build --bins --quiet
say "running every test"
cargo nextest run --workspace --no-fail-fast "$@"
