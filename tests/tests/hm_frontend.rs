//! home-manager's module collection as a front end (`nix/home-manager/`):
//! the fixture `tests/home-manager/fixture`, a value shaped exactly as
//! home-manager's evaluated `config` (home-manager itself needs full
//! nixpkgs, which the tests lack), becomes a bundle that activates with its
//! units in a real user manager and its dconf keys in a private session
//! bus; what has no meaning here fails the build or warns; the build-time
//! checks name home-manager's options; and `homeManagerBundle` calls
//! home-manager's entry point as home-manager does (a stand-in for it,
//! `tests/home-manager/stub`).

use std::path::Path;

use am_tests::dconf::have_dconf;
use am_tests::engine::{all_output, build_exprs, nix_str};
use am_tests::nix_user::NixDaemon;
use am_tests::nixeval::{eval_error, eval_json, eval_json_ok, nix_path, with_library};
use am_tests::systemd::UserManager;
use am_tests::{
    am_bin, assert_exit, compiler_output, fresh_dir, have_nix, nix_build_expr, regex_escape,
    repo_root, run_in_home, snapshot_settings, stderr, stdout, tree,
};

/// The Nix expression of the fixture's bundle for a home at `home`: its
/// `config` passed through `change` (a function of it, with `lib`,
/// `shapes` and `homeDirectory` in scope), with `am_modules` added.
fn fixture_bundle(home: &Path, change: &str, am_modules: &str) -> String {
    let folder = repo_root().join("tests/home-manager");
    with_library(&format!(
        "let homeDirectory = {home}; \
             shapes = import {shapes} {{ inherit lib homeDirectory; }}; \
             fixture = import {fixture} {{ inherit lib homeDirectory; }}; \
         in amLib.homeManagerConfigBundle {{ config = ({change}) fixture; amModules = [ {am_modules} ]; }}",
        home = nix_str(&home.display().to_string()),
        shapes = nix_path(&folder.join("shapes.nix")),
        fixture = nix_path(&folder.join("fixture")),
    ))
}

/// What `nix-build` of `expr` says when it fails: the compiler's report,
/// or the evaluation's error.
fn build_error(dir: &Path, expr: &str) -> String {
    match nix_build_expr(dir, expr, &[]) {
        Ok(out) => panic!("the bundle must not build, but built {}", out.display()),
        Err(stderr) => match compiler_output(&stderr) {
            compiled if compiled.is_empty() => eval_error(&stderr),
            compiled => compiled,
        },
    }
}

