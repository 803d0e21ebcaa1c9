//! The crash test: switches between two bundles of hundreds of files each
//! (over a thousand targets in all), one with a slow command and a Lua task
//! creating a hundred more links at run time, are SIGKILLed
//! at many moments across their runs; after each, the next `am` run
//! recovers, the place is exactly what a clean run leaves, and no user file
//! was ever lost or changed. A second test puts a fault between the kill
//! and the recovery: a user file where the killed run had removed (or not
//! yet made) a link, or a folder replaced by a link to outside the place.
//!
//! Both run against a home and against a system tree under `--root`. The
//! system's bundles add what only a system has: copies in `/etc` with a
//! mode and an owner, service accounts (made, locked and unlocked as the
//! bundles switch) and tmpfiles rules (one of them on a folder both
//! bundles want with other modes), and the distribution's files in `/etc`
//! play the user's files.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use am_tests::engine::{Bundle, Home, Module, Role, all_output, cached_bundles, scratch_dir};
use am_tests::listing::assert_same_listing;
use am_tests::place::Place;
use am_tests::system::Root;
use am_tests::{assert_exit, have_nix};

/// Files in both bundles (every other one with new content in B), files
/// only A has, files only B has, and B's links that wait for its command.
const COMMON: usize = 300;
const A_ONLY: usize = 150;
const B_ONLY: usize = 250;
const LATE: usize = 100;
/// Links B's Lua task creates at run time.
const LUA_LINKS: usize = 100;
/// A system's copies in `/etc`: both bundles have them, every other one
/// with other bytes, mode and owner in B.
const COPIES: usize = 20;

/// Even moments across each direction's measured run, besides the very
/// early ones.
const SPREAD_KILLS: u32 = 10;

fn target(group: &str, i: usize) -> String {
    format!("{group}/d{}/f{i}", i / 10)
}

fn module_a(role: Role) -> Module {
    let mut module = Module::for_role(role).file(".profile", "profile A\n");
    for i in 0..COMMON {
        module = module.file(&target("common", i), &format!("common {i} A\n"));
    }
    for i in 0..A_ONLY {
        module = module.file(&target("aonly", i), &format!("a only {i}\n"));
    }
    match role {
        Role::Home => module,
        Role::System => system_parts(module, "a", "0755"),
    }
}

fn module_b(role: Role) -> Module {
    let mut module = Module::for_role(role).backup_ext("bak").file(".profile", "profile B\n");
    for i in 0..COMMON {
        let version = if i % 2 == 0 { "A" } else { "B" };
        module = module.file(&target("common", i), &format!("common {i} {version}\n"));
    }
    for i in 0..B_ONLY {
        module = module.file(&target("bonly", i), &format!("b only {i}\n"));
    }
    let first = module.file_id("common/d0/f0");
    module = module.exec("slow", "sleep 0.1", &[&first], true);
    for i in 0..LATE {
        let id = format!("late-{i}");
        module = module.raw_link(&id, &target("late", i), &format!("late {i}\n"), &["slow"]);
    }
    // Links a Lua task creates after the slow command: their changes are
    // journaled like compiled ones, and switching back to A removes them
    // only after the layers, so kills land in both. (No copies: a copy
    // written later has another mtime, which the listings compare.)
    module = module.line(format!(
        "lua.tasks.more = {{ after = [ \"slow\" ]; script = ''\n\
         for i = 0, {} do\n\
         \x20 am.link{{ target = string.format(\"lua/d%d/f%d\", i // 10, i), source = am.bundle .. \"/static/.profile\" }}\n\
         end\n''; }};",
        LUA_LINKS - 1
    ));
    match role {
        Role::Home => module,
        Role::System => system_parts(module, "b", "0700"),
    }
}

