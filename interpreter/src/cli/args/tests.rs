//! How the flags parse and lower, one command line at a time.

use super::*;

fn parse_strs(args: &[&str]) -> Result<Command, clap::Error> {
    parse(args.iter().map(OsString::from))
}

fn activate(args: &[&str]) -> Activate {
    match parse_strs(args) {
        Ok(Command::Activate(activate)) => activate,
        other => panic!("{args:?} parsed into {other:?}"),
    }
}

#[test]
fn clap_definition_is_consistent() {
    Args::command().debug_assert();
    EntryArgs::command().debug_assert();
}

#[test]
fn activate_takes_an_optional_bundle() {
    let explicit = activate(&["am", "activate", "./result", "--jobs", "3", "-v"]);
    assert_eq!(explicit.target, Target::Bundle(BundleArg::Folder("./result".into())));
    assert_eq!(explicit.jobs.get(), 3);
    assert!(explicit.verbose);
    assert_eq!(activate(&["am", "activate"]).target, Target::Bundle(BundleArg::Active));
}

#[test]
fn zero_jobs_is_a_usage_error() {
    let error = parse_strs(&["am", "activate", "--jobs", "0"]).expect_err("0 is rejected");
    assert_eq!(error.exit_code(), 2);
}

#[test]
fn bundle_entry_parses_the_users_flags_like_activate() {
    let entry = activate(&["am", "bundle-entry", "/b/bin/activate", "--verbose", "-j", "2"]);
    assert_eq!(entry.target, Target::Bundle(BundleArg::Script("/b/bin/activate".into())));
    assert!(entry.verbose);
    assert_eq!(entry.jobs.get(), 2);
}

#[test]
fn bundle_entry_help_is_activates_help() {
    let error = parse_strs(&["am", "bundle-entry", "./result/bin/activate", "--help"])
        .expect_err("help is shown");
    assert_eq!(error.kind(), clap::error::ErrorKind::DisplayHelp);
    let help = error.render().to_string();
    assert!(help.contains("--jobs"), "{help}");
    assert!(help.contains("./result/bin/activate"), "{help}");
}

#[test]
fn bundle_entry_rejects_a_bundle_argument() {
    let error = parse_strs(&["am", "bundle-entry", "/b/bin/activate", "./other"])
        .expect_err("activate takes no bundle");
    assert_eq!(error.exit_code(), 2);
}

#[test]
fn inspect_takes_a_path_and_json() {
    let parsed = parse_strs(&["am", "inspect", "--json", "plan.am"]).expect("valid");
    let format = InspectFormat::Json;
    assert_eq!(
        parsed,
        Command::Inspect(Inspect { path: Some("plan.am".into()), format, place: Where::Unsaid })
    );
}

#[test]
fn inspect_prints_one_format() {
    let parsed = parse_strs(&["am", "inspect", "--dot"]).expect("valid");
    let format = InspectFormat::Dot;
    assert_eq!(parsed, Command::Inspect(Inspect { path: None, format, place: Where::Unsaid }));
    let error = parse_strs(&["am", "inspect", "--dot", "--json"]).expect_err("one format");
    assert_eq!(error.exit_code(), 2);
}

#[test]
fn deactivate_refuses_the_flags_of_an_activation() {
    let parsed = activate(&["am", "deactivate", "--dry-run", "--root", "/mnt"]);
    assert_eq!(parsed.target, Target::Nothing);
    assert!(parsed.dry_run);
    assert_eq!(parsed.place, Where::System("/mnt".into()));
    for flag in ["--force", "--jobs=2", "--backup-ext=bak", "--timings"] {
        let error = parse_strs(&["am", "deactivate", flag]).expect_err(flag);
        assert_eq!(error.kind(), clap::error::ErrorKind::UnknownArgument, "{flag}");
    }
}

#[test]
fn generations_delete_by_number_or_by_age_and_count() {
    let generations = |args: &[&str]| match parse_strs(args) {
        Ok(Command::Generations(generations)) => generations,
        other => panic!("{args:?} parsed into {other:?}"),
    };
    assert_eq!(generations(&["am", "generations"]).delete, None);
    let numbers = generations(&["am", "generations", "--delete", "1", "3"]);
    assert_eq!(numbers.delete, Some(Delete::Numbers(vec![1, 3])));
    let old = generations(&["am", "generations", "--delete-older-than", "30d", "--keep", "2"]);
    let age = Age { seconds: 30 * 86_400, text: "30d".into() };
    let keep = NonZeroUsize::new(2);
    assert_eq!(old.delete, Some(Delete::Old { older_than: Some(age), keep }));
    assert!(generations(&["am", "generations", "--keep", "1", "-n"]).dry_run);
    for bad in [
        &["am", "generations", "--delete-older-than", "30"][..],
        &["am", "generations", "--delete-older-than", "3m"],
        &["am", "generations", "--delete-older-than", "d"],
        &["am", "generations", "--keep", "0"],
        &["am", "generations", "--delete", "1", "--keep", "1"],
        &["am", "generations", "--dry-run"],
    ] {
        let error = parse_strs(bad).expect_err("refused");
        assert_eq!(error.exit_code(), 2, "{bad:?}");
    }
}

