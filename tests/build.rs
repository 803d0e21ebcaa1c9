//! Turns every folder of `cases/` into one test, so cases run in parallel and
//! fail one by one (the way Gleam's compiler test cases work).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    println!("cargo:rerun-if-changed={}", cases.display());
    let mut names: Vec<String> = std::fs::read_dir(&cases)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().join("home.nix").is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::new();
    for name in names {
        let function = name.replace(['-', '.'], "_");
        let _ = writeln!(code, "#[test]\nfn {function}() {{\n    run_case({name:?});\n}}\n");
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    std::fs::write(Path::new(&out).join("cases.rs"), code).expect("OUT_DIR is writable");
}
