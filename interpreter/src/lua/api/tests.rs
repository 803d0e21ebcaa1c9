use std::path::Path;

use am_schema::{CopySource, Kind, Node};

use super::super::{Context, Failed, Ran, sandbox};

fn chunk_node() -> Node {
    Node {
        id: "lua:t".into(),
        declared_by: "lua.tasks.t".into(),
        required: false,
        after: Vec::new(),
        kind: Kind::Lua(am_schema::Lua {
            chunk: String::new(),
            name: "lua.tasks.t.script".into(),
            timeout: None,
        }),
    }
}

fn run(code: &str) -> Result<Ran, Failed> {
    let lua = sandbox::new_state().expect("a state starts");
    let chunk =
        am_schema::Lua { chunk: code.into(), name: "lua.tasks.t.script".into(), timeout: None };
    let context = Context {
        home: Path::new("/home/me"),
        bundle: Some(Path::new("/nix/store/b")),
        dry_run: true,
        time_limit: super::super::TIME_LIMIT,
    };
    super::run(&lua, &chunk_node(), &chunk, &context)
}

fn failure(code: &str) -> String {
    match run(code) {
        Ok(ran) => panic!("{code} ran: {ran:?}"),
        Err(failed) => failed.message,
    }
}

#[test]
fn created_nodes_carry_the_parents_id_option_and_requirement() {
    let ran = run(r#"
        assert(am.dry_run and am.home == "/home/me" and am.bundle == "/nix/store/b")
        local id = am.link{ target = ".config/a/", source = "/nix/store/x" }
        assert(id == "lua:t/link:.config/a", id)
        am.copy{ target = "b", text = "hi", mode = "0600" }
        am.exec{ argv = { "true", "x" }, env = { B = "2", A = "1" }, timeout = 3 }
        am.exec{ argv = { "false" } }
        am.dconf{ ["/org/x/"] = { b = "1", a = "'s'" } }
        print("made", 5)
        am.log.warn("careful")
    "#)
    .expect("the chunk runs");
    let ids: Vec<&str> = ran.created.iter().map(|node| node.id.as_str()).collect();
    assert_eq!(
        ids,
        ["lua:t/link:.config/a", "lua:t/copy:b", "lua:t/exec:1", "lua:t/exec:2", "lua:t/dconf:1"]
    );
    assert!(ran.created.iter().all(|n| !n.required && n.declared_by == "lua.tasks.t"));
    let Kind::Copy(copy) = &ran.created[1].kind else { panic!("not a copy") };
    assert_eq!((copy.mode, &copy.source), (Some(0o600), &CopySource::Text("hi".into())));
    let Kind::Exec(exec) = &ran.created[2].kind else { panic!("not an exec") };
    assert_eq!(exec.env, [("A".into(), "1".into()), ("B".into(), "2".into())]);
    assert_eq!(exec.timeout, Some(3));
    let Kind::Dconf(dconf) = &ran.created[4].kind else { panic!("not dconf") };
    let paths: Vec<String> = dconf.keys.iter().map(|k| k.path()).collect();
    assert_eq!(paths, ["/org/x/a", "/org/x/b"]);
    let log: Vec<(bool, &str)> = ran.log.iter().map(|l| (l.warning, l.text.as_str())).collect();
    assert_eq!(log, [(false, "made\t5"), (true, "careful")]);
}

#[test]
fn bad_arguments_name_the_function_and_field() {
    let cases = [
        ("am.link{ target = '../x', source = '/s' }", "am.link: `target`: \"../x\" has `..`"),
        ("am.link{ target = 'x', source = 'rel' }", "am.link: `source`: \"rel\" is not absolute"),
        ("am.link{ target = 'x', source = '/s', tagret = 1 }", "am.link: unknown field `tagret`"),
        ("am.link{ target = 3, source = '/s' }", "am.link: `target` must be a string, not integer"),
        ("am.copy{ target = 'x' }", "am.copy: give exactly one of `source`"),
        (
            "am.copy{ target = 'x', text = '', mode = '999' }",
            "am.copy: `mode` must be permission bits",
        ),
        ("am.exec{ argv = {} }", "am.exec: `argv` is empty"),
        ("am.exec{ argv = { 'a', 2 } }", "am.exec: `argv[2]` must be a string"),
        (
            "am.dconf{ x = { ['a/b'] = '1' } }",
            "am.dconf: \"a/b\" in [\"x\"] is not a dconf key name",
        ),
        (
            "am.link{ target = 'x', source = '/s' } am.copy{ target = 'x', text = '' }",
            "am.copy: ~/x is already created by this chunk",
        ),
    ];
    for (code, expected) in cases {
        let message = failure(code);
        assert!(message.starts_with(expected), "{code}\ngave: {message}\nwanted: {expected}");
        assert!(message.contains("lua.tasks.t.script:1: in main chunk"), "no traceback: {message}");
    }
}

#[test]
fn errors_keep_what_was_logged_and_chunks_do_not_share_globals() {
    let lua = sandbox::new_state().expect("a state starts");
    let context = Context {
        home: Path::new("/h"),
        bundle: None,
        dry_run: false,
        time_limit: super::super::TIME_LIMIT,
    };
    let chunk = |code: &str| am_schema::Lua { chunk: code.into(), name: "n".into(), timeout: None };
    let failed =
        super::run(&lua, &chunk_node(), &chunk("leak = 1 print('before') error('boom')"), &context)
            .expect_err("error() fails the chunk");
    assert!(failed.message.starts_with("n:1: boom\nstack traceback:"), "{}", failed.message);
    assert_eq!(failed.log.len(), 1);
    super::run(&lua, &chunk_node(), &chunk("assert(leak == nil, 'a global leaked')"), &context)
        .expect("a second chunk sees fresh globals");
}

#[test]
fn fs_reads_relative_to_the_home() {
    let home = std::env::temp_dir().join(format!("am-lua-fs-{}", std::process::id()));
    std::fs::create_dir_all(home.join("d")).expect("folder");
    std::fs::write(home.join("d/b"), "B").expect("file");
    std::fs::write(home.join("d/a"), "A").expect("file");
    let lua = sandbox::new_state().expect("a state starts");
    let context =
        Context { home: &home, bundle: None, dry_run: false, time_limit: super::super::TIME_LIMIT };
    let code = r#"
        local names = am.fs.list("d")
        assert(#names == 2 and names[1] == "a" and names[2] == "b", table.concat(names, ","))
        assert(#am.fs.list("missing") == 0)
        assert(am.fs.read("d/b") == "B" and am.fs.read("nope") == nil)
        assert(am.fs.exists("d") and not am.fs.exists("nope"))
        assert(am.host.name ~= "" and am.host.os == "linux")
    "#;
    let chunk = am_schema::Lua { chunk: code.into(), name: "n".into(), timeout: None };
    let result = super::run(&lua, &chunk_node(), &chunk, &context);
    let _ = std::fs::remove_dir_all(&home);
    result.expect("am.fs works");
}

#[test]
fn members_lists_the_whole_api() {
    let members = super::members().expect("the table is built");
    for expected in
        ["am.link function", "am.fs.list function", "am.host.name string", "am.dry_run boolean"]
    {
        assert!(members.iter().any(|m| m == expected), "{expected} missing from {members:?}");
    }
}

#[test]
fn an_endless_chunk_is_stopped_and_the_state_stays_usable() {
    let lua = sandbox::new_state().expect("a state starts");
    let limit = std::time::Duration::from_millis(50);
    let context =
        Context { home: Path::new("/h"), bundle: None, dry_run: false, time_limit: limit };
    let chunk = |code: &str| am_schema::Lua { chunk: code.into(), name: "n".into(), timeout: None };
    let started = std::time::Instant::now();
    let failed = super::run(&lua, &chunk_node(), &chunk("while true do end"), &context)
        .expect_err("an endless loop is stopped");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "stopped late");
    assert!(failed.message.contains("stopped after 0.05 s"), "{}", failed.message);
    super::run(
        &lua,
        &chunk_node(),
        &chunk("local x = 0 for i = 1, 1000 do x = x + i end"),
        &context,
    )
    .expect("the next chunk runs with a fresh clock");
    let huge = super::run(
        &lua,
        &chunk_node(),
        &chunk("local s = 'x' while true do s = s .. s end"),
        &context,
    )
    .expect_err("memory runs out");
    assert!(huge.message.contains("memory"), "{}", huge.message);
}
