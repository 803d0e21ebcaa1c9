//! Every problem the compiler reports, as data; `render/` turns it into text.
//!
//! The `#[error]` strings are one-line summaries, for logs and for callers
//! of the library. What a user reads in a failed Nix build is produced by
//! [`crate::render`], which has room for provenance, tables and hints.

use std::io;
use std::path::PathBuf;

pub use crate::target::TargetProblem;
pub use crate::unit_name::NameProblem as UnitNameProblem;

mod subjects;

pub use subjects::{
    CycleStep, DagEntry, Direction, IoAction, LuaSyntaxError, LuaText, NodeRef, PermissionsProblem,
    UnitRef,
};

/// Every way compiling a configuration can fail, in families. Each family
/// is rendered by its own module of `render/`, whose `match` the Rust
/// compiler checks for every variant.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Dconf(#[from] DconfError),
    #[error(transparent)]
    Lua(#[from] LuaError),
    #[error(transparent)]
    Unit(#[from] UnitError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Packages(#[from] PackagesError),
    #[error(transparent)]
    System(#[from] SystemError),
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// What only a system bundle may have, and its `accounts` and `tmpfiles`.
#[derive(Debug, thiserror::Error)]
pub enum SystemError {
    /// `what` is the field or kind: `owner`, `kind tmpfiles`, ...
    #[error("node {node} has {what}, which only a system bundle may have")]
    OnlyInSystem { node: NodeRef, what: &'static str },

    /// The units' scope must be the bundle's: `user` for a home.
    #[error("systemd-units node {node} has scope {scope:?} in a {role} bundle")]
    WrongScope { node: NodeRef, scope: String, role: &'static str },

    #[error("{} nodes have kind {kind}; a bundle has at most one", nodes.len())]
    SecondNode { kind: &'static str, nodes: Vec<NodeRef> },

    #[error(
        "tmpfiles node {node} names the rules file {target:?}, which no link or copy node makes"
    )]
    RulesWithoutFile { node: NodeRef, target: String },

    /// An entry of `users` or `groups` has the wrong shape or value.
    #[error("accounts node {node}: {list} #{position} {problem}")]
    MalformedAccount { node: NodeRef, list: &'static str, position: usize, problem: String },

    /// `field` is `owner` or `group`; `value` is not a name or `+<id>`.
    #[error("node {node}: {field} {value:?} is not a user or group name, nor +<number>")]
    BadOwner { node: NodeRef, field: &'static str, value: String },
}

/// The input file is not what the Nix library writes: not JSON, another
/// format version, or a shape outside the nodes it never has.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("the compiler input is not valid JSON: {message} at line {line} column {column}")]
    InvalidJson { message: String, line: usize, column: usize },

    #[error("the compiler input has version {found}, this am-compile reads version {supported}")]
    UnsupportedVersion { found: String, supported: u64 },

    /// The input's structure outside the nodes is wrong: `what` names the
    /// place (`the input`, `nodes`, `nodes[3]`), `problem` says how.
    #[error("the compiler input is malformed: {what} {problem}")]
    MalformedInput { what: String, problem: String },
}

/// A setting of the configuration outside its nodes.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    /// `am.backupFileExtension` cannot name a file beside the original.
    #[error("backupFileExtension {value:?} {problem}")]
    BadBackupExtension { value: String, problem: &'static str },

    /// A top-level `scripts` entry whose name is not a plain file name.
    #[error("script name {name:?} {problem}")]
    BadScriptName { name: String, problem: &'static str },
}

/// A node's fields as read: its kind, unknown, missing or mistyped fields,
/// and the fields every link, copy or exec needs.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    #[error("node {node} has unknown kind {kind:?}")]
    UnknownKind { node: NodeRef, kind: String, suggestion: Option<String> },

    #[error("node {node} has unknown field {field:?}")]
    UnknownField {
        node: NodeRef,
        field: String,
        allowed: Vec<&'static str>,
        suggestion: Option<String>,
    },

    #[error("node {node} has no field {field:?}")]
    MissingField { node: NodeRef, field: &'static str },

    /// `found` describes the offending value; `inside` names the element of a
    /// list (`element 2`) or attribute set (`env.PORT`) that has it.
    #[error("node {node}: field {field:?} must be {expected}")]
    WrongType {
        node: NodeRef,
        field: &'static str,
        expected: &'static str,
        found: String,
        inside: Option<String>,
        example: &'static str,
    },

    #[error("link node {node} has both `source` and `text`")]
    SourceAndText { node: NodeRef },

    #[error("link node {node} has neither `source` nor `text`")]
    NoContent { node: NodeRef },

    #[error("exec node {node} has an empty `argv`")]
    EmptyArgv { node: NodeRef },

    #[error("link node {node} has an invalid target {target:?}: {}", crate::target::describe(*problem))]
    BadTarget { node: NodeRef, target: String, problem: TargetProblem },

    #[error("link node {node} has a relative source {path:?}")]
    RelativeSource { node: NodeRef, path: String },
}

/// The sources and modes of links, copies and trees.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// `path` is the source; `in_store` tells why the source was checked: store paths always are,
    /// others only when `executable` asks for a copy.
    #[error("link node {node} has source {path:?}, which does not exist")]
    MissingSource { node: NodeRef, path: String, in_store: bool },

    #[error("link node {node} sets executable on source {path:?}, a folder")]
    ExecutableDirectory { node: NodeRef, path: String, executable: bool },

    /// `permissions` on a link (or a tree of links): only copies have a mode.
    #[error("link node {node} sets permissions, which only copies have")]
    PermissionsOnLink { node: NodeRef },

    #[error("copy node {node} has invalid permissions {value:?}: {}", problem.describe())]
    BadPermissions { node: NodeRef, value: String, problem: PermissionsProblem },

    #[error("copy node {node} sets both permissions and executable")]
    PermissionsAndExecutable { node: NodeRef },

    #[error("copy node {node} has source {path:?}, a folder")]
    CopyOfFolder { node: NodeRef, path: String },

    #[error("tree node {node} has mode {mode:?}, neither \"link\" nor \"copy\"")]
    BadTreeMode { node: NodeRef, mode: String },

    /// The source of a tree must be a folder the build can read.
    #[error("tree node {node} has source {path:?}, which {}", if *missing { "does not exist" } else { "is not a folder" })]
    BadTreeSource { node: NodeRef, path: String, missing: bool },
}

/// dconf settings: folders, keys and values, and keys set twice.
#[derive(Debug, thiserror::Error)]
pub enum DconfError {
    #[error("dconf node {node}: folder {dir:?} {problem}")]
    BadDconfPath { node: NodeRef, dir: String, problem: &'static str },

    #[error("dconf node {node}: key {key:?} in {dir:?} {problem}")]
    BadDconfKey { node: NodeRef, dir: String, key: String, problem: &'static str },

    /// The Nix library could not render the value (`problem` says why, and
    /// `hint` how to fix it), or the text cannot be a GVariant value.
    #[error("dconf node {node}: the value of {key:?} in {dir:?} {problem}")]
    BadDconfValue { node: NodeRef, dir: String, key: String, problem: String, hint: Option<String> },

    #[error("{} dconf nodes set the key {path:?}", nodes.len())]
    DconfKeyConflict { path: String, nodes: Vec<NodeRef> },
}

/// Lua: scripts, syntax errors, and Lua values where a field must be known
/// when the bundle is built.
#[derive(Debug, thiserror::Error)]
pub enum LuaError {
    #[error("lua node {node} has an empty `script`")]
    EmptyScript { node: NodeRef },

    /// `field` is the path below the node's option: `script`, `target`,
    /// `argv[2]`, `env.HOME`, `settings."org/gnome/x".key`. `expression`
    /// tells a Lua value from a script.
    #[error("{field} of node {node}: Lua syntax error at line {}, column {}: {}", error.line, error.column, error.message)]
    LuaSyntax { node: NodeRef, field: String, text: LuaText, error: LuaSyntaxError },

    /// A Lua value where the field must be known when the bundle is built
    /// (`field` as in `LuaSyntax`).
    #[error("{field} of node {node} is a Lua value, which this field cannot be")]
    LuaNotAllowed { node: NodeRef, field: String },

    /// `executable` copies a link's source into the bundle, which a source
    /// known only at activation time cannot be.
    #[error("link node {node} sets executable, but its source is a Lua value")]
    LuaSourceExecutable { node: NodeRef },

    /// An exec node with Lua values is a Lua chunk, which has no `whenChanged`.
    #[error("exec node {node} has Lua values and whenChanged")]
    LuaWhenChanged { node: NodeRef },

    /// `whenChanged` names the target of `owner`, a node with Lua values,
    /// whose file is made at activation time and so cannot be compared.
    #[error(
        "exec node {node} has whenChanged = [ {target:?} ], which Lua makes at activation time"
    )]
    ChangedLuaTarget { node: NodeRef, target: String, owner: NodeRef },
}

/// systemd units: their names, shapes and files, and the one
/// `systemd-units` node.
#[derive(Debug, thiserror::Error)]
pub enum UnitError {
    /// `field` is where the name was: the unit's own `name`, or `wantedBy`.
    #[error("systemd unit {unit}: {field} {name:?} {}", problem.describe())]
    BadUnitName { unit: UnitRef, field: &'static str, name: String, problem: UnitNameProblem },

    /// A template (`foo@.service`) cannot be started, so nothing can want it.
    #[error("systemd unit {unit} is a template, yet wanted by {wanted_by:?}")]
    WantedTemplate { unit: UnitRef, wanted_by: Vec<String> },

    #[error("systemd unit {unit} has an unknown switch method {method:?}")]
    UnknownSwitchMethod { unit: UnitRef, method: String },

    /// An entry of `units` has the wrong shape; `position` counts from 1.
    #[error("systemd-units node {node}: unit #{position} {problem}")]
    MalformedUnit { node: NodeRef, position: usize, problem: String },

    /// The unit's file is not the target of any link node.
    #[error("systemd unit {unit} has its file at {target:?}, which no link node makes")]
    UnitWithoutFile { unit: UnitRef, target: String },

    #[error("{} units are named {name:?}", units.len())]
    DuplicateUnit { name: String, units: Vec<UnitRef> },

    /// The user manager is switched once, by one node.
    #[error("{} nodes have kind systemd-units; a bundle has at most one", nodes.len())]
    SecondUnitsNode { nodes: Vec<NodeRef> },
}

/// Between nodes: one id or target claimed twice, a name of no node, a
/// dependency cycle.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("{} nodes have the id {id:?}", nodes.len())]
    DuplicateId { id: String, nodes: Vec<NodeRef> },

    #[error("{} nodes own the target {target:?}", owners.len())]
    TargetConflict { target: String, owners: Vec<NodeRef> },

    /// `outer`'s link would contain every one of `inner`, listed with their
    /// (normalized) targets.
    #[error("{} targets are inside the target {outer_target:?}", inner.len())]
    NestedTarget { outer: Vec<NodeRef>, outer_target: String, inner: Vec<(String, NodeRef)> },

    #[error("node {node} has {} = [ {missing:?} ], but no node has that id", direction.field())]
    UnknownDependency {
        node: NodeRef,
        direction: Direction,
        missing: String,
        suggestion: Option<String>,
    },

    /// A DAG entry (`home.activation.<name>`) orders against `name`, which
    /// is neither another entry of its option nor an anchor.
    #[error("node {node} has {} = [ {name:?} ], but no entry or anchor has that name", direction.field())]
    UnknownDagName { node: NodeRef, direction: Direction, name: String, suggestion: Option<String> },

    /// `chain` starts at the first node; its last step leads back to it.
    /// `others` are further nodes of the same knot not on the drawn cycle.
    #[error("dependency cycle between {} nodes", chain.len())]
    Cycle { chain: Vec<CycleStep>, others: Vec<String> },

    /// `whenChanged` names a path that no link or copy node has as its
    /// target or inside it.
    #[error("exec node {node} has whenChanged = [ {target:?} ], but no file is there")]
    UnknownChangedTarget { node: NodeRef, target: String, suggestion: Option<String> },
}

/// `home.packages`: the `profile` node, and the package tree that
/// `am-compile packages` merges from the packages as nixpkgs' `buildEnv`
/// would. Problems of the tree have no node: `origin` is the option the
/// packages were declared by.
#[derive(Debug, thiserror::Error)]
pub enum PackagesError {
    #[error("profile node {node}: profile {value:?} {problem}")]
    BadProfileDirectory { node: NodeRef, value: String, problem: &'static str },

    /// An entry of `packages` has the wrong shape; `position` counts from 1.
    #[error("profile node {node}: package #{position} {problem}")]
    MalformedPackage { node: NodeRef, position: usize, problem: String },

    /// The tree must be a folder in the store, which the build can read.
    #[error("profile node {node} has path {path:?}, which {problem}")]
    BadTreePath { node: NodeRef, path: String, problem: &'static str },

    /// A profile gets one entry of a home's packages, made by one node.
    #[error("{} nodes have kind profile; a bundle has at most one", nodes.len())]
    SecondProfileNode { nodes: Vec<NodeRef> },

    /// A system bundle has no user whose profile the packages go into.
    #[error("profile node {node} is in a system bundle")]
    ProfileInSystem { node: NodeRef },

    /// Two packages of one priority provide `file` (relative to the tree),
    /// with other bytes or one of them as a folder.
    #[error("{first} and {second} both provide {file}")]
    Collision { origin: NodeRef, file: String, first: Provider, second: Provider },

    /// An output of a package is a file: only folders merge into a tree.
    #[error("{package} is the file {path}, not a folder")]
    NotAFolder { origin: NodeRef, package: PackageRef, path: String },
}

/// A package of `home.packages`, as the tree builder knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRef {
    /// Position in the option's list, counted from 1; for a package
    /// another one propagates (`propagated-user-env-packages`), the
    /// position of that one.
    pub position: usize,
    pub name: String,
    pub version: String,
    /// Brought in by the package at `position`, not listed itself.
    pub propagated: bool,
}

impl std::fmt::Display for PackageRef {
    /// "hello 2.12 (element 3)".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let version =
            if self.version.is_empty() { String::new() } else { format!(" {}", self.version) };
        let how = if self.propagated { "propagated by element" } else { "element" };
        write!(f, "{}{version} ({how} {})", self.name, self.position)
    }
}

/// One side of a collision: the package and what it has at the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub package: PackageRef,
    /// The path in the package (a store path) the tree would link to.
    pub path: String,
    pub folder: bool,
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.package)
    }
}

/// The build itself, not the configuration: the command line, the file
/// system, or a bug.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the am binary {path:?} {problem}")]
    BadAmPath { path: String, problem: &'static str },

    /// A bug: validation passed, yet the plan could not be built.
    #[error("internal error: {message}")]
    Internal { message: String },

    #[error(transparent)]
    Io(#[from] IoError),
}

/// An I/O error is a problem of the build, whichever step met it.
impl From<IoError> for CompileError {
    fn from(error: IoError) -> Self {
        CompileError::Build(BuildError::Io(error))
    }
}

/// A file system operation that failed, with the path it failed on.
#[derive(Debug, thiserror::Error)]
#[error("could not {} {}: {source}", action.verb(), path.display())]
pub struct IoError {
    pub action: IoAction,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl CompileError {
    /// Problems of the configuration, as opposed to a broken input file, a
    /// bad command line or a failing file system.
    pub fn is_configuration_problem(&self) -> bool {
        !matches!(self, CompileError::Input(_) | CompileError::Build(_))
    }

    /// Problems of the input file itself: not JSON, another version, or a
    /// shape the Nix library never writes.
    pub fn is_input_problem(&self) -> bool {
        matches!(self, CompileError::Input(_))
    }

    /// Orders reports by kind of problem, then by node id, so that the same
    /// configuration always prints the same report.
    pub(crate) fn sort_key(&self) -> SortKey {
        match self {
            CompileError::Input(e) => e.sort_key(),
            CompileError::Setting(e) => e.sort_key(),
            CompileError::Field(e) => e.sort_key(),
            CompileError::File(e) => e.sort_key(),
            CompileError::Dconf(e) => e.sort_key(),
            CompileError::Lua(e) => e.sort_key(),
            CompileError::Unit(e) => e.sort_key(),
            CompileError::Graph(e) => e.sort_key(),
            CompileError::Packages(e) => e.sort_key(),
            CompileError::System(e) => e.sort_key(),
            CompileError::Build(e) => e.sort_key(),
        }
    }
}

/// A problem's place in the report: the rank of its kind, then what it is
/// about (a node's id and position, or a name). Ranks interleave across
/// the families (a malformed unit sorts among the field problems): the
/// numbers, not the families, give the order users know.
type SortKey = (u8, String, usize);

/// A node's place in the order: its id, or its position when it has none.
fn node_key(node: &NodeRef) -> (String, usize) {
    (node.id.clone().unwrap_or_default(), node.position)
}

fn by_node(rank: u8, node: &NodeRef) -> SortKey {
    let (id, position) = node_key(node);
    (rank, id, position)
}

impl InputError {
    fn sort_key(&self) -> SortKey {
        match self {
            InputError::InvalidJson { .. } => (0, String::new(), 0),
            InputError::UnsupportedVersion { .. } => (1, String::new(), 0),
            InputError::MalformedInput { what, .. } => (2, what.clone(), 0),
        }
    }
}

impl SystemError {
    fn sort_key(&self) -> SortKey {
        match self {
            SystemError::OnlyInSystem { node, .. } => by_node(44, node),
            SystemError::WrongScope { node, .. } => by_node(45, node),
            SystemError::SecondNode { kind, .. } => (46, kind.to_string(), 0),
            SystemError::RulesWithoutFile { node, .. } => by_node(47, node),
            SystemError::MalformedAccount { node, .. } => by_node(48, node),
            SystemError::BadOwner { node, .. } => by_node(49, node),
        }
    }
}

impl SettingError {
    fn sort_key(&self) -> SortKey {
        match self {
            SettingError::BadBackupExtension { value, .. } => (4, value.clone(), 0),
            SettingError::BadScriptName { name, .. } => (5, name.clone(), 0),
        }
    }
}

impl FieldError {
    fn sort_key(&self) -> SortKey {
        match self {
            FieldError::UnknownKind { node, .. } => by_node(10, node),
            FieldError::UnknownField { node, .. } => by_node(11, node),
            FieldError::MissingField { node, .. } => by_node(12, node),
            FieldError::WrongType { node, .. } => by_node(13, node),
            FieldError::SourceAndText { node } => by_node(14, node),
            FieldError::NoContent { node } => by_node(15, node),
            FieldError::EmptyArgv { node } => by_node(16, node),
            FieldError::BadTarget { node, .. } => by_node(17, node),
            FieldError::RelativeSource { node, .. } => by_node(18, node),
        }
    }
}

impl FileError {
    fn sort_key(&self) -> SortKey {
        match self {
            FileError::MissingSource { node, .. } => by_node(19, node),
            FileError::ExecutableDirectory { node, .. } => by_node(20, node),
            FileError::PermissionsOnLink { node }
            | FileError::BadPermissions { node, .. }
            | FileError::PermissionsAndExecutable { node }
            | FileError::CopyOfFolder { node, .. }
            | FileError::BadTreeMode { node, .. }
            | FileError::BadTreeSource { node, .. } => by_node(23, node),
        }
    }
}

impl DconfError {
    fn sort_key(&self) -> SortKey {
        match self {
            DconfError::BadDconfPath { node, .. }
            | DconfError::BadDconfKey { node, .. }
            | DconfError::BadDconfValue { node, .. } => by_node(24, node),
            DconfError::DconfKeyConflict { path, .. } => (35, path.clone(), 0),
        }
    }
}

impl LuaError {
    fn sort_key(&self) -> SortKey {
        match self {
            LuaError::EmptyScript { node }
            | LuaError::LuaSyntax { node, .. }
            | LuaError::LuaNotAllowed { node, .. }
            | LuaError::LuaSourceExecutable { node }
            | LuaError::LuaWhenChanged { node } => by_node(25, node),
            LuaError::ChangedLuaTarget { node, .. } => by_node(43, node),
        }
    }
}

impl UnitError {
    fn sort_key(&self) -> SortKey {
        match self {
            UnitError::MalformedUnit { node, position, .. } => (21, node_key(node).0, *position),
            UnitError::BadUnitName { unit, .. }
            | UnitError::WantedTemplate { unit, .. }
            | UnitError::UnknownSwitchMethod { unit, .. }
            | UnitError::UnitWithoutFile { unit, .. } => {
                (22, node_key(&unit.node).0, unit.position)
            }
            UnitError::DuplicateUnit { name, .. } => (33, name.clone(), 0),
            UnitError::SecondUnitsNode { nodes } => {
                let (id, position) = nodes.first().map(node_key).unwrap_or_default();
                (34, id, position)
            }
        }
    }
}

impl GraphError {
    fn sort_key(&self) -> SortKey {
        match self {
            GraphError::DuplicateId { id, .. } => (30, id.clone(), 0),
            GraphError::TargetConflict { target, .. } => (31, target.clone(), 0),
            GraphError::NestedTarget { outer_target, .. } => (32, outer_target.clone(), 0),
            GraphError::UnknownDependency { node, .. }
            | GraphError::UnknownDagName { node, .. } => by_node(40, node),
            GraphError::Cycle { chain, .. } => {
                let (id, position) = chain.first().map(|s| node_key(&s.node)).unwrap_or_default();
                (41, id, position)
            }
            GraphError::UnknownChangedTarget { node, .. } => by_node(42, node),
        }
    }
}

impl PackagesError {
    fn sort_key(&self) -> SortKey {
        match self {
            PackagesError::BadProfileDirectory { node, .. }
            | PackagesError::BadTreePath { node, .. }
            | PackagesError::ProfileInSystem { node } => by_node(26, node),
            PackagesError::MalformedPackage { node, position, .. } => {
                (27, node_key(node).0, *position)
            }
            PackagesError::SecondProfileNode { nodes } => {
                let (id, position) = nodes.first().map(node_key).unwrap_or_default();
                (36, id, position)
            }
            PackagesError::NotAFolder { path, .. } => (37, path.clone(), 0),
            PackagesError::Collision { file, .. } => (38, file.clone(), 0),
        }
    }
}

impl BuildError {
    fn sort_key(&self) -> SortKey {
        match self {
            BuildError::BadAmPath { path, .. } => (3, path.clone(), 0),
            BuildError::Internal { message } => (50, message.clone(), 0),
            BuildError::Io(e) => (51, e.path.display().to_string(), 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_summaries_name_node_and_option() {
        let node = NodeRef {
            id: Some("hello".into()),
            position: 1,
            kind: Some("exec"),
            declared_by: Some("am.nodes.hello".into()),
            defined_in: vec![],
            dag: None,
        };
        let error = CompileError::from(FieldError::EmptyArgv { node });
        assert_eq!(error.to_string(), "exec node `hello` (am.nodes.hello) has an empty `argv`");
        let io = IoError {
            action: IoAction::Write,
            path: "/out/plan.am".into(),
            source: io::Error::other("disk full"),
        };
        assert_eq!(CompileError::from(io).to_string(), "could not write /out/plan.am: disk full");
    }
}
