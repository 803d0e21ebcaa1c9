//! The home-manager-compatible parts of the Nix library, evaluated without
//! building: `lib.hm.dag` gives home-manager's entries, `home.activation`
//! lowers anchors into concrete node ids and uses `pkgs.bash` when there is
//! a `pkgs`, and mistakes home-manager users make are evaluation errors
//! that show the fix.

use am_tests::nixeval::{STUB_PKGS, eval_error, eval_json, eval_json_ok, pretty, with_library};
use am_tests::{fresh_dir, have_nix, snapshot_settings};

/// `config` of a home built from the module text `module`, with `pkgs`
/// being `pkgs` (a Nix expression).
fn home(module: &str, pkgs: &str, body: &str) -> String {
    with_library(&format!(
        "let config = (amLib.homeBundle {{ pkgs = {pkgs}; modules = [ ({module}) ]; }}).config; in {body}"
    ))
}

/// home-manager's DAG functions give home-manager's values (these are its
/// own documented results).
#[test]
fn dag_functions_match_home_manager() {
    if !have_nix() {
        return;
    }
    let value = eval_json_ok(&with_library(
        "let dag = amLib.dag; in { \
           anywhere = dag.entryAnywhere \"x\"; \
           after = dag.entryAfter [ \"a\" ] \"x\"; \
           before = dag.entryBefore [ \"b\" ] \"x\"; \
           between = dag.entryBetween [ \"b\" ] [ \"a\" ] \"x\"; \
           entries = dag.entriesBetween \"t\" [ \"b\" ] [ \"a\" ] [ \"one\" \"two\" \"three\" ]; \
           isEntry = [ (dag.isEntry (dag.entryAnywhere 1)) (dag.isEntry { data = 1; }) ]; \
           sorted = (dag.topoSort { c = dag.entryAfter [ \"b\" ] 3; a = dag.entryBefore [ \"b\" ] 1; b = dag.entryAnywhere 2; }).result; \
           cycle = (dag.topoSort { a = dag.entryAfter [ \"b\" ] 1; b = dag.entryAfter [ \"a\" ] 2; }) ? cycle; \
           mapped = dag.map (name: data: name + data) { k = dag.entryAnywhere \"v\"; }; \
         }",
    ));
    let expected = serde_json::json!({
        "anywhere": { "data": "x", "after": [], "before": [] },
        "after": { "data": "x", "after": ["a"], "before": [] },
        "before": { "data": "x", "after": [], "before": ["b"] },
        "between": { "data": "x", "after": ["a"], "before": ["b"] },
        "entries": {
            "t-0": { "data": "one", "after": ["a"], "before": [] },
            "t-1": { "data": "two", "after": ["t-0"], "before": [] },
            "t-2": { "data": "three", "after": ["t-1"], "before": ["b"] },
        },
        "isEntry": [true, false],
        "sorted": [
            { "name": "a", "data": 1 },
            { "name": "b", "data": 2 },
            { "name": "c", "data": 3 },
        ],
        "cycle": true,
        "mapped": { "k": { "data": "kv", "after": [], "before": [] } },
    });
    assert_eq!(value, expected);
}

/// Inside modules the library is `lib.hm.dag` (and `lib.am.dag`), and
/// `lib.hm.types.dagOf` works for modules that declare DAG options.
#[test]
fn modules_see_lib_hm() {
    if !have_nix() {
        return;
    }
    let module = "{ lib, config, ... }: { \
        options.my.steps = lib.mkOption { type = lib.hm.types.dagOf lib.types.str; default = { }; description = \"x\"; }; \
        config.my.steps.one = \"plain string becomes entryAnywhere\"; \
        config.my.steps.two = lib.am.dag.entryAfter [ \"one\" ] \"2\"; }";
    let value = eval_json_ok(&home(module, "null", "config.my.steps"));
    assert_eq!(
        value,
        serde_json::json!({
            "one": { "data": "plain string becomes entryAnywhere", "after": [], "before": [] },
            "two": { "data": "2", "after": ["one"], "before": [] },
        })
    );
}

