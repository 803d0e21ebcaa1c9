//! Every configuration in `examples/` builds with the real `nix-build` and
//! activates, so what the docs point people at works:
//!
//! - every home (`examples/<name>/home.nix`) activates into an empty home,
//!   activates again without changing anything, and deactivates;
//! - the desktop one keeps the user's own files, writes its dconf keys, and
//!   runs its user units in a real `systemd --user` (`am_tests::systemd`);
//! - the NixOS one (`examples/nixos`) is evaluated as the system flake it
//!   is, and the home it gives its user is built and activated. Full
//!   nixpkgs and NixOS are not available offline, so the flake gets the
//!   nixpkgs library with NixOS stubbed (`tests/nixos/example-flake.nix`):
//!   this checks the example's wiring and the home it builds, not that it
//!   is a bootable system.
//! - the system one (`examples/system`) is built with `systemBundle` and
//!   activated into a temporary root (`--root`), twice and then
//!   deactivated: its files, accounts, tmpfiles rules and units are made
//!   there; no system manager runs for the tree, so its units and jane's
//!   home are placed, not started. It is also activated in a throwaway
//!   machine with a real system manager (`am_tests::machine`), where its
//!   server serves its page and jane's home is activated as jane.
//!
//! dconf always runs isolated, in a private session bus (`dbus-run-session`)
//! with the temporary home's own `~/.config/dconf`, so that no test touches
//! the settings of whoever runs the tests.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use am_tests::dconf::{self, have_dconf};
use am_tests::engine::{Bundle, Home, all_output, build_exprs, build_module_files, nix_str};
use am_tests::machine::Machine;
use am_tests::nixeval::{eval_json_ok, nix_path, with_library};
use am_tests::system::{Root, system_bundle_expr};
use am_tests::systemd::UserManager;
use am_tests::{am_bin, assert_exit, fresh_dir, have_nix, repo_root, stderr, tree};

/// Every `examples/<name>/home.nix`, sorted.
fn examples() -> Vec<(String, PathBuf)> {
    let dir = repo_root().join("examples");
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("home.nix"))
        .filter(|config| config.is_file())
        .filter_map(|config| {
            let name = config.parent()?.file_name()?.to_string_lossy().into_owned();
            Some((name, config))
        })
        .collect();
    found.sort();
    found
}

/// Builds a home configuration with the real `nix-build`.
fn build(name: &str, config: &Path) -> Bundle {
    let dir = fresh_dir(&format!("example-{name}"));
    build_module_files(&dir, &[config], &format!("examples/{name} does not build"))
}

fn read(home: &Home, path: &str) -> String {
    std::fs::read_to_string(home.path.join(path)).unwrap_or_default()
}

#[test]
fn every_example_home_builds_activates_and_deactivates() {
    if !have_nix() || !have_dconf() {
        return;
    }
    let examples = examples();
    let names: Vec<&str> = examples.iter().map(|(name, _)| name.as_str()).collect();
    assert!(names.contains(&"minimal") && names.contains(&"desktop"), "{names:?}");
    for (name, config) in &examples {
        let bundle = build(name, config);
        // Truly empty: not even ~/.local, where the state folder goes.
        let home = Home::new(&format!("example-{name}"));
        let first = dconf::activate(&home, &bundle, &[]);
        assert_exit(&first, 0, &format!("activating examples/{name}"));
        // Commands run again (the minimal example's rewrites a file), so
        // no mtimes: what is where, and with which content.
        let after_first = tree::listing(&home.path);
        assert!(!after_first.contains("dangling"), "examples/{name}:\n{after_first}");

        let again = dconf::activate(&home, &bundle, &[]);
        assert_exit(&again, 0, &format!("activating examples/{name} again"));
        assert_eq!(
            tree::listing(&home.path),
            after_first,
            "examples/{name}: a second run changed it"
        );

        assert_exit(&dconf::am(&home, &["deactivate"]), 0, &format!("deactivating {name}"));
        let left = home.listing();
        assert!(!left.contains(" -> "), "examples/{name} left links behind:\n{left}");
        assert_eq!(dconf::dump(&home), "", "examples/{name} left dconf keys behind");
    }
}

