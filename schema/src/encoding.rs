//! Reading and writing the plan file format described in the crate docs.

use crate::Plan;

/// First bytes of every plan file.
pub const MAGIC: [u8; 8] = *b"AM-PLAN\n";
/// Bumped on every change to the plan types; old plans are then rejected
/// with [`DecodeError::UnsupportedVersion`] instead of being misread.
pub const FORMAT_VERSION: u32 = 1;

const HEADER_LEN: usize = 28;

/// Why bytes could not be read as a plan.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("not an activation plan (the file does not start with the plan magic)")]
    NotAPlan,
    #[error(
        "plan format version {found} is not supported by this am (it reads version {supported}); \
         activate the bundle with the am it was built with"
    )]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("plan is truncated: expected {expected} bytes, found {found}")]
    Truncated { expected: u64, found: u64 },
    #[error("plan is corrupt: its checksum does not match its content")]
    ChecksumMismatch,
    #[error("plan is corrupt: {0}")]
    Malformed(String),
}

/// Encodes a plan with its header.
pub fn encode(plan: &Plan) -> Vec<u8> {
    // Serializing plain owned data into a Vec cannot fail.
    let payload = postcard::to_stdvec(plan).expect("a plan of owned data always serializes");
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&fnv1a64(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Decodes a plan file, checking magic, version, length, checksum and that
/// every node index points at a node.
pub fn decode(bytes: &[u8]) -> Result<Plan, DecodeError> {
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(DecodeError::NotAPlan);
    }
    if bytes.len() < HEADER_LEN {
        return Err(DecodeError::Truncated { expected: HEADER_LEN as u64, found: bytes.len() as u64 });
    }
    let version = u32::from_le_bytes(field(bytes, 8));
    if version != FORMAT_VERSION {
        return Err(DecodeError::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
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
    let (plan, rest): (Plan, _) =
        postcard::take_from_bytes(payload).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError::Malformed(format!("{} unexpected bytes after the plan", rest.len())));
    }
    check_indices(&plan)?;
    Ok(plan)
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
/// accidental damage this header guards against.
fn fnv1a64(bytes: &[u8]) -> u64 {
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
            nodes: vec![
                Node {
                    id: "file:.config/a".into(),
                    declared_by: "home.file.\"a\"".into(),
                    required: true,
                    after: vec![],
                    kind: Kind::Link(Link { target: ".config/a".into() }),
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
        bytes[8..12].copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(
            decode(&bytes),
            Err(DecodeError::UnsupportedVersion { found: 7, supported: FORMAT_VERSION })
        );
    }

    #[test]
    fn foreign_file_is_not_a_plan() {
        assert_eq!(decode(b"#!/bin/sh\necho hi\n"), Err(DecodeError::NotAPlan));
    }

    #[test]
    fn out_of_range_index_is_malformed() {
        let mut plan = sample();
        plan.layers.push(vec![9]);
        assert!(matches!(decode(&encode(&plan)), Err(DecodeError::Malformed(_))));
    }
}
