//! Generation records as earlier released versions of `am` wrote them, and
//! how each reads as today's [`Generation`]. A version is kept here as long
//! as homes may hold its records; its types never change.

use serde::{Deserialize, Serialize};

use super::{AccountsRecord, DconfRecord, Generation, Owned, UnitRecord};

/// State version 3 (the first release): no accounts, no profile, which
/// home bundles of that time could not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerationV3 {
    pub number: u64,
    pub bundle: String,
    pub activated_at: u64,
    pub owned: Vec<Owned>,
    pub created_dirs: Vec<String>,
    pub dconf: Vec<DconfRecord>,
    pub units: Vec<UnitRecord>,
}

impl From<GenerationV3> for Generation {
    fn from(v3: GenerationV3) -> Generation {
        let GenerationV3 { number, bundle, activated_at, owned, created_dirs, dconf, units } = v3;
        Generation {
            number,
            bundle,
            activated_at,
            owned,
            created_dirs,
            dconf,
            units,
            accounts: AccountsRecord::default(),
            profile: None,
        }
    }
}
