#!/usr/bin/env bash
# Formats the Rust (rustfmt) and the Nix (nixfmt) of the repository, or with
# --check only says which files are not formatted and fails (as CI does).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$repo"

check=
case "${1:-}" in
  --check) check=--check ;;
  "") ;;
  *) die "usage: scripts/fmt.sh [--check]" ;;
esac

need_cargo
need_nixfmt
cargo fmt --all ${check:+--check}
git ls-files -z '*.nix' | xargs -0 nixfmt ${check:+--check}
