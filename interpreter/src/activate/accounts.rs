//! A system's users and groups: the `accounts` node creates the missing ones
//! with the distribution's `groupadd` and `useradd` (`--root` for a tree
//! under `--root`), leaves existing ones as they are (a difference is
//! reported), and locks (`usermod --lock --expiredate 1`) the users an
//! earlier activation created and the configuration dropped: never deletes
//! them, nor what they own. Supplementary groups (`extraGroups`, a group's
//! `members`) are joined with `gpasswd --add`, and left with
//! `gpasswd --delete` once dropped, only where an activation added them.
//! Each creation, lock and membership change is journaled first; undoing
//! deletes a user or group the failed activation created (it owns nothing
//! yet) and reverses a lock or a membership change.
//!
//! The names of the system's users and groups are read from its own
//! `passwd` and `group` files, which also resolve the owners of copies.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use am_schema::state::{AccountsRecord, Generation, JournalEntry, Membership};
use am_schema::{Accounts, Kind, UserAccount};

use super::backend::Backend;
use super::exec::{ExecSpec, run_captured};
use super::{Failure, NodeOutcome, Request, Summary};
use crate::place::Place;
use crate::state::StateDir;

/// A user or group as the system's files have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdUser {
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
}

/// The users and groups of one system, by name.
#[derive(Debug, Default)]
pub struct Database {
    pub users: HashMap<String, PasswdUser>,
    pub groups: HashMap<String, u32>,
    /// The supplementary members of each group, as `group` lists them.
    pub members: HashMap<String, Vec<String>>,
}

impl Database {
    /// Reads `<etc>/passwd` and `<etc>/group`; a missing file is empty.
    pub fn read(etc: &Path) -> io::Result<Database> {
        let mut database = Database::default();
        for fields in records(&etc.join("passwd"))? {
            if let [name, _, uid, gid, _, home, shell, ..] = fields.as_slice()
                && let (Ok(uid), Ok(gid)) = (uid.parse(), gid.parse())
            {
                let (home, shell) = (home.to_string(), shell.to_string());
                database.users.insert(name.to_string(), PasswdUser { uid, gid, home, shell });
            }
        }
        for fields in records(&etc.join("group"))? {
            if let [name, _, gid, rest @ ..] = fields.as_slice()
                && let Ok(gid) = gid.parse()
            {
                database.groups.insert(name.to_string(), gid);
                let members = rest.first().map(|list| list.split(',').filter(|m| !m.is_empty()));
                let members = members.into_iter().flatten().map(str::to_string).collect();
                database.members.insert(name.to_string(), members);
            }
        }
        Ok(database)
    }

    /// Whether `user` is in `group`, as a listed member or by its primary
    /// group.
    fn is_member(&self, membership: &Membership) -> bool {
        let Membership { user, group } = membership;
        let listed = self.members.get(group).is_some_and(|members| members.contains(user));
        let primary = self.users.get(user).map(|found| found.gid);
        listed || primary.is_some_and(|gid| self.groups.get(group) == Some(&gid))
    }

    /// The id of a user (`group` false) or group given as a name or as
    /// `+<id>`.
    pub fn id(&self, name: &str, group: bool) -> Option<u32> {
        if let Some(number) = name.strip_prefix('+') {
            return number.parse().ok();
        }
        match group {
            true => self.groups.get(name).copied(),
            false => self.users.get(name).map(|user| user.uid),
        }
    }
}

/// The lines of a colon-separated file, split.
fn records(path: &Path) -> io::Result<Vec<Vec<String>>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let lines = text.lines().filter(|line| !line.starts_with('#') && !line.is_empty());
    Ok(lines.map(|line| line.split(':').map(str::to_string).collect()).collect())
}

/// What the accounts node did.
#[derive(Debug, Default)]
pub struct Applied {
    /// `group web`, `user web`, in the order they were created.
    pub created: Vec<String>,
    pub locked: Vec<String>,
    pub unlocked: Vec<String>,
    /// `jane to group web`, `jane from group web`.
    pub joined: Vec<String>,
    pub left: Vec<String>,
    /// Existing users that differ from the configuration, which were left
    /// as they are: `web: shell /bin/sh, not /run/current-system/sw/bin/nologin`.
    pub differences: Vec<String>,
    pub record: AccountsRecord,
}

/// The accounts node: creates what is missing, locks what was dropped.
pub fn apply(
    accounts: &Accounts,
    node: &str,
    place: &Place,
    previous: Option<&Generation>,
    backend: &impl Backend,
) -> NodeOutcome {
    match apply_with(accounts, node, place, previous, backend) {
        Ok(applied) => NodeOutcome::Accounts(applied),
        Err(failure) => NodeOutcome::Failed(failure),
    }
}

