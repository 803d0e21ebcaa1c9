//! `am inspect` for people: a short header, then every layer with one aligned
//! line per node, in the order the plan runs them.
//!
//! ```text
//! bundle /nix/store/...-home-bundle
//! 4 nodes in 2 layers (3 link, 1 exec)
//!
//! layer 0
//!   file:.profile   link  ~/.profile   declared by home.file.".profile"
//! layer 1
//!   run-hello       exec  /bin/sh -c 'echo hi'  after: file:.profile  declared by am.nodes.run-hello
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use am_schema::{Kind, Node, Plan};

use super::{Header, node_layers};
use crate::quote::{printable, shell_line, shell_word};
use crate::style::Style;

/// The action column is padded to line up what follows it, but a very long
/// command line would push every other line far to the right, so padding
/// stops at this width.
const MAX_ACTION_PAD: usize = 48;

pub fn render(plan: &Plan, header: &Header, style: Style) -> String {
    let mut out = String::new();
    let label = if header.source_key == "bundle" { "bundle" } else { "plan" };
    let _ = writeln!(out, "{} {}", style.bold(label), printable(&header.source_path));
    let _ = writeln!(out, "{}", counts(plan));
    if let Some(home) = &plan.home_directory {
        let _ = writeln!(out, "for the home {} only (home.homeDirectory)", printable(home));
    }

    let rows: Vec<Row> = plan.nodes.iter().map(|node| Row::of(node, plan)).collect();
    let id_width = rows.iter().map(|row| width(&row.id)).max().unwrap_or(0);
    let kind_width = rows.iter().map(|row| width(row.kind)).max().unwrap_or(0);
    let action_width = rows
        .iter()
        .map(|row| width(&row.action))
        .filter(|&w| w <= MAX_ACTION_PAD)
        .max()
        .unwrap_or(0);
    let line = |out: &mut String, row: &Row| {
        let mut text = format!(
            "  {}  {}  {}",
            pad(&style.bold(&row.id), &row.id, id_width),
            pad(row.kind, row.kind, kind_width),
            row.action
        );
        if !row.extras.is_empty() {
            text.push_str(&" ".repeat(action_width.saturating_sub(width(&row.action))));
            for extra in &row.extras {
                text.push_str("  ");
                text.push_str(&extra.styled(style));
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
        for detail in &row.details {
            let _ = writeln!(out, "      {detail}");
        }
    };

    for (number, members) in plan.layers.iter().enumerate() {
        let _ = writeln!(out, "\n{}", style.bold(&format!("layer {number}")));
        if members.is_empty() {
            let _ = writeln!(out, "  (empty)");
        }
        for row in members.iter().filter_map(|&index| rows.get(index as usize)) {
            line(&mut out, row);
        }
    }
    let unlayered: Vec<&Row> = node_layers(plan)
        .iter()
        .zip(&rows)
        .filter_map(|(layer, row)| layer.is_none().then_some(row))
        .collect();
    if !unlayered.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("in no layer (never run)"));
        for row in unlayered {
            line(&mut out, row);
        }
    }
    out
}

