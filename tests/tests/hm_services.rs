//! nixpkgs modular services (`home.services`, nix/modules/services.nix):
//! lowered into systemd user units and config files, and started by a real
//! `systemd --user` (see `am_tests::systemd`), restarted when their config
//! data changes.
//!
//! The lib snapshot has nixpkgs' `lib/` only, while `lib/services` imports
//! two modules from outside it: the tests hand the library a fake nixpkgs
//! folder (the snapshot's `lib/` plus the test-only `tests/nixpkgs-stub/`)
//! as `pkgs.path`.

use std::path::{Path, PathBuf};

use am_tests::engine::build_exprs;
use am_tests::nixeval::{eval_error, eval_json, eval_json_ok, nix_path, pretty, with_library};
use am_tests::systemd::UserManager;
use am_tests::{assert_exit, fresh_dir, have_nix, nixpkgs_lib, repo_root, snapshot_settings};

/// A folder laid out like nixpkgs: `lib/` is the snapshot, `modules/` and
/// `nixos/` the test-only stubs.
fn fake_nixpkgs() -> PathBuf {
    let root = fresh_dir("fake-nixpkgs");
    let stub = repo_root().join("tests/nixpkgs-stub");
    let lib = std::fs::canonicalize(nixpkgs_lib()).expect("the lib snapshot exists");
    std::os::unix::fs::symlink(lib, root.join("lib")).expect("link lib");
    for dir in ["modules", "nixos"] {
        std::os::unix::fs::symlink(stub.join(dir), root.join(dir)).expect("link a stub folder");
    }
    root
}

/// The test-only `pkgs` (`tests/nixpkgs-stub/pkgs.nix`) with `root` as its nixpkgs.
fn pkgs(root: &Path) -> String {
    format!(
        "(import {} {{ path = {}; }})",
        nix_path(&repo_root().join("tests/nixpkgs-stub/pkgs.nix")),
        nix_path(root)
    )
}

/// The expression of the bundle of `module` (Nix text), built with `pkgs`.
fn bundle(module: &str, pkgs: &str) -> String {
    with_library(&format!("amLib.homeBundle {{ pkgs = {pkgs}; modules = [ ({module}) ]; }}"))
}

/// A service that serves its config file: it copies it to `~/served`
/// (through the relative path it is given) and sleeps; its sub-service
/// only sleeps.
fn notes_service(greeting: &str) -> String {
    format!(
        r#"{{ ... }}: {{
  home.services.notes = {{ config, ... }}: {{
    process.argv = [ "/bin/sh" "-c" "cat ${{config.configData."greeting.txt".path}} > \"$HOME/served.new\" && mv \"$HOME/served.new\" \"$HOME/served\"; exec sleep 3001" ];
    configData."greeting.txt".text = "{greeting}\n";
    systemd.service.serviceConfig.Restart = "on-failure";
    services.helper.process.argv = [ "/bin/sleep" "3002" ];
  }};
}}"#
    )
}

/// What a service becomes: a unit per service and sub-service (dashed
/// under the parent), `ExecStart=` quoted for systemd (`%` and `$` kept
/// literal), config data under `~/.config/system-services/<service>/`
/// whose path the service gets, and that file as a restart trigger.
#[test]
fn services_lower_into_units_and_config_files() {
    if !have_nix() {
        return;
    }
    let root = fake_nixpkgs();
    let module = r#"{ ... }: {
      home.services.web = { config, ... }: {
        process.argv = [ "/bin/sh" "-c" "echo 100% $HOME; cat ${config.configData."app.conf".path}" ];
        configData."app.conf".text = "port = 8080\n";
        configData."disabled.conf" = { enable = false; text = "x"; };
        systemd.service.serviceConfig.Restart = "on-failure";
        services.db.process.argv = [ "/bin/sleep" "infinity" ];
      };
    }"#;
    let value = eval_json_ok(&with_library(&format!(
        "let c = (amLib.homeBundle {{ pkgs = {}; modules = [ ({module}) ]; }}).config; in {{ \
           units = lib.mapAttrs (_: u: {{ inherit (u) restartTriggers wantedBy; \
             serviceConfig = removeAttrs u.serviceConfig [ \"Environment\" ]; }}) c.systemd.user.services; \
           configFiles = lib.mapAttrs (_: f: f.source) c.xdg.configFile; }}",
        pkgs(&root)
    )));
    snapshot_settings(&root)
        .bind(|| insta::assert_snapshot!("hm-services-lowering", pretty(&value)));
}

