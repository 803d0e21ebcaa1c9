//! The `am-compile` command: the builder of a bundle derivation. Parses the
//! command line, runs the library and maps the outcome to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use am_compiler::{BuildOptions, DEFAULT_STORE_DIR, TreeOptions};
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
    /// Merge a home's packages into one tree of links, as nixpkgs' buildEnv
    /// does (the builder of a home's `home-manager-path` derivation).
    Packages {
        /// The packages: JSON written by the Nix library.
        #[arg(long, env = "packagesPath", value_name = "FILE")]
        input: PathBuf,
        /// The tree to create; it must not exist.
        #[arg(long, env = "out", value_name = "DIR")]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Build { input, out, am_bin, store_dir } => build(input, out, am_bin, store_dir),
        Command::Packages { input, out } => {
            let options = TreeOptions { input: &input, out: &out };
            match am_compiler::build_tree(&options) {
                Ok(built) => {
                    let (packages, links) = (
                        plural(built.packages, "package", "packages"),
                        plural(built.links, "link", "links"),
                    );
                    eprintln!("am-compile: merged {packages} into {links}");
                    ExitCode::SUCCESS
                }
                Err(errors) => {
                    eprint!("{}", am_compiler::render::packages_report(&errors));
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn build(input: PathBuf, out: PathBuf, am_bin: String, store_dir: String) -> ExitCode {
    let options = BuildOptions { input: &input, out: &out, am_bin: &am_bin, store_dir: &store_dir };
    match am_compiler::build(&options) {
        Ok(compiled) => {
            let (nodes, layers) = (compiled.plan.nodes.len(), compiled.plan.layers.len());
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

/// `1 node`, `2 nodes`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
