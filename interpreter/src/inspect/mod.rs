//! `am inspect`: a plan shown layer by layer, as text for people, JSON for
//! tools, or a Graphviz graph. Every rendering is a pure function of the plan.

pub mod dot;
pub mod json;
pub mod text;

use am_schema::Plan;

use crate::bundle::{Inspected, Source};
use crate::cli::InspectFormat;
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
pub fn render(inspected: &Inspected, format: InspectFormat, style: Style) -> String {
    let header = Header::of(&inspected.source);
    match format {
        InspectFormat::Text => text::render(&inspected.plan, &header, style),
        InspectFormat::Json => json::render(&inspected.plan, &header),
        InspectFormat::Dot => dot::render(&inspected.plan, &header),
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
