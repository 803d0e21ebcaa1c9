//! One test per folder of `tests/cases/`: build `home.nix` with the real
//! `nix-build`, then either snapshot the build error (`invalid-*` cases: what
//! `am-compile` printed, or the evaluation error when the Nix library
//! refused the configuration before the compiler ran) or
//! snapshot `am inspect`, activate into a temporary home, snapshot the home,
//! and check that activating again changes nothing.
//!
//! A case may also have:
//!
//! - `args.nix`, an attribute set given to `homeBundle` as
//!   `extraSpecialArgs` (as a flake passes its inputs);
//! - a line `home.homeDirectory = ...;` in `home.nix`: the bundle would then
//!   refuse the test's home, so the test's home is set instead (`mkForce`).
//!   Its files hold that home's path, whose length differs from run to run:
//!   the listing leaves out their sizes and first lines, and the snapshot
//!   ends with their whole text;
//! - `dconf.settings`: then it activates inside a private session bus with
//!   the home's own dconf database (never the developer's), whose binary
//!   file is left out of the listing, and the snapshot ends with what
//!   `dconf dump /` shows;
//! - `home.packages`: then the snapshot ends with what the Nix profile
//!   holds (`~/.nix-profile`, which activation makes), and the listing
//!   leaves out `~/.nix-defexpr`, which Nix's own `nix-env` makes and
//!   whose channel links name the user running the tests.

use std::path::Path;

use am_tests::dconf::{self, have_dconf};
use am_tests::engine::{Home, home_directory_module};
use am_tests::nixeval::eval_error;
use am_tests::{
    am_bin, assert_exit, bundle_expr_with_args, compiler_output, fresh_dir, have_nix,
    nix_build_expr, nix_path, repo_root, run_in_home, snapshot_settings, stdout, tree,
};

include!(concat!(env!("OUT_DIR"), "/cases.rs"));

fn run_case(name: &str) {
    if !have_nix() {
        return;
    }
    let case = repo_root().join("tests/cases").join(name);
    let config = case.join("home.nix");
    let source = std::fs::read_to_string(&config).expect("case has a home.nix");
    let uses_dconf = source.contains("dconf.settings");
    let uses_packages = source.contains("home.packages");
    if uses_dconf && !name.starts_with("invalid-") && !have_dconf() {
        return;
    }
    let temp = fresh_dir(name);
    let home = Home { root: temp.clone(), path: temp.join("home"), xdg_state_home: None };
    std::fs::create_dir_all(&home.path).expect("temp home");
    let pins_home =
        source.lines().any(|line| line.trim_start().starts_with("home.homeDirectory ="));
    let mut settings = snapshot_settings(&temp);
    settings.set_snapshot_path(&case);
    settings.set_input_file(&config);
    if pins_home {
        settings.add_filter(r"\[file (\d+), \d+ bytes: .*\]", "[file $1]");
    }
    let build = nix_build_expr(&temp, &bundle_expr_for(&case, pins_home, &home.path), &[]);

    if name.starts_with("invalid-") {
        let error = match build {
            Ok(out) => panic!("{name} must fail to build, but built {}", out.display()),
            Err(stderr) => match compiler_output(&stderr) {
                compiled if compiled.is_empty() => eval_error(&stderr),
                compiled => compiled,
            },
        };
        settings.bind(|| {
            insta::assert_snapshot!(
                "build-error",
                format!("{source}\n---- nix-build fails with\n{error}")
            )
        });
        return;
    }

    let result = build.unwrap_or_else(|stderr| panic!("{name} must build:\n{stderr}"));
    let inspect = run_in_home(am_bin(), &["inspect", &result.display().to_string()], &temp);
    assert_exit(&inspect, 0, "am inspect");

    let activate = |what: &str| {
        let output = if uses_dconf {
            dconf::activate(&home, &am_tests::engine::Bundle::from_out_link(result.clone()), &[])
        } else {
            run_in_home(result.join("bin/activate"), &[], &home.path)
        };
        assert_exit(&output, 0, what);
    };
    let listing = || {
        let listing = tree::listing(&home.path);
        if !uses_dconf && !uses_packages {
            return listing;
        }
        let nix_own = |line: &str| uses_packages && line.starts_with(".nix-defexpr");
        let dconf_own = |line: &str| uses_dconf && line.starts_with(".config/dconf/user");
        let keep = |line: &&str| !dconf_own(line) && !nix_own(line);
        listing.lines().filter(keep).map(|line| format!("{line}\n")).collect()
    };
    activate("first activation");
    let after_first = listing();
    activate("second activation");
    assert_eq!(listing(), after_first, "a second activation changed the home");

    let mut more = String::new();
    if uses_dconf {
        more += &format!("\n---- dconf dump / after activation\n{}", dconf::dump(&home));
    }
    if pins_home {
        more += &format!("\n---- text of the linked files\n{}", linked_texts(&home.path));
    }
    if uses_packages {
        more += &format!("\n---- ~/.nix-profile after activation\n{}", profile(&home.path));
    }
    settings.bind(|| {
        insta::assert_snapshot!(
            "activation",
            format!(
                "{source}\n---- am inspect\n{}\n---- home after activation\n{after_first}{more}",
                stdout(&inspect)
            )
        )
    });
}

/// The bundle of a case: its `home.nix`, its home pinned to the test's home
/// when it sets one, and its `args.nix` as `extraSpecialArgs`.
fn bundle_expr_for(case: &Path, pins_home: bool, home: &Path) -> String {
    let config = case.join("home.nix");
    let pinned = pins_home.then(|| home_directory_module(home.parent().unwrap_or(home), home));
    let mut modules = vec![config.as_path()];
    modules.extend(pinned.as_deref());
    let args = case.join("args.nix");
    let args = if args.is_file() { format!("import {}", nix_path(&args)) } else { "{ }".into() };
    bundle_expr_with_args(&modules, &args)
}

/// What the home's Nix profile holds: each folder at its top (`bin/`,
/// `share/`, links into the package tree) listed inside, so that it shows
/// which package each file comes from.
fn profile(home: &Path) -> String {
    let profile = home.join(".nix-profile");
    let mut out = String::new();
    for line in tree::listing(&profile).lines() {
        let Some((name, _)) = line.split_once(" -> ") else { continue };
        match std::fs::canonicalize(profile.join(name)) {
            Ok(folder) if folder.is_dir() => {
                out += &format!("{name}/\n");
                for inner in tree::listing(&folder).lines() {
                    out += &format!("{name}/{inner}\n");
                }
            }
            _ => out += &format!("{line}\n"),
        }
    }
    out
}

/// The text of every file the home links to, outside the state folder, by
/// path, sorted.
fn linked_texts(home: &Path) -> String {
    let mut out = String::new();
    for line in tree::listing(home).lines() {
        let Some((path, _)) = line.split_once(" -> ") else { continue };
        if path.starts_with(".local/state/") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(home.join(path)) else { continue };
        out += &format!("==> {path} <==\n{text}");
    }
    out
}
