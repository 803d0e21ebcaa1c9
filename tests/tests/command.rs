//! `am` where the user's shell finds it, end to end: every bundle has
//! `bin/am`; `am.command.link` links the bundle's `am` into the home
//! instead of the Nix profile, and a rollback puts the previous one back.
//! The default, into the Nix profile, is what the getting-started pages
//! use (tests/tests/getting_started.rs).

use am_tests::engine::{Home, Module, cached_bundles};
use am_tests::{assert_exit, have_nix, stdout};

#[test]
fn am_command_link_puts_the_bundles_am_in_the_home() {
    if !have_nix() {
        return;
    }
    let linked = Module::new()
        .file(".profile", "linked\n")
        .line("am.command = { enable = true; link = \".local/bin/am\"; };");
    let bundles = cached_bundles(&[linked, Module::new().file(".profile", "none\n")]);
    let (linked, none) = (&bundles[0], &bundles[1]);
    let own = linked.store_path.join("bin/am");
    let output = std::process::Command::new(&own).arg("--version").output().expect("bin/am runs");
    assert_exit(&output, 0, "the bundle's bin/am");

    let home = Home::new("command-link");
    assert_exit(&home.activate(linked, &[]), 0, "activation with am.command.link");
    let link = home.path.join(".local/bin/am");
    let output =
        std::process::Command::new(&link).arg("--version").output().expect("~/.local/bin/am runs");
    assert_exit(&output, 0, "~/.local/bin/am");
    assert!(stdout(&output).starts_with("am "), "{}", stdout(&output));
    assert_eq!(std::fs::canonicalize(&link).ok(), std::fs::canonicalize(&own).ok());
    home.assert_absent(".nix-profile", "a link instead of the profile");

    assert_exit(&home.activate(none, &[]), 0, "a bundle without the command");
    home.assert_absent(".local/bin/am", "am.command.enable = false");
    assert_exit(&home.am(&["rollback"]), 0, "rollback");
    assert!(link.exists(), "the rollback did not bring ~/.local/bin/am back");
}
