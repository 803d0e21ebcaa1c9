//! Terminal styling: ANSI colours when they are wanted, plain text otherwise.
//!
//! Whether colour is on is decided once per output stream (a terminal, and
//! `NO_COLOR` unset or empty, as <https://no-color.org> asks); everything that
//! formats text takes a [`Style`] and stays ignorant of terminals.

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    colour: bool,
}

impl Style {
    #[cfg(test)]
    pub const PLAIN: Style = Style { colour: false };

    /// Colour when `stream` is a terminal and `NO_COLOR` is unset or empty.
    pub fn for_stream(stream: &impl IsTerminal) -> Style {
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        Style { colour: !no_colour && stream.is_terminal() }
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    pub fn red(self, text: &str) -> String {
        self.paint("1;31", text)
    }

    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.colour { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
}
