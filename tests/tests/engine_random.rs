//! Random sequences of activations (with and without a backup extension),
//! rollbacks and deactivations over random user files (some written where a
//! managed link was) and deleted links, checked after every step against a
//! model: every user file is intact (where it was, or moved aside while its
//! path is managed), every managed target is right, nothing stale remains,
//! and a refused step changed nothing.
//!
//! Some bundles carry a saboteur: a command that runs after the pre-check
//! and before the links (between the engine's steps) and either writes a
//! user file where a link goes, or replaces a folder by a link to a folder
//! outside the place. Whatever the activation then does, that file is
//! intact, nothing appears outside the place, and once the user undoes the
//! sabotage, the next run puts the place exactly where the model says.
//!
//! The same runs against a home and against a system tree under `--root`
//! (targets in `/etc`, the distribution's files playing the user's), whose
//! bundles also have service accounts: each exists once an activation made
//! it, and is locked exactly while the active bundle (if any) lacks it.
//!
//! The seed is printed; `AM_RANDOM_SEED=<n>` replays a run.

use std::collections::{BTreeMap, BTreeSet};

use std::process::Output;

use am_tests::engine::{Bundle, Home, Module, Role, all_output, cached_bundles, nix_str};
use am_tests::place::Place;
use am_tests::rng::{Rng, seed_from_env};
use am_tests::system::Root;
use am_tests::{assert_exit, have_nix};

/// Every path a bundle may manage; none is a folder of another.
const TARGETS: [&str; 15] = [
    ".t0",
    ".t1",
    ".t2",
    "a/t3",
    "a/t4",
    "a/b/t5",
    "a/b/t6",
    "a/b/c/t7",
    "c/t8",
    "c/t9",
    "d/e/t10",
    "d/e/t11",
    ".config/x/t12",
    ".config/x/t13",
    ".config/t14",
];

/// Paths no bundle manages, beside the targets, where user files go too.
const NEIGHBOURS: [&str; 7] =
    [".u0", "a/u1", "a/b/u2", "a/b/c/u3", "d/e/u4", ".config/x/u5", "c/u6"];

const BUNDLES: usize = 6;
const SEQUENCES: u64 = 4;
const STEPS: usize = 50;
const DEFAULT_SEED: u64 = 20_240_917;

/// Folders of the targets, which a saboteur may replace by a link.
const FOLDERS: [&str; 6] = ["a", "a/b", "c", "d/e", ".config", ".config/x"];

/// The service accounts a system bundle may have (`users.users`).
const ACCOUNTS: [&str; 3] = ["svc-0", "svc-1", "svc-2"];

/// What one bundle of the pool manages.
#[derive(Debug, Clone)]
struct Spec {
    files: BTreeMap<&'static str, String>,
    /// `am.backupFileExtension = "bak"` in the bundle itself.
    backup_option: bool,
    sabotage: Option<Sabotage>,
    /// A system bundle's service accounts; none in a home's.
    accounts: BTreeSet<&'static str>,
}

