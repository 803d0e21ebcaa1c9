//! `am activate` and `bin/activate` end to end: fake bundles written from
//! `Plan` values, the real `am` binary, a temporary home, and checks on the
//! file system afterwards.

mod support;

use std::os::unix::fs::symlink;
use std::path::Path;

use am_schema::{Exec, Kind, Plan};
use support::{Scratch, assert_exit, link, listing, shell, stamp, stderr};

fn three_links() -> Plan {
    Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes: vec![link(".config/app/settings.ini"), link(".profile"), link("bin/hello")],
        layers: vec![vec![0, 1, 2]],
    }
}

#[test]
fn links_resolve_through_the_static_link_into_the_bundle() {
    let scratch = Scratch::new("links");
    let bundle = scratch.bundle("bundle", &three_links());
    let output = scratch.am(&["activate", &bundle.display().to_string()]);
    assert_exit(&output, 0, "activation");
    assert!(stderr(&output).contains("3 links created"), "{}", stderr(&output));

    let static_link = scratch.state().join("static");
    assert_eq!(std::fs::read_link(&static_link).ok(), Some(bundle.join("static")));
    for target in [".config/app/settings.ini", ".profile", "bin/hello"] {
        let path = scratch.home().join(target);
        assert_eq!(std::fs::read_link(&path).ok(), Some(static_link.join(target)), "{target}");
        let content = std::fs::read_to_string(&path).expect("link resolves");
        assert_eq!(content, format!("bundle:{target}"));
    }
}

#[test]
fn a_second_activation_changes_nothing() {
    let scratch = Scratch::new("idempotent");
    let bundle = scratch.bundle("bundle", &three_links()).display().to_string();
    assert_exit(&scratch.am(&["activate", &bundle]), 0, "first activation");
    let watched: Vec<_> = [".config/app/settings.ini", ".profile", "bin/hello", ".config", "bin"]
        .iter()
        .map(|target| scratch.home().join(target))
        .chain([scratch.state(), scratch.state().join("static")])
        .collect();
    let before: Vec<_> = watched.iter().map(|path| stamp(path)).collect();
    let tree = listing(&scratch.home());

    let again = scratch.am(&["activate", &bundle]);
    assert_exit(&again, 0, "second activation");
    assert!(stderr(&again).contains("nothing to change"), "{}", stderr(&again));
    assert_eq!(watched.iter().map(|path| stamp(path)).collect::<Vec<_>>(), before);
    assert_eq!(listing(&scratch.home()), tree);
}

#[test]
fn a_conflict_refuses_and_changes_nothing() {
    let scratch = Scratch::new("conflict");
    let bundle = scratch.bundle("bundle", &three_links()).display().to_string();
    let profile = scratch.home().join(".profile");
    std::fs::write(&profile, "my own profile\n").expect("user file");
    std::fs::create_dir_all(scratch.home().join(".config/app/settings.ini")).expect("folder");
    let before = (stamp(&profile), listing(&scratch.home()));

    let output = scratch.am(&["activate", &bundle]);
    assert_exit(&output, 3, "activation with conflicts");
    let message = stderr(&output);
    assert!(message.contains("2 paths are in the way; nothing was changed"), "{message}");
    assert!(message.contains(&profile.display().to_string()), "{message}");
    assert!(message.contains(&format!("{}  (a file)", profile.display())), "{message}");
    let settings = scratch.home().join(".config/app/settings.ini");
    assert!(message.contains(&format!("{}  (a folder)", settings.display())), "{message}");
    assert!(message.contains("home.file.\".profile\" puts its files here"), "{message}");

    assert_eq!(std::fs::read(&profile).ok(), Some(b"my own profile\n".to_vec()));
    assert_eq!((stamp(&profile), listing(&scratch.home())), before);
    assert!(!scratch.state().exists(), "the state folder was created");
}

