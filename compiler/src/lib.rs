//! `am-compile`: turns the node list the Nix library produces into a
//! validated, layered plan and writes the activation bundle.
//!
//! The pipeline is parse (`input/`) ─▶ expand trees into their files
//! (`tree`) ─▶ resolve `whenChanged` (`changes`) ─▶ check sources,
//! conflicts, units and the graph ─▶ layer ─▶ lower ─▶ write. Every check
//! runs even after another one failed, so one build reports every problem
//! of the configuration. Nothing here prints: [`render`] makes the text and
//! the binary shows it.
//!
//! Beside it, [`build_tree`] builds the package tree of `home.packages`
//! (`am-compile packages`), a derivation of its own that the bundle's
//! profile node installs.

mod bundle;
mod changes;
mod conflicts;
mod cycle;
mod error;
mod fields;
mod graph;
mod input;
mod layer;
mod lower;
mod lua;
mod nix;
mod packages;
pub mod render;
mod source;
mod suggest;
mod system;
mod target;
mod tree;
mod unit_name;
mod units;

use am_schema::Plan;
use std::fs;
use std::path::Path;

pub use bundle::activate_script;
pub use error::{
    BuildError, CompileError, CycleStep, DconfError, Direction, FieldError, FileError, GraphError,
    InputError, IoAction, IoError, LuaError, LuaSyntaxError, NodeRef, PackageRef, PackagesError,
    PermissionsProblem, Provider, SettingError, TargetProblem, UnitError, UnitNameProblem, UnitRef,
};
pub use input::INPUT_VERSION;
pub use lower::{Compiled, DynamicFile, StaticContent, StaticFile};
pub use packages::{TreeBuilt, TreeOptions, build_tree, name_and_version};
pub use source::{RealFilesystem, SourceKind, SourceLookup};

/// Where Nix keeps its store unless `NIX_STORE` says otherwise.
pub const DEFAULT_STORE_DIR: &str = "/nix/store";

/// Validates and lowers the compiler input (the JSON text). `store_dir` and
/// `sources` are used to check that link sources in the store exist.
///
/// On failure, returns every problem found, sorted by kind of problem and
/// then node id, so the same input always gives the same report.
pub fn compile(
    input: &str,
    store_dir: &str,
    sources: &dyn SourceLookup,
) -> Result<Compiled, Vec<CompileError>> {
    let mut errors = Vec::new();
    let input::Input { backup_extension, home_directory, role, nodes, scripts } =
        input::parse(input, &mut errors);
    let mut nodes = tree::expand(nodes, sources, &mut errors);
    system::check(role, &mut nodes, &mut errors);
    changes::resolve(&mut nodes, &mut errors);
    source::check(&nodes, store_dir, sources, &mut errors);
    conflicts::check(&nodes, &mut errors);
    units::check(&nodes, &mut errors);
    let graph = graph::build(&nodes, &mut errors);
    let layers = match layer::layers(&graph) {
        Ok(layers) => Some(layers),
        Err(stuck) => {
            errors.extend(cycle::find(&graph, &stuck));
            None
        }
    };
    match layers {
        Some(layers) if errors.is_empty() => {
            lower::lower(backup_extension, &nodes, &graph, &layers)
                .map(|compiled| {
                    let plan = Plan { role, home_directory, ..compiled.plan };
                    Compiled { plan, scripts, ..compiled }
                })
                .map_err(|message| vec![CompileError::from(BuildError::Internal { message })])
        }
        _ => Err(render::sorted(errors)),
    }
}

/// Where to read the input, where to write the bundle, and with which `am`.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions<'a> {
    pub input: &'a Path,
    pub out: &'a Path,
    /// Absolute path of the `am` binary, for `bin/activate`'s `#!` line.
    pub am_bin: &'a str,
    pub store_dir: &'a str,
}

/// Everything `am-compile build` does: read the input, compile it, write the
/// bundle. Nothing is written unless the configuration has no problem.
pub fn build(options: &BuildOptions) -> Result<Compiled, Vec<CompileError>> {
    let text = fs::read_to_string(options.input).map_err(|source| {
        let path = options.input.into();
        vec![IoError { action: IoAction::ReadInput, path, source }.into()]
    })?;
    let compiled = compile(&text, options.store_dir, &RealFilesystem);
    let am_bin = bundle::am_bin_problem(options.am_bin)
        .map(|problem| BuildError::BadAmPath { path: options.am_bin.to_string(), problem });
    let compiled = match (compiled, am_bin) {
        (Ok(compiled), None) => compiled,
        (compiled, am_bin) => {
            let mut errors = compiled.err().unwrap_or_default();
            errors.extend(am_bin.map(CompileError::from));
            return Err(render::sorted(errors));
        }
    };
    bundle::write(&compiled, options.out, options.am_bin, options.store_dir)
        .map_err(|e| vec![e.into()])?;
    Ok(compiled)
}
