//! systemd user units end to end: bundles built by the real `nix-build`,
//! activated by a test user against a real `systemd --user` (see
//! `am_tests::systemd` for how it runs on a machine without systemd as PID 1),
//! and every result checked with the manager's own answers.

use am_tests::engine::{Home, Module, build_bundles, build_module_files};
use am_tests::systemd::UserManager;
use am_tests::{
    am_bin, assert_exit, fresh_dir, have_nix, repo_root, run_in_home, snapshot_settings, stderr,
    stdout, tree,
};

/// A service wanted by `default.target` that runs `exec`.
fn service(name: &str, exec: &str) -> String {
    format!(
        "systemd.user.services.{name} = {{ wantedBy = [ \"default.target\" ]; \
         serviceConfig.ExecStart = \"{exec}\"; }};"
    )
}

/// A service whose `ExecStart=` is a script the compiler writes into the bundle.
fn scripted(name: &str, script: &str) -> String {
    format!(
        "systemd.user.services.{name} = {{ wantedBy = [ \"default.target\" ]; \
         script = \"{script}\"; }};"
    )
}

/// A service that appends to `~/reloads` when reloaded, with reload triggers.
fn reloader(trigger: &str) -> String {
    format!(
        "systemd.user.services.reloader = {{ wantedBy = [ \"default.target\" ]; \
         reloadTriggers = [ \"{trigger}\" ]; serviceConfig = {{ \
         ExecStart = \"/bin/sleep 1004\"; ExecReload = \"/bin/sh -c 'echo reloaded >> %h/reloads'\"; }}; }};"
    )
}

fn main_pid(manager: &UserManager, unit: &str) -> String {
    let pid = manager.show(unit, "MainPID");
    assert!(pid != "0" && !pid.is_empty(), "{unit} has no main process (MainPID={pid:?})");
    pid
}

/// Panics unless `output` has exactly this line.
fn assert_line(output: &str, line: &str) {
    assert!(output.lines().any(|l| l == line), "no line {line:?} in:\n{output}");
}

