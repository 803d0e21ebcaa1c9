//! The annotations of `lua/am.lua`, read back: `am-docs` renders them as
//! the Lua API reference, and `tests/tests/lua_api.rs` checks that they
//! name exactly the members `am` gives a chunk.
//!
//! Only the subset of LuaLS's annotation syntax that file uses is read: a
//! block of `---` lines (a description, then `@class`, `@field`, `@alias`,
//! `@param`, `@return` tags) and the line after it: `function
//! <name>(<args>) end` after a function's block; `<name> = {}` after the
//! class of a table of the API (`am`, `am.fs`), whose fields are then
//! members; nothing after the class of an argument (`am.LinkSpec`).
//! Anything else is an error, so the file cannot drift into a shape this
//! parser misreads.

use std::collections::BTreeSet;

/// Everything `lua/am.lua` declares, in the order of the file.
#[derive(Debug, Default)]
pub struct Api {
    pub items: Vec<Item>,
}

#[derive(Debug)]
pub enum Item {
    /// `table` is the dotted name of the API table the class describes,
    /// `None` for the type of an argument.
    Class {
        name: String,
        doc: String,
        fields: Vec<Field>,
        table: Option<String>,
    },
    Alias {
        name: String,
        doc: String,
        ty: String,
    },
    Function {
        name: String,
        args: String,
        doc: String,
        params: Vec<Field>,
        returns: Vec<Field>,
    },
}

/// A `@field` or `@param` (`name type description`), or a `@return`
/// (`type name description`, the name optional and then empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub ty: String,
    pub doc: String,
}

impl Api {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut api = Api::default();
        let mut block: Vec<&str> = Vec::new();
        for (number, line) in text.lines().enumerate() {
            if let Some(annotation) = line.strip_prefix("---") {
                block.push(annotation);
                continue;
            }
            let code = line.trim();
            if !block.is_empty() || code.starts_with("function ") {
                let item = read_block(&block, code)
                    .map_err(|e| format!("lua/am.lua:{}: {e}", number + 1))?;
                api.items.extend(item);
                block.clear();
            }
        }
        if !block.is_empty() {
            api.items.extend(read_block(&block, "").map_err(|e| format!("lua/am.lua: {e}"))?);
        }
        Ok(api)
    }

    /// Every member of the `am` table as `(dotted name, Lua type)`, the way
    /// `am __docs lua-api` prints them: every table of the API below `am`,
    /// the fields of each, and every function.
    pub fn members(&self) -> BTreeSet<(String, String)> {
        let mut members = BTreeSet::new();
        for item in &self.items {
            match item {
                Item::Class { fields, table: Some(table), .. } => {
                    if table != "am" {
                        members.insert((table.clone(), "table".to_string()));
                    }
                    for field in fields {
                        let name = format!("{table}.{}", field.name.trim_end_matches('?'));
                        members.insert((name, lua_type(self.resolve(&field.ty))));
                    }
                }
                Item::Function { name, .. } => {
                    members.insert((name.clone(), "function".to_string()));
                }
                Item::Class { table: None, .. } | Item::Alias { .. } => {}
            }
        }
        members
    }

    /// The fields of the class `name`, if there is one.
    pub fn fields(&self, name: &str) -> Option<&[Field]> {
        self.items.iter().find_map(|item| match item {
            Item::Class { name: class, fields, .. } if class == name => Some(fields.as_slice()),
            _ => None,
        })
    }

    /// An alias's type, or `ty` itself.
    fn resolve<'a>(&'a self, ty: &'a str) -> &'a str {
        self.items
            .iter()
            .find_map(|item| match item {
                Item::Alias { name, ty: aliased, .. } if name == ty => Some(aliased.as_str()),
                _ => None,
            })
            .unwrap_or(ty)
    }

    /// Whether `ty` names a class or an alias of the file.
    pub fn declares(&self, ty: &str) -> bool {
        self.items.iter().any(|item| match item {
            Item::Class { name, .. } | Item::Alias { name, .. } => name == ty,
            Item::Function { .. } => false,
        })
    }
}

/// The Lua type (`type(value)`) of a value of the annotation type `ty`.
fn lua_type(ty: &str) -> String {
    let ty = ty.trim_end_matches('?');
    match ty {
        "integer" | "number" => "number".into(),
        _ if ty.ends_with("[]") || ty.starts_with("table") => "table".into(),
        _ if ty.starts_with("fun(") => "function".into(),
        _ => ty.into(),
    }
}