/// `4 nodes in 2 layers (3 link, 1 exec)`, kinds sorted by name.
fn counts(plan: &Plan) -> String {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for node in &plan.nodes {
        *kinds.entry(node.kind.name()).or_default() += 1;
    }
    let mut text = format!(
        "{} in {}",
        plural(plan.nodes.len(), "node", "nodes"),
        plural(plan.layers.len(), "layer", "layers")
    );
    if !kinds.is_empty() {
        let kinds: Vec<String> = kinds.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
        let _ = write!(text, " ({})", kinds.join(", "));
    }
    text
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// One node's line, as plain text; styles are applied when it is written,
/// after the widths are measured.
#[derive(Debug)]
struct Row {
    id: String,
    kind: &'static str,
    /// What the node does: `~/<target>` for a link, the command for an exec.
    action: String,
    extras: Vec<Extra>,
    /// Lines shown below the row: a dconf node's keys, a Lua chunk.
    details: Vec<String>,
}

#[derive(Debug)]
enum Extra {
    Cwd(String),
    Mode(u32),
    /// `owner:group` of a system's copy.
    Owner(String),
    Timeout(u32),
    WhenChanged(String),
    Optional,
    /// What the node does is decided by Lua at activation time.
    Dynamic,
    After(String),
    DeclaredBy(String),
}

impl Extra {
    fn styled(&self, style: Style) -> String {
        match self {
            Extra::Cwd(cwd) => format!("cwd: {cwd}"),
            Extra::Mode(mode) => format!("mode {mode:04o}"),
            Extra::Owner(owner) => format!("owner {owner}"),
            Extra::Timeout(seconds) => format!("timeout: {seconds}s"),
            Extra::WhenChanged(targets) => format!("when changed: {targets}"),
            Extra::Optional => style.yellow("optional"),
            Extra::Dynamic => style.yellow("dynamic"),
            Extra::After(ids) => format!("after: {ids}"),
            Extra::DeclaredBy(option) => style.dim(&format!("declared by {option}")),
        }
    }
}

impl Row {
    fn of(node: &Node, plan: &Plan) -> Row {
        let mut extras = Vec::new();
        let mut details = Vec::new();
        let place = match plan.role {
            am_schema::Role::Home => "~/",
            am_schema::Role::System => "/etc/",
        };
        let action = match &node.kind {
            Kind::Link(link) => format!("{place}{}", printable(&link.target)),
            Kind::Copy(copy) => {
                extras.extend(copy.mode.map(Extra::Mode));
                if copy.owner.is_some() || copy.group.is_some() {
                    let owner = copy.owner.as_deref().unwrap_or("");
                    let group = copy.group.as_deref().map(|g| format!(":{g}")).unwrap_or_default();
                    extras.push(Extra::Owner(printable(&format!("{owner}{group}")).into_owned()));
                }
                format!("{place}{}", printable(&copy.target))
            }
            Kind::Tmpfiles(tmpfiles) => {
                format!("tmpfiles rules {place}{}", printable(&tmpfiles.target))
            }
            Kind::Accounts(accounts) => {
                details = accounts
                    .groups
                    .iter()
                    .map(|group| format!("group {}", printable(&group.name)))
                    .chain(accounts.users.iter().map(|user| {
                        format!("user {} (group {})", printable(&user.name), printable(&user.group))
                    }))
                    .collect();
                format!(
                    "{}, {}",
                    plural(accounts.users.len(), "user", "users"),
                    plural(accounts.groups.len(), "group", "groups")
                )
            }
            Kind::Dconf(dconf) => {
                details = dconf
                    .keys
                    .iter()
                    .map(|key| format!("{} = {}", printable(&key.path()), printable(&key.value)))
                    .collect();
                plural(dconf.keys.len(), "key", "keys")
            }
            Kind::SystemdUnits(units) => {
                details = units.units.iter().map(unit_detail).collect();
                plural(units.units.len(), "unit", "units")
            }
            Kind::Profile(profile) => {
                details = std::iter::once(format!("as {}", printable(&profile.path)))
                    .chain(profile.packages.iter().map(|package| {
                        printable(&crate::activate::profile::name_and_version(package)).into_owned()
                    }))
                    .collect();
                let into = if profile.profile.starts_with('/') {
                    printable(&profile.profile).into_owned()
                } else {
                    format!("~/{}", printable(&profile.profile))
                };
                format!("{} into {into}", plural(profile.packages.len(), "package", "packages"))
            }
            Kind::Lua(lua) => {
                // The chunk is the node: show it whole, it is what runs.
                details = lua.chunk.lines().map(|line| printable(line).into_owned()).collect();
                extras.extend(lua.timeout.map(Extra::Timeout));
                extras.push(Extra::Dynamic);
                format!("Lua chunk {}", printable(&lua.name))
            }
            Kind::Exec(exec) => {
                if let Some(cwd) = &exec.cwd {
                    extras.push(Extra::Cwd(shell_word(cwd).into_owned()));
                }
                extras.extend(exec.timeout.map(Extra::Timeout));
                if !exec.when_changed.is_empty() {
                    let targets: Vec<String> =
                        exec.when_changed.iter().map(|t| format!("~/{}", printable(t))).collect();
                    extras.push(Extra::WhenChanged(targets.join(", ")));
                }
                // The environment is shown the way a shell would set it for
                // one command: `NAME=value program args`.
                let env = exec
                    .env
                    .iter()
                    .map(|(name, value)| format!("{}={}", printable(name), shell_word(value)));
                let argv = shell_line(exec.argv.iter().map(String::as_str));
                env.chain(std::iter::once(argv)).collect::<Vec<_>>().join(" ")
            }
        };
        if !node.required {
            extras.push(Extra::Optional);
        }
        if !node.after.is_empty() {
            let ids: Vec<String> = node
                .after
                .iter()
                .filter_map(|&dep| plan.nodes.get(dep as usize))
                .map(|dep| printable(&dep.id).into_owned())
                .collect();
            extras.push(Extra::After(ids.join(", ")));
        }
        extras.push(Extra::DeclaredBy(printable(&node.declared_by).into_owned()));
        let id = printable(&node.id).into_owned();
        Row { id, kind: node.kind.name(), action, extras, details }
    }
}

/// `web.service  switch: restart  wanted by: default.target`.
fn unit_detail(unit: &am_schema::Unit) -> String {
    let mut text = format!("{}  switch: {}", printable(&unit.name), unit.switch_method.name());
    if !unit.wanted_by.is_empty() {
        let wanted_by: Vec<String> =
            unit.wanted_by.iter().map(|target| printable(target).into_owned()).collect();
        let _ = write!(text, "  wanted by: {}", wanted_by.join(", "));
    }
    text
}

/// Columns are measured in characters: close enough for the ASCII ids and
/// paths configurations use, and no Unicode width tables to carry.
fn width(text: &str) -> usize {
    text.chars().count()
}

/// `styled` followed by the spaces that make `plain` (its unstyled text)
/// `to` characters wide.
fn pad(styled: &str, plain: &str, to: usize) -> String {
    format!("{styled}{}", " ".repeat(to.saturating_sub(width(plain))))
}

#[cfg(test)]
mod tests {
    use am_schema::{Exec, Link};

    use super::*;

    fn header() -> Header {
        Header { source_key: "bundle", source_path: "/nix/store/x-home".into() }
    }

    #[test]
    fn empty_plan_has_only_a_header() {
        let plan = Plan {
            role: am_schema::Role::Home,
            backup_extension: None,
            home_directory: None,
            nodes: vec![],
            layers: vec![],
        };
        assert_eq!(
            render(&plan, &header(), Style::PLAIN),
            "bundle /nix/store/x-home\n0 nodes in 0 layers\n"
        );
    }

    #[test]
    fn columns_line_up_and_extras_follow() {
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
                        argv: vec!["/bin/sh".into(), "-c".into(), "echo hi".into()],
                        env: vec![("GREETING".into(), "hi there".into())],
                        cwd: Some("work dir".into()),
                        timeout: None,
                        when_changed: vec![],
                    }),
                },
            ],
            layers: vec![vec![0], vec![1]],
        };
        let expected = [
            "bundle /nix/store/x-home",
            "2 nodes in 2 layers (1 exec, 1 link)",
            "",
            "layer 0",
            "  file:.a  link  ~/.a                                      declared by home.file.\".a\"",
            "",
            "layer 1",
            "  run      exec  GREETING='hi there' /bin/sh -c 'echo hi'  cwd: 'work dir'  optional  \
             after: file:.a  declared by am.nodes.run",
            "",
        ];
        assert_eq!(render(&plan, &header(), Style::PLAIN), expected.join("\n"));
    }
}
