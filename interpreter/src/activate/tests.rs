//! Engine tests with a backend that records changes instead of making them:
//! the home is a path that does not exist, so the pre-check finds nothing and
//! the engine's decisions are all that is tested.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::sync::Mutex;

use am_schema::{Exec, Kind, Link, Plan};

use super::backend::{Begin, Expect, MoveReason};
use super::copy::CopyFrom;
use super::exec::{Captured, ExecSpec};
use super::*;

/// A backend that only records what it is asked to do. A command succeeds
/// unless its program is `fail`.
#[derive(Debug, Default)]
struct Recorder {
    calls: Mutex<Vec<String>>,
}

impl Recorder {
    fn record(&self, call: String) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(call);
        }
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|calls| calls.clone()).unwrap_or_default()
    }
}

impl Backend for Recorder {
    fn begin(&self, begin: Begin) -> io::Result<()> {
        self.record(format!("begin {}", begin.number));
        Ok(())
    }

    fn record(&self, _entries: Vec<JournalEntry>) -> io::Result<()> {
        Ok(())
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        self.record(format!("mkdir {}", path.display()));
        Ok(())
    }

    fn create_symlink(&self, content: &Path, path: &Path) -> io::Result<()> {
        self.record(format!("create {} -> {}", path.display(), content.display()));
        Ok(())
    }

    fn replace_symlink(
        &self,
        content: &Path,
        path: &Path,
        _previous: &Path,
        _temp: &Path,
    ) -> io::Result<bool> {
        self.record(format!("replace {} -> {}", path.display(), content.display()));
        Ok(true)
    }

    fn remove_symlink(&self, path: &Path, _content: &Path, _aside: &Path) -> io::Result<bool> {
        self.record(format!("remove {}", path.display()));
        Ok(true)
    }

    fn rename(
        &self,
        from: &Path,
        to: &Path,
        _why: MoveReason,
        _expect: &Expect,
    ) -> io::Result<bool> {
        self.record(format!("move {} {}", from.display(), to.display()));
        Ok(true)
    }

    fn write_copy(
        &self,
        _from: &CopyFrom,
        path: &Path,
        _temp: &Path,
        mode: u32,
        _owner: super::copy::Ids,
    ) -> io::Result<()> {
        self.record(format!("copy {} {mode:o}", path.display()));
        Ok(())
    }

    fn dconf_load(&self, client: &dyn dconf::Dconf, keys: &[(&str, &str)]) -> io::Result<()> {
        self.record(format!("dconf load {keys:?}"));
        client.load(keys)
    }

    fn dconf_reset(&self, _client: &dyn dconf::Dconf, path: &str) -> io::Result<()> {
        self.record(format!("dconf reset {path}"));
        Ok(())
    }

    fn unit_change(
        &self,
        _manager: &dyn systemd::UnitManager,
        change: &systemd::UnitChange,
    ) -> io::Result<systemd::Ran> {
        self.record(format!("systemctl {}", change.args().join(" ")));
        Ok(systemd::Ran { success: true, output: String::new() })
    }

    fn profile_switch(
        &self,
        switch: &super::profile::Switch,
    ) -> io::Result<Result<(), super::profile::NixFailed>> {
        self.record(format!("profile {}", switch.profile.display()));
        Ok(Ok(()))
    }

    fn remove_dir_if_empty(&self, path: &Path) -> bool {
        self.record(format!("rmdir {}", path.display()));
        true
    }

    fn run(&self, _node: &str, spec: &ExecSpec, _output: &dyn Fn(&[u8])) -> io::Result<Captured> {
        self.record(format!("run {}", spec.program.display()));
        let code = if spec.program == Path::new("fail") { 1 } else { 0 };
        Ok(Captured {
            status: ExitStatus::from_raw(code << 8),
            output: b"out\n".to_vec(),
            timed_out: false,
        })
    }

    fn commit(&self, commit: Commit) -> io::Result<Vec<String>> {
        self.record(format!("commit {:?}", commit.current));
        Ok(Vec::new())
    }

    fn rollback(&self, _dconf: &dyn dconf::Dconf) -> Vec<UndoProblem> {
        self.record("rollback".into());
        Vec::new()
    }
}

