//! The activation plan: the only contract between `am-compile` and `am`.
//!
//! This crate holds data and its encoding, and the rules both sides of
//! the contract apply: what a target is ([`target`]) and what dconf
//! names and values are ([`dconf`]), nothing else. [`chunk`] is what `am`
//! says to the process it runs a Lua chunk in. The compiler builds a
//! [`Plan`] from a validated graph; the interpreter executes it without
//! re-validating. A plan file is a fixed header followed by a postcard payload:
//!
//! ```text
//! offset  size  field
//!      0     8  MAGIC ("AM-PLAN\n")
//!      8     4  format version, u32 little-endian
//!     12     8  payload length, u64 little-endian
//!     20     8  FNV-1a 64 checksum of the payload, u64 little-endian
//!     28     n  postcard-encoded Plan
//! ```
//!
//! The checksum turns a flipped bit into a clear "corrupt" error instead of a
//! plan that decodes into something subtly different.

pub mod chunk;
pub mod dconf;
mod encoding;
mod profile;
pub mod state;
mod system;
mod systemd;
pub mod target;

pub use encoding::{
    DecodeError, FORMAT_VERSION, GENERATION_MAGIC, MAGIC, STATE_VERSION, decode, decode_generation,
    decode_journal, encode, encode_generation, encode_journal_entry, fnv1a64,
};

pub use profile::{Package, Profile, store_name};
use serde::{Deserialize, Serialize};
pub use system::{Accounts, GroupAccount, Tmpfiles, UserAccount};
pub use systemd::{SwitchMethod, SystemdUnits, Unit};

/// Where the plan sits inside a bundle (`$out/plan.am`).
pub const PLAN_FILE: &str = "plan.am";
/// The bundle folder holding materialized files, one entry per link target.
pub const STATIC_DIR: &str = "static";
/// The bundle's entry point, the same as `am activate <bundle>`.
pub const ACTIVATE_SCRIPT: &str = "bin/activate";
/// A link to the `am` the bundle was built with, which `bin/activate` runs:
/// `./result/bin/am` works before any `am` is installed.
pub const AM_COMMAND: &str = "bin/am";
/// The bundle folder holding executable scripts that unit files run.
pub const SCRIPTS_DIR: &str = "scripts";
/// The bundle folder holding the files that chunks of nodes with Lua
/// values name (`am.bundle .. "/dynamic/<name>"`); only those chunks read it.
pub const DYNAMIC_DIR: &str = "dynamic";

/// Index of a node in [`Plan::nodes`].
pub type NodeIndex = u32;

/// What a bundle activates: a home, or a system (its `/etc`, units,
/// accounts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    #[default]
    Home,
    System,
}

/// A compiled, validated and layered activation plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Home or system: a bundle activates only into a place of its role.
    pub role: Role,
    /// Where a file the user owns is moved when a target needs its place
    /// (`<path>.<extension>`); `None` refuses the activation instead.
    pub backup_extension: Option<String>,
    /// The home the bundle was built for (`home.homeDirectory`), absolute:
    /// `am` refuses to activate it with another `$HOME`. `None` builds a
    /// bundle any home can activate.
    pub home_directory: Option<String>,
    /// Every node, sorted by (layer, id).
    pub nodes: Vec<Node>,
    /// Layers in execution order; the nodes of one layer depend only on nodes
    /// of earlier layers, so they may run concurrently. Each layer is sorted
    /// by node id.
    pub layers: Vec<Vec<NodeIndex>>,
}

/// One unit of work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// Unique, stable, human-readable id, e.g. `file:.config/git/config`.
    pub id: String,
    /// The Nix option that declared the node, e.g. `home.file."foo"`, so run
    /// time messages can point back at the configuration.
    pub declared_by: String,
    /// A failed required node fails the activation; a failed optional one
    /// only skips its dependents (systemd's Requires= vs Wants=).
    pub required: bool,
    /// Nodes that must finish before this one, sorted; `before` edges of the
    /// input are already turned around into `after` edges of the other node.
    pub after: Vec<NodeIndex>,
    pub kind: Kind,
}

/// What a node does, with the fields of that kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Link(Link),
    Exec(Exec),
    Copy(Copy),
    Dconf(Dconf),
    SystemdUnits(SystemdUnits),
    Lua(Lua),
    Tmpfiles(Tmpfiles),
    Accounts(Accounts),
    Profile(Profile),
}