/// The fixture activated by its user against a real `systemd --user`, in a
/// session bus of its own for dconf, with Nix through a daemon as on a
/// multi-user install: its files are linked, its units run, its dconf keys
/// are set, its packages (home-manager's `home.path`) are in the Nix
/// profile, where a login shell finds the command and the session
/// variables, its activation blocks ran in their order after the files,
/// and the `onChange` command of the file that changed ran. A second
/// activation changes nothing (the blocks run again, as in home-manager);
/// `am deactivate` stops the units, resets the keys and removes the
/// packages.
#[test]
fn the_fixture_activates_with_its_units_dconf_and_packages() {
    if !have_nix() || !have_dconf() {
        return;
    }
    let Some(manager) = UserManager::start("hm-front") else { return };
    let Some(daemon) = NixDaemon::start(&fresh_dir("hm-front-daemon")) else { return };
    let temp = fresh_dir("hm-front");
    let bundle =
        build_exprs(&temp, &[fixture_bundle(&manager.home, "x: x", "")], "the fixture").remove(0);

    let inspect = run_in_home(am_bin(), &["inspect", &bundle.arg()], &temp);
    assert_exit(&inspect, 0, "am inspect");
    let mut settings = snapshot_settings(&temp);
    settings.add_filter(&regex_escape(&manager.home.display().to_string()), "/home/jane");
    settings.bind(|| insta::assert_snapshot!("hm-frontend-inspect", stdout(&inspect)));

    let in_session = |program: &Path, args: &[&str]| {
        let mut command = manager.command("dbus-run-session");
        command.envs(daemon.env()).arg("--").arg(program).args(args);
        command.output().expect("dbus-run-session runs")
    };
    let read = |rel: &str| std::fs::read_to_string(manager.home.join(rel)).unwrap_or_default();
    let key = |path: &str| manager.dconf_read(path);

    let output = in_session(&bundle.script(), &[]);
    assert_exit(&output, 0, "activating the fixture as its user");
    let said = all_output(&output);
    for unit in ["greeter.service", "notes-sync.service", "notes-sync.timer"] {
        assert!(said.lines().any(|l| l == format!("started {unit} (new)")), "{said}");
    }
    assert_eq!(manager.is_active("greeter.service"), "active");
    let environment = manager.show("greeter.service", "Environment");
    assert_eq!(environment, "GREETING=hi", "the drop-in applies");
    assert_eq!(manager.is_active("notes-sync.timer"), "active");
    assert_eq!(manager.show("notes-sync.service", "Result"), "success");
    assert_eq!(read("greeter.out"), "started\n", "the service ran");
    assert!(read("notes-sync.out").trim().parse::<u64>().is_ok(), "the oneshot service ran");

    assert_eq!(key("/org/gnome/desktop/interface/color-scheme"), "'prefer-dark'");
    assert_eq!(key("/org/gnome/desktop/peripherals/keyboard/delay"), "uint32 250");
    assert_eq!(key("/org/gnome/shell/favorite-apps"), "@as []");

    let log = read("activation.log");
    let steps: Vec<&str> = log.lines().collect();
    assert_eq!(steps.len(), 3, "each block ran once: {log}");
    assert_eq!(steps[2], "lastStep", "lastStep comes after the other two: {log}");
    assert_eq!(read("onchange.log"), "git/config changed\n", "onChange ran, after the link");
    assert_eq!(read(".config/git/config"), "[user]\n  name = Jane\n");
    assert_eq!(read(".config/nvim/lua/plugins.lua"), "return {}\n", "the tree is mirrored");
    let login = manager
        .command("bash")
        .args(["--login", "-c", "hello && greet && echo \"$EDITOR\""])
        .output()
        .expect("bash runs");
    assert_exit(&login, 0, "a login shell");
    assert_eq!(
        stdout(&login),
        "hello from the profile\nhello from greet\nnvim\n",
        "the profile's command, ~/bin from home.sessionPath (greet: executable = true), \
         and home.sessionVariables"
    );

    // Again: nothing changes, nothing restarts, the changed-file command
    // does not run; only the blocks run again.
    let files = || {
        let skip = [".local/state/activation-manager", ".config/dconf/user", "activation.log"];
        let listing = tree::listing(&manager.home);
        let kept = |line: &&str| !skip.iter().any(|prefix| line.starts_with(prefix));
        listing.lines().filter(kept).collect::<Vec<_>>().join("\n")
    };
    let (before, pid) = (files(), manager.show("greeter.service", "MainPID"));
    let output = in_session(&bundle.script(), &[]);
    assert_exit(&output, 0, "activating again");
    assert_eq!(files(), before, "a second activation changed the home");
    assert_eq!(manager.show("greeter.service", "MainPID"), pid, "the service was restarted");
    assert_eq!(read("onchange.log"), "git/config changed\n", "onChange ran without a change");
    assert_eq!(read("activation.log").lines().count(), 6, "the blocks run at every activation");

    let output = in_session(&am_bin(), &["deactivate"]);
    assert_exit(&output, 0, "am deactivate as the user");
    assert_eq!(manager.is_active("greeter.service"), "inactive");
    assert_eq!(manager.is_active("notes-sync.timer"), "inactive");
    assert!(!manager.home.join(".config/systemd/user").exists(), "the unit files are left");
    assert_eq!(key("/org/gnome/desktop/interface/color-scheme"), "", "the key was not reset");
    assert!(!manager.home.join(".nix-profile/bin/hello").exists(), "the package is left");
}

