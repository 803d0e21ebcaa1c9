//! Finding a bundle (a folder, its `bin/activate`, or the active one) and
//! loading its plan.

use std::io;
use std::path::{Path, PathBuf};

use am_schema::{PLAN_FILE, Plan, STATIC_DIR};

use crate::cli::BundleArg;
use crate::error::{Error, Result};
use crate::place::Place;

/// A bundle folder and its decoded plan.
#[derive(Debug)]
pub struct Bundle {
    /// The canonical folder: `./result` is usually a link into the store, and
    /// the static link must point at the store path, not at `./result`.
    pub root: PathBuf,
    pub plan: Plan,
}

/// Opens the bundle named on the command line of `am activate`.
/// `None` for [`BundleArg::Active`], whose bundle depends on the place:
/// see [`Place::active_bundle`].
pub fn open(arg: &BundleArg) -> Result<Option<Bundle>> {
    let folder = match arg {
        BundleArg::Active => return Ok(None),
        BundleArg::Folder(folder) => folder.clone(),
        BundleArg::Script(script) => {
            // The script is `<bundle>/bin/activate`.
            let script = canonical(script)?;
            match script.parent().and_then(Path::parent) {
                Some(bundle) => bundle.to_path_buf(),
                None => return Err(Error::NotABundle { path: script }),
            }
        }
    };
    open_folder(&folder).map(Some)
}

/// Opens a bundle folder: its plan, which must stay within the home
/// whoever wrote it, and its `static/` folder, which the home's links
/// point into.
pub fn open_folder(folder: &Path) -> Result<Bundle> {
    let root = canonical(folder)?;
    let plan_file = root.join(PLAN_FILE);
    if !root.is_dir() || !plan_file.exists() || !root.join(STATIC_DIR).is_dir() {
        return Err(Error::NotABundle { path: folder.to_path_buf() });
    }
    let plan = load_plan(&plan_file)?;
    check_plan(&plan).map_err(|problem| Error::PlanUnsafe { path: plan_file, problem })?;
    Ok(Bundle { plan, root })
}

/// The compiler checked the plan, but a plan file is only bytes: what
/// could make `am` act outside the home is checked again, cheaply.
fn check_plan(plan: &Plan) -> std::result::Result<(), String> {
    for node in &plan.nodes {
        let Some(target) = crate::activate::target::file_target(&node.kind) else { continue };
        if am_schema::target::normalize(target).as_deref() != Ok(target) {
            return Err(format!(
                "node {} has the target {target:?}, which is not a plain path inside the home",
                node.id
            ));
        }
    }
    match &plan.backup_extension {
        Some(extension) if !am_schema::target::is_backup_extension(extension) => {
            Err(format!("its backup extension {extension:?} would put backups in another folder"))
        }
        _ => Ok(()),
    }
}

/// What `am inspect` shows: a whole bundle, or a lone plan file.
#[derive(Debug)]
pub struct Inspected {
    pub source: Source,
    pub plan: Plan,
}

#[derive(Debug)]
pub enum Source {
    Bundle(PathBuf),
    PlanFile(PathBuf),
}

/// Opens what `am inspect` was given: a bundle folder or a plan file, or
/// the active bundle when `path` is `None`.
pub fn open_for_inspect(
    path: Option<&Path>,
    home: impl FnOnce() -> Result<Place>,
) -> Result<Inspected> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None => home()?.active_bundle("inspect")?,
    };
    let metadata = std::fs::metadata(&path)
        .map_err(|source| Error::BundleUnreadable { path: path.clone(), source })?;
    if metadata.is_dir() {
        let bundle = open_folder(&path)?;
        Ok(Inspected { source: Source::Bundle(bundle.root), plan: bundle.plan })
    } else {
        Ok(Inspected { plan: load_plan(&path)?, source: Source::PlanFile(path) })
    }
}

/// Reads and decodes a plan file; every failure names the file.
pub fn load_plan(file: &Path) -> Result<Plan> {
    let bytes = std::fs::read(file)
        .map_err(|source| Error::PlanUnreadable { path: file.to_path_buf(), source })?;
    am_schema::decode(&bytes)
        .map_err(|source| Error::PlanInvalid { path: file.to_path_buf(), source })
}

fn canonical(path: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(path).map_err(|source| {
        let source = if source.kind() == io::ErrorKind::NotFound {
            io::Error::new(io::ErrorKind::NotFound, "does not exist")
        } else {
            source
        };
        Error::BundleUnreadable { path: path.to_path_buf(), source }
    })
}
