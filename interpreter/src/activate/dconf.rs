//! dconf keys through the real `dconf` command: a node's keys are written in
//! one `dconf load /` batch, keys a previous generation set and this one
//! dropped are reset, and every change is journaled with the value it had
//! before, so that a rollback writes the old values back.
//!
//! Reading (`dconf dump /`) needs no D-Bus; writing talks to `dconf-service`
//! over the session bus. Without one (`DBUS_SESSION_BUS_ADDRESS` unset, as in
//! a TTY or an SSH session), each writing command runs under
//! `dbus-run-session`, which starts a private bus just for it.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use am_schema::state::{DconfPrevious, DconfRecord, Generation, JournalEntry};
use am_schema::{DconfKey, Kind, Node};

use super::backend::Backend;
use super::{Failure, NodeOutcome};

/// dconf as the engine uses it: read every key, write keys in one batch,
/// reset one. The real one is [`Client`]; tests may pass another.
pub trait Dconf: Sync + std::fmt::Debug {
    /// Every key dconf holds, by absolute path, with its value's text.
    fn dump(&self) -> io::Result<HashMap<String, String>>;
    /// Writes keys (absolute path, GVariant text) in one batch, which
    /// checks every value before writing any.
    fn load(&self, keys: &[(&str, &str)]) -> io::Result<()>;
    fn reset(&self, path: &str) -> io::Result<()>;
    /// Whether writes go through a private session bus (for the report).
    fn private_bus(&self) -> bool;
}

/// How `dconf` is run: directly, or inside a private session bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// No session bus is reachable: writes go through `dbus-run-session`.
    pub private_bus: bool,
}

impl Client {
    pub fn from_env() -> Client {
        let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS");
        Client { private_bus: bus.is_none_or(|address| address.is_empty()) }
    }

    /// Runs a writing dconf command, one at a time in this process: two
    /// private buses would mean two `dconf-service`s, each writing the whole
    /// database from what it read at start, so one could undo the other.
    fn write(&self, args: &[&str], stdin: Option<&str>) -> io::Result<std::process::Output> {
        static WRITING: Mutex<()> = Mutex::new(());
        let _one_at_a_time = WRITING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut child = self
            .writer(args)
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| spawn_error(self.program(), error))?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes())?;
        }
        child.wait_with_output()
    }

    fn writer(&self, args: &[&str]) -> Command {
        let mut command = if self.private_bus {
            let mut command = Command::new("dbus-run-session");
            command.args(["--", "dconf"]);
            command
        } else {
            Command::new("dconf")
        };
        command.args(args);
        command
    }

    fn program(&self) -> &'static str {
        if self.private_bus { "dbus-run-session" } else { "dconf" }
    }
}

impl Dconf for Client {
    fn dump(&self) -> io::Result<HashMap<String, String>> {
        let output = Command::new("dconf").args(["dump", "/"]).stdin(Stdio::null()).output();
        let output = output.map_err(|error| spawn_error("dconf", error))?;
        if !output.status.success() {
            return Err(failed("dconf dump /", &output.stderr));
        }
        Ok(parse_dump(&String::from_utf8_lossy(&output.stdout)))
    }

    fn load(&self, keys: &[(&str, &str)]) -> io::Result<()> {
        let output = self.write(&["load", "/"], Some(&keyfile(keys.iter().copied())))?;
        if output.status.success() { Ok(()) } else { Err(failed("dconf load /", &output.stderr)) }
    }

    fn reset(&self, path: &str) -> io::Result<()> {
        let output = self.write(&["reset", path], None)?;
        if output.status.success() {
            Ok(())
        } else {
            Err(failed(&format!("dconf reset {path}"), &output.stderr))
        }
    }

    fn private_bus(&self) -> bool {
        self.private_bus
    }
}

fn spawn_error(program: &str, error: io::Error) -> io::Error {
    let hint = if program == "dconf" { "dconf-cli" } else { "dbus" };
    io::Error::new(error.kind(), format!("could not run {program} ({error}); is {hint} installed?"))
}

/// A failed dconf command, with what it said. `dbus-daemon` adds its own
/// chatter to a private bus's stderr; only dconf's lines are kept.
fn failed(command: &str, stderr: &[u8]) -> io::Error {
    let text = String::from_utf8_lossy(stderr);
    let said: Vec<&str> =
        text.lines().filter(|line| !line.starts_with("dbus-daemon[")).map(str::trim).collect();
    io::Error::other(format!("{command} failed: {}", said.join("; ")))
}

