//! Option reference data (`nix/docs.nix`, `lib.optionAttrSetToDocList`):
//! it is generated for every option of the home library, of system bundles
//! and of the NixOS module, and every option has a type, a description and,
//! where one helps, an example.

use am_tests::nixeval::{eval_json_ok, nix_path, with_library};
use am_tests::{have_nix, repo_root};

/// Options that need no example, and why. Booleans need none anywhere
/// (`true` is the only example there is), nor do read-only options (they
/// cannot be set); everything else listed here is waiting for one.
const WITHOUT_EXAMPLE: &[(&str, &str)] = &[];

/// The doc list of the home library's options.
fn home_options() -> serde_json::Value {
    eval_json_ok(&with_library(
        "import (root + \"/nix/docs.nix\") { inherit lib; \
         options = (amLib.homeBundle { modules = [ ]; }).options; }",
    ))
}

/// The doc list of a system bundle's options.
fn system_options() -> serde_json::Value {
    eval_json_ok(&with_library(
        "import (root + \"/nix/docs.nix\") { inherit lib; \
         options = (amLib.systemBundle { modules = [ ]; }).options; }",
    ))
}

/// The doc list of the NixOS module's own options (those with an
/// `activation-manager` component), evaluated with the test-only NixOS stubs.
fn nixos_options() -> serde_json::Value {
    let system = nix_path(&repo_root().join("tests/nixos/system.nix"));
    eval_json_ok(&with_library(&format!(
        "builtins.filter (o: lib.elem \"activation-manager\" o.loc) \
         (import (root + \"/nix/docs.nix\") {{ inherit lib; \
          options = (lib.evalModules {{ modules = [ (import {system} {{ inherit amPackage; }}) ]; }}).options; }})"
    )))
}

/// Every problem of every option in `list`, one line each.
fn problems(list: &serde_json::Value) -> Vec<String> {
    let options = list.as_array().expect("the doc list is a list");
    let mut problems = Vec::new();
    for option in options {
        let name = option["name"].as_str().unwrap_or("?");
        let description = option["description"].as_str().unwrap_or("").trim();
        if description.is_empty() {
            problems.push(format!("{name}: no description"));
        }
        let kind = option["type"].as_str().unwrap_or("");
        if kind.is_empty() || kind == "unspecified value" {
            problems.push(format!("{name}: no type"));
        }
        let boolean = kind == "boolean" || kind == "null or boolean";
        let read_only = option["readOnly"] == true;
        let exempt = WITHOUT_EXAMPLE.iter().any(|(exempt, _)| *exempt == name);
        if option.get("example").is_none() && !boolean && !read_only && !exempt {
            problems.push(format!("{name}: no example (type {kind})"));
        }
    }
    problems
}

fn names(list: &serde_json::Value) -> Vec<&str> {
    list.as_array().into_iter().flatten().filter_map(|o| o["name"].as_str()).collect()
}

#[test]
fn every_home_option_has_a_description_and_an_example() {
    if !have_nix() {
        return;
    }
    let list = home_options();
    let names = names(&list);
    for expected in ["home.file", "home.activation", "home.file.<name>.source", "xdg.configFile"] {
        assert!(names.contains(&expected), "the doc list misses {expected}: {names:?}");
    }
    assert!(!names.iter().any(|n| n.starts_with("_module")), "module-system options are left out");
    let problems = problems(&list);
    assert!(problems.is_empty(), "options without docs:\n{}", problems.join("\n"));
}

#[test]
fn every_system_option_has_a_description_and_an_example() {
    if !have_nix() {
        return;
    }
    let list = system_options();
    let names = names(&list);
    for expected in [
        "environment.etc.<name>.mode",
        "systemd.services.<name>.serviceConfig",
        "systemd.targets",
        "systemd.tmpfiles.rules",
        "users.users.<name>.isSystemUser",
        "users.groups.<name>.members",
        "activation-manager.users.<name>.modules",
        "am.nodes",
    ] {
        assert!(names.contains(&expected), "the doc list misses {expected}: {names:?}");
    }
    for home_only in ["home.file", "systemd.user.services", "dconf.settings"] {
        assert!(!names.contains(&home_only), "a system bundle has {home_only}");
    }
    let problems = problems(&list);
    assert!(problems.is_empty(), "options without docs:\n{}", problems.join("\n"));
}

#[test]
fn every_nixos_option_has_a_description_and_an_example() {
    if !have_nix() {
        return;
    }
    let list = nixos_options();
    let names = names(&list);
    for expected in [
        "activation-manager.mkBundle",
        "activation-manager.package",
        "users.users.<name>.activation-manager.modules",
    ] {
        assert!(names.contains(&expected), "the doc list misses {expected}: {names:?}");
    }
    let problems = problems(&list);
    assert!(problems.is_empty(), "options without docs:\n{}", problems.join("\n"));
}

/// Declarations are relative to the repository, so the docs site can link
/// them to the source.
#[test]
fn declarations_are_repository_paths() {
    if !have_nix() {
        return;
    }
    let list = home_options();
    let activation = list
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["name"] == "home.activation")
        .expect("home.activation is documented");
    assert_eq!(activation["declarations"], serde_json::json!(["nix/modules/activation.nix"]));
}
