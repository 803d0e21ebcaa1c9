//! Reading and writing the plan file format described in the crate docs.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Plan;
use crate::state::{Generation, JournalEntry};

/// First bytes of every plan file.
pub const MAGIC: [u8; 8] = *b"AM-PLAN\n";
/// Bumped on every change to the plan types; old plans are then rejected
/// with [`DecodeError::UnsupportedVersion`] instead of being misread.
pub const FORMAT_VERSION: u32 = 9;

const HEADER_LEN: usize = 28;

/// First bytes of every generation record.
pub const GENERATION_MAGIC: [u8; 8] = *b"AM-GEN1\n";
/// Bumped on every change to the state types.
pub const STATE_VERSION: u32 = 6;

/// Why bytes could not be read as a plan or state file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("not {0} (the file does not start with the expected magic)")]
    WrongMagic(&'static str),
    #[error("{}", unsupported(what, *found, *supported))]
    UnsupportedVersion { what: &'static str, found: u32, supported: u32 },
    #[error("truncated: expected {expected} bytes, found {found}")]
    Truncated { expected: u64, found: u64 },
    #[error("corrupt: the checksum does not match the content")]
    ChecksumMismatch,
    #[error("corrupt: {0}")]
    Malformed(String),
}

fn unsupported(what: &str, found: u32, supported: u32) -> String {
    let (by, what_to_do) = match (found < supported, what == PLAN) {
        (true, true) => ("an older", "rebuild the bundle with this one"),
        _ => (if found < supported { "an older" } else { "a newer" }, "use the am that wrote it"),
    };
    format!(
        "format version {found} is not supported by this am (it reads version {supported}): \
         it was written by {by} activation-manager; {what_to_do}"
    )
}

const PLAN: &str = "an activation plan";

/// Encodes a plan with its header.
pub fn encode(plan: &Plan) -> Vec<u8> {
    seal(MAGIC, FORMAT_VERSION, plan)
}

/// Decodes a plan file, checking magic, version, length, checksum and that
/// every node index points at a node.
pub fn decode(bytes: &[u8]) -> Result<Plan, DecodeError> {
    let plan = unseal(bytes, MAGIC, FORMAT_VERSION, PLAN)?;
    check_indices(&plan)?;
    Ok(plan)
}

/// Encodes a generation record with its header.
pub fn encode_generation(generation: &Generation) -> Vec<u8> {
    seal(GENERATION_MAGIC, STATE_VERSION, generation)
}

/// Decodes a generation record, also one an earlier released `am` wrote
/// (see `state::earlier`): upgrading `am` must not strand a home.
pub fn decode_generation(bytes: &[u8]) -> Result<Generation, DecodeError> {
    let what = "a generation record";
    match unseal(bytes, GENERATION_MAGIC, STATE_VERSION, what) {
        Err(DecodeError::UnsupportedVersion { found: 3, .. }) => {
            let earlier: crate::state::earlier::GenerationV3 =
                unseal(bytes, GENERATION_MAGIC, 3, what)?;
            Ok(earlier.into())
        }
        other => other,
    }
}

/// One journal frame: payload length (u32 LE), FNV-1a of the payload (u64
/// LE), payload. Frames are appended one after the other.
pub fn encode_journal_entry(entry: &JournalEntry) -> Vec<u8> {
    let payload =
        postcard::to_stdvec(entry).expect("a journal entry of owned data always serializes");
    let mut out = Vec::with_capacity(12 + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&fnv1a64(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Decodes a journal. Reading stops at the first incomplete or damaged
/// frame: the journal is written before each change is made, so a frame cut
/// off by a crash describes a change that never happened.
///
/// A whole frame (its checksum matches) that does not decode was written
/// by another version of `am`: that is an error, never a shorter journal,
/// since undoing only part of an activation would leave it half done.
pub fn decode_journal(mut bytes: &[u8]) -> Result<Vec<JournalEntry>, DecodeError> {
    let mut entries = Vec::new();
    while bytes.len() >= 12 {
        let len = u32::from_le_bytes(field(bytes, 0)) as usize;
        let checksum = u64::from_le_bytes(field(bytes, 4));
        let Some(payload) = bytes.get(12..12 + len) else { break };
        if fnv1a64(payload) != checksum {
            break;
        }
        let entry = match postcard::take_from_bytes(payload) {
            Ok((entry, [])) => entry,
            _ => {
                return Err(DecodeError::Malformed(format!(
                    "entry {} is not one this am writes",
                    entries.len() + 1
                )));
            }
        };
        entries.push(entry);
        bytes = &bytes[12 + len..];
    }
    Ok(entries)
}

fn seal<T: Serialize>(magic: [u8; 8], version: u32, value: &T) -> Vec<u8> {
    let payload = postcard::to_stdvec(value).expect("owned data always serializes");
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&fnv1a64(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

fn unseal<T: DeserializeOwned>(
    bytes: &[u8],
    magic: [u8; 8],
    version: u32,
    what: &'static str,
) -> Result<T, DecodeError> {
    if bytes.len() < magic.len() || bytes[..magic.len()] != magic {
        return Err(DecodeError::WrongMagic(what));
    }
    if bytes.len() < HEADER_LEN {
        return Err(DecodeError::Truncated {
            expected: HEADER_LEN as u64,
            found: bytes.len() as u64,
        });
    }
    let found = u32::from_le_bytes(field(bytes, 8));
    if found != version {
        return Err(DecodeError::UnsupportedVersion { what, found, supported: version });
    }
    let payload_len = u64::from_le_bytes(field(bytes, 12));
    let checksum = u64::from_le_bytes(field(bytes, 20));
    let payload = &bytes[HEADER_LEN..];
    if payload.len() as u64 != payload_len {
        return Err(DecodeError::Truncated {
            expected: HEADER_LEN as u64 + payload_len,
            found: bytes.len() as u64,
        });
    }
    if fnv1a64(payload) != checksum {
        return Err(DecodeError::ChecksumMismatch);
    }
    let (value, rest) =
        postcard::take_from_bytes(payload).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError::Malformed(format!("{} unexpected bytes at the end", rest.len())));
    }
    Ok(value)
}

fn field<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

/// A checksum-valid file can still be hand-crafted; out-of-range indices
/// must become an error here rather than a panic in the interpreter.
fn check_indices(plan: &Plan) -> Result<(), DecodeError> {
    let count = plan.nodes.len();
    let in_range = |i: &u32| (*i as usize) < count;
    let deps_ok = plan.nodes.iter().all(|n| n.after.iter().all(in_range));
    let layers_ok = plan.layers.iter().flatten().all(in_range);
    if deps_ok && layers_ok {
        Ok(())
    } else {
        Err(DecodeError::Malformed("a node index points past the last node".into()))
    }
}

/// FNV-1a, 64 bit: a few lines, no dependency, and plenty to detect the
/// accidental damage this header guards against. Not for adversaries.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Exec, Kind, Link, Node};

    fn sample() -> Plan {
        Plan {
            role: crate::Role::Home,
            backup_extension: Some("bak".into()),
            home_directory: Some("/home/jane".into()),
            nodes: vec![
                Node {
                    id: "file:.config/a".into(),
                    declared_by: "home.file.\"a\"".into(),
                    required: true,
                    after: vec![],
                    kind: Kind::Link(Link {
                        target: ".config/a".into(),
                        force: false,
                        source: None,
                    }),
                },
                Node {
                    id: "hello".into(),
                    declared_by: "am.nodes.hello".into(),
                    required: false,
                    after: vec![0],
                    kind: Kind::Exec(Exec {
                        argv: vec!["/bin/sh".into(), "-c".into(), "echo hi".into()],
                        env: vec![("A".into(), "1".into())],
                        cwd: Some("/tmp".into()),
                        timeout: Some(30),
                        when_changed: vec![".config/a".into()],
                    }),
                },
            ],
            layers: vec![vec![0], vec![1]],
        }
    }

    #[test]
    fn round_trip() {
        let plan = sample();
        assert_eq!(decode(&encode(&plan)), Ok(plan));
    }

    #[test]
    fn encoding_is_deterministic() {
        assert_eq!(encode(&sample()), encode(&sample()));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = encode(&sample());
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "truncated to {len} bytes decoded");
        }
    }

    #[test]
    fn every_flipped_byte_is_an_error() {
        let bytes = encode(&sample());
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x5a;
            assert!(decode(&damaged).is_err(), "damage at byte {at} went unnoticed");
        }
    }

    #[test]
    fn other_version_is_named() {
        let mut bytes = encode(&sample());
        let other = FORMAT_VERSION + 1;
        bytes[8..12].copy_from_slice(&other.to_le_bytes());
        let error = decode(&bytes).expect_err("another version");
        assert_eq!(
            error,
            DecodeError::UnsupportedVersion { what: PLAN, found: other, supported: FORMAT_VERSION }
        );
        assert!(error.to_string().contains("by a newer activation-manager"), "{error}");
        bytes[8..12].copy_from_slice(&(FORMAT_VERSION - 1).to_le_bytes());
        let error = decode(&bytes).expect_err("an older version");
        assert!(error.to_string().contains("rebuild the bundle with this one"), "{error}");
    }

    #[test]
    fn foreign_file_is_not_a_plan() {
        assert_eq!(
            decode(b"#!/bin/sh\necho hi\n"),
            Err(DecodeError::WrongMagic("an activation plan"))
        );
    }

    #[test]
    fn generation_round_trip_and_is_not_a_plan() {
        let generation = Generation {
            number: 3,
            bundle: "/nix/store/x-home-bundle".into(),
            activated_at: 1_700_000_000,
            owned: vec![crate::state::Owned {
                target: ".a".into(),
                backup: Some(".a.bak".into()),
                kind: crate::state::OwnedKind::Copy(crate::state::ContentHash::of(b"a")),
            }],
            created_dirs: vec![".config".into()],
            dconf: vec![crate::state::DconfRecord {
                path: "/org/x/k".into(),
                value: "@u 5".into(),
                written: "uint32 5".into(),
            }],
            units: vec![crate::state::UnitRecord {
                name: "a.service".into(),
                target: ".config/systemd/user/a.service".into(),
            }],
            profile: Some(crate::state::ProfileRecord {
                profile: "/home/jane/.local/state/nix/profiles/profile".into(),
                path: "/nix/store/y-home-manager-path".into(),
                packages: vec![crate::Package {
                    name: "hello".into(),
                    version: "2.12".into(),
                    outputs: vec!["/nix/store/z-hello-2.12".into()],
                }],
            }),
            accounts: crate::state::AccountsRecord {
                users: vec!["web".into()],
                groups: vec!["web".into()],
                locked: vec![],
                joined: vec![crate::state::Membership {
                    user: "web".into(),
                    group: "audio".into(),
                }],
            },
        };
        let bytes = encode_generation(&generation);
        assert_eq!(decode_generation(&bytes), Ok(generation));
        assert_eq!(decode(&bytes), Err(DecodeError::WrongMagic("an activation plan")));
    }

    #[test]
    fn journal_stops_at_a_torn_frame() {
        let entries = vec![
            JournalEntry::Begin {
                generation: 2,
                bundle: "/nix/store/x".into(),
                previous: Some(1),
                token: 7,
            },
            JournalEntry::LinkCreated { path: "/home/a/.b".into(), content: "/s/.b".into() },
        ];
        let bytes: Vec<u8> = entries.iter().flat_map(encode_journal_entry).collect();
        assert_eq!(decode_journal(&bytes), Ok(entries.clone()));
        let first_len = encode_journal_entry(&entries[0]).len();
        for cut in first_len..bytes.len() {
            assert_eq!(decode_journal(&bytes[..cut]), Ok(entries[..1].to_vec()), "cut at {cut}");
        }
    }

    /// The first release's `Begin`, which had no token.
    #[derive(serde::Serialize)]
    enum FirstReleaseEntry {
        Begin { generation: u64, bundle: String, previous: Option<u64> },
    }

    #[test]
    fn a_journal_of_another_am_is_an_error_not_a_shorter_journal() {
        let old = FirstReleaseEntry::Begin {
            generation: 2,
            bundle: "/nix/store/x".into(),
            previous: Some(1),
        };
        let payload = postcard::to_stdvec(&old).expect("serializes");
        let mut bytes = (payload.len() as u32).to_le_bytes().to_vec();
        bytes.extend_from_slice(&fnv1a64(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        assert!(matches!(decode_journal(&bytes), Err(DecodeError::Malformed(_))));
    }

    #[test]
    fn a_target_is_within_itself_and_its_folders_only() {
        assert!(crate::is_within(".config/nvim/init.lua", ".config/nvim/init.lua"));
        assert!(crate::is_within(".config/nvim/init.lua", ".config/nvim"));
        assert!(!crate::is_within(".config/nvim-old/x", ".config/nvim"));
        assert!(!crate::is_within(".config", ".config/nvim"));
    }

    #[test]
    fn content_hash_is_fnv1a_128() {
        // The published FNV-1a 128 test vectors.
        let hex = |bytes: &[u8]| crate::state::ContentHash::of(bytes).to_string();
        assert_eq!(hex(b""), "6c62272e07bb014262b821756295c58d");
        assert_eq!(hex(b"a"), "d228cb696f1a8caf78912b704e4a8964");
        let mut pieces = crate::state::ContentHasher::default();
        pieces.update(b"foo");
        pieces.update(b"bar");
        assert_eq!(pieces.finish(), crate::state::ContentHash::of(b"foobar"));
    }

    #[test]
    fn out_of_range_index_is_malformed() {
        let mut plan = sample();
        plan.layers.push(vec![9]);
        assert!(matches!(decode(&encode(&plan)), Err(DecodeError::Malformed(_))));
    }
}
