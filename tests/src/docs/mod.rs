//! The pieces of `am-docs`: the generated pages of the docs site, the book
//! build, and the link check.

pub mod links;
pub mod lua;
pub mod options;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A page generated from the code, committed under `docs/src/`.
#[derive(Debug)]
pub struct Generated {
    /// Relative to the repository root.
    pub path: &'static str,
    pub content: String,
}

const HOME_OPTIONS_INTRO: &str = "
Every option a home configuration can set. `<name>` stands for the attribute
name of an entry, e.g. `\".config/git/config\"` in
`home.file.\".config/git/config\".text`.
";

const SYSTEM_OPTIONS_INTRO: &str = "
Every option a system bundle (`lib.systemBundle`) can set; see [Manage a
machine](../guides/system.md). `<name>` stands for the attribute name of an
entry, e.g. `\"nginx/nginx.conf\"` in `environment.etc.\"nginx/nginx.conf\".text`.
The homes a system bundle builds for its users have the options of the
[option reference](options.md).
";

const NIXOS_OPTIONS_INTRO: &str = "
The options of the NixOS module (`nixosModules.default` of the flake, or
`nix/nixos.nix`); see [Using the NixOS module](../guides/nixos.md). The options
of the homes themselves are in the [option reference](options.md).
";

/// The Lua API's annotations, which the Lua API reference is made of.
const LUA_ANNOTATIONS: &str = "lua/am.lua";

/// The example whose plan the docs show, as text and as a picture.
const SHOWN_EXAMPLE: &str = "examples/desktop/home.nix";

/// Generates every page from the current code: the option references (Nix),
/// the command line reference (clap, through `am __docs markdown`), the Lua
/// API reference (the annotations of `lua/am.lua`), and the plan of the
/// desktop example (`am inspect` as text, JSON and Graphviz).
pub fn generate(repo: &Path) -> Result<Vec<Generated>, String> {
    let lib = am_tests::nixpkgs_lib();
    let home_options = options::evaluate(repo, "docs/gen/options.nix", &lib)?;
    let system_options = options::evaluate(repo, "docs/gen/system-options.nix", &lib)?;
    let nixos_options = options::evaluate(repo, "docs/gen/nixos-options.nix", &lib)?;
    let am = am_tests::am_bin();
    let cli = run(Command::new(&am).args(["__docs", "markdown"]))?;
    let annotations = std::fs::read_to_string(repo.join(LUA_ANNOTATIONS))
        .map_err(|e| format!("{LUA_ANNOTATIONS}: {e}"))?;
    let lua_api = am_tests::luadoc::Api::parse(&annotations)?;

    let dir = am_tests::fresh_dir("docs");
    let bundle = am_tests::nix_build(&dir, &[&repo.join(SHOWN_EXAMPLE)], &[])
        .map_err(|stderr| format!("building {SHOWN_EXAMPLE} failed:\n{stderr}"))?;
    let inspect = |format: Option<&str>| {
        let mut command = Command::new(&am);
        command.arg("inspect").args(format).arg(&bundle).env("NO_COLOR", "1");
        run(&mut command).map(|text| mask_store_hashes(&text))
    };
    let pages = vec![
        Generated {
            path: "docs/src/reference/options.md",
            content: options::render("Option reference", HOME_OPTIONS_INTRO, &home_options),
        },
        Generated {
            path: "docs/src/reference/system-options.md",
            content: options::render(
                "System bundle options",
                SYSTEM_OPTIONS_INTRO,
                &system_options,
            ),
        },
        Generated {
            path: "docs/src/reference/nixos-options.md",
            content: options::render("NixOS module options", NIXOS_OPTIONS_INTRO, &nixos_options),
        },
        Generated { path: "docs/src/reference/cli.md", content: cli },
        Generated { path: "docs/src/reference/lua.md", content: lua::render(&lua_api) },
        Generated { path: "docs/src/generated/desktop-inspect.txt", content: inspect(None)? },
        Generated { path: "docs/src/generated/desktop.dot", content: inspect(Some("--dot"))? },
        Generated {
            path: "docs/src/generated/desktop-inspect.json",
            content: pretty(&inspect(Some("--json"))?)?,
        },
    ];
    let _ = std::fs::remove_dir_all(&dir);
    Ok(pages)
}

