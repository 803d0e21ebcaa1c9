//! The compiler input (see "Compiler input" in ARCHITECTURE.md): JSON into
//! typed nodes with their provenance, collecting every problem on the way.
//!
//! This is hand validation over `serde_json::Value` rather than derived
//! deserialization, because serde stops at the first problem and a user
//! should see all of them in one build.

use serde_json::{Map, Value};

use crate::error::{CompileError, NodeRef};
use crate::fields::{self, Field};
use crate::lua::{self, MaybeLua};
use crate::render::{describe_value, nix_string};
use crate::suggest;
use crate::target;

/// The input format version this compiler reads.
pub const INPUT_VERSION: u64 = 1;

/// Everything the input holds, as far as it could be read.
#[derive(Debug, Default)]
pub struct Input {
    pub backup_extension: Option<String>,
    /// `home.homeDirectory`, when the configuration sets it.
    pub home_directory: Option<String>,
    pub nodes: Vec<InputNode>,
    /// Files for the bundle's `scripts/`, sorted by name.
    pub scripts: Vec<(String, String)>,
}

/// A node as far as it could be read. Fields that had problems are left out
/// (and the problem recorded), so later checks can still run on the rest.
#[derive(Debug)]
pub struct InputNode {
    pub origin: NodeRef,
    pub after: Vec<String>,
    pub before: Vec<String>,
    pub required: bool,
    /// `None` when the kind is missing or unknown.
    pub body: Option<Body>,
}

#[derive(Debug)]
pub enum Body {
    Link(LinkInput),
    /// A copy has the fields of a link; its `mode` is set, `executable` not.
    Copy(LinkInput),
    /// Expanded into links or copies (see `tree.rs`) before anything else
    /// looks at the nodes.
    Tree(crate::tree::TreeInput),
    Dconf(crate::dconf::DconfInput),
    Exec(ExecInput),
    SystemdUnits(crate::units::UnitsInput),
    Lua(lua::ScriptInput),
}

impl Body {
    /// Whether a field holds a Lua value: then the node is lowered into a
    /// chunk calling the `am` API, and is not what its kind says at build
    /// time (a link without a `static/` entry, ...).
    pub fn has_lua_values(&self) -> bool {
        match self {
            Body::Link(file) | Body::Copy(file) => {
                let content = file.content.as_ref().map(Content::value);
                file.target.iter().chain(content).any(MaybeLua::is_lua)
            }
            Body::Exec(exec) => exec.has_lua_values(),
            Body::Dconf(dconf) => dconf.keys.iter().any(|(_, _, value)| value.is_lua()),
            Body::Tree(_) | Body::SystemdUnits(_) | Body::Lua(_) => false,
        }
    }
}

#[derive(Debug)]
pub struct LinkInput {
    /// Normalized when literal; `None` when missing or invalid.
    pub target: Option<MaybeLua>,
    /// `None` unless exactly one of `source` and `text` is set.
    pub content: Option<Content>,
    pub executable: Option<bool>,
    pub force: bool,
    /// A copy's permission bits, when `permissions` or `executable` set them.
    pub mode: Option<u32>,
}

#[derive(Debug)]
pub enum Content {
    Text(MaybeLua),
    /// An absolute path (a literal one is checked to be).
    Source(MaybeLua),
}

impl Content {
    pub fn value(&self) -> &MaybeLua {
        match self {
            Content::Text(value) | Content::Source(value) => value,
        }
    }
}

#[derive(Debug)]
pub struct ExecInput {
    pub argv: Vec<MaybeLua>,
    /// Sorted by name.
    pub env: Vec<(String, MaybeLua)>,
    pub cwd: Option<MaybeLua>,
    pub timeout: Option<u32>,
    /// As written; normalized and checked against the nodes' targets later.
    pub when_changed: Vec<String>,
}

impl ExecInput {
    fn has_lua_values(&self) -> bool {
        let env = self.env.iter().map(|(_, value)| value);
        self.argv.iter().chain(env).chain(&self.cwd).any(MaybeLua::is_lua)
    }
}

