//! Values written the way a Nix user writes them, for messages: a string
//! as a Nix string literal, an attribute name bare or quoted, a JSON value
//! in words (`the number 5`, `a list`). Reading the input and rendering the
//! report both speak of the user's values in these words.

use std::fmt::Write;

use serde_json::Value;

/// Longest string value quoted in a message, in characters.
const MAX_QUOTED: usize = 40;

/// A JSON value in Nix words, short enough for a one-line message.
pub fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", nix_string(s)),
        Value::Array(items) if items.is_empty() => "an empty list".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) if crate::lua::is_inline(value) => "a Lua value".into(),
        Value::Object(_) => "an attribute set".into(),
    }
}

/// A string as a Nix string literal, cut to `MAX_QUOTED` characters.
pub fn nix_string(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    let mut count = 0;
    while let Some(c) = chars.next() {
        if count == MAX_QUOTED {
            out.push_str("...");
            break;
        }
        count += 1;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // `${` would start an interpolation in Nix; a lone `$` would not.
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            // Nix has no escape for other control characters; showing the
            // code keeps them from messing up the terminal.
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An attribute name as written in Nix: bare when it can be, quoted otherwise.
pub fn nix_attribute(name: &str) -> String {
    let bare = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-'".contains(c));
    if bare { name.to_string() } else { nix_string(name) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nix_strings_are_escaped_and_cut() {
        assert_eq!(nix_string("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(nix_string("${x} $y"), r#""\${x} $y""#);
        assert_eq!(nix_string(&"x".repeat(50)), format!("\"{}...\"", "x".repeat(40)));
    }

    #[test]
    fn attribute_names_are_quoted_only_when_nix_needs_it() {
        assert_eq!(nix_attribute("color-scheme"), "color-scheme");
        assert_eq!(nix_attribute("_x'1"), "_x'1");
        assert_eq!(nix_attribute("org/gnome/desktop"), r#""org/gnome/desktop""#);
        assert_eq!(nix_attribute("1st"), r#""1st""#);
        assert_eq!(nix_attribute(""), r#""""#);
    }
}
