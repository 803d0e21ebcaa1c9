//! The Nix side of Lua: `lua.tasks.<name>` lowers into `lua` nodes, the
//! file options pass Lua values on to the compiler (a Lua target is made
//! relative to its family's folder, and the id comes from the attribute
//! name), and what cannot work with a Lua target says what to write. Then
//! one home with both is built and activated for real.

use am_tests::engine::{Home, build_module_files};
use am_tests::nixeval::{eval_error, eval_json, with_library};
use am_tests::{assert_exit, fresh_dir, have_nix, snapshot_settings};

/// The nodes the module text `module` lowers into.
fn lowered(module: &str) -> Result<serde_json::Value, String> {
    eval_json(&with_library(&format!(
        "(amLib.homeBundle {{ modules = [ ({module}) ]; }}).config.am.loweredNodes"
    )))
}

#[test]
fn lua_tasks_lower_to_lua_nodes() {
    if !have_nix() {
        return;
    }
    let dir = fresh_dir("lua-tasks");
    let file = dir.join("wallpapers.lua");
    std::fs::write(&file, "am.log.info(\"from a file\")\n").expect("temp is writable");
    let module = format!(
        r#"{{ ... }}: {{
          lua.tasks.inline.script = "am.log.info('inline')";
          lua.tasks.wallpapers = {{
            script = {};
            after = [ "file:.bashrc" ];
            before = [ "dconf" ];
            required = false;
          }};
        }}"#,
        file.display()
    );
    let nodes = lowered(&module).unwrap_or_else(|e| panic!("{e}"));
    let defined_in = nodes[0]["definedIn"].clone();
    assert_eq!(
        nodes,
        serde_json::json!([
            {
                "id": "lua:inline", "kind": "lua", "script": "am.log.info('inline')",
                "after": [], "before": [], "required": true,
                "declaredBy": "lua.tasks.inline", "definedIn": defined_in,
            },
            {
                "id": "lua:wallpapers", "kind": "lua", "script": "am.log.info(\"from a file\")\n",
                "scriptFile": file.display().to_string(),
                "after": ["file:.bashrc"], "before": ["dconf"], "required": false,
                "declaredBy": "lua.tasks.wallpapers", "definedIn": defined_in,
            },
        ])
    );
}

/// Lua values reach the compiler as nixpkgs' `{ _type = "lua-inline"; expr; }`;
/// literal fields beside them are unchanged.
#[test]
fn file_options_pass_lua_values_on() {
    if !have_nix() {
        return;
    }
    let module = r#"{ lib, ... }: {
        home.file.wallpaper = {
          target = lib.am.mkLua "'Pictures/' .. am.host.name .. '.png'";
          source = lib.generators.mkLuaInline "am.home .. '/wallpapers/default.png'";
        };
        xdg.configFile."kitty/host.conf" = {
          target = lib.am.mkLua "am.env('KITTY_CONF') or 'kitty/host.conf'";
          text = lib.am.mkLua "'font_size ' .. (am.host.name == 'laptop' and 11 or 13)";
          mode = "copy";
        };
        xdg.configFile."git/config".source = lib.am.mkLua "am.home .. '/dotfiles/git'";
      }"#;
    let nodes = lowered(module).unwrap_or_else(|e| panic!("{e}"));
    let fields: Vec<serde_json::Value> = nodes
        .as_array()
        .expect("a list")
        .iter()
        .map(|node| {
            serde_json::json!({
                "id": node["id"], "kind": node["kind"], "target": node["target"],
                "source": node.get("source"), "text": node.get("text"),
            })
        })
        .collect();
    let lua = |expr: &str| serde_json::json!({ "_type": "lua-inline", "expr": expr });
    assert_eq!(
        fields,
        [
            serde_json::json!({
                "id": "file:wallpaper", "kind": "link",
                "target": lua("'Pictures/' .. am.host.name .. '.png'"),
                "source": lua("am.home .. '/wallpapers/default.png'"), "text": null,
            }),
            serde_json::json!({
                "id": "file:.config/git/config", "kind": "link", "target": ".config/git/config",
                "source": lua("am.home .. '/dotfiles/git'"), "text": null,
            }),
            serde_json::json!({
                "id": "file:.config/kitty/host.conf", "kind": "copy",
                "target": lua("\".config/\" .. (am.env('KITTY_CONF') or 'kitty/host.conf')"),
                "source": null,
                "text": lua("'font_size ' .. (am.host.name == 'laptop' and 11 or 13)"),
            }),
        ]
    );
}