/// Remembers every reported outcome as `id: kind`.
#[derive(Debug, Default)]
struct Log(Vec<String>);

impl Progress for Log {
    fn layer_done(&mut self, _layer: usize, _took: Duration) {}

    fn node_done(&mut self, node: &Node, outcome: &NodeOutcome, _took: Duration) {
        let what = match outcome {
            NodeOutcome::Linked { .. } => "linked".to_string(),
            NodeOutcome::Ran => "ran".to_string(),
            NodeOutcome::Dconf(_) => "dconf".to_string(),
            NodeOutcome::Units(_) => "units".to_string(),
            NodeOutcome::Profile(_) => "profile".to_string(),
            NodeOutcome::Accounts(_) => "accounts".to_string(),
            NodeOutcome::Tmpfiles { .. } => "tmpfiles".to_string(),
            NodeOutcome::NotNeeded => "not needed".to_string(),
            NodeOutcome::Failed(_) => "failed".to_string(),
            NodeOutcome::Skipped { because } => format!("skipped because of #{because}"),
            NodeOutcome::Lua { created, .. } => format!("created {}", created.join(", ")),
        };
        self.0.push(format!("{}: {what}", node.id));
    }
}

fn exec(id: &str, program: &str, required: bool, after: &[u32]) -> Node {
    Node {
        id: id.into(),
        declared_by: format!("am.nodes.{id}"),
        required,
        after: after.to_vec(),
        kind: Kind::Exec(Exec {
            argv: vec![program.into()],
            env: vec![],
            cwd: None,
            timeout: None,
            when_changed: vec![],
        }),
    }
}

fn link(target: &str) -> Node {
    Node {
        id: format!("file:{target}"),
        declared_by: format!("home.file.\"{target}\""),
        required: true,
        after: vec![],
        kind: Kind::Link(Link { target: target.into(), force: false, source: None }),
    }
}

/// dconf in memory: `dump` shows what `load` wrote, spelled as dconf
/// would (`@u 5` as `uint32 5`).
#[derive(Debug, Default)]
struct FakeDconf {
    keys: Mutex<HashMap<String, String>>,
}

impl dconf::Dconf for FakeDconf {
    fn dump(&self) -> io::Result<HashMap<String, String>> {
        Ok(self.keys.lock().map(|keys| keys.clone()).unwrap_or_default())
    }

    fn load(&self, keys: &[(&str, &str)]) -> io::Result<()> {
        let mut held = self.keys.lock().map_err(|_| io::Error::other("poisoned"))?;
        for (path, value) in keys {
            let shown =
                value.strip_prefix("@u ").map_or(value.to_string(), |n| format!("uint32 {n}"));
            held.insert(path.to_string(), shown);
        }
        Ok(())
    }

    fn reset(&self, path: &str) -> io::Result<()> {
        self.keys.lock().map_err(|_| io::Error::other("poisoned"))?.remove(path);
        Ok(())
    }

    fn private_bus(&self) -> bool {
        false
    }
}

/// A user manager that is not running.
#[derive(Debug)]
struct NoManager;

impl systemd::UnitManager for NoManager {
    fn unavailable(&self) -> Option<String> {
        Some("no user manager in this test".into())
    }

    fn active(&self, units: &[&str]) -> io::Result<Vec<bool>> {
        Ok(vec![false; units.len()])
    }

    fn change(&self, _change: &systemd::UnitChange) -> io::Result<systemd::Ran> {
        Err(io::Error::other("no user manager in this test"))
    }

    fn status(&self, _unit: &str) -> String {
        String::new()
    }
}

fn run(plan: Plan, jobs: usize) -> (Summary, Vec<String>, Vec<String>) {
    run_with(plan, jobs, &FakeDconf::default())
}

fn run_with(plan: Plan, jobs: usize, dconf: &FakeDconf) -> (Summary, Vec<String>, Vec<String>) {
    let root = std::env::temp_dir().join(format!("am-engine-missing-{}", std::process::id()));
    let place = Place::resolve(Some(root.join("home").into()), None).expect("home");
    let bundle = root.join("bundle");
    let request = Request {
        plan: &plan,
        bundle: Some(&bundle),
        place: &place,
        previous: None,
        number: 1,
        permissions: Permissions::default(),
        jobs: NonZeroUsize::new(jobs).unwrap_or(NonZeroUsize::MIN),
        verbose: false,
        dry_run: false,
        outside: Outside { dconf, units: &NoManager },
    };
    let backend = Recorder::default();
    let mut log = Log::default();
    let summary = activate(&request, &backend, &mut log).expect("no conflicts");
    let prefix = root.display().to_string();
    let calls = backend.calls().iter().map(|call| call.replace(&prefix, "$T")).collect();
    (summary, calls, log.0)
}

