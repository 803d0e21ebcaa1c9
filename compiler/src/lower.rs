//! Lowering a validated graph into the plan, plus the list of files the
//! bundle's `static/` and `dynamic/` folders must hold. A `lua` node and a
//! node with Lua values both become a `Kind::Lua` chunk.
//!
//! Internal types are converted into `am_schema` types by hand: the schema is
//! a compatibility promise and must not follow this crate's refactorings.

use std::collections::BTreeMap;

use am_schema::{
    Accounts, Copy, CopySource, Dconf, DconfKey, Exec, Kind, Link, Lua, Node, NodeIndex, Plan,
    Profile, Tmpfiles, fnv1a64,
};

use crate::graph::Graph;
use crate::input::{Body, Content, InputNode, LinkInput};
use crate::lua::chunk::{self, Bytes};
use crate::lua::{MaybeLua, syntax};

/// What `static/<target>` (or `dynamic/<name>`) becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticContent {
    /// A file the compiler writes with this content.
    Text { text: String, executable: bool },
    /// A symlink to the source, which keeps the source's own mode.
    Symlink { source: String },
    /// A copy of the source file with the mode `executable` asks for.
    Copy { source: String, executable: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    /// Normalized, relative to `static/`.
    pub target: String,
    pub content: StaticContent,
}

/// A file of the bundle's `dynamic/`: the bytes of a link or copy whose
/// target or source is a Lua value, which therefore has no `static/` entry.
/// Its chunk names it as `am.bundle .. "/dynamic/<name>"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicFile {
    /// A hash of the node's id: stable, and a plain file name.
    pub name: String,
    pub content: StaticContent,
}

/// Everything the bundle is made of, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    pub plan: Plan,
    /// Sorted by target.
    pub statics: Vec<StaticFile>,
    /// Sorted by name.
    pub dynamics: Vec<DynamicFile>,
    /// The bundle's `scripts/<name>` and their text, sorted by name.
    pub scripts: Vec<(String, String)>,
}

/// Builds the plan. Only called when validation found no problem; a node
/// that is still incomplete then is a bug, returned as a description.
pub fn lower(
    backup_extension: Option<String>,
    nodes: &[InputNode],
    graph: &Graph,
    layers: &[Vec<usize>],
) -> Result<Compiled, String> {
    let by_id: BTreeMap<&str, &InputNode> =
        nodes.iter().filter_map(|n| Some((n.origin.id.as_deref()?, n))).collect();
    // The plan orders nodes by (layer, id); layers already list vertices in
    // id order, so flattening them gives the final order.
    let order: Vec<usize> = layers.iter().flatten().copied().collect();
    let mut new_index = vec![0; graph.ids.len()];
    for (position, &vertex) in order.iter().enumerate() {
        new_index[vertex] = to_index(position)?;
    }

    let mut plan_nodes = Vec::with_capacity(order.len());
    let mut statics = Vec::new();
    let mut dynamics = Vec::new();
    for &vertex in &order {
        let id = &graph.ids[vertex];
        let node = by_id.get(id.as_str()).ok_or_else(|| internal(id, "has no input node"))?;
        let mut after: Vec<NodeIndex> =
            graph.deps[vertex].keys().map(|&dep| new_index[dep]).collect();
        after.sort_unstable();
        let kind = match &node.body {
            Some(Body::Lua(script)) => {
                let chunk = script.script.clone().ok_or_else(|| internal(id, "has no script"))?;
                // Lua's messages name the chunk: the file it came from, if
                // it came from one, else the option holding it.
                let name = match &script.file {
                    Some(file) => file.clone(),
                    None => format!("{}.script", option(node, id)),
                };
                Kind::Lua(Lua { chunk, name, timeout: script.timeout })
            }
            Some(body) if body.has_lua_values() => {
                let chunk = lua_chunk(body, id, &mut dynamics)?;
                // Generated code that does not parse would be a bug here,
                // and is better found now than at activation time.
                if let Some(error) = syntax::check_chunk(&chunk) {
                    return Err(internal(id, &format!("got a bad chunk: {}", error.message)));
                }
                let name = format!("{} (Lua values)", option(node, id));
                Kind::Lua(Lua { chunk, name, timeout: None })
            }
            Some(body) => static_kind(body, id, &mut statics)?,
            None => return Err(internal(id, "has no kind")),
        };
        plan_nodes.push(Node {
            id: id.clone(),
            declared_by: node.origin.declared_by.clone().unwrap_or_default(),
            required: node.required,
            after,
            kind,
        });
    }
    statics.sort_by(|a, b| a.target.cmp(&b.target));
    dynamics.sort_by(|a, b| a.name.cmp(&b.name));
    if dynamics.windows(2).any(|pair| pair[0].name == pair[1].name) {
        return Err("two node ids have the same hash, so their dynamic/ files collide".into());
    }

    let layers = layers.iter().map(|layer| layer.iter().map(|&v| new_index[v]).collect()).collect();
    let plan = Plan {
        role: am_schema::Role::Home,
        backup_extension,
        home_directory: None,
        nodes: plan_nodes,
        layers,
    };
    Ok(Compiled { plan, statics, dynamics, scripts: Vec::new() })
}

