//! System bundles under `--root DIR`, end to end with hand-made plans: the
//! same engine as a home's, with targets below `DIR/etc`, links through
//! `/etc/.activation-manager/static`, and the state in
//! `DIR/var/lib/activation-manager`.

mod support;

use am_schema::{Plan, Role};
use support::{Scratch, assert_exit, link, stderr};

fn system_plan(targets: &[&str]) -> Plan {
    Plan {
        role: Role::System,
        backup_extension: None,
        home_directory: None,
        nodes: targets.iter().map(|target| link(target)).collect(),
        layers: vec![(0..targets.len() as u32).collect()],
    }
}

/// A root folder with an `/etc` holding a file of the distribution's.
fn root(scratch: &Scratch) -> std::path::PathBuf {
    let root = scratch.root.join("root");
    std::fs::create_dir_all(root.join("etc")).expect("etc");
    std::fs::write(root.join("etc/hostname"), "machine\n").expect("a file of the distribution");
    root
}

#[test]
fn a_system_bundle_is_activated_below_the_root() {
    let scratch = Scratch::new("system-root");
    let root = root(&scratch);
    let a = scratch.bundle("a", &system_plan(&["motd", "ssh/sshd_config"])).display().to_string();
    let b = scratch.bundle("b", &system_plan(&["ssh/sshd_config", "issue"])).display().to_string();
    let root_arg = root.display().to_string();

    let output = scratch.am(&["activate", &a, "--root", &root_arg]);
    assert_exit(&output, 0, "A under --root");
    let link = std::fs::read_link(root.join("etc/motd")).expect("a link");
    assert_eq!(link, std::path::Path::new("/etc/.activation-manager/static/motd"));
    let static_link =
        std::fs::read_link(root.join("etc/.activation-manager/static")).expect("static");
    assert_eq!(static_link, std::path::Path::new(&a).join("static"));
    assert!(root.join("var/lib/activation-manager/generations/1").is_file());
    if rustix::process::geteuid().is_root() {
        // A system's bundles are rooted from a folder of am's own.
        let state_root = root.join("var/lib/activation-manager/gcroots/1");
        let registered = std::fs::read_dir("/nix/var/nix/gcroots/activation-manager")
            .expect("the system's GC roots")
            .flatten()
            .any(|entry| std::fs::read_link(entry.path()).is_ok_and(|to| to == state_root));
        assert!(registered, "no GC root for {}", state_root.display());
    }
    assert_eq!(std::fs::read_to_string(root.join("etc/hostname")).expect("kept"), "machine\n");
    assert!(!scratch.home().join(".local").exists(), "a system activation touched the home");

    let output = scratch.am(&["activate", &b, "--root", &root_arg]);
    assert_exit(&output, 0, "A to B");
    assert!(root.join("etc/motd").symlink_metadata().is_err(), "A's motd stayed");
    assert!(root.join("etc/issue").is_symlink());

    let output = scratch.am(&["rollback", "--root", &root_arg]);
    assert_exit(&output, 0, "rollback to A");
    assert!(
        root.join("etc/motd").is_symlink() && root.join("etc/issue").symlink_metadata().is_err()
    );

    let output = scratch.am(&["generations", "--root", &root_arg]);
    assert_exit(&output, 0, "generations");
    assert_eq!(support::stdout(&output).lines().count(), 3, "{}", support::stdout(&output));

    let output = scratch.am(&["deactivate", "--root", &root_arg]);
    assert_exit(&output, 0, "deactivate");
    assert!(root.join("etc/motd").symlink_metadata().is_err());
    assert!(root.join("etc/ssh").symlink_metadata().is_err(), "the folder am made stayed");
    assert_eq!(std::fs::read_to_string(root.join("etc/hostname")).expect("kept"), "machine\n");
}

