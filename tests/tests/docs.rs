//! The documentation site: its generated pages match the code, the book
//! builds with every internal link resolving, and a real browser shows the
//! pages without a console error.
//!
//! The work is done by `am-docs` (the same tool `scripts/docs.sh` runs), so
//! a failure here reproduces with `scripts/docs.sh`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use am_tests::{am_bin, find_program, fresh_dir, have_nix, repo_root, require, stderr, stdout};

/// `am-docs`, with `AM_BIN_DIR` naming the `am` under test.
fn am_docs(args: &[&str]) -> Output {
    let bin_dir = am_bin().parent().map(Path::to_path_buf).unwrap_or_default();
    Command::new(env!("CARGO_BIN_EXE_am-docs"))
        .args(args)
        .env("AM_BIN_DIR", bin_dir)
        .output()
        .expect("am-docs runs")
}

fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed\n--- stdout\n{}--- stderr\n{}",
        stdout(output),
        stderr(output)
    );
}

/// The first of `names` on `PATH` or in cargo's bin folder, the places
/// `am-docs` and `scripts/docs.sh` look.
fn find(names: &[&str]) -> Option<PathBuf> {
    names.iter().find_map(|name| find_program(name))
}

fn have_book_tools() -> bool {
    require("mdbook (cargo install --locked mdbook)", find(&["mdbook"]).is_some())
        && require("dot (apt-get install graphviz)", find(&["dot"]).is_some())
}

/// Builds the book into a fresh folder, as `scripts/docs.sh` does.
fn build_book() -> PathBuf {
    let out = fresh_dir("book");
    assert_success(&am_docs(&["--build", &out.display().to_string()]), "am-docs --build");
    out
}

/// A new option, flag or subcommand without its documentation regenerated
/// fails here: the committed pages must equal freshly generated ones.
#[test]
fn generated_pages_match_the_code() {
    if !have_nix() {
        return;
    }
    assert_success(&am_docs(&["--check"]), "am-docs --check (run scripts/docs.sh to regenerate)");
}

#[test]
fn book_builds_and_every_internal_link_resolves() {
    if !have_book_tools() {
        return;
    }
    let out = build_book();
    for page in [
        "index.html",
        "reference/options.html",
        "reference/cli.html",
        "reference/lua.html",
        "concepts/lua.html",
        "guides/lua.html",
    ] {
        assert!(out.join(page).is_file(), "{page} was not built");
    }
    let svg =
        std::fs::read_to_string(out.join("generated/desktop.svg")).expect("the plan is drawn");
    assert!(svg.contains("<svg") && svg.contains("layer 1"), "{svg}");
    let _ = std::fs::remove_dir_all(&out);
}

/// The pages a reader lands on first, and the ones with generated content.
const PAGES: [&str; 5] = [
    "index.html",
    "reference/options.html",
    "reference/cli.html",
    "reference/lua.html",
    "guides/plan-graph.html",
];

#[test]
fn browser_shows_the_pages_without_console_errors() {
    let chromium = find(&["chromium", "chromium-browser"]);
    if !have_book_tools() || !require("chromium (apt-get install chromium)", chromium.is_some()) {
        return;
    }
    let chromium = chromium.unwrap_or_default();
    let out = build_book();
    // Kept for people to look at: the test only knows the page loaded.
    let shots = repo_root().join("target/docs-screenshots");
    std::fs::create_dir_all(&shots).expect("target is writable");
    for page in PAGES {
        let url = format!("file://{}", out.join(page).display());
        let png = shots.join(page.replace('/', "-").replace(".html", ".png"));
        let _ = std::fs::remove_file(&png);
        let shot = headless(&chromium, &[&format!("--screenshot={}", png.display()), &url]);
        let dom = headless(&chromium, &["--dump-dom", &url]);
        for run in [&shot, &dom] {
            assert_success(run, &format!("chromium on {page}"));
            let errors: Vec<&str> =
                stderr_lines(run).filter(|line| line.contains(":CONSOLE")).collect();
            assert!(errors.is_empty(), "{page} logged to the console:\n{}", errors.join("\n"));
        }
        let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        assert!(size > 20_000, "{} is {size} bytes: a blank page?", png.display());
        // The sidebar is filled in by the book's scripts: it is there only
        // if they ran.
        let html = stdout(&dom);
        assert!(html.contains("chapter-item"), "{page}: the book's scripts did not run");
    }
    eprintln!("screenshots in {}", shots.display());
    let _ = std::fs::remove_dir_all(&out);
}

/// One headless Chromium run with a profile of its own, offline: no update
/// checks, no sync, no first-run pages, nothing that would reach a network;
/// console messages go to stderr as `INFO:CONSOLE(...)` lines.
fn headless(chromium: &Path, args: &[&str]) -> Output {
    let profile = fresh_dir("chromium");
    // A browser that hangs must fail the test, not stall the whole run.
    let output = Command::new("timeout")
        .arg("120")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1280,900",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    output
}

fn stderr_lines(output: &Output) -> impl Iterator<Item = &str> {
    std::str::from_utf8(&output.stderr).unwrap_or_default().lines()
}
