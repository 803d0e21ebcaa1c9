//! The `am` table a chunk sees. Its functions only describe: `am.link{...}`
//! and friends hand a node to `am`, `am.fs` only reads. Every argument is
//! checked here, with messages that name the function and the field,
//! because Lua computed it and nothing checked it before.
//!
//! What a chunk hands over counts against its memory limit together with
//! what Lua holds (see [`Budget`]): `am` keeps it, so a chunk could
//! otherwise hold many times the limit through copies of one string.
//!
//! lua/am.lua annotates every member for editors; `am __docs lua-api` lists
//! the members from the table built here, and a test keeps the two in step.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::rc::Rc;

use am_schema::chunk::{ChunkEvent, encode_event};
use am_schema::{Copy, CopySource, Dconf, DconfKey, Exec, Kind, Link, Node};
use mlua::{ChunkMode, Lua, Table, Value};

use super::target::{absolute, relative};
use super::{Context, size_text};

/// Where the frames of a chunk's events go, as it makes them.
pub type Sink = Box<dyn FnMut(&[u8]) -> std::io::Result<()>>;

/// What one chunk has done so far.
struct Run {
    parent: String,
    declared_by: String,
    required: bool,
    /// Targets created by this chunk, to refuse a second node at one.
    targets: HashSet<String>,
    /// Created nodes by kind, for the ids of nodes without a target.
    counts: BTreeMap<&'static str, usize>,
    budget: Budget,
    send: Sink,
}

impl Run {
    fn new(parent: &Node, budget: Budget, send: Sink) -> Rc<RefCell<Run>> {
        Rc::new(RefCell::new(Run {
            parent: parent.id.clone(),
            declared_by: parent.declared_by.clone(),
            required: parent.required,
            targets: HashSet::new(),
            counts: BTreeMap::new(),
            budget,
            send,
        }))
    }

    /// Hands a created node over and gives its id: `<parent>/<kind>:<target>`
    /// for files, `<parent>/<kind>:<n>` otherwise.
    fn create(&mut self, lua: &Lua, kind: Kind, function: &str) -> mlua::Result<String> {
        let name = kind.name();
        let suffix = match &kind {
            Kind::Link(Link { target, .. }) | Kind::Copy(Copy { target, .. }) => {
                if self.targets.contains(target) {
                    return Err(fail(
                        function,
                        format!("~/{target} is already created by this chunk"),
                    ));
                }
                // The set of targets stays here: its bytes count too.
                self.budget.charge(lua, target.len(), function)?;
                self.targets.insert(target.clone());
                target.clone()
            }
            _ => {
                let count = self.counts.entry(name).or_default();
                *count += 1;
                count.to_string()
            }
        };
        let id = format!("{}/{name}:{suffix}", self.parent);
        let node = Node {
            id: id.clone(),
            declared_by: self.declared_by.clone(),
            required: self.required,
            after: Vec::new(),
            kind,
        };
        self.hand_over(lua, &ChunkEvent::Created(node), function)?;
        Ok(id)
    }

    fn log(&mut self, lua: &Lua, warning: bool, text: String, function: &str) -> mlua::Result<()> {
        self.hand_over(lua, &ChunkEvent::Log { warning, text }, function)
    }

    /// Sends one event to `am`, once it fits the budget.
    fn hand_over(&mut self, lua: &Lua, event: &ChunkEvent, function: &str) -> mlua::Result<()> {
        let frame = encode_event(event);
        self.budget.charge(lua, frame.len(), function)?;
        (self.send)(&frame)
            .map_err(|error| fail(function, format!("could not hand it to am: {error}")))
    }
}

/// What a chunk holds: Lua's memory and what it handed to `am`, which
/// together may not pass its limit. Each handed byte lowers Lua's own
/// limit by one, so that a string built without end fails too.
#[derive(Debug)]
struct Budget {
    limit: usize,
    handed: usize,
}

