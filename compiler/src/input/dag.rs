//! The `dag` field every node may carry: the DAG entry the Nix library
//! lowered it from (`home.activation.<name>`), so that messages about its
//! ordering quote the user's own names and DAG functions.

use serde_json::Value;

use super::reader::Reader;
use crate::error::DagEntry;

/// Reads `dag`; a value of another shape is a type error (the Nix library
/// writes it, so that is a bug there) and gives `None`.
pub(super) fn read(reader: &mut Reader) -> Option<DagEntry> {
    let value = reader.get("dag")?;
    let entry = match value {
        Value::Object(fields) => entry(fields),
        _ => None,
    };
    if entry.is_none() {
        reader.mismatch("dag", value, None);
    }
    entry
}

fn entry(fields: &serde_json::Map<String, Value>) -> Option<DagEntry> {
    let string = |name: &str| fields.get(name)?.as_str().map(str::to_string);
    let strings = |name: &str| -> Option<Vec<String>> {
        match fields.get(name) {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(Value::Array(items)) => {
                items.iter().map(|item| item.as_str().map(str::to_string)).collect()
            }
            Some(_) => None,
        }
    };
    Some(DagEntry {
        option: string("option")?,
        name: string("name")?,
        after: strings("after")?,
        before: strings("before")?,
        anchors: strings("anchors")?,
    })
}