/// `home.extraDependencies` live as long as the bundle (they are in its
/// closure), `home.checks` are built before it without being in it, and
/// `recursive = true` on a file makes no difference, as in home-manager.
#[test]
fn dependencies_live_with_the_bundle_and_checks_are_built_first() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("hm-front-deps");
    let change = r#"base: lib.recursiveUpdate base {
        home.extraDependencies = [ (builtins.toFile "kept" "kept
") ];
        home.checks = [
          (builtins.derivation {
            name = "hm-check";
            system = builtins.currentSystem;
            builder = "/bin/sh";
            args = [ "-c" "echo checked > $out" ];
          })
        ];
        home.file."bin/greet".recursive = true;
      }"#;
    let bundle =
        build_exprs(&temp, &[fixture_bundle(&temp.join("home"), change, "")], "the bundle")
            .remove(0);
    let store = |args: &[&str]| {
        let output =
            am_tests::nix_command("nix-store").args(args).output().expect("nix-store runs");
        assert_exit(&output, 0, &format!("nix-store {args:?}"));
        stdout(&output)
    };
    let references = store(&["-q", "--references", &bundle.arg()]);
    let kept = references.lines().find(|path| path.ends_with("-kept"));
    let kept = kept.unwrap_or_else(|| panic!("the dependency is not kept:\n{references}"));
    let listed =
        std::fs::read_to_string(bundle.store_path.join("scripts/home-manager-extra-dependencies"));
    assert_eq!(listed.unwrap_or_default(), format!("{kept}\n"));

    let deriver = store(&["-q", "--deriver", &bundle.arg()]);
    let inputs = store(&["-q", "--references", deriver.trim()]);
    let check = inputs.lines().find(|path| path.ends_with("-hm-check.drv"));
    let check = check.unwrap_or_else(|| panic!("the check is no input of the bundle:\n{inputs}"));
    let checked = store(&["-q", "--outputs", check]);
    assert_eq!(std::fs::read_to_string(checked.trim()).unwrap_or_default(), "checked\n", "built");
    assert!(!references.contains(checked.trim()), "the check is kept with the bundle");

    let inspect = run_in_home(am_bin(), &["inspect", &bundle.arg()], &temp);
    let greet =
        stdout(&inspect).lines().find(|line| line.contains("file:bin/greet")).map(str::to_owned);
    assert!(greet.unwrap_or_default().contains(" link "), "{}", stdout(&inspect));
}

/// The packages of a configuration from home-manager's NixOS module with
/// `useUserPackages` are installed by NixOS: the bundle leaves the Nix
/// profile alone, as home-manager does.
#[test]
fn packages_nixos_installs_are_left_to_it() {
    if !have_nix() {
        return;
    }
    let kinds = |change: &str| {
        let bundle = fixture_bundle(Path::new("/home/jane"), change, "");
        eval_json_ok(&format!("map (node: node.kind) ({bundle}).config.am.loweredNodes"))
    };
    let has_profile =
        |kinds: serde_json::Value| kinds.as_array().is_some_and(|k| k.contains(&"profile".into()));
    assert!(has_profile(kinds("x: x")), "the fixture's packages go into the profile");
    let nixos =
        "base: base // { submoduleSupport = { enable = true; externalPackageInstall = true; }; }";
    assert!(!has_profile(kinds(nixos)), "NixOS installs them");
}

/// What home-manager can do and activation-manager cannot fails the build,
/// every such use in one message, naming home-manager's options.
#[test]
fn what_has_no_meaning_here_fails_the_build() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("hm-front-unsupported");
    let change = r#"base: lib.recursiveUpdate base {
        uninstall = true;
        specialisation.dark.configuration = { };
        dconf.databases.work."org/gnome/desktop/interface".color-scheme = "default";
        home.file.".config/nvim".executable = true;
        home.activation.setupLaunchAgents = shapes.entry [ "writeBoundary" ] [ ] ''
          newDir="$(readlink -m "$newGenPath/LaunchAgents")"
        '';
        home.activation.cleanProfile = shapes.entry [ "installPackages" ] [ ] "nixProfileRemove old-tools";
      }"#;
    let error = build_error(&temp, &fixture_bundle(&temp.join("home"), change, ""));
    snapshot_settings(&temp).bind(|| {
        insta::assert_snapshot!("hm-frontend-unsupported", format!("{change}\n----\n{error}"))
    });
}

/// What is accepted but done otherwise than home-manager does warns when
/// the bundle is built.
#[test]
fn what_is_done_otherwise_warns() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("hm-front-warnings");
    let change = r#"base: lib.recursiveUpdate base {
        systemd.user.startServices = false;
        systemd.user.servicesStartTimeoutMs = 5000;
        home.extraBuilderCommands = base.home.extraBuilderCommands + "ln -s /home/jane/src $out/my-sources\n";
      }"#;
    let expr = format!("({}).drvPath", fixture_bundle(&temp.join("home"), change, ""));
    let output = am_tests::nix_command("nix-instantiate")
        .args(["--eval", "--expr", &expr])
        .output()
        .expect("nix-instantiate runs");
    assert_exit(&output, 0, "the bundle evaluates");
    // Nix prefixes a warning with "trace: " or "evaluation ", by version.
    let warnings: String = stderr(&output)
        .lines()
        .skip_while(|line| !line.contains("warning: "))
        .map(|line| match line.split_once("warning: ") {
            Some((_, message)) => format!("warning: {message}\n"),
            None => format!("{line}\n"),
        })
        .collect();
    snapshot_settings(&temp).bind(|| {
        insta::assert_snapshot!("hm-frontend-warnings", format!("{change}\n----\n{warnings}"))
    });
}