/// `dconf dump /` output (a key file) as path -> value. The root folder's
/// group is `[/]`; every other group is a path without its slashes.
fn parse_dump(text: &str) -> HashMap<String, String> {
    let mut keys = HashMap::new();
    let mut dir = String::new();
    for line in text.lines() {
        if let Some(group) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            dir = if group == "/" { String::new() } else { format!("{group}/") };
        } else if let Some((key, value)) = line.split_once('=') {
            keys.insert(format!("/{dir}{key}"), value.to_string());
        }
    }
    keys
}

/// The key file `dconf load /` reads: one group per folder.
fn keyfile<'a>(keys: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut groups: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (path, value) in keys {
        let (dir, key) = split(path);
        groups.entry(dir).or_default().push((key, value));
    }
    let mut text = String::new();
    for (dir, keys) in groups {
        text.push_str(&format!("[{}]\n", if dir.is_empty() { "/" } else { dir }));
        for (key, value) in keys {
            text.push_str(&format!("{key}={value}\n"));
        }
    }
    text
}

/// `/a/b/key` into (`a/b`, `key`).
fn split(path: &str) -> (&str, &str) {
    let path = path.strip_prefix('/').unwrap_or(path);
    path.rsplit_once('/').unwrap_or(("", path))
}

/// Every dconf key of the plan's nodes.
pub fn planned(nodes: &[Node]) -> Vec<&DconfKey> {
    nodes
        .iter()
        .filter_map(|node| match &node.kind {
            Kind::Dconf(dconf) => Some(&dconf.keys),
            _ => None,
        })
        .flatten()
        .collect()
}

/// What a dconf node did.
#[derive(Debug)]
pub struct Applied {
    /// The keys written, by path; empty when every key already had its value.
    pub written: Vec<String>,
    /// Whether dconf ran inside a private session bus.
    pub private_bus: bool,
    /// What the generation records for the node's keys.
    pub records: Vec<DconfRecord>,
}

/// Writes the keys of one node that do not already hold what the previous
/// generation wrote for them.
pub fn apply(
    client: &dyn Dconf,
    keys: &[DconfKey],
    previous: Option<&Generation>,
    backend: &impl Backend,
) -> NodeOutcome {
    match apply_with(client, keys, previous, backend) {
        Ok(applied) => NodeOutcome::Dconf(applied),
        Err(error) => NodeOutcome::Failed(Failure::Dconf { error }),
    }
}

fn apply_with(
    client: &dyn Dconf,
    keys: &[DconfKey],
    previous: Option<&Generation>,
    backend: &impl Backend,
) -> io::Result<Applied> {
    let before = client.dump()?;
    let recorded: HashMap<&str, &DconfRecord> = previous
        .map(|p| p.dconf.iter().map(|record| (record.path.as_str(), record)).collect())
        .unwrap_or_default();
    let paths: Vec<String> = keys.iter().map(DconfKey::path).collect();
    // A key is current when this value was written before and dconf still
    // shows what it showed right after; dconf's spelling of a value (`uint32
    // 5`) differs from the plan's (`@u 5`), so the two are never compared.
    let stale: Vec<(&str, &str)> = keys
        .iter()
        .zip(&paths)
        .filter(|(key, path)| {
            !recorded.get(path.as_str()).is_some_and(|record| {
                record.value == key.value && before.get(*path) == Some(&record.written)
            })
        })
        .map(|(key, path)| (path.as_str(), key.value.as_str()))
        .collect();
    if !stale.is_empty() {
        let changes = stale
            .iter()
            .map(|(path, _)| DconfPrevious {
                path: path.to_string(),
                value: before.get(*path).cloned(),
            })
            .collect();
        backend.record(vec![JournalEntry::DconfChanged { changes }])?;
        backend.dconf_load(client, &stale)?;
    }
    let after = if stale.is_empty() { before } else { client.dump()? };
    let records = keys
        .iter()
        .zip(&paths)
        .map(|(key, path)| DconfRecord {
            path: path.clone(),
            value: key.value.clone(),
            written: after.get(path).cloned().unwrap_or_default(),
        })
        .collect();
    let written = stale.iter().map(|(path, _)| path.to_string()).collect();
    Ok(Applied { written, private_bus: client.private_bus(), records })
}

