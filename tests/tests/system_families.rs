//! The option families of a system bundle besides `environment.etc`, end
//! to end under `--root`: system units (`systemd.*`, placed and enabled in
//! the tree, never started), tmpfiles rules (applied, and a dropped rule's
//! `--remove`; applied again at every activation), accounts (created, and
//! locked when dropped), and commands, which learn the root in `AM_ROOT`.
//! Each family gets a second generation that changes and removes things.

use std::os::unix::fs::PermissionsExt;

use am_tests::system::{Root, build_system_bundles};
use am_tests::{assert_exit, have_nix, stderr, stdout};

const FIRST: &str = r#"{ ... }: {
  users.users.svc = { isSystemUser = true; group = "svc"; home = "/var/lib/svc"; };
  users.users.old = { isSystemUser = true; group = "old"; };
  users.groups.svc = { };
  users.groups.old = { };

  systemd.services.web = {
    description = "Web server";
    wantedBy = [ "multi-user.target" ];
    serviceConfig = { User = "svc"; ExecStart = "/bin/sleep infinity"; };
  };
  systemd.services.cleanup = { startAt = "daily"; script = "true"; };
  systemd.targets.site = { wantedBy = [ "multi-user.target" ]; wants = [ "web.service" ]; };
  systemd.overrides."ssh.service".Service.Environment = [ "LANG=C" ];

  systemd.tmpfiles.rules = [
    "d /var/lib/svc 0750 svc svc -"
    "f /var/lib/svc/hello 0640 svc svc - hello"
  ];
  systemd.tmpfiles.settings."10-cache"."/var/cache/svc".D = { mode = "0755"; user = "svc"; };

  am.nodes.where = {
    kind = "exec";
    argv = [ "/bin/sh" "-c" "echo \"root: $AM_ROOT\"" ];
  };
}"#;

const SECOND: &str = r#"{ ... }: {
  users.users.svc = { isSystemUser = true; group = "svc"; home = "/var/lib/svc"; };
  users.groups.svc = { };

  systemd.services.web = {
    description = "Web server, changed";
    wantedBy = [ "multi-user.target" ];
    serviceConfig = { User = "svc"; ExecStart = "/bin/sleep infinity"; };
  };
  systemd.targets.site = { wantedBy = [ "multi-user.target" ]; wants = [ "web.service" ]; };

  systemd.tmpfiles.rules = [ "d /var/lib/svc 0750 svc svc -" ];
}"#;

#[test]
fn units_rules_and_accounts_follow_their_generations() {
    if !have_nix() {
        return;
    }
    let bundles = build_system_bundles("system-families", &[FIRST, SECOND]);
    let root = Root::with_accounts("families");
    let units = "etc/systemd/system";

    let first = root.activate(&bundles[0], &["--verbose"]);
    assert_exit(&first, 0, "the first generation");
    let said = format!("{}{}", stdout(&first), stderr(&first));
    assert!(said.contains(&format!("root: {}", root.path.display())), "AM_ROOT: {said}");
    assert!(said.contains("is not the running system: the system manager reads"), "{said}");
    let note = format!(
        "no running system manager to switch units with ({} is not the running system)",
        root.path.display()
    );
    assert!(said.contains(&note), "{said}");

    for unit in [
        "web.service",
        "multi-user.target.wants/web.service",
        "site.target",
        "multi-user.target.wants/site.target",
        "cleanup.service",
        "cleanup.timer",
        "timers.target.wants/cleanup.timer",
        "ssh.service.d/activation-manager.conf",
    ] {
        assert!(root.read(&format!("{units}/{unit}")).is_some(), "{unit} is not placed");
    }
    let site = root.read(&format!("{units}/site.target")).unwrap_or_default();
    assert!(site.contains("Wants=web.service"), "{site}");

    let svc = root.account("passwd", "svc").expect("svc is created");
    assert!(root.account("passwd", "old").is_some(), "old is created");
    assert_eq!(svc[5..], ["/var/lib/svc", "/usr/sbin/nologin"], "{svc:?}");
    assert!(!root.locked("old"), "a new account is locked");
    assert_eq!(root.read("var/lib/svc/hello").as_deref(), Some("hello"), "the f rule");
    let owner = std::fs::metadata(root.join("var/lib/svc/hello")).expect("the f rule's file");
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&owner).to_string(), svc[2]);
    root.write("var/cache/svc/page", "cached\n");

    assert_exit(&root.activate(&bundles[1], &[]), 0, "the second generation");
    let web = root.read(&format!("{units}/web.service")).unwrap_or_default();
    assert!(web.contains("Description=Web server, changed"), "{web}");
    for gone in [
        "cleanup.service",
        "cleanup.timer",
        "timers.target.wants/cleanup.timer",
        "ssh.service.d/activation-manager.conf",
    ] {
        assert!(root.join(&format!("{units}/{gone}")).symlink_metadata().is_err(), "{gone} stayed");
    }
    assert!(root.account("passwd", "old").is_some(), "a dropped account is never deleted");
    assert!(root.locked("old"), "a dropped account is locked");
    assert!(root.read("var/cache/svc/page").is_none(), "the dropped D rule removed its contents");
    assert!(root.join("var/lib/svc").is_dir(), "the kept d rule's folder");

    assert_exit(&root.am("rollback", &[]), 0, "rolling back to the first");
    assert!(!root.locked("old"), "rolling back unlocks it");
    assert!(root.read(&format!("{units}/cleanup.timer")).is_some(), "the timer is back");

    // The rules are applied at every activation, as NixOS's switch does,
    // not only when they changed: what tmpfiles made is not undone with an
    // activation, which may have applied other rules to the same paths.
    let svc_home = root.join("var/lib/svc");
    std::fs::set_permissions(&svc_home, std::fs::Permissions::from_mode(0o700))
        .expect("the folder's mode can be changed");
    assert_exit(&root.am("activate", &[]), 0, "activating the same generation again");
    let mode = std::fs::metadata(&svc_home).expect("the d rule's folder").permissions().mode();
    assert_eq!(format!("{:04o}", mode & 0o7777), "0750", "the d rule's mode is applied again");
}

/// A unit file of the distribution's where one of the configuration's goes
/// is refused like any file of /etc that is not ours, and left as it is.
#[test]
fn a_unit_of_the_distribution_in_the_way_is_refused() {
    if !have_nix() {
        return;
    }
    let module = r#"{ ... }: { systemd.services.ssh = { wantedBy = [ "multi-user.target" ]; script = "true"; }; }"#;
    let bundles = build_system_bundles("system-unit-conflict", &[module]);
    let root = Root::new("unit-conflict");
    root.write("etc/systemd/system/ssh.service", "[Service]\nExecStart=/usr/sbin/sshd -D\n");
    let before = root.etc_listing();

    let refused = root.activate(&bundles[0], &[]);
    assert_exit(&refused, 3, "the distribution's unit in the way");
    assert!(stderr(&refused).contains("etc/systemd/system/ssh.service"), "{}", stderr(&refused));
    assert_eq!(root.etc_listing(), before, "nothing may change when the pre-check refuses");
}