/// Anchors become the ids of their phase (every file and unit-file link,
/// the `onChange` commands, the unit switch, dconf), entry names become
/// `activation:<name>` (a typo is left for the compiler to report), and
/// with `pkgs` the blocks run
/// `pkgs.bash` with bash, coreutils & co. and `home.extraActivationPath`
/// first in PATH.
#[test]
fn activation_blocks_lower_to_exec_nodes() {
    if !have_nix() {
        return;
    }
    let module = r#"{ lib, pkgs, ... }: {
        home.file.".a".text = "a";
        xdg.configFile."b" = { text = "b"; onChange = "echo b changed"; };
        systemd.user.services.s.serviceConfig.ExecStart = "/bin/true";
        dconf.settings."org/example".key = 1;
        home.extraActivationPath = [ pkgs.git ];
        home.activation = {
          first = lib.hm.dag.entryBefore [ "writeBoundary" ] "echo first";
          second = lib.hm.dag.entryAfter [ "linkGeneration" "first" ] "echo second";
          third = lib.hm.dag.entryBetween [ "reloadSystemd" ] [ "second" ] "echo third";
          afterChanges = lib.hm.dag.entryAfter [ "onFilesChange" ] "echo after onChange";
          afterUnits = lib.hm.dag.entryAfter [ "reloadSystemd" ] "echo after the unit switch";
          beforeDconf = lib.hm.dag.entryBefore [ "dconfSettings" ] "echo before dconf";
          typo = lib.hm.dag.entryAfter [ "writeBoundry" ] "echo typo";
        };
      }"#;
    let value = eval_json_ok(&home(
        module,
        STUB_PKGS,
        "map (n: { inherit (n) id after before declaredBy argv env; }) \
         (builtins.filter (n: lib.hasPrefix \"activation:\" n.id) config.am.loweredNodes)",
    ));
    let temp = fresh_dir("hm-lowering");
    snapshot_settings(&temp)
        .bind(|| insta::assert_snapshot!("hm-activation-lowering", pretty(&value)));
}

/// Snapshot of the evaluation error of `module`.
fn assert_eval_error(name: &str, module: &str, body: &str) {
    let error = eval_json(&home(module, "null", body)).expect_err("the module must not evaluate");
    let temp = fresh_dir(name);
    snapshot_settings(&temp).bind(|| {
        insta::assert_snapshot!(name, format!("{module}\n---- fails with\n{}", eval_error(&error)))
    });
}

/// A relative string `source` is refused, and the message shows both ways
/// to write it.
#[test]
fn a_relative_source_string_says_what_to_write() {
    if !have_nix() {
        return;
    }
    assert_eval_error(
        "relative-source-string",
        r#"{ ... }: { home.file.".vimrc".source = "dotfiles/vimrc"; }"#,
        "config.am.loweredNodes",
    );
}

/// `config.lib.file.mkOutOfStoreSymlink` is kept for ported
/// configurations; handed a store path (a flake's copy of `./dotfiles`)
/// it says to write the checkout's absolute path instead.
#[test]
fn mk_out_of_store_symlink_refuses_store_paths() {
    if !have_nix() {
        return;
    }
    let ok = eval_json_ok(&home(
        r#"{ config, ... }: { home.file.".vimrc".source = config.lib.file.mkOutOfStoreSymlink "/home/jane/dotfiles/vimrc"; }"#,
        "null",
        "config.home.file.\".vimrc\".source",
    ));
    assert_eq!(ok, "/home/jane/dotfiles/vimrc");
    assert_eval_error(
        "mk-out-of-store-symlink-store-path",
        r#"{ config, ... }: { home.file.".vimrc".source = config.lib.file.mkOutOfStoreSymlink "${builtins.storeDir}/00000000000000000000000000000000-source/vimrc"; }"#,
        "config.am.loweredNodes",
    );
}

/// home-manager's anchors are ours to provide: defining one is refused
/// with the entry to write instead.
#[test]
fn defining_an_anchor_is_refused() {
    if !have_nix() {
        return;
    }
    assert_eval_error(
        "activation-anchor-defined",
        r#"{ lib, ... }: { home.activation.writeBoundary = lib.hm.dag.entryAnywhere "echo hi"; }"#,
        "config.am.loweredNodes",
    );
}

/// home-manager's section-style units (`Unit`, `Service`, `Install`) render
/// like their NixOS-style equivalents.
#[test]
fn home_manager_style_units() {
    if !have_nix() {
        return;
    }
    let module = r#"{ lib, ... }: {
        systemd.user.services.sync = {
          Unit = { Description = "Sync notes"; After = [ "network-online.target" ]; };
          Service = { ExecStart = "/bin/sleep 100"; Restart = "on-failure"; };
          Install.WantedBy = "default.target";
        };
        systemd.user.timers.sync = {
          Timer.OnCalendar = "daily";
          Install.WantedBy = [ "timers.target" ];
        };
      }"#;
    let value = eval_json_ok(&home(
        module,
        "null",
        "lib.listToAttrs (map (n: lib.nameValuePair n.id (n.text or null)) \
         (builtins.filter (n: lib.hasPrefix \"unit:\" n.id) config.am.loweredNodes))",
    ));
    let units: Vec<String> = value
        .as_object()
        .expect("an attribute set")
        .iter()
        .map(|(id, text)| format!("---- {id}\n{}", text.as_str().unwrap_or("(no text)")))
        .collect();
    let temp = fresh_dir("hm-units");
    snapshot_settings(&temp).bind(|| {
        insta::assert_snapshot!("hm-style-units", format!("{module}\n{}", units.join("\n")))
    });
}

