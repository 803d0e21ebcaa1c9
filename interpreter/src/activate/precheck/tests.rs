//! Pre-check tests against real folders in the system's temp dir.

use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use am_schema::{Exec, Kind, Link, Node, Plan};

use super::*;

struct Scratch {
    root: PathBuf,
    place: Place,
}

impl Scratch {
    fn new() -> Scratch {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let root = std::env::temp_dir().join(format!(
            "am-precheck-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("home")).expect("temp dir is writable");
        let place = Place::resolve(Some(root.join("home").into()), None).expect("home");
        Scratch { root, place }
    }

    fn bundle_static(&self) -> PathBuf {
        self.root.join("bundle/static")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.place.dir.join(rel)
    }

    fn check(&self, plan: &Plan) -> Result<Checked, Vec<Conflict>> {
        let bundle_static = self.bundle_static();
        let permissions = Permissions::default();
        let context = Context {
            place: &self.place,
            bundle_static: Some(&bundle_static),
            previous: None,
            permissions: &permissions,
            scratch: crate::activate::scratch::Scratch { token: 1 },
        };
        check(plan, &context)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn links(targets: &[&str]) -> Plan {
    let nodes: Vec<Node> = targets
        .iter()
        .map(|target| Node {
            id: format!("file:{target}"),
            declared_by: format!("home.file.\"{target}\""),
            required: true,
            after: vec![],
            kind: Kind::Link(Link { target: target.to_string(), force: false, source: None }),
        })
        .collect();
    let layer = (0..nodes.len() as u32).collect();
    Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes,
        layers: vec![layer],
    }
}

fn action(checked: &Checked, index: u32) -> Option<&LinkAction> {
    checked.links.get(&index).map(|step| &step.action)
}

#[test]
fn fresh_home_creates_everything() {
    let scratch = Scratch::new();
    let checked = scratch.check(&links(&[".profile", ".config/a/b"])).expect("no conflicts");
    assert_eq!(checked.state, StateStep { static_previous: None });
    assert_eq!(action(&checked, 0), Some(&LinkAction::Create));
    assert_eq!(
        checked.links.get(&1).map(|step| step.missing_dirs.clone()),
        Some(vec![scratch.path(".config"), scratch.path(".config/a")])
    );
    assert_eq!(
        checked.links.get(&1).map(|step| step.content.clone()),
        Some(scratch.place.link_content(".config/a/b"))
    );
}

#[test]
fn our_links_are_unchanged_or_replaced() {
    let scratch = Scratch::new();
    std::fs::create_dir_all(&scratch.place.state).expect("state");
    symlink(scratch.bundle_static(), scratch.place.static_link.clone()).expect("static link");
    symlink(scratch.place.link_content(".a"), scratch.path(".a")).expect("link");
    let old = scratch.place.link_content("old-name");
    symlink(&old, scratch.path(".b")).expect("link");
    let checked = scratch.check(&links(&[".a", ".b"])).expect("no conflicts");
    assert_eq!(checked.state, StateStep { static_previous: Some(scratch.bundle_static()) });
    assert_eq!(action(&checked, 0), Some(&LinkAction::Unchanged));
    let temp = scratch.path(".b").with_file_name("..b.am-0000000000000001-link");
    assert_eq!(action(&checked, 1), Some(&LinkAction::Replace { previous: old, temp }));
}

#[test]
fn every_conflict_is_listed_sorted_by_path() {
    let scratch = Scratch::new();
    std::fs::write(scratch.path(".profile"), "mine").expect("file");
    std::fs::create_dir(scratch.path(".vimrc")).expect("folder");
    symlink("/etc/hosts", scratch.path(".bashrc")).expect("foreign link");
    let plan = links(&[".profile", ".vimrc", ".bashrc", ".fine"]);
    let conflicts = scratch.check(&plan).expect_err("three conflicts");
    let summary: Vec<(PathBuf, String)> = conflicts
        .iter()
        .map(|c| (c.path.clone(), format!("{:?} {:?}", c.found, c.wanted_by)))
        .collect();
    assert_eq!(
        summary,
        [
            (scratch.path(".bashrc"), "Link(\"/etc/hosts\") Link(2)".to_string()),
            (scratch.path(".profile"), "File Link(0)".to_string()),
            (scratch.path(".vimrc"), "Folder Link(1)".to_string()),
        ]
    );
}

#[test]
fn a_parent_in_the_way_is_one_conflict_naming_every_target_below() {
    let scratch = Scratch::new();
    std::fs::write(scratch.path(".config"), "not a folder").expect("file");
    std::fs::create_dir(scratch.path("real")).expect("folder");
    symlink(scratch.path("real"), scratch.path("linked")).expect("linked folder");
    let plan = links(&[".config/a", ".config/b/c", "linked/x", "ok/y"]);
    let conflicts = scratch.check(&plan).expect_err("two conflicts");
    assert_eq!(conflicts.len(), 2);
    assert_eq!(conflicts[0].path, scratch.path(".config"));
    assert!(matches!(conflicts[0].found, Found::File));
    assert!(matches!(&conflicts[0].wanted_by, Wanted::Folder(nodes) if nodes == &[0, 1]));
    assert_eq!(conflicts[1].path, scratch.path("linked"));
    assert!(
        matches!(&conflicts[1].found, Found::Link(content) if content == &scratch.path("real"))
    );
}

#[test]
fn state_paths_in_the_way_are_conflicts() {
    let scratch = Scratch::new();
    std::fs::create_dir_all(scratch.place.static_link.clone()).expect("static as a folder");
    let conflicts = scratch.check(&links(&[])).expect_err("static is a folder");
    assert_eq!(conflicts.len(), 1);
    assert!(matches!(conflicts[0].wanted_by, Wanted::StaticLink));

    let scratch = Scratch::new();
    std::fs::create_dir_all(scratch.path(".local/state")).expect("state home");
    std::fs::write(&scratch.place.state, "").expect("state as a file");
    let conflicts = scratch.check(&links(&[])).expect_err("state is a file");
    assert!(matches!(conflicts[0].wanted_by, Wanted::StateDir));
}

#[test]
fn exec_nodes_need_no_check() {
    let scratch = Scratch::new();
    let mut plan = links(&[]);
    plan.nodes.push(Node {
        id: "run".into(),
        declared_by: "am.nodes.run".into(),
        required: true,
        after: vec![],
        kind: Kind::Exec(Exec {
            argv: vec!["true".into()],
            env: vec![],
            cwd: None,
            timeout: None,
            when_changed: vec![],
        }),
    });
    let checked = scratch.check(&plan).expect("no conflicts");
    assert!(checked.links.is_empty());
}

#[test]
fn each_missing_folder_is_created_by_the_first_node_needing_it() {
    let scratch = Scratch::new();
    std::fs::create_dir_all(scratch.path(".config")).expect("folder");
    let plan = links(&[".config/a/b/x", ".config/a/b/y", ".config/a/c/z", ".config/d", "e/f"]);
    let checked = scratch.check(&plan).expect("no conflicts");
    let dirs = |index: u32| -> Vec<PathBuf> {
        let step = checked.links.get(&index).expect("a step");
        assert_eq!(step.action, LinkAction::Create, "node {index}");
        step.missing_dirs.clone()
    };
    assert_eq!(dirs(0), [scratch.path(".config/a"), scratch.path(".config/a/b")]);
    assert_eq!(dirs(1), Vec::<PathBuf>::new(), "made by node 0");
    assert_eq!(dirs(2), [scratch.path(".config/a/c")], ".config/a is made by node 0");
    assert_eq!(action(&checked, 3), Some(&LinkAction::Create));
    assert_eq!(dirs(4), [scratch.path("e")]);
}
