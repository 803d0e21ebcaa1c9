//! `dconf.settings` against the real dconf (in a private D-Bus session and a
//! temporary home): keys are written, changed, reset when dropped, and put
//! back when an activation fails; a re-activation writes nothing; a dry run
//! lists the keys and changes nothing; without a session bus `am` starts its
//! own and says so.

use am_tests::dconf::{self, have_dconf};
use am_tests::engine::{Home, Module, all_output, build_bundles};
use am_tests::{assert_exit, fresh_dir, have_nix, stdout};

const APP: &str = "/org/am-test/app";

fn generation_a() -> Module {
    Module::new().line(
        r#"dconf.settings."org/am-test/app" = {
          enabled = true;
          count = 5;
          name = "it's \"mine\"";
          ratio = 1.5;
          tags = [ "a" "b" ];
          delay = lib.gvariant.mkUint32 250;
          pair = lib.gvariant.mkTuple [ (lib.gvariant.mkInt32 1) "x" ];
        };"#,
    )
}

/// Changes `count`, drops `name`, `ratio`, `tags` and `pair`, adds `theme`.
fn generation_b() -> Module {
    Module::new().line(
        r#"dconf.settings."org/am-test/app" = {
          enabled = true;
          count = 6;
          delay = lib.gvariant.mkUint32 250;
          theme = "dark";
        };"#,
    )
}

/// Generation B with a required command that fails, after the dconf node.
fn generation_b_failing() -> Module {
    generation_b().exec("fail", "exit 3", &["dconf"], true)
}

#[test]
fn keys_are_written_changed_reset_and_restored_on_failure() {
    if !have_nix() || !have_dconf() {
        return;
    }
    let modules = [generation_a(), generation_b(), generation_b_failing(), Module::new()];
    let bundles = build_bundles(&fresh_dir("dconf"), &modules);
    let (a, b, b_failing, c) = (&bundles[0], &bundles[1], &bundles[2], &bundles[3]);
    let home = Home::new("dconf");
    let key = |name: &str| dconf::read(&home, &format!("{APP}/{name}"));

    assert_exit(&dconf::activate(&home, a, &[]), 0, "activation of A");
    assert_eq!(key("enabled"), "true");
    assert_eq!(key("count"), "5");
    assert_eq!(key("name"), r#""it's \"mine\"""#);
    assert_eq!(key("ratio"), "1.5");
    assert_eq!(key("tags"), "['a', 'b']");
    assert_eq!(key("delay"), "uint32 250");
    assert_eq!(key("pair"), "(1, 'x')");

    // Nothing changed since: nothing is written.
    let again = dconf::activate(&home, a, &[]);
    assert_exit(&again, 0, "re-activation of A");
    assert!(all_output(&again).contains("nothing to change"), "{}", all_output(&again));

    // A setting changed by hand is set again; the others are not written.
    dconf::write(&home, &format!("{APP}/count"), "42");
    let repair = dconf::activate(&home, a, &["--verbose"]);
    assert_exit(&repair, 0, "re-activation of A after a change by hand");
    let text = all_output(&repair);
    assert!(text.contains("1 dconf key written"), "{text}");
    assert!(text.contains(&format!("wrote dconf key {APP}/count")), "{text}");
    assert_eq!(key("count"), "5");

    // A required node fails after the keys were written: they come back.
    let failed = dconf::activate(&home, b_failing, &[]);
    assert_exit(&failed, 4, "activation of B with a failing command");
    assert_eq!(key("count"), "5", "the rollback did not restore count");
    assert_eq!(key("name"), r#""it's \"mine\"""#, "the rollback did not restore name");
    assert_eq!(key("theme"), "", "the rollback left theme set");

    assert_exit(&dconf::activate(&home, b, &[]), 0, "activation of B");
    assert_eq!(key("count"), "6");
    assert_eq!(key("theme"), "'dark'");
    assert_eq!(key("delay"), "uint32 250");
    for dropped in ["name", "ratio", "tags", "pair"] {
        assert_eq!(key(dropped), "", "{dropped} was not reset");
    }

    // Without dconf settings, every key of B is reset.
    let cleared = dconf::activate(&home, c, &[]);
    assert_exit(&cleared, 0, "activation of C");
    assert!(all_output(&cleared).contains("4 dconf keys reset"), "{}", all_output(&cleared));
    assert_eq!(dconf::dump(&home), "", "keys are left after the settings were dropped");
}

#[test]
fn a_dry_run_lists_the_keys_and_changes_nothing() {
    if !have_nix() || !have_dconf() {
        return;
    }
    let bundles = build_bundles(&fresh_dir("dconf-dry"), &[generation_a(), generation_b()]);
    let (a, b) = (&bundles[0], &bundles[1]);
    let home = Home::new("dconf-dry");

    let output = dconf::activate(&home, a, &["--dry-run"]);
    assert_exit(&output, 0, "dry run of A");
    let text = stdout(&output);
    assert!(text.contains(&format!("~ {APP}/count = 5")), "{text}");
    assert!(text.contains(&format!("~ {APP}/delay = @u 250")), "{text}");
    assert_eq!(dconf::dump(&home), "", "a dry run wrote keys");

    let diff = home.am(&["diff", &a.arg(), &b.arg()]);
    assert_exit(&diff, 0, "am diff A B");
    for line in [
        format!("  ~ {APP}/count = 6 (was 5)"),
        format!("  + {APP}/theme = 'dark'"),
        format!(r#"  - {APP}/name reset (was 'it\'s "mine"')"#),
    ] {
        assert!(
            stdout(&diff).lines().any(|l| l == line),
            "am diff lacks {line:?}:\n{}",
            stdout(&diff)
        );
    }
    assert!(!stdout(&diff).contains("enabled"), "am diff lists the unchanged key");

    assert_exit(&dconf::activate(&home, a, &[]), 0, "activation of A");
    let before = dconf::dump(&home);
    let snapshot = home.snapshot();
    let output = dconf::activate(&home, b, &["--dry-run"]);
    assert_exit(&output, 0, "dry run of B");
    let text = stdout(&output);
    assert!(text.contains(&format!("~ {APP}/count = 6")), "{text}");
    assert!(text.contains(&format!("~ {APP}/theme = 'dark'")), "{text}");
    assert!(text.contains(&format!("- {APP}/name reset")), "{text}");
    assert!(!text.contains(&format!("{APP}/enabled")), "enabled has its value already:\n{text}");
    assert_eq!(dconf::dump(&home), before, "a dry run changed dconf");
    assert_eq!(home.snapshot(), snapshot, "a dry run changed the home");
}

#[test]
fn without_a_session_bus_am_starts_one_and_says_so() {
    if !have_nix() || !have_dconf() {
        return;
    }
    let bundles = build_bundles(&fresh_dir("dconf-no-bus"), &[generation_b()]);
    let home = Home::new("dconf-no-bus");
    let output = dconf::activate_without_bus(&home, &bundles[0], &[]);
    assert_exit(&output, 0, "activation without a session bus");
    assert!(all_output(&output).contains("dbus-run-session"), "{}", all_output(&output));
    assert_eq!(dconf::read(&home, &format!("{APP}/theme")), "'dark'");
}
