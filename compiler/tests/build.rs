//! Building real bundles into temporary folders: layout, modes, the plan's
//! order, determinism, and the `am-compile` command itself.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use am_compiler::{BuildOptions, Compiled, SourceKind, build, compile, render};
use am_schema::{Kind, Plan};
use serde_json::{Value, json};

const AM: &str = "/nix/store/0000-am/bin/am";

/// A fresh folder under the system's temp dir, removed again on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("am-compile-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create a temporary folder");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // The bundle is read-only, like in the store; make it removable.
        let _ = Command::new("chmod").arg("-R").arg("u+w").arg(&self.0).status();
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn input(nodes: Value) -> String {
    json!({ "version": 1, "nodes": nodes }).to_string()
}

fn exec(id: &str, after: &[&str], before: &[&str]) -> Value {
    json!({ "id": id, "declaredBy": format!("am.nodes.{id}"), "kind": "exec",
            "argv": ["true"], "after": after, "before": before })
}

fn compiled(nodes: Value) -> Compiled {
    let no_sources = BTreeMap::<String, SourceKind>::new();
    match compile(&input(nodes), "/nix/store", &no_sources) {
        Ok(compiled) => compiled,
        Err(errors) => panic!("expected to compile, got:\n{}", render::report(&errors)),
    }
}

fn ids(plan: &Plan, indices: &[u32]) -> Vec<String> {
    indices.iter().map(|&i| plan.nodes[i as usize].id.clone()).collect()
}

#[test]
fn layers_are_levels_sorted_by_id() {
    let plan = compiled(json!([
        exec("d", &["b", "c"], &[]),
        exec("c", &[], &[]),
        exec("b", &["a"], &[]),
        exec("a", &[], &[]),
        exec("e", &["a"], &[]),
    ]))
    .plan;
    let layers: Vec<Vec<String>> = plan.layers.iter().map(|l| ids(&plan, l)).collect();
    assert_eq!(layers, [vec!["a", "c"], vec!["b", "e"], vec!["d"]]);
    // Nodes are in (layer, id) order, so the layers are consecutive ranges.
    let all: Vec<&str> = plan.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(all, ["a", "c", "b", "e", "d"]);
    assert_eq!(plan.layers, [vec![0, 1], vec![2, 3], vec![4]]);
    assert_eq!(ids(&plan, &plan.nodes[4].after), ["c", "b"]);
}

#[test]
fn before_becomes_after_of_the_other_node() {
    let plan = compiled(json!([exec("late", &[], &[]), exec("early", &[], &["late"])])).plan;
    let late = plan.nodes.iter().find(|n| n.id == "late").expect("late is in the plan");
    let early = plan.nodes.iter().find(|n| n.id == "early").expect("early is in the plan");
    assert_eq!(ids(&plan, &late.after), ["early"]);
    assert!(early.after.is_empty());
    assert_eq!(ids(&plan, &plan.layers[0]), ["early"]);
}

#[test]
fn an_edge_declared_twice_is_one_dependency() {
    let plan = compiled(json!([exec("b", &["a", "a"], &[]), exec("a", &[], &["b"])])).plan;
    assert_eq!(plan.nodes[1].after, [0]);
}

#[test]
fn plan_fields_come_from_the_input() {
    let plan = compiled(json!([
        { "id": "hello", "declaredBy": "am.nodes.hello", "kind": "exec", "required": false,
          "argv": ["/bin/sh", "-c", "echo hi"], "env": { "B": "2", "A": "1" }, "cwd": ".config" },
        { "id": "file:.vimrc", "declaredBy": "home.file.\".vimrc\"", "kind": "link",
          "target": "./.vimrc", "text": "set nu\n", "source": null, "executable": null },
    ]))
    .plan;
    let hello = &plan.nodes[1];
    assert_eq!(hello.declared_by, "am.nodes.hello");
    assert!(!hello.required);
    let Kind::Exec(exec) = &hello.kind else { panic!("hello is not an exec node") };
    assert_eq!(exec.env, [("A".into(), "1".into()), ("B".into(), "2".into())]);
    assert_eq!(exec.cwd.as_deref(), Some(".config"));
    let Kind::Link(link) = &plan.nodes[0].kind else { panic!("file:.vimrc is not a link") };
    assert_eq!(link.target, ".vimrc");
    assert!(plan.nodes[0].required);
}