fn apply_with(
    accounts: &Accounts,
    node: &str,
    place: &Place,
    previous: Option<&Generation>,
    backend: &impl Backend,
) -> Result<Applied, Failure> {
    let database = read_database(place)?;
    let before = kept(previous, place);
    let run = Run { node, root: root_of(place), backend };
    let mut applied = Applied::default();
    let mut created_groups: BTreeSet<String> = before.groups.iter().cloned().collect();
    let mut created_users: BTreeSet<String> = before.users.iter().cloned().collect();
    let mut locked: BTreeSet<String> = before.locked.iter().cloned().collect();

    for group in accounts.groups.iter().filter(|group| !database.groups.contains_key(&group.name)) {
        let mut args = vec!["groupadd".to_string()];
        match group.gid {
            Some(gid) => args.extend(["--gid".into(), gid.to_string()]),
            None => args.push("--system".into()),
        }
        args.push(group.name.clone());
        run.create(args, &group.name, true)?;
        applied.created.push(format!("group {}", group.name));
        created_groups.insert(group.name.clone());
    }
    for user in &accounts.users {
        match database.users.get(&user.name) {
            None => {
                run.create(useradd(user), &user.name, false)?;
                applied.created.push(format!("user {}", user.name));
                created_users.insert(user.name.clone());
            }
            Some(found) => applied.differences.extend(differences(user, found, &database)),
        }
        if locked.remove(&user.name) {
            run.lock(&user.name, false)?;
            applied.unlocked.push(user.name.clone());
        }
    }
    let configured: BTreeSet<&str> = accounts.users.iter().map(|user| user.name.as_str()).collect();
    for name in created_users.iter().filter(|name| !configured.contains(name.as_str())) {
        if !locked.contains(name) && database.users.contains_key(name) {
            run.lock(name, true)?;
            applied.locked.push(name.clone());
            locked.insert(name.clone());
        }
    }
    let joined = memberships(accounts, &run, place, &before, &mut applied)?;
    applied.record = AccountsRecord {
        users: created_users.into_iter().collect(),
        groups: created_groups.into_iter().collect(),
        locked: locked.into_iter().collect(),
        joined: joined.into_iter().collect(),
    };
    Ok(applied)
}

/// Joins the supplementary groups the configuration lists and leaves those
/// it dropped that an activation had joined. Gives the memberships that are
/// now `am`'s: those it added, and those `useradd --groups` made for the
/// users created in this run. One the machine had already stays the
/// machine's: it is never removed.
fn memberships<B: Backend>(
    accounts: &Accounts,
    run: &Run<B>,
    place: &Place,
    before: &AccountsRecord,
    applied: &mut Applied,
) -> Result<BTreeSet<Membership>, Failure> {
    // Read again: the accounts made above are in the files now.
    let database = read_database(place)?;
    let of = |user: &str, group: &str| Membership { user: user.into(), group: group.into() };
    let wanted: BTreeSet<Membership> = accounts
        .users
        .iter()
        .flat_map(|user| user.extra_groups.iter().map(|group| of(&user.name, group)))
        .chain(
            accounts
                .groups
                .iter()
                .flat_map(|group| group.members.iter().map(|user| of(user, &group.name))),
        )
        .collect();
    let created_now: BTreeSet<&str> =
        applied.created.iter().filter_map(|created| created.strip_prefix("user ")).collect();
    let mut joined = BTreeSet::new();
    for membership in &wanted {
        let Membership { user, group } = membership;
        if !database.users.contains_key(user) {
            applied
                .differences
                .push(format!("group {group} lists {user}, an account this system does not have"));
            continue;
        }
        if database.is_member(membership) {
            if created_now.contains(user.as_str()) || before.joined.contains(membership) {
                joined.insert(membership.clone());
            }
            continue;
        }
        run.membership(membership, true)?;
        applied.joined.push(format!("{user} to group {group}"));
        joined.insert(membership.clone());
    }
    for membership in before.joined.iter().filter(|joined| !wanted.contains(joined)) {
        let Membership { user, group } = membership;
        let listed = database.members.get(group).is_some_and(|members| members.contains(user));
        if listed {
            run.membership(membership, false)?;
            applied.left.push(format!("{user} from group {group}"));
        }
    }
    Ok(joined)
}

fn read_database(place: &Place) -> Result<Database, Failure> {
    Database::read(&place.dir).map_err(|error| Failure::Accounts {
        command: format!("read {}", place.dir.join("passwd").display()),
        error: error.to_string(),
    })
}

