//! What `am` and the process it starts for one Lua chunk (`am __lua-chunk`)
//! say to each other: the job on the process's stdin, then one event on its
//! stdout for each node the chunk creates and each line it logs, as it
//! makes them, so that what a killed chunk said is not lost.
//!
//! Both ends are the same binary (`/proc/self/exe`), so nothing here is
//! versioned. An event is a frame: its payload's length (u32
//! little-endian), then the postcard payload.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{DecodeError, Node};

/// One chunk to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkJob {
    /// The `lua` node: its kind holds the chunk, and the nodes the chunk
    /// creates take its id, option and requirement.
    pub node: Node,
    /// The home's path as bytes (a path need not be UTF-8).
    pub home: Vec<u8>,
    /// The bundle's path as bytes; `None` when deactivating.
    pub bundle: Option<Vec<u8>>,
    pub dry_run: bool,
    /// How long the chunk may run.
    pub time_limit: Duration,
}

/// What a chunk did, one thing at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChunkEvent {
    /// A node it created, after the checks of the API.
    Created(Node),
    /// A line it logged (`print`, `am.log.info`, `am.log.warn`).
    Log { warning: bool, text: String },
    /// It failed: Lua's message and traceback. Nothing follows.
    Failed(String),
}

/// The length of a frame's header.
pub const EVENT_HEADER_LEN: usize = 4;

pub fn encode_job(job: &ChunkJob) -> Vec<u8> {
    postcard::to_stdvec(job).expect("a job of owned data always serializes")
}

pub fn decode_job(bytes: &[u8]) -> Result<ChunkJob, DecodeError> {
    postcard::from_bytes(bytes).map_err(|error| DecodeError::Malformed(error.to_string()))
}

/// An event as one frame, header included.
pub fn encode_event(event: &ChunkEvent) -> Vec<u8> {
    let payload = postcard::to_stdvec(event).expect("an event of owned data always serializes");
    let mut frame = Vec::with_capacity(EVENT_HEADER_LEN + payload.len());
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(&payload);
    frame
}

/// The payload length a frame header announces.
pub fn event_len(header: [u8; EVENT_HEADER_LEN]) -> usize {
    u32::from_le_bytes(header) as usize
}

/// An event from a frame's payload (without its header).
pub fn decode_event(payload: &[u8]) -> Result<ChunkEvent, DecodeError> {
    postcard::from_bytes(payload).map_err(|error| DecodeError::Malformed(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kind, Lua};

    #[test]
    fn jobs_and_events_come_back_as_they_went() {
        let node = Node {
            id: "lua:t".into(),
            declared_by: "lua.tasks.t".into(),
            required: true,
            after: vec![],
            kind: Kind::Lua(Lua { chunk: "print(1)".into(), name: "n".into(), timeout: Some(2) }),
        };
        let job = ChunkJob {
            node: node.clone(),
            home: b"/home/\xffme".to_vec(),
            bundle: None,
            dry_run: true,
            time_limit: Duration::from_millis(1500),
        };
        assert_eq!(decode_job(&encode_job(&job)), Ok(job));
        for event in [
            ChunkEvent::Created(node),
            ChunkEvent::Log { warning: true, text: "careful".into() },
            ChunkEvent::Failed("n:1: boom".into()),
        ] {
            let frame = encode_event(&event);
            let (header, payload) = frame.split_at(EVENT_HEADER_LEN);
            let header: [u8; EVENT_HEADER_LEN] = header.try_into().expect("four bytes");
            assert_eq!(event_len(header), payload.len());
            assert_eq!(decode_event(payload), Ok(event));
        }
        assert!(decode_event(&[0xff]).is_err());
    }
}