#[test]
fn state_is_prepared_before_links_are_made() {
    let plan = Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes: vec![link(".a"), link("d/.b")],
        layers: vec![vec![0, 1]],
    };
    let (summary, calls, _) = run(plan, 1);
    assert_eq!(
        calls,
        [
            "begin 1",
            "create $T/home/.local/state/activation-manager/static -> $T/bundle/static",
            "mkdir $T/home/d",
            "create $T/home/.a -> $T/home/.local/state/activation-manager/static/.a",
            "create $T/home/d/.b -> $T/home/.local/state/activation-manager/static/d/.b",
            "commit Some(1)",
        ]
    );
    assert_eq!(summary.links_created, 2);
    assert_eq!(summary.status(), Status::Done);
}

#[test]
fn a_failed_optional_node_skips_its_dependents_and_nothing_else() {
    let plan = Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes: vec![
            exec("flaky", "fail", false, &[]),
            exec("fine", "ok", true, &[]),
            exec("needs-flaky", "ok", true, &[0]),
            exec("needs-fine", "ok", true, &[1]),
            exec("needs-needs-flaky", "ok", true, &[2, 3]),
        ],
        layers: vec![vec![0, 1], vec![2, 3], vec![4]],
    };
    let (summary, calls, mut log) = run(plan, 4);
    log.sort();
    assert_eq!(
        log,
        [
            "fine: ran",
            "flaky: failed",
            "needs-fine: ran",
            "needs-flaky: skipped because of #0",
            "needs-needs-flaky: skipped because of #0",
        ]
    );
    assert_eq!(calls.iter().filter(|call| call.starts_with("run")).count(), 3);
    assert_eq!(summary.status(), Status::Partial);
    assert_eq!((summary.failed_optional.clone(), summary.skipped), (vec![0], 2));
}

#[test]
fn a_failed_required_node_finishes_its_layer_and_stops() {
    let plan = Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes: vec![
            exec("broken", "fail", true, &[]),
            exec("sibling", "ok", true, &[]),
            exec("later", "ok", true, &[]),
            exec("last", "ok", true, &[2]),
        ],
        layers: vec![vec![0, 1], vec![2], vec![3]],
    };
    let (summary, calls, mut log) = run(plan, 2);
    log.sort();
    assert_eq!(log, ["broken: failed", "sibling: ran"]);
    assert_eq!(calls.last().map(String::as_str), Some("rollback"));
    assert!(summary.rolled_back);
    assert_eq!(summary.status(), Status::Failed);
    assert_eq!((summary.failed_required.clone(), summary.not_run), (vec![0], 2));
}

#[test]
fn dconf_keys_go_to_the_client_the_request_carries() {
    let key = |key: &str, value: &str| am_schema::DconfKey {
        dir: "org/test".into(),
        key: key.into(),
        value: value.into(),
    };
    let node = Node {
        id: "dconf".into(),
        declared_by: "dconf.settings".into(),
        required: true,
        after: vec![],
        kind: Kind::Dconf(am_schema::Dconf { keys: vec![key("size", "@u 5"), key("name", "'x'")] }),
    };
    let plan = Plan {
        role: am_schema::Role::Home,
        backup_extension: None,
        home_directory: None,
        nodes: vec![node],
        layers: vec![vec![0]],
    };
    let dconf = FakeDconf::default();
    let (summary, _, log) = run_with(plan, 1, &dconf);
    assert_eq!(log, ["dconf: dconf"]);
    assert_eq!(summary.dconf_written, 2);
    let held = dconf::Dconf::dump(&dconf).expect("dump");
    assert_eq!(held.get("/org/test/size").map(String::as_str), Some("uint32 5"));
    assert_eq!(held.get("/org/test/name").map(String::as_str), Some("'x'"));
}
