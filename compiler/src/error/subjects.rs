//! What a problem is about: the node, DAG entry or unit it names, and the
//! small values a message is built from. Plain data, shared by the error
//! enums and the renderers.

/// The node a problem is about, with what the Nix library told us of its origin.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeRef {
    /// `None` when the input node has no usable `id`.
    pub id: Option<String>,
    /// Position in the input's `nodes` list, counted from 1; names a node that
    /// has no id.
    pub position: usize,
    /// The node's kind when it is a known one; makes messages read
    /// "link node `x`" rather than "node `x`".
    pub kind: Option<&'static str>,
    /// The option that declared the node, e.g. `home.file.".vimrc"`.
    pub declared_by: Option<String>,
    /// The files that define that option.
    pub defined_in: Vec<String>,
    /// The DAG entry the node was lowered from (`home.activation.<name>`),
    /// whose names messages quote instead of the lowered ids.
    pub dag: Option<Box<DagEntry>>,
}

/// A DAG entry as the user wrote it: `home.activation.a =
/// lib.hm.dag.entryAfter [ "writeBoundary" "c" ] ...` is `{ option =
/// "home.activation"; name = "a"; after = [ "writeBoundary" "c" ]; }`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DagEntry {
    /// The option holding the entries, e.g. `home.activation`.
    pub option: String,
    pub name: String,
    pub after: Vec<String>,
    pub before: Vec<String>,
    /// The names an entry may order against besides the other entries
    /// (home-manager's `writeBoundary`, ...).
    pub anchors: Vec<String>,
}

impl DagEntry {
    /// The entry as written in Nix: `entryAfter [ "a" ]`,
    /// `entryBetween [ "b" ] [ "a" ]`, ...
    pub fn constructor(&self) -> String {
        let list = |names: &[String]| {
            let quoted: Vec<String> = names.iter().map(|n| crate::nix::nix_string(n)).collect();
            format!("[ {} ]", quoted.join(" "))
        };
        match (self.before.is_empty(), self.after.is_empty()) {
            (true, true) => "entryAnywhere".to_string(),
            (true, false) => format!("entryAfter {}", list(&self.after)),
            (false, true) => format!("entryBefore {}", list(&self.before)),
            (false, false) => {
                format!("entryBetween {} {}", list(&self.before), list(&self.after))
            }
        }
    }

    /// The name a lowered id stands for, if the node's id is the entry's
    /// name with a prefix (`activation:a`) and `id` has the same prefix.
    pub fn name_of<'a>(&self, own_id: &str, id: &'a str) -> Option<&'a str> {
        let prefix = own_id.strip_suffix(self.name.as_str())?;
        id.strip_prefix(prefix)
    }
}

impl std::fmt::Display for NodeRef {
    /// "`hello` (am.nodes.hello)", or "#3" for a node without id.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "`{id}`")?,
            None => write!(f, "#{}", self.position)?,
        }
        match &self.declared_by {
            Some(option) => write!(f, " ({option})"),
            None => Ok(()),
        }
    }
}

/// One entry of a `systemd-units` node's `units`, with its own provenance
/// (`systemd.user.services.foo`), which messages name rather than the node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnitRef {
    pub node: NodeRef,
    /// Position in `units`, counted from 1.
    pub position: usize,
    /// The name as written, valid or not.
    pub name: Option<String>,
    pub declared_by: Option<String>,
    pub defined_in: Vec<String>,
}

impl std::fmt::Display for UnitRef {
    /// "`foo.service` (systemd.user.services.foo)".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(name) => write!(f, "`{name}`")?,
            None => write!(f, "#{} of node {}", self.position, self.node)?,
        }
        match &self.declared_by {
            Some(option) => write!(f, " ({option})"),
            None => Ok(()),
        }
    }
}

/// Whether a dependency was written as `after` or `before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    After,
    Before,
}

impl Direction {
    pub fn field(self) -> &'static str {
        match self {
            Direction::After => "after",
            Direction::Before => "before",
        }
    }
}

/// Why a copy's `permissions` string was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionsProblem {
    NotOctal,
    /// setuid, setgid or sticky.
    SpecialBits,
    /// The owner could not read the file, and `am` must, to notice edits.
    OwnerCannotRead,
}

impl PermissionsProblem {
    pub fn describe(self) -> &'static str {
        match self {
            PermissionsProblem::NotOctal => "it is not three or four octal digits",
            PermissionsProblem::SpecialBits => "it sets setuid, setgid or sticky bits",
            PermissionsProblem::OwnerCannotRead => "the owner could not read the file",
        }
    }
}

/// One step of a drawn dependency cycle: `node` waits for the next step's node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleStep {
    pub node: NodeRef,
    /// Which declarations made the edge from this node to the next one: the
    /// node's own `after`, the next node's `before`, or both.
    pub by_after: bool,
    pub by_before: bool,
}

/// What Lua text a syntax error is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LuaText {
    /// A Lua value: one expression.
    Expression,
    /// A node's `script`, written in the configuration.
    Script,
    /// A node's `script`, read from this `.lua` file (`scriptFile`).
    ScriptFile(String),
}

/// A syntax error in Lua code, placed in the text the user wrote (not in
/// the `return (...)` the compiler wraps an expression in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LuaSyntaxError {
    /// The parser's message.
    pub message: String,
    /// Counted from 1.
    pub line: usize,
    /// Counted from 1, in characters.
    pub column: usize,
    /// How many characters the error is about, at least 1.
    pub width: usize,
    /// The line holding the error, as written.
    pub source_line: String,
}

/// What the compiler was doing when the file system failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoAction {
    ReadInput,
    CreateOutput,
    Write,
    CopySource,
    Link,
    /// Listing the files of a tree's source folder.
    ListSource,
}

impl IoAction {
    pub fn verb(self) -> &'static str {
        match self {
            IoAction::ReadInput => "read the input",
            IoAction::CreateOutput => "create the bundle folder",
            IoAction::Write => "write",
            IoAction::CopySource => "copy the source",
            IoAction::Link => "create the link",
            IoAction::ListSource => "list the files of",
        }
    }
}