/// A Lua dconf value is passed on for the compiler; one inside a list
/// cannot be rendered and is reported, with the fix, like other values
/// without GVariant text.
#[test]
fn dconf_settings_pass_lua_values_on() {
    if !have_nix() {
        return;
    }
    let module = r#"{ lib, ... }: {
        dconf.settings."org/gnome/desktop/interface" = {
          color-scheme = lib.am.mkLua "am.env('AM_THEME') == 'light' and \"'default'\" or \"'prefer-dark'\"";
          enable-hot-corners = false;
        };
        dconf.settings."org/gnome/shell".favorite-apps = [ (lib.am.mkLua "'x'") ];
      }"#;
    let nodes = lowered(module).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        nodes[0]["settings"],
        serde_json::json!({
            "org/gnome/desktop/interface": {
                "color-scheme": {
                    "_type": "lua-inline",
                    "expr": "am.env('AM_THEME') == 'light' and \"'default'\" or \"'prefer-dark'\"",
                },
                "enable-hot-corners": "false",
            },
            "org/gnome/shell": {
                "favorite-apps": {
                    "error": "has an element that is a Lua value",
                    "hint": "a list cannot hold one: compute the whole list in Lua, as GVariant text (lib.am.mkLua \"...\")",
                },
            },
        })
    );
}

/// `onChange` compares the target's bytes with the previous bundle's at
/// build time, which a target computed when activating cannot have.
#[test]
fn on_change_with_a_lua_target_says_what_to_write() {
    if !have_nix() {
        return;
    }
    let module = r#"{ lib, ... }: { xdg.configFile.kitty = { target = lib.am.mkLua "'kitty/kitty.conf'"; text = "x"; onChange = "pkill -USR1 kitty"; }; }"#;
    let error = lowered(module).expect_err("the module must not evaluate");
    let temp = fresh_dir("lua-on-change");
    snapshot_settings(&temp).bind(|| {
        insta::assert_snapshot!(
            "lua-target-on-change",
            format!("{module}\n---- fails with\n{}", eval_error(&error))
        )
    });
}

/// A Lua task and Lua file fields, built by the real compiler and run by
/// the real `am`: the task links every file it finds in a folder, and the
/// file entries land where their Lua values say.
#[test]
fn a_home_with_lua_builds_and_activates() {
    if !have_nix() {
        return;
    }
    let temp = fresh_dir("lua-home");
    let config = temp.join("home.nix");
    std::fs::write(
        &config,
        r#"{ lib, ... }: {
          lua.tasks.wallpapers.script = ''
            for _, name in ipairs(am.fs.list("wallpapers")) do
              am.link{ target = "Pictures/" .. name, source = am.home .. "/wallpapers/" .. name }
            end
          '';
          home.file.greeting = {
            target = lib.am.mkLua "'greeting-' .. (am.env('AM_TEST_NAME') or 'nobody')";
            text = lib.am.mkLua "'hello from ' .. am.host.os";
            mode = "copy";
          };
          xdg.configFile.app.source = lib.am.mkLua "am.home .. '/wallpapers/a.png'";
        }"#,
    )
    .expect("temp is writable");
    let bundle = build_module_files(&temp, &[&config], "the home must build");
    let home = Home::new("lua-home");
    for name in ["a.png", "b.png"] {
        home.write_user_file(&format!("wallpapers/{name}"), name.as_bytes());
    }
    let mut activate = home.command(bundle.script());
    activate.env("AM_TEST_NAME", "jane");
    assert_exit(&activate.output().expect("activate runs"), 0, "activating the home with Lua");

    assert_eq!(linked(&home, "Pictures/a.png").as_deref(), Some("a.png"));
    assert_eq!(linked(&home, "Pictures/b.png").as_deref(), Some("b.png"));
    assert_eq!(linked(&home, ".config/app").as_deref(), Some("a.png"));
    let greeting = std::fs::read_to_string(home.path.join("greeting-jane")).unwrap_or_default();
    assert_eq!(greeting, format!("hello from {}", std::env::consts::OS));

    // A wallpaper that left the folder loses its link at the next activation.
    std::fs::remove_file(home.path.join("wallpapers/b.png")).expect("home is writable");
    assert_exit(&activate.output().expect("activate runs"), 0, "activating again");
    home.assert_absent("Pictures/b.png", "a wallpaper that left the folder");
    assert_eq!(linked(&home, "Pictures/a.png").as_deref(), Some("a.png"));
}

/// The content behind `path` in `home`, if `path` is a link.
fn linked(home: &Home, path: &str) -> Option<String> {
    let path = home.path.join(path);
    let is_link = path.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink());
    if is_link { std::fs::read_to_string(path).ok() } else { None }
}
