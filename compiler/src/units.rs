//! The `systemd-units` node once read (`input/units.rs`): what needs every
//! node (one such node per bundle, each unit named once, each unit's file
//! made by a link node), and the plan's units.

use std::collections::{BTreeMap, BTreeSet};

use am_schema::{SystemdUnits, Unit};

use crate::error::{CompileError, UnitError, UnitRef};
use crate::input::{Body, InputNode, UnitsInput};

/// Checks what needs every node: at most one `systemd-units` node, each
/// unit named once, and each unit's file owned by a link node.
pub fn check(nodes: &[InputNode], errors: &mut Vec<CompileError>) {
    let units_nodes: Vec<(&InputNode, &UnitsInput)> = nodes
        .iter()
        .filter_map(|node| match &node.body {
            Some(Body::SystemdUnits(units)) => Some((node, units)),
            _ => None,
        })
        .collect();
    if units_nodes.len() > 1 {
        let nodes = units_nodes.iter().map(|(node, _)| node.origin.clone()).collect();
        errors.push(UnitError::SecondUnitsNode { nodes }.into());
    }
    let link_targets: BTreeSet<&str> = nodes
        .iter()
        .filter_map(|node| match &node.body {
            Some(Body::Link(link)) => link.target.as_ref()?.literal(),
            _ => None,
        })
        .collect();
    let mut by_name: BTreeMap<&str, Vec<&UnitRef>> = BTreeMap::new();
    for unit in units_nodes.iter().flat_map(|(_, units)| &units.units) {
        if let Some(name) = &unit.name {
            by_name.entry(name).or_default().push(&unit.origin);
        }
        match &unit.target {
            Some(target) if !link_targets.contains(target.as_str()) => {
                let (unit, target) = (unit.origin.clone(), target.clone());
                errors.push(UnitError::UnitWithoutFile { unit, target }.into());
            }
            _ => {}
        }
    }
    for (name, units) in by_name.into_iter().filter(|(_, units)| units.len() > 1) {
        let units = units.into_iter().cloned().collect();
        errors.push(UnitError::DuplicateUnit { name: name.to_string(), units }.into());
    }
}

/// The plan's units, sorted by name; `None` if a unit is incomplete, which
/// validation reports first.
pub fn lower(input: &UnitsInput) -> Option<SystemdUnits> {
    let mut units = input
        .units
        .iter()
        .map(|unit| {
            let mut wanted_by = unit.wanted_by.clone();
            wanted_by.sort();
            wanted_by.dedup();
            Some(Unit {
                name: unit.name.clone()?,
                target: unit.target.clone()?,
                switch_method: unit.switch_method?,
                wanted_by,
            })
        })
        .collect::<Option<Vec<Unit>>>()?;
    units.sort_by(|a, b| a.name.cmp(&b.name));
    Some(SystemdUnits { units })
}
