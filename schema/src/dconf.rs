//! What a dconf folder, key and value are, for both sides of the contract:
//! the Lua API checks what chunks compute at run time by these rules.
//!
//! Keys reach dconf through one key file (`dconf load /`): a folder is a
//! `[group]` line, a key a `name=value` line. A line break in any of them
//! would start a line of its own choosing, and so set another node's key,
//! or a key no generation records (which no rollback resets). Hence a
//! value must be exactly one GVariant value on one line, and names must
//! fit their place in the file.

/// Why `dir` cannot be a dconf folder: it must look like
/// `org/gnome/desktop/interface` and stand as `[org/gnome/...]` in a key file.
pub fn folder_problem(dir: &str) -> Option<&'static str> {
    Some(if dir.is_empty() {
        "is empty"
    } else if dir.starts_with('/') {
        "starts with a slash"
    } else if dir.ends_with('/') {
        "ends with a slash"
    } else if dir.contains("//") {
        "has an empty part (`//`)"
    } else if dir.chars().any(|c| c == '[' || c == ']' || c.is_whitespace() || c.is_control()) {
        "contains `[`, `]`, white space or a control character"
    } else {
        return None;
    })
}

/// Why `key` cannot be a dconf key: it must stand before `=` in a key file.
pub fn key_problem(key: &str) -> Option<&'static str> {
    Some(if key.is_empty() {
        "is empty"
    } else if key.contains('/') {
        "contains a `/`"
    } else if key.starts_with('#') {
        "starts with `#`, which makes its line a comment"
    } else if key.chars().any(|c| "=[]".contains(c) || c.is_whitespace() || c.is_control()) {
        "contains `=`, `[`, `]`, white space or a control character"
    } else {
        return None;
    })
}

/// Why `text` is not one GVariant value in text form on one line, as a
/// key file holds it: `'dark'`, `uint32 5`, `[('a', <1>)]`, `@as []`.
///
/// Only the shape is checked, by the tokens and grammar of GLib's parser
/// (`g_variant_parse`): brackets, strings, keywords, and that exactly one
/// value is there. Whether a value fits its type (`byte 300`) is left to
/// `dconf load`, which refuses the whole batch then; this check never
/// refuses what GLib reads.
pub fn value_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some("is empty".into());
    }
    if text.contains(['\n', '\r', '\0']) {
        return Some("spans more than one line, which GVariant text never does".into());
    }
    let mut parser = Parser { tokens: Tokens { rest: text } };
    let problem = match parser.value(0) {
        Ok(()) => match parser.tokens.next() {
            Ok(None) => return None,
            Ok(Some(extra)) => format!("`{}` follows the value", extra.text),
            Err(problem) => problem,
        },
        Err(problem) => problem,
    };
    Some(format!("is not one GVariant value: {problem}"))
}

/// How deep values may nest: GLib's own limit.
const MAX_DEPTH: usize = 128;

/// Keywords that give the type of the value after them (`uint32 5`);
/// `just` makes a maybe of it.
const PREFIXES: &[&str] = &[
    "boolean",
    "byte",
    "int16",
    "uint16",
    "int32",
    "handle",
    "uint32",
    "int64",
    "uint64",
    "double",
    "string",
    "objectpath",
    "signature",
    "just",
];

/// Keywords that are values on their own.
const ATOMS: &[&str] = &["true", "false", "nothing", "inf", "nan"];

/// What a token of GLib's parser is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `'...'`, `"..."`, or a byte string `b'...'`.
    Text,
    /// Starts with a digit, `-`, `+` or `.`: `5`, `-1.5e3`, `0x1F`.
    Number,
    /// Letters and digits, starting with a lower-case letter: `true`, `uint32`.
    Word,
    /// A type annotation, `@` and a type: `@as`, `@a{sv}`.
    Annotation,
    /// Any other character on its own: brackets, `,`, `:`.
    Mark,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    /// Where it ends in what was left before it.
    end: usize,
}

