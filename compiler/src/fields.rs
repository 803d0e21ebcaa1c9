//! The fields a node of the compiler input may have, per kind: one table that
//! drives type checking, unknown-field messages and the examples in hints.

/// The JSON shape a field must have. `null` is always allowed and means the
/// same as an absent field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    String,
    Bool,
    StringList,
    StringMap,
    /// A list of attribute sets, one per systemd unit.
    Units,
    /// A whole number of seconds, at least 1.
    Seconds,
    /// dconf folders, each an attribute set of keys and GVariant texts.
    DconfSettings,
    /// A list of attribute sets, one per package.
    Packages,
    /// A list of attribute sets, one per user or group.
    Accounts,
    /// The DAG entry a node was lowered from: `option`, `name`, `after`,
    /// `before`, `anchors`.
    DagEntry,
}

impl Shape {
    /// The shape in the words of a Nix user.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::String => "a string",
            Shape::Bool => "true or false",
            Shape::StringList => "a list of strings",
            Shape::StringMap => "an attribute set of strings",
            Shape::Units => "a list of units (attribute sets with name, target, ...)",
            Shape::Seconds => "a whole number of seconds, at least 1",
            Shape::DconfSettings => {
                "an attribute set of dconf folders, each an attribute set of GVariant texts"
            }
            Shape::Packages => "a list of packages (attribute sets with name, version, outputs)",
            Shape::Accounts => "a list of attribute sets, one per user or group",
            Shape::DagEntry => {
                "an attribute set with option, name, after, before and anchors (a DAG entry)"
            }
        }
    }
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub shape: Shape,
    /// A Nix snippet setting the field, shown in hints.
    pub example: &'static str,
}

const fn field(name: &'static str, shape: Shape, example: &'static str) -> Field {
    Field { name, shape, example }
}

/// Fields every node has. `declaredBy` and `definedIn` are set by the Nix
/// library, never by users.
pub const COMMON: &[Field] = &[
    field("id", Shape::String, "id = \"hello\";"),
    field("kind", Shape::String, "kind = \"exec\";"),
    field("declaredBy", Shape::String, "declaredBy = \"am.nodes.hello\";"),
    field("definedIn", Shape::StringList, "definedIn = [ \"/home/me/home.nix\" ];"),
    field("after", Shape::StringList, "after = [ \"file:.config/git/config\" ];"),
    field("before", Shape::StringList, "before = [ \"file:.bashrc\" ];"),
    field("required", Shape::Bool, "required = false;"),
    field(
        "dag",
        Shape::DagEntry,
        "dag = { option = \"home.activation\"; name = \"a\"; after = [ \"b\" ]; before = [ ]; anchors = [ ]; };",
    ),
];

/// The fields users may set on every node, listed in unknown-field hints.
pub const COMMON_USER_FIELDS: &[&str] = &["after", "before", "required"];

pub const LINK: &[Field] = &[
    field("target", Shape::String, "target = \".config/git/config\";"),
    field("source", Shape::String, "source = ./gitconfig;"),
    field("text", Shape::String, "text = \"[user]\\n  name = me\\n\";"),
    field("executable", Shape::Bool, "executable = true;"),
    field("force", Shape::Bool, "force = true;"),
];

pub const COPY: &[Field] = &[
    field("target", Shape::String, "target = \".config/app/settings.json\";"),
    field("source", Shape::String, "source = ./settings.json;"),
    field("text", Shape::String, "text = \"{ }\\n\";"),
    field("permissions", Shape::String, "permissions = \"0600\";"),
    field("executable", Shape::Bool, "executable = true;"),
    field("force", Shape::Bool, "force = true;"),
    field("owner", Shape::String, "owner = \"nginx\";"),
    field("group", Shape::String, "group = \"+33\";"),
];

pub const TMPFILES: &[Field] =
    &[field("target", Shape::String, "target = \"tmpfiles.d/00-activation-manager.conf\";")];

pub const ACCOUNTS: &[Field] = &[
    field("users", Shape::Accounts, "users = [ { name = \"nginx\"; group = \"nginx\"; } ];"),
    field("groups", Shape::Accounts, "groups = [ { name = \"nginx\"; gid = null; } ];"),
];

/// The fields of one user of an `accounts` node.
pub const USER_FIELDS: &[&str] = &[
    "name",
    "uid",
    "group",
    "extraGroups",
    "home",
    "createHome",
    "shell",
    "description",
    "isSystemUser",
];

