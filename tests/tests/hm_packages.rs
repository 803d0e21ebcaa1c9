//! What `home.packages` lowers to, evaluated without building: the
//! profile node (names and versions as nixpkgs spells them) and the input
//! of the package tree, whose outputs and priorities follow nixpkgs'
//! `buildEnv` (`meta.outputsToInstall`, `home.extraOutputsToInstall`, an
//! output chosen by hand, `lib.hiPrio`), and the home-manager names around
//! it (`home.path`, `home.profileDirectory`).

use am_tests::nixeval::{eval_json_ok, pretty, with_library};
use am_tests::{fresh_dir, have_nix, snapshot_settings};

/// Packages of every shape `home.packages` takes, without stdenv: a
/// package with a `man` output it installs and a `doc` output it does not,
/// one with the highest priority, one output chosen by hand, a package
/// known only by its store path, and one without `pname`.
const PACKAGES: &str = r#"
let
  package = attrs: builtins.derivation ({
    system = builtins.currentSystem;
    builder = "/bin/sh";
    # Never built here: only their store paths are read.
    args = [ "-c" "exit 1" ];
  } // attrs);
  multi = package { name = "tool-1.5"; pname = "tool"; version = "1.5"; outputs = [ "out" "man" "doc" ]; }
    // { meta.outputsToInstall = [ "out" "man" ]; };
  plain = package { name = "plain-0.3"; };
in [
  multi
  (lib.hiPrio (package { name = "patched-2"; pname = "patched"; version = "2"; }))
  (package { name = "lib-9.0"; pname = "lib"; version = "9.0"; outputs = [ "out" "dev" ]; }).dev
  "${plain}"
]
"#;

#[test]
fn packages_lower_to_a_profile_node_and_a_tree_as_build_env_would() {
    if !have_nix() {
        return;
    }
    let module = format!(
        "{{ lib, ... }}: {{ home.packages = {PACKAGES}; home.extraOutputsToInstall = [ \"doc\" ]; }}"
    );
    let value = eval_json_ok(&with_library(&format!(
        "let eval = amLib.homeBundle {{ modules = [ ({module}) ]; }}; \
             config = eval.config; \
             tree = config.home.path; \
         in {{ \
           nodes = config.am.loweredNodes; \
           tree = {{ \
             inherit (tree) name; \
             args = tree.drvAttrs.args; \
             input = builtins.fromJSON (builtins.unsafeDiscardStringContext tree.drvAttrs.packages); \
           }}; \
           profileDirectory = config.home.profileDirectory; \
         }}"
    )));
    let mut settings = snapshot_settings(&fresh_dir("hm-packages"));
    settings.add_filter(r#""/[^"]*/tests/tests/"#, "\"[TESTS]/");
    settings.add_filter(r#""definedIn": \[\s*"[^"]*"\s*\]"#, "\"definedIn\": [ \"[MODULE]\" ]");
    settings.bind(|| insta::assert_snapshot!("hm-packages-lowering", pretty(&value)));
}

#[test]
fn no_packages_no_node_and_an_absolute_profile_with_a_home_directory() {
    if !have_nix() {
        return;
    }
    let value = eval_json_ok(&with_library(
        "let config = (amLib.homeBundle { modules = [ { home.homeDirectory = \"/home/jane\"; } ]; }).config; \
         in { kinds = map (node: node.kind) config.am.loweredNodes; \
              inherit (config.home) profileDirectory; }",
    ));
    assert_eq!(
        value,
        serde_json::json!({ "kinds": [], "profileDirectory": "/home/jane/.nix-profile" })
    );
}