/// The generated pages whose committed copy differs from `pages`.
pub fn stale<'a>(repo: &Path, pages: &'a [Generated]) -> Vec<&'a Generated> {
    pages
        .iter()
        .filter(|page| {
            std::fs::read_to_string(repo.join(page.path)).ok().as_deref() != Some(&page.content)
        })
        .collect()
}

/// Builds the book into `out`, then draws every Graphviz file of it as SVG
/// beside it (`generated/desktop.dot` becomes `generated/desktop.svg`).
pub fn build(repo: &Path, out: &Path) -> Result<(), String> {
    let mdbook = find_program("mdbook", "MDBOOK")
        .ok_or("mdbook is missing: cargo install --locked mdbook (scripts/docs.sh does)")?;
    run(Command::new(mdbook).arg("build").arg(repo.join("docs")).arg("--dest-dir").arg(out))?;
    let dot = find_program("dot", "DOT")
        .ok_or("dot is missing: apt-get install graphviz (scripts/docs.sh does)")?;
    let generated = out.join("generated");
    let entries = std::fs::read_dir(&generated)
        .map_err(|e| format!("{}: {e}; mdbook did not copy it", generated.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let source = entry.path();
        if source.extension().is_some_and(|ext| ext == "dot") {
            let svg = source.with_extension("svg");
            run(Command::new(&dot).arg("-Tsvg").arg(&source).arg("-o").arg(&svg))?;
        }
    }
    Ok(())
}

/// A program from `variable`, else found by [`am_tests::find_program`].
fn find_program(name: &str, variable: &str) -> Option<PathBuf> {
    std::env::var_os(variable).map(PathBuf::from).or_else(|| am_tests::find_program(name))
}

/// `/nix/store/<hash>-name`: a hash changes with every build of `am`, the
/// name does not, and the page should change only when the plan does.
fn mask_store_hashes(text: &str) -> String {
    const PREFIX: &str = "/nix/store/";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(PREFIX) {
        let after = &rest[start + PREFIX.len()..];
        let hash_len = after.bytes().take_while(u8::is_ascii_alphanumeric).count();
        out.push_str(&rest[..start + PREFIX.len()]);
        if hash_len == 32 && after.as_bytes().get(32) == Some(&b'-') {
            out.push_str("<hash>");
            rest = &after[32..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `am inspect --json` prints one line for tools; people read it indented,
/// with the keys in `am`'s order (serde_json's own printer would sort them).
fn pretty(json: &str) -> Result<String, String> {
    serde_json::from_str::<serde_json::Value>(json)
        .map_err(|e| format!("am inspect --json printed invalid JSON: {e}"))?;
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = json.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            (in_string, escaped) = match (escaped, c) {
                (true, _) => (true, false),
                (false, '\\') => (true, true),
                (false, '"') => (false, false),
                _ => (true, false),
            };
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' if matches!(chars.peek(), Some('}' | ']')) => {
                out.push(c);
                out.extend(chars.next());
            }
            '{' | '[' => {
                depth += 1;
                out.push(c);
                newline(&mut out, depth);
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out.push('\n');
    Ok(out)
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    out.push_str(&"  ".repeat(depth));
}

/// Runs `command`, returning its stdout, or its stderr as the error.
fn run(command: &mut Command) -> Result<String, String> {
    let shown = format!("{command:?}");
    let output = command.output().map_err(|e| format!("{shown} could not start: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!("{shown} failed:\n{}", String::from_utf8_lossy(&output.stderr)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_indented_in_its_own_key_order() {
        let json = r#"{"b":1,"a":["x,y",{}],"c":{"d":"q\"{"}}"#;
        let expected = "{\n  \"b\": 1,\n  \"a\": [\n    \"x,y\",\n    {}\n  ],\n  \
                        \"c\": {\n    \"d\": \"q\\\"{\"\n  }\n}\n";
        assert_eq!(pretty(json).expect("valid"), expected);
    }

    #[test]
    fn store_hashes_are_masked_and_other_paths_kept() {
        let text =
            "bundle /nix/store/b5kb2vwgsz5s3f2ap7ymzw9h12dnvs00-home-bundle\n/nix/store/short-x\n";
        assert_eq!(
            mask_store_hashes(text),
            "bundle /nix/store/<hash>-home-bundle\n/nix/store/short-x\n"
        );
    }
}