/// The tokens of a value, split as GLib's `token_stream_prepare` splits them.
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn peek(&self) -> Result<Option<Token<'a>>, String> {
        let text = self.rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let Some(first) = text.chars().next() else { return Ok(None) };
        let (kind, len) = match first {
            '\'' | '"' => (Kind::Text, closed_string(text, 0)?),
            'b' if text[1..].starts_with(['\'', '"']) => (Kind::Text, closed_string(text, 1)?),
            'a'..='z' => (Kind::Word, run(text, |c| c.is_ascii_alphanumeric())),
            '0'..='9' | '-' | '+' | '.' => {
                (Kind::Number, run(text, |c| c.is_ascii_alphanumeric() || "-+.".contains(c)))
            }
            '@' => (Kind::Annotation, annotation(text)),
            '%' => return Err("`%` formats are for programs, not for text".into()),
            other => (Kind::Mark, other.len_utf8()),
        };
        let end = self.rest.len() - text.len() + len;
        Ok(Some(Token { kind, text: &text[..len], end }))
    }

    fn next(&mut self) -> Result<Option<Token<'a>>, String> {
        let token = self.peek()?;
        if let Some(token) = token {
            self.rest = &self.rest[token.end..];
        }
        Ok(token)
    }
}

/// The length of the string token at the start of `text`, whose opening
/// quote is at `quote_at`.
fn closed_string(text: &str, quote_at: usize) -> Result<usize, String> {
    let bytes = text.as_bytes();
    let quote = bytes[quote_at];
    let mut at = quote_at + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            byte if byte == quote => return Ok(at + 1),
            _ => at += 1,
        }
    }
    Err(format!("the string `{text}` is not closed"))
}

/// The length of the run of characters at the start of `text` that `keep` keeps.
fn run(text: &str, keep: impl Fn(char) -> bool) -> usize {
    text.find(|c: char| !keep(c)).unwrap_or(text.len())
}

/// The length of a type annotation: up to white space, `,`, `:`, `>`,
/// `]`, or a `)` or `}` it did not open.
fn annotation(text: &str) -> usize {
    let mut open = 0usize;
    for (at, c) in text.char_indices().skip(1) {
        match c {
            ',' | ':' | '>' | ']' => return at,
            c if c.is_ascii_whitespace() => return at,
            '(' | '{' => open += 1,
            ')' | '}' if open == 0 => return at,
            ')' | '}' => open -= 1,
            _ => {}
        }
    }
    text.len()
}

/// GLib's grammar, without building anything.
struct Parser<'a> {
    tokens: Tokens<'a>,
}

impl Parser<'_> {
    /// One value, as GLib's `parse` reads it.
    fn value(&mut self, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("values nest deeper than {MAX_DEPTH}"));
        }
        let Some(Token { kind, text, .. }) = self.tokens.next()? else {
            return Err("it ends where a value should be".into());
        };
        match (kind, text) {
            (Kind::Mark, "[") => self.items("]", depth),
            (Kind::Mark, "(") => self.items(")", depth),
            (Kind::Mark, "{") => self.dictionary(depth),
            (Kind::Mark, "<") => {
                self.value(depth + 1)?;
                self.expect(">")
            }
            (Kind::Mark, _) => Err(format!("`{text}` stands where a value should be")),
            (Kind::Annotation, _) => self.value(depth + 1),
            (Kind::Word, _) if PREFIXES.contains(&text) => self.value(depth + 1),
            (Kind::Word, _) if ATOMS.contains(&text) => Ok(()),
            (Kind::Word, _) => {
                Err(format!("`{text}` is not a GVariant keyword (a string is quoted: '{text}')"))
            }
            (Kind::Text | Kind::Number, _) => Ok(()),
        }
    }

    /// The items of an array or a tuple up to `close`, separated by commas.
    fn items(&mut self, close: &str, depth: usize) -> Result<(), String> {
        if self.eat(close)? {
            return Ok(());
        }
        loop {
            self.value(depth + 1)?;
            match self.tokens.next()?.map(|token| token.text) {
                Some(",") if self.eat(close)? => return Ok(()),
                Some(",") => {}
                Some(token) if token == close => return Ok(()),
                found => return Err(expected(&format!("`,` or `{close}`"), found)),
            }
        }
    }

    /// `{}`, `{key: value, ...}`, or a dictionary entry `{key, value}`.
    fn dictionary(&mut self, depth: usize) -> Result<(), String> {
        if self.eat("}")? {
            return Ok(());
        }
        self.value(depth + 1)?;
        if self.eat(",")? {
            self.value(depth + 1)?;
            return self.expect("}");
        }
        loop {
            self.expect(":")?;
            self.value(depth + 1)?;
            match self.tokens.next()?.map(|token| token.text) {
                Some("}") => return Ok(()),
                Some(",") => self.value(depth + 1)?,
                found => return Err(expected("`,` or `}`", found)),
            }
        }
    }

    /// Takes the next token if it is the mark `token`.
    fn eat(&mut self, token: &str) -> Result<bool, String> {
        let next = self.tokens.peek()?;
        if next.is_some_and(|next| next.kind == Kind::Mark && next.text == token) {
            self.tokens.next()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        if self.eat(token)? {
            return Ok(());
        }
        Err(expected(&format!("`{token}`"), self.tokens.peek()?.map(|found| found.text)))
    }
}

