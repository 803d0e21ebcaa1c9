//! The build-time syntax check of Lua code, with full_moon's Lua 5.4
//! grammar (it parses, it never runs anything).
//!
//! A script is checked as it is. An expression is checked as the chunk
//! `return <parenthesize(expr)>`, which is also exactly how [`super::chunk`]
//! embeds it, so an expression that passes here cannot break a generated
//! chunk. Positions are then mapped back to the user's own text.

use std::panic::{AssertUnwindSafe, catch_unwind};

use full_moon::LuaVersion;
use full_moon::ast::LastStmt;

use crate::error::LuaSyntaxError;

/// What an expression follows in the checked chunk.
const RETURN: &str = "return ";

/// `(expr)`: one value, whatever the expression's own precedence. The `)`
/// goes on a line of its own when a `--` comment could otherwise hide it.
pub fn parenthesize(expr: &str) -> String {
    if expr.contains("--") { format!("({expr}\n)") } else { format!("({expr})") }
}

/// The first syntax error of a chunk, if any.
pub fn check_chunk(code: &str) -> Option<LuaSyntaxError> {
    let (message, start, end) = first_problem(code, false)?;
    Some(locate(code, 0, message, start, end))
}

/// The first syntax error of an expression, if any, in the expression's
/// own lines and columns. It must be one expression: `a, b` is refused, as
/// it would smuggle a second value into the table it is embedded in.
pub fn check_expression(expr: &str) -> Option<LuaSyntaxError> {
    if expr.trim().is_empty() {
        return Some(locate(expr, 0, "the expression is empty".into(), 0, 0));
    }
    let checked = format!("{RETURN}{}", parenthesize(expr));
    let (message, start, end) = first_problem(&checked, true)?;
    // The user's text starts after `return (`.
    Some(locate(expr, RETURN.len() + 1, message, start, end))
}

/// full_moon's first error in `code` (later ones are often consequences of
/// its recovery from the first), as a message and a byte range. With
/// `one_value`, `code` is `return ...` and must return exactly one value.
fn first_problem(code: &str, one_value: bool) -> Option<(String, usize, usize)> {
    // full_moon can panic on some broken input (its issue #310); that must
    // not take the whole build down. Nothing is shared with the closure, so
    // nothing can be left half-changed by an unwind.
    let Ok(result) =
        catch_unwind(AssertUnwindSafe(|| full_moon::parse_fallible(code, LuaVersion::lua54())))
    else {
        let message = "the Lua parser (full_moon) crashed on this code; \
                       please report it to activation-manager"
            .to_string();
        return Some((message, 0, 0));
    };
    if let Some(error) = result.errors().first() {
        let message = match error {
            // The tokenizer's own Display adds a range, which is ours to give.
            full_moon::Error::TokenizerError(e) => e.error().to_string(),
            full_moon::Error::AstError(e) => e.error_message().to_string(),
        };
        let (start, end) = error.range();
        return Some((message, start.bytes(), end.bytes()));
    }
    if !one_value {
        return None;
    }
    let Some(LastStmt::Return(ret)) = result.ast().nodes().last_stmt() else { return None };
    let count = ret.returns().len();
    let comma = ret.returns().pairs().find_map(|pair| pair.punctuation())?;
    let message = format!("this is {count} expressions separated by commas, not one");
    Some((message, comma.start_position().bytes(), comma.end_position().bytes()))
}

/// Places a byte range of the checked code in the user's `text`, which
/// starts `offset` bytes into the checked code. A range past the end of
/// the text (the `)` of an expression, or the end of a script) moves to
/// just after the text's last character, where the missing part belongs.
fn locate(text: &str, offset: usize, message: String, start: usize, end: usize) -> LuaSyntaxError {
    let last = text.trim_end().len();
    let start = start.saturating_sub(offset).min(last);
    let end = end.saturating_sub(offset).clamp(start, last);
    // full_moon's positions are on character boundaries, and so are the
    // clamps; `get` keeps a surprise from becoming a panic.
    let before = text.get(..start).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let source_line = text.get(line_start..).unwrap_or_default();
    let source_line = source_line.split('\n').next().unwrap_or_default();
    let span = text.get(start..end).filter(|span| !span.contains('\n'));
    LuaSyntaxError {
        line: before.matches('\n').count() + 1,
        column: before.get(line_start..).unwrap_or_default().chars().count() + 1,
        width: span.map_or(1, |span| span.chars().count().max(1)),
        message,
        source_line: source_line.trim_end_matches('\r').to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(error: Option<LuaSyntaxError>) -> (usize, usize, usize, String) {
        let error = error.expect("a syntax error");
        (error.line, error.column, error.width, error.source_line)
    }

    #[test]
    fn lua_5_4_syntax_passes() {
        let code = "local a <const> = 5\nlocal f <close> = nil\ngoto done\n\
                    local b = 7 // 2 & 3 ~ 1 << 2\n::done::\nreturn a\n";
        assert_eq!(check_chunk(code), None);
        assert_eq!(check_expression("os.getenv(\"HOME\") .. \"/x\""), None);
        assert_eq!(check_expression("1 -- a comment"), None);
        assert_eq!(check_expression("select('#', ...)"), None);
    }

    #[test]
    fn script_errors_are_where_the_user_wrote_them() {
        let code = "local x = 1\nlocal y = 2\nlocal z = = 3\n";
        assert_eq!(at(check_chunk(code)), (3, 9, 1, "local z = = 3".into()));
        // Only the first error: the next one is full_moon recovering.
        let error = check_chunk(code).expect("a syntax error");
        assert_eq!(error.message, "expected an expression");
    }

    #[test]
    fn a_missing_end_is_reported_after_the_last_character() {
        let code = "if x then\n  print(y)\n\n";
        let error = check_chunk(code).expect("a syntax error");
        assert_eq!((error.line, error.column), (2, 11));
        assert_eq!(error.message, "expected `end` to conclude `if`");
    }

    #[test]
    fn expression_columns_do_not_count_the_return_prefix() {
        // The `+` has nothing after it: full_moon points at the operator.
        let error = check_expression("os.getenv(\"HOME\") +").expect("a syntax error");
        assert_eq!((error.line, error.column, error.width), (1, 19, 1));
        assert_eq!(error.message, "expected expression after binary operator");
        // Later lines have no prefix to subtract.
        assert_eq!(at(check_expression("1 +\n  2 +\n  = 3")), (2, 5, 1, "  2 +".into()));
    }

    #[test]
    fn an_unclosed_string_points_at_its_start() {
        let error = check_expression("'abc").expect("a syntax error");
        assert_eq!((error.line, error.column, error.message.as_str()), (1, 1, "unclosed string"));
    }

    #[test]
    fn columns_count_characters_and_keep_tabs() {
        let code = "\tlocal s = 'é' = 1";
        assert_eq!(at(check_chunk(code)), (1, 16, 1, code.into()));
        assert_eq!(at(check_expression("'é' .. ")), (1, 5, 2, "'é' .. ".into()));
    }

    #[test]
    fn an_expression_is_one_value() {
        // The parentheses refuse a list...
        let error = check_expression("1, 2").expect("a list");
        assert_eq!((error.line, error.column), (1, 2));
        assert_eq!(error.message, "expected `)` after expression");
        // ... unless it closes them itself.
        let error = check_expression("1), (2").expect("a list");
        assert_eq!((error.line, error.column), (1, 3));
        assert_eq!(error.message, "this is 2 expressions separated by commas, not one");
        assert_eq!(
            check_expression("  ").map(|e| e.message),
            Some("the expression is empty".into())
        );
    }
}