/// One block of `---` lines and the code line after it.
fn read_block(block: &[&str], code: &str) -> Result<Option<Item>, String> {
    let mut doc = Vec::new();
    let mut class = None;
    let mut alias = None;
    let (mut fields, mut params, mut returns) = (Vec::new(), Vec::new(), Vec::new());
    for line in block {
        let Some(tag) = line.strip_prefix('@') else {
            doc.push(*line);
            continue;
        };
        let (name, rest) = tag.split_once(' ').unwrap_or((tag, ""));
        let rest = rest.trim();
        match name {
            "meta" => {}
            "class" => class = Some(rest.to_string()),
            "alias" => {
                let (alias_name, ty) = rest.split_once(' ').ok_or("@alias needs a type")?;
                alias = Some((alias_name.to_string(), ty.trim().to_string()));
            }
            "field" => fields.push(named(rest)?),
            "param" => params.push(named(rest)?),
            "return" => {
                let (ty, rest) = split_type(rest);
                let (name, doc) = match rest.split_once(' ') {
                    Some((name, doc)) => (name, doc),
                    None => (rest, ""),
                };
                returns.push(Field { name: name.into(), ty: ty.into(), doc: doc.into() });
            }
            other => return Err(format!("unknown annotation @{other}")),
        }
    }
    let doc = doc.join("\n").trim().to_string();
    if let Some(name) = class {
        let table = match code.strip_suffix("= {}") {
            Some(table) => Some(table.trim().to_string()),
            None if code.is_empty() => None,
            None => {
                return Err(format!(
                    "expected `<name> = {{}}` or nothing after @class, found {code:?}"
                ));
            }
        };
        return Ok(Some(Item::Class { name, doc, fields, table }));
    }
    if let Some((name, ty)) = alias {
        return Ok(Some(Item::Alias { name, doc, ty }));
    }
    if let Some(signature) = code.strip_prefix("function ") {
        let (name, args) = signature
            .strip_suffix(" end")
            .and_then(|s| s.strip_suffix(')'))
            .and_then(|s| s.split_once('('))
            .ok_or_else(|| format!("expected `function name(args) end`, found {code:?}"))?;
        return Ok(Some(Item::Function {
            name: name.into(),
            args: args.into(),
            doc,
            params,
            returns,
        }));
    }
    if block.iter().all(|line| line.starts_with("@meta")) {
        return Ok(None);
    }
    Err(format!("annotations before {code:?}, which is neither a class nor a function"))
}

/// `name type description`, for `@field` and `@param`.
fn named(text: &str) -> Result<Field, String> {
    let (name, rest) = text.split_once(' ').ok_or_else(|| format!("no type in {text:?}"))?;
    let (ty, doc) = split_type(rest.trim());
    Ok(Field { name: name.into(), ty: ty.into(), doc: doc.into() })
}

/// A type (`table<string, string>` holds a space) and the text after it.
fn split_type(text: &str) -> (&str, &str) {
    let mut depth = 0i32;
    for (at, c) in text.char_indices() {
        match c {
            '<' | '(' | '{' | '[' => depth += 1,
            '>' | ')' | '}' | ']' => depth -= 1,
            ' ' if depth == 0 => return (&text[..at], text[at..].trim()),
            _ => {}
        }
    }
    (text, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
---@meta am

-- A plain comment.

---The API.
---@class am
---@field home string The home.
am = {}

---@class am.host
---@field name string The host name.
am.host = {}

---@class am.log
am.log = {}

---@class am.Spec
---@field env? table<string, string> Variables.
---@field mode? integer Bits.

---Says it.
---
---```lua
---am.log.info(\"hi\")
---```
---@param message string What to say.
function am.log.info(message) end

---@param spec am.Spec
---@return string id The new node's id.
function am.run(spec) end
";

    #[test]
    fn members_are_the_tables_their_fields_and_the_functions() {
        let api = Api::parse(SAMPLE).expect("the sample parses");
        let members: Vec<String> =
            api.members().into_iter().map(|(name, ty)| format!("{name} {ty}")).collect();
        assert_eq!(
            members,
            [
                "am.home string",
                "am.host table",
                "am.host.name string",
                "am.log table",
                "am.log.info function",
                "am.run function",
            ]
        );
    }

    #[test]
    fn types_with_spaces_and_optional_fields_are_read_whole() {
        let api = Api::parse(SAMPLE).expect("the sample parses");
        let spec = api.fields("am.Spec").expect("am.Spec is a class");
        assert_eq!(
            spec[0],
            Field {
                name: "env?".into(),
                ty: "table<string, string>".into(),
                doc: "Variables.".into()
            }
        );
        let Some(Item::Function { doc, params, returns, .. }) = api
            .items
            .iter()
            .find(|item| matches!(item, Item::Function { name, .. } if name == "am.run"))
        else {
            panic!("am.run is a function");
        };
        assert!(doc.is_empty());
        assert_eq!(params[0].ty, "am.Spec");
        assert_eq!(
            returns[0],
            Field { name: "id".into(), ty: "string".into(), doc: "The new node's id.".into() }
        );
    }

    #[test]
    fn a_block_before_other_code_is_an_error() {
        let error = Api::parse("---Text.\nlocal x = 1\n").expect_err("must not parse");
        assert!(error.contains("lua/am.lua:2"), "{error}");
    }
}
