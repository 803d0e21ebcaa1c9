//! `am-compile packages`: merging package folders into one tree of links by
//! nixpkgs' `buildEnv` rules, against real folders standing in for store
//! paths. Every build error is snapshotted as a user reads it.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use am_compiler::{TreeOptions, build_tree, render};
use serde_json::{Value, json};

/// A fresh folder under the system's temp dir, removed again on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("am-compile-tree-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create a temporary folder");
        TempDir(path)
    }

    /// A package folder `<name>` with `files` (path, content); a content
    /// starting with `->` makes a link.
    fn package(&self, name: &str, files: &[(&str, &str)]) -> String {
        let root = self.0.join(name);
        for (path, content) in files {
            let path = root.join(path);
            fs::create_dir_all(path.parent().expect("a file has a folder")).expect("mkdir");
            match content.strip_prefix("->") {
                Some(target) => symlink(target, &path).expect("symlink"),
                None => fs::write(&path, content).expect("write"),
            }
        }
        fs::create_dir_all(&root).expect("mkdir");
        root.display().to_string()
    }

    /// Builds the tree of `packages` (`(name, priority, outputs)`), at `out`.
    fn build(&self, packages: &[(&str, i64, Vec<String>)]) -> Result<PathBuf, String> {
        let packages: Vec<Value> = packages
            .iter()
            .map(|(name, priority, outputs)| {
                json!({ "name": name, "version": "1.0", "priority": priority, "outputs": outputs })
            })
            .collect();
        let input = json!({ "version": 1, "declaredBy": "home.packages",
                            "definedIn": ["/home/me/home.nix"], "packages": packages });
        let input_path = self.0.join("input.json");
        fs::write(&input_path, input.to_string()).expect("write the input");
        let out = self.0.join("out");
        let _ = fs::remove_dir_all(&out);
        match build_tree(&TreeOptions { input: &input_path, out: &out }) {
            Ok(_) => Ok(out),
            Err(errors) => {
                Err(render::packages_report(&errors)
                    .replace(&self.0.display().to_string(), "[STORE]"))
            }
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Every entry of a built tree: folders with `/`, links with their target.
fn listing(root: &Path, temp: &TempDir) -> Vec<String> {
    let mut lines = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("list") {
            let path = entry.expect("entry").path();
            let relative = path.strip_prefix(root).expect("inside").display().to_string();
            let meta = fs::symlink_metadata(&path).expect("stat");
            if meta.file_type().is_symlink() {
                let target = fs::read_link(&path).expect("readlink").display().to_string();
                let target = target.replace(&temp.0.display().to_string(), "");
                lines.push(format!("{relative} -> {target}"));
            } else {
                lines.push(format!("{relative}/"));
                pending.push(path);
            }
        }
    }
    lines.sort();
    lines
}

#[test]
fn folders_two_packages_have_are_merged_and_others_linked_whole() {
    let temp = TempDir::new("merge");
    let a = temp.package("a", &[("bin/a", "a"), ("share/doc/a/README", "a")]);
    let b = temp.package("b", &[("bin/b", "b"), ("lib/libb.so", "b")]);
    let out = temp.build(&[("a", 5, vec![a]), ("b", 5, vec![b])]).expect("builds");
    assert_eq!(
        listing(&out, &temp),
        ["bin/", "bin/a -> /a/bin/a", "bin/b -> /b/bin/b", "lib -> /b/lib", "share -> /a/share"]
    );
    assert_eq!(fs::metadata(&out).expect("out").permissions().mode() & 0o777, 0o755);
}

#[test]
fn the_lower_priority_number_wins_a_file_whatever_the_order() {
    let temp = TempDir::new("priority");
    let tool = temp.package("tool", &[("bin/tool", "plain")]);
    let patched = temp.package("patched", &[("bin/tool", "patched")]);
    for order in [[0, 1], [1, 0]] {
        let all = [("tool", 5, vec![tool.clone()]), ("patched", -10, vec![patched.clone()])];
        let packages: Vec<_> = order.iter().map(|&i| all[i].clone()).collect();
        let out = temp.build(&packages).expect("the priority settles it");
        assert_eq!(listing(&out, &temp), ["bin/", "bin/tool -> /patched/bin/tool"]);
    }
}

#[test]
fn equal_files_do_not_collide_but_other_modes_do() {
    let temp = TempDir::new("contents");
    let a = temp.package("a", &[("share/licence", "MIT")]);
    let b = temp.package("b", &[("share/licence", "MIT")]);
    let out = temp.build(&[("a", 5, vec![a.clone()]), ("b", 5, vec![b.clone()])]);
    let out = out.expect("the same bytes are no collision");
    assert_eq!(listing(&out, &temp), ["share/", "share/licence -> /a/share/licence"]);

    let licence = Path::new(&b).join("share/licence");
    fs::set_permissions(&licence, fs::Permissions::from_mode(0o755)).expect("chmod");
    let error = temp.build(&[("a", 5, vec![a]), ("b", 5, vec![b])]).expect_err("collides");
    assert!(error.contains("two packages provide share/licence"), "{error}");
}

#[test]
fn one_file_reached_twice_is_no_collision() {
    let temp = TempDir::new("same-file");
    let real = temp.package("real", &[("bin/tool", "tool")]);
    let wrapper = temp.package("wrapper", &[("bin/tool", &format!("->{real}/bin/tool"))]);
    let out = temp.build(&[("wrapper", 5, vec![wrapper]), ("real", 5, vec![real])]);
    // The link that is no link wins.
    assert_eq!(listing(&out.expect("builds"), &temp), ["bin/", "bin/tool -> /real/bin/tool"]);
}

#[test]
fn what_build_env_leaves_out_is_left_out() {
    let temp = TempDir::new("left-out");
    let a = temp
        .package("a", &[("bin/a", "a"), ("nix-support/setup-hook", "x"), ("share/info/dir", "x")]);
    let b = temp.package("b", &[("share/info/b.info", "b"), ("share/info/dir", "y")]);
    let out = temp.build(&[("a", 5, vec![a]), ("b", 5, vec![b])]).expect("builds");
    assert_eq!(
        listing(&out, &temp),
        ["bin -> /a/bin", "share/", "share/info/", "share/info/b.info -> /b/share/info/b.info"]
    );
}

#[test]
fn propagated_packages_join_and_lose_collisions_quietly() {
    let temp = TempDir::new("propagated");
    let helper = temp.package("helper", &[("bin/helper", "h"), ("bin/tool", "other tool")]);
    let tool = temp.package(
        "tool",
        &[("bin/tool", "tool"), ("nix-support/propagated-user-env-packages", &helper)],
    );
    let out = temp.build(&[("tool", 5, vec![tool])]).expect("builds");
    assert_eq!(
        listing(&out, &temp),
        ["bin/", "bin/helper -> /helper/bin/helper", "bin/tool -> /tool/bin/tool"]
    );
}

#[test]
fn collisions_name_both_packages_and_the_file() {
    let temp = TempDir::new("collision");
    let a = temp.package("hello-2.12", &[("bin/hello", "hello"), ("share/man", "a file")]);
    let b = temp.package("hello-wrapper-1.0", &[("bin/hello", "wrapped"), ("share/man/x", "m")]);
    let error = temp.build(&[("hello", 5, vec![a]), ("hello-wrapper", 5, vec![b])]);
    insta::assert_snapshot!(error.expect_err("two packages collide"));
}

#[test]
fn an_output_that_is_a_file_is_refused() {
    let temp = TempDir::new("file");
    let script = temp.0.join("script");
    fs::write(&script, "#!/bin/sh\n").expect("write");
    let error = temp.build(&[("script", 5, vec![script.display().to_string()])]);
    insta::assert_snapshot!(error.expect_err("a file is no package"));
}
