//! The crash test: switches between two bundles of hundreds of files each
//! (over a thousand targets in all), one with a slow command and a Lua task
//! creating a hundred more links at run time, are SIGKILLed
//! at many moments across their runs; after each, the next `am` run
//! recovers, the home is exactly what a clean run leaves, and no user file
//! was ever lost or changed. A second test puts a fault between the kill
//! and the recovery: a user file where the killed run had removed (or not
//! yet made) a link, or a folder replaced by a link to outside the home.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use am_tests::engine::{Home, Module, all_output, assert_same_listing, cached_bundles};
use am_tests::{assert_exit, have_nix};

/// Files in both bundles (every other one with new content in B), files
/// only A has, files only B has, and B's links that wait for its command.
const COMMON: usize = 300;
const A_ONLY: usize = 150;
const B_ONLY: usize = 250;
const LATE: usize = 100;
/// Links B's Lua task creates at run time.
const LUA_LINKS: usize = 100;

/// Even moments across each direction's measured run, besides the very
/// early ones.
const SPREAD_KILLS: u32 = 10;

fn target(group: &str, i: usize) -> String {
    format!("{group}/d{}/f{i}", i / 10)
}

fn module_a() -> Module {
    let mut module = Module::new().file(".profile", "profile A\n");
    for i in 0..COMMON {
        module = module.file(&target("common", i), &format!("common {i} A\n"));
    }
    for i in 0..A_ONLY {
        module = module.file(&target("aonly", i), &format!("a only {i}\n"));
    }
    module
}