impl Budget {
    fn new(lua: &Lua, limit: usize) -> mlua::Result<Budget> {
        lua.set_memory_limit(limit)?;
        Ok(Budget { limit, handed: 0 })
    }

    /// Bytes the chunk may still take.
    fn left(&self, lua: &Lua) -> usize {
        self.limit.saturating_sub(self.handed + lua.used_memory())
    }

    /// Counts `bytes` more handed over, or fails `function` when they do not fit.
    fn charge(&mut self, lua: &Lua, bytes: usize, function: &str) -> mlua::Result<()> {
        self.fits(lua, bytes, function)?;
        self.handed += bytes;
        lua.set_memory_limit(self.limit - self.handed)?;
        Ok(())
    }

    /// Fails `function` when `bytes` more would pass the limit.
    fn fits(&self, lua: &Lua, bytes: usize, function: &str) -> mlua::Result<()> {
        let left = self.left(lua);
        if bytes <= left {
            return Ok(());
        }
        Err(out_of_memory(function, "handing this over", bytes, left, self.limit))
    }
}

/// Why `function` cannot take `bytes` more for `what`, with `left` of `limit`.
fn out_of_memory(
    function: &str,
    what: &str,
    bytes: usize,
    left: usize,
    limit: usize,
) -> mlua::Error {
    fail(
        function,
        format!(
            "out of memory: {what} takes {} MiB, and {} MiB are left of the chunk's {} (for \
             what Lua holds and what the chunk handed to am)",
            bytes.div_ceil(1 << 20),
            left >> 20,
            size_text(limit)
        ),
    )
}

/// Runs `chunk` for `node` in a state of its own, which may hold `memory`
/// bytes, sending each node it creates and each line it logs to `send` as
/// it makes them; gives Lua's message and traceback when the chunk fails.
pub fn run(
    node: &Node,
    chunk: &am_schema::Lua,
    context: &Context,
    memory: usize,
    send: Sink,
) -> Result<(), String> {
    let start = |error: mlua::Error| format!("could not start Lua: {error}");
    let lua = super::sandbox::new_state().map_err(start)?;
    let budget = Budget::new(&lua, memory).map_err(start)?;
    let run = Run::new(node, budget, send);
    let result = install(&lua, &run, context).and_then(|()| {
        stop_after(&lua, context.time_limit)?;
        // `=` makes Lua show the name as it is, not as `[string "..."]`.
        lua.load(&chunk.chunk).set_name(format!("={}", chunk.name)).set_mode(ChunkMode::Text).exec()
    });
    result.map_err(|error| message(&error, memory))
}

/// Makes the chunk fail once it has run for `limit`: every 10,000
/// instructions, a hook looks at the clock. A chunk can catch that error
/// or run where no hook fires (C code); its process is killed then.
fn stop_after(lua: &Lua, limit: std::time::Duration) -> mlua::Result<()> {
    let started = std::time::Instant::now();
    let triggers = mlua::HookTriggers::new().every_nth_instruction(10_000);
    lua.set_hook(triggers, move |_, _| {
        if started.elapsed() > limit {
            return Err(mlua::Error::runtime(super::stopped(limit)));
        }
        Ok(mlua::VmState::Continue)
    })
}

/// Lua's message and traceback, without mlua's `runtime error: ` prefix;
/// `memory` is the chunk's limit, for when it ran out.
fn message(error: &mlua::Error, memory: usize) -> String {
    let text = match error {
        mlua::Error::CallbackError { traceback, cause } => {
            format!("{}\n{traceback}", message(cause, memory))
        }
        mlua::Error::RuntimeError(text) | mlua::Error::SyntaxError { message: text, .. } => {
            text.clone()
        }
        mlua::Error::MemoryError(text) => {
            format!("{text}: the chunk reached its memory limit of {}", size_text(memory))
        }
        other => other.to_string(),
    };
    text.trim_end().to_string()
}

