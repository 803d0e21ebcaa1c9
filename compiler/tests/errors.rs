//! Every validation error within one node, and of the input as a whole,
//! rendered exactly as a user sees it in a failed build. The errors about
//! how nodes relate (duplicates, nesting, names of no node, cycles) are in
//! `graph_errors.rs`. Each snapshot holds the input nodes (in its
//! description) and the report, so it reads on its own.

#[macro_use]
mod common;

use common::{describe, report_for_text, with_provenance};
use serde_json::{Value, json};

/// Snapshots the report for the nodes of a system bundle.
macro_rules! system_error {
    ($nodes:expr) => {{
        let nodes = with_provenance($nodes);
        let text = json!({ "version": 1, "role": "system", "nodes": nodes }).to_string();
        insta::with_settings!({ description => describe(&nodes), omit_expression => true }, {
            insta::assert_snapshot!(report_for_text(&text));
        });
    }};
}

/// Snapshots the report for a whole input text.
macro_rules! input_error {
    ($text:expr) => {{
        let text: &str = $text;
        insta::with_settings!({ description => text, omit_expression => true }, {
            insta::assert_snapshot!(report_for_text(text));
        });
    }};
}

// The input as a whole.

#[test]
fn invalid_json() {
    input_error!("{\"version\": 1, \"nodes\": [\n  {\"id\": \"a\",}\n]}");
}

