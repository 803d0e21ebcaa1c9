//! Acceptance: a typical home-manager configuration (`tests/ported/home.nix`,
//! written for home-manager and not changed) builds with activation-manager
//! and activates into a fresh home: its files, its activation blocks in DAG
//! order, the compatibility options it sets, its home-manager-style systemd
//! unit and its dconf settings. It is written for `/home/jane`; the tests
//! give `home.homeDirectory` their own home, as a bundle for `/home/jane`
//! refuses to activate anywhere else.

use am_tests::engine::{Home, build_module_files, home_directory_module};
use am_tests::{
    am_bin, assert_exit, fresh_dir, have_nix, regex_escape, repo_root, run_in_home,
    snapshot_settings, stdout, tree,
};

/// The home as `tree::listing` shows it, without dconf's binary database
/// (the other test reads the keys back through `dconf`).
fn listing(home: &Home) -> String {
    tree::listing(&home.path)
        .replace(&home.root.display().to_string(), "[ROOT]")
        .lines()
        .filter(|line| !line.contains("/dconf/"))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn a_home_manager_configuration_ports_unchanged() {
    // Its `dconf.settings` are written at activation, so dconf must run.
    if !have_nix() || !am_tests::dconf::have_dconf() {
        return;
    }
    let config = repo_root().join("tests/ported/home.nix");
    let temp = fresh_dir("hm-port");
    let home = Home::with_state_outside("hm-port");
    let pinned = home_directory_module(&temp, &home.path);
    let bundle =
        build_module_files(&temp, &[&config, &pinned], "the home-manager configuration must build");

    // The nvim cache that the block before writeBoundary clears.
    home.write_user_file(".cache/nvim/luac/old.luac", b"stale\n");
    assert_exit(&home.activate(&bundle, &[]), 0, "activation of the ported configuration");

    home.assert_managed(".vimrc", b"set number\nsyntax on\n", "home.file source");
    home.assert_managed(".config/nvim/init.lua", b"vim.opt.number = true\n", "xdg.configFile");
    home.assert_absent(".cache/nvim/luac", "clearNvimCache ran");
    let index = std::fs::read_to_string(home.path.join("notes/.index")).expect("indexNotes ran");
    assert_eq!(index, "", "indexNotes ran after createNotesDir made an empty folder");
    let hello = home.command(home.path.join(".local/bin/hello")).output().expect("hello runs");
    assert_eq!(stdout(&hello), "hello, jane\n", "home.username reaches the file's text");

    let inspect =
        run_in_home(am_bin(), &["inspect", &bundle.out_link.display().to_string()], &temp);
    assert_exit(&inspect, 0, "am inspect");
    let mut settings = snapshot_settings(&temp);
    settings.add_filter(&regex_escape(&home.root.display().to_string()), "[ROOT]");
    settings.bind(|| {
        insta::assert_snapshot!(
            "hm-port",
            format!(
                "---- am inspect\n{}\n---- home after activation\n{}",
                stdout(&inspect),
                listing(&home)
            )
        )
    });
}

/// The same configuration activated by its user in a real user manager
/// with a session bus: its home-manager-style unit starts, and its dconf
/// settings (one made with `lib.hm.gvariant`) are written to the user's
/// dconf database.
#[test]
fn its_unit_starts_and_its_dconf_settings_apply() {
    if !have_nix() || !am_tests::dconf::have_dconf() {
        return;
    }
    let Some(manager) = am_tests::systemd::UserManager::start("hm-port") else { return };
    let config = repo_root().join("tests/ported/home.nix");
    let temp = fresh_dir("hm-port-manager");
    let pinned = home_directory_module(&temp, &manager.home);
    let bundle =
        build_module_files(&temp, &[&config, &pinned], "the home-manager configuration must build");
    assert_exit(&manager.activate(&bundle.store_path, &[]), 0, "activation as the user");
    assert_eq!(manager.is_active("notes-sync.service"), "active");
    assert_eq!(manager.show("notes-sync.service", "Description"), "Keep my notes in sync");
    let read = |key: &str| {
        let output = manager.command("dconf").args(["read", key]).output().expect("dconf runs");
        stdout(&output).trim().to_string()
    };
    assert_eq!(read("/org/gnome/desktop/interface/color-scheme"), "'prefer-dark'");
    assert_eq!(read("/org/gnome/desktop/interface/enable-animations"), "false");
    assert_eq!(read("/org/gnome/desktop/peripherals/keyboard/delay"), "uint32 250");
}
