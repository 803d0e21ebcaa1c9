//! Everything generated from the clap definition in `cli/args.rs`: shell
//! completions (`am completions`), man pages and the command line reference
//! page of the docs site (`am __docs`).
//!
//! Generating them from the one definition is what keeps them true: a new
//! flag shows up in all three, and the docs test fails until the committed
//! reference page is regenerated.

use std::fmt::Write as _;
use std::path::Path;

use clap::{Arg, ArgAction};
use clap_complete::Shell;

use crate::cli;
use crate::error::Error;

mod completions;

/// The completion script of `shell` for `am`: clap_complete's, which
/// knows every command and flag, and, for bash, zsh and fish, the
/// generation numbers after `rollback --to` and `generations --delete`.
pub fn completions(shell: Shell) -> String {
    // clap_complete offers hidden subcommands too (`bundle-entry`, which
    // only the kernel calls, and `__docs`), so complete a copy without them.
    let am = cli::command();
    let visible: Vec<clap::Command> =
        am.get_subcommands().filter(|sub| !sub.is_hide_set()).cloned().collect();
    let mut completed =
        clap::Command::new("am").version(env!("CARGO_PKG_VERSION")).subcommands(visible);
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut completed, "am", &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    match shell {
        Shell::Bash => completions::bash(&script),
        Shell::Zsh => completions::zsh(&script),
        Shell::Fish => completions::fish(&script),
        _ => script,
    }
}