/// What `examples/desktop/home.nix` says it does to a home that already has
/// a `.bashrc`, an old `.gitconfig` and a wallpaper, where no user manager
/// runs (its units are linked, for the next login).
#[test]
fn desktop_example_keeps_the_users_files() {
    if !have_nix() || !have_dconf() {
        return;
    }
    let bundle = build("desktop", &repo_root().join("examples/desktop/home.nix"));
    let home = Home::new("example-desktop-files");
    home.write_user_file(".bashrc", b"# mine\n");
    home.write_user_file(".gitconfig", b"[user]\n  name = Old\n");
    home.write_user_file("Pictures/Wallpapers/dunes.jpg", b"a picture\n");
    let output = dconf::activate(&home, &bundle, &[]);
    assert_exit(&output, 0, "activating examples/desktop");

    assert_eq!(read(&home, ".bashrc.backup"), "# mine\n", "am.backupFileExtension kept it");
    assert!(read(&home, ".bashrc").contains("HISTCONTROL"), "the example's .bashrc is linked");
    assert_eq!(read(&home, ".gitconfig.pre-am"), "[user]\n  name = Old\n", "move-old-gitconfig");
    assert!(read(&home, ".config/git/config").contains("Jane Doe"));
    assert!(read(&home, "notes/README.md").starts_with("Notes written with"), "notes-welcome");
    let note = std::fs::metadata(home.path.join("bin/note")).expect("bin/note is linked");
    assert!(note.permissions().mode() & 0o111 != 0, "bin/note is executable");
    let wallpaper = home.path.join(".local/share/backgrounds/dunes.jpg");
    assert!(wallpaper.is_symlink(), "the wallpapers task linked the picture it found");
    assert_eq!(read(&home, ".local/share/backgrounds/dunes.jpg"), "a picture\n");
    let units = home.path.join(".config/systemd/user");
    assert!(units.join("notes-index.service").is_file(), "the service is linked");
    assert!(units.join("timers.target.wants/notes-index.timer").is_file(), "the timer is wanted");
    assert!(stderr(&output).contains("note: no systemd user manager"), "{}", stderr(&output));
    let key = |path: &str| dconf::read(&home, path);
    assert_eq!(key("/org/gnome/desktop/interface/color-scheme"), "'prefer-dark'");
    assert_eq!(key("/org/gnome/desktop/wm/preferences/button-layout"), "'appmenu:minimize,close'");

    assert_exit(&dconf::am(&home, &["deactivate"]), 0, "am deactivate");
    home.assert_user_file(".bashrc", b"# mine\n", "deactivating put the user's .bashrc back");
    assert!(!wallpaper.is_symlink(), "deactivating removed the link the Lua task made");
    home.assert_user_file("Pictures/Wallpapers/dunes.jpg", b"a picture\n", "deactivate");
    assert!(!units.exists(), "the unit folder is still there");
    assert_eq!(key("/org/gnome/desktop/interface/color-scheme"), "", "the key was not reset");
}

