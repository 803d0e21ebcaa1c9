//! Evaluating Nix expressions for tests of the Nix library itself (option
//! lowering, the NixOS module, option docs): `nix-instantiate --eval
//! --strict --json`, with the nixpkgs library snapshot and the repository's
//! `nix/` folder at hand.

pub use crate::nix_path;
use crate::{am_package, nix_command, nixpkgs_lib, repo_root, stderr};

/// `let lib = <snapshot>; amLib = import ./nix { ... }; in <body>`: the
/// prefix every library test expression starts with. `amLib` is bound to
/// the `am` under test, its `homeBundle` (and the home-manager front
/// end's bundles) giving every home [`crate::NO_COMMAND`] first; `root` is
/// the repository.
pub fn with_library(body: &str) -> String {
    format!(
        "let lib = import {lib}; root = {root}; amPackage = \"${{{pkg}}}\"; \
         amLibWithCommand = import (root + \"/nix\") {{ inherit lib; am = amPackage; }}; \
         noCommand = {no_command}; \
         withModule = field: build: args: build (args // {{ ${{field}} = [ noCommand ] ++ (args.${{field}} or [ ]); }}); \
         amLib = amLibWithCommand // {{ \
           homeBundle = withModule \"modules\" amLibWithCommand.homeBundle; \
           homeManagerBundle = withModule \"amModules\" amLibWithCommand.homeManagerBundle; \
           homeManagerConfigBundle = withModule \"amModules\" amLibWithCommand.homeManagerConfigBundle; \
         }}; in {body}",
        no_command = crate::NO_COMMAND,
        lib = nix_path(&nixpkgs_lib()),
        root = nix_path(&repo_root()),
        pkg = nix_path(&am_package()),
    )
}

/// A stand-in for `pkgs` with the attributes a bundle's evaluation reads
/// (packages as fake store paths), for library tests that need a `pkgs`
/// but never build. A Nix expression; `lib` must be in scope.
pub const STUB_PKGS: &str = "(lib.genAttrs [ \"bash\" \"coreutils\" \"diffutils\" \"findutils\" \"gnugrep\" \"gnused\" \"git\" ] \
     (name: { type = \"derivation\"; inherit name; outPath = \"/nix/store/00000000000000000000000000000000-${name}\"; }) \
     // { stdenv.hostPlatform.system = builtins.currentSystem; runtimeShell = \"/bin/sh\"; })";

/// Evaluates `expr` strictly to JSON; `Err` holds Nix's stderr.
pub fn eval_json(expr: &str) -> Result<serde_json::Value, String> {
    let output = nix_command("nix-instantiate")
        .args(["--eval", "--strict", "--json", "--expr", expr])
        .output()
        .expect("nix-instantiate runs");
    if !output.status.success() {
        return Err(stderr(&output));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("nix-instantiate printed no JSON ({e}):\n{}", stderr(&output)))
}

/// Like [`eval_json`], but panics with Nix's message on failure.
pub fn eval_json_ok(expr: &str) -> serde_json::Value {
    eval_json(expr).unwrap_or_else(|stderr| panic!("the expression must evaluate:\n{stderr}"))
}

/// JSON for a snapshot: two-space indents, keys sorted (serde_json's map is
/// sorted, and Nix prints attribute sets sorted too).
pub fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).expect("a JSON value prints")
}

/// The message of a failed evaluation without Nix's framing: the lines
/// from the first `error:` on, with the trace hint dropped.
pub fn eval_error(nix_stderr: &str) -> String {
    nix_stderr
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("error:"))
        .filter(|line| !line.contains("--show-trace"))
        .map(|line| format!("{line}\n"))
        .collect()
}