/// Locks the users a previous generation created, and leaves the groups it
/// joined, when the new plan has no accounts node at all (the
/// configuration dropped every user, or this is a deactivation). A failure
/// is a warning: the users stay as they were, and the next run tries again.
pub fn lock_dropped(request: &Request, backend: &impl Backend, summary: &mut Summary) {
    let has_node = request.plan.nodes.iter().any(|node| matches!(node.kind, Kind::Accounts(_)));
    let before = kept(request.previous, request.place);
    if has_node || (before.users.len() == before.locked.len() && before.joined.is_empty()) {
        return;
    }
    let accounts = Accounts { groups: Vec::new(), users: Vec::new() };
    match apply_with(&accounts, "accounts", request.place, request.previous, backend) {
        Ok(applied) => {
            summary.locked_users.extend(applied.locked);
            summary.left_groups.extend(applied.left);
            summary.accounts = Some(applied.record);
        }
        Err(Failure::Accounts { command, error }) => {
            summary.warnings.push(format!(
                "could not lock a dropped user or leave a group: {command}: {error}"
            ));
        }
        Err(_) => {}
    }
}

/// The record a run starts from, and a generation keeps when no accounts
/// node ran: the previous generation's. With none, the place was
/// deactivated (or never activated): deactivating locked every user the
/// newest generation had created and recorded that nowhere, so they count
/// as created and locked, and a configuration that has them again unlocks
/// them (instead of leaving its own service accounts locked).
pub fn kept(previous: Option<&Generation>, place: &Place) -> AccountsRecord {
    if let Some(previous) = previous {
        return previous.accounts.clone();
    }
    let state = StateDir::new(place.state.clone());
    let newest = state.numbers().ok().and_then(|numbers| numbers.last().copied());
    match newest.and_then(|number| state.read(number).ok()) {
        Some(deactivated) => {
            let AccountsRecord { users, groups, .. } = deactivated.accounts;
            AccountsRecord { locked: users.clone(), users, groups, joined: Vec::new() }
        }
        None => AccountsRecord::default(),
    }
}

/// A system tree under `--root` is changed with `--root`; the running one
/// is not.
fn root_of(place: &Place) -> Option<PathBuf> {
    place.root.clone().filter(|_| place.is_offline())
}

fn useradd(user: &UserAccount) -> Vec<String> {
    let mut args = vec!["useradd".to_string()];
    if let Some(uid) = user.uid {
        args.extend(["--uid".into(), uid.to_string()]);
    }
    if user.system {
        args.push("--system".into());
    }
    args.extend(["--gid".into(), user.group.clone()]);
    if !user.extra_groups.is_empty() {
        args.extend(["--groups".into(), user.extra_groups.join(",")]);
    }
    args.extend(["--home-dir".into(), user.home.clone()]);
    args.push(if user.create_home { "--create-home" } else { "--no-create-home" }.into());
    if let Some(shell) = &user.shell {
        args.extend(["--shell".into(), shell.clone()]);
    }
    args.extend(["--comment".into(), user.description.clone(), user.name.clone()]);
    args
}

/// How an existing user differs from its configuration.
fn differences(user: &UserAccount, found: &PasswdUser, database: &Database) -> Vec<String> {
    let mut differences = Vec::new();
    let name = &user.name;
    if database.groups.get(&user.group).is_some_and(|&gid| gid != found.gid) {
        differences.push(format!("{name}: its group is not {}", user.group));
    }
    if user.uid.is_some_and(|uid| uid != found.uid) {
        differences.push(format!(
            "{name}: uid {}, not {}",
            found.uid,
            user.uid.unwrap_or_default()
        ));
    }
    if found.home != user.home {
        differences.push(format!("{name}: home {}, not {}", found.home, user.home));
    }
    if let Some(shell) = user.shell.as_ref().filter(|shell| **shell != found.shell) {
        differences.push(format!("{name}: shell {}, not {shell}", found.shell));
    }
    differences
}

/// Runs the account commands of one node, journaling each first.
struct Run<'a, B> {
    node: &'a str,
    root: Option<PathBuf>,
    backend: &'a B,
}

