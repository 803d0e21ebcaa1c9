//! The compiler input (see "Compiler input" in ARCHITECTURE.md): JSON into
//! typed nodes with their provenance, collecting every problem on the way.
//!
//! This is hand validation over `serde_json::Value` rather than derived
//! deserialization, because serde stops at the first problem and a user
//! should see all of them in one build.
//!
//! Here are the input's types and the reading of what every node has; each
//! kind's own fields are read by its module, through the [`reader`]. Nothing
//! here imports the compiler's later stages: they import these types.

mod accounts;
mod copy;
mod dag;
mod dconf;
mod exec;
mod link;
mod lua;
mod profile;
mod reader;
mod scripts;
mod tmpfiles;
mod tree;
mod units;

use serde_json::{Map, Value};

pub use self::accounts::AccountsInput;
pub use self::dconf::DconfInput;
pub use self::exec::ExecInput;
pub use self::link::{Content, LinkInput};
pub use self::lua::ScriptInput;
pub use self::profile::ProfileInput;
use self::reader::Reader;
pub use self::tmpfiles::TmpfilesInput;
pub use self::tree::TreeInput;
pub use self::units::UnitsInput;
use crate::error::{CompileError, FieldError, InputError, NodeRef, SettingError};
use crate::fields;
use crate::lua::MaybeLua;
use crate::nix::{describe_value, nix_string};
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
    /// `"home"` (the default) or `"system"`.
    pub role: am_schema::Role,
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
    /// Expanded into links or copies (`src/tree.rs`) before anything else
    /// looks at the nodes.
    Tree(TreeInput),
    Dconf(DconfInput),
    Exec(ExecInput),
    SystemdUnits(UnitsInput),
    Lua(ScriptInput),
    Profile(ProfileInput),
    Tmpfiles(TmpfilesInput),
    Accounts(AccountsInput),
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
            Body::Tree(_)
            | Body::SystemdUnits(_)
            | Body::Lua(_)
            | Body::Tmpfiles(_)
            | Body::Accounts(_)
            | Body::Profile(_) => false,
        }
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
            errors.push(InputError::InvalidJson { message, line, column }.into());
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
            errors.push(InputError::UnsupportedVersion { found, supported: INPUT_VERSION }.into());
            return Input::default();
        }
        None => errors.push(malformed("it", "has no `version`".into())),
    }
    let backup_extension = read_backup_extension(root.get("backupFileExtension"), errors);
    let home_directory = read_home_directory(root.get("homeDirectory"), errors);
    let role = read_role(root.get("role"), errors);
    let scripts = scripts::read(root.get("scripts"), errors);
    let known = ["version", "role", "nodes", "backupFileExtension", "homeDirectory", "scripts"];
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
    Input { backup_extension, home_directory, role, nodes: parsed, scripts }
}

/// What the bundle activates; the Nix library writes `"home"` or `"system"`.
fn read_role(value: Option<&Value>, errors: &mut Vec<CompileError>) -> am_schema::Role {
    match value {
        None | Some(Value::Null) => am_schema::Role::Home,
        Some(Value::String(role)) if role == "home" => am_schema::Role::Home,
        Some(Value::String(role)) if role == "system" => am_schema::Role::System,
        Some(other) => {
            let problem = format!("is {}, not \"home\" or \"system\"", describe_value(other));
            errors.push(malformed("`role`", problem));
            am_schema::Role::Home
        }
    }
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
            errors.push(SettingError::BadBackupExtension { value, problem }.into());
            None
        }
        None => Some(value),
    }
}

fn malformed(what: &str, problem: String) -> CompileError {
    CompileError::from(InputError::MalformedInput { what: what.into(), problem })
}

fn read_node(
    object: &Map<String, Value>,
    position: usize,
    errors: &mut Vec<CompileError>,
) -> InputNode {
    let mut reader = Reader::new(object, position, errors);

    // Provenance first: every later message about this node names it.
    reader.origin.declared_by = reader.string("declaredBy");
    reader.origin.defined_in = reader.string_list("definedIn").unwrap_or_default();
    reader.origin.dag = dag::read(&mut reader).map(Box::new);
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
                reader.known_kind(name, kind_fields);
                Some(name)
            }
            None => {
                let names = fields::KINDS.iter().map(|(name, _)| *name);
                let suggestion = suggest::closest(&kind, names).map(String::from);
                let node = reader.origin.clone();
                reader.errors.push(FieldError::UnknownKind { node, kind, suggestion }.into());
                None
            }
        },
        None => {
            reader.missing_unless_set("kind");
            None
        }
    };

    let after = reader.string_list("after").unwrap_or_default();
    let before = reader.string_list("before").unwrap_or_default();
    let required = reader.bool("required").unwrap_or(true);
    let body = match kind {
        Some("link") => Some(Body::Link(link::read(&mut reader, false))),
        Some("copy") => Some(Body::Copy(link::read(&mut reader, true))),
        Some("tree") => Some(Body::Tree(tree::read(&mut reader))),
        Some("dconf") => Some(Body::Dconf(dconf::read(&mut reader))),
        Some("exec") => Some(Body::Exec(exec::read(&mut reader))),
        Some("systemd-units") => Some(Body::SystemdUnits(units::read(&mut reader))),
        Some("lua") => Some(Body::Lua(lua::read(&mut reader))),
        Some("profile") => Some(Body::Profile(profile::read(&mut reader))),
        Some("tmpfiles") => Some(Body::Tmpfiles(tmpfiles::read(&mut reader))),
        Some("accounts") => Some(Body::Accounts(accounts::read(&mut reader))),
        _ => None,
    };
    InputNode { origin: reader.origin, after, before, required, body }
}
