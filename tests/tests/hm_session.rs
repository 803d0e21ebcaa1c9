//! The session as home-manager writes it (`tests/cases/session-variables`):
//! `hm-session-vars.sh` sets the variables once per session in a real shell
//! and guards against a second sourcing, the aliases work in bash, a Lua
//! value is computed when activating, and a real systemd user manager reads
//! `environment.d/10-home-manager.conf` into its environment.

use am_tests::engine::{Home, Module, build_bundles, build_module_files};
use am_tests::{assert_exit, fresh_dir, have_nix, repo_root, snapshot_settings, stderr, stdout};

const SESSION_VARS: &str = ".local/share/activation-manager/hm-session-vars.sh";
const ALIASES: &str = ".local/share/activation-manager/shell-aliases.sh";
const ENVIRONMENT_D: &str = ".config/environment.d/10-home-manager.conf";

/// The session-variables case, activated into a fresh home.
fn activated_case(label: &str) -> Home {
    let config = repo_root().join("tests/cases/session-variables/home.nix");
    let bundle = build_module_files(&fresh_dir(label), &[&config], "the case must build");
    let home = Home::new(label);
    assert_exit(&home.activate(&bundle, &[]), 0, "activation");
    home
}

/// Runs `script` with `sh` in the home, with a PATH of its own.
fn sh(home: &Home, script: &str) -> String {
    let output = home
        .command("/bin/sh")
        .args(["-c", script])
        .env("PATH", "/usr/bin:/bin")
        .current_dir(&home.path)
        .output()
        .expect("sh runs");
    assert_exit(&output, 0, script);
    stdout(&output)
}

/// The files have home-manager's text: its guard, `export NAME="value"`
/// sorted by name (a `null` left out), the path prepended with
/// `${PATH:+:}`, and environment.d's plain `NAME=value` lines.
#[test]
fn the_files_read_as_home_managers() {
    if !have_nix() {
        return;
    }
    let home = activated_case("hm-session-files");
    let text =
        |rel: &str| std::fs::read_to_string(home.path.join(rel)).expect("the file is linked");
    let files = [SESSION_VARS, ENVIRONMENT_D, ALIASES]
        .map(|rel| format!("==> ~/{rel} <==\n{}", text(rel)))
        .join("\n");
    snapshot_settings(&home.root).bind(|| insta::assert_snapshot!("hm-session-files", files));
}

/// Sourced by a login shell's profile, the file sets each variable, puts
/// the session path in front of `PATH`, and does nothing when sourced again
/// (a shell started from a session that already has them).
#[test]
fn sourcing_sets_the_session_once() {
    if !have_nix() {
        return;
    }
    let home = activated_case("hm-session-source");
    let vars = home.path.join(SESSION_VARS);
    let shown = sh(
        &home,
        &format!(
            ". {0}; . {0}; \
             printf '%s\\n' \"$EDITOR\" \"$PAGER\" \"$MANWIDTH\" \"$NOTES\" \"${{UNSET_ME-unset}}\" \
             \"$XDG_CONFIG_HOME\" \"$PATH\"",
            vars.display()
        ),
    );
    let home_path = home.path.display();
    let expected = format!(
        "nvim\nless -R\n80\n{home_path}/notes\nunset\n{home_path}/.config\n\
         {home_path}/.local/bin:{home_path}/.cargo/bin:/usr/bin:/bin\n"
    );
    assert_eq!(shown, expected, "the variables, with PATH prepended once");

    // With an empty PATH, no stray `:` is left at its end.
    let alone = sh(&home, &format!("PATH= ; . {}; echo \"$PATH\"", vars.display()));
    assert_eq!(alone, format!("{home_path}/.local/bin:{home_path}/.cargo/bin\n"));
}

/// bash expands the aliases of the aliases file, names with dots included.
#[test]
fn aliases_work_in_bash() {
    if !have_nix() {
        return;
    }
    let home = activated_case("hm-session-aliases");
    let aliases = home.path.join(ALIASES);
    let output = home
        .command("bash")
        .args(["--norc", "--noprofile", "-c"])
        .arg(format!(
            "shopt -s expand_aliases; . {}\nalias g ll ...\nmkdir -p a/b && cd a/b && ...\npwd",
            aliases.display()
        ))
        .current_dir(&home.path)
        .output()
        .expect("bash runs");
    assert_exit(&output, 0, "bash with the aliases");
    let expected = format!(
        "alias g='git'\nalias ll='ls -l --color=auto'\nalias ...='cd ../..'\n{}\n",
        home.path.display()
    );
    assert_eq!(stdout(&output), expected, "{}", stderr(&output));
}

/// A Lua value is computed when activating: the file becomes a copy with
/// this machine's value in it.
#[test]
fn a_lua_value_is_computed_when_activating() {
    if !have_nix() {
        return;
    }
    let module = Module::new()
        .line("home.sessionVariables.HOST_AT_ACTIVATION = lib.am.mkLua \"am.host.name\";")
        .line("home.sessionVariables.EDITOR = \"vi\";")
        .line("systemd.user.sessionVariables.HOST_AT_ACTIVATION = lib.am.mkLua \"am.host.name\";");
    let bundle = build_bundles(&fresh_dir("hm-session-lua"), &[module]).remove(0);
    let home = Home::new("hm-session-lua");
    assert_exit(&home.activate(&bundle, &[]), 0, "activation");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("the host name");
    let vars = home.path.join(SESSION_VARS);
    assert!(!vars.is_symlink(), "a file computed in Lua is a copy");
    let shown = sh(&home, &format!(". {}; echo \"$HOST_AT_ACTIVATION $EDITOR\"", vars.display()));
    assert_eq!(shown, format!("{} vi\n", host.trim()));
    let environment = std::fs::read_to_string(home.path.join(ENVIRONMENT_D)).expect("copied");
    assert_eq!(environment, format!("HOST_AT_ACTIVATION={}\n", host.trim()));
    assert_exit(&home.activate(&bundle, &[]), 0, "second activation");
}

/// A real user manager reads the environment.d file: after a reload its
/// environment (that of every user service) has the variables, the XDG
/// ones of `xdg.enable` included.
#[test]
fn the_user_manager_reads_environment_d() {
    if !have_nix() {
        return;
    }
    let Some(manager) = am_tests::systemd::UserManager::start("hm-session") else { return };
    let config = repo_root().join("tests/cases/session-variables/home.nix");
    let bundle = build_module_files(&fresh_dir("hm-session-manager"), &[&config], "must build");
    assert_exit(&manager.activate(&bundle.store_path, &[]), 0, "activation as the user");
    assert_exit(&manager.systemctl(&["daemon-reload"]), 0, "daemon-reload");
    let environment = stdout(&manager.systemctl(&["show-environment"]));
    let home = manager.home.display();
    for expected in [
        "EDITOR=nvim".to_string(),
        "GTK_THEME=Adwaita:dark".to_string(),
        format!("XDG_CONFIG_HOME={home}/.config"),
        format!("XDG_DATA_HOME={home}/.local/share"),
    ] {
        assert!(environment.lines().any(|l| l == expected), "no {expected} in:\n{environment}");
    }
}
