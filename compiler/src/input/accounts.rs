//! The `accounts` node: the users and groups a system needs. Each entry is
//! checked here (its shape, a valid name, a known primary group is checked
//! with the whole node); `src/system.rs` checks what needs every node.

use am_schema::{GroupAccount, UserAccount};
use serde_json::{Map, Value};

use super::copy::is_account_name;
use super::reader::Reader;
use crate::error::{CompileError, NodeRef, SystemError};
use crate::fields::{GROUP_FIELDS, USER_FIELDS};
use crate::nix::describe_value;

#[derive(Debug, Default)]
pub struct AccountsInput {
    pub groups: Vec<GroupAccount>,
    pub users: Vec<UserAccount>,
}

pub(super) fn read(reader: &mut Reader) -> AccountsInput {
    let node = reader.origin.clone();
    let groups = entries(reader.get("groups"), &node, "groups", reader.errors, read_group);
    let users = entries(reader.get("users"), &node, "users", reader.errors, read_user);
    AccountsInput { groups, users }
}

/// Every entry of `list` that reads, in name order.
fn entries<T>(
    value: Option<&Value>,
    node: &NodeRef,
    list: &'static str,
    errors: &mut Vec<CompileError>,
    read: impl Fn(&mut Entry) -> Option<T>,
) -> Vec<T> {
    let items = match value {
        None => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            let problem = format!("is {}, not a list", describe_value(other));
            errors.push(
                SystemError::MalformedAccount { node: node.clone(), list, position: 0, problem }
                    .into(),
            );
            return Vec::new();
        }
    };
    let mut read_items = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let position = index + 1;
        let Value::Object(object) = item else {
            let problem = format!("is {}, not an attribute set", describe_value(item));
            errors.push(
                SystemError::MalformedAccount { node: node.clone(), list, position, problem }
                    .into(),
            );
            continue;
        };
        let mut entry = Entry { object, problems: Vec::new() };
        let fields = if list == "users" { USER_FIELDS } else { GROUP_FIELDS };
        for key in object.keys().filter(|key| !fields.contains(&key.as_str())) {
            entry.problems.push(format!("has an unknown field `{key}`"));
        }
        let value = read(&mut entry);
        let problems = std::mem::take(&mut entry.problems);
        if problems.is_empty() {
            read_items.extend(value);
        }
        errors.extend(problems.into_iter().map(|problem| {
            CompileError::from(SystemError::MalformedAccount {
                node: node.clone(),
                list,
                position,
                problem,
            })
        }));
    }
    read_items
}

/// One entry of `users` or `groups`, with the problems found in it.
struct Entry<'a> {
    object: &'a Map<String, Value>,
    problems: Vec<String>,
}

impl Entry<'_> {
    fn string(&mut self, field: &str) -> Option<String> {
        match self.object.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(other) => {
                self.problems
                    .push(format!("has `{field}` {}, not a string", describe_value(other)));
                None
            }
        }
    }

    fn name(&mut self, field: &str) -> Option<String> {
        let name = self.string(field);
        match &name {
            None => self.problems.push(format!("has no `{field}`")),
            Some(name) if !is_account_name(name) => self.problems.push(format!(
                "has `{field}` {name:?}, which is not a user or group name (a lower-case letter \
                 or `_` first, then letters, digits, `_` or `-`, at most 32)"
            )),
            Some(_) => {}
        }
        name
    }

    fn id(&mut self, field: &str) -> Option<u32> {
        match self.object.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n < u64::from(u32::MAX)) => {
                n.as_u64().and_then(|n| u32::try_from(n).ok())
            }
            Some(other) => {
                self.problems.push(format!("has `{field}` {}, not an id", describe_value(other)));
                None
            }
        }
    }

    fn bool(&mut self, field: &str) -> bool {
        match self.object.get(field) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(value)) => *value,
            Some(other) => {
                self.problems
                    .push(format!("has `{field}` {}, not true or false", describe_value(other)));
                false
            }
        }
    }

    /// A list of user or group names (`what`), sorted, without repeats.
    fn names(&mut self, field: &str, what: &str) -> Vec<String> {
        let items = match self.object.get(field) {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.problems.push(format!("has `{field}` {}, not a list", describe_value(other)));
                return Vec::new();
            }
        };
        let mut names: Vec<String> = items
            .iter()
            .filter_map(|item| match item {
                Value::String(name) if is_account_name(name) => Some(name.clone()),
                other => {
                    self.problems.push(format!(
                        "has in `{field}` {}, not a {what} name",
                        describe_value(other)
                    ));
                    None
                }
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

fn read_group(entry: &mut Entry) -> Option<GroupAccount> {
    let name = entry.name("name");
    let gid = entry.id("gid");
    let members = entry.names("members", "user");
    Some(GroupAccount { name: name?, gid, members })
}

fn read_user(entry: &mut Entry) -> Option<UserAccount> {
    let name = entry.name("name");
    let group = entry.name("group");
    let uid = entry.id("uid");
    let extra_groups = entry.names("extraGroups", "group");
    let home = entry.string("home").unwrap_or_else(|| "/var/empty".to_string());
    if !home.starts_with('/') {
        entry.problems.push(format!("has `home` {home:?}, not an absolute path"));
    }
    let create_home = entry.bool("createHome");
    let shell = entry.string("shell");
    let description = entry.string("description").unwrap_or_default();
    if description.contains([':', '\n']) {
        entry
            .problems
            .push("has a `description` with `:` or a newline, which passwd cannot hold".into());
    }
    let system = entry.bool("isSystemUser");
    Some(UserAccount {
        name: name?,
        uid,
        group: group?,
        extra_groups,
        home,
        create_home,
        shell,
        description,
        system,
    })
}