/// A configuration with every kind of static entry, its store sources
/// living in `store`.
fn every_kind_of_file(store: &Path) -> String {
    let store = store.display();
    input(json!([
        { "id": "file:.vimrc", "kind": "link", "target": ".vimrc", "text": "set nu\n" },
        { "id": "file:bin/hi", "kind": "link", "target": "bin/hi", "text": "#!/bin/sh\n", "executable": true },
        { "id": "file:.config/git/config", "kind": "link", "target": ".config/git/config",
          "source": format!("{store}/aaaa-gitconfig") },
        { "id": "file:.config/nvim", "kind": "link", "target": ".config/nvim",
          "source": format!("{store}/bbbb-nvim") },
        { "id": "file:bin/tool", "kind": "link", "target": "bin/tool",
          "source": format!("{store}/aaaa-gitconfig"), "executable": true },
        { "id": "file:notes", "kind": "link", "target": "notes",
          "source": format!("{store}/cccc-script"), "executable": false },
        exec("hello", &["file:.vimrc"], &[]),
    ]))
}

fn fake_store(root: &Path) -> PathBuf {
    let store = root.join("store");
    fs::create_dir_all(store.join("bbbb-nvim")).expect("create the fake store");
    fs::write(store.join("aaaa-gitconfig"), "[user]\n").expect("write a store file");
    fs::write(store.join("cccc-script"), "echo hi\n").expect("write a store file");
    fs::set_permissions(store.join("cccc-script"), fs::Permissions::from_mode(0o555))
        .expect("make a store file executable");
    store
}

fn build_into(input_file: &Path, out: &Path, store: &Path) -> Result<Compiled, String> {
    let store_dir = store.to_str().expect("temporary paths are UTF-8");
    build(&BuildOptions { input: input_file, out, am_bin: AM, store_dir })
        .map_err(|errors| render::report(&errors))
}

/// Every entry below `root`: relative path to a description of type, mode
/// and content, so two trees compare by value.
fn tree(root: &Path) -> BTreeMap<String, String> {
    let mut entries = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("read a bundle folder") {
            let path = entry.expect("read a bundle entry").path();
            let relative = path.strip_prefix(root).expect("below root").display().to_string();
            let meta = fs::symlink_metadata(&path).expect("stat a bundle entry");
            let mode = meta.permissions().mode() & 0o7777;
            let description = if meta.file_type().is_symlink() {
                format!("link -> {}", fs::read_link(&path).expect("read a link").display())
            } else if meta.is_dir() {
                pending.push(path);
                format!("dir {mode:o}")
            } else {
                let content = fs::read(&path).expect("read a bundle file");
                format!("file {mode:o} {:?}", String::from_utf8_lossy(&content))
            };
            entries.insert(relative, description);
        }
    }
    entries
}

