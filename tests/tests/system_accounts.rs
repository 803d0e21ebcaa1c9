//! Supplementary groups of a system bundle, end to end under `--root`:
//! `extraGroups` and a group's `members` are joined with `gpasswd`, left
//! once the configuration drops them (only where `am` joined them: the
//! machine's own memberships stay), undone with a failed activation,
//! joined again by a rollback, and left by a deactivation, which locks the
//! users `am` made until an activation unlocks them.

use am_tests::system::{Root, build_system_bundles};
use am_tests::{assert_exit, have_nix, stderr, stdout};

/// jane and ann are the machine's; ann is in audio already.
fn machine() -> Root {
    let root = Root::with_accounts("memberships");
    root.append(
        "etc/passwd",
        "jane:x:1000:100::/home/jane:/bin/sh\nann:x:1001:100::/home/ann:/bin/sh\n",
    );
    root.append("etc/shadow", "jane:*:19000:0:99999:7:::\nann:*:19000:0:99999:7:::\n");
    root.append("etc/group", "audio:x:63:ann\n");
    root.append("etc/gshadow", "audio:*::ann\n");
    root
}

const FIRST: &str = r#"{ ... }: {
  users.users.svc = { isSystemUser = true; group = "svc"; extraGroups = [ "audio" ]; };
  users.groups.svc = { };
  users.groups.web.members = [ "jane" ];
  users.groups.audio.members = [ "ann" "ghost" ];
}"#;

/// Every membership dropped; svc stays.
const SECOND: &str = r#"{ ... }: {
  users.users.svc = { isSystemUser = true; group = "svc"; };
  users.groups.svc = { };
  users.groups.web = { };
}"#;

/// Memberships alone: svc is dropped (and locked), jane stays in web.
const MEMBERS_ONLY: &str = r#"{ ... }: {
  users.groups.web.members = [ "jane" ];
}"#;

/// FIRST, with a required command that fails after the accounts.
const FAILING: &str = r#"{ ... }: {
  users.users.svc = { isSystemUser = true; group = "svc"; extraGroups = [ "audio" ]; };
  users.groups.svc = { };
  users.groups.web.members = [ "jane" ];
  am.nodes.fails = { kind = "exec"; after = [ "accounts" ]; argv = [ "/bin/false" ]; };
}"#;

fn members(root: &Root, group: &str) -> Vec<String> {
    let fields = root.account("group", group).unwrap_or_default();
    let list = fields.get(3).cloned().unwrap_or_default();
    list.split(',').filter(|name| !name.is_empty()).map(str::to_string).collect()
}

#[test]
fn memberships_are_joined_and_only_ours_are_left() {
    if !have_nix() {
        return;
    }
    let bundles =
        build_system_bundles("system-memberships", &[FIRST, SECOND, FAILING, MEMBERS_ONLY]);
    let root = machine();

    let first = root.activate(&bundles[0], &[]);
    assert_exit(&first, 0, "the first generation");
    let said = format!("{}{}", stdout(&first), stderr(&first));
    assert!(said.contains("added jane to group web"), "{said}");
    assert!(
        said.contains("group audio lists ghost, an account this system does not have"),
        "{said}"
    );
    assert_eq!(members(&root, "web"), ["jane"]);
    let mut audio = members(&root, "audio");
    audio.sort();
    assert_eq!(audio, ["ann", "svc"], "svc joins with useradd, ann was in it already");

    let second = root.activate(&bundles[1], &[]);
    assert_exit(&second, 0, "the second generation");
    assert!(stderr(&second).contains("removed jane from group web"), "{}", stderr(&second));
    assert_eq!(members(&root, "web"), Vec::<String>::new(), "jane was joined by am");
    assert_eq!(members(&root, "audio"), ["ann"], "the machine's membership stays, svc's goes");

    let failed = root.activate(&bundles[2], &[]);
    assert_exit(&failed, 4, "a required command fails after the accounts");
    assert_eq!(members(&root, "web"), Vec::<String>::new(), "the failed run's join is undone");
    assert_eq!(members(&root, "audio"), ["ann"], "the failed run's join is undone");

    assert_exit(&root.am("rollback", &[]), 0, "rolling back to the first");
    assert_eq!(members(&root, "web"), ["jane"], "the rollback joins again");

    // Deactivating locks the users am made and leaves what it joined; the
    // configuration activated again unlocks them and joins again.
    let deactivated = root.am("deactivate", &[]);
    assert_exit(&deactivated, 0, "deactivating");
    let said = stderr(&deactivated);
    assert!(said.contains("note: locked user svc"), "{said}");
    assert!(said.contains("note: removed jane from group web"), "{said}");
    assert!(root.locked("svc"), "deactivating locks svc");
    assert_eq!(members(&root, "web"), Vec::<String>::new(), "deactivating leaves web");
    assert_exit(&root.activate(&bundles[0], &[]), 0, "the first again, after deactivating");
    assert!(!root.locked("svc"), "the first generation again unlocks svc");
    assert_eq!(members(&root, "web"), ["jane"], "the first generation again joins web");

    // With no user of its own left unlocked, deactivating still leaves the
    // memberships am joined.
    assert_exit(&root.activate(&bundles[3], &[]), 0, "memberships alone");
    assert!(root.locked("svc"), "svc, dropped, is locked");
    let deactivated = root.am("deactivate", &[]);
    assert_exit(&deactivated, 0, "deactivating memberships alone");
    let said = stderr(&deactivated);
    assert!(said.contains("note: removed jane from group web"), "{said}");
    assert_eq!(members(&root, "web"), Vec::<String>::new(), "deactivating leaves web");
}
