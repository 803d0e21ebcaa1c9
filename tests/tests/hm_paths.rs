//! home-manager's absolute paths: with `home.homeDirectory` set, the bundle
//! is for that home only (`am` refuses any other `$HOME`, changing
//! nothing, in a real run, a dry run and a rollback alike, and accepts the
//! same folder through a symlink), `config.xdg.*Home` read as absolute
//! paths, and an absolute `xdg.configHome` outside the home is refused with
//! the option's name. Without it, the paths stay relative and the bundle
//! activates anywhere.

use am_tests::engine::{
    Home, Module, build_bundles, build_module_files, home_directory_module, nix_str,
};
use am_tests::nixeval::{eval_error, eval_json, eval_json_ok, with_library};
use am_tests::{assert_exit, fresh_dir, have_nix, repo_root, snapshot_settings, stderr};

/// `config` of a home of the module text `module`, with `body` evaluated.
fn evaluated(module: &str, body: &str) -> String {
    with_library(&format!(
        "let config = (amLib.homeBundle {{ modules = [ ({module}) ]; }}).config; in {body}"
    ))
}

const XDG_HOMES: &str = "{ inherit (config.xdg) configHome dataHome stateHome cacheHome; }";

#[test]
fn xdg_homes_are_absolute_exactly_when_the_home_is_known() {
    if !have_nix() {
        return;
    }
    let relative = eval_json_ok(&evaluated("{ ... }: { }", XDG_HOMES));
    assert_eq!(
        relative,
        serde_json::json!({
            "configHome": ".config", "dataHome": ".local/share",
            "stateHome": ".local/state", "cacheHome": ".cache",
        })
    );
    let absolute = eval_json_ok(&evaluated(
        "{ ... }: { home.homeDirectory = \"/home/jane\"; xdg.dataHome = \"data\"; \
           xdg.cacheHome = \"/home/jane/tmp/cache\"; }",
        XDG_HOMES,
    ));
    assert_eq!(
        absolute,
        serde_json::json!({
            "configHome": "/home/jane/.config", "dataHome": "/home/jane/data",
            "stateHome": "/home/jane/.local/state", "cacheHome": "/home/jane/tmp/cache",
        }),
        "home-manager's values; a relative setting reads as absolute too"
    );
}

/// An absolute `xdg.configHome` outside the home, or without a home, is
/// refused naming the option, and says what to write.
#[test]
fn an_absolute_xdg_home_must_be_inside_the_home() {
    if !have_nix() {
        return;
    }
    let errors: Vec<String> = [
        "{ ... }: { home.homeDirectory = \"/home/jane\"; xdg.configHome = \"/etc/xdg\"; \
           xdg.configFile.a.text = \"a\"; }",
        "{ ... }: { xdg.configHome = \"/home/jane/.config\"; xdg.configFile.a.text = \"a\"; }",
    ]
    .iter()
    .map(|module| {
        let error = eval_json(&evaluated(module, "config.am.loweredNodes"))
            .expect_err("the module must not evaluate");
        format!("{module}\n---- fails with\n{}", eval_error(&error))
    })
    .collect();
    snapshot_settings(&fresh_dir("hm-paths-xdg"))
        .bind(|| insta::assert_snapshot!("hm-paths-absolute-xdg-home", errors.join("\n")));
}

/// A bundle for one home refuses another `$HOME` with a message that says
/// why and what to do, in a real run and a dry run, changing nothing; its
/// own home, also reached through a symlink, activates.
#[test]
fn a_bundle_for_one_home_refuses_another() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("hm-paths-refuse");
    let home = Home::new("hm-paths-own");
    let pinned = home_directory_module(&temp, &home.path);
    let config = repo_root().join("tests/cases/home-manager-paths/home.nix");
    let bundle = build_module_files(&temp, &[&config, &pinned], "the case must build");

    let other = Home::new("hm-paths-other");
    for args in [&[][..], &["--dry-run"][..]] {
        let refused = other.activate(&bundle, args);
        assert_exit(&refused, 1, "activation in another home");
        let message = stderr(&refused)
            .replace(&home.path.display().to_string(), "[OWN]")
            .replace(&other.path.display().to_string(), "[OTHER]");
        snapshot_settings(&temp).bind(|| insta::assert_snapshot!("hm-paths-another-home", message));
    }
    assert_eq!(other.listing(), "", "the other home is untouched");

    let through_link = home.root.join("link");
    std::os::unix::fs::symlink(&home.path, &through_link).expect("a link to the home");
    let linked = home.command(bundle.script()).env("HOME", &through_link).output();
    assert_exit(&linked.expect("activate runs"), 0, "activation through a link to the home");
    let paths = std::fs::read_to_string(home.path.join(".config/app/paths.conf")).expect("linked");
    let own = home.path.display();
    assert_eq!(
        paths,
        format!(
            "home={own}\nconfig={own}/.config\ndata={own}/.data\nstate={own}/.local/state\n\
             cache={own}/.cache\n"
        )
    );
    let apprc = std::fs::read_to_string(home.path.join(".apprc")).expect("an absolute target");
    assert_eq!(apprc, format!("paths={own}/.config/app/paths.conf\n"));
}

/// Rolling back to a generation built for another home is refused too. Such
/// a generation exists when the home moved: its first bundle was for the
/// old path.
#[test]
fn a_rollback_to_a_bundle_for_another_home_is_refused() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("hm-paths-rollback");
    let home = Home::new("hm-paths-rollback");
    let pinned = Module::new()
        .line(format!("home.homeDirectory = {};", nix_str(&home.path.display().to_string())))
        .file("a", "a");
    let anywhere = Module::new().file("b", "b");
    let bundles = build_bundles(&temp, &[pinned, anywhere]);
    assert_exit(&home.activate(&bundles[0], &[]), 0, "the bundle for this home");

    let moved =
        Home { root: home.root.clone(), path: home.root.join("moved"), xdg_state_home: None };
    std::fs::rename(&home.path, &moved.path).expect("the home moves");
    assert_exit(&moved.activate(&bundles[1], &[]), 0, "a bundle for any home, in the moved home");
    let refused = moved.am(&["rollback"]);
    assert_exit(&refused, 1, "rollback to the bundle for the old path");
    let expected = format!("this bundle is for the home {}", home.path.display());
    assert!(stderr(&refused).contains(&expected), "{}", stderr(&refused));
    moved.assert_managed("b", b"b", "the refused rollback changed nothing");
}