fn module_b() -> Module {
    let mut module = Module::new().backup_ext("bak").file(".profile", "profile B\n");
    for i in 0..COMMON {
        let version = if i % 2 == 0 { "A" } else { "B" };
        module = module.file(&target("common", i), &format!("common {i} {version}\n"));
    }
    for i in 0..B_ONLY {
        module = module.file(&target("bonly", i), &format!("b only {i}\n"));
    }
    module = module.exec("slow", "sleep 0.1", &["file:common/d0/f0"], true);
    for i in 0..LATE {
        let id = format!("late-{i}");
        module = module.raw_link(&id, &target("late", i), &format!("late {i}\n"), &["slow"]);
    }
    // Links a Lua task creates after the slow command: their changes are
    // journaled like compiled ones, and switching back to A removes them
    // only after the layers, so kills land in both. (No copies: a copy
    // written later has another mtime, which the listings compare.)
    module.line(format!(
        "lua.tasks.more = {{ after = [ \"slow\" ]; script = ''\n\
         for i = 0, {} do\n\
         \x20 am.link{{ target = string.format(\"lua/d%d/f%d\", i // 10, i), source = am.bundle .. \"/static/.profile\" }}\n\
         end\n''; }};",
        LUA_LINKS - 1
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

fn with_user_files(label: &str) -> Home {
    let home = Home::with_state_outside(label);
    for (rel, text) in USER_FILES {
        home.write_user_file(rel, text.as_bytes());
    }
    home
}

fn assert_user_files(home: &Home, in_b: bool, context: &str) {
    for (rel, text) in USER_FILES {
        let moved = in_b && rel == "bonly/d2/f25";
        let at = if moved { format!("{rel}.bak") } else { rel.to_string() };
        home.assert_user_file(&at, text.as_bytes(), context);
    }
}

/// When a kill comes: after a fixed time, or at a fraction of how long an
/// uninterrupted run of the same switch takes.
#[derive(Debug, Clone, Copy)]
enum Moment {
    After(Duration),
    Fraction(u32, u32),
}

/// How the home is brought back after a kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recovery {
    /// Activate B: the home must equal a clean B.
    ActivateB,
    /// Activate A: the home must equal a clean A.
    ActivateA,
    /// `am deactivate`: the home must hold only the user files.
    Deactivate,
}

/// Kills wanted that interrupt a run, and a cap on kills in all.
const WANTED_INTERRUPTIONS: usize = 22;
const MAX_KILLS: usize = 40;

#[test]
fn sigkill_at_any_moment_is_recovered_by_the_next_run() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[module_a(), module_b()]);
    let (a, b) = (&bundles[0], &bundles[1]);

    // Clean runs in a reference home: the homes every recovery must give.
    let reference = with_user_files("kill-reference");
    let user_only = reference.listing();
    assert_exit(&reference.activate(a, &[]), 0, "A in the reference home");
    let clean_a = reference.listing();
    assert_exit(&reference.activate(b, &[]), 0, "A to B in the reference home");
    let clean_b = reference.listing();
    assert_user_files(&reference, true, "reference B");
    assert_exit(&reference.activate(a, &[]), 0, "B to A in the reference home");
    assert_same_listing(&reference.listing(), &clean_a, "B back to A in the reference home");

    // How long uninterrupted switches take in the test home: the shortest of
    // two runs each way. A kill that finds its run already done shortens the
    // estimate, so that the machine's load does not push kills past the end.
    let home = with_user_files("kill");
    assert_exit(&home.activate(a, &[]), 0, "A in the test home");
    assert_same_listing(&home.listing(), &clean_a, "A in the test home");
    let (mut to_b_takes, mut to_a_takes) = (Duration::MAX, Duration::MAX);
    for _ in 0..2 {
        let started = Instant::now();
        assert_exit(&home.activate(b, &[]), 0, "A to B in the test home");
        to_b_takes = to_b_takes.min(started.elapsed());
        let started = Instant::now();
        assert_exit(&home.activate(a, &[]), 0, "B to A in the test home");
        to_a_takes = to_a_takes.min(started.elapsed());
    }
    let mut report = format!("uninterrupted: A to B {to_b_takes:?}, B to A {to_a_takes:?}\n");

    // The home is at A or B before each kill, and the kill interrupts the
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
        // The previous round checked that the home is exactly at A or B, so
        // what this kill interrupts is exactly one switch.
        let was_killed = home.activate_and_kill(to, delay);
        if !was_killed {
            *takes = (*takes).min(delay);
        }
        let journal = home.has_journal();
        kills += 1;
        interrupted += usize::from(was_killed);
        journals_left += usize::from(journal);
        let _ = writeln!(report, "{context}: interrupted {was_killed}, journal left {journal}");

        let (output, expected, expected_bundle) = match recovery {
            Recovery::ActivateB => (home.activate(b, &[]), &clean_b, Some(&b.store_path)),
            Recovery::ActivateA => (home.activate(a, &[]), &clean_a, Some(&a.store_path)),
            Recovery::Deactivate => (home.am(&["deactivate"]), &user_only, None),
        };
        assert_exit(&output, 0, &format!("the run after the kill ({context})"));
        assert_same_listing(&home.listing(), expected, &context);
        at_b = recovery == Recovery::ActivateB;
        assert_user_files(&home, at_b, &context);
        assert!(!home.has_journal(), "{context}: the recovery left a journal");
        match (home.current(), expected_bundle) {
            (None, None) => {}
            (Some(number), Some(bundle)) => assert_eq!(
                home.gcroot(number).as_ref(),
                Some(bundle),
                "{context}: the GC root of the current generation {number}"
            ),
            (current, _) => panic!("{context}: current generation {current:?}"),
        }
        if recovery == Recovery::Deactivate {
            assert_exit(&home.activate(a, &[]), 0, &format!("A again ({context})"));
            assert_same_listing(&home.listing(), &clean_a, &format!("A again ({context})"));
        }
    }
    eprintln!("{report}");
    assert!(interrupted >= 20, "only {interrupted} kills interrupted a run:\n{report}");
    assert!(journals_left >= 3, "only {journals_left} kills left a journal behind:\n{report}");
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
    /// A folder of targets moved aside, a link to outside the home in its place.
    LinkedFolder,
}