/// `lib.hm.gvariant` is home-manager's: its functions give home-manager's
/// values and text (`mkArray` takes the element type, `mkDictionaryEntry` a
/// list, `mkValue` makes int32s, `@as []` and `null`), where nixpkgs'
/// `lib.gvariant` has other signatures.
#[test]
fn lib_hm_gvariant_is_home_managers() {
    if !have_nix() {
        return;
    }
    let module = r#"{ lib, ... }: {
        options.out = lib.mkOption { type = lib.types.raw; description = "x"; };
        config.out = let g = lib.hm.gvariant; in {
          array = g.mkArray g.type.string [ "a" "b" ];
          empty = g.mkEmptyArray g.type.uint32;
          emptyArray = g.mkArray g.type.string [ ];
          tuple = g.mkTuple [ 1 "a" true ];
          entry = g.mkDictionaryEntry [ "zoom" (g.mkVariant 2) ];
          entryType = g.type.dictionaryEntryOf [ g.type.string g.type.variant ];
          just = g.mkJust (g.mkUint32 5);
          nothing = g.mkNothing g.type.string;
          value = map g.mkValue [ 3 1.5 "it's" [ ] [ 1 2 ] ];
          none = g.mkValue { };
          types = map g.typeOf [ 3 [ "a" ] [ ] { } ];
          checks = [ (g.isArray "as") (g.isTuple "(ii)") (g.isMaybe "ms") (g.isDictionaryEntry "{sv}") ];
          uint32 = g.mkUint32 250;
          objectpath = g.mkObjectpath "/org/example";
        };
      }"#;
    let value = eval_json_ok(&with_library(&format!(
        "let out = (amLib.homeBundle {{ modules = [ ({module}) ]; }}).config.out; \
         show = v: if v == null then null else if builtins.isList v then map show v \
           else if builtins.isAttrs v then toString v else v; \
         in lib.mapAttrs (_: show) out"
    )));
    let expected = serde_json::json!({
        "array": "@as ['a','b']",
        "empty": "@au []",
        "emptyArray": "@as []",
        "tuple": "@(isb) (1,'a',true)",
        "entry": "@{sv} {'zoom',@v <2>}",
        "entryType": "{sv}",
        "just": "just @u 5",
        "nothing": "@ms nothing",
        "value": ["3", "1.500000", "'it\\'s'", "@as []", "@ai [1,2]"],
        "none": null,
        "types": ["i", "as", "", ""],
        "checks": [true, true, true, true],
        "uint32": "@u 250",
        "objectpath": "objectpath '/org/example'",
    });
    assert_eq!(value, expected);
}

/// `extraSpecialArgs` reach every module (before `imports` are read), and a
/// `lib` among them replaces nixpkgs' yet still has `lib.hm` and `lib.am`.
#[test]
fn extra_special_args_and_their_lib() {
    if !have_nix() {
        return;
    }
    let value = eval_json_ok(&with_library(
        "let config = (amLib.homeBundle { \
           extraSpecialArgs = { host = \"laptop\"; lib = lib.extend (_: _: { mine = 42; }); }; \
           modules = [ ({ lib, host, ... }: { \
             imports = lib.optional (host == \"laptop\") { home.file.laptop.text = \"yes\"; }; \
             home.file.mine.text = toString lib.mine; \
             home.activation.x = lib.hm.dag.entryAfter [ \"writeBoundary\" ] \"true\"; \
           }) ]; }).config; \
         in { files = builtins.attrNames config.home.file; inherit (config.home.file.mine) text; }",
    ));
    assert_eq!(value, serde_json::json!({ "files": ["laptop", "mine"], "text": "42" }));
}

/// A warning is printed when the bundle is built, and the build goes on;
/// `systemd.user.startServices = false`, which activation-manager cannot
/// honour, is one.
#[test]
fn warnings_are_printed_and_the_build_goes_on() {
    if !have_nix() {
        return;
    }
    let output = am_tests::nix_command("nix-instantiate")
        .args(["--eval", "--expr"])
        .arg(with_library(
            "(amLib.homeBundle { modules = [ { warnings = [ \"mind the gap\" ]; \
               systemd.user.startServices = false; home.file.a.text = \"a\"; } ]; }).drvPath",
        ))
        .output()
        .expect("nix-instantiate runs");
    let stderr = am_tests::stderr(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("warning: mind the gap"), "{stderr}");
    assert!(stderr.contains("systemd.user.startServices = false is not available"), "{stderr}");
}
