//! What `am` does on a terminal, driven through a real pseudo-terminal:
//! `activate --ask` shows the changes and asks (no: nothing changes; yes:
//! activated), and refuses without a terminal unless `--yes`; a slow
//! command shows live progress (the nodes running and for how long, the
//! command's output under `--verbose`) while it runs, and nothing of that
//! reaches a log that is not a terminal.

use std::time::{Duration, Instant};

use am_tests::engine::{Home, Module, build_bundles};
use am_tests::pty::Terminal;
use am_tests::{am_bin, assert_exit, fresh_dir, have_nix, stderr, stdout};

#[test]
fn ask_shows_the_changes_and_activates_only_on_yes() {
    if !have_nix() {
        return;
    }
    let bundles = build_bundles(
        &fresh_dir("ask"),
        &[Module::new().file(".a", "a\n"), Module::new().file(".a", "A\n").file(".b", "b\n")],
    );
    let (a, b) = (&bundles[0], &bundles[1]);
    let home = Home::new("ask");
    assert_exit(&home.activate(a, &[]), 0, "activation of A");
    let before = home.snapshot();

    let ask = |answer: &str| {
        let mut command = home.command(am_bin());
        command.args(["activate", &b.arg(), "--ask"]).env("NO_COLOR", "1");
        let mut terminal = Terminal::spawn(command);
        terminal.wait_for("Activate? [y/N]", Duration::from_secs(30));
        terminal.type_text(answer);
        let (status, _, _) = terminal.finish();
        status
    };

    assert_eq!(ask("n\n").code(), Some(0), "answering no");
    assert_eq!(home.snapshot(), before, "answering no changed the home");
    assert_eq!(home.current(), Some(1));

    let mut command = home.command(am_bin());
    command.args(["activate", &b.arg(), "--ask"]).env("NO_COLOR", "1");
    let mut terminal = Terminal::spawn(command);
    terminal.wait_for("Activate? [y/N]", Duration::from_secs(30));
    let shown = terminal.text();
    assert!(shown.contains("files: 1 added, 1 changed"), "the summary line:\n{shown}");
    assert!(shown.contains("+ ~/.b"), "the new file:\n{shown}");
    terminal.type_text("y\n");
    let (status, _, _) = terminal.finish();
    assert_eq!(status.code(), Some(0), "answering yes");
    home.assert_managed(".b", b"b\n", "after answering yes");
    assert_eq!(home.current(), Some(2));

    // Without a terminal to ask on: refused, unless --yes answers.
    let refused = home.am(&["activate", &a.arg(), "--ask"]);
    assert_exit(&refused, 2, "--ask without a terminal");
    assert!(stderr(&refused).contains("pass --yes"), "{}", stderr(&refused));
    assert_eq!(home.current(), Some(2), "a refused --ask activated");
    let yes = home.am(&["activate", &a.arg(), "--ask", "--yes"]);
    assert_exit(&yes, 0, "--ask --yes without a terminal");
    assert!(stdout(&yes).contains("- ~/.b"), "--yes still shows the changes:\n{}", stdout(&yes));
    assert_eq!(home.current(), Some(3));
}

/// The command that runs for three seconds, writing a line at its start.
fn slow() -> Module {
    Module::new().file(".a", "a\n").exec("slow", "echo started; sleep 3; echo finished", &[], true)
}

#[test]
fn a_slow_command_shows_progress_while_it_runs() {
    if !have_nix() {
        return;
    }
    let bundle = &build_bundles(&fresh_dir("progress"), &[slow()])[0];
    let home = Home::new("progress");
    let mut command = home.command(bundle.script());
    // Plain text, so that it can be searched; the status line is drawn
    // all the same.
    command.arg("--verbose").env("NO_COLOR", "1");
    let started = Instant::now();
    let (status, exited, pieces) = Terminal::spawn(command).finish();
    assert_eq!(status.code(), Some(0), "the activation");
    assert!(exited - started >= Duration::from_secs(3), "the command did not take 3 s");

    // When each text first appeared, counted back from the exit.
    let mut seen = String::new();
    let before_exit = |text: &str, seen: &mut String| {
        for (when, bytes) in &pieces {
            seen.push_str(&String::from_utf8_lossy(bytes));
            if seen.contains(text) {
                return Some(exited.duration_since(*when));
            }
        }
        None
    };
    let all: String = pieces.iter().map(|(_, bytes)| String::from_utf8_lossy(bytes)).collect();
    for (text, early) in [
        // The command's first line, as it wrote it.
        ("slow │ started", Duration::from_millis(2500)),
        // The status line, naming the node and how long it has run.
        ("running: slow 1.", Duration::from_millis(1000)),
        ("running: slow 2.", Duration::from_millis(100)),
    ] {
        seen.clear();
        let ahead = before_exit(text, &mut seen)
            .unwrap_or_else(|| panic!("{text:?} never appeared:\n{all:?}"));
        assert!(ahead >= early, "{text:?} came only {ahead:?} before the end:\n{all:?}");
    }
    assert!(all.contains("layer 1/1"), "the layers done of all:\n{all:?}");
    assert!(all.contains("ran slow (declared by am.nodes.slow)"), "{all:?}");
}

#[test]
fn off_a_terminal_there_is_no_progress_line() {
    if !have_nix() {
        return;
    }
    let bundle = &build_bundles(&fresh_dir("no-progress"), &[slow()])[0];
    let home = Home::new("no-progress");
    let output = home.activate(bundle, &["--verbose"]);
    assert_exit(&output, 0, "the activation");
    let said = stderr(&output);
    assert!(
        !said.contains('\r') && !said.contains("\x1b[") && !said.contains("running:"),
        "{said:?}"
    );
    // The command's lines, in order (a link of the same layer may come
    // between them).
    let lines: Vec<&str> = said.lines().filter(|line| line.starts_with("slow │")).collect();
    assert_eq!(lines, ["slow │ started", "slow │ finished"], "{said}");
}
