//! Every Nix block of the Lua recipes (`docs/src/guides/lua.md`) is a
//! module that builds with the real compiler, which checks the syntax of
//! each Lua value and chunk in it: a recipe cannot rot unnoticed.

use am_tests::{fresh_dir, have_nix, nix_build, repo_root};

const PAGE: &str = "docs/src/guides/lua.md";

/// The contents of the ```` ```nix ```` blocks of `markdown`.
fn nix_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```nix") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn every_lua_recipe_builds() {
    if !have_nix() {
        return;
    }
    let page = std::fs::read_to_string(repo_root().join(PAGE)).expect("the recipes page exists");
    let recipes = nix_blocks(&page);
    assert!(recipes.len() >= 4, "{PAGE} has {} Nix blocks", recipes.len());
    let dir = fresh_dir("lua-recipes");
    // The file the first recipe links, beside the modules as in a config.
    std::fs::write(dir.join("app.conf"), "key = value\n").expect("temp is writable");
    for (number, recipe) in recipes.iter().enumerate() {
        let module = dir.join(format!("recipe-{number}.nix"));
        std::fs::write(&module, recipe).expect("temp is writable");
        if let Err(stderr) = nix_build(&dir, &[&module], &[]) {
            panic!("recipe {number} of {PAGE} does not build:\n{recipe}\n{stderr}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
