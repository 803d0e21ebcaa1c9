//! ssh as `am switch` runs it: with the options of `NIX_SSHOPTS` (as Nix's
//! own copies take them), and one remote command line, quoted for the
//! remote user's shell.

use super::process::Invocation;
use crate::quote::shell_line;

/// What ssh exits with when it failed itself (could not connect, lost the
/// connection, or the remote command died without an exit code): any other
/// code is the remote command's.
pub const SSH_FAILED: i32 = 255;

/// The ssh client with the user's extra options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssh {
    options: Vec<String>,
}

impl Ssh {
    /// Reads `NIX_SSHOPTS`, split on white space as Nix splits it, so that
    /// one setting reaches both the copies and the activation.
    pub fn from_env() -> Ssh {
        let options = std::env::var("NIX_SSHOPTS").unwrap_or_default();
        Ssh::with_options(&options)
    }

    fn with_options(options: &str) -> Ssh {
        Ssh { options: options.split_whitespace().map(str::to_string).collect() }
    }

    /// Runs `words` on `host`. The words are quoted for the remote shell,
    /// which ssh hands the command line to. `tty` asks for a terminal there
    /// (`-t`), which sudo needs to ask for a password.
    pub fn remote(&self, host: &str, words: &[&str], tty: bool) -> Invocation {
        let mut args = self.options.clone();
        if tty {
            args.push("-t".to_string());
        }
        // `--` ends ssh's options: a host never reads as one (the command
        // line refuses hosts starting with `-` too).
        args.extend(["--".to_string(), host.to_string(), shell_line(words.iter().copied())]);
        Invocation::new("ssh", args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_come_from_nix_sshopts_and_the_command_is_one_quoted_line() {
        let ssh = Ssh::with_options("  -i /k/id  -o Port=2222 ");
        let invocation =
            ssh.remote("me@web", &["/nix/store/x/bin/activate", "--root", "/a b"], false);
        let args: Vec<&str> = invocation.args.iter().map(String::as_str).collect();
        assert_eq!(
            args,
            [
                "-i",
                "/k/id",
                "-o",
                "Port=2222",
                "--",
                "me@web",
                "/nix/store/x/bin/activate --root '/a b'"
            ]
        );
    }

    #[test]
    fn a_terminal_is_asked_for_before_the_host() {
        let invocation = Ssh::with_options("").remote("h", &["sudo", "true"], true);
        assert_eq!(invocation.args, ["-t", "--", "h", "sudo true"]);
    }
}
