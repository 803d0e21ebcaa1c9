---@meta am

-- Type annotations of the `am` API, for lua-language-server (LuaLS) and
-- other editors that read its annotations. Nothing here runs: `am`
-- provides this table to every Lua chunk it runs at activation time.
-- The docs site's "Lua API" page is generated from this file.

---The API of activation-manager, the only way a chunk changes the system.
---Each of `am.link`, `am.copy`, `am.exec` and `am.dconf` creates a node,
---which runs right after the chunk (and before the nodes that wait for the
---chunk's node) with the pre-check, journal, rollback and generation
---tracking of compiled nodes. In a dry run they are reported, not made.
---
---A chunk runs in a process of its own, stopped after its `timeout` (60
---seconds unless set) whatever it does. It may hold 1 GiB: what Lua
---allocates and what it hands to these functions (nodes, log lines, files
---it reads) count together.
---@class am
---@field home string Absolute path of the home being activated, without a trailing `/`.
---@field bundle string Store path of the bundle being activated.
---@field dry_run boolean `true` under `--dry-run`: the nodes a chunk creates are reported, not run.
am = {}

---The machine being activated.
---@class am.host
---@field name string The host name, e.g. `"laptop"`.
---@field os string The operating system, e.g. `"linux"`.
---@field arch string The processor architecture, e.g. `"x86_64"` or `"aarch64"`.
am.host = {}

---Lines for the activation's report.
---@class am.log
am.log = {}

---Read-only questions about files. A relative path is relative to the home.
---@class am.fs
am.fs = {}

---A link: `target` in the home pointing at `source`.
---@class am.LinkSpec
---@field target string Path of the link, relative to the home (`".config/foo"`).
---@field source string Absolute path the link points at (a store path, or any file: `am.home .. "/dotfiles/foo"`).
---@field force? boolean Replace whatever is at `target`, without a backup. Default `false`.

---A regular file in the home. Set exactly one of `source` and `text`.
---@class am.CopySpec
---@field target string Path of the file, relative to the home.
---@field source? string Absolute path of the file whose bytes are copied.
---@field text? string The file's content.
---@field permissions? string Permission bits as an octal string (`"0600"`), as the Nix option `home.file.<name>.permissions` takes them (Lua has no octal numbers, so a number is refused). Default `"0755"` when `source` is executable, else `"0644"`.
---@field force? boolean Replace whatever is at `target`, without a backup. Default `false`.

---A command.
---@class am.ExecSpec
---@field argv string[] The program and its arguments; a program without `/` is looked up in `PATH`. No shell unless you run one.
---@field env? table<string, string> Variables added to `am`'s environment.
---@field cwd? string Working folder, relative to the home (or absolute). Default: the home.
---@field timeout? integer Whole seconds (more than 0) after which the command, and everything it started, is killed.

---dconf keys by folder (`"org/gnome/desktop/interface"`, no slash at either end)
---and key, each value GVariant text: `"'prefer-dark'"` (a string), `"true"`,
---`"uint32 250"`. A value is exactly one GVariant value on one line; folder
---and key names have no white space, `[`, `]` or control characters, and a
---key no `=` or `/` and no `#` in front.
---@alias am.DconfSettings table<string, table<string, string>>

---Creates a link node: `target` becomes a link to `source`.
---
---```lua
---am.link{ target = ".config/foo/config", source = am.home .. "/dotfiles/foo" }
---```
---@param spec am.LinkSpec
---@return string id The new node's id.
function am.link(spec) end

---Creates a copy node: `target` becomes a regular file with the bytes of
---`source`, or `text`. Like a compiled copy, it is replaced or removed later
---only while it still has the bytes `am` wrote.
---
---```lua
---am.copy{ target = ".config/foo/host", text = am.host.name .. "\n", permissions = "0600" }
---```
---@param spec am.CopySpec
---@return string id The new node's id.
function am.copy(spec) end

---Creates an exec node running a command. A non-zero exit status fails it.
---It runs after the links and copies the same chunk created.
---
---```lua
---am.exec{ argv = { "fc-cache", "-f" }, timeout = 60 }
---```
---@param spec am.ExecSpec
---@return string id The new node's id.
function am.exec(spec) end

---Creates a dconf node setting keys; a key set in an earlier activation and
---no longer set is reset to its default, like `dconf.settings` keys.
---
---```lua
---am.dconf{ ["org/gnome/desktop/interface"] = { ["color-scheme"] = "'prefer-dark'" } }
---```
---@param settings am.DconfSettings
---@return string id The new node's id.
function am.dconf(settings) end

---The value of an environment variable of the activation, or `nil` when it
---is not set.
---@param name string
---@return string? value
function am.env(name) end

---Adds a line to the activation's report.
---@param message string
function am.log.info(message) end

---Adds a line to the activation's report, marked as a warning.
---@param message string
function am.log.warn(message) end

---Whether there is a file or a folder at `path` (a link counts if what it points at exists).
---@param path string Absolute, or relative to the home.
---@return boolean
function am.fs.exists(path) end

---The content of the file at `path`, or `nil` when there is none. Any other
---failure to read it (no permission, a folder, more than the chunk's memory
---has left) is an error.
---@param path string Absolute, or relative to the home.
---@return string? content
function am.fs.read(path) end

---The names of the entries of the folder at `path`, sorted; empty when
---there is no such folder. Any other failure to list it is an error.
---@param path string Absolute, or relative to the home.
---@return string[] names
function am.fs.list(path) end
