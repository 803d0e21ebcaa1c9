//! Many instances of one mistake as one message. A mistake in one line of
//! a configuration (`xdg.configHome` leaving the home) can make every node
//! below it wrong; fifteen messages with one hint would bury the line to
//! fix. Problems that share a mistake are told as one message: what they
//! have in common, a table of the nodes, the hint once; and when the nodes
//! all come from one file option whose folder option is the common cause,
//! that option is named.

use super::message::{Message, id_or_position, list};
use crate::error::{CompileError, FieldError, FileError, NodeRef, TargetProblem};
use crate::nix::nix_string;

/// Fewer instances than this are told one by one.
pub(super) const AT_LEAST: usize = 3;

/// What instances of one mistake share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mistake {
    Target(TargetProblem),
    /// Sources that do not exist; `in_store`: store paths.
    MissingSource {
        in_store: bool,
    },
}

/// One problem as an instance of its mistake: the node, and the value that
/// is wrong (a target, a source path).
#[derive(Debug, Clone, Copy)]
pub(super) struct Instance<'a> {
    pub mistake: Mistake,
    /// The file family the node comes from, when it has a folder option:
    /// instances are told together only within one family.
    pub family: Option<(&'static str, &'static str)>,
    pub node: &'a NodeRef,
    pub value: &'a str,
}

impl Instance<'_> {
    /// Whether two instances are of one mistake.
    pub(super) fn same_mistake(&self, other: &Instance) -> bool {
        self.mistake == other.mistake && self.family == other.family
    }
}

/// The problem as an instance of a mistake that may have many, if it is
/// one of the kinds told together.
pub(super) fn instance(error: &CompileError) -> Option<Instance<'_>> {
    let (mistake, node, value) = match error {
        CompileError::Field(FieldError::BadTarget { node, target, problem }) => {
            (Mistake::Target(*problem), node, target)
        }
        CompileError::File(FileError::MissingSource { node, path, in_store }) => {
            (Mistake::MissingSource { in_store: *in_store }, node, path)
        }
        _ => return None,
    };
    let declared = node.declared_by.as_deref().unwrap_or_default();
    let family = FOLDER_OPTIONS.into_iter().find(|(family, _)| declared.starts_with(family));
    Some(Instance { mistake, family, node, value })
}

/// The file options of the Nix library whose targets begin with the value
/// of a folder option (`nix/modules/files.nix`).
const FOLDER_OPTIONS: [(&str, &str); 4] = [
    ("xdg.configFile.", "xdg.configHome"),
    ("xdg.dataFile.", "xdg.dataHome"),
    ("xdg.stateFile.", "xdg.stateHome"),
    ("xdg.cacheFile.", "xdg.cacheHome"),
];

/// Renders the instances of one mistake (at least [`AT_LEAST`]) into `m`.
pub(super) fn render(m: &mut Message, instances: &[Instance]) {
    let Some(first) = instances.first() else { return };
    let n = instances.len();
    match first.mistake {
        Mistake::Target(problem) => targets(m, instances, problem),
        Mistake::MissingSource { in_store } => {
            let folder = common_folder(instances.iter().map(|i| i.value));
            let headline = match &folder {
                Some(folder) => {
                    format!("{n} link nodes have sources in {folder}, which do not exist")
                }
                None => format!("{n} link nodes have sources that do not exist"),
            };
            m.error(headline);
            table(m, instances, "source");
            m.hint(if in_store {
                "refer to each source as a Nix path or a package, not a string: only then does \
                 Nix build it before this bundle"
            } else {
                "`executable` copies a source into the bundle, so the build must read it: use \
                 Nix paths (source = ./file;), or leave `executable` unset to link to them"
            });
        }
    }
}

