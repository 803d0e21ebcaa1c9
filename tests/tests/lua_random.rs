//! Random sequences of activations, rollbacks, deactivations and deleted
//! targets over bundles whose targets are made in random ways: a compiled
//! link or copy, or a link or copy a Lua task creates. After every step the
//! home must be exactly what a clean activation of the current bundle makes
//! in a fresh home holding the same user files: nothing stale is left
//! (files or folders), nothing is missing, no user file changed.
//!
//! The seed is printed; `AM_RANDOM_SEED=<n>` replays a run.

use std::collections::BTreeMap;
use std::path::Path;

use am_tests::engine::{Bundle, Home, Module, all_output, cached_bundles};
use am_tests::rng::{Rng, seed_from_env};
use am_tests::{assert_exit, have_nix};

/// Every path a bundle may make; none is a folder of another.
const TARGETS: [&str; 6] = [".t0", "a/t1", "a/b/t2", "c/t3", ".config/x/t4", ".config/x/t5"];
/// User files beside the targets, in the folders they use.
const USER_FILES: [&str; 4] = [".u0", "a/u1", "a/b/u2", ".config/x/u3"];
/// Files Lua links point at: absolute, present on every machine.
const SOURCES: [&str; 2] = ["/etc/hostname", "/etc/passwd"];

const BUNDLES: usize = 5;
const SEQUENCES: u64 = 3;
const STEPS: usize = 30;
const DEFAULT_SEED: u64 = 20_261_122;

/// How a bundle makes one target.
#[derive(Debug, Clone)]
enum Form {
    Link(String),
    Copy(String),
    LuaLink(&'static str),
    LuaCopy(String),
}

fn random_forms(rng: &mut Rng) -> BTreeMap<&'static str, Form> {
    let mut forms = BTreeMap::new();
    for target in TARGETS {
        // Few versions, so that bundles often agree on a file.
        let text = format!("{target} v{}\n", rng.below(2));
        let form = match rng.below(6) {
            0 => continue,
            1 => Form::Link(text),
            2 => Form::Copy(text),
            3 | 4 => Form::LuaLink(SOURCES[rng.below(SOURCES.len())]),
            _ => Form::LuaCopy(text),
        };
        forms.insert(target, form);
    }
    forms
}

fn module(forms: &BTreeMap<&'static str, Form>) -> Module {
    let mut module = Module::new();
    let mut chunk = String::new();
    for (target, form) in forms {
        match form {
            Form::Link(text) => module = module.file(target, text),
            Form::Copy(text) => {
                module = module.line(format!(
                    "home.file.{target:?} = {{ text = {text:?}; mode = \"copy\"; }};"
                ))
            }
            Form::LuaLink(source) => {
                chunk.push_str(&format!("am.link{{ target = {target:?}, source = {source:?} }}\n"))
            }
            Form::LuaCopy(text) => {
                chunk.push_str(&format!("am.copy{{ target = {target:?}, text = {text:?} }}\n"))
            }
        }
    }
    if !chunk.is_empty() {
        module = module.line(format!("lua.tasks.made.script = {};", nix_indented(&chunk)));
    }
    module
}

/// `''...''` holding `text`, which has no `''` and no `${`.
fn nix_indented(text: &str) -> String {
    assert!(!text.contains("''") && !text.contains("${"), "{text}");
    format!("''\n{text}''")
}

