//! Showing strings from a configuration on a terminal: shell quoting for
//! command lines, and escaping of control characters everywhere else, so that
//! a stray escape sequence in an option value cannot garble the output.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Quotes one word the way a POSIX shell reads it back: bare when it is
/// plainly safe, in single (or, when that reads better, double) quotes
/// otherwise, and as `$'...'` when it holds control characters (a newline in
/// single quotes would break the line).
pub fn shell_word(word: &str) -> Cow<'_, str> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        return Cow::Borrowed(word);
    }
    if word.chars().any(char::is_control) {
        let mut out = String::from("$'");
        for c in word.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => push_hex_escape(&mut out, c),
                c => out.push(c),
            }
        }
        out.push('\'');
        return Cow::Owned(out);
    }
    // Double quotes read better than `'\''` when nothing inside them is
    // special to the shell.
    if word.contains('\'') && !word.chars().any(|c| "\"$`\\!".contains(c)) {
        return Cow::Owned(format!("\"{word}\""));
    }
    Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
}

/// A whole command line, each word quoted with [`shell_word`].
pub fn shell_line<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words.into_iter().map(shell_word).collect::<Vec<_>>().join(" ")
}

/// The text with control characters written as escapes (`\n`, `\x1b`).
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => push_hex_escape(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn push_hex_escape(out: &mut String, c: char) {
    let code = u32::from(c);
    if code <= 0xff {
        let _ = write!(out, "\\x{code:02x}");
    } else {
        let _ = write!(out, "\\u{{{code:x}}}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(shell_word("/bin/sh"), "/bin/sh");
        assert_eq!(shell_word("--jobs=3"), "--jobs=3");
    }

    #[test]
    fn words_with_shell_syntax_are_single_quoted() {
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("echo hi"), "'echo hi'");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
        assert_eq!(shell_word("it's $HOME"), r"'it'\''s $HOME'");
        assert_eq!(shell_word("it's done"), r#""it's done""#);
    }

    #[test]
    fn control_characters_use_ansi_c_quoting() {
        assert_eq!(shell_word("a\nb"), r"$'a\nb'");
        assert_eq!(shell_word("it's\t\x1b"), r"$'it\'s\t\x1b'");
    }

    #[test]
    fn command_lines_join_quoted_words() {
        assert_eq!(shell_line(["/bin/sh", "-c", "echo hi"]), "/bin/sh -c 'echo hi'");
    }

    #[test]
    fn printable_escapes_only_control_characters() {
        assert_eq!(printable("home.file.\"ä\""), "home.file.\"ä\"");
        assert_eq!(printable("a\x1b[31mb\n"), r"a\x1b[31mb\n");
        assert_eq!(printable("\u{9b}"), r"\x9b");
    }
}