/// Parses the input, appending every problem found to `errors`.
pub fn parse(text: &str, errors: &mut Vec<CompileError>) -> Input {
    let root: Value = match serde_json::from_str(text) {
        Ok(root) => root,
        Err(e) => {
            let (line, column) = (e.line(), e.column());
            let full = e.to_string();
            let suffix = format!(" at line {line} column {column}");
            let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
            errors.push(CompileError::InvalidJson { message, line, column });
            return Input::default();
        }
    };
    let Some(root) = root.as_object() else {
        errors.push(malformed("it", format!("is {}, not an attribute set", describe_value(&root))));
        return Input::default();
    };
    match root.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(INPUT_VERSION) => {}
        Some(other) => {
            let found = match other {
                Value::Number(n) => n.to_string(),
                other => describe_value(other),
            };
            // Nodes of another format version would only add confusing
            // follow-up errors, so this one is reported alone.
            errors.push(CompileError::UnsupportedVersion { found, supported: INPUT_VERSION });
            return Input::default();
        }
        None => errors.push(malformed("it", "has no `version`".into())),
    }
    let backup_extension = read_backup_extension(root.get("backupFileExtension"), errors);
    let home_directory = read_home_directory(root.get("homeDirectory"), errors);
    let scripts = crate::scripts::read(root.get("scripts"), errors);
    let known = ["version", "nodes", "backupFileExtension", "homeDirectory", "scripts"];
    for key in root.keys().filter(|k| !known.contains(&k.as_str())) {
        errors.push(malformed("it", format!("has an unknown field `{key}`")));
    }
    let nodes = match root.get("nodes") {
        Some(Value::Array(nodes)) => nodes,
        Some(other) => {
            errors.push(malformed("`nodes`", format!("is {}, not a list", describe_value(other))));
            return Input::default();
        }
        None => {
            errors.push(malformed("it", "has no `nodes` list".into()));
            return Input::default();
        }
    };
    let mut parsed = Vec::with_capacity(nodes.len());
    for (index, node) in nodes.iter().enumerate() {
        let position = index + 1;
        match node.as_object() {
            Some(object) => parsed.push(read_node(object, position, errors)),
            None => errors.push(malformed(
                &format!("node #{position}"),
                format!("is {}, not an attribute set", describe_value(node)),
            )),
        }
    }
    Input { backup_extension, home_directory, nodes: parsed, scripts }
}

/// The home a bundle is for. The Nix library passes only absolute paths
/// (`home.homeDirectory` is a `types.path`), so anything else is malformed
/// input rather than a configuration mistake.
fn read_home_directory(value: Option<&Value>, errors: &mut Vec<CompileError>) -> Option<String> {
    let problem = match value {
        None | Some(Value::Null) => return None,
        Some(Value::String(path)) if path.starts_with('/') && !path.contains('\0') => {
            return Some(path.clone());
        }
        Some(Value::String(path)) => format!("is {}, not an absolute path", nix_string(path)),
        Some(other) => format!("is {}, not a string", describe_value(other)),
    };
    errors.push(malformed("`homeDirectory`", problem));
    None
}

/// The extension must make `<name>.<extension>` a sibling of the original:
/// no separator, not empty, no NUL.
fn read_backup_extension(value: Option<&Value>, errors: &mut Vec<CompileError>) -> Option<String> {
    let value = match value {
        None | Some(Value::Null) => return None,
        Some(Value::String(value)) => value.clone(),
        Some(other) => {
            let problem = format!("is {}, not a string", describe_value(other));
            errors.push(malformed("`backupFileExtension`", problem));
            return None;
        }
    };
    match target::component_problem(&value) {
        Some(problem) => {
            errors.push(CompileError::BadBackupExtension { value, problem });
            None
        }
        None => Some(value),
    }
}

fn malformed(what: &str, problem: String) -> CompileError {
    CompileError::MalformedInput { what: what.into(), problem }
}

