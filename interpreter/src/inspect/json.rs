//! `am inspect --json`: the plan as JSON for tools, written by hand so that
//! `am` does not link a JSON library.
//!
//! The document's shape is versioned by `formatVersion` (this module's
//! [`JSON_FORMAT_VERSION`], independent of the plan file's version): fields
//! may be added without a bump, never removed or changed.

use am_schema::{Kind, Plan};

use super::{Header, node_layers};

/// The version of this JSON document's shape.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// The whole document, on one line, ending with a newline.
pub fn render(plan: &Plan, header: &Header) -> String {
    let id = |index: &u32| plan.nodes.get(*index as usize).map_or("", |node| node.id.as_str());
    let layer_of = node_layers(plan);
    let mut json = Writer::default();
    json.open('{');
    json.key("formatVersion");
    json.number(u64::from(JSON_FORMAT_VERSION));
    json.key(header.source_key);
    json.string(&header.source_path);
    json.key("nodeCount");
    json.number(plan.nodes.len() as u64);
    json.key("layers");
    json.open('[');
    for layer in &plan.layers {
        json.strings(layer.iter().map(id));
    }
    json.close(']');
    json.key("nodes");
    json.open('[');
    for (index, node) in plan.nodes.iter().enumerate() {
        json.open('{');
        json.key("id");
        json.string(&node.id);
        json.key("kind");
        json.string(node.kind.name());
        json.key("layer");
        json.optional(
            layer_of.get(index).copied().flatten().map(|layer| layer as u64),
            Writer::number,
        );
        json.key("declaredBy");
        json.string(&node.declared_by);
        json.key("required");
        json.bool(node.required);
        json.key("after");
        json.strings(node.after.iter().map(id));
        match &node.kind {
            Kind::Link(link) => {
                json.key("target");
                json.string(&link.target);
            }
            Kind::Exec(exec) => {
                json.key("argv");
                json.strings(exec.argv.iter().map(String::as_str));
                json.key("env");
                json.open('{');
                for (name, value) in &exec.env {
                    json.key(name);
                    json.string(value);
                }
                json.close('}');
                json.key("cwd");
                json.optional(exec.cwd.as_deref(), Writer::string);
                json.key("timeout");
                json.optional(exec.timeout.map(u64::from), Writer::number);
                json.key("whenChanged");
                json.strings(exec.when_changed.iter().map(String::as_str));
            }
            Kind::Copy(copy) => {
                json.key("target");
                json.string(&copy.target);
                json.key("mode");
                json.optional(
                    copy.mode.map(|mode| format!("{mode:04o}")).as_deref(),
                    Writer::string,
                );
                json.key("owner");
                json.optional(copy.owner.as_deref(), Writer::string);
                json.key("group");
                json.optional(copy.group.as_deref(), Writer::string);
            }
            Kind::Tmpfiles(tmpfiles) => {
                json.key("target");
                json.string(&tmpfiles.target);
            }
            Kind::Accounts(accounts) => {
                json.key("groups");
                json.strings(accounts.groups.iter().map(|group| group.name.as_str()));
                json.key("users");
                json.strings(accounts.users.iter().map(|user| user.name.as_str()));
            }
            Kind::Lua(lua) => {
                json.key("dynamic");
                json.bool(true);
                json.key("name");
                json.string(&lua.name);
                json.key("chunk");
                json.string(&lua.chunk);
                json.key("timeout");
                json.optional(lua.timeout.map(u64::from), Writer::number);
            }
            Kind::Dconf(dconf) => {
                json.key("keys");
                json.open('{');
                for key in &dconf.keys {
                    json.key(&key.path());
                    json.string(&key.value);
                }
                json.close('}');
            }
            Kind::Profile(profile) => {
                json.key("profile");
                json.string(&profile.profile);
                json.key("path");
                json.string(&profile.path);
                json.key("packages");
                json.open('[');
                for package in &profile.packages {
                    json.open('{');
                    json.key("name");
                    json.string(&package.name);
                    json.key("version");
                    json.string(&package.version);
                    json.key("outputs");
                    json.strings(package.outputs.iter().map(String::as_str));
                    json.close('}');
                }
                json.close(']');
            }
            Kind::SystemdUnits(units) => {
                json.key("units");
                json.open('[');
                for unit in &units.units {
                    json.open('{');
                    json.key("name");
                    json.string(&unit.name);
                    json.key("target");
                    json.string(&unit.target);
                    json.key("switchMethod");
                    json.string(unit.switch_method.name());
                    json.key("wantedBy");
                    json.strings(unit.wanted_by.iter().map(String::as_str));
                    json.close('}');
                }
                json.close(']');
            }
        }
        json.close('}');
    }
    json.close(']');
    json.close('}');
    json.out.push('\n');
    json.out
}

