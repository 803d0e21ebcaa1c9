//! The option reference pages, from the Nix options themselves:
//! `docs/gen/options.nix` (a home's options), `docs/gen/system-options.nix`
//! (a system bundle's) and `docs/gen/nixos-options.nix` (the NixOS
//! module's) evaluate them with `lib.optionAttrSetToDocList`
//! (through `nix/docs.nix`), and this module turns that list into Markdown.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

/// Evaluates `file` (relative to the repository) offline, with the nixpkgs
/// library at `lib`.
pub fn evaluate(repo: &Path, file: &str, lib: &Path) -> Result<Vec<Value>, String> {
    let output = am_tests::nix_command("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(repo.join(file))
        .arg("--arg")
        .arg("lib")
        .arg(format!("import {}", lib.display()))
        .output()
        .map_err(|e| format!("nix-instantiate could not start: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "evaluating {file} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    match serde_json::from_slice(&output.stdout) {
        Ok(Value::Array(options)) => Ok(options),
        Ok(other) => Err(format!("{file} gave {other}, not a list")),
        Err(e) => Err(format!("{file} gave invalid JSON: {e}")),
    }
}

/// The whole page: its title and introduction (Markdown), a summary table,
/// then one section per option.
pub fn render(title: &str, intro: &str, options: &[Value]) -> String {
    let mut page = format!("# {title}\n\n");
    page.push_str(
        "<!-- Generated from the option declarations in nix/ by scripts/docs.sh; \
         edit those, not this page. -->\n\n",
    );
    page.push_str(intro.trim());
    page.push_str("\n\n| option | type |\n|---|---|\n");
    for option in options {
        let name = str_field(option, "name");
        let _ = writeln!(
            page,
            "| [`{name}`](#{}) | {} |",
            anchor(name),
            str_field(option, "type").replace('|', "\\|")
        );
    }
    for option in options {
        section(&mut page, option);
    }
    page
}

fn section(page: &mut String, option: &Value) {
    let name = str_field(option, "name");
    let _ = writeln!(page, "\n## `{name}` {{#{}}}\n", anchor(name));
    let description = str_field(option, "description").trim();
    if !description.is_empty() {
        let _ = writeln!(page, "{description}\n");
    }
    let _ = writeln!(page, "**Type:** `{}`\n", str_field(option, "type"));
    if let Some(default) = option.get("default") {
        let _ = writeln!(page, "**Default:**{}\n", value(default));
    }
    if let Some(example) = option.get("example") {
        let _ = writeln!(page, "**Example:**{}\n", value(example));
    }
    if option.get("readOnly").and_then(Value::as_bool) == Some(true) {
        page.push_str("**Read-only:** set by activation-manager itself.\n\n");
    }
    let declarations: Vec<String> = option
        .get("declarations")
        .and_then(Value::as_array)
        .map(|files| files.iter().filter_map(Value::as_str).map(|f| format!("`{f}`")).collect())
        .unwrap_or_default();
    if !declarations.is_empty() {
        let _ = writeln!(page, "**Declared in:** {}", declarations.join(", "));
    }
}

/// A default or example, to follow its label: Nix code inline when it is
/// one line, as a block otherwise; `literalMD` text is Markdown already.
fn value(value: &Value) -> String {
    let text = str_field(value, "text");
    match str_field(value, "_type") {
        "literalMD" => format!(" {text}"),
        _ if text.trim_end().contains('\n') => format!("\n\n```nix\n{}\n```", text.trim_end()),
        _ => format!(" {}", code_span(text.trim())),
    }
}

/// Inline code that survives backticks inside it.
fn code_span(text: &str) -> String {
    if text.contains('`') { format!("`` {text} ``") } else { format!("`{text}`") }
}

/// `opt-home.file._name_.source`, the ids the NixOS manual uses: stable,
/// readable in a URL, and free of `<` and `>`.
pub fn anchor(name: &str) -> String {
    format!("opt-{}", name.replace(['<', '>'], "_").replace([' ', '"'], ""))
}

fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_option_gets_a_row_and_a_section() {
        let options = [json!({
            "name": "home.file.<name>.text",
            "type": "null or strings concatenated with \"\\n\"",
            "description": "Content of the file.",
            "default": { "_type": "literalExpression", "text": "null" },
            "example": { "_type": "literalExpression", "text": "''\n  a\n''" },
            "declarations": ["nix/modules/files.nix"],
            "readOnly": false,
        })];
        let page = render("Options", "Some options.", &options);
        assert!(
            page.contains("| [`home.file.<name>.text`](#opt-home.file._name_.text) |"),
            "{page}"
        );
        assert!(page.contains("## `home.file.<name>.text` {#opt-home.file._name_.text}"), "{page}");
        assert!(page.contains("**Default:** `null`"), "{page}");
        assert!(page.contains("**Example:**\n\n```nix\n''\n  a\n''\n```"), "{page}");
        assert!(page.contains("**Declared in:** `nix/modules/files.nix`"), "{page}");
    }
}