fn read_node(
    object: &Map<String, Value>,
    position: usize,
    errors: &mut Vec<CompileError>,
) -> InputNode {
    let origin =
        NodeRef { id: None, position, kind: None, declared_by: None, defined_in: Vec::new() };
    let mut reader = Reader { object, origin, kind_fields: &[], misspelled: Vec::new(), errors };

    // Provenance first: every later message about this node names it.
    reader.origin.declared_by = reader.string("declaredBy");
    reader.origin.defined_in = reader.string_list("definedIn").unwrap_or_default();
    reader.origin.id = match reader.string("id") {
        Some(id) if !id.is_empty() => Some(id),
        Some(_) => {
            reader.missing("id");
            None
        }
        None => {
            reader.missing_unless_set("id");
            None
        }
    };
    let kind = match reader.string("kind") {
        Some(kind) => match fields::kind_fields(&kind) {
            Some((name, kind_fields)) => {
                reader.origin.kind = Some(name);
                reader.kind_fields = kind_fields;
                Some(name)
            }
            None => {
                let names = fields::KINDS.iter().map(|(name, _)| *name);
                let suggestion = suggest::closest(&kind, names).map(String::from);
                let node = reader.origin.clone();
                reader.errors.push(CompileError::UnknownKind { node, kind, suggestion });
                None
            }
        },
        None => {
            reader.missing_unless_set("kind");
            None
        }
    };
    if kind.is_some() {
        reader.unknown_fields();
    }

    let after = reader.string_list("after").unwrap_or_default();
    let before = reader.string_list("before").unwrap_or_default();
    let required = reader.bool("required").unwrap_or(true);
    let body = match kind {
        Some("link") => Some(Body::Link(read_link(&mut reader, false))),
        Some("copy") => Some(Body::Copy(read_link(&mut reader, true))),
        Some("tree") => Some(Body::Tree(crate::tree::read(&mut reader))),
        Some("dconf") => Some(Body::Dconf(crate::dconf::read(&mut reader))),
        Some("exec") => Some(Body::Exec(read_exec(&mut reader))),
        Some("systemd-units") => Some(Body::SystemdUnits(crate::units::read(&mut reader))),
        Some("lua") => Some(Body::Lua(lua::read(&mut reader))),
        _ => None,
    };
    InputNode { origin: reader.origin, after, before, required, body }
}

/// The `target`, normalized when literal, reporting a missing or invalid
/// one. With `allow_lua`, it may be a Lua value, which cannot be checked
/// before it runs.
pub(crate) fn read_target(reader: &mut Reader, allow_lua: bool) -> Option<MaybeLua> {
    let target = if allow_lua {
        reader.text("target")
    } else {
        reader.string("target").map(MaybeLua::Literal)
    };
    match target {
        Some(MaybeLua::Literal(raw)) => match target::normalize(&raw) {
            Ok(target) => Some(MaybeLua::Literal(target)),
            Err(problem) => {
                let node = reader.origin.clone();
                reader.errors.push(CompileError::BadTarget { node, target: raw, problem });
                None
            }
        },
        Some(lua) => Some(lua),
        None => {
            reader.missing_unless_set("target");
            None
        }
    }
}

/// A link node, or with `copy` a copy node (which turns `executable` and
/// `permissions` into a mode).
fn read_link(reader: &mut Reader, copy: bool) -> LinkInput {
    let target = read_target(reader, true);
    let source = reader.text("source");
    let mut text = reader.text("text");
    let mut executable = reader.bool("executable");
    let force = reader.bool("force").unwrap_or(false);
    let mode = if copy {
        crate::copy::read_mode(reader, executable.take())
    } else {
        crate::copy::refuse_permissions(reader);
        refuse_lua_in_link(reader, &mut text, source.as_ref(), executable);
        None
    };
    // A mistyped field still counts as set: "both" or "neither" would only
    // repeat the type error in other words.
    let content = match (reader.is_set("source"), reader.is_set("text")) {
        (true, true) => {
            reader.errors.push(CompileError::SourceAndText { node: reader.origin.clone() });
            None
        }
        (false, false) => {
            if !reader.is_misspelled("source") && !reader.is_misspelled("text") {
                reader.errors.push(CompileError::NoContent { node: reader.origin.clone() });
            }
            None
        }
        _ => match (source, text) {
            (Some(MaybeLua::Literal(source)), _) if !source.starts_with('/') => {
                let node = reader.origin.clone();
                reader.errors.push(CompileError::RelativeSource { node, path: source });
                None
            }
            (Some(source), _) => Some(Content::Source(source)),
            (_, Some(text)) => Some(Content::Text(text)),
            (None, None) => None,
        },
    };
    LinkInput { target, content, executable, force, mode }
}

/// What a link cannot do with Lua: point at Lua text (a link needs a file
/// in the bundle; `text` is dropped once reported), or make the mode
/// `executable` asks for of a source that is only known when it runs.
fn refuse_lua_in_link(
    reader: &mut Reader,
    text: &mut Option<MaybeLua>,
    source: Option<&MaybeLua>,
    executable: Option<bool>,
) {
    if text.as_ref().is_some_and(MaybeLua::is_lua) {
        let node = reader.origin.clone();
        reader.errors.push(CompileError::LuaNotAllowed { node, field: "text".into() });
        *text = None;
    }
    if executable.is_some() && source.is_some_and(MaybeLua::is_lua) {
        let node = reader.origin.clone();
        reader.errors.push(CompileError::LuaSourceExecutable { node });
    }
}

