//! The getting-started pages, followed word for word in an empty home:
//! every `<!-- file: PATH -->` block is written to PATH, every `$` line of a
//! `console` block runs (in the folder the previous ones left), must
//! succeed, and must print the lines the page shows under it, in order
//! (`…` stands for anything, `/home/jane` for the home).
//!
//! `am` is reached only through what the bundles install: `PATH` is
//! Nix's profile (as Nix's own shell setup has it) and the system's
//! folders, and no `am` is on it before the first activation.
//!
//! What the machine provides, and the pages take for granted: a checkout at
//! `~/activation-manager` (a clone of this repository's `HEAD`), and a
//! nixpkgs channel. There is no network, and full nixpkgs cannot build
//! Rust offline, so `<nixpkgs>` is a stand-in: the nixpkgs library, the
//! packages of `tests/nixpkgs-stub/pkgs.nix`, and a `callPackage` that gives
//! the `am` package these tests were built with. The flake page's
//! `github:NixOS/nixpkgs` is that stand-in too, as a flake: its `nix`
//! commands get `--override-input nixpkgs path:<stand-in>`, the one word
//! the tests add to a page.

use std::path::{Path, PathBuf};
use std::process::Command;

use am_tests::engine::Home;
use am_tests::{am_package, fresh_dir, have_nix, nixpkgs_lib, repo_root, stdout};

/// One step of a page.
#[derive(Debug)]
enum Step {
    /// Write `text` to `path` (`~/` for the home).
    File { path: String, text: String },
    /// Run `command`; `expected` lines must appear in its output, in order.
    Run { command: String, expected: Vec<String> },
}