#[test]
fn faults_between_a_kill_and_its_recovery() {
    if !have_nix() {
        return;
    }
    let bundles = cached_bundles(&[module_a(), module_b()]);
    let (a, b) = (&bundles[0], &bundles[1]);
    let reference = with_user_files("fault-reference");
    assert_exit(&reference.activate(a, &[]), 0, "A in the reference home");
    let clean_a = reference.listing();
    assert_exit(&reference.activate(b, &[]), 0, "B in the reference home");
    let clean_b = reference.listing();

    let home = with_user_files("fault");
    let outside = home.root.join("outside");
    std::fs::create_dir_all(&outside).expect("the outside folder");
    assert_exit(&home.activate(a, &[]), 0, "A");
    let timed = |bundle, what: &str| {
        let started = Instant::now();
        assert_exit(&home.activate(bundle, &[]), 0, what);
        started.elapsed()
    };
    let (to_b_takes, to_a_takes) = (timed(b, "A to B"), timed(a, "B to A"));
    assert_exit(&home.activate(b, &[]), 0, "A to B again");
    let targets = all_targets();
    let mut at_b = true;
    let mut report = String::new();
    // Folders the user made for the files: theirs to remove once empty.
    let mut user_made: Vec<std::path::PathBuf> = Vec::new();
    for round in 0..24u32 {
        let (to, to_name, takes) = if at_b { (a, "A", to_a_takes) } else { (b, "B", to_b_takes) };
        let fault = if round % 2 == 0 { Fault::UserFile } else { Fault::LinkedFolder };
        let delay = takes * (1 + round % 5) / 6;
        let killed = home.activate_and_kill(to, delay);
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
            let killed_again = home.activate_and_kill(recover_to, early);
            let _ = writeln!(report, "  the recovery killed after {early:?}: {killed_again}");
        }
        match fault {
            Fault::UserFile => {
                let free = targets
                    .iter()
                    .cycle()
                    .skip(round as usize * 97)
                    .take(targets.len())
                    .find(|t| std::fs::symlink_metadata(home.path.join(t)).is_err());
                let Some(path) = free else { continue };
                let text = format!("written after kill {round}\n");
                let missing = Path::new(path).ancestors().skip(1).map(|dir| home.path.join(dir));
                user_made.extend(missing.filter(|dir| !dir.exists()));
                home.write_user_file(path, text.as_bytes());
                let output = home.activate(recover_to, &[]);
                let code = output.status.code();
                assert!(
                    matches!(code, Some(0 | 3)),
                    "{context}: {code:?}\n{}",
                    all_output(&output)
                );
                // B moves a user file in its way to its backup.
                let backup = format!("{path}.bak");
                let at = match std::fs::symlink_metadata(home.path.join(&backup)) {
                    Ok(_) => backup,
                    Err(_) => path.clone(),
                };
                home.assert_user_file(&at, text.as_bytes(), &context);
                // The user removes it, and the folders it leaves empty: a
                // folder that held a user's file when the activation that made
                // it was undone is the user's. The next run tidies the rest.
                std::fs::remove_file(home.path.join(&at)).expect("the user removes it");
                for dir in Path::new(path).ancestors().skip(1) {
                    if dir.as_os_str().is_empty()
                        || std::fs::remove_dir(home.path.join(dir)).is_err()
                    {
                        break;
                    }
                }
                let again = home.activate(recover_to, &["--verbose"]);
                context = format!(
                    "{context} (the user's file at {at}, exit {code:?})\n--- the recovery:\n{}\n--- the run after:\n{}",
                    all_output(&output),
                    all_output(&again)
                );
                assert_exit(&again, 0, &context);
            }
            Fault::LinkedFolder => {
                let folder = FOLDERS[round as usize % FOLDERS.len()];
                let path = home.path.join(folder);
                let saved = home.path.join(format!("{folder}.saved"));
                let moved = path.is_dir() && std::fs::rename(&path, &saved).is_ok();
                std::os::unix::fs::symlink(&outside, &path).expect("the folder becomes a link");
                let output = home.activate(recover_to, &[]);
                assert_nothing_in(&outside, &format!("{context}\n{}", all_output(&output)));
                std::fs::remove_file(&path).expect("the user removes the link");
                if moved {
                    std::fs::rename(&saved, &path).expect("the user puts the folder back");
                }
                let output = home.activate(recover_to, &[]);
                assert_exit(&output, 0, &format!("{context}: once the folder is back"));
            }
        }
        // The user's folders go once empty (innermost first): am leaves
        // them, even once the links in them are gone.
        user_made.sort_by_key(|dir| std::cmp::Reverse(dir.components().count()));
        user_made.retain(|dir| dir.exists() && std::fs::remove_dir(dir).is_err());
        assert_same_listing(&home.listing(), expected, &context);
        at_b = std::ptr::eq(recover_to, b);
        assert_user_files(&home, at_b, &context);
        assert!(!home.has_journal(), "{context}: a journal remains");
        assert_no_temporaries(&home.path, ".am-", &context);
        assert_no_temporaries(&home.state(), ".tmp-", &context);
    }
    eprintln!("{report}");
}

fn assert_nothing_in(dir: &Path, context: &str) {
    let found: Vec<_> = std::fs::read_dir(dir).expect("readable").flatten().collect();
    assert!(found.is_empty(), "{context}: written outside the home: {found:?}");
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
