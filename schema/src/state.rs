//! What `am` keeps about a home between runs: generation records and the
//! journal of an activation in progress.
//!
//! These are on-disk formats, kept here beside the plan so that every
//! compatibility promise lives in one crate.

use serde::{Deserialize, Serialize};

pub mod earlier;

/// One successful activation: what it activated and what it owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generation {
    /// 1 for the first activation of a home, then one more each time.
    pub number: u64,
    /// The bundle's store path.
    pub bundle: String,
    /// Seconds since the Unix epoch.
    pub activated_at: u64,
    /// Every target this generation made, sorted by target.
    pub owned: Vec<Owned>,
    /// Folders activations created to hold targets, relative to the home,
    /// sorted; only these are ever pruned when they become empty.
    pub created_dirs: Vec<String>,
    /// Every dconf key this generation set, sorted by path; a later
    /// generation resets those it drops.
    pub dconf: Vec<DconfRecord>,
    /// The systemd user units of this generation's bundle, sorted by name;
    /// the next activation compares their files with its own.
    pub units: Vec<UnitRecord>,
    /// The users and groups activations of a system created, and those
    /// locked since the configuration dropped them.
    pub accounts: AccountsRecord,
    /// The entry this generation installed into a Nix profile
    /// (`home.packages`); a later generation without it removes it.
    pub profile: Option<ProfileRecord>,
}

/// What `am` did to a system's accounts, which it never deletes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsRecord {
    /// Users an activation created with `useradd`, sorted.
    pub users: Vec<String>,
    /// Groups an activation created with `groupadd`, sorted.
    pub groups: Vec<String>,
    /// Of those users, the ones locked because the configuration dropped
    /// them, sorted.
    pub locked: Vec<String>,
    /// Memberships an activation added (with `useradd --groups` or
    /// `gpasswd --add`), sorted: only these are removed when dropped.
    pub joined: Vec<Membership>,
}

/// A user's membership of a supplementary group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Membership {
    pub user: String,
    pub group: String,
}

/// The package tree a generation installed into a Nix profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRecord {
    /// The profile itself (the link Nix switches between its generations,
    /// e.g. `~/.local/state/nix/profiles/profile`), absolute: where the
    /// profile directory led when it was installed.
    pub profile: String,
    /// The store path of the tree installed as one entry.
    pub path: String,
    /// What the tree holds, as the plan listed it.
    pub packages: Vec<crate::Package>,
}

/// A systemd unit a generation had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRecord {
    pub name: String,
    /// The unit file's target, relative to the home: its content is the
    /// generation's bundle's `static/<target>`.
    pub target: String,
}

/// A target a generation made, relative to the home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owned {
    pub target: String,
    /// Where the user's original was moved to make room (relative to the
    /// home); it is moved back when the target stops being managed.
    pub backup: Option<String>,
    pub kind: OwnedKind,
}

/// What a generation made at a target, which says how to tell later
/// whether it is still untouched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OwnedKind {
    /// A link into the static folder: still ours while it points there.
    Link,
    /// A regular file with these bytes: still ours while it has them.
    Copy(ContentHash),
    /// A link a Lua chunk created, with this content: still ours while it
    /// has it. Dropped only after the chunks ran, if none created it again.
    LuaLink(String),
    /// A copy a Lua chunk created, with these bytes.
    LuaCopy(ContentHash),
}

impl OwnedKind {
    /// Whether a Lua chunk made the target at run time.
    pub fn by_lua(&self) -> bool {
        matches!(self, OwnedKind::LuaLink(_) | OwnedKind::LuaCopy(_))
    }
}

/// A dconf key a generation set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DconfRecord {
    /// The absolute key path, e.g. `/org/gnome/desktop/interface/color-scheme`.
    pub path: String,
    /// The GVariant text the plan gave.
    pub value: String,
    /// The value as `dconf dump` showed it right after writing (dconf's own
    /// spelling, e.g. `uint32 5` for `@u 5`): while the key still shows
    /// this, a re-activation need not write it again.
    pub written: String,
}

