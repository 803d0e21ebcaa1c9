//! Turning problems into the text a user reads in a failed Nix build.
//!
//! Every message has the same shape (`message.rs`): an `error:` line naming
//! the node, the option that declared it (and its files), and a `hint:`
//! saying what to do. Nix 2.8 shows only the last 10 lines of a failed
//! build, so messages stay compact and the report ends with a one-line
//! summary. No colour: this runs inside Nix, which does not pass a terminal
//! through.
//!
//! Each family of [`CompileError`] has its renderer here, matching every
//! variant of its family without a fallback, so the Rust compiler refuses a
//! new variant until it has a message.

mod dconf;
mod fields;
mod files;
mod graph;
mod grouped;
mod input;
mod lua;
mod message;
mod packages;
mod system;
mod units;

use std::fmt::Write;

use self::message::Message;
use crate::error::CompileError;

/// The whole report of a bundle build: every problem (many instances of
/// one mistake told as one), then a summary line.
pub fn report(errors: &[CompileError]) -> String {
    report_of(errors, "the bundle")
}

/// The report of `am-compile packages`, which builds a package tree.
pub fn packages_report(errors: &[CompileError]) -> String {
    report_of(errors, "the package tree")
}

/// Problems in the order users know: by kind of problem, then by node id
/// (or what else they are about), then by their text.
pub fn sorted(mut errors: Vec<CompileError>) -> Vec<CompileError> {
    errors.sort_by_cached_key(|e| (e.sort_key(), render(e)));
    errors
}

fn report_of(errors: &[CompileError], what: &str) -> String {
    let mut out = String::new();
    let instances: Vec<Option<grouped::Instance>> = errors.iter().map(grouped::instance).collect();
    let mut told = vec![false; errors.len()];
    let (mut in_groups, mut groups) = (0, 0);
    for (at, error) in errors.iter().enumerate() {
        if told[at] {
            continue;
        }
        let same: Vec<usize> = match &instances[at] {
            Some(instance) => (at..errors.len())
                .filter(|&other| {
                    !told[other]
                        && instances[other].as_ref().is_some_and(|o| o.same_mistake(instance))
                })
                .collect(),
            None => Vec::new(),
        };
        if same.len() >= grouped::AT_LEAST {
            let group: Vec<grouped::Instance> =
                same.iter().filter_map(|&other| instances[other]).collect();
            same.iter().for_each(|&other| told[other] = true);
            let mut m = Message::default();
            grouped::render(&mut m, &group);
            out.push_str(&m.into_text());
            (in_groups, groups) = (in_groups + same.len(), groups + 1);
        } else {
            told[at] = true;
            out.push_str(&render(error));
        }
    }
    let count = errors.len();
    let problems = if count == 1 { "problem" } else { "problems" };
    let place = if errors.iter().all(CompileError::is_configuration_problem) {
        " in the configuration"
    } else if errors.iter().all(CompileError::is_input_problem) {
        " in the compiler input"
    } else {
        ""
    };
    let told_together = match groups {
        0 => String::new(),
        1 if in_groups == count => " (one mistake)".to_string(),
        1 => format!(" ({in_groups} of them one mistake)"),
        n => format!(" ({in_groups} of them from {n} mistakes)"),
    };
    let _ = writeln!(
        out,
        "am-compile: {count} {problems}{place}{told_together}; {what} was not built."
    );
    out
}

/// One problem, as a few lines ending in a newline.
pub fn render(error: &CompileError) -> String {
    let mut m = Message::default();
    match error {
        CompileError::Input(error) => input::input(&mut m, error),
        CompileError::Setting(error) => input::setting(&mut m, error),
        CompileError::Field(error) => fields::render(&mut m, error),
        CompileError::File(error) => files::render(&mut m, error),
        CompileError::Dconf(error) => dconf::render(&mut m, error),
        CompileError::Lua(error) => lua::render(&mut m, error),
        CompileError::Unit(error) => units::render(&mut m, error),
        CompileError::Graph(error) => graph::render(&mut m, error),
        CompileError::Packages(error) => packages::render(&mut m, error),
        CompileError::System(error) => system::render(&mut m, error),
        CompileError::Build(error) => input::build(&mut m, error),
    }
    m.into_text()
}
