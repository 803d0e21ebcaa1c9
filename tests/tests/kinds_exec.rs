//! Commands: `onChange` runs only when its file's content changed, after the
//! file is in place; a command past its `timeout` is killed with everything
//! it started; `--verbose` shows what succeeding commands printed.

use std::time::{Duration, Instant};

use am_tests::engine::{Home, Module, all_output, build_bundles, nix_str, write_files};
use am_tests::{assert_exit, fresh_dir, have_nix, stdout};

/// `home.file."<target>"` with `text` whose `onChange` appends the file, as
/// the command sees it, to `<target>.log` in the home.
fn watched(target: &str, text: &str) -> String {
    format!(
        "home.file.{} = {{ text = {}; onChange = {}; }};",
        nix_str(target),
        nix_str(text),
        nix_str(&format!("cat \"$HOME/{target}\" >> \"$HOME/{target}.log\""))
    )
}

/// A tree of `./<name>` at `.t` whose `onChange` counts its runs in `t.log`.
fn watched_tree(name: &str) -> String {
    format!(
        "home.file.\".t\" = {{ source = ./{name}; recursive = true; \
         onChange = \"echo run >> $HOME/t.log\"; }};"
    )
}

fn log(home: &Home, name: &str) -> String {
    std::fs::read_to_string(home.path.join(name)).unwrap_or_default()
}

#[test]
fn on_change_runs_only_when_its_file_changed() {
    if !have_nix() {
        return;
    }
    let dir = fresh_dir("on-change");
    write_files(&dir.join("tree-a"), &[("a", "1\n"), ("sub/b", "1\n")]);
    write_files(&dir.join("tree-b"), &[("a", "1\n"), ("sub/b", "2\n")]);
    let a = Module::new()
        .line(watched(".x", "x1\n"))
        .line(watched(".y", "y\n"))
        .line(watched_tree("tree-a"));
    let b = Module::new()
        .line(watched(".x", "x2\n"))
        .line(watched(".y", "y\n"))
        .line(watched_tree("tree-b"));
    let c = Module::new().line(watched(".y", "y\n")).line(watched_tree("tree-b"));
    let bundles = build_bundles(&dir, &[a, b, c]);
    let (a, b, c) = (&bundles[0], &bundles[1], &bundles[2]);
    let home = Home::new("on-change");

    // New files count as changed; each command sees its file in place.
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    assert_eq!(log(&home, ".x.log"), "x1\n");
    assert_eq!(log(&home, ".y.log"), "y\n");
    assert_eq!(log(&home, "t.log"), "run\n");

    let again = home.activate(a, &["--verbose"]);
    assert_exit(&again, 0, "re-activation of A");
    assert!(all_output(&again).contains("its files did not change"), "{}", all_output(&again));
    assert_eq!(
        (log(&home, ".x.log"), log(&home, ".y.log"), log(&home, "t.log")),
        ("x1\n".to_string(), "y\n".to_string(), "run\n".to_string()),
        "a command ran for an unchanged file"
    );

    // The dry run of B names exactly the commands that would run.
    let dry = home.activate(b, &["--dry-run"]);
    assert_exit(&dry, 0, "dry run of B");
    let text = stdout(&dry);
    assert!(text.contains("    onChange:.x (home.file.\".x\".onChange)"), "{text}");
    assert!(text.contains("    onChange:.t (home.file.\".t\".onChange)"), "{text}");
    assert!(!text.contains("onChange:.y"), "{text}");
    assert_eq!(log(&home, ".x.log"), "x1\n", "a dry run ran a command");

    // B changes .x and one file of the tree; .y stays as it was.
    assert_exit(&home.activate(b, &[]), 0, "activation of B");
    assert_eq!(log(&home, ".x.log"), "x1\nx2\n");
    assert_eq!(log(&home, ".y.log"), "y\n");
    assert_eq!(log(&home, "t.log"), "run\nrun\n");

    // C drops .x: nothing of it runs, nothing else changed.
    assert_exit(&home.activate(c, &[]), 0, "activation of C");
    assert_eq!(
        (log(&home, ".x.log"), log(&home, ".y.log"), log(&home, "t.log")),
        ("x1\nx2\n".to_string(), "y\n".to_string(), "run\nrun\n".to_string())
    );
}

#[test]
fn a_command_past_its_timeout_is_killed_with_everything_it_started() {
    if !have_nix() {
        return;
    }
    let script = "sleep 60 & echo $! > \"$HOME/background.pid\"; echo started; sleep 60";
    let module = Module::new().line(format!(
        "am.nodes.slow = {{ kind = \"exec\"; argv = [ \"/bin/sh\" \"-c\" {} ]; timeout = 1; }};",
        nix_str(script)
    ));
    let bundles = build_bundles(&fresh_dir("timeout"), &[module]);
    let home = Home::new("timeout");

    let started = Instant::now();
    let output = home.activate(&bundles[0], &[]);
    let took = started.elapsed();
    assert_exit(&output, 4, "activation with a command past its timeout");
    let text = all_output(&output);
    assert!(text.contains("slow") && text.contains("timed out after 1s"), "{text}");
    assert!(text.contains("started"), "the command's output is not shown:\n{text}");
    assert!(took < Duration::from_secs(30), "the activation waited {took:?}");

    let pid = log(&home, "background.pid");
    let pid = pid.trim();
    assert!(!pid.is_empty(), "the command did not record its background process");
    // Killed: gone, or a zombie until its new parent reaps it. A SIGKILL
    // takes effect when the process is next scheduled, so a moment may pass.
    let running = || {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let alive = !state.is_empty()
            && state.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z'));
        alive.then_some(state)
    };
    let deadline = Instant::now() + Duration::from_secs(2);
    while running().is_some() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    if let Some(state) = running() {
        panic!("the background process {pid} still runs: {state}");
    }
}

#[test]
fn verbose_shows_what_succeeding_commands_printed() {
    if !have_nix() {
        return;
    }
    let module = Module::new().exec("hello", "echo hello from the hook", &[], true);
    let bundles = build_bundles(&fresh_dir("verbose"), &[module]);

    let quiet = Home::new("quiet");
    let output = quiet.activate(&bundles[0], &[]);
    assert_exit(&output, 0, "activation");
    assert!(!all_output(&output).contains("hello from the hook"), "{}", all_output(&output));

    let verbose = Home::new("verbose");
    let output = verbose.activate(&bundles[0], &["--verbose"]);
    assert_exit(&output, 0, "activation with --verbose");
    assert!(all_output(&output).contains("hello from the hook"), "{}", all_output(&output));
}

/// Regression: the pre-check saw `.config` missing, a command of an earlier
/// layer made it (as `dconf` does for its database), and the later layer's
/// link failed with "could not create the folder ~/.config: File exists".
#[test]
fn a_folder_a_command_made_meanwhile_is_used_as_it_is() {
    if !have_nix() {
        return;
    }
    let module = Module::new()
        .exec("make-config", "mkdir -p \"$HOME/.config/other\"", &[], true)
        .raw_link("late-link", ".config/app/conf", "late\n", &["make-config"]);
    let bundles = build_bundles(&fresh_dir("folder-meanwhile"), &[module]);
    let home = Home::new("folder-meanwhile");
    assert_exit(&home.activate(&bundles[0], &[]), 0, "activation");
    home.assert_managed(".config/app/conf", b"late\n", "activation");
    assert!(home.path.join(".config/other").is_dir(), "the command's folder is gone");
}