/// The kind of a node without Lua values: what its input kind says.
fn static_kind(body: &Body, id: &str, statics: &mut Vec<StaticFile>) -> Result<Kind, String> {
    Ok(match body {
        Body::Link(link) => {
            let (target, content) = target_and_content(link, id)?;
            let target = literal(target, id)?;
            let content = static_content(content, link.executable, id)?;
            statics.push(StaticFile { target: target.clone(), content });
            Kind::Link(Link { target, force: link.force, source: None })
        }
        Body::Copy(copy) => {
            let (target, content) = target_and_content(copy, id)?;
            let target = literal(target, id)?;
            // The interpreter reads the bytes from the bundle and gives
            // the copy its mode: the entry itself keeps the source's.
            let content = static_content(content, None, id)?;
            statics.push(StaticFile { target: target.clone(), content });
            Kind::Copy(Copy {
                target,
                mode: copy.mode,
                force: copy.force,
                source: CopySource::Static,
                owner: copy.owner.clone(),
                group: copy.group.clone(),
            })
        }
        Body::Dconf(dconf) => Kind::Dconf(Dconf {
            keys: dconf
                .keys
                .iter()
                .map(|(dir, key, value)| {
                    Ok(DconfKey { dir: dir.clone(), key: key.clone(), value: literal(value, id)? })
                })
                .collect::<Result<_, String>>()?,
        }),
        Body::Exec(exec) => Kind::Exec(Exec {
            argv: exec.argv.iter().map(|arg| literal(arg, id)).collect::<Result<_, _>>()?,
            env: exec
                .env
                .iter()
                .map(|(name, value)| Ok((name.clone(), literal(value, id)?)))
                .collect::<Result<_, String>>()?,
            cwd: exec.cwd.as_ref().map(|cwd| literal(cwd, id)).transpose()?,
            timeout: exec.timeout,
            when_changed: exec.when_changed.clone(),
        }),
        Body::SystemdUnits(units) => {
            Kind::SystemdUnits(crate::units::lower(units).ok_or_else(|| {
                internal(id, "has a unit without a valid name, target or switch method")
            })?)
        }
        Body::Profile(profile) => Kind::Profile(Profile {
            profile: profile.profile.clone().ok_or_else(|| internal(id, "has no profile"))?,
            path: profile.path.clone().ok_or_else(|| internal(id, "has no tree"))?,
            packages: profile.packages.clone(),
        }),
        Body::Tmpfiles(tmpfiles) => Kind::Tmpfiles(Tmpfiles {
            target: tmpfiles.target.clone().ok_or_else(|| internal(id, "has no rules file"))?,
        }),
        Body::Accounts(accounts) => Kind::Accounts(Accounts {
            groups: accounts.groups.clone(),
            users: accounts.users.clone(),
        }),
        Body::Tree(_) => return Err(internal(id, "is a tree that was not expanded")),
        Body::Lua(_) => return Err(internal(id, "is a lua node without its chunk")),
    })
}

/// The chunk of a node with Lua values: its one call of the `am` API. A
/// literal text, or a literal source that `executable` asks to copy, goes
/// into the bundle's `dynamic/` as a static entry would go into `static/`.
fn lua_chunk(body: &Body, id: &str, dynamics: &mut Vec<DynamicFile>) -> Result<String, String> {
    Ok(match body {
        Body::Link(file) | Body::Copy(file) => {
            let copy = matches!(body, Body::Copy(_));
            let (target, content) = target_and_content(file, id)?;
            let name = format!("{:016x}", fnv1a64(id.as_bytes()));
            let bytes = match (content, file.executable) {
                (Content::Text(MaybeLua::Literal(_)), _)
                | (Content::Source(MaybeLua::Literal(_)), Some(_)) => {
                    let content = static_content(content, file.executable, id)?;
                    dynamics.push(DynamicFile { name: name.clone(), content });
                    Bytes::BundleFile(&name)
                }
                (Content::Source(source), _) => Bytes::Source(source),
                (Content::Text(text), _) => Bytes::Text(text),
            };
            chunk::file(copy, target, bytes, file.mode, file.force)
        }
        Body::Exec(exec) => chunk::exec(&exec.argv, &exec.env, exec.cwd.as_ref(), exec.timeout),
        Body::Dconf(dconf) => chunk::dconf(&dconf.keys),
        Body::Tree(_)
        | Body::SystemdUnits(_)
        | Body::Lua(_)
        | Body::Tmpfiles(_)
        | Body::Accounts(_)
        | Body::Profile(_) => {
            return Err(internal(id, "has Lua values in a kind that cannot have them"));
        }
    })
}

fn target_and_content<'a>(
    file: &'a LinkInput,
    id: &str,
) -> Result<(&'a MaybeLua, &'a Content), String> {
    match (&file.target, &file.content) {
        (Some(target), Some(content)) => Ok((target, content)),
        _ => Err(internal(id, "is a link or copy without target or content")),
    }
}

/// The option that declared the node, or its id, to name its chunk.
fn option<'a>(node: &'a InputNode, id: &'a str) -> &'a str {
    node.origin.declared_by.as_deref().unwrap_or(id)
}

/// A value of a node lowered as its own kind, which is literal: a Lua
/// value makes the node a chunk.
fn literal(value: &MaybeLua, id: &str) -> Result<String, String> {
    let text = value.literal().ok_or_else(|| internal(id, "has a Lua value but no chunk"))?;
    Ok(text.to_string())
}

fn static_content(
    content: &Content,
    executable: Option<bool>,
    id: &str,
) -> Result<StaticContent, String> {
    Ok(match (content, executable) {
        (Content::Text(text), executable) => StaticContent::Text {
            text: literal(text, id)?,
            executable: executable.unwrap_or(false),
        },
        (Content::Source(source), None) => StaticContent::Symlink { source: literal(source, id)? },
        (Content::Source(source), Some(executable)) => {
            StaticContent::Copy { source: literal(source, id)?, executable }
        }
    })
}

fn to_index(position: usize) -> Result<NodeIndex, String> {
    NodeIndex::try_from(position)
        .map_err(|_| format!("more than {} nodes do not fit in a plan", NodeIndex::MAX))
}

fn internal(id: &str, problem: &str) -> String {
    format!("node `{id}` passed validation but {problem}")
}
