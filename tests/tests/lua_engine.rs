//! Dynamic nodes end to end: real bundles whose Lua runs at activation time,
//! creating nodes that get the same pre-check, journal, rollback and
//! clean-up as compiled ones.

use am_tests::engine::{Home, Module, all_output, cached_bundles, nix_str};
use am_tests::{assert_exit, have_nix};

/// A `lua` node linking every file of `~/walls` (the user's folder)
/// whose name matches `pattern` into `.local/share/backgrounds/`, and a
/// command after it that proves the links exist before it runs.
fn wallpapers(pattern: &str) -> Module {
    let script = format!(
        "for _, name in ipairs(am.fs.list(\"walls\")) do\n\
         \x20 if name:match({pattern:?}) then\n\
         \x20   am.link{{ target = \".local/share/backgrounds/\" .. name, source = am.home .. \"/walls/\" .. name }}\n\
         \x20 end\n\
         end\n\
         am.copy{{ target = \".local/share/backgrounds/index.txt\", text = table.concat(am.fs.list(\"walls\"), \"\\n\") }}\n\
         am.log.info(\"linked wallpapers\")\n"
    );
    Module::new()
        .file(".profile", "static\n")
        .line(format!(
            "am.nodes.wallpapers = {{ kind = \"lua\"; script = {}; }};",
            nix_str(&script)
        ))
        .exec(
            "after-wallpapers",
            "test -L \"$HOME/.local/share/backgrounds/a.png\"",
            &["wallpapers"],
            true,
        )
}

fn home_with_walls(label: &str) -> Home {
    // The state outside the home: `listing()` then shows all a user sees.
    let home = Home::with_state_outside(label);
    for name in ["a.png", "b.png", "c.png"] {
        home.write_user_file(&format!("walls/{name}"), name.as_bytes());
    }
    home
}

fn link_of(home: &Home, rel: &str) -> Option<String> {
    std::fs::read_link(home.path.join(rel)).ok().map(|p| p.to_string_lossy().into_owned())
}

#[test]
fn a_lua_node_links_what_it_finds_and_later_generations_clean_up() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[wallpapers("%.png$"), wallpapers("^[ab]")]);
    let (all, fewer) = (&bundles[0], &bundles[1]);
    let home = home_with_walls("lua-wallpapers");
    let backgrounds = ".local/share/backgrounds";

    let output = home.activate(all, &["--verbose"]);
    assert_exit(&output, 0, "activation of the Lua node");
    let text = all_output(&output);
    assert!(text.contains("wallpapers │ linked wallpapers"), "the log line is missing:\n{text}");
    assert!(text.contains("creating 4 nodes"), "the created nodes are not listed:\n{text}");
    let index = std::fs::read_to_string(home.path.join(".local/share/backgrounds/index.txt"));
    assert_eq!(index.expect("the copy Lua made"), "a.png\nb.png\nc.png");
    for name in ["a.png", "b.png", "c.png"] {
        let expected = home.path.join("walls").join(name).to_string_lossy().into_owned();
        assert_eq!(link_of(&home, &format!("{backgrounds}/{name}")), Some(expected), "{name}");
    }
    assert_eq!(home.current(), Some(1));

    let diff = all_output(&home.am(&["diff", &all.arg(), &fewer.arg()]));
    let changed =
        |line: &str| line.starts_with("  ~ Lua chunk wallpapers (") && line.ends_with(")  changed");
    assert!(diff.lines().any(changed), "{diff}");
    assert!(diff.contains("known only when they run"), "{diff}");

    // A generation whose chunk creates fewer links: the dropped one goes,
    // the others stay as they are, the user's folder is untouched.
    assert_exit(&home.activate(fewer, &[]), 0, "activation creating fewer links");
    assert!(link_of(&home, &format!("{backgrounds}/a.png")).is_some());
    assert!(link_of(&home, &format!("{backgrounds}/b.png")).is_some());
    home.assert_absent(&format!("{backgrounds}/c.png"), "the link Lua no longer creates");
    for name in ["a.png", "b.png", "c.png"] {
        home.assert_user_file(&format!("walls/{name}"), name.as_bytes(), "after the switch");
    }
    assert_eq!(home.current(), Some(2));

    // Back to the first generation, then nothing at all.
    assert_exit(&home.am(&["rollback"]), 0, "rollback");
    assert!(link_of(&home, &format!("{backgrounds}/c.png")).is_some(), "rollback re-links c");
    assert_exit(&home.am(&["deactivate"]), 0, "deactivate");
    for name in ["a.png", "b.png", "c.png"] {
        home.assert_absent(&format!("{backgrounds}/{name}"), "after deactivate");
        home.assert_user_file(&format!("walls/{name}"), name.as_bytes(), "after deactivate");
    }
    assert!(!home.path.join(".local/share/backgrounds").exists(), "the created folder stays");
}