/// Makes the chunk's globals: `am`, and a `print` that goes to the node's
/// log (output of parallel nodes must not interleave). The state runs
/// this one chunk, so they are the chunk's own.
fn install(lua: &Lua, run: &Rc<RefCell<Run>>, context: &Context) -> mlua::Result<()> {
    let globals = lua.globals();
    globals.set("am", am_table(lua, run, context)?)?;
    let log = Rc::clone(run);
    let print = lua.create_function(move |lua, values: mlua::Variadic<Value>| {
        let texts: Vec<String> = values
            .iter()
            .map(|value| {
                Ok(lua
                    .coerce_string(value.clone())?
                    .map_or_else(|| format!("{value:?}"), |s| s.to_string_lossy()))
            })
            .collect::<mlua::Result<_>>()?;
        log.borrow_mut().log(lua, false, texts.join("\t"), "print")
    })?;
    globals.set("print", print)
}

fn am_table(lua: &Lua, run: &Rc<RefCell<Run>>, context: &Context) -> mlua::Result<Table> {
    let am = lua.create_table()?;
    let text = |path: &Path| path.to_string_lossy().into_owned();
    am.set("home", text(context.home))?;
    am.set("bundle", context.bundle.map(text).unwrap_or_default())?;
    am.set("dry_run", context.dry_run)?;

    let host = lua.create_table()?;
    host.set("name", host_name())?;
    host.set("os", std::env::consts::OS)?;
    host.set("arch", std::env::consts::ARCH)?;
    am.set("host", host)?;

    am.set(
        "env",
        lua.create_function(|_, name: String| {
            Ok(std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
        })?,
    )?;

    let log = lua.create_table()?;
    for (name, warning) in [("info", false), ("warn", true)] {
        let run = Rc::clone(run);
        let function = lua.create_function(move |lua, value: Value| {
            let text = lua.coerce_string(value)?.map(|s| s.to_string_lossy()).unwrap_or_default();
            run.borrow_mut().log(lua, warning, text, &format!("am.log.{name}"))
        })?;
        log.set(name, function)?;
    }
    am.set("log", log)?;
    am.set("fs", fs_table(lua, run, context.home)?)?;

    let creators: [(&str, Creator); 4] =
        [("link", link), ("copy", copy), ("exec", exec), ("dconf", dconf)];
    for (name, creator) in creators {
        let run = Rc::clone(run);
        let function = lua.create_function(move |lua, table: Table| {
            let function = format!("am.{name}");
            let (left, limit) = {
                let budget = &run.borrow().budget;
                (budget.left(lua), budget.limit)
            };
            let kind = creator(&Fields { table, function: &function, left, limit })?;
            run.borrow_mut().create(lua, kind, &function)
        })?;
        am.set(name, function)?;
    }
    Ok(am)
}

/// Reads an `am.<kind>{...}` table into the node kind it describes.
type Creator = fn(&Fields) -> mlua::Result<Kind>;

fn link(fields: &Fields) -> mlua::Result<Kind> {
    fields.only(&["target", "source", "force"])?;
    Ok(Kind::Link(Link {
        target: fields.target()?,
        force: fields.bool("force")?,
        source: Some(fields.check("source", absolute(&fields.required_string("source")?))?),
    }))
}

fn copy(fields: &Fields) -> mlua::Result<Kind> {
    fields.refuse_mode()?;
    fields.only(&["target", "source", "text", "permissions", "force"])?;
    let source = match (fields.string("source")?, fields.string("text")?) {
        (Some(source), None) => CopySource::File(fields.check("source", absolute(&source))?),
        (None, Some(text)) => CopySource::Text(text),
        _ => return Err(fields.fail("give exactly one of `source` (a path) and `text`".into())),
    };
    Ok(Kind::Copy(Copy {
        target: fields.target()?,
        mode: fields.permissions()?,
        force: fields.bool("force")?,
        source,
        owner: None,
        group: None,
    }))
}

fn exec(fields: &Fields) -> mlua::Result<Kind> {
    fields.only(&["argv", "env", "cwd", "timeout"])?;
    let argv: Vec<String> = match fields.table.get::<Value>("argv")? {
        Value::Table(list) => list
            .sequence_values::<Value>()
            .enumerate()
            .map(|(at, value)| fields.string_value(&format!("argv[{}]", at + 1), value?))
            .collect::<mlua::Result<_>>()?,
        other => {
            return Err(
                fields.fail(format!("`argv` must be a list of strings, not {}", other.type_name()))
            );
        }
    };
    if argv.is_empty() {
        return Err(fields.fail("`argv` is empty; give at least the program".into()));
    }
    let mut env = Vec::new();
    if let Some(table) = fields.table_field("env")? {
        for pair in table.pairs::<Value, Value>() {
            let (name, value) = pair?;
            let name = fields.string_value("env key", name)?;
            let value = fields.string_value(&format!("env.{name}"), value)?;
            env.push((name, value));
        }
    }
    env.sort();
    let timeout = match fields.table.get::<Option<i64>>("timeout")? {
        None => None,
        Some(seconds) => Some(u32::try_from(seconds).ok().filter(|&s| s > 0).ok_or_else(|| {
            fields.fail(format!("`timeout` must be a positive number of seconds, not {seconds}"))
        })?),
    };
    Ok(Kind::Exec(Exec {
        argv,
        env,
        cwd: fields.string("cwd")?,
        timeout,
        when_changed: Vec::new(),
    }))
}

fn dconf(fields: &Fields) -> mlua::Result<Kind> {
    use am_schema::dconf::{folder_problem, key_problem, value_problem};
    let mut keys = Vec::new();
    for pair in fields.table.pairs::<Value, Value>() {
        let (dir, settings) = pair?;
        let dir = fields.string_value("folder", dir)?;
        // Slashes around the folder are forgiven, as `dconf` forgives them.
        let trimmed = dir.trim_matches('/');
        if let Some(problem) = folder_problem(trimmed) {
            return Err(fields.fail(format!(
                "{dir:?} is not a dconf folder like \"org/gnome/desktop/interface\": it {problem}"
            )));
        }
        let Value::Table(settings) = settings else {
            return Err(fields.fail(format!("[{dir:?}] must be a table of key = GVariant text")));
        };
        for pair in settings.pairs::<Value, Value>() {
            let (key, value) = pair?;
            let key = fields.string_value(&format!("[{dir:?}] key"), key)?;
            if let Some(problem) = key_problem(&key) {
                return Err(fields
                    .fail(format!("{key:?} in [{dir:?}] is not a dconf key name: it {problem}")));
            }
            let field = format!("[{dir:?}].{key}");
            let value = fields.string_value(&field, value)?;
            if let Some(problem) = value_problem(&value) {
                return Err(fields.fail(format!("`{field}`: {value:?} {problem}")));
            }
            keys.push(DconfKey { dir: trimmed.to_string(), key, value });
        }
    }
    keys.sort_by(|a, b| (&a.dir, &a.key).cmp(&(&b.dir, &b.key)));
    if keys.windows(2).any(|pair| pair[0].dir == pair[1].dir && pair[0].key == pair[1].key) {
        return Err(fields.fail("a key is given twice (folders differ only in slashes)".into()));
    }
    Ok(Kind::Dconf(Dconf { keys }))
}

/// The argument table of an `am.<kind>` call, with checked accessors.
struct Fields<'a> {
    table: Table,
    function: &'a str,
    /// What the chunk's memory budget had left when the call began: a
    /// string longer than that is refused before it is copied.
    left: usize,
    /// The chunk's memory limit, for that message.
    limit: usize,
}