/// Targets with one problem; when they all come from one family below a
/// folder that has the problem itself, the folder option is the mistake.
fn targets(m: &mut Message, instances: &[Instance], problem: TargetProblem) {
    let n = instances.len();
    let (folder, family) =
        (common_folder(instances.iter().map(|i| i.value)), first_family(instances));
    let cause = match (&folder, family) {
        (Some(folder), Some((family, option))) if has_problem(folder, problem) => {
            Some((folder, family, option))
        }
        _ => None,
    };
    let Some((folder, family, option)) = cause else {
        m.error(format!("{n} link nodes have targets that {}", plural_problem(problem)));
        table(m, instances, "target");
        m.hint(super::fields::target_hint(problem));
        return;
    };
    m.error(format!(
        "{option} = {} {}: the {n} targets of {} below it {}",
        nix_string(folder),
        folder_problem(problem),
        family.trim_end_matches('.'),
        plural_problem(problem)
    ));
    let declared: Vec<String> =
        instances.iter().filter_map(|i| i.node.declared_by.clone()).collect();
    let mut files: Vec<String> =
        instances.iter().flat_map(|i| i.node.defined_in.iter().cloned()).collect();
    files.sort();
    files.dedup();
    m.line(format!("declared by {}", list(&declared)));
    if !files.is_empty() {
        m.line(format!("in {}", list(&files)));
    }
    m.hint(format!(
        "set {option} to a folder inside the home, relative to it: e.g. {option} = {}; (its \
         default)",
        nix_string(default_folder(option))
    ));
}

/// The folder option's default, for the hint.
fn default_folder(option: &str) -> &'static str {
    match option {
        "xdg.dataHome" => ".local/share",
        "xdg.stateHome" => ".local/state",
        "xdg.cacheHome" => ".cache",
        _ => ".config",
    }
}

/// One row per node: its id, the value, and where it was declared.
fn table(m: &mut Message, instances: &[Instance], value: &str) {
    let mut rows = vec![vec!["node".to_string(), value.to_string(), "declared by".to_string()]];
    rows.extend(instances.iter().map(|instance| {
        let declared = instance.node.declared_by.clone().unwrap_or_default();
        vec![id_or_position(instance.node), nix_string(instance.value), declared]
    }));
    // The heading row does not count against the table's limit.
    m.table_of_at_most(rows, 6);
}

/// The file family the instances come from (one, as they are of one
/// mistake).
fn first_family(instances: &[Instance]) -> Option<(&'static str, &'static str)> {
    instances.first().and_then(|instance| instance.family)
}

/// The longest folder (whole `/`-separated components) that every value
/// lies below, if it is not empty.
fn common_folder<'a>(mut values: impl Iterator<Item = &'a str>) -> Option<String> {
    let first = values.next()?;
    let folder = |value: &'a str| value.rsplit_once('/').map_or("", |(folder, _)| folder);
    let mut common: Vec<&str> = folder(first).split('/').collect();
    for value in values {
        let parts: Vec<&str> = folder(value).split('/').collect();
        let same = common.iter().zip(&parts).take_while(|(a, b)| a == b).count();
        common.truncate(same);
    }
    let joined = common.join("/");
    (!joined.is_empty()).then_some(joined)
}

/// Whether the folder itself has the problem (so the files below inherit it).
fn has_problem(folder: &str, problem: TargetProblem) -> bool {
    match problem {
        TargetProblem::Absolute => folder.starts_with('/'),
        TargetProblem::ParentComponent => folder.split('/').any(|part| part == ".."),
        // `xdg.configHome = "~/.config"`: every file below it has the `~`.
        TargetProblem::Tilde => folder.split('/').any(|part| part == "~"),
        TargetProblem::Home | TargetProblem::NulByte | TargetProblem::StateFolder => false,
    }
}

/// Completes "xdg.configHome = "..." ...".
fn folder_problem(problem: TargetProblem) -> &'static str {
    match problem {
        TargetProblem::Absolute => "is an absolute path",
        TargetProblem::ParentComponent => "leaves the home",
        TargetProblem::Tilde => "names the home as a shell does (`~`), which a target cannot",
        TargetProblem::Home | TargetProblem::NulByte | TargetProblem::StateFolder => {
            "is not a folder in the home"
        }
    }
}

/// Completes "15 link nodes have targets that ...".
fn plural_problem(problem: TargetProblem) -> &'static str {
    match problem {
        TargetProblem::Absolute => "are absolute paths",
        TargetProblem::ParentComponent => "have a `..` component",
        TargetProblem::Home => "are the home itself",
        TargetProblem::NulByte => "contain a NUL byte",
        TargetProblem::StateFolder => "are in activation-manager's state folder",
        TargetProblem::Tilde => "have a `~` component",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_folder_is_made_of_whole_components() {
        let values = ["../s/.config/a/x", "../s/.config/b", "../s/.configs/c"];
        assert_eq!(common_folder(values.into_iter()), Some("../s".into()));
        assert_eq!(common_folder(["a", "b/c"].into_iter()), None);
    }
}