fn read_exec(reader: &mut Reader) -> ExecInput {
    let argv = match reader.list("argv", Reader::plain_or_lua) {
        Some(argv) if argv.is_empty() => {
            reader.errors.push(CompileError::EmptyArgv { node: reader.origin.clone() });
            argv
        }
        Some(argv) => argv,
        None => {
            reader.missing_unless_set("argv");
            Vec::new()
        }
    };
    let env = reader.map("env", Reader::plain_or_lua).unwrap_or_default();
    let cwd = reader.text("cwd");
    let timeout = reader.seconds("timeout");
    let when_changed = reader.string_list("whenChanged").unwrap_or_default();
    let exec = ExecInput { argv, env, cwd, timeout, when_changed };
    if exec.has_lua_values() && !exec.when_changed.is_empty() {
        reader.errors.push(CompileError::LuaWhenChanged { node: reader.origin.clone() });
    }
    exec
}

/// Where in a field a value is: an element of a list, or an attribute.
#[derive(Debug, Clone)]
pub(crate) enum Inside {
    /// Counted from 1, like Lua does (and like "element 2" in messages).
    Element(usize),
    Attribute(String),
}

impl Inside {
    /// In a type error: `element 2`, `env.PORT`.
    fn describe(&self, field: &str) -> String {
        match self {
            Inside::Element(position) => format!("element {position}"),
            Inside::Attribute(name) => format!("{field}.{}", nix_attribute(name)),
        }
    }
}

/// The path of a value below its node's option: `argv[2]`, `env.PORT`.
pub(crate) fn field_path(field: &str, inside: Option<&Inside>) -> String {
    match inside {
        None => field.to_string(),
        Some(Inside::Element(position)) => format!("{field}[{position}]"),
        Some(inside) => inside.describe(field),
    }
}

/// Reads the fields of one node object, recording type errors.
pub(crate) struct Reader<'a> {
    object: &'a Map<String, Value>,
    pub(crate) origin: NodeRef,
    kind_fields: &'static [Field],
    /// Fields an unknown field looked like a typo of. Their absence is a
    /// consequence of that typo and is not reported again.
    misspelled: Vec<String>,
    pub(crate) errors: &'a mut Vec<CompileError>,
}

impl<'a> Reader<'a> {
    fn is_misspelled(&self, field: &str) -> bool {
        self.misspelled.iter().any(|f| f == field)
    }

    /// The field's value, treating `null` as absent.
    pub(crate) fn get(&self, name: &str) -> Option<&'a Value> {
        self.object.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    fn missing(&mut self, field: &'static str) {
        self.errors.push(CompileError::MissingField { node: self.origin.clone(), field });
    }

    /// Reports a required field as missing, unless it is there with a wrong
    /// type, which was reported already.
    pub(crate) fn missing_unless_set(&mut self, field: &'static str) {
        if !self.is_set(field) && !self.is_misspelled(field) {
            self.missing(field);
        }
    }

    pub(crate) fn wrong_type(&mut self, name: &str, found: String, inside: Option<String>) {
        // Only names from the field tables reach here; the fallback keeps a
        // typo in this file from ever becoming a panic.
        let Some(field) = fields::lookup(self.kind_fields, name) else { return };
        self.errors.push(CompileError::WrongType {
            node: self.origin.clone(),
            field: field.name,
            expected: field.shape.describe(),
            found,
            inside,
            example: field.example,
        });
    }

    /// Reports a value of the wrong type. A Lua value gets a message of its
    /// own: the fix is not another type but a value known at build time.
    pub(crate) fn mismatch(&mut self, name: &str, value: &Value, inside: Option<&Inside>) {
        if lua::is_inline(value) {
            let (node, field) = (self.origin.clone(), field_path(name, inside));
            self.errors.push(CompileError::LuaNotAllowed { node, field });
        } else {
            self.wrong_type(name, describe_value(value), inside.map(|i| i.describe(name)));
        }
    }

    pub(crate) fn string(&mut self, name: &str) -> Option<String> {
        let value = self.get(name)?;
        self.plain(name, value, None)
    }

    /// A string or a Lua value.
    pub(crate) fn text(&mut self, name: &str) -> Option<MaybeLua> {
        let value = self.get(name)?;
        self.plain_or_lua(name, value, None)
    }

