//! `environment.etc` end to end: system bundles built with the real
//! `nix-build`, activated with the real `am` into a temporary root
//! (`--root`), never the machine's own `/etc`. Entries become links through
//! `/etc/.activation-manager/static` or copies with their mode; a second
//! generation changes and removes them; a file in `/etc` that is not ours
//! is refused, unless a backup is allowed.

use am_tests::system::{Root, build_system_bundles};
use am_tests::{assert_exit, have_nix, stderr};

const FIRST: &str = r#"{ ... }: {
  environment.etc = {
    "motd".text = "Welcome.\n";
    "web/web.conf" = { text = "port = 80\n"; };
    "ssh-banner" = { target = "ssh/banner"; text = "Authorised use only.\n"; };
    "sudoers.d/deploy" = { text = "deploy ALL=(root) NOPASSWD: /bin/true\n"; mode = "0440"; };
    "not-made" = { enable = false; text = "never\n"; };
  };
}"#;

const SECOND: &str = r#"{ ... }: {
  environment.etc = {
    "motd".text = "Welcome back.\n";
    "ssh-banner" = { target = "ssh/banner"; text = "Authorised use only.\n"; };
    "sudoers.d/deploy" = { text = "deploy ALL=(root) NOPASSWD: /bin/false\n"; mode = "0400"; };
  };
}"#;

#[test]
fn etc_entries_are_links_and_copies_changed_and_removed_by_generations() {
    if !have_nix() {
        return;
    }
    let bundles = build_system_bundles("system-etc", &[FIRST, SECOND]);
    let root = Root::new("etc");
    root.write("etc/hostname", "machine\n");

    assert_exit(&root.activate(&bundles[0], &[]), 0, "the first generation");
    let motd = std::fs::read_link(root.join("etc/motd")).expect("motd is a link");
    assert_eq!(motd.to_str(), Some("/etc/.activation-manager/static/motd"));
    assert_eq!(root.read("etc/motd").as_deref(), Some("Welcome.\n"));
    assert_eq!(root.read("etc/web/web.conf").as_deref(), Some("port = 80\n"));
    assert_eq!(root.read("etc/ssh/banner").as_deref(), Some("Authorised use only.\n"));
    let sudoers = std::fs::symlink_metadata(root.join("etc/sudoers.d/deploy")).expect("a copy");
    assert!(sudoers.is_file(), "a mode makes a copy");
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&sudoers.permissions()) & 0o7777, 0o440);
    assert!(root.read("etc/not-made").is_none(), "enable = false");
    let first = root.etc_listing();

    assert_exit(&root.activate(&bundles[1], &[]), 0, "the second generation");
    assert_eq!(root.read("etc/motd").as_deref(), Some("Welcome back.\n"));
    assert!(root.join("etc/web/web.conf").symlink_metadata().is_err(), "a dropped entry stayed");
    let sudoers = std::fs::read_to_string(root.join("etc/sudoers.d/deploy")).expect("the copy");
    assert!(sudoers.contains("/bin/false"), "{sudoers}");
    let mode =
        std::fs::metadata(root.join("etc/sudoers.d/deploy")).expect("the copy").permissions();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o7777, 0o400);

    assert_exit(&root.am("rollback", &[]), 0, "rolling back to the first");
    assert_eq!(root.etc_listing(), first, "the rollback is the first generation again");

    assert_exit(&root.am("deactivate", &[]), 0, "deactivating");
    let left = root.etc_listing();
    assert!(!left.contains(" -> ") && !left.contains("deploy"), "left behind:\n{left}");
    assert_eq!(root.read("etc/hostname").as_deref(), Some("machine\n"));
}

/// A file of the distribution where an entry goes stops the activation
/// before anything changes (system-manager would skip it and exit 0);
/// `am.backupFileExtension` moves it aside instead, and deactivating puts
/// it back.
#[test]
fn a_file_in_etc_that_is_not_ours_is_refused_unless_backed_up() {
    if !have_nix() {
        return;
    }
    let issue = r#"{ ... }: { environment.etc."issue".text = "Managed.\n"; environment.etc."motd".text = "Hi.\n"; }"#;
    let backed_up = r#"{ ... }: {
      environment.etc."issue".text = "Managed.\n";
      environment.etc."motd".text = "Hi.\n";
      am.backupFileExtension = "dist";
    }"#;
    let bundles = build_system_bundles("system-etc-conflict", &[issue, backed_up]);
    let root = Root::new("etc-conflict");
    root.write("etc/issue", "Debian GNU/Linux\n");

    let refused = root.activate(&bundles[0], &[]);
    assert_exit(&refused, 3, "a file of the distribution in the way");
    assert!(stderr(&refused).contains("etc/issue"), "{}", stderr(&refused));
    assert_eq!(
        root.etc_listing(),
        "etc/issue  [0644 0:0, \"Debian GNU/Linux\\n\"]\n",
        "nothing may change when the pre-check refuses"
    );

    assert_exit(&root.activate(&bundles[1], &[]), 0, "with a backup allowed");
    assert_eq!(root.read("etc/issue").as_deref(), Some("Managed.\n"));
    assert_eq!(root.read("etc/issue.dist").as_deref(), Some("Debian GNU/Linux\n"));

    assert_exit(&root.am("deactivate", &[]), 0, "deactivating");
    assert_eq!(root.read("etc/issue").as_deref(), Some("Debian GNU/Linux\n"));
    assert!(root.read("etc/issue.dist").is_none(), "the backup went back");
}