/// What bundle `name` (`a` or `b`) of a system has besides files: its own
/// service account and one both have, copies owned by them, and tmpfiles
/// rules for a folder of its own and for one both bundles want, with
/// `shared_mode`. The accounts a switch drops are locked, and unlocked by
/// the switch back; a kill lands among those commands too.
fn system_parts(mut module: Module, name: &str, shared_mode: &str) -> Module {
    let own = format!("svc-{name}");
    for account in [own.as_str(), "svc-both"] {
        module = module.line(format!(
            "users.users.{account} = {{ isSystemUser = true; group = \"{account}\"; }}; \
             users.groups.{account} = {{ }};"
        ));
    }
    for i in 0..COPIES {
        // Even copies are the same in both bundles; odd ones differ in
        // bytes, mode and owner.
        let (version, mode, owner) =
            if i % 2 == 0 { ("both", "0644", "svc-both") } else { (name, "0640", own.as_str()) };
        module = module.line(format!(
            "environment.etc.\"copies/c{i}\" = {{ text = \"copy {i} {version}\\n\"; mode = \"{mode}\"; \
             user = \"{owner}\"; group = \"svc-both\"; }};"
        ));
    }
    module.line(format!(
        "systemd.tmpfiles.rules = [ \"d /var/lib/am-{name} 0750 svc-{name} svc-{name} -\" \
         \"d /var/lib/am-shared {shared_mode} svc-both svc-both -\" ];"
    ))
}

/// User files in folders the bundles use (shared, A's only, B's only), at
/// the top, and one at a target of B, which B moves aside with its backup
/// extension and switching back to A restores.
const USER_FILES: [(&str, &str); 6] = [
    (".userrc", "user rc\n"),
    ("common/d3/user.txt", "user in common\n"),
    ("aonly/d5/user.txt", "user in a folder only A uses\n"),
    ("bonly/d7/user.txt", "user in a folder only B uses\n"),
    ("late/d1/user.txt", "user among late links\n"),
    ("bonly/d2/f25", "user file in B's way\n"),
];

/// A new place (made by `new`) holding the user files.
fn with_user_files<P: Place>(new: fn(&str) -> P, label: &str) -> P {
    let place = new(label);
    for (rel, text) in USER_FILES {
        place.write_user_file(rel, text.as_bytes());
    }
    place
}

fn assert_user_files(place: &impl Place, in_b: bool, context: &str) {
    for (rel, text) in USER_FILES {
        let moved = in_b && rel == "bonly/d2/f25";
        let at = if moved { format!("{rel}.bak") } else { rel.to_string() };
        place.assert_user_file(&at, text.as_bytes(), context);
    }
}

/// When a kill comes: after a fixed time, or at a fraction of how long an
/// uninterrupted run of the same switch takes.
#[derive(Debug, Clone, Copy)]
enum Moment {
    After(Duration),
    Fraction(u32, u32),
}

/// How the place is brought back after a kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recovery {
    /// Activate B: the place must equal a clean B.
    ActivateB,
    /// Activate A: the place must equal a clean A.
    ActivateA,
    /// `am deactivate`: the place must equal a clean deactivation (a
    /// home holds only the user files again).
    Deactivate,
}

/// Kills wanted that interrupt a run, and a cap on kills in all.
const WANTED_INTERRUPTIONS: usize = 22;
const MAX_KILLS: usize = 40;

#[test]
fn sigkill_at_any_moment_is_recovered_by_the_next_run() {
    if have_nix() {
        sigkill_at_any_moment(Home::with_state_outside);
    }
}

#[test]
fn sigkill_under_root_is_recovered_by_the_next_run() {
    if have_nix() {
        sigkill_at_any_moment(Root::with_accounts);
    }
}

/// The listings every recovery must give, from clean runs in a place of
/// their own.
struct Clean {
    a: String,
    b: String,
    /// Deactivated from A, and from B. A system keeps what tmpfiles made
    /// (a deactivation applies no rules), so the folder both bundles want
    /// has the mode of the rules applied last.
    deactivated: [String; 2],
}

