//! The programs `am switch` runs (ssh, Nix's copies), as data first: what
//! runs can be shown to the user and checked by tests before it runs.

use std::io;
use std::process::{Command, ExitStatus, Stdio};

use crate::quote::shell_line;

/// One program and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub program: &'static str,
    pub args: Vec<String>,
}

impl Invocation {
    pub fn new(program: &'static str, args: impl IntoIterator<Item = String>) -> Invocation {
        Invocation { program, args: args.into_iter().collect() }
    }

    /// The command line as a shell would read it back, for messages.
    pub fn shown(&self) -> String {
        shell_line(std::iter::once(self.program).chain(self.args.iter().map(String::as_str)))
    }

    fn command(&self) -> Command {
        let mut command = Command::new(self.program);
        command.args(&self.args);
        command
    }

    /// Runs it with `am`'s own stdout and stderr, so that its output (a
    /// remote activation's report, a copy's progress) shows as it comes.
    /// Its stdin is empty: ssh would otherwise read away what a script
    /// feeds `am switch` (the next host of a `while read` loop), and
    /// nothing here reads stdin (ssh asks for passwords on the terminal).
    pub fn run(&self) -> io::Result<ExitStatus> {
        self.command().stdin(Stdio::null()).status()
    }

    /// Runs it with `am`'s own terminal as its stdin too, for sudo on the
    /// other end to ask for a password.
    pub fn run_at_terminal(&self) -> io::Result<ExitStatus> {
        self.command().stdin(Stdio::inherit()).status()
    }

    /// Runs it with its stdout captured (its stderr, a build's log, still
    /// shows as it comes), and returns that stdout.
    pub fn run_for_stdout(&self) -> io::Result<(ExitStatus, String)> {
        let mut command = self.command();
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        let output = command.output()?;
        Ok((output.status, String::from_utf8_lossy(&output.stdout).into_owned()))
    }

    /// Whether it runs and exits with 0, saying nothing.
    pub fn succeeds_quietly(&self) -> bool {
        let mut command = self.command();
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        command.status().is_ok_and(|status| status.success())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_command_line_quoted() {
        let invocation = Invocation::new("ssh", ["h".to_string(), "a b".to_string()]);
        assert_eq!(invocation.shown(), "ssh h 'a b'");
    }
}
