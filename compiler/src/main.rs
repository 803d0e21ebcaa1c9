//! The `am-compile` command: the builder of a bundle derivation. Parses the
//! command line, runs the library and maps the outcome to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use am_compiler::{BuildOptions, DEFAULT_STORE_DIR};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(version, about = "Validates an activation-manager configuration and writes its bundle")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compile the input into a bundle folder (the builder of a Nix derivation).
    Build {
        /// The compiler input: JSON written by the Nix library.
        #[arg(long, env = "inputPath", value_name = "FILE")]
        input: PathBuf,
        /// The bundle folder to create; it must not exist or be empty.
        #[arg(long, env = "out", value_name = "DIR")]
        out: PathBuf,
        /// Absolute path of the `am` binary that `bin/activate` runs.
        #[arg(long = "am", env = "amBin", value_name = "PATH")]
        am_bin: String,
        /// The Nix store folder; link sources inside it must exist.
        #[arg(long, env = "NIX_STORE", value_name = "DIR", default_value = DEFAULT_STORE_DIR)]
        store_dir: String,
    },
}

fn main() -> ExitCode {
    let Command::Build { input, out, am_bin, store_dir } = Cli::parse().command;
    let options = BuildOptions { input: &input, out: &out, am_bin: &am_bin, store_dir: &store_dir };
    match am_compiler::build(&options) {
        Ok(compiled) => {
            let (nodes, layers) = (compiled.plan.nodes.len(), compiled.plan.layers.len());
            let plural = |n: usize, one: &str, many: &str| {
                format!("{n} {}", if n == 1 { one } else { many })
            };
            let (nodes, layers) =
                (plural(nodes, "node", "nodes"), plural(layers, "layer", "layers"));
            eprintln!("am-compile: wrote the bundle: {nodes} in {layers}");
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprint!("{}", am_compiler::render::report(&errors));
            ExitCode::FAILURE
        }
    }
}
