//! Hostile Lua chunks end to end (issue 11): real bundles whose `lua.tasks`
//! attack the promise that Lua acts only through nodes, within its time
//! and memory limits, and never crashes or wedges `am` (which holds the
//! home's lock while a chunk runs). Each activation must end on its own,
//! within the chunk's limit, with exit 4, the node named and the home as
//! it was.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use am_tests::dconf::{self, have_dconf};
use am_tests::engine::{Home, Module, all_output, cached_bundles, nix_str};
use am_tests::{assert_exit, have_nix};

/// How long any activation here may take: far more than a stopped chunk
/// needs (its 1 s timeout, the grace before a kill, `am` itself), far less
/// than a wedged one would.
const WEDGED: Duration = Duration::from_secs(30);

/// `lua.tasks.<name>` with `script` and, when given, its `timeout`.
fn task(name: &str, timeout: Option<u32>, script: &str) -> String {
    let timeout = timeout.map(|seconds| format!(" timeout = {seconds};")).unwrap_or_default();
    format!("lua.tasks.{name} = {{{timeout} script = {}; }};", nix_str(script))
}

/// A bundle with a static file (so a rollback has something to undo) and
/// one task.
fn hostile(name: &str, timeout: Option<u32>, script: &str) -> Module {
    Module::new().file(".profile", "static\n").line(task(name, timeout, script))
}