    /// A string, at `inside` of the field `name`.
    fn plain(&mut self, name: &str, value: &Value, inside: Option<&Inside>) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                self.mismatch(name, other, inside);
                None
            }
        }
    }

    /// A string or a Lua value, at `inside` of the field `name`.
    fn plain_or_lua(
        &mut self,
        name: &str,
        value: &Value,
        inside: Option<&Inside>,
    ) -> Option<MaybeLua> {
        if let Value::String(s) = value {
            return Some(MaybeLua::Literal(s.clone()));
        }
        if let Some(expr) = lua::inline_expr(value) {
            return Some(self.lua_expression(field_path(name, inside), expr));
        }
        if lua::is_inline(value) {
            let found = "a Lua value whose `expr` is not a string".to_string();
            self.wrong_type(name, found, inside.map(|i| i.describe(name)));
        } else {
            self.mismatch(name, value, inside);
        }
        None
    }

    /// A Lua value at `field` (a path such as `argv[2]`), syntax-checked.
    /// A value with a syntax error is kept, so that the node is not also
    /// reported as missing it.
    pub(crate) fn lua_expression(&mut self, field: String, expr: &str) -> MaybeLua {
        if let Some(error) = lua::syntax::check_expression(expr) {
            let node = self.origin.clone();
            self.errors.push(CompileError::LuaSyntax { node, field, expression: true, error });
        }
        MaybeLua::Lua(expr.to_string())
    }

    pub(crate) fn bool(&mut self, name: &str) -> Option<bool> {
        match self.get(name)? {
            Value::Bool(b) => Some(*b),
            other => {
                self.mismatch(name, other, None);
                None
            }
        }
    }

    /// A whole number of seconds, at least 1 and at most `u32::MAX`.
    pub(crate) fn seconds(&mut self, name: &str) -> Option<u32> {
        let value = self.get(name)?;
        let seconds = value.as_u64().filter(|&n| n >= 1).and_then(|n| u32::try_from(n).ok());
        if seconds.is_none() {
            self.mismatch(name, value, None);
        }
        seconds
    }

    fn string_list(&mut self, name: &str) -> Option<Vec<String>> {
        self.list(name, Reader::plain)
    }

    /// A list, each element read by `item`. One bad element makes the
    /// whole field unusable, and only the first one is reported to keep the
    /// report short.
    fn list<T>(&mut self, name: &str, item: Item<'a, T>) -> Option<Vec<T>> {
        let value = self.get(name)?;
        let Value::Array(elements) = value else {
            self.mismatch(name, value, None);
            return None;
        };
        let mut items = Vec::with_capacity(elements.len());
        for (index, element) in elements.iter().enumerate() {
            items.push(item(self, name, element, Some(&Inside::Element(index + 1)))?);
        }
        Some(items)
    }

    /// An attribute set, each value read by `item`, sorted by name
    /// (serde_json's map is ordered, and sorting again keeps that from
    /// being an assumption). One bad value makes the whole field unusable.
    fn map<T>(&mut self, name: &str, item: Item<'a, T>) -> Option<Vec<(String, T)>> {
        let value = self.get(name)?;
        let Some(entries) = lua::plain_object(value) else {
            self.mismatch(name, value, None);
            return None;
        };
        let mut pairs = Vec::with_capacity(entries.len());
        for (key, element) in entries {
            let inside = Inside::Attribute(key.clone());
            pairs.push((key.clone(), item(self, name, element, Some(&inside))?));
        }
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        Some(pairs)
    }

    /// Reports every field that neither every node nor this kind has.
    fn unknown_fields(&mut self) {
        let unknown: Vec<String> = self
            .object
            .keys()
            .filter(|key| fields::lookup(self.kind_fields, key).is_none())
            .cloned()
            .collect();
        let allowed: Vec<&'static str> = self
            .kind_fields
            .iter()
            .map(|f| f.name)
            .chain(fields::COMMON_USER_FIELDS.iter().copied())
            .collect();
        for field in unknown {
            let synonym = fields::SYNONYMS
                .iter()
                .find(|(other, ours)| *other == field && allowed.contains(ours))
                .map(|(_, ours)| *ours);
            let suggestion = synonym
                .or_else(|| suggest::closest(&field, allowed.iter().copied()))
                .map(String::from);
            self.misspelled.extend(suggestion.clone());
            let node = self.origin.clone();
            self.errors.push(CompileError::UnknownField {
                node,
                field,
                allowed: allowed.clone(),
                suggestion,
            });
        }
    }
}

/// Reads one element of a list or value of an attribute set.
type Item<'a, T> = fn(&mut Reader<'a>, &str, &Value, Option<&Inside>) -> Option<T>;

/// An attribute name as written in Nix: bare when it can be, quoted otherwise.
pub fn nix_attribute(name: &str) -> String {
    let bare = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-'".contains(c));
    if bare { name.to_string() } else { nix_string(name) }
}
