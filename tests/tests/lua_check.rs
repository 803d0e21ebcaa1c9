//! `lua/am.lua` and the example chunks beside it type-check, and a chunk
//! that calls the API wrongly does not: the annotations really describe
//! the API to an editor.
//!
//! The checker is `emmylua_check` (from crates.io), which reads the same
//! LuaLS annotations and `.luarc.json`; lua-language-server itself is in
//! none of the package registries the project installs from.

use std::path::Path;
use std::process::Output;

use am_tests::{find_program, fresh_dir, repo_root, require, stdout};

const CHECKER: &str = "emmylua_check";

/// `emmylua_check --warnings-as-errors DIR`, or `None` (after saying why)
/// when the checker is missing.
fn check(dir: &Path) -> Option<Output> {
    let checker = find_program(CHECKER);
    if !require("emmylua_check (cargo install --locked emmylua_check)", checker.is_some()) {
        return None;
    }
    let output = std::process::Command::new(checker?)
        .arg("--warnings-as-errors")
        .arg(dir)
        .output()
        .expect("emmylua_check runs");
    Some(output)
}

#[test]
fn the_annotations_and_the_examples_type_check() {
    let Some(output) = check(&repo_root().join("lua")) else { return };
    assert!(output.status.success(), "lua/ does not type-check:\n{}", stdout(&output));
}

/// Without a working `am.lua` (not found, not read, or describing nothing),
/// this chunk would pass or fail for another reason than the spec type.
#[test]
fn a_wrong_call_fails_the_check() {
    let dir = fresh_dir("lua-check");
    for file in ["am.lua", ".luarc.json"] {
        std::fs::copy(repo_root().join("lua").join(file), dir.join(file)).expect("copy");
    }
    std::fs::write(dir.join("task.lua"), "am.link{ target = \".vimrc\" }\n").expect("write");
    let Some(output) = check(&dir) else { return };
    let report = stdout(&output);
    assert!(!output.status.success(), "a link without source passed:\n{report}");
    assert!(report.contains("am.LinkSpec") && report.contains("source"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}