/// What a saboteur command does between the pre-check and the links.
#[derive(Debug, Clone, Copy)]
enum Sabotage {
    /// Puts a user file at this target (removing the link there, if any).
    WriteAt(&'static str),
    /// Moves this folder to `<folder>.saved` and puts a link to a folder
    /// outside the place in its place.
    LinkFolder(&'static str),
}

/// The folder outside the place that saboteurs' links point to: beside
/// the home, or `DIR/outside` beside a system's `DIR/etc`. These paths
/// are relative to the place's folder.
const OUTSIDE: &str = "../outside";
/// Where a saboteur notes what it did, beside the place's folder.
const SABOTAGE_LOG: &str = "../sabotage.log";
/// A saboteur acts only when this file is there, and removes it: the test
/// arms it for one activation, not for the run that repairs the place.
const SABOTAGE_ARMED: &str = "../sabotage.armed";
const SABOTAGE_TEXT: &str = "sabotage\n";

impl Sabotage {
    /// The script, run in the place's folder: `$HOME`, or the `/etc` of
    /// the root the system activation goes into (`$AM_ROOT`).
    fn script(self, role: Role) -> String {
        let dir = match role {
            Role::Home => "$HOME",
            Role::System => "$AM_ROOT/etc",
        };
        let armed =
            format!("D=\"{dir}\"; cd \"$D\" && rm {SABOTAGE_ARMED} 2>/dev/null || exit 0; ");
        armed
            + &match self {
                Sabotage::WriteAt(target) => format!(
                    "if [ -L {target} ]; then rm {target}; fi; \
                 if [ ! -e {target} ]; then mkdir -p \"$(dirname {target})\" && \
                 printf '{SABOTAGE_TEXT}' > {target} && echo wrote >> {SABOTAGE_LOG}; fi; exit 0"
                ),
                Sabotage::LinkFolder(folder) => format!(
                    "if [ -d {folder} ] && [ ! -L {folder} ]; then \
                 mv {folder} {folder}.saved && echo saved >> {SABOTAGE_LOG}; fi; \
                 mkdir -p \"$(dirname {folder})\"; \
                 if [ ! -e {folder} ]; then ln -s \"$D/{OUTSIDE}\" {folder}; fi; exit 0"
                ),
            }
    }
}

/// The pool of bundles. A system's accounts are drawn from `accounts_rng`,
/// so that a seed gives a home the same bundles as before systems had any.
fn random_specs(rng: &mut Rng, role: Role, accounts_rng: &mut Rng) -> Vec<Spec> {
    (0..BUNDLES)
        .map(|index| {
            let mut files = BTreeMap::new();
            while files.len() < 2 {
                for target in TARGETS {
                    if rng.chance(40) {
                        // Few versions, so that bundles often agree on a file.
                        files.insert(target, format!("{target} version {}\n", rng.below(3)));
                    }
                }
            }
            let sabotage = match index {
                1 => {
                    let targets: Vec<&'static str> = files.keys().copied().collect();
                    Some(Sabotage::WriteAt(targets[rng.below(targets.len())]))
                }
                5 => Some(Sabotage::LinkFolder(FOLDERS[rng.below(FOLDERS.len())])),
                _ => None,
            };
            let accounts = match role {
                Role::Home => BTreeSet::new(),
                Role::System => ACCOUNTS.into_iter().filter(|_| accounts_rng.chance(50)).collect(),
            };
            Spec { files, backup_option: index == 4, sabotage, accounts }
        })
        .collect()
}

fn module(spec: &Spec, index: usize, role: Role) -> Module {
    let mut module = Module::for_role(role);
    for (target, text) in &spec.files {
        module = module.file(target, text);
    }
    if spec.backup_option {
        module = module.backup_ext("bak");
    }
    if index % 3 == 2 {
        let first = spec.files.keys().next().map(|t| module.file_id(t)).unwrap_or_default();
        module = module.exec("hook", "exit 0", &[&first], true);
    }
    if let Some(sabotage) = spec.sabotage {
        // Before every link: it runs after the pre-check, in the first layer.
        let before: Vec<String> = spec.files.keys().map(|t| nix_str(&module.file_id(t))).collect();
        module = module.line(format!(
            "am.nodes.sabotage = {{ kind = \"exec\"; argv = [ \"/bin/sh\" \"-c\" {} ]; \
             before = [ {} ]; }};",
            nix_str(&sabotage.script(role)),
            before.join(" ")
        ));
    }
    for account in &spec.accounts {
        module = module.line(format!(
            "users.users.{account} = {{ isSystemUser = true; group = \"{account}\"; }}; \
             users.groups.{account} = {{ }};"
        ));
    }
    module
}

/// A user file: its bytes, and whether it is moved aside to `<path>.bak`.
#[derive(Debug, Clone)]
struct UserFile {
    bytes: Vec<u8>,
    backed_up: bool,
}

/// What the place must hold.
#[derive(Debug, Default)]
struct Model {
    /// By the path the user wrote them at.
    user: BTreeMap<String, UserFile>,
    /// The active bundle (index into the pool).
    current: Option<usize>,
    current_generation: Option<u32>,
    /// Every recorded generation and its bundle.
    generations: BTreeMap<u32, usize>,
    /// Managed links the user deleted; the next activation repairs them.
    deleted_links: BTreeSet<&'static str>,
    /// The accounts activations made, which are never deleted.
    accounts_made: BTreeSet<&'static str>,
}

struct World<'a, P> {
    specs: &'a [Spec],
    bundles: &'a [Bundle],
    place: P,
    model: Model,
    context: String,
}

impl<P: Place> World<'_, P> {
    fn targets(&self, bundle: Option<usize>) -> BTreeSet<&'static str> {
        bundle.map(|b| self.specs[b].files.keys().copied().collect()).unwrap_or_default()
    }

    fn same_bundle(&self, x: usize, y: Option<usize>) -> bool {
        y.is_some_and(|y| self.bundles[x].store_path == self.bundles[y].store_path)
    }

    /// Writes a user file at a random free path, if there is one.
    fn add_user_file(&mut self, rng: &mut Rng, serial: usize) -> String {
        let dir = self.place.dir();
        let free: Vec<&str> = TARGETS
            .iter()
            .chain(NEIGHBOURS.iter())
            .copied()
            .filter(|p| !self.model.user.contains_key(*p))
            .filter(|p| std::fs::symlink_metadata(dir.join(p)).is_err())
            .collect();
        if free.is_empty() {
            return "no free path for a user file".to_string();
        }
        let path = free[rng.below(free.len())];
        let bytes = format!("user file {serial} at {path}\n").into_bytes();
        self.place.write_user_file(path, &bytes);
        self.model.user.insert(path.to_string(), UserFile { bytes, backed_up: false });
        format!("user file at {path}")
    }

    /// Deletes a managed link, or (when `replace`) puts a user file in its
    /// place: no longer ours, that file must be treated as the user's.
    fn touch_managed_link(&mut self, rng: &mut Rng, serial: usize, replace: bool) -> String {
        let candidates: Vec<&'static str> = self
            .targets(self.model.current)
            .into_iter()
            .filter(|t| !self.model.deleted_links.contains(t))
            .filter(|t| !self.model.user.contains_key(*t))
            .collect();
        if candidates.is_empty() {
            return "no managed link to touch".to_string();
        }
        let target = candidates[rng.below(candidates.len())];
        std::fs::remove_file(self.place.dir().join(target)).expect("a managed link can be removed");
        if replace {
            let bytes = format!("user file {serial} replacing the link {target}\n").into_bytes();
            self.place.write_user_file(target, &bytes);
            self.model.user.insert(target.to_string(), UserFile { bytes, backed_up: false });
            format!("user file in place of the link {target}")
        } else {
            self.model.deleted_links.insert(target);
            format!("deleted the link {target}")
        }
    }

    /// The targets of bundle `x` that hold a user file not moved aside.
    fn conflicts(&self, x: usize) -> Vec<&'static str> {
        let targets = self.targets(Some(x));
        targets
            .into_iter()
            .filter(|t| self.model.user.get(*t).is_some_and(|u| !u.backed_up))
            .collect()
    }

    /// Activates bundle `x` (by `am rollback` when `rollback`) and checks the
    /// outcome against the model, then updates the model. Says whether the
    /// step was refused.
    fn switch(&mut self, x: usize, backup_flag: bool, rollback: bool) -> &'static str {
        let backup = backup_flag || self.specs[x].backup_option;
        let conflicts = self.conflicts(x);
        let before = self.place.snapshot();
        let had_state = self.place.state().exists();
        let armed = self.place.dir().join(SABOTAGE_ARMED);
        if self.specs[x].sabotage.is_some() {
            std::fs::write(&armed, "").expect("the saboteur is armed");
        }
        let output = if rollback {
            self.place.am("rollback", &[])
        } else if backup_flag {
            self.place.activate(&self.bundles[x], &["--backup-ext", "bak"])
        } else {
            self.place.activate(&self.bundles[x], &[])
        };
        let _ = std::fs::remove_file(&armed);
        let context = self.context.clone();
        if !conflicts.is_empty() && !backup {
            assert_exit(&output, 3, &format!("{context}: conflicts at {conflicts:?}"));
            let message = all_output(&output);
            for path in &conflicts {
                assert!(message.contains(path), "{context}: {path} not listed:\n{message}");
            }
            if P::ROLE == Role::System && !had_state {
                // A system's first run makes the state folder its lock is
                // taken on, before it reads anything, refused or not: only
                // that folder, empty, may appear.
                remove_empty_folders(&self.place.state());
            }
            let after = self.place.snapshot();
            assert_eq!(after, before, "{context}: a refused step changed the place");
            return "refused";
        }
        if let Some(sabotage) = self.specs[x].sabotage {
            return self.after_sabotage(x, sabotage, &output, &conflicts, rollback);
        }
        assert_exit(&output, 0, &context);
        self.succeeded(x, &conflicts, rollback)
    }

    /// Updates the model after a switch to `x` that succeeded.
    fn succeeded(&mut self, x: usize, conflicts: &[&str], rollback: bool) -> &'static str {
        let context = self.context.clone();
        let old_targets = self.targets(self.model.current);
        let new_targets = self.targets(Some(x));
        let moved_aside = !conflicts.is_empty();
        for path in conflicts {
            if let Some(user) = self.model.user.get_mut(*path) {
                user.backed_up = true;
            }
        }
        for path in old_targets.difference(&new_targets) {
            if let Some(user) = self.model.user.get_mut(*path) {
                user.backed_up = false;
            }
        }
        let current = self.place.current().unwrap_or_else(|| panic!("{context}: no `current`"));
        // Re-activating the current bundle records no generation, unless it
        // moved a user file aside: what the generation owns changed.
        let reactivation = !rollback && self.same_bundle(x, self.model.current);
        if reactivation && !moved_aside {
            assert_eq!(
                Some(current),
                self.model.current_generation,
                "{context}: re-activating the current bundle recorded a generation"
            );
        } else if let Some(known) = self.model.generations.get(&current) {
            // A rollback may make an earlier generation current again, and
            // after a deactivation an activation may too.
            assert!(
                rollback || reactivation || self.model.current.is_none(),
                "{context}: activating another bundle made the old generation {current} current"
            );
            assert!(self.same_bundle(x, Some(*known)), "{context}: generation {current} is wrong");
        } else {
            self.model.generations.insert(current, x);
        }
        self.model.current = Some(x);
        self.model.current_generation = Some(current);
        self.model.deleted_links.clear();
        self.model.accounts_made.extend(self.specs[x].accounts.iter().copied());
        if moved_aside { "done, moving user files aside" } else { "done" }
    }

    /// After a switch to a bundle whose saboteur ran: nothing went outside
    /// the place, the saboteur's file is intact; then the user undoes the
    /// sabotage and the next run (recovering what could not be undone with
    /// the folder replaced) brings the place back to the model.
    fn after_sabotage(
        &mut self,
        x: usize,
        sabotage: Sabotage,
        output: &Output,
        conflicts: &[&str],
        rollback: bool,
    ) -> &'static str {
        let context = format!("{}, sabotaged by {sabotage:?}", self.context);
        let code = output.status.code();
        assert!(
            matches!(code, Some(0 | 1 | 4)),
            "{context}: exit code {code:?}\n{}",
            all_output(output)
        );
        let dir = self.place.dir();
        let found: Vec<_> =
            std::fs::read_dir(dir.join(OUTSIDE)).expect("outside").flatten().collect();
        assert!(found.is_empty(), "{context}: written outside the place: {found:?}");
        let log_path = dir.join(SABOTAGE_LOG);
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let _ = std::fs::remove_file(&log_path);
        match sabotage {
            Sabotage::WriteAt(target) if log.contains("wrote") => {
                let path = dir.join(target);
                let found = std::fs::read_to_string(&path)
                    .unwrap_or_else(|error| panic!("{context}: the user's {target}: {error}"));
                assert_eq!(found, "sabotage\n", "{context}: the user's {target} changed");
                assert!(!path.is_symlink(), "{context}: the user's {target} was replaced");
                std::fs::remove_file(&path).expect("the user removes the file");
            }
            Sabotage::WriteAt(_) => {}
            Sabotage::LinkFolder(folder) => {
                let path = dir.join(folder);
                if path.is_symlink() {
                    std::fs::remove_file(&path).expect("the user removes the link");
                }
                if log.contains("saved") {
                    let saved = dir.join(format!("{folder}.saved"));
                    std::fs::rename(saved, &path).expect("the user puts the folder back");
                }
            }
        }
        let what = if code == Some(0) {
            self.succeeded(x, conflicts, rollback)
        } else {
            "failed, and was rolled back"
        };
        // The links the saboteur took are repaired, and what could not be
        // undone while the folder was a link is undone now. User files at
        // the active bundle's targets (written where the user had deleted
        // its links) would refuse that run: they are moved aside.
        if let Some(current) = self.model.current {
            let conflicts = self.conflicts(current);
            let backup: &[&str] = if conflicts.is_empty() { &[] } else { &["--backup-ext", "bak"] };
            let output = self.place.am("activate", backup);
            assert_exit(&output, 0, &format!("{context}: the run after the sabotage"));
            if !conflicts.is_empty() {
                self.succeeded(current, &conflicts, false);
            }
        } else if self.place.has_journal() {
            // Recovery comes first; there is then nothing to deactivate.
            let _ = self.place.am("deactivate", &[]);
        }
        self.model.deleted_links.clear();
        what
    }

    fn deactivate(&mut self) {
        let output = self.place.am("deactivate", &[]);
        assert_exit(&output, 0, &self.context);
        for user in self.model.user.values_mut() {
            user.backed_up = false;
        }
        self.model.current = None;
        self.model.current_generation = None;
        self.model.deleted_links.clear();
    }

    /// The generation a rollback goes to: the newest one before the current.
    fn rollback_target(&self) -> Option<usize> {
        let current = self.model.current_generation?;
        self.model.generations.range(..current).next_back().map(|(_, bundle)| *bundle)
    }

    /// Checks the whole place against the model.
    fn check(&self) {
        let context = &self.context;
        let place = &self.place;
        let managed = self.targets(self.model.current);
        for (path, user) in &self.model.user {
            if user.backed_up {
                assert!(
                    managed.contains(path.as_str()),
                    "{context}: {path} is backed up, unmanaged"
                );
                place.assert_user_file(&format!("{path}.bak"), &user.bytes, context);
            } else {
                place.assert_user_file(path, &user.bytes, context);
            }
        }
        for target in TARGETS {
            let users = self.model.user.get(target).is_some_and(|u| !u.backed_up);
            if users {
                // Checked above.
            } else if self.model.deleted_links.contains(target) {
                place.assert_absent(target, &format!("{context}: a link the user deleted"));
            } else if let Some(bundle) = self.model.current.filter(|_| managed.contains(target)) {
                place.assert_managed(target, self.specs[bundle].files[target].as_bytes(), context);
            } else {
                place.assert_absent(target, &format!("{context}: an unmanaged target"));
            }
            let backup = format!("{target}.bak");
            if !self.model.user.get(target).is_some_and(|u| u.backed_up) {
                place.assert_absent(&backup, &format!("{context}: a backup nobody made"));
            }
        }
        assert!(!place.has_journal(), "{context}: a journal remains");
        assert_eq!(place.current(), self.model.current_generation, "{context}: `current`");
        let on_disk = place.generations();
        let known: BTreeSet<u32> = self.model.generations.keys().copied().collect();
        assert_eq!(on_disk, known, "{context}: the recorded generations");
        if let (Some(number), Some(bundle)) = (self.model.current_generation, self.model.current) {
            assert_eq!(
                place.gcroot(number).as_ref(),
                Some(&self.bundles[bundle].store_path),
                "{context}: the GC root of the current generation"
            );
        }
        let active = self.model.current.map(|bundle| &self.specs[bundle].accounts);
        for account in ACCOUNTS {
            let made = self.model.accounts_made.contains(account);
            let locked = made && !active.is_some_and(|active| active.contains(account));
            assert_eq!(
                place.account_locked(account),
                made.then_some(locked),
                "{context}: account {account} (`Some(locked)` where it exists)"
            );
        }
    }
}

