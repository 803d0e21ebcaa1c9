//! Reports that scale: a thousand paths in the way read as a few groups
//! (by option, and by folder for a `recursive` folder), each fix said once,
//! the count last.

use am_tests::engine::{Home, Module, build_bundles, write_files};
use am_tests::{assert_exit, fresh_dir, have_nix, snapshot_settings, stderr};

/// How many files of the recursive folder are in the way.
const IN_THE_WAY: usize = 1000;

#[test]
fn a_thousand_paths_in_the_way_are_reported_in_groups() {
    if !have_nix() {
        return;
    }
    let dir = fresh_dir("conflicts-report");
    let files: Vec<(String, String)> = (0..IN_THE_WAY)
        .map(|i| (format!("themes/set{}/t{i:04}.conf", i / 250), format!("{i}\n")))
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    write_files(&dir, &files);
    let module = Module::new()
        .line("home.file.\".config/themes\" = { source = ./themes; recursive = true; };")
        .file(".bashrc", "managed\n")
        .file(".profile", "managed\n")
        .file(".local/bin/tool", "#!/bin/sh\n");
    let bundle = &build_bundles(&dir, &[module])[0];

    let home = Home::new("conflicts-report");
    for (path, _) in &files {
        home.write_user_file(&format!(".config/{path}"), b"mine\n");
    }
    home.write_user_file(".bashrc", b"mine\n");
    home.write_user_file(".profile", b"mine\n");
    // A file where a folder is needed.
    home.write_user_file(".local/bin", b"mine\n");
    let before = home.snapshot();

    let output = home.activate(bundle, &[]);
    assert_exit(&output, 3, "activation with 1,003 paths in the way");
    assert_eq!(home.snapshot(), before, "a refused activation changed the home");
    let report = stderr(&output);
    let lines = report.lines().count();
    assert!(lines < 40, "{lines} lines for {IN_THE_WAY} paths:\n{report}");
    assert!(report.contains("am.backupFileExtension"), "{report}");
    assert!(report.trim_end().ends_with("activate again after a fix"), "{report}");
    snapshot_settings(&home.root).bind(|| insta::assert_snapshot!("conflicts-grouped", report));
}
