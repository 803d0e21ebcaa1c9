//! `am generations`: list a home's generations, or delete old ones together
//! with their GC roots.

use std::fmt::Write as _;

use crate::cli::Where;
use crate::error::{Error, Result};
use crate::place::Place;
use crate::state::StateDir;
use crate::state::time::format_utc;
use crate::style::Style;

/// The listing, one generation a line, oldest first, the current marked.
pub fn list(place: &Where, style: Style) -> Result<String> {
    let state = StateDir::new(Place::choose(place, None)?.state);
    let current = state.current_number()?;
    let mut text = String::new();
    for number in state.numbers()? {
        let generation = state.read(number)?;
        let marker = if Some(number) == current { style.green("(current)") } else { String::new() };
        let _ = writeln!(
            text,
            "{number:>4}  {}  {}  {}  {marker}",
            format_utc(generation.activated_at),
            generation.bundle,
            crate::report::count(generation.owned.len(), "target", "targets"),
        );
    }
    if text.is_empty() {
        text.push_str("no generations yet: activate a bundle first\n");
    }
    Ok(text.replace("  \n", "\n"))
}

/// Deletes generations (never the current one), each with its GC root.
pub fn delete(place: &Where, numbers: &[u64]) -> Result<String> {
    let place = Place::choose(place, None)?;
    place.check_owner()?;
    let _lock = super::activation::lock(&place)?;
    let state = StateDir::new(place.state);
    let current = state.current_number()?;
    let existing = state.numbers()?;
    for &number in numbers {
        if Some(number) == current {
            return Err(Error::DeleteCurrent(number));
        }
        if !existing.contains(&number) {
            return Err(Error::NoSuchGeneration(number));
        }
    }
    let mut text = String::new();
    for &number in numbers {
        state.delete(number).map_err(|source| Error::Io {
            action: "delete generation",
            path: state.root.join(number.to_string()),
            source,
        })?;
        let _ = writeln!(text, "deleted generation {number} and its GC root");
    }
    Ok(text)
}