#[test]
fn bundle_holds_exactly_the_plan_the_statics_the_script_and_am() {
    let tmp = TempDir::new("layout");
    let store = fake_store(&tmp.0);
    let input_file = tmp.0.join("input.json");
    fs::write(&input_file, every_kind_of_file(&store)).expect("write the input");
    let out = tmp.0.join("out");
    let compiled = build_into(&input_file, &out, &store).expect("the bundle builds");

    let plan_bytes = fs::read(out.join("plan.am")).expect("read plan.am");
    assert_eq!(am_schema::decode(&plan_bytes), Ok(compiled.plan));

    let mut listing = tree(&out);
    listing.insert("plan.am".into(), "(checked above)".into());
    let store = store.display();
    let expected: BTreeMap<String, String> = [
        ("bin", "dir 755".to_string()),
        ("bin/activate", format!("file 555 {:?}", am_compiler::activate_script(AM))),
        ("bin/am", format!("link -> {AM}")),
        ("plan.am", "(checked above)".into()),
        ("static", "dir 755".into()),
        ("static/.config", "dir 755".into()),
        ("static/.config/git", "dir 755".into()),
        ("static/.config/git/config", format!("link -> {store}/aaaa-gitconfig")),
        ("static/.config/nvim", format!("link -> {store}/bbbb-nvim")),
        ("static/.vimrc", "file 444 \"set nu\\n\"".into()),
        ("static/bin", "dir 755".into()),
        ("static/bin/hi", "file 555 \"#!/bin/sh\\n\"".into()),
        ("static/bin/tool", "file 555 \"[user]\\n\"".into()),
        ("static/notes", "file 444 \"echo hi\\n\"".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(listing, expected);
    assert_eq!(
        fs::read_to_string(out.join("bin/activate")).expect("read bin/activate"),
        "#!/nix/store/0000-am/bin/am bundle-entry\n\
         # Activates this bundle: the same as `am activate <this bundle>`.\n"
    );
}

#[test]
fn same_input_gives_byte_identical_bundles() {
    let tmp = TempDir::new("determinism");
    let store = fake_store(&tmp.0);
    let input_file = tmp.0.join("input.json");
    fs::write(&input_file, every_kind_of_file(&store)).expect("write the input");
    let (first, second) = (tmp.0.join("first"), tmp.0.join("second"));
    build_into(&input_file, &first, &store).expect("the first bundle builds");
    build_into(&input_file, &second, &store).expect("the second bundle builds");
    assert_eq!(tree(&first), tree(&second));
    assert_eq!(fs::read(first.join("plan.am")).ok(), fs::read(second.join("plan.am")).ok());
}

#[test]
fn node_order_in_the_input_does_not_matter() {
    let forward = json!([exec("a", &[], &[]), exec("b", &["a"], &[]), exec("c", &[], &["b"])]);
    let mut nodes = forward.as_array().cloned().unwrap_or_default();
    nodes.reverse();
    let plan_of = |nodes: Value| am_schema::encode(&compiled(nodes).plan);
    assert_eq!(plan_of(forward), plan_of(Value::Array(nodes)));
}

/// A report with the temporary folder replaced, so snapshots are stable.
fn report_without_tmp(report: String, tmp: &TempDir) -> String {
    report.replace(&tmp.0.display().to_string(), "$TMP")
}

#[test]
fn missing_input_file() {
    let tmp = TempDir::new("no-input");
    let result = build_into(&tmp.0.join("nope.json"), &tmp.0.join("out"), &tmp.0);
    let report = report_without_tmp(result.expect_err("a missing input fails"), &tmp);
    insta::assert_snapshot!(report);
    assert!(!tmp.0.join("out").exists());
}

#[test]
fn output_folder_that_is_not_empty() {
    let tmp = TempDir::new("out-exists");
    let input_file = tmp.0.join("input.json");
    fs::write(&input_file, input(json!([exec("a", &[], &[])]))).expect("write the input");
    fs::create_dir(tmp.0.join("out")).expect("create out");
    fs::write(tmp.0.join("out/old"), "").expect("fill out");
    let result = build_into(&input_file, &tmp.0.join("out"), &tmp.0);
    insta::assert_snapshot!(report_without_tmp(result.expect_err("a full out fails"), &tmp));
}

#[test]
fn relative_am_path_is_reported_with_the_configuration_problems() {
    let tmp = TempDir::new("am-path");
    let input_file = tmp.0.join("input.json");
    fs::write(&input_file, input(json!([exec("a", &["b"], &[])]))).expect("write the input");
    let options = BuildOptions {
        input: &input_file,
        out: &tmp.0.join("out"),
        am_bin: "bin/am",
        store_dir: "/nix/store",
    };
    let errors = build(&options).expect_err("a relative am path fails");
    insta::assert_snapshot!(render::report(&errors));
    assert!(!tmp.0.join("out").exists(), "nothing is written when there are problems");
}

fn am_compile(tmp: &TempDir, input_text: &str) -> std::process::Output {
    let input_file = tmp.0.join("input.json");
    fs::write(&input_file, input_text).expect("write the input");
    // The way Nix runs it: everything through the environment.
    Command::new(env!("CARGO_BIN_EXE_am-compile"))
        .arg("build")
        .env_clear()
        .env("inputPath", &input_file)
        .env("out", tmp.0.join("out"))
        .env("amBin", AM)
        .output()
        .expect("run am-compile")
}

#[test]
fn command_builds_from_the_environment() {
    let tmp = TempDir::new("cli-ok");
    let output = am_compile(&tmp, &input(json!([exec("a", &[], &[])])));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(tmp.0.join("out/plan.am").is_file());
}

#[test]
fn command_fails_with_the_report_and_exit_code_1() {
    let tmp = TempDir::new("cli-fail");
    let output = am_compile(&tmp, &input(json!([exec("a", &["a"], &[])])));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: node `a` waits for itself\n"), "{stderr}");
    assert!(
        stderr.ends_with("am-compile: 1 problem in the configuration; the bundle was not built.\n"),
        "{stderr}"
    );
    assert!(!tmp.0.join("out").exists());
}

#[test]
fn command_without_input_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_am-compile"))
        .arg("build")
        .env_clear()
        .output()
        .expect("run am-compile");
    assert_eq!(output.status.code(), Some(2));
}