/// Clean runs: A, B, A, B, deactivated, A, deactivated, A. Each visit of
/// A or B must equal the first after the other (a system's accounts are
/// made by the first visit of the bundle that has them and only locked or
/// unlocked after, so its clean A is the one after B).
fn clean_runs<P: Place>(new: fn(&str) -> P, a: &Bundle, b: &Bundle) -> Clean {
    let reference = with_user_files(new, "kill-reference");
    let user_only = reference.listing();
    assert_exit(&reference.activate(a, &[]), 0, "A in the reference");
    assert_exit(&reference.activate(b, &[]), 0, "A to B in the reference");
    let clean_b = reference.listing();
    assert_user_files(&reference, true, "reference B");
    assert_exit(&reference.activate(a, &[]), 0, "B to A in the reference");
    let clean_a = reference.listing();
    assert_exit(&reference.activate(b, &[]), 0, "A to B again in the reference");
    assert_same_listing(&reference.listing(), &clean_b, "A back to B in the reference");
    let mut deactivated = [String::new(), String::new()];
    for (from, name) in [(1, "B"), (0, "A")] {
        let what = format!("deactivating the reference at {name}");
        assert_exit(&reference.am("deactivate", &[]), 0, &what);
        deactivated[from] = reference.listing();
        if P::ROLE == Role::Home {
            // A system keeps the accounts (locked) and what tmpfiles made.
            assert_same_listing(&deactivated[from], &user_only, &what);
        }
        let what = format!("A after {what}");
        assert_exit(&reference.activate(a, &[]), 0, &what);
        assert_same_listing(&reference.listing(), &clean_a, &what);
    }
    Clean { a: clean_a, b: clean_b, deactivated }
}

