//! Generation numbers in the completion scripts: clap_complete writes
//! static scripts, which cannot know a home's generations, so each script
//! gets a small function that asks `am __complete-generations` (with the
//! `--system` or `--root DIR` of the line being completed) and is wired to
//! the values of `rollback --to` and `generations --delete`.
//!
//! The wiring edits clap_complete's text in a few known places; the tests
//! of `manual.rs` check that each edit found its place, so a new
//! clap_complete that words its scripts otherwise fails them instead of
//! silently losing the numbers.

use crate::cli::COMPLETE_GENERATIONS;

/// bash: a function completing the numbers, and one around clap's `_am`
/// that calls it after `--to` and `--delete` (and after the numbers
/// already given to `--delete`), else `_am`.
pub fn bash(script: &str) -> String {
    let wired = script.replace("complete -F _am ", "complete -F _am_with_generations ");
    format!(
        r#"{wired}
_am_generation_numbers() {{
    local place=() i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in
            --system) place+=(--system) ;;
            --root) place+=(--root "${{COMP_WORDS[i+1]}}") ;;
        esac
    done
    command "${{COMP_WORDS[0]}}" {COMPLETE_GENERATIONS} "${{place[@]}}" 2>/dev/null | cut -f1
}}

_am_with_generations() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" i="$((COMP_CWORD - 1))"
    # `--delete` takes several numbers: look back past those given.
    while [[ $i -gt 1 && "${{COMP_WORDS[i]}}" =~ ^[0-9]+$ ]]; do
        [[ "${{COMP_WORDS[i-1]}}" == --delete || "${{COMP_WORDS[i-1]}}" =~ ^[0-9]+$ ]] || break
        i=$((i - 1))
    done
    case "${{COMP_WORDS[i]}}" in
        --to|--delete)
            COMPREPLY=($(compgen -W "$(_am_generation_numbers)" -- "$cur"))
            return 0
            ;;
    esac
    _am "$@"
}}
"#
    )
}

/// zsh: `_am_generation_numbers` describes each number with its time, as
/// the action of `--to` and `--delete` (clap writes `_default` there).
pub fn zsh(script: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in script.lines() {
        let takes_numbers = line.starts_with("'--to=[") || line.contains("*--delete=[");
        if takes_numbers && line.ends_with("]:N:_default' \\") {
            lines.push(line.replace("]:N:_default' \\", "]:N:_am_generation_numbers' \\"));
        } else if line.starts_with("if [ \"$funcstack[1]\" = \"_am\" ]; then") {
            lines.push(ZSH_FUNCTION.replace(PLACEHOLDER, COMPLETE_GENERATIONS));
            lines.push(line.to_string());
        } else {
            lines.push(line.to_string());
        }
    }
    lines.join("\n") + "\n"
}

/// Where the scripts below name the hidden subcommand.
const PLACEHOLDER: &str = "@SUBCOMMAND@";

const ZSH_FUNCTION: &str = r#"(( $+functions[_am_generation_numbers] )) ||
_am_generation_numbers() {
    local -a place numbers
    local i
    for (( i = 2; i < CURRENT; i++ )); do
        case $words[i] in
            --system) place+=(--system) ;;
            --root) place+=(--root $words[i+1]) ;;
        esac
    done
    numbers=(${(f)"$(command ${words[1]} @SUBCOMMAND@ $place 2>/dev/null)"})
    numbers=(${numbers//$'\t'/:})
    _describe -t generations 'generation' numbers
}
"#;

/// fish: the numbers, each with its time, as the only values of `--to`
/// and `--delete` (no file names).
pub fn fish(script: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in script.lines() {
        let takes_numbers = line.contains("__fish_am_using_subcommand rollback\" -l to ")
            || line.contains("__fish_am_using_subcommand generations\" -l delete ");
        if takes_numbers && line.ends_with(" -r") {
            lines.push(format!("{line} -f -a \"(__fish_am_generation_numbers)\""));
        } else {
            lines.push(line.to_string());
        }
    }
    lines.push(FISH_FUNCTION.replace(PLACEHOLDER, COMPLETE_GENERATIONS));
    lines.join("\n") + "\n"
}

const FISH_FUNCTION: &str = r#"
function __fish_am_generation_numbers
    set -l words (commandline -opc)
    set -l place
    for i in (seq 2 (count $words))
        switch $words[$i]
            case --system
                set -a place --system
            case --root
                set -a place --root $words[(math $i + 1)]
        end
    end
    command $words[1] @SUBCOMMAND@ $place 2>/dev/null
end"#;