#[test]
fn a_dry_run_lists_the_nodes_lua_would_create_and_changes_nothing() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[wallpapers("%.png$")]);
    let home = home_with_walls("lua-dry-run");
    let before = home.snapshot();
    let output = home.activate(&bundles[0], &["--dry-run"]);
    assert_exit(&output, 0, "dry run");
    let text = all_output(&output);
    assert!(text.contains("Lua chunk wallpapers"), "the chunk is not reported:\n{text}");
    for name in ["a.png", "b.png", "c.png"] {
        assert!(
            text.contains(&format!("wallpapers/link:.local/share/backgrounds/{name}")),
            "{text}"
        );
        let created = text.lines().any(|line| {
            line.trim_start().starts_with("+ ") && line.ends_with(&format!("backgrounds/{name}"))
        });
        assert!(created, "the link to {name} is not in the list of changes:\n{text}");
    }
    assert_eq!(home.snapshot(), before, "a dry run changed the home");
}

#[test]
fn lua_values_are_evaluated_at_activation_time() {
    if !have_nix() {
        return;
    }
    // A target from an environment variable with a fallback, and a command
    // argument from the host name.
    let module = Module::new()
        .line(
            "am.nodes.conf = { kind = \"link\"; text = \"hi\\n\"; target = \
             lib.generators.mkLuaInline ''(os.getenv(\"AM_TEST_CONF_DIR\") or \".fallback\") .. \"/app.conf\"''; };",
        )
        .line(
            "am.nodes.host = { kind = \"exec\"; argv = [ \"/bin/sh\" \"-c\" \"echo \\\"$1\\\" > \\\"$HOME/host\\\"\" \"sh\" \
             (lib.generators.mkLuaInline \"am.host.name\") ]; };",
        );
    let bundles = cached_bundles(&[module]);
    let home = Home::new("lua-values");
    let inspect = all_output(&home.am(&["inspect", &bundles[0].arg()]));
    assert!(inspect.contains("dynamic"), "inspect does not mark the nodes dynamic:\n{inspect}");

    assert_exit(&home.activate(&bundles[0], &[]), 0, "activation with the fallback");
    assert_text(&home, ".fallback/app.conf", "hi\n");
    let host = std::fs::read_to_string(home.path.join("host")).expect("the command ran");
    let uname = std::process::Command::new("uname").arg("-n").output().expect("uname runs");
    assert_eq!(host.trim(), String::from_utf8_lossy(&uname.stdout).trim());

    // The same bundle with the variable set: the target moves.
    let output = home
        .command(bundles[0].script())
        .env("AM_TEST_CONF_DIR", "custom")
        .output()
        .expect("bin/activate runs");
    assert_exit(&output, 0, "activation with AM_TEST_CONF_DIR");
    assert_text(&home, "custom/app.conf", "hi\n");
    home.assert_absent(".fallback/app.conf", "the target of the previous run");
}

/// `rel` is a link (into the bundle) whose file holds `text`.
fn assert_text(home: &Home, rel: &str, text: &str) {
    assert!(link_of(home, rel).is_some(), "~/{rel} is not a link");
    let found = std::fs::read_to_string(home.path.join(rel)).expect("the link resolves");
    assert_eq!(found, text, "~/{rel}");
}

#[test]
fn a_static_bundle_never_starts_lua() {
    if !have_nix() {
        return;
    }
    let bundles =
        cached_bundles(&[Module::new().file(".profile", "static\n"), wallpapers("%.png$")]);
    let home = home_with_walls("lua-static");
    let output = home.activate(&bundles[0], &["--verbose"]);
    assert_exit(&output, 0, "static activation");
    let text = all_output(&output);
    assert!(!text.contains("Lua state"), "a static bundle started Lua:\n{text}");
    // The same line is there when a chunk runs, so its absence means something.
    let output = home.activate(&bundles[1], &["--verbose"]);
    assert_exit(&output, 0, "dynamic activation");
    let text = all_output(&output);
    assert!(text.contains("1 chunk ran in 1 Lua state"), "no Lua state reported:\n{text}");
}

