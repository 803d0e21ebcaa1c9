//! The system bundle's side of the Nix library (`lib.systemBundle`),
//! evaluated without building: its options lower into the compiler input
//! the contract describes (ARCHITECTURE.md, "System bundles"), in the order
//! a system activation needs, and mistakes NixOS users make are evaluation
//! errors that say how to fix them.

use am_tests::engine::build_exprs;
use am_tests::nixeval::{
    STUB_PKGS, eval_error, eval_json, eval_json_ok, nix_path, pretty, with_library,
};
use am_tests::system::system_bundle_expr;
use am_tests::{am_bin, fresh_dir, have_nix, repo_root, snapshot_settings};

/// The compiler input of a system bundle of `modules` (Nix expressions).
fn input(modules: &str) -> String {
    with_library(&format!(
        "builtins.fromJSON (builtins.unsafeDiscardStringContext \
         (amLib.systemBundle {{ modules = [ {modules} ]; }}).input)"
    ))
}

fn example() -> String {
    nix_path(&repo_root().join("examples/system/system.nix"))
}

/// The whole input of `examples/system`, as the compiler gets it: the role,
/// /etc links and copies, the accounts, the tmpfiles rules, the units with
/// `scope: "system"`, and jane's home with its unit and node.
#[test]
fn system_example_lowers_to_the_contract() {
    if !have_nix() {
        return;
    }
    let mut value = eval_json_ok(&input(&example()));
    assert_eq!(value["role"], "system");
    // Scripts by name without the hash of their text, which leads the
    // name (and so their order): jane's unit runs her bundle, whose store
    // path changes with every build of `am`.
    let scripts = value["scripts"].as_object().cloned().unwrap_or_default();
    value["scripts"] = scripts
        .into_iter()
        .map(|(name, text)| (name.get(33..).unwrap_or(&name).to_string(), text))
        .collect();
    assert!(value.get("homeDirectory").is_none(), "a system has no home");
    let temp = fresh_dir("system-library");
    let mut settings = snapshot_settings(&temp);
    // The same hash, where a unit or a node names a script.
    settings.add_filter(r"\b[0-9a-f]{32}-", "SCRIPTHASH-");
    settings.bind(|| insta::assert_snapshot!("system-example-input", pretty(&value)));
}

/// The order of a system activation, in the plan `am inspect` shows: the
/// links in /etc, then the accounts, then what names a user (a copy with
/// an owner, the tmpfiles rules), then the unit switch, then the homes.
/// The compiler adds some of these edges, nix/system/phases.nix the rest.
#[test]
fn a_system_activation_is_ordered_by_what_needs_what() {
    if !have_nix() {
        return;
    }
    let owned = r#"{ environment.etc."by-id" = { text = "x"; mode = "0600"; group = "+5"; };
                     environment.etc."plain" = { text = "x"; mode = "0600"; }; }"#;
    let dir = fresh_dir("system-order");
    let module = dir.join("owned.nix");
    std::fs::write(&module, owned).expect("a module");
    let expr = system_bundle_expr(&[&repo_root().join("examples/system/system.nix"), &module]);
    let bundle = build_exprs(&dir, &[expr], "the system bundle").remove(0);
    let inspect = std::process::Command::new(am_bin())
        .args(["inspect", "--json"])
        .arg(&bundle.store_path)
        .output()
        .expect("am inspect runs");
    let plan: serde_json::Value = serde_json::from_slice(&inspect.stdout).expect("JSON");
    let layer = |id: &str| {
        plan["nodes"]
            .as_array()
            .and_then(|nodes| nodes.iter().find(|node| node["id"] == id))
            .and_then(|node| node["layer"].as_u64())
            .unwrap_or_else(|| panic!("no node {id} in {}", pretty(&plan)))
    };
    let order = [
        vec![
            "etc:motd",
            "etc:hello-web/hello-web.conf",
            "etc:tmpfiles.d/00-activation-manager.conf",
        ],
        vec!["accounts"],
        vec!["etc:hello-web/token", "etc:by-id", "tmpfiles"],
        vec!["systemd:system"],
        vec!["home:jane"],
    ];
    for pair in order.windows(2) {
        for before in &pair[0] {
            for after in &pair[1] {
                assert!(layer(before) < layer(after), "{before} must come before {after}");
            }
        }
    }
    assert_eq!(layer("etc:plain"), 0, "a copy without an owner waits for nothing");
}

