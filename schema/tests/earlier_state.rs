//! Records written by earlier releases of `am` still read: upgrading `am`
//! must not strand a home. Each fixture is a file the release wrote.

use am_schema::state::{Generation, OwnedKind};

#[test]
fn a_first_release_record_reads_as_today_s_generation() {
    // Written by the first release's `am activate` (state version 3) for a
    // bundle of three files, one in a folder it made.
    let bytes = include_bytes!("fixtures/generation-v3");
    let generation: Generation = am_schema::decode_generation(bytes).expect("a v3 record reads");
    assert_eq!(generation.number, 1);
    assert_eq!(generation.bundle, "/nix/store/v83rcalvgrh6l754biaibzwp7mpxpq22-home-bundle");
    let targets: Vec<_> = generation.owned.iter().map(|owned| owned.target.as_str()).collect();
    assert_eq!(targets, [".profile", "copied.txt", "notes/todo.txt"]);
    assert!(generation.owned.iter().all(|owned| owned.kind == OwnedKind::Link));
    assert_eq!(generation.created_dirs, ["notes"]);
    assert_eq!(generation.profile, None);
    assert_eq!(generation.accounts, Default::default());
}

#[test]
fn a_record_of_an_unknown_version_is_refused() {
    let mut bytes = include_bytes!("fixtures/generation-v3").to_vec();
    bytes[8] = 2;
    let error = am_schema::decode_generation(&bytes).expect_err("version 2 never existed");
    assert!(
        error
            .to_string()
            .contains("written by an older activation-manager; use the am that wrote it"),
        "{error}"
    );
}
