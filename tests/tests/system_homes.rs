//! Homes from a system bundle (`activation-manager.users.<name>.modules`)
//! in a real system manager: the throwaway machine of `am_tests::machine`
//! (systemd as PID 1 over a tree of its own, never the host's `/etc`).
//! The system activation starts each home's unit, which activates the
//! home as its user; a home that fails leaves the system and the other
//! homes activated, and the activation ends partial, naming the home.

use am_tests::engine::Bundle;
use am_tests::machine::Machine;
use am_tests::system::build_system_bundles;
use am_tests::{have_nix, stdout};

/// A system with the accounts jane and bob, the homes `jane` and `bob`
/// (module texts, or `None` for no home), and a motd saying `motd`.
fn system(motd: &str, jane: Option<&str>, bob: Option<&str>) -> String {
    let home = |name: &str, module: Option<&str>| {
        module.map_or(String::new(), |module| {
            format!("activation-manager.users.{name}.modules = [ ({module}) ];")
        })
    };
    format!(
        r#"{{ ... }}: {{
          environment.etc."motd".text = "{motd}\n";
          users.users.jane = {{ isNormalUser = true; group = "jane"; }};
          users.users.bob = {{ isNormalUser = true; group = "bob"; }};
          users.groups.jane = {{ }};
          users.groups.bob = {{ }};
          {} {}
        }}"#,
        home("jane", jane),
        home("bob", bob),
    )
}

/// `<bundle>/bin/activate --verbose` inside the machine, as root.
fn activate(machine: &Machine, bundle: &Bundle) -> (Option<i32>, String) {
    let output = machine.run(&[&bundle.script().display().to_string(), "--verbose"]);
    let said = format!("{}{}", stdout(&output), String::from_utf8_lossy(&output.stderr));
    (output.status.code(), said)
}

/// What `path` reads as inside the machine.
fn read(machine: &Machine, path: &str) -> String {
    stdout(&machine.run(&["cat", path]))
}

/// The owner of `path` inside the machine, by name.
fn owner(machine: &Machine, path: &str) -> String {
    stdout(&machine.run(&["stat", "--format=%U", path])).trim().to_string()
}

#[test]
fn a_system_activation_activates_each_home_as_its_user() {
    if !have_nix() {
        return;
    }
    let jane = r#"{ home.file.".hello".text = "hello jane\n"; }"#;
    let bob = r#"{ home.file.".hello".text = "hello bob\n"; }"#;
    let bundles = build_system_bundles("system-homes", &[&system("one", Some(jane), Some(bob))]);
    let Some(machine) = Machine::boot("homes", &[]) else { return };

    let (code, said) = activate(&machine, &bundles[0]);
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(read(&machine, "/home/jane/.hello"), "hello jane\n");
    assert_eq!(read(&machine, "/home/bob/.hello"), "hello bob\n");
    assert_eq!(owner(&machine, "/home/jane/.local/state/activation-manager"), "jane");
    assert!(said.contains("-home-jane: 1 link created"), "the home's own report: {said}");

    let (code, said) = activate(&machine, &bundles[0]);
    assert_eq!(code, Some(0), "again: {said}");
    assert!(said.contains("ran home:jane"), "every system activation activates the homes: {said}");
}

/// jane's home is refused (a file of hers is in the way): the system's
/// new generation and bob's home are activated all the same, the
/// activation ends partial (5) naming `home:jane` with her home's own
/// message, and her file is left as it is.
#[test]
fn a_home_that_fails_is_partial_and_named_and_rolls_nothing_back() {
    if !have_nix() {
        return;
    }
    let first = r#"{ home.file.".a".text = "a\n"; }"#;
    let second = r#"{ home.file.".a".text = "a\n"; home.file.".b".text = "b\n"; }"#;
    let bob = r#"{ home.file.".hello".text = "hello bob\n"; }"#;
    let bundles = build_system_bundles(
        "system-homes-fail",
        &[&system("one", Some(first), None), &system("two", Some(second), Some(bob))],
    );
    let Some(machine) = Machine::boot("homes-fail", &[]) else { return };
    let (code, said) = activate(&machine, &bundles[0]);
    assert_eq!(code, Some(0), "{said}");
    let mine = machine.run(&["sh", "-c", "echo mine > /home/jane/.b && chown jane: /home/jane/.b"]);
    assert!(mine.status.success(), "jane's own file: {}", stdout(&mine));

    let (code, said) = activate(&machine, &bundles[1]);
    assert_eq!(code, Some(5), "partial: {said}");
    assert!(said.contains("home:jane"), "the report names the home: {said}");
    assert!(said.contains(".b"), "with the home's own message: {said}");
    assert_eq!(read(&machine, "/etc/motd"), "two\n", "the system was rolled back");
    assert_eq!(read(&machine, "/home/bob/.hello"), "hello bob\n", "bob's home");
    assert_eq!(read(&machine, "/home/jane/.b"), "mine\n", "jane's file");
    assert_eq!(read(&machine, "/home/jane/.a"), "a\n", "jane's home kept its generation");
}