/// The steps of a Markdown page, in order.
fn steps(page: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = page.lines();
    let mut file: Option<String> = None;
    while let Some(line) = lines.next() {
        if let Some(path) =
            line.trim().strip_prefix("<!-- file: ").and_then(|rest| rest.strip_suffix(" -->"))
        {
            file = Some(path.to_string());
            continue;
        }
        let Some(lang) = line.strip_prefix("```") else {
            if !line.trim().is_empty() {
                file = None;
            }
            continue;
        };
        let block: Vec<&str> = lines.by_ref().take_while(|line| *line != "```").collect();
        match (file.take(), lang) {
            (Some(path), _) => {
                let text = block.iter().map(|line| format!("{line}\n")).collect();
                steps.push(Step::File { path, text });
            }
            (None, "console") => {
                for line in block {
                    match line.strip_prefix("$ ") {
                        Some(command) => steps
                            .push(Step::Run { command: command.to_string(), expected: Vec::new() }),
                        None => {
                            if let Some(Step::Run { expected, .. }) = steps.last_mut() {
                                expected.push(line.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    steps
}

/// Whether `line` is what the page shows as `expected`: equal, with `…`
/// matching any text.
fn matches(expected: &str, line: &str) -> bool {
    let parts: Vec<&str> = expected.split('…').collect();
    let mut rest = line.trim_end();
    for (index, part) in parts.iter().enumerate() {
        let last = index == parts.len() - 1;
        if index == 0 {
            let Some(after) = rest.strip_prefix(part) else { return false };
            rest = after;
            if last {
                return rest.is_empty();
            }
        } else if last {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else { return false };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

/// The stand-in for nixpkgs, self-contained so that it can be a flake too:
/// the library as `lib`, the test packages, the `am` under test as `am/`,
/// a `default.nix` for `<nixpkgs>` and a `flake.nix` with `lib` and
/// `legacyPackages`.
fn stub_nixpkgs(dir: &Path) -> PathBuf {
    let nixpkgs = dir.join("nixpkgs");
    std::fs::create_dir_all(&nixpkgs).expect("writable");
    let copy = |from: &Path, to: &str| {
        let output = Command::new("cp")
            .args(["-r", "--no-preserve=mode"])
            .arg(from)
            .arg(nixpkgs.join(to))
            .output()
            .expect("cp runs");
        assert!(output.status.success(), "cp {}: {}", from.display(), am_tests::stderr(&output));
    };
    copy(&nixpkgs_lib(), "lib");
    copy(&repo_root().join("tests/nixpkgs-stub/pkgs.nix"), "pkgs.nix");
    copy(&am_package(), "am");
    // Copies lose the modes; the programs must stay programs.
    for program in ["am", "am-compile"] {
        let path = nixpkgs.join("am/bin").join(program);
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
    }
    let default = format!(
        "# TEST-ONLY stand-in for nixpkgs (tests/tests/getting_started.rs).\n\
         {{ system ? builtins.currentSystem, ... }}:\n\
         (import ./pkgs.nix {{ path = ./.; }}) // {{\n  \
           lib = import ./lib;\n  \
           stdenv.hostPlatform.system = system;\n  \
           # nix/package.nix, built: the am of these tests, named as\n  \
           # nix/package.nix names it.\n  \
           callPackage = _: _: builtins.path {{ path = ./am; name = \"activation-manager-{version}\"; }};\n\
         }}\n",
        version = env!("CARGO_PKG_VERSION"),
    );
    std::fs::write(nixpkgs.join("default.nix"), default).expect("writable");
    let flake = "{\n  outputs = _: let lib = import ./lib; in {\n    inherit lib;\n    \
                 legacyPackages = lib.genAttrs [ \"x86_64-linux\" \"aarch64-linux\" \
                 \"x86_64-darwin\" \"aarch64-darwin\" ]\n      \
                 (system: import ./default.nix { inherit system; });\n  };\n}\n";
    std::fs::write(nixpkgs.join("flake.nix"), flake).expect("writable");
    nixpkgs
}

/// A checkout of this repository's `HEAD` at a fixed place, brought up to
/// date. Its `target` is a link to the folder all release builds of clones
/// share, so the page's `cargo build --release` compiles the dependencies
/// once per machine, and `target/release/am` is where the page says.
fn checkout() -> PathBuf {
    let checkout = repo_root().join("target/getting-started/activation-manager");
    let git = |args: &[&str], dir: &Path| {
        let output = Command::new("git").args(args).current_dir(dir).output().expect("git runs");
        assert!(output.status.success(), "git {args:?}: {}", am_tests::stderr(&output));
    };
    if !checkout.join(".git").is_dir() {
        let parent = checkout.parent().expect("a parent");
        std::fs::create_dir_all(parent).expect("writable");
        let root = repo_root().display().to_string();
        git(&["clone", "--quiet", &root, "activation-manager"], parent);
    }
    let root = repo_root().display().to_string();
    git(&["fetch", "--quiet", &root, "HEAD"], &checkout);
    git(&["reset", "--quiet", "--hard", "FETCH_HEAD"], &checkout);
    git(&["clean", "--quiet", "-fdx", "--exclude=target"], &checkout);
    let target = checkout.join("target");
    if !target.is_symlink() {
        // A real folder left by an older version of this test.
        let _ = std::fs::remove_dir_all(&target);
        let shared = am_tests::clones_target_dir();
        std::fs::create_dir_all(&shared).expect("writable");
        std::os::unix::fs::symlink(&shared, &target).expect("the checkout's target link");
    }
    checkout
}

/// How the home gets its checkout of the repository.
#[derive(Debug, Clone, Copy)]
enum Checkout {
    /// A link to one checkout kept between runs, whose `target/` survives.
    Kept,
    /// A clone of its own: a flake's `path:` input takes a folder.
    Cloned,
}

/// Follows the pages, in order, in one home.
fn follow(pages: &[&str], checkout_as: Checkout) {
    let home = Home::new("getting-started");
    let scratch = fresh_dir("getting-started");
    let nixpkgs = stub_nixpkgs(&scratch);
    let in_home = home.path.join("activation-manager");
    match checkout_as {
        Checkout::Kept => {
            std::os::unix::fs::symlink(checkout(), &in_home).expect("the checkout in the home");
        }
        Checkout::Cloned => {
            let output = Command::new("git")
                .args(["clone", "--quiet"])
                .arg(repo_root())
                .arg(&in_home)
                .output()
                .expect("git runs");
            assert!(output.status.success(), "git clone: {}", am_tests::stderr(&output));
        }
    }
    let home_text = home.path.display().to_string();
    let override_input = format!("--override-input nixpkgs path:{}", nixpkgs.display());
    let path = format!("{}/.nix-profile/bin:/usr/local/bin:/usr/bin:/bin", home.path.display());
    let cargo_bin =
        am_tests::find_program("cargo").and_then(|cargo| cargo.parent().map(Path::to_path_buf));
    let path = match cargo_bin {
        Some(bin) => format!("{path}:{}", bin.display()),
        None => path,
    };
    let shell = |script: &str| {
        let mut command = home.command("bash");
        command
            .args(["-c", script])
            .env("PATH", &path)
            .env("NIX_PATH", format!("nixpkgs={}", nixpkgs.display()))
            .env("NIX_CONFIG", "experimental-features = nix-command flakes\nsubstituters =\n")
            .env("NO_COLOR", "1")
            .env("CARGO_TERM_QUIET", "true");
        // cargo (and rustup behind it) find their toolchains through the
        // real home, not the test's.
        if let Some(real) = std::env::var_os("HOME").map(PathBuf::from) {
            let cargo_home =
                std::env::var_os("CARGO_HOME").map_or(real.join(".cargo"), PathBuf::from);
            let rustup_home =
                std::env::var_os("RUSTUP_HOME").map_or(real.join(".rustup"), PathBuf::from);
            command.env("CARGO_HOME", cargo_home).env("RUSTUP_HOME", rustup_home);
        }
        command.output().expect("bash runs")
    };
    let before = shell("command -v am || echo none");
    assert_eq!(stdout(&before).trim(), "none", "an am is on PATH before the first activation");

    let mut cwd = home.path.clone();
    let cwd_file = scratch.join("cwd");
    for page in pages {
        let text = std::fs::read_to_string(repo_root().join("docs/src/getting-started").join(page))
            .expect("the page is readable");
        for step in steps(&text) {
            match step {
                Step::File { path, text } => {
                    let path = home.path.join(path.trim_start_matches("~/"));
                    std::fs::write(&path, text.replace("/home/jane", &home_text))
                        .unwrap_or_else(|e| panic!("{page}: write {}: {e}", path.display()));
                }
                Step::Run { command, expected } => {
                    let command = with_override(&command, &override_input);
                    let script = format!(
                        "cd {cwd} && {{ {command}\n}} 2>&1; status=$?; pwd > {file}; exit $status",
                        cwd = cwd.display(),
                        file = cwd_file.display()
                    );
                    let output = shell(&script);
                    let said = stdout(&output);
                    assert!(output.status.success(), "{page}: `{command}` failed:\n{said}");
                    cwd = PathBuf::from(
                        std::fs::read_to_string(&cwd_file).expect("the folder was written").trim(),
                    );
                    let mut lines = said.lines();
                    for line in &expected {
                        let line = line.replace("/home/jane", &home_text);
                        assert!(
                            lines.any(|actual| matches(&line, actual)),
                            "{page}: `{command}` did not print\n  {line}\nin order; it printed:\n{said}"
                        );
                    }
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// A flake command (`nix run .#home -- ...`) with `extra` after its
/// installable; any other command as it is.
fn with_override(command: &str, extra: &str) -> String {
    let words: Vec<&str> = command.splitn(4, ' ').collect();
    match words.as_slice() {
        ["nix", sub, installable, rest @ ..] if ["run", "build"].contains(sub) => {
            format!("nix {sub} {installable} {extra} {}", rest.join(" "))
        }
        _ => command.to_string(),
    }
}

#[test]
fn the_getting_started_pages_work_word_for_word() {
    if !have_nix() {
        return;
    }
    follow(&["first-home.md", "without-flakes.md"], Checkout::Kept);
}

#[test]
fn the_flake_page_works_word_for_word() {
    if !have_nix() {
        return;
    }
    follow(&["flakes.md"], Checkout::Cloned);
}

#[test]
fn page_steps_are_read_in_order() {
    let page =
        "text\n<!-- file: ~/a.nix -->\n```nix\n{ }\n```\n\n```console\n$ cd ~/x\n$ ls\nb…\n```\n";
    let steps = steps(page);
    assert!(matches!(&steps[0], Step::File { path, text } if path == "~/a.nix" && text == "{ }\n"));
    assert!(
        matches!(&steps[2], Step::Run { command, expected } if command == "ls" && expected == &["b…"])
    );
    assert!(matches("a … c", "a b c"));
    assert!(matches("…-home-bundle", "/nix/store/x-home-bundle"));
    assert!(!matches("a … c", "a b d"));
    assert!(matches("exact", "exact  "));
    let extra = "--override-input nixpkgs path:/x";
    assert_eq!(
        with_override("nix run .#home -- --dry-run  # flags", extra),
        "nix run .#home --override-input nixpkgs path:/x -- --dry-run  # flags"
    );
    assert_eq!(with_override("nix-build", extra), "nix-build");
}