/// The home as the listing shows it, without file mtimes: a copy written
/// by another run is the same copy.
fn without_mtimes(listing: &str) -> String {
    listing
        .lines()
        .map(|line| line.split(" mtime ").next().unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a clean run gives: `bundle` (or nothing) activated into a fresh
/// home holding `user_files`.
fn reference(bundle: Option<&Bundle>, user_files: &BTreeMap<&str, String>) -> String {
    let home = Home::with_state_outside("lua-random-reference");
    for (path, text) in user_files {
        home.write_user_file(path, text.as_bytes());
    }
    if let Some(bundle) = bundle {
        assert_exit(&home.activate(bundle, &[]), 0, "the reference activation");
    }
    without_mtimes(&home.listing())
}

#[test]
fn random_moves_between_compiled_and_lua_targets_leave_exactly_the_current_bundle() {
    if !have_nix() {
        return;
    }
    let seed = seed_from_env(DEFAULT_SEED);
    eprintln!("seed {seed} (replay with AM_RANDOM_SEED={seed})");
    let mut rng = Rng::new(seed);
    let specs: Vec<_> = (0..BUNDLES).map(|_| random_forms(&mut rng)).collect();
    let modules: Vec<Module> = specs.iter().map(module).collect();
    let bundles = cached_bundles(&modules);
    let mut references: BTreeMap<(Option<usize>, String), String> = BTreeMap::new();

    for sequence in 0..SEQUENCES {
        let home = Home::with_state_outside("lua-random");
        let mut user_files: BTreeMap<&str, String> = BTreeMap::new();
        let mut log = Vec::new();
        for step in 0..STEPS {
            let action = match rng.below(10) {
                0..=5 => {
                    let index = rng.below(BUNDLES);
                    let output = home.activate(&bundles[index], &[]);
                    assert_exit(&output, 0, &format!("seed {seed}: activating bundle {index}"));
                    format!("activate {index}")
                }
                6 => {
                    let output = home.am(&["rollback"]);
                    let text = all_output(&output);
                    // Nothing to roll back to is an answer, not a failure
                    // (after `am deactivate`, the deactivated generation is).
                    if !output.status.success()
                        && !text.contains("no generation before")
                        && !text.contains("no generation to roll back to")
                    {
                        panic!("seed {seed}: rollback failed:\n{text}");
                    }
                    "rollback".to_string()
                }
                7 => {
                    let output = home.am(&["deactivate"]);
                    let text = all_output(&output);
                    if !output.status.success() && !text.contains("no active generation") {
                        panic!("seed {seed}: deactivate failed:\n{text}");
                    }
                    "deactivate".to_string()
                }
                8 => {
                    let path = USER_FILES[rng.below(USER_FILES.len())];
                    let text = format!("user {sequence}.{step}\n");
                    home.write_user_file(path, text.as_bytes());
                    user_files.insert(path, text);
                    format!("user file {path}")
                }
                _ => {
                    // Deleting a made target: the next activation repairs it.
                    let target = TARGETS[rng.below(TARGETS.len())];
                    let path = home.path.join(target);
                    if std::fs::symlink_metadata(&path).is_ok() {
                        std::fs::remove_file(&path).expect("a target can be deleted");
                        let output = home.am(&["activate"]);
                        let text = all_output(&output);
                        if !output.status.success() && !text.contains("no bundle is active") {
                            panic!("seed {seed}: repairing {target} failed:\n{text}");
                        }
                    }
                    format!("delete and repair {target}")
                }
            };
            log.push(action);
            let current = home.current_bundle().map(|path| {
                bundles
                    .iter()
                    .position(|bundle| same_path(&bundle.store_path, &path))
                    .unwrap_or_else(|| panic!("seed {seed}: current bundle {path:?} is not ours"))
            });
            let user_key = format!("{user_files:?}");
            let expected = references
                .entry((current, user_key))
                .or_insert_with(|| reference(current.map(|i| &bundles[i]), &user_files));
            let found = without_mtimes(&home.listing());
            assert!(
                &found == expected,
                "seed {seed}, sequence {sequence}, after {}:\n--- expected\n{expected}\n--- found\n{found}",
                log.join(", ")
            );
            for (path, text) in &user_files {
                home.assert_user_file(path, text.as_bytes(), &format!("seed {seed}, step {step}"));
            }
        }
    }
}

fn same_path(a: &Path, b: &Path) -> bool {
    std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
}
