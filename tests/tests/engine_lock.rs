//! Two activations of one home at the same time never interleave: the second
//! waits for the first or fails with a message about the other activation,
//! and the home ends up exactly as one of the two orders would leave it.

use std::process::Stdio;
use std::time::{Duration, Instant};

use am_tests::engine::{Home, Module, all_output, cached_bundles};
use am_tests::listing::assert_same_listing;
use am_tests::{assert_exit, have_nix};

/// The log the exec nodes append to, beside the home (so that listings of
/// the home do not hold it).
const LOG: &str = "\"$HOME/../activations.log\"";

fn module_slow() -> Module {
    Module::new()
        .file(".slow", "slow\n")
        .file("shared/one", "slow one\n")
        .exec(
            "slow",
            &format!("echo start-slow >> {LOG}; sleep 2; echo end-slow >> {LOG}"),
            &["file:.slow"],
            true,
        )
        .raw_link("slow-late", ".slow-late", "after the sleep\n", &["slow"])
}

fn module_quick() -> Module {
    Module::new().file(".quick", "quick\n").file("shared/one", "quick one\n").exec(
        "quick",
        &format!("echo start-quick >> {LOG}; echo end-quick >> {LOG}"),
        &[],
        true,
    )
}

fn log(home: &Home) -> String {
    std::fs::read_to_string(home.path.join("../activations.log")).unwrap_or_default()
}

#[test]
fn concurrent_activations_do_not_interleave() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[module_slow(), module_quick()]);
    let (slow, quick) = (&bundles[0], &bundles[1]);

    // What each order leaves behind.
    let reference = Home::new("lock-reference");
    assert_exit(&reference.activate(slow, &[]), 0, "slow in the reference home");
    let after_slow = reference.listing();
    assert_exit(&reference.activate(quick, &[]), 0, "quick in the reference home");
    let after_both = reference.listing();

    let home = Home::new("lock");
    let first = home
        .command(slow.script())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the slow activation starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !log(&home).contains("start-slow") {
        assert!(Instant::now() < deadline, "the slow activation never reached its command");
        std::thread::sleep(Duration::from_millis(10));
    }

    let second = home.activate(quick, &[]);
    let first = first.wait_with_output().expect("the slow activation ends");
    assert_exit(&first, 0, "the slow activation");
    let log = log(&home);
    if second.status.success() {
        // The second waited for the lock.
        assert_eq!(log, "start-slow\nend-slow\nstart-quick\nend-quick\n", "interleaved runs");
        assert_same_listing(&home.listing(), &after_both, "after waiting for the lock");
    } else {
        let message = all_output(&second).to_lowercase();
        assert!(
            message.contains("another"),
            "the refusal does not mention the other activation:\n{message}"
        );
        assert_eq!(log, "start-slow\nend-slow\n", "the refused activation ran a command");
        assert_same_listing(&home.listing(), &after_slow, "after a refused second activation");
    }
    assert!(!home.has_journal(), "a journal remains after both activations ended");
}