impl Fields<'_> {
    fn fail(&self, text: String) -> mlua::Error {
        fail(self.function, text)
    }

    fn check<T>(&self, field: &str, result: Result<T, String>) -> mlua::Result<T> {
        result.map_err(|text| self.fail(format!("`{field}`: {text}")))
    }

    /// Refuses fields the function does not know (a typo would be lost).
    fn only(&self, known: &[&str]) -> mlua::Result<()> {
        for pair in self.table.pairs::<Value, Value>() {
            let (key, _) = pair?;
            let name = match &key {
                Value::String(name) => name.to_string_lossy(),
                other => format!("[{}]", other.type_name()),
            };
            if !known.contains(&name.as_str()) {
                return Err(
                    self.fail(format!("unknown field `{name}` (it takes {})", known.join(", ")))
                );
            }
        }
        Ok(())
    }

    fn string_value(&self, field: &str, value: Value) -> mlua::Result<String> {
        match value {
            Value::String(text) if text.as_bytes().len() > self.left => {
                let (what, bytes) = (format!("`{field}`"), text.as_bytes().len());
                Err(out_of_memory(self.function, &what, bytes, self.left, self.limit))
            }
            Value::String(text) => text
                .to_str()
                .map(|text| text.to_string())
                .map_err(|_| self.fail(format!("`{field}` is not valid UTF-8"))),
            other => {
                Err(self.fail(format!("`{field}` must be a string, not {}", other.type_name())))
            }
        }
    }

    fn string(&self, field: &str) -> mlua::Result<Option<String>> {
        match self.table.get::<Value>(field)? {
            Value::Nil => Ok(None),
            value => self.string_value(field, value).map(Some),
        }
    }

    fn required_string(&self, field: &str) -> mlua::Result<String> {
        self.string(field)?.ok_or_else(|| self.fail(format!("`{field}` is missing")))
    }

    fn target(&self) -> mlua::Result<String> {
        self.check("target", relative(&self.required_string("target")?))
    }

    fn bool(&self, field: &str) -> mlua::Result<bool> {
        match self.table.get::<Value>(field)? {
            Value::Nil => Ok(false),
            Value::Boolean(value) => Ok(value),
            other => {
                Err(self
                    .fail(format!("`{field}` must be true or false, not {}", other.type_name())))
            }
        }
    }

    fn table_field(&self, field: &str) -> mlua::Result<Option<Table>> {
        match self.table.get::<Value>(field)? {
            Value::Nil => Ok(None),
            Value::Table(table) => Ok(Some(table)),
            other => {
                Err(self.fail(format!("`{field}` must be a table, not {}", other.type_name())))
            }
        }
    }

    /// `permissions`: an octal string (`"0644"`), as the Nix option
    /// `home.file.<name>.permissions` takes. A number is refused: Lua has
    /// no octal literals, so `600` would silently be `0o1130`.
    fn permissions(&self) -> mlua::Result<Option<u32>> {
        let text = match self.table.get::<Value>("permissions")? {
            Value::Nil => return Ok(None),
            Value::String(text) => text.to_string_lossy(),
            Value::Integer(number) => {
                return Err(self.fail(format!(
                    "`permissions` must be an octal string such as \"0644\", not the number \
                     {number} (Lua has no octal numbers: write \"{}\" for {number})",
                    octal(number)
                )));
            }
            other => {
                return Err(self.fail(format!(
                    "`permissions` must be an octal string such as \"0644\", not {}",
                    other.type_name()
                )));
            }
        };
        match u32::from_str_radix(&text, 8) {
            Ok(mode) if mode <= 0o777 && !text.is_empty() => Ok(Some(mode)),
            _ => Err(self.fail(format!(
                "`permissions` must be permission bits between \"0000\" and \"0777\", not {text:?}"
            ))),
        }
    }

    /// `mode`, which the Nix options use for "link" or "copy", once meant
    /// the permission bits of `am.copy`: refused with the field it is now.
    fn refuse_mode(&self) -> mlua::Result<()> {
        let written = match self.table.get::<Value>("mode")? {
            Value::Nil => return Ok(()),
            Value::Integer(number) => format!("\"{}\"", octal(number)),
            Value::String(text) => format!("{:?}", text.to_string_lossy()),
            _ => "\"0644\"".to_string(),
        };
        Err(self.fail(format!(
            "`mode` is not a field: the permission bits are `permissions`, as in the Nix \
             options (write permissions = {written})"
        )))
    }
}

