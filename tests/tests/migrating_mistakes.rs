//! The mistakes a user moving from home-manager makes first, each met with
//! a message that names the file and says what to do, end to end with
//! real bundles: a link to a file outside the store that does not exist
//! (a warning; the link is made), a Lua error in a task read from a `.lua`
//! file (its file and line), and `am.copy`'s permissions (the Nix option's
//! field, `permissions`; the old `mode` refused with the fix). A `~/` in
//! a file's name and the names of `home.activation` entries fail the build:
//! their messages are the cases `invalid-tilde-for-the-home` and
//! `invalid-activation-*`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use am_tests::engine::{Bundle, Home, build_module_files};
use am_tests::{assert_exit, fresh_dir, have_nix, stderr};

/// Builds the bundle of one module, written to `home.nix` in a new folder
/// with `files` (name, text) beside it.
fn bundle(label: &str, module: &str, files: &[(&str, &str)]) -> Bundle {
    let dir = fresh_dir(label);
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("the folder is writable");
    }
    let path = dir.join("home.nix");
    std::fs::write(&path, module).expect("the folder is writable");
    build_module_files(&dir, &[path.as_path()], "the bundle must build")
}

#[test]
fn a_link_to_a_missing_file_outside_the_store_is_a_warning() {
    if !have_nix() {
        return;
    }
    let home = Home::new("mistakes-dangling");
    let notes = home.path.join("notes/todo.md");
    let module = format!(
        "{{ config, ... }}: {{\n  home.file.\"todo.md\".source = \
         config.lib.file.mkOutOfStoreSymlink \"{}\";\n}}\n",
        notes.display()
    );
    let bundle = bundle("mistakes-dangling", &module, &[]);

    let output = home.activate(&bundle, &[]);
    assert_exit(&output, 0, "a link to a missing file is made");
    let warning = format!(
        "warning: {} links to {}, which does not exist; the link dangles until it does \
         (declared by home.file.\"todo.md\")",
        home.path.join("todo.md").display(),
        notes.display()
    );
    assert!(stderr(&output).contains(&warning), "{}", stderr(&output));
    assert!(home.path.join("todo.md").is_symlink(), "the link was not made");

    let output = home.activate(&bundle, &["--dry-run"]);
    assert!(stderr(&output).contains(&warning), "the dry run warns too: {}", stderr(&output));

    home.write_user_file("notes/todo.md", b"- write the notes\n");
    let output = home.activate(&bundle, &[]);
    assert_exit(&output, 0, "once the file exists");
    assert!(!stderr(&output).contains("does not exist"), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(home.path.join("todo.md")).expect("the link leads to the file"),
        "- write the notes\n"
    );
}

#[test]
fn a_lua_error_names_the_file_and_line_of_the_task() {
    if !have_nix() {
        return;
    }
    let script = "local dir = \"walls\"\n\
                  local names = am.fs.list(dir)\n\
                  am.link{ target = names[1] .. \".png\", source = \"/nowhere\" }\n";
    let module = "{ ... }: { lua.tasks.walls.script = ./walls.lua; }\n";
    let bundle = bundle("mistakes-lua-file", module, &[("walls.lua", script)]);
    let home = Home::new("mistakes-lua-file");
    // No wallpapers yet: `names[1]` is nil on line 3.
    std::fs::create_dir_all(home.path.join("walls")).expect("an empty folder");

    let output = home.activate(&bundle, &[]);
    assert_exit(&output, 4, "the task fails");
    let file = bundle_source_file(&bundle);
    let said = stderr(&output);
    assert!(
        said.contains(&format!("{file}:3: attempt to concatenate a nil value")),
        "the error does not name {file} and line 3:\n{said}"
    );
}

/// Where the task's script was read from, as the bundle names it (the
/// module's folder: `./walls.lua` is read where the module is).
fn bundle_source_file(bundle: &Bundle) -> String {
    let output = std::process::Command::new(am_tests::am_bin())
        .args(["inspect", "--json"])
        .arg(&bundle.store_path)
        .output()
        .expect("am inspect runs");
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("am inspect --json prints JSON");
    let nodes = json["nodes"].as_array().cloned().unwrap_or_default();
    let task = nodes.iter().find(|node| node["id"] == "lua:walls").expect("the task node");
    let name = task["name"].as_str().expect("a Lua node has a name").to_string();
    assert!(name.ends_with("/walls.lua") && Path::new(&name).is_file(), "named {name}");
    name
}

#[test]
fn am_copy_takes_permissions_as_the_nix_option_does() {
    if !have_nix() {
        return;
    }
    let task = |fields: &str| {
        format!(
            "{{ ... }}: {{ lua.tasks.token.script = ''\n  \
             am.copy{{ target = \".config/app/token\", text = \"secret\\n\", {fields} }}\n''; }}\n"
        )
    };
    let good = bundle("mistakes-copy-permissions", &task("permissions = \"0600\""), &[]);
    let home = Home::new("mistakes-copy-permissions");
    assert_exit(&home.activate(&good, &[]), 0, "a copy with permissions");
    let meta = std::fs::metadata(home.path.join(".config/app/token")).expect("the copy");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);

    let old = bundle("mistakes-copy-mode", &task("mode = 384"), &[]);
    let home = Home::new("mistakes-copy-mode");
    let output = home.activate(&old, &[]);
    assert_exit(&output, 4, "a copy with mode");
    assert!(
        stderr(&output).contains(
            "am.copy: `mode` is not a field: the permission bits are `permissions`, as in the \
             Nix options (write permissions = \"0600\")"
        ),
        "{}",
        stderr(&output)
    );
    home.assert_absent(".config/app/token", "a refused copy");
}