#[test]
fn units_start_restart_reload_and_stop_with_the_real_manager() {
    if !have_nix() {
        return;
    }
    let Some(manager) = UserManager::start("switch") else { return };
    let first = Module::new()
        .line(service("keep", "/bin/sleep 1001"))
        .line(scripted("change", "exec sleep 1002"))
        .line(service("gone", "/bin/sleep 1003"))
        .line(reloader("one"));
    let second = Module::new()
        .line(service("keep", "/bin/sleep 1001"))
        .line(scripted("change", "exec sleep 2002"))
        .line(service("gone", "/bin/sleep 1003"))
        .line(reloader("two"));
    let third = Module::new()
        .line(service("keep", "/bin/sleep 1001"))
        .line(scripted("change", "exec sleep 2002"))
        .line(reloader("two"));
    let none = Module::new().file(".profile", "# no units left\n");
    let bundles = build_bundles(&fresh_dir("systemd-switch"), &[first, second, third, none]);
    let [first, second, third, none] = [0, 1, 2, 3].map(|i| bundles[i].store_path.clone());
    let units = ["keep.service", "change.service", "gone.service", "reloader.service"];

    // `am diff` compares the unit files as an activation does.
    let unit_diff = |old: &std::path::Path, new: &std::path::Path| {
        let output = std::process::Command::new(am_bin())
            .args(["diff", &old.display().to_string(), &new.display().to_string()])
            .env("NO_COLOR", "1")
            .output()
            .expect("am diff runs");
        assert_exit(&output, 0, "am diff");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        // The units group: a unit's name, then what happens to it.
        text.lines().filter(|line| line.contains(".service  ")).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(
        unit_diff(&first, &second),
        "  ~ change.service  restarts if running (its file changed)\n  \
         ~ reloader.service  reloads if running (its reload triggers changed)"
    );
    assert_eq!(unit_diff(&second, &third), "  - gone.service  stops if running (removed)");

    // First generation: every unit is new and wanted by default.target.
    let output = manager.activate(&first, &[]);
    assert_exit(&output, 0, "first activation");
    for unit in units {
        assert_eq!(manager.is_active(unit), "active", "{unit} after the first activation");
        assert_line(&stderr(&output), &format!("started {unit} (new)"));
    }
    assert!(manager.show("keep.service", "ExecStart").contains("argv[]=/bin/sleep 1001 ;"));
    let first_exec = manager.show("change.service", "ExecStart");
    assert!(first_exec.contains("-change.service-start"), "{first_exec}");
    let pids = units.map(|unit| main_pid(&manager, unit));

    // A dry run of the second: exactly the changed units, and nothing done.
    let before = tree::listing(&manager.home);
    let output = manager.activate(&second, &["--dry-run"]);
    assert_exit(&output, 0, "dry run of the second activation");
    let said = stdout(&output);
    // The units group of the list, daemon-reload aside (`--verbose` shows it).
    let units_said: Vec<&str> = said
        .lines()
        .skip_while(|l| *l != "units")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(
        units_said,
        [
            "  ~ change.service  restart (changed)",
            "  ~ reloader.service  reload (reload triggers changed)",
        ],
        "{said}"
    );
    assert_eq!(tree::listing(&manager.home), before, "a dry run changed the home");
    assert_eq!(units.map(|unit| main_pid(&manager, unit)), pids, "a dry run touched a unit");

    // Second generation: the changed script restarts its unit, the changed
    // reload trigger reloads its unit, the others are not touched.
    let output = manager.activate(&second, &[]);
    assert_exit(&output, 0, "second activation");
    let [keep, change, gone, reloaded] = units.map(|unit| main_pid(&manager, unit));
    assert_ne!(change, pids[1], "change.service was not restarted");
    assert_ne!(manager.show("change.service", "ExecStart"), first_exec);
    assert_eq!(keep, pids[0], "the unchanged keep.service was touched");
    assert_eq!(gone, pids[2], "the unchanged gone.service was touched");
    assert_eq!(reloaded, pids[3], "reloader.service was restarted instead of reloaded");
    let reloads = std::fs::read_to_string(manager.home.join("reloads")).unwrap_or_default();
    assert_eq!(reloads, "reloaded\n", "ExecReload of reloader.service ran {reloads:?}");

    // Third generation: the removed unit is stopped and its files are gone.
    let output = manager.activate(&third, &["--dry-run"]);
    assert_exit(&output, 0, "dry run of the third activation");
    assert_line(&stdout(&output), "  - gone.service  stop (removed)");
    assert_eq!(manager.is_active("gone.service"), "active", "a dry run stopped gone.service");
    let output = manager.activate(&third, &[]);
    assert_exit(&output, 0, "third activation");
    assert_line(&stderr(&output), "stopped gone.service (removed)");
    assert_eq!(manager.is_active("gone.service"), "inactive");
    let unit_dir = manager.home.join(".config/systemd/user");
    assert!(!unit_dir.join("gone.service").exists(), "the removed unit file is still there");
    assert!(!unit_dir.join("default.target.wants/gone.service").exists());
    assert_eq!(main_pid(&manager, "keep.service"), pids[0], "keep.service was touched");

    // A generation without units has no node to switch them: the engine
    // stops the previous generation's units itself.
    let output = manager.activate(&none, &[]);
    assert_exit(&output, 0, "an activation without units");
    for unit in ["keep.service", "change.service", "reloader.service"] {
        assert_line(&stderr(&output), &format!("stopped {unit} (removed)"));
        assert_eq!(manager.is_active(unit), "inactive", "{unit} after its removal");
    }
    assert!(!unit_dir.exists(), "the unit folder is still there");
}

#[test]
fn a_failed_start_rolls_back_the_files_and_the_units() {
    if !have_nix() {
        return;
    }
    let Some(manager) = UserManager::start("failure") else { return };
    let good = Module::new().line(service("keep", "/bin/sleep 1001"));
    let bad = Module::new().line(service("keep", "/bin/sleep 2001")).line(
        "systemd.user.services.broken = { wantedBy = [ \"default.target\" ]; \
         serviceConfig = { Type = \"oneshot\"; ExecStart = \"/bin/false\"; }; };",
    );
    let bundles = build_bundles(&fresh_dir("systemd-failure"), &[good, bad]);
    assert_exit(&manager.activate(&bundles[0].store_path, &[]), 0, "first activation");
    let pid = main_pid(&manager, "keep.service");

    let output = manager.activate(&bundles[1].store_path, &[]);
    assert_exit(&output, 4, "an activation whose unit fails to start");
    let said = stderr(&output);
    assert!(said.contains("start broken.service: Job for broken.service failed"), "{said}");
    // The unit's status is shown, with why it failed.
    assert!(said.contains("│") && said.contains("status=1/FAILURE"), "{said}");
    assert!(said.contains("every change was rolled back"), "{said}");

    // The files are the first generation's again, and so are the units:
    // keep.service was restarted into the new definition, then back.
    let unit_dir = manager.home.join(".config/systemd/user");
    assert!(!unit_dir.join("broken.service").exists(), "the failed unit's file stayed");
    assert!(manager.show("keep.service", "ExecStart").contains("argv[]=/bin/sleep 1001 ;"));
    assert_eq!(manager.is_active("keep.service"), "active");
    assert_ne!(main_pid(&manager, "keep.service"), pid, "keep.service was never switched");
    assert_ne!(manager.is_active("broken.service"), "active");
}

#[test]
fn without_a_user_manager_units_are_linked_and_left_alone() {
    if !have_nix() {
        return;
    }
    let module = Module::new().line(service("keep", "/bin/sleep 1001"));
    let bundles = build_bundles(&fresh_dir("systemd-no-manager"), &[module]);
    let home = Home::new("systemd-no-manager");
    let runtime = home.root.join("runtime");
    std::fs::create_dir_all(&runtime).expect("the folder can be made");
    let output = home
        .command(bundles[0].script())
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .expect("activate runs");
    assert_exit(&output, 0, "an activation without a user manager");
    let said = stderr(&output);
    let expected = format!(
        "note: no systemd user manager to switch units with ({}/systemd/private does not exist)",
        runtime.display()
    );
    assert!(said.contains(&expected), "{said}");
    assert!(home.path.join(".config/systemd/user/keep.service").is_file());
    assert!(home.path.join(".config/systemd/user/default.target.wants/keep.service").is_file());
}

#[test]
fn unit_files_render_nixos_style_attributes() {
    if !have_nix() {
        return;
    }
    let case = repo_root().join("tests/cases/systemd-units");
    let temp = fresh_dir("systemd-render");
    let bundle =
        build_module_files(&temp, &[&case.join("home.nix")], "the case must build").out_link;
    let mut files = Vec::new();
    for folder in ["static/.config/systemd/user", "scripts"] {
        let mut names: Vec<_> = std::fs::read_dir(bundle.join(folder))
            .expect("the bundle has the folder")
            .filter_map(Result::ok)
            .filter(|entry| entry.path().is_file())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let text = std::fs::read_to_string(bundle.join(folder).join(&name)).expect("readable");
            files.push(format!("---- {folder}/{name}\n{text}"));
        }
    }
    // `am inspect --json` gives tools the same units.
    let inspect =
        run_in_home(am_bin(), &["inspect", "--json", &bundle.display().to_string()], &temp);
    assert_exit(&inspect, 0, "am inspect --json");
    let json: serde_json::Value = serde_json::from_slice(&inspect.stdout).expect("inspect is JSON");
    let node =
        json["nodes"].as_array().and_then(|nodes| nodes.iter().find(|n| n["id"] == "systemd:user"));
    let node = node.expect("the units node is listed");
    assert_eq!(node["kind"], "systemd-units");
    assert_eq!(
        node["units"][3],
        serde_json::json!({
            "name": "notes-sync.service",
            "target": ".config/systemd/user/notes-sync.service",
            "switchMethod": "restart",
            "wantedBy": ["default.target"],
        })
    );

    let mut settings = snapshot_settings(&temp);
    // Scripts are named by the hash of their content.
    settings.add_filter(r"scripts/[0-9a-f]{32}-", "scripts/SCRIPTHASH-");
    settings.bind(|| insta::assert_snapshot!("rendered-units", files.join("\n")));
}