fn expected(what: &str, found: Option<&str>) -> String {
    match found {
        Some(found) => format!("{what} expected, `{found}` found"),
        None => format!("{what} expected, but it ends"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_look_like_org_gnome_desktop() {
        assert_eq!(folder_problem("org/gnome/desktop/interface"), None);
        assert_eq!(folder_problem("/org/gnome"), Some("starts with a slash"));
        assert_eq!(folder_problem("org/gnome/"), Some("ends with a slash"));
        assert_eq!(folder_problem("org//gnome"), Some("has an empty part (`//`)"));
        assert!(folder_problem("org/gnome shell").is_some());
        assert!(folder_problem("org/a]\n[org/b").is_some());
        assert!(folder_problem("").is_some());
    }

    #[test]
    fn keys_fit_a_key_file() {
        assert_eq!(key_problem("color-scheme"), None);
        for bad in ["a/b", "a=b", "", "#note", "k\nother", "k[de]"] {
            assert!(key_problem(bad).is_some(), "{bad:?} was accepted");
        }
    }

    /// Values as the Nix library and dconf itself write them.
    #[test]
    fn gvariant_values_are_accepted() {
        for good in [
            "'dark'",
            "\"it's \\\"mine\\\"\"",
            "'a\\'b'",
            "true",
            "false",
            "5",
            "-3",
            "1.5",
            "-1.5e-3",
            "0x1F",
            "inf",
            "nan",
            "uint32 250",
            "@u 250",
            "int64 -3",
            "byte 0x05",
            "objectpath '/org/x'",
            "['a', 'b']",
            "[]",
            "@as []",
            "(1, 'x')",
            "(1,)",
            "()",
            "<uint32 5>",
            "<@as []>",
            "{'a': <1>, 'b': <'x'>}",
            "@a{sv} {}",
            "{'k', 5}",
            "[@a{sv} {}]",
            "@ms nothing",
            "just 5",
            "b'bytes'",
            "  [ ( 1 , 2 ) ]  ",
            "[('xkb', 'us'), ('xkb', 'de+neo')]",
            "@(ss) ('a', 'b')",
        ] {
            assert_eq!(value_problem(good), None, "{good}");
        }
    }

    #[test]
    fn anything_but_one_value_is_refused() {
        let cases = [
            ("", "is empty"),
            ("'a'\n[org/x]\nk='b'", "spans more than one line"),
            ("'a'\r", "spans more than one line"),
            ("'a' 'b'", "`'b'` follows the value"),
            ("1, 2", "`,` follows the value"),
            ("'open", "the string `'open` is not closed"),
            ("['a'", "`,` or `]` expected, but it ends"),
            ("['a')", "`,` or `]` expected, `)` found"),
            ("dark", "`dark` is not a GVariant keyword"),
            ("uint32", "it ends where a value should be"),
            ("<1", "`>` expected, but it ends"),
            ("{'a': 1, 'b'}", "`:` expected, `}` found"),
            ("]", "`]` stands where a value should be"),
            ("%i", "`%` formats"),
        ];
        for (text, problem) in cases {
            let found = value_problem(text).unwrap_or_default();
            assert!(found.contains(problem), "{text:?} gave {found:?}, wanted {problem:?}");
        }
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(value_problem(&deep).is_some_and(|p| p.contains("deeper than 128")));
    }
}