/// `examples/desktop` activated by its user against a real `systemd
/// --user`, in a private session bus for dconf: its timer runs, the service
/// has indexed the notes, the keys are set; `am deactivate` stops the
/// timer, removes the unit files and resets the keys.
#[test]
fn desktop_example_runs_its_units_in_the_user_manager() {
    if !have_nix() || !have_dconf() {
        return;
    }
    let Some(manager) = UserManager::start("examples") else { return };
    let bundle = build("desktop-units", &repo_root().join("examples/desktop/home.nix"));
    let notes = manager.home.join("notes");
    std::fs::create_dir_all(&notes).expect("the home is writable");
    std::fs::write(notes.join("2026-01-05.md"), "09:00 hello\n").expect("the home is writable");
    for path in [&notes, &notes.join("2026-01-05.md")] {
        std::os::unix::fs::chown(path, Some(manager.uid), Some(manager.gid))
            .expect("the note is given to the test user");
    }
    // As the user, in a session bus of its own.
    let in_session = |program: &Path, args: &[&str]| manager.in_session(program, args);
    let key = |path: &str| manager.dconf_read(path);
    let color_scheme = "/org/gnome/desktop/interface/color-scheme";

    let output = in_session(&bundle.script(), &[]);
    assert_exit(&output, 0, "activating examples/desktop as its user");
    let said = all_output(&output);
    for unit in ["notes-index.service", "notes-index.timer"] {
        assert!(said.lines().any(|l| l == format!("started {unit} (new)")), "{said}");
    }
    assert_eq!(manager.is_active("notes-index.timer"), "active");
    assert_eq!(manager.show("notes-index.service", "Result"), "success");
    let index = std::fs::read_to_string(notes.join("index.md")).unwrap_or_default();
    assert_eq!(index, "# Notes\n- [2026-01-05.md](2026-01-05.md)\n", "the service's script ran");
    assert_eq!(key(color_scheme), "'prefer-dark'");
    assert_eq!(key("/org/gnome/desktop/interface/clock-show-weekday"), "true");

    let output = in_session(&am_bin(), &["deactivate"]);
    assert_exit(&output, 0, "am deactivate as the user");
    let said = all_output(&output);
    assert!(said.lines().any(|l| l == "stopped notes-index.timer (removed)"), "{said}");
    assert_eq!(manager.is_active("notes-index.timer"), "inactive");
    assert!(!manager.home.join(".config/systemd/user").exists(), "the unit files are left");
    assert_eq!(key(color_scheme), "", "deactivating did not reset the key");
}

/// `body`, with `config` bound to the configuration of the `laptop` system
/// of `examples/nixos/flake.nix`, evaluated with NixOS stubbed, jane's home
/// being `home` (her bundle is for her home only).
fn laptop(home: &Path, body: &str) -> String {
    with_library(&format!(
        "let system = import {stub} {{ inherit lib amPackage; flake = {flake}; \
               extraModules = [ {{ users.users.jane.home = {home}; }} ]; }}; \
             config = system.nixosConfigurations.laptop.config; in {body}",
        stub = nix_path(&repo_root().join("tests/nixos/example-flake.nix")),
        flake = nix_path(&repo_root().join("examples/nixos/flake.nix")),
        home = nix_str(&home.display().to_string()),
    ))
}

