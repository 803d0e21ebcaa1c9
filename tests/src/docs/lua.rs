//! The Lua API reference page, from the annotations of `lua/am.lua` (read
//! by [`am_tests::luadoc`]): the tables of the API with their fields, each
//! function with its parameters and result, then the types of the
//! arguments.

use std::fmt::Write as _;

use am_tests::luadoc::{Api, Field, Item};

const INTRO: &str = "
Every Lua chunk `am` runs (a [`lua.tasks`](options.md#opt-lua.tasks) task,
an `am.nodes.<id>` of kind `lua`, or the chunk the build makes of a node
with [Lua values](../concepts/lua.md#lua-values)) sees the global table
`am` described here, and a part of Lua's standard library: see
[Dynamic nodes and Lua](../concepts/lua.md#what-a-chunk-can-use) for which,
and why. [Lua recipes](../guides/lua.md) shows the API at work.

The same descriptions come with `lua/am.lua` in the repository, for your
editor: with [lua-language-server](https://luals.github.io), copy `lua/am.lua`
and `lua/.luarc.json` beside your chunks (or list the file in
`workspace.library`), and it completes and checks every call.
";

/// The whole page.
pub fn render(api: &Api) -> String {
    let mut page = String::from("# Lua API\n\n");
    page.push_str(
        "<!-- Generated from the annotations in lua/am.lua by scripts/docs.sh; \
         edit that file, not this page. -->\n\n",
    );
    page.push_str(INTRO.trim());
    page.push('\n');

    page.push_str("\n## Tables\n");
    for item in &api.items {
        if let Item::Class { doc, fields, table: Some(table), .. } = item {
            let _ = writeln!(page, "\n### `{table}` {{#{table}}}\n");
            paragraph(&mut page, doc);
            let rows: Vec<(String, &Field)> =
                fields.iter().map(|field| (format!("{table}.{}", field.name), field)).collect();
            field_table(&mut page, api, "member", &rows);
            for (label, members) in
                [("Tables", tables_in(api, table)), ("Functions", functions_in(api, table))]
            {
                if !members.is_empty() {
                    let _ = writeln!(page, "{label}: {}\n", members.join(", "));
                }
            }
        }
    }

    page.push_str("\n## Functions\n");
    for item in &api.items {
        if let Item::Function { name, args, doc, params, returns } = item {
            let _ = writeln!(page, "\n### `{name}({args})` {{#{name}}}\n");
            paragraph(&mut page, doc);
            for param in params {
                let _ = writeln!(page, "- {}", value(api, param));
            }
            page.push('\n');
            for result in returns {
                let _ = writeln!(page, "**Returns:** {}\n", value(api, result));
            }
        }
    }

    page.push_str("\n## Argument types\n");
    for item in &api.items {
        match item {
            Item::Class { name, doc, fields, table: None } => {
                let _ = writeln!(page, "\n### `{name}` {{#{name}}}\n");
                paragraph(&mut page, doc);
                let rows: Vec<(String, &Field)> =
                    fields.iter().map(|field| (field.name.clone(), field)).collect();
                field_table(&mut page, api, "field", &rows);
            }
            Item::Alias { name, doc, ty } => {
                let _ = writeln!(page, "\n### `{name}` {{#{name}}}\n");
                paragraph(&mut page, doc);
                let _ = writeln!(page, "**Type:** `{ty}`\n");
            }
            _ => {}
        }
    }
    // Sections end with a blank line and start after one: one is enough.
    while page.contains("\n\n\n") {
        page = page.replace("\n\n\n", "\n\n");
    }
    page.truncate(page.trim_end().len());
    page.push('\n');
    page
}

fn paragraph(page: &mut String, doc: &str) {
    if !doc.is_empty() {
        let _ = writeln!(page, "{doc}\n");
    }
}

/// `| member | type | description |` rows; `field?` is shown as optional.
fn field_table(page: &mut String, api: &Api, label: &str, rows: &[(String, &Field)]) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(page, "| {label} | type | description |\n|---|---|---|");
    for (name, field) in rows {
        let (name, optional) = match name.strip_suffix('?') {
            Some(name) => (name, " (optional)"),
            None => (name.as_str(), ""),
        };
        let _ = writeln!(
            page,
            "| `{name}`{optional} | {} | {} |",
            type_ref(api, &field.ty).replace('|', "\\|"),
            field.doc.replace('|', "\\|")
        );
    }
    page.push('\n');
}

/// Links to the tables directly in the table `path` (`am.fs` in `am`).
fn tables_in(api: &Api, path: &str) -> Vec<String> {
    let names = api.items.iter().filter_map(|item| match item {
        Item::Class { table: Some(table), .. } => Some(table.as_str()),
        _ => None,
    });
    links_in(names, path)
}

/// Links to the functions directly in the table `path` (`am.log.info` in
/// `am.log`).
fn functions_in(api: &Api, path: &str) -> Vec<String> {
    let names = api.items.iter().filter_map(|item| match item {
        Item::Function { name, .. } => Some(name.as_str()),
        _ => None,
    });
    links_in(names, path)
}

fn links_in<'a>(names: impl Iterator<Item = &'a str>, path: &str) -> Vec<String> {
    names
        .filter(|name| {
            name.strip_prefix(path)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|rest| !rest.contains('.'))
        })
        .map(|name| format!("[`{name}`](#{name})"))
        .collect()
}

/// A type, linked to its section when the file declares it; `string?`
/// is shown as `string` or `nil`.
fn type_ref(api: &Api, ty: &str) -> String {
    let bare = ty.trim_end_matches('?');
    let shown =
        if api.declares(bare) { format!("[`{bare}`](#{bare})") } else { format!("`{bare}`") };
    if bare.len() < ty.len() { format!("{shown} or `nil`") } else { shown }
}

/// A parameter or result: `` `name` (type): description ``, each part
/// only when there is one (a result has no name).
fn value(api: &Api, field: &Field) -> String {
    let ty = type_ref(api, &field.ty);
    let mut text = if field.name.is_empty() { ty } else { format!("`{}` ({ty})", field.name) };
    if !field.doc.is_empty() {
        let _ = write!(text, ": {}", field.doc);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_functions_and_argument_types_get_sections() {
        let api = Api::parse(
            "---The API.\n---@class am\n---@field home string The home.\nam = {}\n\n\
             ---Lines.\n---@class am.log\nam.log = {}\n\n\
             ---A spec.\n---@class am.Spec\n---@field force? boolean Replace.\n\n\
             ---Says it.\n---@param message string What.\nfunction am.log.info(message) end\n\n\
             ---@param spec am.Spec\n---@return string? id The id.\nfunction am.run(spec) end\n",
        )
        .expect("the sample parses");
        let page = render(&api);
        for expected in [
            "### `am` {#am}\n\nThe API.\n\n| member | type | description |",
            "| `am.home` | `string` | The home. |",
            "Tables: [`am.log`](#am.log)\n\nFunctions: [`am.run`](#am.run)\n",
            "### `am.log` {#am.log}\n\nLines.\n\nFunctions: [`am.log.info`](#am.log.info)\n",
            "### `am.log.info(message)` {#am.log.info}\n\nSays it.\n\n- `message` (`string`): What.\n",
            "- `spec` ([`am.Spec`](#am.Spec))\n\n**Returns:** `id` (`string` or `nil`): The id.\n",
            "## Argument types\n\n### `am.Spec` {#am.Spec}\n\nA spec.",
            "| `force` (optional) | `boolean` | Replace. |",
        ] {
            assert!(page.contains(expected), "missing {expected:?} in\n{page}");
        }
        assert!(!page.contains("\n\n\n"), "{page}");
    }
}
