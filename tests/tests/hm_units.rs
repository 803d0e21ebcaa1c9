//! Units as home-manager writes them: a unit written with home-manager's
//! sections gets exactly the keys written, even when the bundle is built
//! with `pkgs` (no `PATH` of NixOS's), while a NixOS-style unit keeps
//! NixOS's; and `systemd.user.overrides` changes a unit installed elsewhere
//! in a real user manager, restarting it when it runs, and only when its
//! drop-in changed.

use am_tests::engine::{Module, build_bundles};
use am_tests::nixeval::{STUB_PKGS, eval_json_ok, with_library};
use am_tests::systemd::UserManager;
use am_tests::{assert_exit, fresh_dir, have_nix, stdout};

/// Built with `pkgs`, a unit of home-manager's sections holds what was
/// written and nothing else; a NixOS-style one gets NixOS's `PATH` and the
/// switch method.
#[test]
fn home_manager_style_units_get_no_path_of_nixos() {
    if !have_nix() {
        return;
    }
    let module = r#"{ ... }: {
        systemd.user.services.hm = {
          Service.ExecStart = "/bin/hm";
          Install.WantedBy = [ "default.target" ];
        };
        systemd.user.services.nixos = {
          serviceConfig.ExecStart = "/bin/nixos";
          wantedBy = [ "default.target" ];
        };
      }"#;
    let texts = eval_json_ok(&with_library(&format!(
        "let config = (amLib.homeBundle {{ pkgs = {STUB_PKGS}; modules = [ ({module}) ]; }}).config; \
         in lib.listToAttrs (map (n: lib.nameValuePair n.id n.text) \
           (builtins.filter (n: builtins.elem n.id [ \"unit:hm.service\" \"unit:nixos.service\" ]) \
            config.am.loweredNodes))"
    )));
    assert_eq!(
        texts["unit:hm.service"],
        "[Service]\nExecStart=/bin/hm\n\n[Install]\nWantedBy=default.target\n",
        "exactly what was written"
    );
    let nixos = texts["unit:nixos.service"].as_str().unwrap_or_default();
    assert!(nixos.contains("Environment=\"PATH=/nix/store/"), "NixOS's PATH:\n{nixos}");
    assert!(nixos.contains("X-SwitchMethod=restart"), "{nixos}");
}

/// A unit file as a distribution installs one, in a folder of the user
/// manager's search path that activation-manager does not manage.
const VENDOR_UNIT: &str = "[Unit]\nDescription=Vendor sync\n\n[Service]\n\
    ExecStart=/bin/sh -c 'echo \"latency=$LATENCY\" > %h/vendor.out; exec sleep infinity'\n";

fn override_module(latency: &str) -> Module {
    Module::new().line(format!(
        "systemd.user.overrides.\"vendor-sync.service\".Service.Environment = [ \"LATENCY={latency}\" ];"
    ))
}

#[test]
fn an_override_changes_a_unit_installed_elsewhere() {
    if !have_nix() {
        return;
    }
    let Some(manager) = UserManager::start("hm-units") else { return };
    let bundles = build_bundles(
        &fresh_dir("hm-units"),
        &[override_module("128"), override_module("256"), Module::new().file("a", "a")],
    );
    let sh = |script: &str| {
        let output = manager.command("/bin/sh").args(["-c", script]).output().expect("sh runs");
        assert_exit(&output, 0, script);
    };
    sh(&format!(
        "mkdir -p ~/.local/share/systemd/user && printf '%s' '{}' > ~/.local/share/systemd/user/vendor-sync.service",
        VENDOR_UNIT.replace('\'', "'\\''")
    ));
    assert_exit(&manager.systemctl(&["daemon-reload"]), 0, "daemon-reload");
    assert_exit(&manager.systemctl(&["start", "vendor-sync.service"]), 0, "start the vendor unit");
    let out = || std::fs::read_to_string(manager.home.join("vendor.out")).unwrap_or_default();
    let pid = || manager.show("vendor-sync.service", "MainPID");
    wait_for(|| out() == "latency=\n", "the vendor unit wrote its file");

    assert_exit(&manager.activate(&bundles[0].store_path, &[]), 0, "activation with the override");
    wait_for(|| out() == "latency=128\n", "the unit restarted with the drop-in");
    assert_eq!(manager.is_active("vendor-sync.service"), "active");
    assert_eq!(manager.show("vendor-sync.service", "Description"), "Vendor sync", "its own file");
    let drop_ins = manager.show("vendor-sync.service", "DropInPaths");
    assert!(drop_ins.ends_with("vendor-sync.service.d/activation-manager.conf"), "{drop_ins}");

    let running = pid();
    assert_exit(&manager.activate(&bundles[0].store_path, &[]), 0, "the same again");
    assert_eq!(pid(), running, "an unchanged drop-in does not restart the unit");

    assert_exit(&manager.activate(&bundles[1].store_path, &[]), 0, "a changed override");
    wait_for(|| out() == "latency=256\n", "the unit restarted with the changed drop-in");

    // Without the override the drop-in file is gone, and the manager no
    // longer has it after its next reload; the unit's own file was never
    // touched.
    assert_exit(&manager.activate(&bundles[2].store_path, &[]), 0, "no override");
    assert!(!manager.home.join(".config/systemd/user/vendor-sync.service.d").exists());
    assert_exit(&manager.systemctl(&["daemon-reload"]), 0, "daemon-reload");
    assert_eq!(manager.show("vendor-sync.service", "DropInPaths"), "");
    let environment = stdout(&manager.systemctl(&["cat", "vendor-sync.service"]));
    assert!(!environment.contains("LATENCY="), "{environment}");
}

fn wait_for(done: impl Fn() -> bool, what: &str) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(started.elapsed().as_secs() < 10, "timed out waiting until {what}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