#[test]
fn unsupported_version() {
    input_error!(r#"{"version": 2, "nodes": [{"id": "a", "kind": "teleport"}]}"#);
}

#[test]
fn backup_extension_with_a_slash() {
    input_error!(r#"{"version": 1, "backupFileExtension": "old/bak", "nodes": []}"#);
}

#[test]
fn home_directory_not_absolute() {
    input_error!(r#"{"version": 1, "homeDirectory": "home/jane", "nodes": []}"#);
}

#[test]
fn input_is_not_an_object() {
    input_error!(r#"[1, 2]"#);
}

#[test]
fn input_without_version_and_with_unknown_field() {
    input_error!(r#"{"nodes": [], "extra": true}"#);
}

#[test]
fn nodes_is_not_a_list() {
    input_error!(r#"{"version": 1, "nodes": {"a": {}}}"#);
}

#[test]
fn node_is_not_an_object() {
    input_error!(r#"{"version": 1, "nodes": ["a"]}"#);
}

// Kinds and fields.

#[test]
fn unknown_kind_with_suggestion() {
    nodes_error!(json!([{ "id": "hello", "kind": "exce", "argv": ["true"] }]));
}

#[test]
fn unknown_kind_without_suggestion() {
    nodes_error!(json!([{ "id": "hello", "kind": "teleport" }]));
}

#[test]
fn unknown_field_with_suggestion() {
    nodes_error!(json!([
        { "id": "file:.vimrc", "kind": "link", "target": ".vimrc", "sorce": "/nix/store/aaaa-vimrc" }
    ]));
}

#[test]
fn unknown_field_from_another_tool() {
    nodes_error!(json!([{ "id": "hello", "kind": "exec", "cmd": ["true"] }]));
}

#[test]
fn unknown_field_without_suggestion() {
    nodes_error!(json!([
        { "id": "hello", "kind": "exec", "argv": ["true"], "restartOnFailure": true }
    ]));
}

#[test]
fn missing_target() {
    nodes_error!(json!([{ "id": "file:.vimrc", "kind": "link", "text": "set nu\n" }]));
}

#[test]
fn missing_argv() {
    nodes_error!(json!([{ "id": "hello", "kind": "exec" }]));
}

#[test]
fn missing_kind() {
    nodes_error!(json!([{ "id": "hello", "argv": ["true"] }]));
}

#[test]
fn missing_id() {
    nodes_error!(json!([
        { "kind": "exec", "argv": ["true"], "declaredBy": "am.loweredNodes", "definedIn": ["/home/me/broken.nix"] }
    ]));
}

#[test]
fn wrong_type_of_field() {
    nodes_error!(json!([{ "id": "hello", "kind": "exec", "argv": "echo hi" }]));
}

#[test]
fn wrong_type_of_list_element() {
    nodes_error!(json!([{ "id": "hello", "kind": "exec", "argv": ["true"], "after": ["a", 3] }]));
}

#[test]
fn wrong_type_of_attribute() {
    nodes_error!(
        json!([{ "id": "hello", "kind": "exec", "argv": ["true"], "env": { "PORT": 8080 } }])
    );
}

#[test]
fn wrong_type_of_bool() {
    nodes_error!(json!([
        { "id": "hello", "kind": "exec", "argv": ["true"], "required": "yes" }
    ]));
}

// Links and execs.

#[test]
fn link_with_source_and_text() {
    nodes_error!(json!([
        { "id": "file:.vimrc", "kind": "link", "target": ".vimrc", "source": "/nix/store/aaaa-vimrc", "text": "set nu\n" }
    ]));
}

#[test]
fn link_without_source_or_text() {
    nodes_error!(json!([
        { "id": "file:.vimrc", "kind": "link", "target": ".vimrc", "source": null, "text": null }
    ]));
}

#[test]
fn exec_with_empty_argv() {
    nodes_error!(json!([{ "id": "hello", "kind": "exec", "argv": [] }]));
}

#[test]
fn absolute_target() {
    nodes_error!(
        json!([{ "id": "file:/etc/motd", "kind": "link", "target": "/etc/motd", "text": "hi" }])
    );
}

#[test]
fn target_leaving_the_home() {
    nodes_error!(json!([
        { "id": "file:../other/.vimrc", "kind": "link", "target": "../other/.vimrc", "text": "hi" }
    ]));
}

#[test]
fn many_absolute_targets_are_one_message() {
    let nodes: Vec<Value> = ["a", "b", "c", "d", "e", "f", "g"]
        .iter()
        .map(|name| {
            let target = format!("/etc/{name}.conf");
            json!({ "id": format!("file:{target}"), "kind": "link", "target": target, "text": "x" })
        })
        .collect();
    nodes_error!(Value::Array(nodes));
}

/// Three `xdg.configFile` entries as the Nix library lowers them when
/// `xdg.configHome` is `config_home` (relative to the home): every target
/// is below it, so one mistake there makes all of them wrong.
fn config_files_below(config_home: &str) -> Value {
    let nodes: Vec<Value> = ["git/config", "nvim/init.lua", "kitty/kitty.conf"]
        .iter()
        .map(|name| {
            let target = format!("{config_home}/{name}");
            json!({
                "id": format!("file:{target}"), "kind": "link", "target": target, "text": "x",
                "declaredBy": format!("xdg.configFile.\"{name}\"")
            })
        })
        .collect();
    Value::Array(nodes)
}

#[test]
fn targets_below_a_folder_option_with_a_tilde_name_it() {
    // `xdg.configHome = "~/.config";`, as a shell would have it.
    nodes_error!(config_files_below("~/.config"));
}

#[test]
fn targets_below_a_folder_option_that_leaves_the_home_name_it() {
    nodes_error!(config_files_below("../shared/.config"));
}

#[test]
fn many_missing_store_sources_are_one_message() {
    let nodes: Vec<Value> = ["a", "b", "c"]
        .iter()
        .map(|name| {
            let source = format!("/nix/store/cccc-gone/{name}");
            json!({ "id": format!("file:.{name}"), "kind": "link", "target": format!(".{name}"), "source": source })
        })
        .collect();
    nodes_error!(Value::Array(nodes));
}

#[test]
fn target_is_the_home() {
    nodes_error!(json!([
        { "id": "file:./", "kind": "link", "target": "./", "text": "hi" },
        { "id": "file:", "kind": "link", "target": "", "text": "hi" }
    ]));
}

#[test]
fn tilde_for_the_home() {
    nodes_error!(json!([
        { "id": "file:~/.bashrc", "kind": "link", "target": "~/.bashrc", "text": "echo hi\n",
          "declaredBy": "home.file.\"~/.bashrc\"" },
        { "id": "file:.config/~/.config/git/config", "kind": "link",
          "target": ".config/~/.config/git/config", "text": "[user]\n",
          "declaredBy": "xdg.configFile.\"~/.config/git/config\"" }
    ]));
}

#[test]
fn relative_source() {
    nodes_error!(json!([
        { "id": "file:.vimrc", "kind": "link", "target": ".vimrc", "source": "dotfiles/vimrc" }
    ]));
}

#[test]
fn missing_store_source() {
    nodes_error!(json!([
        { "id": "file:.vimrc", "kind": "link", "target": ".vimrc", "source": "/nix/store/zzzz-gone" }
    ]));
}

#[test]
fn missing_source_to_copy() {
    nodes_error!(json!([
        { "id": "bin/hello", "kind": "link", "target": "bin/hello", "source": "/home/me/hello.sh", "executable": true }
    ]));
}

#[test]
fn executable_folder() {
    nodes_error!(json!([
        { "id": "file:.config/nvim", "kind": "link", "target": ".config/nvim", "source": "/nix/store/bbbb-nvim", "executable": false }
    ]));
}

#[test]
fn node_without_provenance() {
    nodes_error!(json!([{ "id": "hello", "kind": "exce", "declaredBy": null, "definedIn": null }]));
}

// Many problems at once: every one is reported, in a stable order.

#[test]
fn every_problem_at_once() {
    nodes_error!(json!([
        { "id": "z", "kind": "exec", "argv": [], "after": ["y"] },
        { "id": "y", "kind": "exec", "argv": ["true"], "after": ["z"] },
        { "id": "file:.vimrc", "kind": "link", "target": "/.vimrc", "sorce": "x" },
        { "id": "m", "kind": "exec", "argv": ["true"], "after": ["nope"], "env": [] },
        { "id": "m", "kind": "link", "target": "m", "text": "" }
    ]));
}

// Copies, trees, whenChanged and dconf.

#[test]
fn copy_permissions_that_are_not_a_mode() {
    nodes_error!(json!([
        { "id": "file:.a", "kind": "copy", "target": ".a", "text": "a", "permissions": "rw-r--r--" },
        { "id": "file:.b", "kind": "copy", "target": ".b", "text": "b", "permissions": "4755" },
        { "id": "file:.c", "kind": "copy", "target": ".c", "text": "c", "permissions": "0200" },
        { "id": "file:.d", "kind": "copy", "target": ".d", "text": "d", "permissions": "0600", "executable": true }
    ]));
}

#[test]
fn permissions_on_a_link() {
    nodes_error!(json!([
        { "id": "file:.a", "kind": "link", "target": ".a", "text": "a", "permissions": "0600" }
    ]));
}

#[test]
fn copy_of_a_folder() {
    nodes_error!(json!([
        { "id": "file:.config/nvim", "kind": "copy", "target": ".config/nvim", "source": "/nix/store/bbbb-nvim" }
    ]));
}

#[test]
fn tree_problems() {
    nodes_error!(json!([
        { "id": "file:.a", "kind": "tree", "target": ".a", "source": "/nix/store/bbbb-nvim", "mode": "mirror" },
        { "id": "file:.b", "kind": "tree", "target": ".b", "source": "/nix/store/zzzz-missing" },
        { "id": "file:.c", "kind": "tree", "target": ".c", "source": "/nix/store/aaaa-vimrc" },
        { "id": "file:.d", "kind": "tree", "target": ".d", "source": "/nix/store/bbbb-nvim", "permissions": "0600" }
    ]));
}

#[test]
fn when_changed_names_no_file() {
    nodes_error!(json!([
        { "id": "file:.vimrc", "kind": "link", "target": ".vimrc", "source": "/nix/store/aaaa-vimrc" },
        { "id": "reload", "kind": "exec", "argv": ["true"], "whenChanged": [".vimrcc", "/etc/passwd"] }
    ]));
}

#[test]
fn dconf_folders_keys_and_values() {
    nodes_error!(json!([{
        "id": "dconf", "kind": "dconf", "declaredBy": "dconf.settings",
        "settings": {
            "/org/gnome/desktop/": { "a": "1" },
            "org//gnome": { "b": "2" },
            "org/gnome/desktop/interface": {
                "color/scheme": "'prefer-dark'",
                "text-scaling-factor": {
                    "error": "is the integer 5000000000, which does not fit in an int32",
                    "hint": "wrap it in the type the key has, e.g. (lib.gvariant.mkInt64 5000000000)"
                },
                "two-lines": "'a\nb'",
                "two-values": "'a' 'b'",
                "#note": "1",
                "number": 5,
                "fine": "true"
            }
        }
    }]));
}

#[test]
fn dconf_key_set_by_two_nodes() {
    nodes_error!(json!([
        { "id": "dconf", "kind": "dconf", "declaredBy": "dconf.settings", "settings": { "org/app": { "k": "1" } } },
        { "id": "mine", "kind": "dconf", "settings": { "org/app": { "k": "2", "other": "3" } } }
    ]));
}

// Lua: `lua` nodes and Lua values (`lib.generators.mkLuaInline`).

/// What `lib.generators.mkLuaInline expr` becomes in the input.
fn lua(expr: &str) -> Value {
    json!({ "_type": "lua-inline", "expr": expr })
}

#[test]
fn lua_syntax_errors() {
    nodes_error!(json!([
        { "id": "wallpapers", "kind": "lua",
          "script": "local dir = os.getenv(\"HOME\") .. \"/walls\"\nfor name in io.popen(\"ls \" .. dir):lines() do\n  if name:match(\"%.png$\") then\n    print(name)\nend\n" },
        { "id": "greet", "kind": "exec",
          "argv": ["/bin/sh", "-c", lua("\"echo \" ..\n\tos.getenv(\"USER\") ..")],
          "env": { "WHEN": lua("os.date(\"%H:%M\"") } },
        { "id": "file:.face", "kind": "copy", "target": lua("'.face' .. = 1"), "text": "x" },
        { "id": "dconf", "kind": "dconf", "declaredBy": "dconf.settings",
          "settings": { "org/gnome/desktop/background": { "picture-uri": lua("'\"file://' .. os.getenv('HOME') .. '\"") } } }
    ]));
}

#[test]
fn lua_syntax_error_in_a_script_file() {
    nodes_error!(json!([
        { "id": "lua:wallpapers", "kind": "lua", "declaredBy": "lua.tasks.wallpapers",
          "scriptFile": "/home/me/tasks/wallpapers.lua",
          "script": "for _, name in ipairs(am.fs.list(\"Pictures\")) do\n  am.link{ target = name\nend\n" }
    ]));
}

#[test]
fn lua_values_where_the_bundle_needs_plain_ones() {
    nodes_error!(json!([
        { "id": "file:.a", "kind": "link", "target": ".a", "text": lua("os.date()"),
          "force": lua("true"), "after": [lua("'x'")] },
        { "id": "file:.b", "kind": "tree", "target": lua("'.b'"), "source": "/nix/store/bbbb-nvim" },
        { "id": "hook", "kind": "exec", "argv": ["true"], "timeout": lua("30"),
          "whenChanged": [lua("'.a'")] },
        { "id": "dconf", "kind": "dconf", "settings": { "org/gnome/shell": lua("{}") } },
        { "id": "script", "kind": "lua", "script": lua("print(1)") }
    ]));
}

#[test]
fn lua_values_and_what_needs_the_build() {
    nodes_error!(json!([
        { "id": "file:.a", "kind": "link", "target": ".a", "source": lua("os.getenv('A')"),
          "executable": true },
        { "id": "file:.b", "kind": "copy", "target": ".b", "text": lua("os.date()") },
        { "id": "hook", "kind": "exec", "argv": ["true"], "whenChanged": [".b"] },
        { "id": "stamp", "kind": "exec", "argv": ["touch", lua("os.getenv('HOME') .. '/stamp'")],
          "whenChanged": [".a"] },
        // A literal target is checked as ever, Lua values or not.
        { "id": "file:.c", "kind": "copy", "target": "/etc/c", "text": lua("os.date()") },
        { "id": "file:.d", "kind": "link", "target": ".b", "source": lua("os.getenv('D')") }
    ]));
}

#[test]
fn lua_node_without_a_script() {
    nodes_error!(json!([
        { "id": "a", "kind": "lua", "script": " \n" },
        { "id": "b", "kind": "lua", "code": "print(1)" }
    ]));
}

// Profiles (home.packages).

/// A profile node as the Nix library writes it for `home.packages`.
fn profile(id: &str, fields: Value) -> Value {
    let mut node = json!({
        "id": id,
        "kind": "profile",
        "declaredBy": "home.packages",
        "profile": ".nix-profile",
        "path": "/nix/store/cccc-home-manager-path",
        "packages": [{ "name": "hello", "version": "2.12", "outputs": ["/nix/store/eeee-hello-2.12"] }],
    });
    if let (Value::Object(node), Value::Object(fields)) = (&mut node, fields) {
        node.extend(fields);
    }
    node
}

#[test]
fn profile_outside_the_home_and_malformed_packages() {
    nodes_error!(json!([profile(
        "packages",
        json!({
            "profile": "../elsewhere/.nix-profile",
            "packages": [
                { "name": "hello", "version": 2, "outputs": ["/nix/store/eeee-hello-2.12"], "priority": 5 },
                { "version": "1.0" },
                "ripgrep",
            ],
        })
    )]));
}

#[test]
fn profile_tree_that_is_no_store_path_of_its_own() {
    for path in
        ["/home/me/tree", "/nix/store/dddd-missing", "/nix/store/cccc-home-manager-path/bin"]
    {
        nodes_error!(json!([profile("packages", json!({ "path": path }))]));
    }
}

#[test]
fn two_profile_nodes() {
    nodes_error!(json!([profile("packages", json!({})), profile("more-packages", json!({}))]));
}

#[test]
fn profile_in_a_system_bundle() {
    system_error!(json!([profile("packages", json!({}))]));
}

// System bundles.

#[test]
fn what_only_a_system_has_in_a_home() {
    nodes_error!(json!([
        { "id": "file:ssh", "kind": "copy", "target": "ssh", "text": "x", "owner": "sshd" },
        { "id": "tmpfiles", "kind": "tmpfiles", "target": "ssh" },
        { "id": "accounts", "kind": "accounts", "users": [] },
        { "id": "units", "kind": "systemd-units", "units": [], "scope": "system" }
    ]));
}

#[test]
fn rules_without_their_file_and_two_accounts_nodes() {
    system_error!(json!([
        { "id": "tmpfiles", "kind": "tmpfiles", "target": "tmpfiles.d/00-am.conf" },
        { "id": "accounts", "kind": "accounts", "groups": [{ "name": "web" }] },
        { "id": "accounts-2", "kind": "accounts", "groups": [{ "name": "db" }] }
    ]));
}

#[test]
fn malformed_users_and_owners() {
    system_error!(json!([
        { "id": "accounts", "kind": "accounts",
          "users": [
            { "name": "Web Server", "group": "web", "home": "var/www" },
            { "name": "db", "uid": "seven", "shell": 7, "colour": "blue" }
          ],
          "groups": [ "web" ] },
        { "id": "file:motd", "kind": "copy", "target": "motd", "text": "x",
          "owner": "root:root", "group": "+abc" }
    ]));
}
