//! home-manager activation blocks (`home.activation`, nix/modules/activation.nix)
//! built with real Nix and run by the real `am`: DAG ordering against the
//! file links, home-manager's environment (`run`, `DRY_RUN`, `VERBOSE`,
//! `newGenPath`, ...), dry runs that run nothing, and failures that name
//! the block. Also out-of-store `source` strings, which link outside the store.

use std::path::{Path, PathBuf};

use am_tests::engine::{Bundle, Home, all_output, build_module_files};
use am_tests::{am_bin, assert_exit, fresh_dir, have_nix, run_in_home, snapshot_settings, stdout};

/// Writes `text` as a module and builds its bundle.
fn build(dir: &Path, text: &str) -> Bundle {
    let module = dir.join("home.nix");
    std::fs::write(&module, text).expect("the module can be written");
    build_module_files(dir, &[&module], "the bundle must build")
}

fn read(home: &Home, rel: &str) -> String {
    std::fs::read_to_string(home.path.join(rel))
        .unwrap_or_else(|e| panic!("{rel} was not written by the activation blocks: {e}"))
}

const ORDERED: &str = r#"{ lib, ... }:
{
  home.file.".config/app/conf".text = "conf\n";
  home.activation = {
    # Before every link: the file is not there yet.
    early = lib.hm.dag.entryBefore [ "checkLinkTargets" ] ''
      if [[ -e $HOME/.config/app/conf ]]; then echo present; else echo absent; fi > "$HOME/early.txt"
    '';
    # After every link: the file is there.
    late = lib.hm.dag.entryAfter [ "writeBoundary" ] ''
      cat "$HOME/.config/app/conf" > "$HOME/late.txt"
    '';
    # After another block.
    later = lib.hm.dag.entryAfter [ "late" ] ''
      echo "after late: $(cat "$HOME/late.txt")" > "$HOME/later.txt"
    '';
    # Between writeBoundary and linkGeneration: still before the links.
    between = lib.hm.dag.entryBetween [ "linkGeneration" ] [ "writeBoundary" ] ''
      if [[ -e $HOME/.config/app/conf ]]; then echo present; else echo absent; fi > "$HOME/between.txt"
    '';
  };
}
"#;

/// Blocks run where their DAG entries put them: before the links, after
/// them, after one another, and `am inspect` shows those edges.
#[test]
fn blocks_run_in_dag_order_around_the_file_links() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("hm-order");
    let bundle = build(&temp, ORDERED);
    let home = Home::new("hm-order");
    assert_exit(&home.activate(&bundle, &[]), 0, "activation");
    assert_eq!(
        read(&home, "early.txt"),
        "absent\n",
        "entryBefore checkLinkTargets ran after the links"
    );
    assert_eq!(read(&home, "between.txt"), "absent\n", "entryBetween linkGeneration writeBoundary");
    assert_eq!(read(&home, "late.txt"), "conf\n", "entryAfter writeBoundary ran before the links");
    assert_eq!(read(&home, "later.txt"), "after late: conf\n");

    let inspect = run_in_home(am_bin(), &["inspect", &bundle.arg()], &temp);
    assert_exit(&inspect, 0, "am inspect");
    snapshot_settings(&temp).bind(|| {
        insta::assert_snapshot!(
            "hm-activation-order",
            format!("{ORDERED}\n---- am inspect\n{}", stdout(&inspect))
        )
    });
}

const ENVIRONMENT: &str = r#"{ lib, ... }:
{
  home.file.".profile".text = "export EDITOR=vi\n";
  home.activation.hm-style = lib.hm.dag.entryAfter [ "writeBoundary" ] ''
    run mkdir -p $VERBOSE_ARG "$HOME/made-by-run"
    run --quiet echo "quiet: not shown"
    $DRY_RUN_CMD touch "$HOME/made-by-dry-run-cmd"
    if [[ -v DRY_RUN ]]; then mode=dry; else mode=live; fi
    verboseEcho "verbose is on"
    echo "$mode VERBOSE_ARG=[$VERBOSE_ARG]" >> "$HOME/runs.txt"
    echo "$newGenPath" > "$HOME/new-gen"
    echo "''${oldGenPath:-none}" > "$HOME/old-gen"
  '';
}
"#;

