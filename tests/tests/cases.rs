//! One test per folder of `tests/cases/`: build `home.nix` with the real
//! `nix-build`, then either snapshot the build error (`invalid-*` cases) or
//! snapshot `am inspect`, activate into a temporary home, snapshot the home,
//! and check that activating again changes nothing.

use am_tests::{
    am_bin, assert_exit, compiler_output, fresh_dir, have_nix, nix_build, repo_root, run_in_home,
    snapshot_settings, stdout, tree,
};

include!(concat!(env!("OUT_DIR"), "/cases.rs"));

fn run_case(name: &str) {
    if !have_nix() {
        return;
    }
    let case = repo_root().join("tests/cases").join(name);
    let config = case.join("home.nix");
    let source = std::fs::read_to_string(&config).expect("case has a home.nix");
    let temp = fresh_dir(name);
    let mut settings = snapshot_settings(&temp);
    settings.set_snapshot_path(&case);
    settings.set_input_file(&config);
    let build = nix_build(&temp, &[&config], &[]);

    if name.starts_with("invalid-") {
        let error = match build {
            Ok(out) => panic!("{name} must fail to build, but built {}", out.display()),
            Err(stderr) => compiler_output(&stderr),
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

    let home = temp.join("home");
    std::fs::create_dir_all(&home).expect("temp home");
    let activate = result.join("bin/activate");
    assert_exit(&run_in_home(&activate, &[], &home), 0, "first activation");
    let after_first = tree::listing(&home);
    assert_exit(&run_in_home(&activate, &[], &home), 0, "second activation");
    assert_eq!(tree::listing(&home), after_first, "a second activation changed the home");

    settings.bind(|| {
        insta::assert_snapshot!(
            "activation",
            format!(
                "{source}\n---- am inspect\n{}\n---- home after activation\n{after_first}",
                stdout(&inspect)
            )
        )
    });
}