#[test]
fn switch_passes_the_activation_flags_on_as_given() {
    let parsed = parse_strs(&[
        "am",
        "switch",
        "./result",
        "--target-host",
        "me@web",
        "-n",
        "-j",
        "2",
        "--root",
        "/srv/image",
        "-b",
        "bak",
        "--sudo",
    ])
    .expect("valid");
    let expected = Switch {
        bundle: "./result".into(),
        target_host: "me@web".to_string(),
        build_host: None,
        sudo: true,
        activate_args: ["--jobs", "2", "--dry-run", "--backup-ext", "bak", "--root", "/srv/image"]
            .map(String::from)
            .to_vec(),
    };
    assert_eq!(parsed, Command::Switch(expected));
    // Unsaid, the number of jobs is left to the target's CPUs.
    let parsed = parse_strs(&["am", "switch", "x.drv", "--build-host", "b", "--target-host", "t"]);
    match parsed.expect("valid") {
        Command::Switch(switch) => {
            assert_eq!(switch.build_host.as_deref(), Some("b"));
            assert!(switch.activate_args.is_empty(), "{:?}", switch.activate_args);
        }
        other => panic!("parsed into {other:?}"),
    }
}

#[test]
fn ages_have_a_unit() {
    assert_eq!(parse_age("2w").map(|age| age.seconds), Ok(14 * 86_400));
    assert_eq!(parse_age("12h").map(|age| age.seconds), Ok(12 * 3600));
    assert_eq!(parse_age("90s").map(|age| age.seconds), Ok(90));
    assert!(parse_age("99999999999999999999d").is_err(), "overflow");
    assert!(parse_age("-1d").is_err());
}

#[test]
fn switch_refuses_hosts_that_ssh_or_nix_would_misread() {
    for host in ["-oProxyCommand=x", "ssh://h", "me@web/x", "a b", ""] {
        let error = parse_strs(&["am", "switch", "./result", &format!("--target-host={host}")])
            .expect_err(host);
        assert_eq!(error.exit_code(), 2, "{host}");
    }
    let error = parse_strs(&["am", "switch", "./result"]).expect_err("a target is needed");
    assert_eq!(error.exit_code(), 2);
}

#[test]
fn diff_takes_new_alone_or_old_and_new() {
    let parsed = parse_strs(&["am", "diff", "./result"]).expect("valid");
    let diff = Diff { old: None, place: Where::Unsaid, new: "./result".into(), patch: false };
    assert_eq!(parsed, Command::Diff(diff));
    let parsed = parse_strs(&["am", "diff", "-p", "old", "new"]).expect("valid");
    let diff =
        Diff { old: Some("old".into()), place: Where::Unsaid, new: "new".into(), patch: true };
    assert_eq!(parsed, Command::Diff(diff));
    assert!(parse_strs(&["am", "diff"]).is_err());
    assert!(parse_strs(&["am", "diff", "a", "b", "c"]).is_err());
}

#[test]
fn timings_take_an_optional_which() {
    assert_eq!(activate(&["am", "activate"]).timings, None);
    assert_eq!(activate(&["am", "activate", "--timings"]).timings, Some(Timings::Slowest));
    assert_eq!(activate(&["am", "activate", "--timings=all"]).timings, Some(Timings::All));
    // `--timings` takes no separate word: the bundle stays the bundle.
    let parsed = activate(&["am", "activate", "--timings", "./result"]);
    assert_eq!(parsed.target, Target::Bundle(BundleArg::Folder("./result".into())));
}

#[test]
fn yes_answers_ask() {
    let parsed = activate(&["am", "activate", "--ask", "--yes"]);
    assert!(parsed.ask && parsed.yes);
    assert!(parse_strs(&["am", "activate", "--yes"]).is_err(), "--yes without --ask");
}

#[test]
fn completions_name_a_shell() {
    let parsed = parse_strs(&["am", "completions", "zsh"]).expect("valid");
    assert_eq!(parsed, Command::Completions(Shell::Zsh));
    assert!(parse_strs(&["am", "completions", "tcsh"]).is_err());
}

#[test]
fn the_chunk_process_has_a_hidden_subcommand() {
    let subcommand = crate::lua::SUBCOMMAND;
    assert_eq!(parse_strs(&["am", subcommand]).expect("valid"), Command::LuaChunk);
    let help = Args::command().render_help().to_string();
    assert!(!help.contains(subcommand), "{help}");
}