fn sigkill_at_any_moment<P: Place>(new: fn(&str) -> P) {
    let bundles = cached_bundles(&[module_a(P::ROLE), module_b(P::ROLE)]);
    let (a, b) = (&bundles[0], &bundles[1]);
    let clean = clean_runs(new, a, b);

    // How long uninterrupted switches take in the test place: the shortest
    // of two runs each way. A kill that finds its run already done shortens
    // the estimate, so that the machine's load does not push kills past
    // the end.
    let place = with_user_files(new, "kill");
    assert_exit(&place.activate(a, &[]), 0, "A in the test place");
    let (mut to_b_takes, mut to_a_takes) = (Duration::MAX, Duration::MAX);
    for _ in 0..2 {
        let started = Instant::now();
        assert_exit(&place.activate(b, &[]), 0, "A to B in the test place");
        to_b_takes = to_b_takes.min(started.elapsed());
        let started = Instant::now();
        assert_exit(&place.activate(a, &[]), 0, "B to A in the test place");
        to_a_takes = to_a_takes.min(started.elapsed());
    }
    assert_same_listing(&place.listing(), &clean.a, "A in the test place");
    let mut report = format!("uninterrupted: A to B {to_b_takes:?}, B to A {to_a_takes:?}\n");

    // The place is at A or B before each kill, and the kill interrupts the
    // switch to the other one. Switches to B and back to A alternate, so both
    // directions are interrupted; a few kills are recovered otherwise.
    let mut schedule = vec![
        (Moment::After(Duration::from_millis(1)), Recovery::ActivateB),
        (Moment::After(Duration::from_millis(5)), Recovery::ActivateA),
    ];
    for i in 1..=SPREAD_KILLS {
        schedule.push((Moment::Fraction(i, SPREAD_KILLS + 1), Recovery::ActivateB));
        schedule.push((Moment::Fraction(i, SPREAD_KILLS + 1), Recovery::ActivateA));
    }
    schedule.extend([
        (Moment::Fraction(1, 4), Recovery::ActivateA),
        (Moment::Fraction(1, 2), Recovery::Deactivate),
        (Moment::Fraction(3, 4), Recovery::ActivateB),
        (Moment::Fraction(1, 2), Recovery::ActivateB),
        (Moment::Fraction(1, 3), Recovery::ActivateA),
    ]);

    let mut at_b = false;
    let (mut kills, mut interrupted, mut journals_left) = (0, 0, 0);
    let mut planned = schedule.into_iter();
    while kills < MAX_KILLS {
        // Past the schedule, more kills until enough interrupted a run.
        let (moment, recovery) = match planned.next() {
            Some(next) => next,
            None if interrupted < WANTED_INTERRUPTIONS => {
                let fraction = Moment::Fraction(1 + (kills % 7) as u32, 8);
                (fraction, if at_b { Recovery::ActivateA } else { Recovery::ActivateB })
            }
            None => break,
        };
        let (to, takes) = if at_b { (a, &mut to_a_takes) } else { (b, &mut to_b_takes) };
        let delay = match moment {
            Moment::After(delay) => delay,
            Moment::Fraction(numerator, denominator) => *takes * numerator / denominator,
        };
        let context = format!(
            "kill {kills}: switch to {} killed after {delay:?}, recovered by {recovery:?}",
            if at_b { "A" } else { "B" }
        );
        // The previous round checked that the place is exactly at A or B, so
        // what this kill interrupts is exactly one switch.
        let was_killed = place.activate_and_kill(to, delay);
        if !was_killed {
            *takes = (*takes).min(delay);
        }
        let journal = place.has_journal();
        kills += 1;
        interrupted += usize::from(was_killed);
        journals_left += usize::from(journal);
        let _ = writeln!(report, "{context}: interrupted {was_killed}, journal left {journal}");

        let (output, expected, expected_bundle) = match recovery {
            Recovery::ActivateB => (place.activate(b, &[]), &clean.b, Some(b)),
            Recovery::ActivateA => (place.activate(a, &[]), &clean.a, Some(a)),
            Recovery::Deactivate => {
                let output = place.am("deactivate", &[]);
                // Deactivated from where the killed switch started, or
                // from where it went, if it had applied its tmpfiles rules.
                let listing = place.listing();
                let started = &clean.deactivated[usize::from(at_b)];
                let expected = clean.deactivated.iter().find(|clean| **clean == listing);
                (output, expected.unwrap_or(started), None)
            }
        };
        assert_exit(&output, 0, &format!("the run after the kill ({context})"));
        assert_same_listing(&place.listing(), expected, &context);
        at_b = recovery == Recovery::ActivateB;
        assert_user_files(&place, at_b, &context);
        assert!(!place.has_journal(), "{context}: the recovery left a journal");
        assert_active(&place, expected_bundle, &context);
        if recovery == Recovery::Deactivate {
            assert_exit(&place.activate(a, &[]), 0, &format!("A again ({context})"));
            assert_same_listing(&place.listing(), &clean.a, &format!("A again ({context})"));
        }
    }
    eprintln!("{report}");
    assert!(interrupted >= 20, "only {interrupted} kills interrupted a run:\n{report}");
    assert!(journals_left >= 3, "only {journals_left} kills left a journal behind:\n{report}");
}

/// Panics unless `bundle` is the active one (`None`: no bundle is): the
/// current generation's GC root, and the static link, point at it.
fn assert_active(place: &impl Place, bundle: Option<&Bundle>, context: &str) {
    let store_path = bundle.map(|bundle| &bundle.store_path);
    match (place.current(), store_path) {
        (None, None) => {}
        (Some(number), Some(bundle)) => assert_eq!(
            place.gcroot(number).as_ref(),
            Some(bundle),
            "{context}: the GC root of the current generation {number}"
        ),
        (current, _) => panic!("{context}: current generation {current:?}"),
    }
    let static_folder = store_path.map(|bundle| bundle.join("static"));
    assert_eq!(place.static_link(), static_folder, "{context}: the static link");
}