#[test]
fn a_file_of_the_distribution_in_the_way_is_refused() {
    let scratch = Scratch::new("system-conflict");
    let root = root(&scratch);
    let bundle = scratch.bundle("a", &system_plan(&["hostname", "motd"])).display().to_string();
    let output = scratch.am(&["activate", &bundle, "--root", &root.display().to_string()]);
    assert_exit(&output, 3, "a file of the distribution in the way");
    assert!(stderr(&output).contains("etc/hostname"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(root.join("etc/hostname")).expect("kept"), "machine\n");
    assert!(root.join("etc/motd").symlink_metadata().is_err(), "something was changed");
    assert!(!root.join("var/lib/activation-manager/generations").exists());
}

#[test]
fn bundles_activate_only_into_places_of_their_role() {
    let scratch = Scratch::new("system-role");
    let root = root(&scratch);
    let mut home_plan = system_plan(&["motd"]);
    home_plan.role = Role::Home;
    let home_bundle = scratch.bundle("home", &home_plan).display().to_string();
    let output = scratch.am(&["activate", &home_bundle, "--root", &root.display().to_string()]);
    assert_exit(&output, 1, "a home bundle into a system");
    assert!(stderr(&output).contains("is a home bundle"), "{}", stderr(&output));
    assert!(root.join("etc/motd").symlink_metadata().is_err());

    // Its own bin/activate takes a system bundle to the system it is for:
    // here, the one under --root.
    let system_bundle = scratch.bundle("system", &system_plan(&["motd"]));
    let script = system_bundle.join("bin/activate");
    let output = scratch.run(&script, &["--root", &root.display().to_string()]);
    assert_exit(&output, 0, "a system bundle's own bin/activate");
    assert!(root.join("etc/motd").is_symlink());
    assert!(!scratch.home().join(".local").exists(), "the home was touched");
}

/// A system tree with the files `useradd` and `groupadd` need.
fn root_with_accounts(scratch: &Scratch) -> std::path::PathBuf {
    let root = root(scratch);
    let etc = root.join("etc");
    std::fs::write(etc.join("passwd"), "root:x:0:0:root:/root:/bin/sh\n").expect("passwd");
    std::fs::write(etc.join("group"), "root:x:0:\n").expect("group");
    for (file, line) in [("shadow", "root:*:19000:0:99999:7:::\n"), ("gshadow", "root:*::\n")] {
        std::fs::write(etc.join(file), line).expect(file);
        std::fs::set_permissions(
            etc.join(file),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .expect("chmod");
    }
    root
}

fn node(id: &str, kind: am_schema::Kind, after: &[u32]) -> am_schema::Node {
    am_schema::Node {
        id: id.into(),
        declared_by: format!("am.nodes.{id}"),
        required: true,
        after: after.to_vec(),
        kind,
    }
}

/// Accounts, a copy owned by one of them, and tmpfiles rules; `with_users`
/// false drops the accounts (and the copy), `rules` is the rules file.
fn services_plan(with_users: bool) -> Plan {
    use am_schema::{Accounts, Copy, CopySource, GroupAccount, Kind, Tmpfiles, UserAccount};
    let accounts = Accounts {
        groups: vec![GroupAccount { name: "web".into(), gid: None, members: vec![] }],
        users: vec![UserAccount {
            name: "web".into(),
            uid: None,
            group: "web".into(),
            extra_groups: vec![],
            home: "/var/www".into(),
            create_home: false,
            shell: None,
            description: "web server".into(),
            system: true,
        }],
    };
    let copy = Copy {
        target: "web.conf".into(),
        mode: Some(0o640),
        force: false,
        source: CopySource::Static,
        owner: Some("web".into()),
        group: Some("web".into()),
    };
    let tmpfiles = Kind::Tmpfiles(Tmpfiles { target: "tmpfiles.d/am.conf".into() });
    let nodes = if with_users {
        vec![
            node("accounts", Kind::Accounts(accounts), &[]),
            node("file:web.conf", Kind::Copy(copy), &[0]),
            link("tmpfiles.d/am.conf"),
            node("tmpfiles", tmpfiles, &[0, 2]),
        ]
    } else {
        vec![link("tmpfiles.d/am.conf"), node("tmpfiles", tmpfiles, &[0])]
    };
    let layers = if with_users { vec![vec![0, 2], vec![1, 3]] } else { vec![vec![0], vec![1]] };
    Plan { role: Role::System, backup_extension: None, home_directory: None, nodes, layers }
}

#[test]
fn accounts_owners_and_tmpfiles_under_a_root() {
    if !rustix::process::geteuid().is_root() {
        let why = "useradd and chown need root";
        assert!(std::env::var_os("AM_REQUIRE_ALL").is_none(), "AM_REQUIRE_ALL is set: {why}");
        eprintln!("skipped: {why}");
        return;
    }
    use std::os::unix::fs::MetadataExt;
    let scratch = Scratch::new("system-accounts");
    let root = root_with_accounts(&scratch);
    let root_arg = root.display().to_string();
    let a = scratch.bundle("a", &services_plan(true));
    std::fs::write(a.join("static/web.conf"), "listen 80\n").expect("the copy's bytes");
    let rules = "d /var/lib/web 0750 web web -\nD /var/cache/web 0755 root root -\n";
    std::fs::write(a.join("static/tmpfiles.d/am.conf"), rules).expect("rules");
    let b = scratch.bundle("b", &services_plan(false));
    std::fs::write(b.join("static/tmpfiles.d/am.conf"), "d /var/lib/web 0750 root root -\n")
        .expect("rules");

    let output = scratch.am(&["activate", &a.display().to_string(), "--root", &root_arg]);
    assert_exit(&output, 0, "A");
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).expect("passwd");
    let web: Vec<&str> = passwd
        .lines()
        .find(|line| line.starts_with("web:"))
        .expect("web made")
        .split(':')
        .collect();
    let uid: u32 = web[2].parse().expect("uid");
    assert!(uid < 1000, "web is no system user: {}", web.join(":"));
    let conf = std::fs::symlink_metadata(root.join("etc/web.conf")).expect("the copy");
    assert_eq!((conf.uid(), conf.mode() & 0o777), (uid, 0o640));
    let var = std::fs::metadata(root.join("var/lib/web")).expect("tmpfiles made the folder");
    assert_eq!(var.uid(), uid);
    std::fs::write(root.join("var/cache/web/stale"), "x").expect("a cached file");

    // Without the accounts, web is locked (never deleted), and the dropped
    // `D` rule removes what it owned.
    let output = scratch.am(&["activate", &b.display().to_string(), "--root", &root_arg]);
    assert_exit(&output, 0, "B");
    assert!(stderr(&output).contains("locked user web"), "{}", stderr(&output));
    let shadow = std::fs::read_to_string(root.join("etc/shadow")).expect("shadow");
    let entry = shadow.lines().find(|line| line.starts_with("web:")).expect("web stays");
    assert_eq!(entry.split(':').nth(7), Some("1"), "web did not expire: {entry}");
    assert!(!root.join("var/cache/web/stale").exists(), "the dropped D rule removed nothing");
    assert!(root.join("etc/web.conf").symlink_metadata().is_err(), "A's copy stayed");

    // Back to A: web is unlocked, not made again.
    let output = scratch.am(&["rollback", "--root", &root_arg]);
    assert_exit(&output, 0, "rollback to A");
    let shadow = std::fs::read_to_string(root.join("etc/shadow")).expect("shadow");
    let entry = shadow.lines().find(|line| line.starts_with("web:")).expect("web stays");
    assert_eq!(entry.split(':').nth(7), Some(""), "web is still expired: {entry}");
    let users = std::fs::read_to_string(root.join("etc/passwd")).expect("passwd");
    assert_eq!(users.lines().filter(|line| line.starts_with("web:")).count(), 1);
}

#[test]
fn a_failed_activation_takes_back_the_users_it_made() {
    if !rustix::process::geteuid().is_root() {
        let why = "useradd needs root";
        assert!(std::env::var_os("AM_REQUIRE_ALL").is_none(), "AM_REQUIRE_ALL is set: {why}");
        eprintln!("skipped: {why}");
        return;
    }
    let scratch = Scratch::new("system-accounts-undo");
    let root = root_with_accounts(&scratch);
    let mut plan = services_plan(true);
    plan.nodes.push(support::shell("fail", "exit 1", true, &[0]));
    plan.layers.push(vec![4]);
    let bundle = scratch.bundle("a", &plan);
    std::fs::write(bundle.join("static/web.conf"), "listen 80\n").expect("the copy's bytes");
    std::fs::write(bundle.join("static/tmpfiles.d/am.conf"), "").expect("rules");
    let output = scratch.am(&[
        "activate",
        &bundle.display().to_string(),
        "--root",
        &root.display().to_string(),
    ]);
    assert_exit(&output, 4, "an activation whose last command fails");
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).expect("passwd");
    let group = std::fs::read_to_string(root.join("etc/group")).expect("group");
    assert!(!passwd.contains("web:") && !group.contains("web:"), "{passwd}{group}");
    assert!(root.join("etc/web.conf").symlink_metadata().is_err());
}
