#!/usr/bin/env bash
# The documentation site: regenerate the pages made from the code (options,
# command line, the example's plan), build the book into target/docs, draw
# its graphs, check every internal link, and write man pages to target/man.
#
#   scripts/docs.sh            then open target/docs/index.html
#
# Installs what is missing: mdbook with cargo, Graphviz with apt-get (as root
# on Debian), Nix as scripts/test.sh does. Works offline once they are there.
# The regenerated pages under docs/src/ are committed: review and commit them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need_nix
need_cargo
need_docs_tools

# An assignment of its own, so that `set -e` stops here when none is found.
AM_NIXPKGS_LIB=$(nixpkgs_lib)
export AM_NIXPKGS_LIB
cd "$repo"
say "building am, am-compile and am-docs"
cargo build --bins --quiet
say "regenerating the reference pages and building the book"
bin="${CARGO_TARGET_DIR:-$repo/target}/debug"
"$bin/am-docs" --update --build "$repo/target/docs"
"$bin/am" __docs man "$repo/target/man"
say "done: open $repo/target/docs/index.html; man pages are in target/man"
