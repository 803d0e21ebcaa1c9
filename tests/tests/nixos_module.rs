//! The NixOS module (`nix/nixos.nix`) evaluated with nixpkgs' module system
//! from the lib snapshot, NixOS itself stubbed by the test-only
//! `tests/nixos/nixos-stub-options.nix`: the packages and unit definitions
//! it yields, and the bundle it builds, activated.

use am_tests::engine::{build_exprs, nix_str};
use am_tests::nixeval::{eval_error, eval_json, eval_json_ok, nix_path, pretty, with_library};
use am_tests::{
    assert_exit, fresh_dir, have_nix, repo_root, run_in_home, snapshot_settings, stderr,
};

/// `eval` bound to the evaluated test system (`tests/nixos/system.nix`)
/// plus `extra` modules.
fn system(extra: &str, body: &str) -> String {
    with_library(&format!(
        "let eval = lib.evalModules {{ modules = [ (import {system} {{ inherit amPackage; }}) {extra} ]; }}; \
         in {body}",
        system = nix_path(&repo_root().join("tests/nixos/system.nix")),
    ))
}

/// What a NixOS system gets from the module: alice's bundle in her
/// packages (bob, without modules, gets nothing), a user unit that
/// activates it at login, and a system unit, restarted when the bundle
/// changes, that re-runs it in her running user manager.
#[test]
fn packages_and_units() {
    if !have_nix() {
        return;
    }
    let value = eval_json_ok(&system(
        "",
        "let c = eval.config; in { \
           packages = lib.mapAttrs (_: user: user.packages) c.users.users; \
           systemd.services = c.systemd.services; \
           systemd.user.services = c.systemd.user.services; }",
    ));
    let temp = fresh_dir("nixos-module");
    snapshot_settings(&temp).bind(|| insta::assert_snapshot!("nixos-module", pretty(&value)));
}

/// The bundle in alice's packages builds and activates, and knows her name
/// and home through the defaults the module gives `home.username` and
/// `home.homeDirectory` (her home is the test's own): a bundle for her home
/// refuses any other.
#[test]
fn the_users_bundle_builds_and_activates() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("nixos-bundle");
    let home = temp.join("home");
    std::fs::create_dir_all(&home).expect("temp home");
    let alice = system(
        &format!("{{ users.users.alice.home = {}; }}", nix_str(&home.display().to_string())),
        "builtins.head eval.config.users.users.alice.packages",
    );
    let bundle = build_exprs(&temp, &[alice], "alice's bundle must build").remove(0);
    let elsewhere = temp.join("bob");
    std::fs::create_dir_all(&elsewhere).expect("another home");
    let refused = run_in_home(bundle.script(), &[], &elsewhere);
    assert_exit(&refused, 1, "activation in another home");
    assert!(stderr(&refused).contains("this bundle is for the home"), "{}", stderr(&refused));

    assert_exit(&run_in_home(bundle.script(), &[], &home), 0, "activation");
    let who = std::fs::read_to_string(home.join(".config/who")).expect("the file is linked");
    assert_eq!(who, format!("alice at {}\n", home.display()));
}

/// `activation-manager.mkBundle` turns modules into a bundle, and cannot
/// be redefined.
#[test]
fn mk_bundle_is_a_read_only_function() {
    if !have_nix() {
        return;
    }
    let name = eval_json_ok(&system(
        "",
        "(eval.config.activation-manager.mkBundle [ { home.file.x.text = \"x\"; } ]).name",
    ));
    assert_eq!(name, "home-bundle");
    let error = eval_json(&system(
        "{ activation-manager.mkBundle = _: null; }",
        "eval.config.activation-manager.mkBundle [ ]",
    ))
    .expect_err("a definition of mkBundle is refused");
    let message = eval_error(&error);
    assert!(message.contains("read-only"), "the error says the option is read-only:\n{message}");
}

/// `extraSpecialArgs`, shared and per user (the user's win), and
/// `osConfig` reach the user's modules, early enough to decide `imports`.
#[test]
fn extra_special_args_reach_the_users_modules() {
    if !have_nix() {
        return;
    }
    let extra = r#"{
        activation-manager.extraSpecialArgs = { shared = "everyone"; who = "shared"; };
        users.users.alice.activation-manager = {
          extraSpecialArgs.who = "alice";
          modules = [
            ({ lib, shared, who, osConfig, ... }: {
              imports = lib.optional (who == "alice") { home.file.alice-only.text = "yes"; };
              home.file.args.text = "${shared} ${who} ${osConfig.users.users.alice.home}";
            })
          ];
        };
      }"#;
    let value = eval_json_ok(&system(
        extra,
        "let files = eval.config.users.users.alice.activation-manager.bundle.config.home.file; \
         in { names = builtins.attrNames files; args = files.args.text; }",
    ));
    assert_eq!(
        value,
        serde_json::json!({
            "names": [".config/who", "alice-only", "args"],
            "args": "everyone alice /home/alice",
        })
    );
}

/// A user's `homeManagerModules` are evaluated by the home-manager of
/// `activation-manager.home-manager` (here the stand-in
/// `tests/home-manager/stub`), with the user's name and home as defaults,
/// `osConfig` and the `extraSpecialArgs`, and the user's `modules` (hers
/// in the test system, and one more) join the same bundle as
/// activation-manager modules.
#[test]
fn home_manager_modules_are_evaluated_by_home_manager() {
    if !have_nix() {
        return;
    }
    let stub = nix_path(&repo_root().join("tests/home-manager/stub"));
    let extra = format!(
        r#"{{
        activation-manager.home-manager = {stub};
        activation-manager.extraSpecialArgs.host = "laptop";
        users.users.alice.activation-manager = {{
          homeManagerModules = [
            ({{ config, host, osConfig, ... }}: {{
              xdg.configFile.hm-who.text = "${{config.home.username}} on ${{host}} at ${{osConfig.users.users.alice.home}}";
            }})
          ];
          modules = [ {{ am.nodes.hello = {{ kind = "exec"; argv = [ "/bin/true" ]; }}; }} ];
        }};
      }}"#
    );
    let value = eval_json_ok(&system(
        &extra,
        "let bundle = builtins.head eval.config.users.users.alice.packages; in \
         { name = bundle.name; nodes = map (node: { inherit (node) id declaredBy; text = node.text or null; }) \
           bundle.config.am.loweredNodes; }",
    ));
    assert_eq!(
        value,
        serde_json::json!({
            "name": "home-alice",
            "nodes": [
                {
                    "id": "file:.config/hm-who",
                    "declaredBy": "xdg.configFile.hm-who",
                    "text": "alice on laptop at /home/alice"
                },
                // tests/nixos/alice-home.nix, her activation-manager module.
                { "id": "file:.config/who", "declaredBy": "home.file.\".config/who\"", "text": "alice at /home/alice\n" },
                { "id": "hello", "declaredBy": "am.nodes.hello", "text": null },
            ],
        })
    );

    let error = eval_json(&system(
        "{ users.users.alice.activation-manager.homeManagerModules = [ { } ]; }",
        "(builtins.head eval.config.users.users.alice.packages).drvPath",
    ))
    .expect_err("without home-manager's source there is nothing to evaluate them with");
    assert!(
        eval_error(&error).contains("activation-manager.home-manager = inputs.home-manager;"),
        "{error}"
    );
}