/// Removes `folder` and then each of its ancestors, as long as they are
/// empty.
fn remove_empty_folders(folder: &std::path::Path) {
    for folder in folder.ancestors() {
        if std::fs::remove_dir(folder).is_err() {
            break;
        }
    }
}

/// A new place (made by `new`) and the folder that saboteurs link to.
fn outside_ready<P: Place>(new: fn(&str) -> P, label: &str) -> P {
    let place = new(label);
    std::fs::create_dir_all(place.dir().join(OUTSIDE)).expect("the outside folder");
    place
}

#[test]
fn random_sequences_keep_every_user_file_and_every_target_right() {
    if have_nix() {
        random_sequences(Home::new);
    }
}

#[test]
fn random_sequences_under_root_keep_every_file_and_account_right() {
    if have_nix() {
        random_sequences(Root::with_accounts);
    }
}

fn random_sequences<P: Place>(new: fn(&str) -> P) {
    let seed = seed_from_env(DEFAULT_SEED);
    eprintln!("random engine test ({:?}): AM_RANDOM_SEED={seed}", P::ROLE);
    let mut rng = Rng::new(seed);
    let specs = random_specs(&mut rng, P::ROLE, &mut Rng::new(!seed));
    let modules: Vec<Module> =
        specs.iter().enumerate().map(|(i, spec)| module(spec, i, P::ROLE)).collect();
    let bundles = cached_bundles(&modules);
    for (i, spec) in specs.iter().enumerate() {
        eprintln!(
            "bundle {i}: {:?}, backup option {}, accounts {:?}",
            spec.files.keys(),
            spec.backup_option,
            spec.accounts
        );
    }

    for sequence in 0..SEQUENCES {
        let mut rng = Rng::new(seed.wrapping_add(1 + sequence));
        let mut world = World {
            specs: &specs,
            bundles: &bundles,
            place: outside_ready(new, &format!("random-{sequence}")),
            model: Model::default(),
            context: String::new(),
        };
        for step in 0..STEPS {
            let roll = rng.below(100);
            world.context = format!("seed {seed}, sequence {sequence}, step {step}");
            let what = if roll < 25 {
                world.add_user_file(&mut rng, step)
            } else if roll < 30 {
                world.touch_managed_link(&mut rng, step, false)
            } else if roll < 35 {
                world.touch_managed_link(&mut rng, step, true)
            } else if roll < 75 || world.model.current.is_none() {
                let x = rng.below(BUNDLES);
                let backup = rng.chance(40);
                world.context.push_str(&format!(": activate {x} (--backup-ext: {backup})"));
                world.switch(x, backup, false).to_string()
            } else if roll < 90 {
                match world.rollback_target() {
                    Some(x) => {
                        world.context.push_str(&format!(": rollback to bundle {x}"));
                        world.switch(x, false, true).to_string()
                    }
                    None => "no generation to roll back to".to_string(),
                }
            } else {
                world.context.push_str(": deactivate");
                world.deactivate();
                "done".to_string()
            };
            eprintln!("{}: {what}", world.context);
            world.check();
        }
        // Whatever happened, deactivating gives every user file back (and
        // locks every account made).
        world.context = format!("seed {seed}, sequence {sequence}, final deactivate");
        if world.model.current.is_some() {
            world.deactivate();
        }
        world.check();
    }
}