#[test]
fn paths_in_the_way_of_parent_folders_are_conflicts() {
    let scratch = Scratch::new("parents");
    let bundle = scratch.bundle("bundle", &three_links()).display().to_string();
    std::fs::write(scratch.home().join(".config"), "a file").expect("file");
    std::fs::create_dir(scratch.root.join("elsewhere")).expect("folder");
    symlink(scratch.root.join("elsewhere"), scratch.home().join("bin")).expect("linked folder");

    let output = scratch.am(&["activate", &bundle]);
    assert_exit(&output, 3, "activation with parents in the way");
    let message = stderr(&output);
    let config = scratch.home().join(".config");
    assert!(message.contains(&format!("{}  (a file)", config.display())), "{message}");
    assert!(message.contains("home.file.\".config/app/settings.ini\" needs a folder"), "{message}");
    assert!(message.contains("linked folder"), "{message}");
    assert!(!scratch.home().join(".profile").exists(), "a link was created");
}

#[test]
fn a_link_of_an_earlier_bundle_is_replaced_but_a_foreign_one_is_not() {
    let scratch = Scratch::new("replace");
    let bundle = scratch.bundle("bundle", &three_links()).display().to_string();
    let ours = scratch.state().join("static/old-name");
    std::fs::create_dir_all(scratch.home().join("bin")).expect("bin");
    symlink(&ours, scratch.home().join(".profile")).expect("old link");
    assert_exit(&scratch.am(&["activate", &bundle]), 0, "activation over our link");
    assert_eq!(
        std::fs::read_link(scratch.home().join(".profile")).ok(),
        Some(scratch.state().join("static/.profile"))
    );

    let scratch = Scratch::new("foreign");
    symlink("/etc/hosts", scratch.home().join(".profile")).expect("foreign link");
    let bundle = scratch.bundle("bundle", &three_links()).display().to_string();
    let output = scratch.am(&["activate", &bundle]);
    assert_exit(&output, 3, "activation over a foreign link");
    assert!(stderr(&output).contains("a link to /etc/hosts"), "{}", stderr(&output));
}

#[test]
fn switching_bundles_swaps_the_static_link_and_keeps_shared_links() {
    let scratch = Scratch::new("switch");
    let first = scratch.bundle("first", &three_links()).display().to_string();
    let mut plan = three_links();
    plan.nodes.push(link(".new"));
    plan.layers[0].push(3);
    let second = scratch.bundle("second", &plan);
    assert_exit(&scratch.am(&["activate", &first]), 0, "first bundle");
    let profile = scratch.home().join(".profile");
    let before = stamp(&profile);

    let output = scratch.am(&["activate", &second.display().to_string()]);
    assert_exit(&output, 0, "second bundle");
    assert!(stderr(&output).contains("1 link created, 3 unchanged"), "{}", stderr(&output));
    assert_eq!(stamp(&profile), before, "a shared link was replaced");
    assert_eq!(std::fs::read_to_string(&profile).ok().as_deref(), Some("second:.profile"));
    assert_eq!(
        std::fs::read_to_string(scratch.home().join(".new")).ok().as_deref(),
        Some("second:.new")
    );

    // Without a bundle argument, the active bundle is activated again.
    let output = scratch.am(&["activate"]);
    assert_exit(&output, 0, "activating the active bundle");
    assert!(stderr(&output).contains(&second.display().to_string()), "{}", stderr(&output));
}

#[test]
fn a_folder_we_made_goes_once_the_user_empties_it() {
    let scratch = Scratch::new("prune-later");
    let first = scratch.bundle("first", &three_links()).display().to_string();
    let mut plan = three_links();
    plan.nodes.truncate(2);
    plan.layers = vec![vec![0, 1]];
    let second = scratch.bundle("second", &plan).display().to_string();
    assert_exit(&scratch.am(&["activate", &first]), 0, "first bundle");
    let user_file = scratch.home().join("bin/notes");
    std::fs::write(&user_file, "mine\n").expect("user file");

    // bin/hello goes; bin holds the user's file, so it stays.
    assert_exit(&scratch.am(&["activate", &second]), 0, "second bundle");
    assert_eq!(std::fs::read(&user_file).ok(), Some(b"mine\n".to_vec()));
    // Once the user removed the file, the next run removes the folder it
    // made, though nothing in it changed in that run.
    std::fs::remove_file(&user_file).expect("the user removes the file");
    assert_exit(&scratch.am(&["activate", &second]), 0, "second bundle again");
    assert!(!scratch.home().join("bin").exists(), "bin was left behind");
    assert!(scratch.home().join(".config/app").is_dir(), "a needed folder went");
}

