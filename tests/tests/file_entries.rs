//! `home.file` (and `xdg.*File`) entries are merged without a module
//! evaluation per entry when they are defined plainly, and by the module
//! system otherwise (nix/modules/files.nix, `quickEntries`). Either way an
//! entry must be exactly what the module system makes of it: its values,
//! its defaults, and its error messages. Each case here is evaluated twice,
//! once alone (quick, when it can be) and once with a second, empty
//! definition of the entry beside it (which only the module system merges),
//! and both must agree.

use am_tests::have_nix;
use am_tests::nixeval::{eval_error, eval_json, with_library};

/// The entry `x` of `home.file` (or of `family`) as defined by `entry`
/// (Nix text, with `lib` and `name` in scope), strictly, or the message of
/// the evaluation's failure. `plain` adds an empty second definition, so
/// that the module system merges the entry.
fn entry(family: &str, entry: &str, plain: bool) -> Result<serde_json::Value, String> {
    let second = if plain { format!("{{ {family}.x = {{ }}; }}") } else { String::new() };
    let expr = with_library(&format!(
        "(amLib.homeBundle {{ modules = [ ({{ lib, ... }}: {{ {family}.x = {entry}; }}) {second} ]; }})\
         .config.{family}.x"
    ));
    eval_json(&expr).map_err(|stderr| eval_error(&stderr))
}

fn agree(family: &str, definition: &str) -> Result<serde_json::Value, String> {
    let (quick, plain) = (entry(family, definition, false), entry(family, definition, true));
    assert_eq!(quick, plain, "{family}.x = {definition}");
    quick
}

#[test]
fn plain_entries_are_what_the_module_system_makes_of_them() {
    if !have_nix() {
        return;
    }
    let text = agree("home.file", r#"{ text = "a"; }"#).expect("a text entry");
    assert_eq!(text["target"], "x", "the default target is the name");
    assert_eq!(text["mode"], "link");
    for definition in [
        r#"{ source = "/etc/hosts"; executable = true; mode = "copy"; permissions = "0600"; force = true; onChange = "echo changed"; }"#,
        r#"{ target = "elsewhere/y"; text = "b"; enable = false; recursive = false; }"#,
        r#"{ text = lib.generators.mkLuaInline "os.getenv('X')"; mode = "copy"; }"#,
        r#"{ target = lib.generators.mkLuaInline "'y'"; source = "/etc/hosts"; }"#,
        r#"{ source = null; text = null; executable = null; permissions = null; }"#,
    ] {
        agree("home.file", definition).expect(definition);
    }
    agree("xdg.configFile", r#"{ text = "c"; }"#).expect("an xdg entry");
}

#[test]
fn entries_with_properties_or_functions_are_the_module_systems() {
    if !have_nix() {
        return;
    }
    for definition in [
        r#"{ text = lib.mkDefault "a"; }"#,
        r#"{ text = lib.mkMerge [ "a" "b" ]; }"#,
        r#"{ text = lib.mkIf true "a"; force = lib.mkForce true; }"#,
        r#"{ onChange = lib.mkBefore "first"; text = "a"; }"#,
        r#"lib.mkIf true { text = "a"; }"#,
        r#"{ name, ... }: { text = name; }"#,
        r#"{ name, ... }: { config.text = name; }"#,
    ] {
        agree("home.file", definition).expect(definition);
    }
}

#[test]
fn mistakes_get_the_module_systems_messages() {
    if !have_nix() {
        return;
    }
    for (definition, says) in [
        (r#"{ text = 5; }"#, "is not of type"),
        (r#"{ force = "yes"; text = "a"; }"#, "is not of type"),
        (r#"{ mode = "hardlink"; text = "a"; }"#, "is not of type"),
        (r#"{ source = "dotfiles/vimrc"; }"#, "is the relative path"),
        (r#"{ bogus = 1; }"#, "bogus"),
        (r#"{ config.text = "a"; }"#, "home.file.x.config' does not exist"),
        (r#""not an entry""#, "is not of type"),
    ] {
        let message = agree("home.file", definition).expect_err(definition);
        assert!(message.contains(says), "{definition}: {message}");
    }
}

#[test]
fn a_field_never_read_is_never_evaluated() {
    if !have_nix() {
        return;
    }
    // A disabled entry is never lowered, so its text is never read.
    let expr = with_library(
        "(amLib.homeBundle { modules = [ { home.file.x = { enable = false; text = throw \"read\"; }; } ]; })\
         .config.am.loweredNodes",
    );
    assert_eq!(eval_json(&expr).map_err(|e| eval_error(&e)), Ok(serde_json::json!([])));
}

/// The point of the quick merge: a plain entry costs a few dozen function
/// calls (about 125 with its lowering, where the module system spent about
/// 1,250), counted by Nix itself (`NIX_SHOW_STATS`).
#[test]
fn plain_entries_are_cheap() {
    if !have_nix() {
        return;
    }
    let calls = |entries: usize| {
        let module = format!(
            "{{ home.file = builtins.listToAttrs (builtins.genList (n: {{ name = \"f${{toString n}}\"; \
             value.text = \"${{toString n}}\"; }}) {entries}); }}"
        );
        let stats = am_tests::fresh_dir("file-entries-stats").join("stats.json");
        let expr = with_library(&format!(
            "builtins.length (amLib.homeBundle {{ modules = [ {module} ]; }}).config.am.loweredNodes"
        ));
        let output = am_tests::nix_command("nix-instantiate")
            .args(["--eval", "--strict", "--expr", &expr])
            .env("NIX_SHOW_STATS", "1")
            .env("NIX_SHOW_STATS_PATH", &stats)
            .output()
            .expect("nix-instantiate runs");
        assert!(output.status.success(), "{}", am_tests::stderr(&output));
        let stats: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&stats).expect("Nix wrote its statistics"))
                .expect("the statistics are JSON");
        stats["nrFunctionCalls"].as_u64().expect("a count of function calls")
    };
    let per_entry = (calls(600) - calls(100)) / 500;
    assert!(per_entry < 400, "{per_entry} function calls per plain entry");
}