/// Resets the keys the previous generation set and `kept` does not hold,
/// journaling their values first. Returns the keys reset.
pub fn reset_dropped(
    client: &dyn Dconf,
    previous: Option<&Generation>,
    kept: &[&DconfKey],
    backend: &impl Backend,
) -> io::Result<Vec<String>> {
    let Some(previous) = previous else { return Ok(Vec::new()) };
    let kept: Vec<String> = kept.iter().map(|key| key.path()).collect();
    let dropped: Vec<&str> = previous
        .dconf
        .iter()
        .map(|record| record.path.as_str())
        .filter(|path| !kept.iter().any(|k| k == path))
        .collect();
    if dropped.is_empty() {
        return Ok(Vec::new());
    }
    let before = client.dump()?;
    let changes = dropped
        .iter()
        .map(|path| DconfPrevious { path: path.to_string(), value: before.get(*path).cloned() })
        .collect();
    backend.record(vec![JournalEntry::DconfChanged { changes }])?;
    for path in &dropped {
        backend.dconf_reset(client, path)?;
    }
    Ok(dropped.into_iter().map(str::to_string).collect())
}

/// Puts keys back the way a journal entry found them: the undo of
/// [`apply`] and [`reset_dropped`]. Writing a value twice is harmless, so
/// this may run again after a crash during recovery.
pub fn restore(client: &dyn Dconf, changes: &[DconfPrevious]) -> io::Result<()> {
    let values: Vec<(&str, &str)> = changes
        .iter()
        .filter_map(|change| Some((change.path.as_str(), change.value.as_deref()?)))
        .collect();
    if !values.is_empty() {
        client.load(&values)?;
    }
    for change in changes.iter().filter(|change| change.value.is_none()) {
        client.reset(&change.path)?;
    }
    Ok(())
}

/// The generation's dconf records: those the nodes reported, and for keys of
/// nodes that did not run (failed or skipped optional ones) what the
/// previous generation recorded, so that a later generation still resets
/// them. Sorted by path.
pub fn records(
    mut records: Vec<DconfRecord>,
    planned: &[&DconfKey],
    previous: Option<&Generation>,
) -> Vec<DconfRecord> {
    if let Some(previous) = previous {
        let reported: Vec<String> = records.iter().map(|r| r.path.clone()).collect();
        let missing = previous.dconf.iter().filter(|record| {
            planned.iter().any(|key| key.path() == record.path) && !reported.contains(&record.path)
        });
        records.extend(missing.cloned());
    }
    records.sort_by(|a, b| a.path.cmp(&b.path));
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dump_is_read_into_paths() {
        let dump = "[/]\ntop=1\n\n[org/gnome/desktop/interface]\ncolor-scheme='prefer-dark'\n\
                    text-scaling-factor=1.25\n";
        let keys = parse_dump(dump);
        assert_eq!(keys.get("/top").map(String::as_str), Some("1"));
        assert_eq!(
            keys.get("/org/gnome/desktop/interface/color-scheme").map(String::as_str),
            Some("'prefer-dark'")
        );
        assert_eq!(keys.len(), 3);
    }

    #[test]
    fn a_keyfile_groups_keys_by_folder() {
        let keys = [("/org/a/x", "1"), ("/org/b/y", "'b'"), ("/org/a/z", "@u 2")];
        assert_eq!(keyfile(keys), "[org/a]\nx=1\nz=@u 2\n[org/b]\ny='b'\n");
    }

    fn record(path: &str, value: &str) -> DconfRecord {
        DconfRecord { path: path.into(), value: value.into(), written: value.into() }
    }

    fn generation(dconf: Vec<DconfRecord>) -> Generation {
        Generation {
            number: 1,
            bundle: "/nix/store/x-home-bundle".into(),
            activated_at: 0,
            owned: Vec::new(),
            created_dirs: Vec::new(),
            dconf,
            units: Vec::new(),
            profile: None,
            accounts: Default::default(),
        }
    }

    fn key(dir: &str, key: &str, value: &str) -> DconfKey {
        DconfKey { dir: dir.into(), key: key.into(), value: value.into() }
    }

    #[test]
    fn keys_of_a_node_that_did_not_run_keep_their_records() {
        let previous = generation(vec![record("/org/a/x", "1"), record("/org/b/y", "2")]);
        let (x, y) = (key("org/a", "x", "1"), key("org/b", "y", "3"));
        // Only the node of `x` ran; `y`'s failed, so `y` still holds what
        // the previous generation wrote, and must be reset when dropped.
        let dconf = records(vec![record("/org/a/x", "1")], &[&x, &y], Some(&previous));
        assert_eq!(dconf, [record("/org/a/x", "1"), record("/org/b/y", "2")]);
    }

    #[test]
    fn dbus_chatter_is_left_out_of_errors() {
        let stderr = b"dbus-daemon[9]: [session uid=0 pid=9] Activating service\n\
                       error: [org/a]: bad: invalid value\n";
        let error = failed("dconf load /", stderr);
        assert_eq!(error.to_string(), "dconf load / failed: error: [org/a]: bad: invalid value");
    }
}
