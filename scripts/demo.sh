#!/usr/bin/env bash
# The main job, end to end: build am, build the example home bundle with Nix,
# activate it into a throwaway home, then show the home and `am inspect` it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need_nix
need_cargo

# First, so that a machine without it hears so before a long build.
lib=$(nixpkgs_lib)
say "using the nixpkgs library at $lib"

say "building am and am-compile (cargo build --release)"
(cd "$repo" && cargo build --release --quiet -p am-interpreter -p am-compiler --bins)
target=$(cd "$repo" && cd "${CARGO_TARGET_DIR:-target}" && pwd)

# The Nix library takes a folder holding bin/am and bin/am-compile; as a path
# it is copied into the store, so the bundle refers to a store am.
pkg="$target/demo-am"
rm -rf "$pkg" && mkdir -p "$pkg/bin"
cp "$target/release/am" "$target/release/am-compile" "$pkg/bin/"

work=$(mktemp -d "${TMPDIR:-/tmp}/am-demo.XXXXXX")
home="$work/home"
mkdir -p "$home"
say "building the bundle of examples/minimal/home.nix (nix-build)"
nix-build --out-link "$work/result" --expr "
  let
    lib = import $lib;
    am = import $repo/nix { inherit lib; am = $pkg; };
  in am.homeBundle { modules = [ $repo/examples/minimal/home.nix ]; }"

say "activating into the throwaway home $home"
HOME="$home" "$work/result/bin/activate"

say "the home now holds"
(cd "$home" && find . -mindepth 1 | sort | while read -r path; do
  if [ -L "$path" ]; then echo "  $path -> $(readlink "$path")"; else echo "  $path"; fi
done)

say "am inspect $work/result"
"$target/release/am" inspect "$work/result"
say "done; remove $work when you no longer need it"