#[test]
fn a_created_node_in_the_way_of_a_user_file_fails_and_rolls_back() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[wallpapers("%.png$")]);
    let home = home_with_walls("lua-conflict");
    home.write_user_file(".local/share/backgrounds/b.png", b"mine\n");
    let before = home.listing();
    let output = home.activate(&bundles[0], &[]);
    assert_exit(&output, 4, "activation with a path in the way of a created node");
    let text = all_output(&output);
    assert!(text.contains(".local/share/backgrounds/b.png"), "{text}");
    assert!(text.contains("force = true in its am.link{...} call"), "no fix given:\n{text}");
    home.assert_user_file(".local/share/backgrounds/b.png", b"mine\n", "the user's file");
    assert_eq!(home.listing(), before, "the failed activation left changes behind");
}

#[test]
fn a_lua_error_names_the_node_shows_the_traceback_and_rolls_back() {
    if !have_nix() {
        return;
    }
    let module = Module::new().file(".profile", "static\n").line(
        "am.nodes.broken = { kind = \"lua\"; script = ''\n  local function check(x)\n    \
         error(\"bad value: \" .. x)\n  end\n  check(\"42\")\n''; };",
    );
    let bundles = cached_bundles(&[module]);
    let home = Home::with_state_outside("lua-error");
    let before = home.listing();
    let output = home.activate(&bundles[0], &[]);
    assert_exit(&output, 4, "activation with a failing chunk");
    let text = all_output(&output);
    assert!(text.contains("failed broken"), "the node is not named:\n{text}");
    assert!(text.contains("am.nodes.broken.script:2: bad value: 42"), "no Lua position:\n{text}");
    assert!(text.contains("stack traceback"), "no traceback:\n{text}");
    assert_eq!(home.listing(), before, "the failed activation left changes behind");
}

/// A key a Lua task sets through `am.dconf`: written once, left alone by a
/// re-activation (not reset and written again), reset when a generation no
/// longer sets it.
#[test]
fn dconf_keys_from_lua_are_kept_and_reset_like_static_ones() {
    use am_tests::dconf::{self, have_dconf};
    if !have_nix() || !have_dconf() {
        return;
    }
    let task = Module::new().line(
        "lua.tasks.theme.script = ''am.dconf{ [\"org/am-test/lua\"] = { host = string.format(\"%q\", am.host.name) } }'';",
    );
    let bundles = cached_bundles(&[task, Module::new().file(".profile", "static\n")]);
    let home = Home::new("lua-dconf");
    let key = || dconf::read(&home, "/org/am-test/lua/host");
    assert_exit(&dconf::activate(&home, &bundles[0], &[]), 0, "activation of the task");
    let uname = std::process::Command::new("uname").arg("-n").output().expect("uname runs");
    assert_eq!(key(), format!("'{}'", String::from_utf8_lossy(&uname.stdout).trim()));

    let again = dconf::activate(&home, &bundles[0], &["--verbose"]);
    assert_exit(&again, 0, "re-activation");
    let text = all_output(&again);
    assert!(!text.contains("wrote dconf key") && !text.contains("reset"), "{text}");

    assert_exit(&dconf::activate(&home, &bundles[1], &[]), 0, "a generation without the task");
    assert_eq!(key(), "", "the key Lua set is not reset");
}

/// What the build refuses for compiled nodes, a chunk may not do either:
/// make a target another node makes, or set a dconf key twice.
#[test]
fn a_chunk_may_not_make_what_another_node_makes() {
    if !have_nix() {
        return;
    }
    let target = Module::new().file(".profile", "static\n").line(
        "lua.tasks.twice.script = ''am.link{ target = \".profile\", source = \"/etc/hostname\" }'';",
    );
    let key = Module::new().line(
        "lua.tasks.keys.script = ''\n  am.dconf{ [\"org/am-test/x\"] = { k = \"1\" } }\n  \
         am.dconf{ [\"org/am-test/x/\"] = { k = \"2\" } }\n'';",
    );
    let bundles = cached_bundles(&[target, key]);
    let cases = [
        (
            &bundles[0],
            "it created lua:twice/link:.profile for ~/.profile, which file:.profile makes already",
        ),
        (
            &bundles[1],
            "it created lua:keys/dconf:2 for dconf key /org/am-test/x/k, which lua:keys/dconf:1 makes already",
        ),
    ];
    for (bundle, expected) in cases {
        let home = Home::with_state_outside("lua-taken");
        let before = home.listing();
        let output = home.activate(bundle, &[]);
        assert_exit(&output, 4, expected);
        let text = all_output(&output);
        assert!(text.contains(expected), "{text}");
        assert_eq!(home.listing(), before, "the failed activation left changes behind");
    }
}