impl<B: Backend> Run<'_, B> {
    fn create(&self, args: Vec<String>, name: &str, group: bool) -> Result<(), Failure> {
        let entry =
            JournalEntry::AccountCreated { root: self.root_text(), group, name: name.into() };
        self.command(args, entry)
    }

    fn lock(&self, name: &str, locked: bool) -> Result<(), Failure> {
        let entry =
            JournalEntry::AccountLocked { root: self.root_text(), name: name.into(), locked };
        self.command(lock_args(name, locked), entry)
    }

    fn membership(&self, membership: &Membership, joined: bool) -> Result<(), Failure> {
        let Membership { user, group } = membership;
        let entry = JournalEntry::GroupMembership {
            root: self.root_text(),
            user: user.clone(),
            group: group.clone(),
            joined,
        };
        self.command(gpasswd_args(membership, joined), entry)
    }

    fn root_text(&self) -> String {
        self.root.as_deref().unwrap_or(Path::new("/")).to_string_lossy().into_owned()
    }

    fn command(&self, mut args: Vec<String>, entry: JournalEntry) -> Result<(), Failure> {
        if let Some(root) = &self.root {
            args.insert(1, "--root".into());
            args.insert(2, root.to_string_lossy().into_owned());
        }
        let line = crate::quote::shell_line(args.iter().map(String::as_str));
        let failed = |error: String| Failure::Accounts { command: line.clone(), error };
        self.backend.record(vec![entry]).map_err(|error| failed(error.to_string()))?;
        let captured = self
            .backend
            .run(self.node, &journaled(args), &|_| {})
            .map_err(|error| failed(error.to_string()))?;
        if captured.status.success() {
            Ok(())
        } else {
            Err(failed(String::from_utf8_lossy(&captured.output).trim().to_string()))
        }
    }
}

/// `usermod` locking or unlocking a user (also its password's expiry, so
/// that no login method works while locked).
fn lock_args(name: &str, locked: bool) -> Vec<String> {
    let (flag, expiry) = if locked { ("--lock", "1") } else { ("--unlock", "") };
    ["usermod", flag, "--expiredate", expiry, name].map(str::to_string).to_vec()
}

/// `gpasswd` adding `user` to `group` (`joined`) or removing it. Its
/// `--root` goes first, like the other tools'.
fn gpasswd_args(membership: &Membership, joined: bool) -> Vec<String> {
    let flag = if joined { "--add" } else { "--delete" };
    let Membership { user, group } = membership;
    ["gpasswd", flag, user, group].map(str::to_string).to_vec()
}

/// Undoes a journaled account change: deletes what was created, reverses a
/// lock or a membership change. The command's own checks make this idempotent enough: deleting a
/// user that is not there fails, and is then no problem.
pub fn undo(entry: &JournalEntry) -> io::Result<()> {
    let root = match entry {
        JournalEntry::AccountCreated { root, .. }
        | JournalEntry::AccountLocked { root, .. }
        | JournalEntry::GroupMembership { root, .. } => root,
        _ => return Ok(()),
    };
    let database = Database::read(&Path::new(root).join("etc"))?;
    // Only what is there is reversed: a change that never happened (or
    // was undone before a crash) is no problem.
    let mut args = match entry {
        JournalEntry::AccountCreated { group: true, name, .. } => {
            database.groups.contains_key(name).then(|| vec!["groupdel".to_string(), name.clone()])
        }
        JournalEntry::AccountCreated { group: false, name, .. } => {
            database.users.contains_key(name).then(|| vec!["userdel".to_string(), name.clone()])
        }
        JournalEntry::AccountLocked { name, locked, .. } => {
            database.users.contains_key(name).then(|| lock_args(name, !locked))
        }
        JournalEntry::GroupMembership { user, group, joined, .. } => {
            let membership = Membership { user: user.clone(), group: group.clone() };
            (database.is_member(&membership) == *joined).then(|| gpasswd_args(&membership, !joined))
        }
        _ => None,
    }
    .unwrap_or_default();
    if args.is_empty() {
        return Ok(());
    }
    if root != "/" {
        args.insert(1, "--root".into());
        args.insert(2, root.clone());
    }
    // Journaled like the forward command: a recovery killed while it runs
    // leaves it to finish before the next recovery undoes again.
    let line = args.join(" ");
    let captured = run_captured(&journaled(args), &|_| {})?;
    if captured.status.success() {
        Ok(())
    } else {
        let output = String::from_utf8_lossy(&captured.output);
        Err(io::Error::other(format!("{line} failed: {}", output.trim())))
    }
}

/// An account command, which changes what the journal records.
fn journaled(args: Vec<String>) -> ExecSpec {
    ExecSpec { journaled: true, ..ExecSpec::command(args, Path::new("/")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_and_group_are_read_by_name() {
        let dir = std::env::temp_dir().join(format!("am-accounts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(
            dir.join("passwd"),
            "root:x:0:0:root:/root:/bin/bash\nweb:x:990:985::/var/www:/usr/sbin/nologin\n",
        )
        .expect("passwd");
        std::fs::write(dir.join("group"), "root:x:0:\nweb:x:985:\n").expect("group");
        let database = Database::read(&dir).expect("read");
        assert_eq!(database.id("web", false), Some(990));
        assert_eq!(database.id("web", true), Some(985));
        assert_eq!(database.id("+33", true), Some(33));
        assert_eq!(database.id("nobody", false), None);
        assert_eq!(database.users["web"].home, "/var/www");
        let _ = std::fs::remove_dir_all(dir);
    }
}