/// A system without accounts, rules or units has none of those nodes, and
/// nothing waits for them.
#[test]
fn a_system_of_files_alone_has_files_alone() {
    if !have_nix() {
        return;
    }
    let value = eval_json_ok(&input(r#"{ environment.etc."issue".text = "hi\n"; }"#));
    assert_eq!(
        value["nodes"],
        serde_json::json!([{
            "id": "etc:issue",
            "kind": "link",
            "target": "issue",
            "text": "hi\n",
            "declaredBy": "environment.etc.issue",
            "definedIn": ["<unknown-file>"],
        }])
    );
}

/// Homes built by a system bundle and by the NixOS module are built the
/// same way (nix/home-options.nix): the user's name and home, `osConfig`,
/// and both `extraSpecialArgs` with the user's winning.
#[test]
fn a_users_home_gets_its_name_home_and_the_systems_config() {
    if !have_nix() {
        return;
    }
    let module = r#"{
        users.users.jane = { isNormalUser = true; home = "/srv/jane"; uid = 1234; };
        activation-manager.extraSpecialArgs = { shared = "system"; mine = "system"; };
        activation-manager.users.jane = {
          extraSpecialArgs.mine = "jane";
          modules = [ ({ config, osConfig, shared, mine, ... }: {
            home.file.facts.text = builtins.toJSON {
              inherit shared mine;
              user = config.home.username;
              home = config.home.homeDirectory;
              declared = builtins.attrNames osConfig.users.users;
            };
          }) ];
        };
        activation-manager.users.bob.modules = [ { home.file.x.text = "x"; } ];
      }"#;
    let value = eval_json_ok(&with_library(&format!(
        "let system = amLib.systemBundle {{ modules = [ ({module}) ]; }}; \
             home = user: system.config.activation-manager.users.${{user}}.bundle.config; in \
         {{ jane = builtins.fromJSON (home \"jane\").home.file.facts.text; \
            bob = (home \"bob\").home.homeDirectory; \
            units = lib.mapAttrs (_: unit: {{ inherit (unit) after; user = unit.serviceConfig.User; }}) \
              system.config.systemd.services; }}"
    )));
    assert_eq!(
        value,
        serde_json::json!({
            "jane": {
                "shared": "system",
                "mine": "jane",
                "user": "jane",
                "home": "/srv/jane",
                "declared": ["jane"],
            },
            "bob": "/home/bob",
            // Ordered after jane's own manager, whose uid is known; bob's
            // is not (his account is not declared here).
            "units": {
                "activation-manager-home-jane": { "after": ["user@1234.service"], "user": "jane" },
                "activation-manager-home-bob": { "after": [], "user": "bob" },
            },
        })
    );
}

/// What NixOS users get wrong, each an evaluation error with the fix:
/// NixOS's account assertions, an absolute or unknown `environment.etc`
/// target or mode, a NixOS module a system bundle does not have, and a unit
/// meant as an override of the distribution's.
#[test]
fn system_mistakes_say_how_to_fix_them() {
    if !have_nix() {
        return;
    }
    let cases = [
        (
            "accounts",
            r#"{ users.users.web = { uid = 990; };
                 users.users.jane = { isSystemUser = true; isNormalUser = true; uid = 990; group = "users"; };
                 users.users."-x" = { isSystemUser = true; group = "x"; };
                 users.groups.a.gid = 5; users.groups.b.gid = 5; }"#,
        ),
        (
            "absolute-target",
            r#"{ environment.etc.sshd = { target = "/etc/ssh/sshd_config"; text = ""; }; }"#,
        ),
        ("unknown-mode", r#"{ environment.etc.sudoers = { text = ""; mode = "copy"; }; }"#),
        (
            "direct-symlink",
            r#"{ environment.etc.mtab = { source = "/proc/mounts"; mode = "direct-symlink"; }; }"#,
        ),
        (
            "nixos-modules",
            r#"{ services.nginx.enable = true; environment.systemPackages = [ ]; systemd.tmpfiles.packages = [ ]; }"#,
        ),
        ("override", r#"{ systemd.services.ssh.serviceConfig.Environment = "LANG=C"; }"#),
    ];
    let mut report = String::new();
    for (name, module) in cases {
        let error = eval_json(&input(module)).expect_err(name);
        report.push_str(&format!("---- {name}\n{}", eval_error(&error)));
    }
    let temp = fresh_dir("system-mistakes");
    snapshot_settings(&temp).bind(|| insta::assert_snapshot!("system-mistakes", report));
}

/// The flake exposes `lib.systemBundle` beside `lib.homeBundle`, and checks
/// the example with it. Evaluated with a stand-in nixpkgs (the library and
/// `STUB_PKGS`, whose `callPackage` gives the `am` under test).
#[test]
fn the_flake_builds_system_bundles() {
    if !have_nix() {
        return;
    }
    let value = eval_json_ok(&with_library(&format!(
        "let pkgs = {STUB_PKGS} // {{ callPackage = _: _: amPackage; }}; \
             nixpkgs = {{ inherit lib; legacyPackages = lib.genAttrs \
               [ \"x86_64-linux\" \"aarch64-linux\" \"x86_64-darwin\" \"aarch64-darwin\" ] (_: pkgs); }}; \
             flake = (import (root + \"/flake.nix\")).outputs {{ self = flake; inherit nixpkgs; }}; \
             input = bundle: builtins.fromJSON (builtins.unsafeDiscardStringContext bundle.input); \
         in {{ \
           lib = input (flake.lib.systemBundle {{ inherit pkgs; \
             modules = [ {{ environment.etc.issue.text = \"hi\"; }} ]; }}); \
           check = (input flake.checks.${{builtins.currentSystem}}.example-system).role; \
         }}"
    )));
    assert_eq!(value["lib"]["role"], "system");
    assert_eq!(value["lib"]["nodes"][0]["id"], "etc:issue");
    assert_eq!(value["check"], "system");
}

/// A user of a system bundle may keep a home-manager configuration
/// (`homeManagerModules`, evaluated by the home-manager of
/// `activation-manager.home-manager`, here the stand-in
/// `tests/home-manager/stub`), built and activated like any home.
#[test]
fn a_users_home_may_be_a_home_manager_configuration() {
    if !have_nix() {
        return;
    }
    let stub = nix_path(&repo_root().join("tests/home-manager/stub"));
    let module = format!(
        r#"{{
        activation-manager.home-manager = {stub};
        activation-manager.users.jane = {{
          homeManagerModules = [
            ({{ config, osConfig, ... }}: {{
              xdg.configFile.who.text = "${{config.home.username}} at ${{config.home.homeDirectory}}";
            }})
          ];
          modules = [ {{ am.nodes.hello = {{ kind = "exec"; argv = [ "/bin/true" ]; }}; }} ];
        }};
      }}"#
    );
    let value = eval_json_ok(&with_library(&format!(
        "let system = amLib.systemBundle {{ modules = [ ({module}) ]; }}; \
             home = system.config.activation-manager.users.jane.bundle; in \
         {{ nodes = map (node: {{ inherit (node) id; text = node.text or null; }}) home.config.am.loweredNodes; \
            started = map (node: node.id) (builtins.filter (node: node.kind == \"exec\") \
              system.config.am.loweredNodes); }}"
    )));
    assert_eq!(
        value,
        serde_json::json!({
            "nodes": [
                { "id": "file:.config/who", "text": "jane at /home/jane" },
                { "id": "hello", "text": null },
            ],
            "started": ["home:jane"],
        })
    );
}