/// FNV-1a with 128 bits of a file's content: no dependency, fast enough
/// for configuration files, and wide enough that an edit which keeps the
/// hash is not a practical concern (it detects edits, it is no MAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContentHash(pub [u8; 16]);

impl ContentHash {
    pub fn of(bytes: &[u8]) -> ContentHash {
        let mut hasher = ContentHasher::default();
        hasher.update(bytes);
        hasher.finish()
    }
}

impl std::fmt::Display for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

/// Computes a [`ContentHash`] over data that arrives in pieces.
#[derive(Debug, Clone)]
pub struct ContentHasher(u128);

impl Default for ContentHasher {
    fn default() -> Self {
        ContentHasher(0x6c62_272e_07bb_0142_62b8_2175_6295_c58d)
    }
}

impl ContentHasher {
    pub fn update(&mut self, bytes: &[u8]) {
        const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
        for byte in bytes {
            self.0 = (self.0 ^ u128::from(*byte)).wrapping_mul(PRIME);
        }
    }

    pub fn finish(&self) -> ContentHash {
        ContentHash(self.0.to_be_bytes())
    }
}

/// One change of an activation, written (and fsynced) to the journal
/// before the change is made, so that an interrupted activation can be
/// undone. Paths are absolute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JournalEntry {
    /// The activation of generation `generation` of `bundle` began, while
    /// `previous` was current. `bundle` is empty when deactivating. Every
    /// temporary path the activation makes beside a target carries `token`
    /// in its name, so recovery knows them all and nobody else has one.
    Begin { generation: u64, bundle: String, previous: Option<u64>, token: u64 },
    /// The activation stands: `current` was moved. What follows (deleting
    /// what was moved to the trash, then the folders `prune` that held only
    /// that, GC roots) is clean-up, never undone; recovery finishes it.
    Committed { prune: Vec<String> },
    /// A folder was created where nothing was.
    DirCreated { path: String },
    /// A symlink with `content` was created where nothing was.
    LinkCreated { path: String, content: String },
    /// A symlink with content `previous` was replaced by one with `content`,
    /// or removed when `content` is `None`.
    LinkReplaced { path: String, previous: String, content: Option<String> },
    /// A path was renamed: a user's file to its backup (or back), or, when
    /// `trash` is set, anything `force` or a replacement moves out of the
    /// way (an unedited copy being removed too), to a hidden name beside it
    /// that is deleted once the activation commits.
    /// `inode` is what was at `from` when the move was journaled: undo
    /// moves back only that, never something else found at `to`.
    Moved { from: String, to: String, trash: bool, inode: u64 },
    /// A regular file with content `hash` is being written at `path` where
    /// nothing is: first as `temp` beside it, then renamed into place.
    CopyCreated { path: String, temp: String, hash: ContentHash },
    /// dconf keys are being written or reset; each change holds what to
    /// put back.
    DconfChanged { changes: Vec<DconfPrevious> },
    /// A user (`group` false) or group is being created in the system whose
    /// root is `root`; undoing deletes it (it holds nothing yet).
    AccountCreated { root: String, group: bool, name: String },
    /// A user is being locked (`locked`) or unlocked; undoing does the
    /// opposite.
    AccountLocked { root: String, name: String, locked: bool },
    /// `user` is being added to (`joined`) or removed from `group`;
    /// undoing does the opposite.
    GroupMembership { root: String, user: String, group: String, joined: bool },
    /// Nix's tools are about to change the Nix profile `profile` (absolute),
    /// whose current generation is `previous` (`None`: no profile yet) and
    /// whose newest generation is `newest` (0: none), after making the
    /// folders `made_dirs` (outermost first) and the link `made_link` to the
    /// profile (`home.profileDirectory`, when it was missing). Undone by
    /// making `previous` current again and deleting every generation newer
    /// than `newest`, then the link, then the folders if they are empty.
    ProfileChanged {
        profile: String,
        previous: Option<u64>,
        newest: u64,
        made_dirs: Vec<String>,
        made_link: Option<String>,
    },
}

/// A dconf key's value before an activation changed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DconfPrevious {
    /// The absolute key path.
    pub path: String,
    /// GVariant text as `dconf dump` showed it; `None`: the key was unset.
    pub value: Option<String>,
}