/// Targets that move between compiled nodes and nodes Lua creates, both
/// ways: each generation takes over what the other made, as its own.
#[test]
fn targets_move_between_compiled_and_lua_nodes() {
    if !have_nix() {
        return;
    }
    let x = Module::new()
        .file(".a", "static a\n")
        .line("lua.tasks.t.script = ''am.link{ target = \".b\", source = \"/etc/hostname\" } am.copy{ target = \".c\", text = \"lua c\\n\" }'';");
    let y = Module::new()
        .line("lua.tasks.t.script = ''am.link{ target = \".a\", source = \"/etc/hostname\" }'';")
        .file(".b", "static b\n")
        .line("home.file.\".c\" = { text = \"static c\\n\"; mode = \"copy\"; };");
    let bundles = cached_bundles(&[x, y]);
    let (x, y) = (&bundles[0], &bundles[1]);
    let home = Home::with_state_outside("lua-moves");
    let hostname = std::fs::read_to_string("/etc/hostname").expect("/etc/hostname is readable");
    let read = |rel: &str| std::fs::read_to_string(home.path.join(rel)).expect(rel);
    let check_x = |context: &str| {
        assert_eq!(read(".a"), "static a\n", "{context}");
        assert_eq!(link_of(&home, ".b").as_deref(), Some("/etc/hostname"), "{context}");
        assert_eq!(read(".c"), "lua c\n", "{context}");
    };
    assert_exit(&home.activate(x, &[]), 0, "X");
    check_x("X");

    assert_exit(&home.activate(y, &[]), 0, "X to Y");
    assert_eq!(link_of(&home, ".a").as_deref(), Some("/etc/hostname"));
    assert_eq!(read(".a"), hostname);
    assert_eq!(read(".b"), "static b\n");
    assert_eq!(read(".c"), "static c\n");
    assert!(link_of(&home, ".c").is_none(), "~/.c must be a copy");

    assert_exit(&home.activate(x, &[]), 0, "Y to X");
    check_x("back to X");
    assert_exit(&home.am(&["rollback"]), 0, "rollback to Y");
    assert_eq!(read(".c"), "static c\n");
    assert_exit(&home.am(&["deactivate"]), 0, "deactivate");
    for rel in [".a", ".b", ".c"] {
        home.assert_absent(rel, "after deactivate");
    }
}

/// A link a Lua task made where a compiled target now needs a folder is
/// ours: it goes before the folder is made, not reported as in the way.
#[test]
fn a_lua_link_gives_way_to_a_compiled_targets_folder() {
    if !have_nix() {
        return;
    }
    let before = Module::new()
        .line("lua.tasks.t.script = ''am.link{ target = \".config/app\", source = \"/etc\" }'';");
    let after = Module::new().file(".config/app/settings", "folder now\n");
    let bundles = cached_bundles(&[before, after]);
    let home = Home::with_state_outside("lua-gives-way");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "the Lua link");
    assert_eq!(link_of(&home, ".config/app").as_deref(), Some("/etc"));
    assert_exit(&home.activate(&bundles[1], &[]), 0, "a compiled target below it");
    assert_eq!(
        std::fs::read_to_string(home.path.join(".config/app/settings")).ok().as_deref(),
        Some("folder now\n")
    );
    assert_exit(&home.am(&["rollback"]), 0, "rollback");
    assert_eq!(link_of(&home, ".config/app").as_deref(), Some("/etc"));
}

/// An endless chunk is stopped after its `timeout`, fails its node, and the
/// activation is rolled back.
#[test]
fn a_chunk_running_past_its_timeout_is_stopped() {
    if !have_nix() {
        return;
    }
    let module = Module::new()
        .file(".profile", "static\n")
        .line("lua.tasks.spin = { timeout = 1; script = ''while true do end''; };");
    let bundles = cached_bundles(&[module]);
    let home = Home::with_state_outside("lua-timeout");
    let inspect = all_output(&home.am(&["inspect", &bundles[0].arg()]));
    assert!(inspect.contains("timeout: 1s"), "{inspect}");
    let before = home.listing();
    let started = std::time::Instant::now();
    let output = home.activate(&bundles[0], &[]);
    assert_exit(&output, 4, "activation with an endless chunk");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "stopped too late");
    let text = all_output(&output);
    assert!(text.contains("failed lua:spin") && text.contains("stopped after 1 s"), "{text}");
    assert_eq!(home.listing(), before, "the failed activation left changes behind");
}
