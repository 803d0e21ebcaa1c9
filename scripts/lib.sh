# Shared setup of scripts/demo.sh and scripts/test.sh: install what is missing,
# or say exactly what to install. Sourced, not run.

say() { if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then printf '\033[1m==>\033[0m %s\n' "$*" >&2; else printf '==> %s\n' "$*" >&2; fi; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Flakes on; no binary caches: offline, every cache look-up would only wait.
export NIX_CONFIG="experimental-features = nix-command flakes
substituters =
${NIX_CONFIG:-}"

# Installs Debian packages when running as root on Debian; otherwise explains.
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing $* (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "$@" >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; } \
      || die "apt-get install $* failed"
  else
    die "missing: $*. Install it (Debian/Ubuntu: sudo apt-get install $*; elsewhere: https://nixos.org/download) and run this again."
  fi
}

need_nix() {
  command -v nix-build >/dev/null || apt_install nix-bin
  command -v nix-build >/dev/null || die "nix-build is still missing after installing nix-bin"
}

need_cargo() {
  command -v cargo >/dev/null || die "cargo is missing: install Rust (https://rustup.rs) and run this again."
  # mlua builds Lua from its C sources (vendored), which needs a C compiler.
  command -v cc >/dev/null || apt_install gcc
}

# The nixpkgs library (a folder holding nixpkgs' lib/default.nix), looked for
# where a user's machine has it; the first place that has it wins:
#   1. AM_NIXPKGS_LIB, when set;
#   2. the nixpkgs this checkout's flake.lock pins, when it is in the Nix store
#      (a `nix build` of the flake, or an earlier download, put it there);
#   3. the offline snapshot beside the checkout, ../shared/nixpkgs-lib/lib;
#   4. <nixpkgs/lib> through NIX_PATH (a channel), if it is recent enough;
#   5. the nixpkgs flake.lock pins, downloaded by builtins.fetchTarball and
#      checked against its hash (this needs the network).
# Prints the folder; when no place has it, says what it looked for and dies.
nixpkgs_lib() {
  local looked=() lib locked hash url store found
  if [ -n "${AM_NIXPKGS_LIB:-}" ]; then
    if [ -f "$AM_NIXPKGS_LIB/default.nix" ]; then echo "$AM_NIXPKGS_LIB"; return; fi
    looked+=("AM_NIXPKGS_LIB=$AM_NIXPKGS_LIB, which holds no default.nix")
  else
    looked+=("AM_NIXPKGS_LIB, which is not set")
  fi
  # "<narHash> <tarball url>" of the pinned nixpkgs, read by Nix (no jq needed).
  locked=$(nix-instantiate --eval --expr "
    let l = (builtins.fromJSON (builtins.readFile $repo/flake.lock)).nodes.nixpkgs.locked;
    in \"\${l.narHash} https://github.com/\${l.owner}/\${l.repo}/archive/\${l.rev}.tar.gz\"" \
    2>/dev/null | tr -d '"') || locked=""
  hash=${locked%% *} url=${locked#* }
  if [ -n "$locked" ]; then
    # The store path a fetch of it by its hash gives, whoever fetched it.
    store=$(nix-store --print-fixed-path --recursive sha256 "$hash" source)
    if nix-store --check-validity "$store" 2>/dev/null && [ -f "$store/lib/default.nix" ]; then
      echo "$store/lib"; return
    fi
    looked+=("the nixpkgs flake.lock pins ($url), which is not in the Nix store ($store)")
  else
    looked+=("$repo/flake.lock, which pins no nixpkgs")
  fi
  lib="$repo/../shared/nixpkgs-lib/lib"
  if [ -f "$lib/default.nix" ]; then (cd "$lib" && pwd); return; fi
  looked+=("the offline snapshot beside this checkout, $(cd "$repo/.." && pwd)/shared/nixpkgs-lib/lib, which does not exist")
  if lib=$(nix-instantiate --find-file nixpkgs/lib 2>/dev/null); then
    # The library uses lib.generators.mkLuaInline, which older channels lack.
    if [ "$(nix-instantiate --eval --expr "(import $lib).generators ? mkLuaInline" 2>/dev/null)" = true ]; then
      echo "$lib"; return
    fi
    looked+=("<nixpkgs/lib> through NIX_PATH, $lib, which is too old (it has no lib.generators.mkLuaInline)")
  else
    looked+=("<nixpkgs/lib> through NIX_PATH${NIX_PATH:+ ($NIX_PATH)}, which has no nixpkgs")
  fi
  if [ -n "$locked" ]; then
    say "downloading the nixpkgs flake.lock pins ($url)"
    if found=$(nix-instantiate --eval --expr "builtins.fetchTarball { url = \"$url\"; sha256 = \"$hash\"; }" 2>&1); then
      echo "$(echo "$found" | tail -n 1 | tr -d '"')/lib"; return
    fi
    looked+=("a download of $url, which failed: $(echo "$found" | tail -n 1)")
  fi
  printf 'error: no nixpkgs library found. Looked at:\n' >&2
  printf '  - %s\n' "${looked[@]}" >&2
  printf 'Set AM_NIXPKGS_LIB=/path/to/nixpkgs/lib, add a channel (nix-channel --add https://nixos.org/channels/nixpkgs-unstable nixpkgs), or run this with network access once.\n' >&2
  exit 1
}

# The docs site's tools: mdbook (compiled by cargo once, a few minutes, then
# kept in cargo's bin folder) and Graphviz's dot. Chromium, for the browser
# check of the docs tests, only with `need_docs_tools browser`.
need_docs_tools() {
  export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
  if ! command -v mdbook >/dev/null; then
    say "installing mdbook (cargo install --locked mdbook; once, a few minutes)"
    cargo install --locked --quiet mdbook
  fi
  command -v dot >/dev/null || apt_install graphviz
  if [ "${1:-}" = browser ]; then
    command -v chromium >/dev/null || apt_install chromium
  fi
}

# The type checker of the Lua API's annotations and example chunks
# (tests/tests/lua_check.rs): emmylua_check, which reads lua-language-server's
# annotations and .luarc.json. lua-language-server itself is in none of the
# registries we install from (Debian, crates.io, PyPI, npm). Compiled by cargo
# once (a few minutes), then kept in cargo's bin folder; pinned, since a newer
# checker may warn about code an older one accepted.
need_lua_check() {
  export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
  if ! command -v emmylua_check >/dev/null; then
    say "installing emmylua_check (cargo install --locked emmylua_check; once, a few minutes)"
    cargo install --locked --quiet --version 0.25.1 emmylua_check
  fi
}

# The Nix formatter (nixfmt's RFC 166 style, which nixpkgs uses), for
# scripts/fmt.sh: nixfmt-rs, a faithful Rust port, since Debian's nixfmt is
# the older, differently formatting one. Compiled by cargo once, then kept
# in cargo's bin folder; pinned, so a newer formatter cannot fail CI on code
# nobody changed.
need_nixfmt() {
  export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
  if ! nixfmt --version 2>/dev/null | grep -q '^nixfmt-rs 0\.5\.3$'; then
    say "installing nixfmt (cargo install --locked nixfmt_rs; once, a minute)"
    cargo install --locked --quiet --version 0.5.3 nixfmt_rs
  fi
}

# A real systemd user manager for the unit tests (tests/src/systemd.rs says
# how it runs without systemd as PID 1): systemd, dbus-daemon and setpriv.
need_systemd_user() {
  local missing=()
  [ -x /lib/systemd/systemd ] || [ -x /usr/lib/systemd/systemd ] || missing+=(systemd)
  command -v dbus-daemon >/dev/null || missing+=(dbus)
  command -v setpriv >/dev/null || missing+=(util-linux)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# The real dconf for the dconf tests (tests/src/dconf.rs): dconf-cli, and
# dbus for the private session each test (and am without a bus) runs in.
need_dconf() {
  local missing=()
  command -v dconf >/dev/null || missing+=(dconf-cli)
  command -v dbus-run-session >/dev/null || missing+=(dbus)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# Machines for the `am switch` tests (tests/src/remote.rs): network
# namespaces (iproute2), a mount namespace each (util-linux's unshare), sshd
# and ssh (openssh-server, openssh-client), and sudo for --sudo.
need_remote_lab() {
  local missing=()
  command -v ip >/dev/null || missing+=(iproute2)
  command -v unshare >/dev/null || missing+=(util-linux)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v ssh >/dev/null || missing+=(openssh-client)
  command -v sudo >/dev/null || missing+=(sudo)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# zsh and fish, whose completion scripts the tests run (bash is there).
need_shells() {
  local missing=()
  command -v zsh >/dev/null || missing+=(zsh)
  command -v fish >/dev/null || missing+=(fish)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}