/// `examples/nixos`: its flake's `laptop` system, evaluated with NixOS
/// stubbed (see the module docs), gives jane a login unit that activates
/// her home bundle; the bundle builds with the real `nix-build` and,
/// activated into a temporary home, links her files, runs her Lua task on
/// this machine, and writes her dconf key.
#[test]
fn nixos_example_builds_and_activates_janes_home() {
    if !have_nix() || !have_dconf() {
        return;
    }
    let home = Home::new("example-nixos");
    let bundle = build_exprs(
        &fresh_dir("example-nixos"),
        &[laptop(&home.path, "config.users.users.jane.activation-manager.bundle")],
        "jane's bundle must build",
    )
    .remove(0);
    let system = eval_json_ok(&laptop(
        &home.path,
        "{ packages = config.users.users.jane.packages; \
           login = config.systemd.user.services.activation-manager-jane.serviceConfig.ExecStart; }",
    ));
    let bundle_path = bundle.store_path.display().to_string();
    assert_eq!(system["packages"], serde_json::json!([bundle_path]), "installed with the system");
    assert_eq!(system["login"], format!("{bundle_path}/bin/activate"), "activated at login");

    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("the host name");
    let own = format!("dotfiles/hosts/{}.sh", host.trim());
    home.write_user_file(&own, b"export BROWSER=firefox\n");
    assert_exit(&dconf::activate(&home, &bundle, &[]), 0, "activating jane's home");

    let profile = read(&home, ".profile");
    let notes = format!("export NOTES=\"{}/notes\"", home.path.display());
    assert!(profile.contains(&notes), "{profile}");
    assert!(read(&home, ".config/git/config").contains("email = jane@example.org"));
    assert!(read(&home, ".config/nano/nanorc").contains("set autoindent"));
    let host_link = home.path.join(".config/profile.d/host.sh");
    assert_eq!(
        std::fs::read_link(&host_link).ok(),
        Some(home.path.join(&own)),
        "the Lua task linked this machine's own file"
    );
    assert_eq!(dconf::read(&home, "/org/gnome/desktop/interface/color-scheme"), "'prefer-dark'");

    assert_exit(&dconf::am(&home, &["deactivate"]), 0, "am deactivate");
    home.assert_absent(".profile", "deactivate");
    home.assert_absent(".config/profile.d/host.sh", "deactivate");
    home.assert_user_file(&own, b"export BROWSER=firefox\n", "deactivate");
    assert_eq!(dconf::dump(&home), "", "deactivating left dconf keys behind");
}

/// `examples/system` under `--root`, in a tree that has what a distribution
/// starts with (root, the `users` group): the server's files, its account
/// and group, the secret only that group reads, the report's folder, the
/// units and their `.wants` links, and jane's account and home unit; a
/// second activation changes nothing; deactivating removes the files and
/// units and keeps the accounts (locked, never deleted).
#[test]
fn system_example_activates_under_a_root() {
    if !have_nix() {
        return;
    }
    let config = repo_root().join("examples/system/system.nix");
    let bundle = build_exprs(
        &fresh_dir("example-system"),
        &[system_bundle_expr(&[&config])],
        "examples/system does not build",
    )
    .remove(0);
    let root = Root::with_accounts("example-system");

    // Verbose, for what jane's node said.
    let first = root.activate(&bundle, &["--verbose"]);
    assert_exit(&first, 0, "activating examples/system under --root");
    let said = all_output(&first);
    assert!(
        said.contains("is not the running system: the home of jane is not activated"),
        "{said}"
    );
    assert_eq!(
        root.read("etc/motd").as_deref(),
        Some("This machine serves the hello-web pages on port 8080.\n")
    );
    assert!(root.read("etc/hello-web/pages/index.html").is_some_and(|page| page.contains("hello")));
    let server = root.account("passwd", "hello-web").expect("the server's account");
    assert_eq!(server[5..], ["/var/lib/hello-web", "/usr/sbin/nologin"], "{server:?}");
    let group = root.account("group", "hello-web").expect("the server's group");
    let jane = root.account("passwd", "jane").expect("jane's account");
    // Her shell is the distribution's default for useradd.
    assert_eq!(jane[3..6], ["100", "Jane Doe", "/home/jane"], "{jane:?}");

    let token = std::fs::symlink_metadata(root.join("etc/hello-web/token")).expect("the token");
    assert!(token.is_file(), "a mode makes a copy");
    assert_eq!(token.permissions().mode() & 0o7777, 0o640);
    assert_eq!(std::os::unix::fs::MetadataExt::gid(&token).to_string(), group[2], "its group");
    let reports = std::fs::metadata(root.join("var/lib/hello-web/reports")).expect("tmpfiles");
    assert_eq!(reports.permissions().mode() & 0o7777, 0o750);
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&reports).to_string(), server[2], "its owner");

    let units = "etc/systemd/system";
    for unit in [
        "hello-web.service",
        "multi-user.target.wants/hello-web.service",
        "hello-web-report.timer",
        "timers.target.wants/hello-web-report.timer",
    ] {
        assert!(root.read(&format!("{units}/{unit}")).is_some(), "{unit} is not placed");
    }
    let home_unit = root.read(&format!("{units}/activation-manager-home-jane.service"));
    let home_unit = home_unit.expect("jane's home unit is placed");
    assert!(home_unit.contains("User=jane"), "{home_unit}");
    let after_first = root.etc_listing();

    assert_exit(&root.activate(&bundle, &[]), 0, "activating examples/system again");
    assert_eq!(root.etc_listing(), after_first, "a second run changed /etc");

    assert_exit(&root.am("deactivate", &[]), 0, "deactivating examples/system");
    let left = root.etc_listing();
    assert!(!left.contains(" -> ") && !left.contains("token"), "left behind:\n{left}");
    assert!(root.account("passwd", "hello-web").is_some(), "an account was deleted");
    assert!(root.locked("hello-web"), "the account is not locked");
}