#[test]
fn a_home_the_first_release_activated_switches_to_a_new_bundle() {
    // The state the first release's `am` left after activating three links
    // (`.profile`, `copied.txt`, `notes/todo.txt`): its record, `current`,
    // and the links themselves.
    let scratch = Scratch::new("upgrade");
    let state = scratch.state();
    std::fs::create_dir_all(state.join("generations")).expect("state folder");
    let record =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/tests/fixtures/generation-v3");
    std::fs::copy(record, state.join("generations/1")).expect("the old record");
    symlink("generations/1", state.join("current")).expect("current");
    std::fs::create_dir_all(scratch.home().join("notes")).expect("notes");
    for target in [".profile", "copied.txt", "notes/todo.txt"] {
        symlink(state.join("static").join(target), scratch.home().join(target)).expect("link");
    }
    let mut plan = three_links();
    plan.nodes = vec![link(".profile")];
    plan.layers = vec![vec![0]];
    let bundle = scratch.bundle("new", &plan).display().to_string();

    let output = scratch.am(&["activate", &bundle]);
    assert_exit(&output, 0, "the first activation after the upgrade");
    assert!(stderr(&output).contains("2 removed"), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(scratch.home().join(".profile")).ok().as_deref(),
        Some("new:.profile")
    );
    assert!(!scratch.home().join("notes").exists(), "the old generation's folder stayed");
    assert!(!scratch.home().join("copied.txt").exists(), "an old link stayed");
}

#[test]
fn without_an_active_bundle_the_message_says_what_to_pass() {
    let scratch = Scratch::new("no-active");
    let output = scratch.am(&["activate"]);
    assert_exit(&output, 1, "activate without a bundle");
    assert!(stderr(&output).contains("am activate ./result"), "{}", stderr(&output));
}

#[test]
fn bin_activate_runs_am_through_its_shebang() {
    let scratch = Scratch::new("entry");
    let bundle = scratch.bundle("bundle", &three_links());
    let result = scratch.root.join("result");
    symlink(&bundle, &result).expect("result link");
    let output = scratch.run(result.join("bin/activate"), &["--jobs", "2"]);
    assert_exit(&output, 0, "bin/activate");
    // The static link names the bundle itself, not the `result` link.
    assert_eq!(
        std::fs::read_link(scratch.state().join("static")).ok(),
        Some(bundle.join("static"))
    );
    assert!(scratch.home().join(".profile").exists());

    let help = scratch.run(result.join("bin/activate"), &["--help"]);
    assert_exit(&help, 0, "bin/activate --help");
    assert!(support::stdout(&help).contains("--jobs"), "{}", support::stdout(&help));
    let bad = scratch.run(result.join("bin/activate"), &["--jobs", "0"]);
    assert_exit(&bad, 2, "bin/activate --jobs 0");
}

