//! The `am` API in this process: what the chunk's own process does, with
//! its frames read back by the same code `am` reads them with.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use am_schema::{CopySource, Kind, Node};

use super::super::process::Reply;
use super::super::{Context, Failed, Ran};

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

/// The memory limit of the chunks here: `am`'s is 1 GiB, which takes
/// long to fill.
const MEMORY: usize = 64 << 20;

/// Runs `code` as the chunk `name` and reads back what it handed over.
fn run_in(code: &str, name: &str, context: &Context) -> Result<Ran, Failed> {
    let chunk = am_schema::Lua { chunk: code.into(), name: name.into(), timeout: None };
    let frames = Rc::new(RefCell::new(Vec::new()));
    let sent = Rc::clone(&frames);
    let send = Box::new(move |frame: &[u8]| {
        sent.borrow_mut().extend_from_slice(frame);
        Ok(())
    });
    let result = super::run(&chunk_node(), &chunk, context, MEMORY, send);
    let mut reply = Reply::default();
    reply.read(frames.borrow().as_slice()).expect("within the cap");
    assert_eq!(reply.failure, None, "a failure is sent by the process, not the API");
    match result {
        Ok(()) => Ok(Ran { created: reply.created, log: reply.log }),
        Err(message) => Err(Failed { message, log: reply.log }),
    }
}

fn context(home: &Path) -> Context<'_> {
    Context { home, bundle: None, dry_run: false, time_limit: super::super::TIME_LIMIT }
}

fn run(code: &str) -> Result<Ran, Failed> {
    let context = Context {
        home: Path::new("/home/me"),
        bundle: Some(Path::new("/nix/store/b")),
        dry_run: true,
        time_limit: super::super::TIME_LIMIT,
    };
    run_in(code, "lua.tasks.t.script", &context)
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
        am.copy{ target = "b", text = "hi", permissions = "0600" }
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
            "am.copy{ target = 'x', text = '', permissions = '999' }",
            "am.copy: `permissions` must be permission bits between \"0000\" and \"0777\", not \"999\"",
        ),
        (
            "am.copy{ target = 'x', text = '', permissions = 384 }",
            "am.copy: `permissions` must be an octal string such as \"0644\", not the number 384 \
             (Lua has no octal numbers: write \"0600\" for 384)",
        ),
        (
            "am.copy{ target = 'x', text = '', mode = 384 }",
            "am.copy: `mode` is not a field: the permission bits are `permissions`, as in the \
             Nix options (write permissions = \"0600\")",
        ),
        (
            "am.copy{ target = 'x', text = '', mode = '0640' }",
            "am.copy: `mode` is not a field: the permission bits are `permissions`, as in the \
             Nix options (write permissions = \"0640\")",
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
fn errors_keep_what_was_logged() {
    let failed = run_in("print('before') error('boom')", "n", &context(Path::new("/h")))
        .expect_err("error() fails the chunk");
    assert!(failed.message.starts_with("n:1: boom\nstack traceback:"), "{}", failed.message);
    assert_eq!(failed.log.len(), 1);
}

#[test]
fn fs_reads_relative_to_the_home() {
    let home = std::env::temp_dir().join(format!("am-lua-fs-{}", std::process::id()));
    std::fs::create_dir_all(home.join("d")).expect("folder");
    std::fs::write(home.join("d/b"), "B").expect("file");
    std::fs::write(home.join("d/a"), "A").expect("file");
    let code = r#"
        local names = am.fs.list("d")
        assert(#names == 2 and names[1] == "a" and names[2] == "b", table.concat(names, ","))
        assert(#am.fs.list("missing") == 0)
        assert(am.fs.read("d/b") == "B" and am.fs.read("nope") == nil)
        assert(am.fs.exists("d") and not am.fs.exists("nope"))
        assert(am.host.name ~= "" and am.host.os == "linux")
    "#;
    let result = run_in(code, "n", &context(&home));
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
fn an_endless_chunk_is_stopped_and_memory_runs_out() {
    let limit = std::time::Duration::from_millis(50);
    let context =
        Context { home: Path::new("/h"), bundle: None, dry_run: false, time_limit: limit };
    let started = std::time::Instant::now();
    let failed =
        run_in("while true do end", "n", &context).expect_err("an endless loop is stopped");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "stopped late");
    assert!(failed.message.contains("stopped after 0.05 s"), "{}", failed.message);
    let huge = run_in("local s = 'x' while true do s = s .. s end", "n", &context)
        .expect_err("memory runs out");
    assert!(
        huge.message.contains("not enough memory: the chunk reached its memory limit of 64 MiB"),
        "{}",
        huge.message
    );
}

/// What the chunk hands over counts against its memory: nodes, log lines,
/// and what it reads.
#[test]
fn what_the_api_keeps_counts_against_the_memory_limit() {
    let home = Path::new("/h");
    // Eleven copies of one 8 MiB string: Lua holds it once.
    let hoard = "local s = string.rep('x', 8 * 1024 * 1024)\n\
                 for i = 1, 11 do am.copy{ target = 'big/' .. i, text = s } end";
    let failed = run_in(hoard, "n", &context(home)).expect_err("the copies pass the limit");
    assert!(failed.message.starts_with("am.copy: out of memory: "), "{}", failed.message);
    assert!(failed.message.contains("of the chunk's 64 MiB"), "{}", failed.message);
    assert!(failed.message.contains("n:2: in main chunk"), "{}", failed.message);
    let logs = "local s = string.rep('x', 20 * 1024 * 1024)\n\
                for i = 1, 4 do print(s) end";
    let failed = run_in(logs, "n", &context(home)).expect_err("the lines pass the limit");
    assert!(failed.message.contains("print: out of memory"), "{}", failed.message);
    assert_eq!(failed.log.len(), 2, "the lines handed over before are kept");
    let endless = run_in("am.fs.read('/dev/zero')", "n", &context(home)).expect_err("no end");
    assert!(endless.message.contains("am.fs.read: out of memory"), "{}", endless.message);
}

#[test]
fn dconf_names_and_values_fit_a_key_file() {
    let cases = [
        (
            "am.dconf{ ['org/x'] = { k = \"'a'\\n[org/y]\\nk='b'\" } }",
            "`[\"org/x\"].k`: \"'a'\\n[org/y]\\nk='b'\" spans more than one line",
        ),
        (
            "am.dconf{ ['org/x'] = { k = \"'a' 'b'\" } }",
            "is not one GVariant value: `'b'` follows the value",
        ),
        ("am.dconf{ ['org/x]\\n[org/y'] = { k = '1' } }", "is not a dconf folder like"),
        (
            "am.dconf{ ['org/x'] = { ['k=1\\nj'] = '1' } }",
            "is not a dconf key name: it contains `=`",
        ),
    ];
    for (code, expected) in cases {
        let message = failure(code);
        assert!(message.starts_with("am.dconf: "), "{code}\ngave: {message}");
        assert!(message.contains(expected), "{code}\ngave: {message}\nwanted: {expected}");
    }
}