impl Kind {
    /// The kind's name as users write it in `am.nodes.<id>.kind`.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Link(_) => "link",
            Kind::Exec(_) => "exec",
            Kind::Copy(_) => "copy",
            Kind::Dconf(_) => "dconf",
            Kind::SystemdUnits(_) => "systemd-units",
            Kind::Lua(_) => "lua",
            Kind::Tmpfiles(_) => "tmpfiles",
            Kind::Accounts(_) => "accounts",
            Kind::Profile(_) => "profile",
        }
    }
}

/// A symlink `$HOME/<target>` pointing at the static directory's entry for the
/// same relative path, which in turn is `<bundle>/static/<target>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Relative to the home, normalized: no `.`, `..`, empty or leading `/`.
    pub target: String,
    /// Replace whatever the user has at the target, without a backup.
    pub force: bool,
    /// `None` for every compiled node: the link points into the static
    /// directory. A node a Lua chunk creates at run time has no static
    /// entry; its link points at this absolute path, as it is.
    pub source: Option<String>,
}

/// A command run to completion; a non-zero exit status is a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exec {
    /// Program and arguments; `argv[0]` is looked up in `PATH` when it has no `/`.
    pub argv: Vec<String>,
    /// Extra environment, sorted by name, added to the activation's own.
    pub env: Vec<(String, String)>,
    /// Working directory, absolute or relative to the home; `None` is the home.
    pub cwd: Option<String>,
    /// Seconds after which the command's whole process group is killed and
    /// the node fails; `None` waits as long as it takes.
    pub timeout: Option<u32>,
    /// Targets of link or copy nodes, or folders holding some, sorted. When
    /// not empty, the command runs only if the content of one of them differs
    /// from the previous generation's (home-manager's `onChange`).
    pub when_changed: Vec<String>,
}

/// Whether the target `target` is `named` or lies inside the folder `named`:
/// what an entry of [`Exec::when_changed`] covers. Both are normalized.
pub fn is_within(target: &str, named: &str) -> bool {
    target.strip_prefix(named).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A regular file `$HOME/<target>` holding the bytes of the bundle's
/// `static/<target>`: writable, unlike a link into the store. It is written
/// atomically, and replaced later only while it still has the bytes an
/// activation wrote (its hash is in the generation record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Copy {
    /// Relative to the home, normalized like [`Link::target`].
    pub target: String,
    /// Permission bits, at most `0o777`; `None` is `0o755` when the static
    /// entry is executable and `0o644` otherwise.
    pub mode: Option<u32>,
    /// Replace whatever the user has at the target, without a backup.
    pub force: bool,
    /// Where the bytes come from: the bundle's `static/<target>` for every
    /// compiled node; a file or a text for nodes a Lua chunk creates.
    pub source: CopySource,
    /// The owner and group a system bundle's copy gets (a name, or
    /// `+<id>`), looked up when it is written; `None` keeps `am`'s own.
    pub owner: Option<String>,
    pub group: Option<String>,
}

/// The bytes of a [`Copy`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CopySource {
    /// The bundle's `static/<target>`.
    Static,
    /// An absolute path, read when the node runs.
    File(String),
    /// The bytes themselves.
    Text(String),
}

/// A Lua chunk run at activation time: a `lua` node, or a node with Lua
/// values in its fields, which the compiler turns into a chunk calling the
/// `am` API with them. Nodes the chunk creates (`am.link{...}`, ...) run
/// right after it, before any node that depends on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lua {
    /// The Lua source, already syntax-checked by the compiler.
    pub chunk: String,
    /// Names the chunk in Lua messages and tracebacks: the option that
    /// holds the code, e.g. `lua.tasks.wallpapers.script`.
    pub name: String,
    /// Seconds after which a chunk still running is stopped and the node
    /// fails; `None` is the interpreter's default.
    pub timeout: Option<u32>,
}

/// dconf keys, written in one batch through the `dconf` command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dconf {
    /// Sorted by (dir, key), each key once.
    pub keys: Vec<DconfKey>,
}

/// One dconf key and the value it gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DconfKey {
    /// The folder without leading or trailing slash, e.g. `org/gnome/desktop/interface`.
    pub dir: String,
    pub key: String,
    /// GVariant text, e.g. `'prefer-dark'` or `@u 5`.
    pub value: String,
}

impl DconfKey {
    /// The key's absolute dconf path, e.g. `/org/gnome/desktop/interface/color-scheme`.
    pub fn path(&self) -> String {
        format!("/{}/{}", self.dir, self.key)
    }
}