/// Runs `command` and gives its output and how long it took; kills it (it
/// is this test's own child) and fails when it is still running after
/// [`WEDGED`].
fn run_within(mut command: Command, what: &str) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    loop {
        if child.try_wait().expect("the child can be waited for").is_some() {
            break;
        }
        if started.elapsed() > WEDGED {
            let _ = child.kill();
            let output = child.wait_with_output().expect("the killed child is reaped");
            panic!("{what}: am was still running after {WEDGED:?}:\n{}", all_output(&output));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("the output is read");
    (output, started.elapsed())
}

/// Activates `bundle` in a fresh home and checks that `am` failed cleanly:
/// exit 4 within [`WEDGED`], the node named, `expected` in its report,
/// nothing of the activation left in the home. Gives the report and the
/// time it took.
fn refused(bundle: &am_tests::engine::Bundle, node: &str, expected: &str) -> (String, Duration) {
    let home = Home::with_state_outside("lua-hostile");
    // Beside the home, where the listing below does not read it.
    let fifo = home.root.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", fifo.display());
    let before = home.listing();
    let (output, took) = run_within(home.command(bundle.script()), node);
    let text = all_output(&output);
    assert_exit(&output, 4, node);
    assert!(text.contains(&format!("failed {node}")), "{node} is not named:\n{text}");
    assert!(text.contains(expected), "{node}: {expected:?} is missing:\n{text}");
    assert_eq!(home.listing(), before, "{node}: the failed activation left changes behind");
    (text, took)
}

/// Bytecode is refused: `string.dump` is gone, and `load` takes text only,
/// so mutated bytecode (which crashed `am`) never runs.
#[test]
fn binary_chunks_are_refused() {
    if !have_nix() {
        return;
    }
    // Every byte of a dumped function replaced in turn, each result loaded
    // and called: somewhere the VM follows a wild pointer.
    let fuzz = "local dump = string.dump(function(a, b) local t = { a, b } return t[1] + #t end)\n\
                for at = 1, #dump do\n\
                \x20 for _, byte in ipairs({ 0, 127, 255 }) do\n\
                \x20   local f = load(dump:sub(1, at - 1) .. string.char(byte) .. dump:sub(at + 1), \"b\", \"b\")\n\
                \x20   if f then pcall(f, 1, 2) end\n\
                \x20 end\n\
                end\n";
    let header = "assert(load(\"\\27LuaT\\0\\25\\147\\r\\n\\26\\n\", \"bytes\", \"b\"))";
    let bundles = cached_bundles(&[
        hostile("fuzz", None, fuzz),
        hostile("header", None, header),
        hostile(
            "text",
            None,
            "assert(load(\"return 1 + 1\", \"t\", \"bt\"))() am.copy{ target = \"x\", text = \"\" } error(\"text loads\")",
        ),
    ]);
    refused(&bundles[0], "lua:fuzz", "attempt to call a nil value (field 'dump')");
    refused(&bundles[1], "lua:header", "attempt to load a binary chunk");
    // Text still loads (the chunk reaches its own error).
    refused(&bundles[2], "lua:text", "text loads");
}

/// Loops the time limit could not reach before: a `pcall` catching the
/// timeout error, a loop inside a coroutine, a backtracking pattern match
/// (C code, where no hook fires), and a read that blocks (a FIFO nobody
/// writes to). Each is stopped after its 1 s timeout and a short grace.
#[test]
fn no_loop_outlives_the_timeout() {
    if !have_nix() {
        return;
    }
    let cases = [
        ("pcall", "while true do pcall(function() while true do end end) end"),
        ("coroutine", "coroutine.wrap(function() while true do end end)()"),
        ("pattern", "string.find(string.rep(\"a\", 100000), \".-.-.-.-.-.-b\")"),
        ("fifo", "am.fs.read(am.home .. \"/../pipe\")"),
    ];
    let modules: Vec<Module> =
        cases.iter().map(|(name, script)| hostile(name, Some(1), script)).collect();
    let bundles = cached_bundles(&modules);
    std::thread::scope(|scope| {
        for ((name, _), bundle) in cases.iter().zip(&bundles) {
            scope.spawn(move || {
                let node = format!("lua:{name}");
                let (_, took) = refused(bundle, &node, "stopped after 1 s");
                assert!(took < Duration::from_secs(10), "{node} was stopped after {took:?}");
            });
        }
    });
}

/// What a chunk hands to the API counts against its memory limit: twelve
/// 100 MiB texts for copies (one Lua string, twelve copies outside Lua)
/// are more than 1 GiB. A dry run, so that nothing would be written even
/// if the limit did not hold.
#[test]
fn values_handed_to_the_api_count_against_the_memory_limit() {
    if !have_nix() {
        return;
    }
    let hoard = "local text = string.rep(\"x\", 100 * 1024 * 1024)\n\
                 for i = 1, 12 do am.copy{ target = \"big/\" .. i, text = text } end\n";
    let bundles = cached_bundles(&[hostile("hoard", None, hoard)]);
    let home = Home::with_state_outside("lua-hoard");
    let mut command = home.command(bundles[0].script());
    command.arg("--dry-run");
    let (output, _) = run_within(command, "lua:hoard");
    let text = all_output(&output);
    assert_exit(&output, 4, "a dry run of the hoarding chunk");
    assert!(text.contains("failed lua:hoard"), "{text}");
    assert!(text.contains("am.copy: out of memory"), "{text}");
    assert!(text.contains("of the chunk's 1 GiB"), "the limit is not named:\n{text}");
}

/// Each chunk starts from the same globals: one that replaces library
/// functions leaves them replaced for nobody else. `--jobs 1` runs both
/// chunks on one thread, one after the other.
#[test]
fn chunks_do_not_share_globals() {
    if !have_nix() {
        return;
    }
    let spoil = "string.upper = function() return \"spoiled\" end\n\
                 ipairs = function() error(\"spoiled ipairs\") end\n\
                 getmetatable(\"\").__index.lower = string.upper\n\
                 shared = \"left behind\"\n";
    let check = "assert((\"x\"):upper() == \"X\", \"string.upper was changed by another chunk\")\n\
                 assert((\"X\"):lower() == \"x\", \"the string metatable was changed\")\n\
                 assert(shared == nil, \"a global was left behind\")\n\
                 for _, v in ipairs({ 1 }) do am.copy{ target = \"checked\", text = \"fresh\" } end\n";
    let module = Module::new()
        .line(task("spoil", None, spoil))
        .line(task("check", None, check))
        .line("lua.tasks.check.after = [ \"lua:spoil\" ];");
    let bundles = cached_bundles(&[module]);
    let home = Home::with_state_outside("lua-globals");
    let mut command = home.command(bundles[0].script());
    command.args(["--jobs", "1"]);
    let (output, _) = run_within(command, "two chunks");
    assert_exit(&output, 0, "the checking chunk after the spoiling one");
    let checked = std::fs::read_to_string(home.path.join("checked"));
    assert_eq!(checked.ok().as_deref(), Some("fresh"));
}

/// A dconf value is one GVariant value on one line, and folder and key
/// names fit the key file `dconf load` reads: a line break smuggled into
/// either would write another node's key, or a key never journaled (which
/// rollback and deactivate would then leave behind). From a Lua task and
/// from `dconf.settings` with a Lua value (a chunk the compiler writes).
#[test]
fn dconf_text_cannot_smuggle_keys() {
    if !have_nix() || !have_dconf() {
        return;
    }
    // Another node's key, and one no node sets.
    let smuggled = "'mine'\\n[org/am-test/other]\\nowned='evil'\\nstolen='evil'";
    let owner = "dconf.settings.\"org/am-test/other\".owned = \"theirs\";";
    let cases = [
        (
            "lua:value",
            task(
                "value",
                None,
                &format!("am.dconf{{ [\"org/am-test/me\"] = {{ k = \"{smuggled}\" }} }}"),
            ),
            "spans more than one line",
        ),
        (
            "lua:folder",
            task(
                "folder",
                None,
                "am.dconf{ [\"org/am-test/me]\\n[org/am-test/other\"] = { stolen = \"'evil'\" } }",
            ),
            "is not a dconf folder",
        ),
        (
            "lua:key",
            task(
                "key",
                None,
                "am.dconf{ [\"org/am-test/me\"] = { [\"k='x'\\n[org/am-test/other]\\nstolen\"] = \"'evil'\" } }",
            ),
            "is not a dconf key name",
        ),
        (
            "dconf",
            format!("dconf.settings.\"org/am-test/me\".k = lib.am.mkLua ''\"{smuggled}\"'';"),
            "`[\"org/am-test/me\"].k`",
        ),
    ];
    let modules: Vec<Module> =
        cases.iter().map(|(_, line, _)| Module::new().line(owner).line(line.clone())).collect();
    let bundles = cached_bundles(&modules);
    for ((node, _, expected), bundle) in cases.iter().zip(&bundles) {
        let home = Home::with_state_outside("lua-dconf-smuggle");
        let output = dconf::activate(&home, bundle, &[]);
        let text = all_output(&output);
        assert_exit(&output, 4, node);
        assert!(text.contains(&format!("failed {node}")), "{node} is not named:\n{text}");
        assert!(text.contains(expected), "{node}: {expected:?} is missing:\n{text}");
        assert_eq!(dconf::dump(&home), "", "{node}: keys were left after the rollback");
    }
}

/// The checks above cost one process per chunk; what is left of Lua works
/// as before: a chunk loads text, reads files, and creates nodes.
#[test]
fn a_well_behaved_chunk_still_works() {
    if !have_nix() {
        return;
    }
    let script = "local double = assert(load(\"local n = ... return n * 2\"))\n\
                  local env = { x = 20 }\n\
                  local read = assert(load(\"return x + 1\", \"env\", \"t\", env))\n\
                  am.copy{ target = \"out\", text = tostring(double(read())) .. (am.fs.read(\"in/note\") or \"\") }\n";
    let bundles = cached_bundles(&[hostile("fine", Some(2), script)]);
    let home = Home::with_state_outside("lua-fine");
    home.write_user_file("in/note", b"!");
    let (output, _) = run_within(home.command(bundles[0].script()), "lua:fine");
    assert_exit(&output, 0, "a well-behaved chunk");
    let out = std::fs::read_to_string(Path::new(&home.path).join("out"));
    assert_eq!(out.ok().as_deref(), Some("42!"));
}
