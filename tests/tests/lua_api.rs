//! `lua/am.lua`, the annotations editors read and the Lua API reference is
//! generated from, against the `am` table the interpreter really gives a
//! chunk (`am __docs lua-api`, one `<dotted name> <lua type>` a line).

use std::collections::BTreeSet;
use std::process::Command;

use am_tests::luadoc::Api;
use am_tests::{am_bin, assert_exit, repo_root, stdout};

/// A member `am` has and the file does not annotate, or the other way
/// round, or one annotated with another type, fails here.
#[test]
fn annotations_name_exactly_the_members_of_am() {
    let output = Command::new(am_bin()).args(["__docs", "lua-api"]).output().expect("am runs");
    assert_exit(&output, 0, "am __docs lua-api");
    let printed: BTreeSet<(String, String)> = stdout(&output)
        .lines()
        .map(|line| {
            let (name, ty) = line.split_once(' ').unwrap_or_else(|| panic!("no type in {line:?}"));
            (name.to_string(), ty.to_string())
        })
        .collect();
    assert!(printed.iter().any(|(name, _)| name == "am.link"), "{printed:?}");

    let file = repo_root().join("lua/am.lua");
    let text = std::fs::read_to_string(&file).expect("lua/am.lua is readable");
    let annotated = Api::parse(&text).unwrap_or_else(|e| panic!("{e}")).members();

    let show = |members: Vec<&(String, String)>| {
        members.iter().map(|(name, ty)| format!("\n  {name} {ty}")).collect::<String>()
    };
    let unannotated = show(printed.difference(&annotated).collect());
    let unknown = show(annotated.difference(&printed).collect());
    assert!(
        unannotated.is_empty() && unknown.is_empty(),
        "lua/am.lua does not match `am __docs lua-api`\n\
         members of am without an annotation (or annotated with another type):{unannotated}\n\
         annotations naming no member of am:{unknown}"
    );
}