/// `examples/system` in a throwaway machine whose systemd is PID 1: the
/// server (on a free port, the example's `hello-web.port`, since the
/// machine shares the host's network) serves its page, the report's timer
/// is active, jane's home is activated as jane, and deactivating stops the
/// units. The report runs once by hand and writes where tmpfiles made
/// room for it.
#[test]
fn system_example_runs_in_a_real_system_manager() {
    if !have_nix() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port");
    let dir = fresh_dir("example-system-machine");
    let port_module = dir.join("port.nix");
    std::fs::write(&port_module, format!("{{ hello-web.port = {port}; }}\n")).expect("a module");
    let config = repo_root().join("examples/system/system.nix");
    let bundle =
        build_exprs(&dir, &[system_bundle_expr(&[&config, &port_module])], "examples/system")
            .remove(0);
    let am = am_bin();
    let Some(machine) = Machine::boot("example-system", &[am.parent().unwrap_or(&am)]) else {
        return;
    };
    let inside = |argv: &[&str]| {
        let output = machine.run(argv);
        (output.status.code(), all_output(&output))
    };

    let (code, said) = inside(&[&bundle.script().display().to_string(), "--verbose"]);
    assert_eq!(code, Some(0), "activating examples/system in the machine: {said}");
    for unit in ["hello-web.service", "hello-web-report.timer"] {
        assert!(machine.is_active(unit), "{unit} is not active: {said}");
    }
    let page = fetch(port);
    assert!(page.contains("Hello from a machine managed by activation-manager"), "{page}");
    let (_, url) = inside(&["cat", "/home/jane/hello-web.url"]);
    assert_eq!(url, format!("http://localhost:{port}/\n"), "jane's home reads osConfig");
    let (_, owner) = inside(&["stat", "--format=%U", "/home/jane/.local/state/activation-manager"]);
    assert_eq!(owner.trim(), "jane", "jane's home was activated as jane");

    let started = machine.systemctl(&["start", "hello-web-report.service"]);
    let (_, pages) = inside(&["cat", "/var/lib/hello-web/reports/pages"]);
    let (_, status) = inside(&["systemctl", "status", "hello-web-report.service"]);
    assert!(started.status.success(), "the report failed: {status}");
    assert_eq!(pages.trim(), "1", "the report ran as hello-web where tmpfiles made room: {status}");

    let (code, said) = inside(&[&am.display().to_string(), "deactivate", "--system"]);
    assert_eq!(code, Some(0), "deactivating: {said}");
    assert!(!machine.is_active("hello-web.service"), "the server still runs: {said}");
}

/// The page the host gets from `127.0.0.1:<port>`, retried for a few
/// seconds while the server starts.
fn fetch(port: u16) -> String {
    use std::io::{Read, Write};
    let started = std::time::Instant::now();
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let request = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
            let mut page = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut page).is_ok()
                && !page.is_empty()
            {
                return page;
            }
        }
        assert!(started.elapsed().as_secs() < 10, "nothing answers on port {port}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
