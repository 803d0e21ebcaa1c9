//! `am inspect`: a plan shown layer by layer, as text for people or JSON for
//! tools. Both renderings are pure functions of the plan.

pub mod json;
pub mod text;

use am_schema::Plan;

use crate::bundle::{Inspected, Source};
use crate::style::Style;

/// What the plan came from, shown first in either rendering.
#[derive(Debug)]
pub struct Header {
    /// `bundle` or `planFile`: the JSON key, and the text label.
    pub source_key: &'static str,
    pub source_path: String,
}

impl Header {
    pub fn of(source: &Source) -> Header {
        let (source_key, path) = match source {
            Source::Bundle(path) => ("bundle", path),
            Source::PlanFile(path) => ("planFile", path),
        };
        Header { source_key, source_path: path.to_string_lossy().into_owned() }
    }
}

/// The rendering `am inspect` prints.
pub fn render(inspected: &Inspected, json: bool, style: Style) -> String {
    let header = Header::of(&inspected.source);
    if json {
        json::render(&inspected.plan, &header)
    } else {
        text::render(&inspected.plan, &header, style)
    }
}

/// The layer of every node, by node index; `None` for a node that no layer
/// lists (the compiler never writes one, but a plan file is input).
fn node_layers(plan: &Plan) -> Vec<Option<usize>> {
    let mut layers = vec![None; plan.nodes.len()];
    for (layer, members) in plan.layers.iter().enumerate() {
        for &index in members {
            if let Some(slot) = layers.get_mut(index as usize) {
                *slot = Some(layer);
            }
        }
    }
    layers
}