#[test]
fn a_failed_optional_node_skips_its_dependents_and_the_rest_applies() {
    let scratch = Scratch::new("optional");
    let plan = Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes: vec![
            shell("flaky", "echo trying; echo broken >&2; exit 3", false, &[]),
            link(".profile"),
            shell("after-flaky", "touch \"$HOME/after-flaky\"", true, &[0]),
            shell("independent", "touch \"$HOME/independent\"", true, &[1]),
            shell("after-after", "touch \"$HOME/after-after\"", true, &[2]),
        ],
        layers: vec![vec![0, 1], vec![2, 3], vec![4]],
    };
    let bundle = scratch.bundle("bundle", &plan).display().to_string();
    let output = scratch.am(&["activate", &bundle]);
    assert_exit(&output, 5, "activation with a failing optional node");
    let message = stderr(&output);
    assert!(message.contains("failed (optional) flaky (declared by am.nodes.flaky)"), "{message}");
    assert!(message.contains("    │ trying\n    │ broken\n"), "{message}");
    for skipped in ["after-flaky", "after-after"] {
        assert!(
            message.contains(&format!("skipped {skipped} (declared by am.nodes.{skipped}): depends on failed optional node flaky")),
            "{message}"
        );
        assert!(!scratch.home().join(skipped).exists(), "{skipped} ran");
    }
    assert!(scratch.home().join("independent").exists(), "an independent node did not run");
    assert!(scratch.home().join(".profile").exists());
}

#[test]
fn a_failed_required_node_stops_before_the_next_layer() {
    let scratch = Scratch::new("required");
    let plan = Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes: vec![
            shell("broken", "exit 7", true, &[]),
            shell("sibling", "touch \"$HOME/sibling\"", true, &[]),
            shell("later", "touch \"$HOME/later\"", true, &[]),
        ],
        layers: vec![vec![0, 1], vec![2]],
    };
    let bundle = scratch.bundle("bundle", &plan).display().to_string();
    let output = scratch.am(&["activate", &bundle, "--jobs", "1"]);
    assert_exit(&output, 4, "activation with a failing required node");
    let message = stderr(&output);
    assert!(message.contains("failed broken (declared by am.nodes.broken): exited with status 7"));
    assert!(message.contains("required node broken failed, 1 node not run"), "{message}");
    assert!(scratch.home().join("sibling").exists(), "the rest of the layer did not run");
    assert!(!scratch.home().join("later").exists(), "a later layer ran");
}

#[test]
fn commands_get_their_env_and_cwd_and_a_missing_program_fails_clearly() {
    let scratch = Scratch::new("exec");
    std::fs::create_dir(scratch.home().join("work")).expect("cwd");
    let mut node = shell("env", "printf '%s %s' \"$GREETING\" \"$PWD\" > out", true, &[]);
    if let Kind::Exec(exec) = &mut node.kind {
        exec.env = vec![("GREETING".into(), "hello".into())];
        exec.cwd = Some("work".into());
    }
    let missing = am_schema::Node {
        id: "missing".into(),
        declared_by: "am.nodes.missing".into(),
        required: false,
        after: vec![],
        kind: Kind::Exec(Exec {
            argv: vec!["am-no-such-program".into()],
            env: vec![],
            cwd: None,
            timeout: None,
            when_changed: vec![],
        }),
    };
    let plan = Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes: vec![node, missing],
        layers: vec![vec![0, 1]],
    };
    let bundle = scratch.bundle("bundle", &plan).display().to_string();
    let output = scratch.am(&["activate", &bundle]);
    assert_exit(&output, 5, "activation");
    let out = std::fs::read_to_string(scratch.home().join("work/out")).expect("command ran");
    assert_eq!(out, format!("hello {}", scratch.home().join("work").display()));
    assert!(stderr(&output).contains("could not start am-no-such-program"), "{}", stderr(&output));
}

#[test]
fn verbose_shows_the_output_of_successful_commands() {
    let scratch = Scratch::new("verbose");
    let plan = Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes: vec![shell("greet", "echo hi there", true, &[])],
        layers: vec![vec![0]],
    };
    let bundle = scratch.bundle("bundle", &plan).display().to_string();
    let quiet = scratch.am(&["activate", &bundle]);
    assert!(!stderr(&quiet).contains("hi there"), "{}", stderr(&quiet));
    let verbose = scratch.am(&["activate", &bundle, "--verbose"]);
    assert_exit(&verbose, 0, "verbose activation");
    // The output comes as the command writes it, under the node's id; the
    // node's line follows when it is done.
    let text = stderr(&verbose);
    assert!(text.contains("greet │ hi there\nran greet (declared by am.nodes.greet)\n"), "{text}");
}