/// A typical home-manager block using `run`, `DRY_RUN`, `DRY_RUN_CMD`,
/// `VERBOSE_ARG`, `verboseEcho`, `newGenPath` and `oldGenPath`: a dry run
/// runs nothing and says it would run it; a live run runs it with `DRY_RUN`
/// unset; `--verbose` (or `VERBOSE=1` in the environment) turns on verbose mode.
#[test]
fn blocks_get_home_managers_environment() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("hm-env");
    let bundle = build(&temp, ENVIRONMENT);
    let home = Home::new("hm-env");

    let dry = home.activate(&bundle, &["--dry-run"]);
    assert_exit(&dry, 0, "dry run");
    let said = stdout(&dry);
    assert!(
        said.starts_with("would activate")
            && said.lines().any(|l| l.contains("activation:hm-style (home.activation.hm-style)")),
        "the dry run lists the block it would run:\n{said}"
    );
    for rel in ["made-by-run", "made-by-dry-run-cmd", "runs.txt", ".profile"] {
        home.assert_absent(rel, "a dry run runs no activation block");
    }

    let live = home.activate(&bundle, &[]);
    assert_exit(&live, 0, "first activation");
    assert!(home.path.join("made-by-run").is_dir(), "`run` ran its command");
    assert!(home.path.join("made-by-dry-run-cmd").is_file(), "`$DRY_RUN_CMD` is empty");
    assert!(!all_output(&live).contains("quiet: not shown"), "`run --quiet` hides stdout");
    assert_eq!(read(&home, "runs.txt"), "live VERBOSE_ARG=[]\n");
    let bundle_path = format!("{}\n", bundle.store_path.display());
    assert_eq!(read(&home, "new-gen"), bundle_path, "newGenPath is the bundle");
    assert_eq!(read(&home, "old-gen"), "none\n", "oldGenPath is unset on a first activation");

    let verbose = home.activate(&bundle, &["--verbose"]);
    assert_exit(&verbose, 0, "verbose activation");
    assert!(all_output(&verbose).contains("verbose is on"), "{}", all_output(&verbose));
    assert_eq!(read(&home, "runs.txt"), "live VERBOSE_ARG=[]\nlive VERBOSE_ARG=[--verbose]\n");
    assert_eq!(read(&home, "old-gen"), bundle_path, "oldGenPath is the previous generation's");

    // `VERBOSE` in the environment, as `home-manager -v` sets it, works too.
    let output = home.command(bundle.script()).env("VERBOSE", "1").output();
    assert_exit(&output.expect("bin/activate runs"), 0, "activation with VERBOSE=1");
    let runs = read(&home, "runs.txt");
    assert!(runs.ends_with("live VERBOSE_ARG=[--verbose]\n"), "{runs}");
}

/// A failing block fails the activation (exit 4), and bash's own message
/// names the option, with the line number of the body.
#[test]
fn a_failing_block_names_its_option() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("hm-fail");
    let bundle = build(
        &temp,
        "{ ... }:\n{\n  home.activation.broken = ''\n    echo starting\n    echo \"$notDefined\"\n  '';\n}\n",
    );
    let home = Home::new("hm-fail");
    let output = home.activate(&bundle, &[]);
    assert_exit(&output, 4, "activation with a failing block");
    let said = all_output(&output);
    assert!(
        said.contains("home.activation.broken: line 2: notDefined: unbound variable"),
        "bash names the option and the body's line:\n{said}"
    );
}

/// A string `source` outside the store is linked as it is: edits there
/// show in the home without a rebuild.
#[test]
fn an_absolute_source_outside_the_store_is_linked_directly() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("out-of-store");
    let dotfiles: PathBuf = temp.join("dotfiles");
    std::fs::create_dir_all(&dotfiles).expect("dotfiles folder");
    std::fs::write(dotfiles.join("vimrc"), "set number\n").expect("vimrc");
    let bundle = build(
        &temp,
        &format!(
            "{{ ... }}:\n{{\n  home.file.\".vimrc\".source = \"{}\";\n}}\n",
            dotfiles.join("vimrc").display()
        ),
    );
    let home = Home::new("out-of-store");
    assert_exit(&home.activate(&bundle, &[]), 0, "activation");
    home.assert_managed(".vimrc", b"set number\n", "out-of-store link");
    let inner = std::fs::read_link(bundle.store_path.join("static/.vimrc")).expect("a link");
    assert_eq!(inner, dotfiles.join("vimrc"), "the bundle links to the path itself");
    std::fs::write(dotfiles.join("vimrc"), "set nonumber\n").expect("edit vimrc");
    home.assert_managed(".vimrc", b"set nonumber\n", "an edit shows without a rebuild");
}