/// Writes `am.1` and one page per command (`am-activate.1`, ...) into `dir`.
pub fn man_pages(dir: &Path) -> Result<(), Error> {
    let io = |source| Error::Io { action: "write man pages into", path: dir.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(io)?;
    clap_mangen::generate_to(cli::command(), dir).map_err(io)
}

/// The docs site's command line reference (`docs/src/reference/cli.md`).
pub fn markdown() -> String {
    let mut am = cli::command();
    am.build();
    let mut out = String::new();
    out.push_str("# Command line reference\n\n");
    out.push_str(
        "<!-- Generated from interpreter/src/cli/args.rs by `am __docs markdown` \
         (scripts/docs.sh); edit that file, not this page. -->\n\n",
    );
    let _ = writeln!(out, "{}\n", text(am.get_long_about().or(am.get_about())));
    let _ = writeln!(out, "```text\n{}\n```\n", usage(&mut am));
    out.push_str("Every command also takes `--help`; `am --version` prints the version.\n\n");
    out.push_str("| command | does |\n|---|---|\n");
    for sub in visible_subcommands(&am) {
        let name = sub.get_name();
        let about = text(sub.get_about()).replace('|', "\\|");
        let _ = writeln!(out, "| [`am {name}`](#am-{name}) | {about} |");
    }
    out.push_str(
        "| [`result/bin/activate`](#bin-activate) | `am activate` for the bundle it belongs to |\n",
    );
    if let Some(after) = am.get_after_help() {
        exit_codes(&mut out, &after.to_string());
    }
    for sub in visible_subcommands(&am) {
        let name = sub.get_name().to_string();
        section(&mut out, &mut sub.clone(), &format!("am {name}"), &format!("am-{name}"));
    }
    let mut script = cli::activate_script_command().bin_name("result/bin/activate");
    script.build();
    section(&mut out, &mut script, "result/bin/activate", "bin-activate");
    out
}

/// One command's section: what it does, its usage, its arguments and flags,
/// each flag with an anchor (`#am-activate--jobs`) other pages can link to.
fn section(out: &mut String, command: &mut clap::Command, title: &str, anchor: &str) {
    let _ = writeln!(out, "\n## `{title}` {{#{anchor}}}\n");
    let _ = writeln!(out, "{}\n", text(command.get_long_about().or(command.get_about())));
    let _ = writeln!(out, "```text\n{}\n```", usage(command));
    let args: Vec<&Arg> = command
        .get_arguments()
        .filter(|arg| !arg.is_hide_set() && !matches!(arg.get_id().as_str(), "help" | "version"))
        .collect();
    let (positionals, flags): (Vec<&Arg>, Vec<&Arg>) =
        args.into_iter().partition(|arg| arg.is_positional());
    if !positionals.is_empty() {
        out.push_str("\nArguments:\n\n");
        for arg in positionals {
            let name = value_names(arg).join(" ");
            let shown = if arg.is_required_set() { name } else { format!("[{name}]") };
            item(out, anchor, arg, &shown);
        }
    }
    if !flags.is_empty() {
        out.push_str("\nOptions:\n\n");
        for arg in flags {
            let mut names = Vec::new();
            if let Some(short) = arg.get_short() {
                names.push(format!("-{short}"));
            }
            if let Some(long) = arg.get_long() {
                names.push(format!("--{long}"));
            }
            let mut shown = names.join(", ");
            if arg.get_action().takes_values() {
                let values: Vec<String> =
                    value_names(arg).iter().map(|name| format!("<{name}>")).collect();
                let _ = write!(shown, " {}", values.join(" "));
                if matches!(arg.get_num_args(), Some(range) if range.max_values() > 1) {
                    shown.push_str("...");
                }
            }
            item(out, anchor, arg, &shown);
        }
    }
}

/// One argument as a list item: its anchor, how it is written, what it does,
/// and its accepted values when clap knows them.
fn item(out: &mut String, anchor: &str, arg: &Arg, shown: &str) {
    let id = format!("{anchor}--{}", arg.get_long().unwrap_or(arg.get_id().as_str()));
    let help = text(arg.get_long_help().or(arg.get_help()));
    let _ = write!(out, "- <span id=\"{id}\"></span>`{shown}`");
    if !help.is_empty() {
        let _ = write!(out, ": {help}");
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|value| !value.is_hide_set())
        .map(|value| format!("`{}`", value.get_name()))
        .collect();
    if !values.is_empty() && !matches!(arg.get_action(), ArgAction::SetTrue) {
        let _ = write!(
            out,
            "{}One of {}.",
            if help.is_empty() { ": " } else { " " },
            values.join(", ")
        );
    }
    out.push('\n');
}

/// The exit code table: `  N  meaning` lines of `am --help`'s epilogue.
fn exit_codes(out: &mut String, epilogue: &str) {
    out.push_str("\n## Exit codes {#exit-codes}\n\n| code | meaning |\n|---|---|\n");
    for line in epilogue.lines() {
        if let Some((code, meaning)) = line.trim().split_once(char::is_whitespace) {
            if code.parse::<u8>().is_ok() {
                let _ = writeln!(out, "| {code} | {} |", meaning.trim());
            }
        }
    }
}

fn visible_subcommands(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command.get_subcommands().filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
}

fn value_names(arg: &Arg) -> Vec<String> {
    match arg.get_value_names() {
        Some(names) => names.iter().map(ToString::to_string).collect(),
        None => vec![arg.get_id().as_str().to_uppercase()],
    }
}

fn usage(command: &mut clap::Command) -> String {
    command.render_usage().to_string()
}

/// Help text without clap's styling, as Markdown: doc comments already use
/// Markdown's backticks. clap drops a lone summary's final period; put it back
/// so the sentences read as sentences.
fn text(styled: Option<&clap::builder::StyledStr>) -> String {
    let text = styled.map(ToString::to_string).unwrap_or_default();
    let text = text.trim();
    if text.is_empty() || text.ends_with(['.', '!', '?', ':']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and flag people can type is on the reference page.
    #[test]
    fn markdown_names_every_visible_command_and_flag() {
        let page = markdown();
        let mut am = cli::command();
        am.build();
        for sub in visible_subcommands(&am) {
            assert!(page.contains(&format!("{{#am-{}}}", sub.get_name())), "{}", sub.get_name());
            for arg in sub.get_arguments().filter(|arg| !arg.is_hide_set()) {
                if let Some(long) = arg.get_long().filter(|long| *long != "help") {
                    assert!(page.contains(&format!("--{long}")), "am {} --{long}", sub.get_name());
                }
            }
        }
        assert!(!page.contains("bundle-entry"), "hidden commands stay hidden");
        assert!(!page.contains("`am __docs`"), "hidden commands stay hidden");
        assert!(
            page.contains("| 3 | refused: paths are in the way; nothing was changed |"),
            "{page}"
        );
    }

    #[test]
    fn completions_offer_generation_numbers() {
        let bash = completions(Shell::Bash);
        assert!(bash.contains(cli::COMPLETE_GENERATIONS), "{bash}");
        assert!(!bash.contains("complete -F _am "), "clap's own function is wrapped:\n{bash}");
        let zsh = completions(Shell::Zsh);
        assert_eq!(zsh.matches(":N:_am_generation_numbers'").count(), 2, "{zsh}");
        let fish = completions(Shell::Fish);
        assert_eq!(fish.matches("-f -a \"(__fish_am_generation_numbers)\"").count(), 2, "{fish}");
    }

    #[test]
    fn completions_know_the_subcommands() {
        let bash = completions(Shell::Bash);
        assert!(bash.contains("inspect") && bash.contains("--dry-run"), "{bash}");
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = completions(shell);
            assert!(!script.contains("bundle-entry"), "{shell}: hidden commands are completed");
            assert!(!script.contains("__docs"), "{shell}: hidden commands are completed");
        }
    }

    #[test]
    fn man_pages_cover_each_command() {
        let dir = std::env::temp_dir().join(format!("am-man-{}", std::process::id()));
        man_pages(&dir).expect("man pages are written");
        for page in ["am.1", "am-activate.1", "am-inspect.1", "am-completions.1"] {
            let roff = std::fs::read_to_string(dir.join(page)).expect(page);
            assert!(roff.starts_with(".ie"), "{page} is not roff: {roff}");
        }
        assert!(!dir.join("am-__docs.1").exists(), "hidden commands have no page");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