#[test]
fn xdg_state_home_holds_the_state_when_absolute() {
    let scratch = Scratch::new("xdg");
    let bundle = scratch.bundle("bundle", &three_links()).display().to_string();
    let state_home = scratch.root.join("state");
    let output = std::process::Command::new(support::am())
        .args(["activate", &bundle])
        .env("HOME", scratch.home())
        .env("XDG_STATE_HOME", &state_home)
        .output()
        .expect("am runs");
    assert_exit(&output, 0, "activation");
    let content = state_home.join("activation-manager/static/.profile");
    assert_eq!(std::fs::read_link(scratch.home().join(".profile")).ok(), Some(content));
}

#[test]
fn home_must_be_set() {
    let scratch = Scratch::new("no-home");
    let bundle = scratch.bundle("bundle", &three_links()).display().to_string();
    let output = std::process::Command::new(support::am())
        .args(["activate", &bundle])
        .env_remove("HOME")
        .output()
        .expect("am runs");
    assert_exit(&output, 1, "activation without HOME");
    assert!(stderr(&output).contains("HOME is not set"));
}

#[test]
fn damaged_plans_are_clear_errors() {
    let scratch = Scratch::new("damaged");
    let bundle = scratch.bundle("bundle", &three_links());
    let plan_file = bundle.join("plan.am");
    let plan = std::fs::read(&plan_file).expect("plan");
    let mut flipped = plan.clone();
    let middle = plan.len() / 2;
    flipped[middle] ^= 0xff;
    for (name, bytes, expected) in [
        ("truncated", &plan[..plan.len() / 2], "truncated"),
        ("flipped", &flipped[..], "corrupt"),
        ("foreign", &b"#!/bin/sh\n"[..], "not an activation plan"),
        ("empty", &b""[..], "not an activation plan"),
    ] {
        std::fs::write(&plan_file, bytes).expect("damage the plan");
        for args in [&["activate"][..], &["inspect"][..]] {
            let mut args = args.to_vec();
            let bundle = bundle.display().to_string();
            args.push(&bundle);
            let output = scratch.am(&args);
            assert_exit(&output, 1, name);
            let message = stderr(&output);
            assert!(message.contains(expected), "{name}: lacks {expected:?}: {message}");
            assert!(message.contains(&plan_file.display().to_string()), "{name}: {message}");
            assert!(!message.contains("panicked"), "{name}: {message}");
        }
    }
    std::fs::remove_file(&plan_file).expect("remove the plan");
    let output = scratch.am(&["activate", &bundle.display().to_string()]);
    assert_exit(&output, 1, "bundle without a plan");
    assert!(stderr(&output).contains("is not a bundle folder"), "{}", stderr(&output));
    let output = scratch.am(&["activate", "/nonexistent/am-bundle"]);
    assert_exit(&output, 1, "missing bundle");
    assert!(stderr(&output).contains("/nonexistent/am-bundle: does not exist"));
    assert!(!scratch.state().exists() && !Path::new(&scratch.home().join(".profile")).exists());
}

#[test]
fn conflict_report_lists_every_path_with_a_fix() {
    let scratch = Scratch::new("conflict-report");
    let bundle = scratch.bundle("bundle", &three_links()).display().to_string();
    std::fs::write(scratch.home().join(".profile"), "mine").expect("user file");
    std::fs::create_dir_all(scratch.home().join(".config/app/settings.ini")).expect("folder");
    symlink("/etc/hosts", scratch.home().join("bin")).expect("linked folder");
    let output = scratch.am(&["activate", &bundle]);
    assert_exit(&output, 3, "activation with conflicts");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&scratch.root.display().to_string().replace('.', r"\."), "[TMP]");
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("conflicts", stderr(&output)));
}