/// The checks every bundle gets (cycles, one target claimed twice, targets
/// that leave the home) name the options the user wrote in home-manager:
/// `xdg.configFile."..."` rather than the `home.file` entry home-manager
/// made of it, `home.activation.<name>`, and `systemd.user.services.<name>`.
#[test]
fn build_time_checks_name_home_managers_options() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("hm-front-checks");
    let change = r#"base: lib.recursiveUpdate base {
        home.file = shapes.xdgFiles ".config" {
          # Inside the folder home.file.".config/nvim" mirrors.
          "nvim/init.lua".text = "vim.opt.number = false\n";
          "../../escape".text = "out\n";
        };
        home.activation = {
          firstWrite = shapes.entry [ "writeBoundary" "lastStep" ] [ ] "echo first";
        };
      }"#;
    let am_module = "{ am.nodes.git-config = { kind = \"link\"; target = \".config/git/config\"; text = \"x\"; }; }\n";
    let am_file = temp.join("am.nix");
    std::fs::write(&am_file, am_module).expect("the module can be written");
    let error =
        build_error(&temp, &fixture_bundle(&temp.join("home"), change, &nix_path(&am_file)));
    snapshot_settings(&temp).bind(|| {
        insta::assert_snapshot!(
            "hm-frontend-checks",
            format!("{change}\namModules: [TMP]/am.nix: {am_module}----\n{error}")
        )
    });
}

/// `homeManagerBundle` evaluates with home-manager's entry point (here the
/// stand-in `tests/home-manager/stub`) the way home-manager's own
/// `homeManagerConfiguration` does: `extraSpecialArgs` are there while
/// `imports` are read, nixpkgs' `config` and `overlays` come from `pkgs`,
/// `check` is home-manager's; and the files messages name are the ones
/// that define the options.
#[test]
fn home_manager_bundle_evaluates_as_home_manager_does() {
    if !have_nix() {
        return;
    }
    let stub = nix_path(&repo_root().join("tests/home-manager/stub"));
    let bundle = |modules: &str, check: &str| {
        with_library(&format!(
            "amLib.homeManagerBundle {{ home-manager = {stub}; \
               pkgs = {{ lib = lib; config = {{ allowUnfree = true; }}; overlays = [ (final: prev: {{ }}) ]; \
                 stdenv.hostPlatform.system = builtins.currentSystem; }}; \
               modules = [ {modules} ]; extraSpecialArgs = {{ host = \"laptop\"; }}; {check} }}"
        ))
    };
    let module = r#"({ lib, config, host, ... }: {
        imports = lib.optional (host == "laptop") { xdg.configFile."laptop".text = "yes\n"; };
        home.username = "jane";
        home.homeDirectory = "/home/jane";
        home.file.".nixpkgs".text = builtins.toJSON {
          inherit (config.nixpkgs) config;
          overlays = builtins.length config.nixpkgs.overlays;
        };
      })"#;
    let value = eval_json_ok(&format!(
        "let config = ({}).config; in map (node: {{ inherit (node) id declaredBy text; }}) config.am.loweredNodes",
        bundle(module, "")
    ));
    assert_eq!(
        value,
        serde_json::json!([
            {
                "id": "file:.nixpkgs",
                "declaredBy": "home.file.\".nixpkgs\"",
                "text": "{\"config\":{\"allowUnfree\":true},\"overlays\":1}"
            },
            { "id": "file:.config/laptop", "declaredBy": "xdg.configFile.laptop", "text": "yes\n" },
        ])
    );

    let unknown = r#"{ home.username = "jane"; home.homeDirectory = "/home/jane"; programs.nothing.enable = true; }"#;
    let refused = eval_json(&format!("({}).drvPath", bundle(unknown, "")))
        .expect_err("home-manager's check refuses an option it does not have");
    assert!(eval_error(&refused).contains("option `programs' does not exist"), "{refused}");
    eval_json_ok(&format!("({}).drvPath", bundle(unknown, "check = false;")));

    // With home-manager's options at hand, a message names the file that
    // defines the entry.
    let temp = fresh_dir("hm-front-files");
    let module_file = temp.join("home.nix");
    std::fs::write(
        &module_file,
        "{ home.username = \"jane\"; home.homeDirectory = \"/home/jane\"; \
         xdg.configFile.\"../../../etc/motd\".text = \"hi\\n\"; }\n",
    )
    .expect("the module can be written");
    let error = build_error(&temp, &bundle(&nix_path(&module_file), ""));
    assert!(
        error.contains(&format!(
            "declared by xdg.configFile.\"../../../etc/motd\" in {}",
            module_file.display()
        )),
        "{error}"
    );
}