/// A number as the four octal digits of a mode (`384` is `0600`).
fn octal(number: i64) -> String {
    format!("{number:04o}")
}

fn fail(function: &str, text: String) -> mlua::Error {
    mlua::Error::runtime(format!("{function}: {text}"))
}

/// `am.fs`: reading only, paths relative to the home.
fn fs_table(lua: &Lua, run: &Rc<RefCell<Run>>, home: &Path) -> mlua::Result<Table> {
    let fs = lua.create_table()?;
    let resolve = {
        let home = home.to_path_buf();
        move |path: String| home.join(path)
    };
    let at = resolve.clone();
    fs.set("exists", lua.create_function(move |_, path: String| Ok(at(path).exists()))?)?;
    let at = resolve.clone();
    let run = Rc::clone(run);
    fs.set(
        "read",
        lua.create_function(move |lua, path: String| {
            // Read no more than the budget has left (a file may be endless,
            // like /dev/zero), plus one byte to tell that it is larger.
            let left = run.borrow().budget.left(lua);
            let mut bytes = Vec::new();
            let read = std::fs::File::open(at(path.clone()))
                .and_then(|file| file.take(left as u64 + 1).read_to_end(&mut bytes));
            match read {
                Ok(_) => {
                    run.borrow().budget.fits(lua, bytes.len(), "am.fs.read")?;
                    Ok(Some(lua.create_string(bytes)?))
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(mlua::Error::runtime(format!("am.fs.read: {path}: {error}"))),
            }
        })?,
    )?;
    fs.set(
        "list",
        lua.create_function(move |_, path: String| {
            let mut names = Vec::new();
            match std::fs::read_dir(resolve(path.clone())) {
                Ok(entries) => {
                    for entry in entries {
                        let entry = entry.map_err(|e| {
                            mlua::Error::runtime(format!("am.fs.list: {path}: {e}"))
                        })?;
                        names.push(entry.file_name().to_string_lossy().into_owned());
                    }
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => {
                    return Err(mlua::Error::runtime(format!("am.fs.list: {path}: {error}")));
                }
            }
            names.sort();
            Ok(names)
        })?,
    )?;
    Ok(fs)
}

/// The machine's host name, as `uname` gives it.
fn host_name() -> String {
    rustix::system::uname().nodename().to_string_lossy().into_owned()
}

/// Every member of the `am` table, sorted, as `am.fs.read function`: what
/// `am __docs lua-api` prints for the type-hint sync test.
pub fn members() -> mlua::Result<Vec<String>> {
    let lua = super::sandbox::new_state()?;
    let parent = Node {
        id: String::new(),
        declared_by: String::new(),
        required: false,
        after: Vec::new(),
        kind: Kind::Dconf(Dconf { keys: Vec::new() }),
    };
    let budget = Budget::new(&lua, super::MEMORY_LIMIT)?;
    let run = Run::new(&parent, budget, Box::new(|_| Ok(())));
    let context = Context {
        home: Path::new("/"),
        bundle: None,
        dry_run: false,
        time_limit: super::TIME_LIMIT,
    };
    let mut lines = Vec::new();
    walk(&am_table(&lua, &run, &context)?, "am", &mut lines)?;
    lines.sort();
    Ok(lines)
}

fn walk(table: &Table, prefix: &str, lines: &mut Vec<String>) -> mlua::Result<()> {
    for pair in table.pairs::<String, Value>() {
        let (name, value) = pair?;
        let path = format!("{prefix}.{name}");
        lines.push(format!("{path} {}", value.type_name()));
        if let Value::Table(inner) = value {
            walk(&inner, &path, lines)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