/// A minimal streaming JSON writer: it tracks only whether a comma is due,
/// the callers above keep the nesting right.
#[derive(Debug, Default)]
struct Writer {
    out: String,
    /// Whether the next value in the current container needs a comma first.
    comma_due: bool,
}

impl Writer {
    fn before_value(&mut self) {
        if self.comma_due {
            self.out.push(',');
        }
        self.comma_due = true;
    }

    fn open(&mut self, bracket: char) {
        self.before_value();
        self.out.push(bracket);
        self.comma_due = false;
    }

    fn close(&mut self, bracket: char) {
        self.out.push(bracket);
        self.comma_due = true;
    }

    fn key(&mut self, key: &str) {
        self.before_value();
        escape_into(&mut self.out, key);
        self.out.push(':');
        self.comma_due = false;
    }

    fn string(&mut self, value: &str) {
        self.before_value();
        escape_into(&mut self.out, value);
    }

    fn strings<'a>(&mut self, values: impl IntoIterator<Item = &'a str>) {
        self.open('[');
        for value in values {
            self.string(value);
        }
        self.close(']');
    }

    /// `value` written by `write`, or `null`.
    fn optional<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Self, T)) {
        match value {
            Some(value) => write(self, value),
            None => self.null(),
        }
    }

    fn number(&mut self, value: u64) {
        self.before_value();
        self.out.push_str(&value.to_string());
    }

    fn bool(&mut self, value: bool) {
        self.before_value();
        self.out.push_str(if value { "true" } else { "false" });
    }

    fn null(&mut self) {
        self.before_value();
        self.out.push_str("null");
    }
}

/// Writes `text` as a JSON string literal (RFC 8259): quotes, backslashes and
/// every control character escaped.
pub fn escape_into(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use am_schema::{Exec, Link, Node};

    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, text);
        out
    }

    #[test]
    fn strings_escape_quotes_backslashes_and_control_characters() {
        assert_eq!(escaped(r#"say "hi"\"#), r#""say \"hi\"\\""#);
        assert_eq!(escaped("a\nb\tc\r\u{8}\u{c}"), r#""a\nb\tc\r\b\f""#);
        assert_eq!(escaped("\u{0}\u{1b}\u{1f}"), r#""\u0000\u001b\u001f""#);
        assert_eq!(escaped("ä → \u{7f}"), "\"ä → \u{7f}\"");
    }

    #[test]
    fn a_plan_renders_as_one_line_of_json() {
        let plan = Plan {
            role: am_schema::Role::Home,
            backup_extension: None,
            home_directory: None,
            nodes: vec![
                Node {
                    id: "file:.a".into(),
                    declared_by: "home.file.\".a\"".into(),
                    required: true,
                    after: vec![],
                    kind: Kind::Link(Link { target: ".a".into(), force: false, source: None }),
                },
                Node {
                    id: "run".into(),
                    declared_by: "am.nodes.run".into(),
                    required: false,
                    after: vec![0],
                    kind: Kind::Exec(Exec {
                        argv: vec!["/bin/sh".into(), "-c".into(), "echo \"$X\"".into()],
                        env: vec![("X".into(), "1".into()), ("Y".into(), "2".into())],
                        cwd: None,
                        timeout: None,
                        when_changed: vec![],
                    }),
                },
            ],
            layers: vec![vec![0], vec![1]],
        };
        let header = Header { source_key: "bundle", source_path: "/b".into() };
        assert_eq!(
            render(&plan, &header),
            concat!(
                r#"{"formatVersion":1,"bundle":"/b","nodeCount":2,"layers":[["file:.a"],["run"]],"#,
                r#""nodes":[{"id":"file:.a","kind":"link","layer":0,"declaredBy":"home.file.\".a\"","#,
                r#""required":true,"after":[],"target":".a"},{"id":"run","kind":"exec","layer":1,"#,
                r#""declaredBy":"am.nodes.run","required":false,"after":["file:.a"],"#,
                r#""argv":["/bin/sh","-c","echo \"$X\""],"env":{"X":"1","Y":"2"},"cwd":null,"timeout":null,"#,
                r#""whenChanged":[]}]}"#,
                "\n"
            )
        );
    }
}