/// The fields of one group of an `accounts` node.
pub const GROUP_FIELDS: &[&str] = &["name", "gid", "members"];

pub const TREE: &[Field] = &[
    field("target", Shape::String, "target = \".config/nvim\";"),
    field("source", Shape::String, "source = ./nvim;"),
    field("mode", Shape::String, "mode = \"copy\";"),
    field("permissions", Shape::String, "permissions = \"0600\";"),
    field("force", Shape::Bool, "force = true;"),
];

pub const DCONF: &[Field] = &[field(
    "settings",
    Shape::DconfSettings,
    "settings = { \"org/gnome/desktop/interface\" = { color-scheme = \"'prefer-dark'\"; }; };",
)];

pub const EXEC: &[Field] = &[
    field("argv", Shape::StringList, "argv = [ \"/bin/sh\" \"-c\" \"echo hi\" ];"),
    field("env", Shape::StringMap, "env = { GREETING = \"hi\"; PORT = toString 8080; };"),
    field("cwd", Shape::String, "cwd = \".config\";"),
    field("timeout", Shape::Seconds, "timeout = 30;"),
    field("whenChanged", Shape::StringList, "whenChanged = [ \".config/foo/config\" ];"),
];

pub const LUA: &[Field] = &[
    field(
        "script",
        Shape::String,
        "script = ''am.exec{ argv = { \"/bin/sh\", \"-c\", \"echo hi\" } }'';",
    ),
    field("timeout", Shape::Seconds, "timeout = 10;"),
    field("scriptFile", Shape::String, "scriptFile = \"/home/jane/tasks/wallpapers.lua\";"),
];

pub const SYSTEMD_UNITS: &[Field] = &[
    field(
        "units",
        Shape::Units,
        "units = [ { name = \"hello.service\"; target = \".config/systemd/user/hello.service\"; } ];",
    ),
    field("scope", Shape::String, "scope = \"system\";"),
];

pub const PROFILE: &[Field] = &[
    field("profile", Shape::String, "profile = \".nix-profile\";"),
    field("path", Shape::String, "path = config.home.path;"),
    field(
        "packages",
        Shape::Packages,
        "packages = [ { name = \"hello\"; version = \"2.12\"; outputs = [ \"${pkgs.hello}\" ]; } ];",
    ),
];

/// The fields of one entry of a `profile` node's `packages`.
pub const PACKAGE_FIELDS: &[&str] = &["name", "version", "outputs"];

/// The fields of one entry of a `systemd-units` node's `units`.
pub const UNIT_FIELDS: &[&str] =
    &["name", "target", "switchMethod", "wantedBy", "declaredBy", "definedIn"];

/// Names people write from other tools (home-manager, NixOS, systemd) for a
/// field of ours; these beat edit distance, which would turn `cmd` into `cwd`.
pub const SYNONYMS: &[(&str, &str)] = &[
    ("args", "argv"),
    ("command", "argv"),
    ("cmd", "argv"),
    ("program", "argv"),
    ("script", "argv"),
    ("code", "script"),
    ("chunk", "script"),
    ("environment", "env"),
    ("workingDirectory", "cwd"),
    ("dir", "cwd"),
    ("src", "source"),
    ("path", "source"),
    ("file", "source"),
    ("content", "text"),
    ("contents", "text"),
    ("dest", "target"),
    ("destination", "target"),
    ("mode", "executable"),
    ("mode", "permissions"),
    ("wants", "after"),
    ("requires", "after"),
    ("optional", "required"),
];

/// The kinds this compiler knows, sorted, with their own fields.
pub const KINDS: &[(&str, &[Field])] = &[
    ("accounts", ACCOUNTS),
    ("copy", COPY),
    ("dconf", DCONF),
    ("exec", EXEC),
    ("link", LINK),
    ("lua", LUA),
    ("profile", PROFILE),
    ("systemd-units", SYSTEMD_UNITS),
    ("tmpfiles", TMPFILES),
    ("tree", TREE),
];

pub fn kind_fields(kind: &str) -> Option<(&'static str, &'static [Field])> {
    KINDS.iter().find(|(name, _)| *name == kind).copied()
}

pub fn lookup(kind_fields: &'static [Field], name: &str) -> Option<&'static Field> {
    COMMON.iter().chain(kind_fields).find(|f| f.name == name)
}