/// Every target the two bundles make, A's and B's (Lua's too).
fn all_targets() -> Vec<String> {
    let groups = [("common", COMMON), ("aonly", A_ONLY), ("bonly", B_ONLY), ("late", LATE)];
    let mut targets = vec![".profile".to_string()];
    for (group, count) in groups {
        targets.extend((0..count).map(|i| target(group, i)));
    }
    targets.extend((0..LUA_LINKS).map(|i| format!("lua/d{}/f{i}", i / 10)));
    targets
}

/// Folders of the targets, some holding user files.
const FOLDERS: [&str; 6] = ["common/d3", "aonly/d5", "bonly/d7", "late/d1", "lua/d2", "common"];

/// What the user does between a kill and the next run.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// A file at a target path that is free after the kill.
    UserFile,
    /// A folder of targets moved aside, a link to outside the place in its place.
    LinkedFolder,
}

#[test]
fn faults_between_a_kill_and_its_recovery() {
    if have_nix() {
        faults_between_a_kill_and_the_next_run(Home::with_state_outside);
    }
}

#[test]
fn faults_under_root_between_a_kill_and_its_recovery() {
    if have_nix() {
        faults_between_a_kill_and_the_next_run(Root::with_accounts);
    }
}

fn faults_between_a_kill_and_the_next_run<P: Place>(new: fn(&str) -> P) {
    let bundles = cached_bundles(&[module_a(P::ROLE), module_b(P::ROLE)]);
    let (a, b) = (&bundles[0], &bundles[1]);
    let reference = with_user_files(new, "fault-reference");
    assert_exit(&reference.activate(a, &[]), 0, "A in the reference");
    assert_exit(&reference.activate(b, &[]), 0, "B in the reference");
    let clean_b = reference.listing();
    assert_exit(&reference.activate(a, &[]), 0, "A again in the reference");
    let clean_a = reference.listing();

    let place = with_user_files(new, "fault");
    let dir = place.dir();
    // A folder of its own, outside every place, that linked folders point
    // at: nothing may ever be written there.
    let outside = scratch_dir("outside");
    assert_exit(&place.activate(a, &[]), 0, "A");
    let timed = |bundle, what: &str| {
        let started = Instant::now();
        assert_exit(&place.activate(bundle, &[]), 0, what);
        started.elapsed()
    };
    let (to_b_takes, to_a_takes) = (timed(b, "A to B"), timed(a, "B to A"));
    assert_exit(&place.activate(b, &[]), 0, "A to B again");
    let targets = all_targets();
    let mut at_b = true;
    let mut report = String::new();
    // Folders the user made for the files: theirs to remove once empty.
    let mut user_made: Vec<std::path::PathBuf> = Vec::new();
    for round in 0..24u32 {
        let (to, to_name, takes) = if at_b { (a, "A", to_a_takes) } else { (b, "B", to_b_takes) };
        let fault = if round % 2 == 0 { Fault::UserFile } else { Fault::LinkedFolder };
        let delay = takes * (1 + round % 5) / 6;
        let killed = place.activate_and_kill(to, delay);
        // Recovered by the switch that was killed, or by the other one.
        let (recover_to, expected) = match (round % 3 == 0, at_b) {
            (false, true) | (true, false) => (a, &clean_a),
            (false, false) | (true, true) => (b, &clean_b),
        };
        let mut context = format!(
            "round {round}: switch to {to_name} killed after {delay:?} (interrupted {killed}), \
             then {fault:?}, recovered by activating {}",
            if std::ptr::eq(recover_to, a) { "A" } else { "B" }
        );
        let _ = writeln!(report, "{context}");
        // Every fourth round, the run that recovers is killed too, early
        // (while it undoes the first): the next one must clean up after both.
        if round % 4 == 1 {
            let early = Duration::from_millis(1 + u64::from(round % 5) * 3);
            let killed_again = place.activate_and_kill(recover_to, early);
            let _ = writeln!(report, "  the recovery killed after {early:?}: {killed_again}");
        }
        match fault {
            Fault::UserFile => {
                let free = targets
                    .iter()
                    .cycle()
                    .skip(round as usize * 97)
                    .take(targets.len())
                    .find(|t| std::fs::symlink_metadata(dir.join(t)).is_err());
                let Some(path) = free else { continue };
                let text = format!("written after kill {round}\n");
                let missing = Path::new(path).ancestors().skip(1).map(|folder| dir.join(folder));
                user_made.extend(missing.filter(|folder| !folder.exists()));
                place.write_user_file(path, text.as_bytes());
                let output = place.activate(recover_to, &[]);
                let code = output.status.code();
                assert!(
                    matches!(code, Some(0 | 3)),
                    "{context}: {code:?}\n{}",
                    all_output(&output)
                );
                // B moves a user file in its way to its backup.
                let backup = format!("{path}.bak");
                let at = match std::fs::symlink_metadata(dir.join(&backup)) {
                    Ok(_) => backup,
                    Err(_) => path.clone(),
                };
                place.assert_user_file(&at, text.as_bytes(), &context);
                // The user removes it, and the folders it leaves empty: a
                // folder that held a user's file when the activation that made
                // it was undone is the user's. The next run tidies the rest.
                std::fs::remove_file(dir.join(&at)).expect("the user removes it");
                for folder in Path::new(path).ancestors().skip(1) {
                    if folder.as_os_str().is_empty()
                        || std::fs::remove_dir(dir.join(folder)).is_err()
                    {
                        break;
                    }
                }
                let again = place.activate(recover_to, &["--verbose"]);
                context = format!(
                    "{context} (the user's file at {at}, exit {code:?})\n--- the recovery:\n{}\n--- the run after:\n{}",
                    all_output(&output),
                    all_output(&again)
                );
                assert_exit(&again, 0, &context);
            }
            Fault::LinkedFolder => {
                let folder = FOLDERS[round as usize % FOLDERS.len()];
                let path = dir.join(folder);
                let saved = dir.join(format!("{folder}.saved"));
                let moved = path.is_dir() && std::fs::rename(&path, &saved).is_ok();
                std::os::unix::fs::symlink(&outside, &path).expect("the folder becomes a link");
                let output = place.activate(recover_to, &[]);
                assert_nothing_in(&outside, &format!("{context}\n{}", all_output(&output)));
                std::fs::remove_file(&path).expect("the user removes the link");
                if moved {
                    std::fs::rename(&saved, &path).expect("the user puts the folder back");
                }
                let output = place.activate(recover_to, &[]);
                assert_exit(&output, 0, &format!("{context}: once the folder is back"));
            }
        }
        // The user's folders go once empty (innermost first): am leaves
        // them, even once the links in them are gone.
        user_made.sort_by_key(|folder| std::cmp::Reverse(folder.components().count()));
        user_made.retain(|folder| folder.exists() && std::fs::remove_dir(folder).is_err());
        assert_same_listing(&place.listing(), expected, &context);
        at_b = std::ptr::eq(recover_to, b);
        assert_user_files(&place, at_b, &context);
        assert!(!place.has_journal(), "{context}: a journal remains");
        assert_no_temporaries(&dir, ".am-", &context);
        assert_no_temporaries(&place.state(), ".tmp-", &context);
    }
    let _ = std::fs::remove_dir(&outside);
    eprintln!("{report}");
}

fn assert_nothing_in(dir: &Path, context: &str) {
    let found: Vec<_> = std::fs::read_dir(dir).expect("readable").flatten().collect();
    assert!(found.is_empty(), "{context}: written outside the place: {found:?}");
}

/// Panics if a name holding `mark` (a run's temporary) is left below `dir`.
fn assert_no_temporaries(dir: &Path, mark: &str, context: &str) {
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(!name.contains(mark), "{context}: {} is left", entry.path().display());
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                folders.push(entry.path());
            }
        }
    }
}