/// Without `pkgs` there is no nixpkgs to take modular services from: the
/// error says to build with `pkgs`.
#[test]
fn services_without_pkgs_say_what_to_do() {
    if !have_nix() {
        return;
    }
    let module = r#"{ ... }: { home.services.web.process.argv = [ "/bin/true" ]; }"#;
    let error = eval_json(&with_library(&format!(
        "(amLib.homeBundle {{ modules = [ ({module}) ]; }}).config.systemd.user.services"
    )))
    .expect_err("home.services without pkgs must fail");
    let message = eval_error(&error);
    assert!(message.contains("home.services.web` is a nixpkgs modular service"), "{message}");
    assert!(message.contains("homeBundle { pkgs = "), "{message}");
}

/// A service's own assertions fail the evaluation with its name.
#[test]
fn service_assertions_are_checked() {
    if !have_nix() {
        return;
    }
    let root = fake_nixpkgs();
    let module = r#"{ ... }: { home.services.web = {
        process.argv = [ "/bin/true" ];
        assertions = [ { assertion = false; message = "port must be set"; } ];
      }; }"#;
    let error = eval_json(&with_library(&format!(
        "builtins.attrNames (amLib.homeBundle {{ pkgs = {}; modules = [ ({module}) ]; }}).config.systemd.user.services",
        pkgs(&root)
    )))
    .expect_err("a failed assertion must fail");
    let message = eval_error(&error);
    assert!(message.contains("in home.services.web: port must be set"), "{message}");
}

/// The acceptance test: a modular service and its sub-service start in the
/// real user manager, the service reads its config data through the path
/// it was given, and a change to the config data restarts it (and only it).
#[test]
fn a_modular_service_starts_in_the_real_user_manager() {
    if !have_nix() {
        return;
    }
    let Some(manager) = UserManager::start("modular") else { return };
    let root = fake_nixpkgs();
    let versions = ["hello v1", "hello v2"].map(|v| bundle(&notes_service(v), &pkgs(&root)));
    let bundles = build_exprs(&fresh_dir("modular-bundles"), &versions, "the bundles must build");
    let [first, second] = [0, 1].map(|i| bundles[i].store_path.clone());

    let output = manager.activate(&first, &[]);
    assert_exit(&output, 0, "first activation");
    for unit in ["notes.service", "notes-helper.service"] {
        assert_eq!(manager.is_active(unit), "active", "{unit} runs");
    }
    let served = manager.home.join("served");
    wait_for_content(&served, "hello v1\n");
    let config = manager.home.join(".config/system-services/notes/greeting.txt");
    assert_eq!(std::fs::read_to_string(&config).expect("config data is placed"), "hello v1\n");
    let notes = manager.show("notes.service", "MainPID");
    let helper = manager.show("notes-helper.service", "MainPID");

    let output = manager.activate(&second, &[]);
    assert_exit(&output, 0, "second activation");
    wait_for_content(&served, "hello v2\n");
    assert_ne!(manager.show("notes.service", "MainPID"), notes, "notes.service was not restarted");
    assert_eq!(
        manager.show("notes-helper.service", "MainPID"),
        helper,
        "the unchanged sub-service was restarted"
    );
}

/// Waits up to ten seconds for the service to have written `expected`.
fn wait_for_content(path: &Path, expected: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let found = std::fs::read_to_string(path).unwrap_or_default();
        if found == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} holds {found:?}, not {expected:?}",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
