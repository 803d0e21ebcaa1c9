//! `am generations`: list a place's generations (which is current, which
//! `am deactivate` ended), or delete old ones together with their GC roots:
//! by number, by age, or all but the newest few.

use std::fmt::Write as _;

use am_schema::state::Generation;

use crate::cli::{Delete, Where};
use crate::error::{Error, Result};
use crate::place::Place;
use crate::state::StateDir;
use crate::state::time::{format_utc, now};
use crate::style::Style;

/// One recorded generation and what became of it.
#[derive(Debug)]
struct Entry {
    record: Generation,
    /// When `am deactivate` ended it.
    deactivated_at: Option<u64>,
    /// When it stopped being current: deactivated, or followed by the next
    /// generation; `None` while it is current (or nothing says so).
    ended_at: Option<u64>,
}

/// Every generation of a state folder, oldest first, and the current one.
#[derive(Debug)]
struct History {
    entries: Vec<Entry>,
    current: Option<u64>,
}

impl History {
    fn read(state: &StateDir) -> Result<History> {
        let current = state.current_number()?;
        let mut entries: Vec<Entry> = Vec::new();
        for number in state.numbers()? {
            let record = state.read(number)?;
            // A mark on the current generation is left from a deactivation
            // that did not commit: it means nothing.
            let deactivated_at =
                if Some(number) == current { None } else { state.deactivated_at(number)? };
            if let Some(previous) = entries.last_mut() {
                previous.ended_at = previous.deactivated_at.or(Some(record.activated_at));
            }
            entries.push(Entry { record, deactivated_at, ended_at: deactivated_at });
        }
        Ok(History { entries, current })
    }

    fn is_current(&self, entry: &Entry) -> bool {
        Some(entry.record.number) == self.current
    }
}

/// The listing, one generation a line, oldest first, the current one and
/// the deactivated ones marked.
pub fn list(place: &Where, style: Style) -> Result<String> {
    let state = StateDir::new(Place::choose(place, None)?.state);
    let history = History::read(&state)?;
    let mut text = String::new();
    for entry in &history.entries {
        let generation = &entry.record;
        let marker = match entry.deactivated_at {
            _ if history.is_current(entry) => style.green("(current)"),
            Some(time) => style.yellow(&format!("(deactivated {})", format_utc(time))),
            None => String::new(),
        };
        let _ = writeln!(
            text,
            "{:>4}  {}  {}  {}  {marker}",
            generation.number,
            format_utc(generation.activated_at),
            generation.bundle,
            crate::report::count(generation.owned.len(), "target", "targets"),
        );
    }
    match (history.entries.last(), history.current) {
        (None, _) => text.push_str("no generations yet: activate a bundle first\n"),
        (Some(newest), None) => {
            let _ = writeln!(
                text,
                "none is current; `am rollback` activates generation {} again",
                newest.record.number
            );
        }
        (Some(_), Some(_)) => {}
    }
    Ok(text.replace("  \n", "\n"))
}

/// The generation numbers with a short description, a tab between, for
/// the completion scripts; nothing (not an error) where there is no state.
pub fn numbers(place: &Where) -> Result<String> {
    let state = StateDir::new(Place::choose(place, None)?.state);
    let history = History::read(&state)?;
    let mut text = String::new();
    for entry in &history.entries {
        let state = match entry.deactivated_at {
            _ if history.is_current(entry) => ", current",
            Some(_) => ", deactivated",
            None => "",
        };
        let time = format_utc(entry.record.activated_at);
        let _ = writeln!(text, "{}\t{time}{state}", entry.record.number);
    }
    Ok(text)
}

/// Deletes generations (never the current one), each with its GC root, or
/// says which it would delete.
pub fn delete(place: &Where, delete: &Delete, dry_run: bool) -> Result<String> {
    let place = Place::choose(place, None)?;
    let _lock = if dry_run {
        None
    } else {
        place.check_owner()?;
        Some(super::activation::lock(&place)?)
    };
    let state = StateDir::new(place.state);
    let history = History::read(&state)?;
    let chosen = match delete {
        Delete::Numbers(numbers) => by_number(&history, numbers)?,
        Delete::Old { older_than, keep } => {
            let cutoff = older_than.as_ref().map(|age| now().saturating_sub(age.seconds));
            old(&history, cutoff, keep.map(usize::from))
        }
    };
    if chosen.is_empty() {
        return Ok(format!("nothing to delete: {}\n", why_nothing(&history, delete)));
    }
    if !dry_run {
        for &number in &chosen {
            state.delete(number).map_err(|source| Error::Io {
                action: "delete generation",
                path: state.root.join(number.to_string()),
                source,
            })?;
        }
    }
    let verb = if dry_run { "would delete" } else { "deleted" };
    let (noun, roots) = match chosen.len() {
        1 => ("generation", "its GC root"),
        _ => ("generations", "their GC roots"),
    };
    Ok(format!("{verb} {noun} {} and {roots}\n", ranges(&chosen)))
}

/// The numbers asked for, each checked: kept and not current.
fn by_number(history: &History, numbers: &[u64]) -> Result<Vec<u64>> {
    for &number in numbers {
        if Some(number) == history.current {
            return Err(Error::DeleteCurrent(number));
        }
        if !history.entries.iter().any(|entry| entry.record.number == number) {
            return Err(Error::NoSuchGeneration(number));
        }
    }
    let mut chosen = numbers.to_vec();
    chosen.sort_unstable();
    chosen.dedup();
    Ok(chosen)
}

/// The generations that stopped being current before `cutoff` and are not
/// among the `keep` newest; a criterion that is `None` rules out nothing.
/// What was current at the cutoff stays, as `nix-env --delete-generations`
/// keeps it: so that going back to that moment is still possible.
fn old(history: &History, cutoff: Option<u64>, keep: Option<usize>) -> Vec<u64> {
    let newest = history.entries.len().saturating_sub(keep.unwrap_or(0));
    history
        .entries
        .iter()
        .enumerate()
        .filter(|(index, entry)| {
            let ended_before = match (cutoff, entry.ended_at) {
                (None, _) => true,
                (Some(cutoff), Some(ended)) => ended < cutoff,
                (Some(_), None) => false,
            };
            !history.is_current(entry) && ended_before && *index < newest
        })
        .map(|(_, entry)| entry.record.number)
        .collect()
}

/// Why nothing was chosen, in the words of the command line.
fn why_nothing(history: &History, delete: &Delete) -> String {
    if history.entries.is_empty() {
        return "there are no generations".to_string();
    }
    let Delete::Old { older_than, keep } = delete else {
        return "no generation was named".to_string();
    };
    let mut reasons = vec!["the current one".to_string()];
    if let Some(age) = older_than {
        reasons.push(format!("current less than {} ago", age.text));
    }
    if let Some(keep) = keep {
        reasons.push(format!("among the {keep} newest"));
    }
    let last = reasons.pop().unwrap_or_default();
    format!("every generation is {} or {last}", reasons.join(", "))
}

/// `1-3, 5, 7-8`: ascending numbers with their runs shortened.
fn ranges(numbers: &[u64]) -> String {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for &number in numbers {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == number => *end = number,
            _ => runs.push((number, number)),
        }
    }
    let runs: Vec<String> = runs
        .into_iter()
        .map(|(start, end)| match end - start {
            0 => start.to_string(),
            1 => format!("{start}, {end}"),
            _ => format!("{start}-{end}"),
        })
        .collect();
    runs.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(number: u64, activated_at: u64, deactivated_at: Option<u64>) -> Entry {
        let record = Generation {
            number,
            bundle: format!("/nix/store/bundle-{number}"),
            activated_at,
            owned: Vec::new(),
            created_dirs: Vec::new(),
            dconf: Vec::new(),
            units: Vec::new(),
            accounts: Default::default(),
            profile: None,
        };
        Entry { record, deactivated_at, ended_at: None }
    }

    /// Generations 1 to 5 activated at 100, 200, ... 500; 3 was
    /// deactivated at 250, before 4 was activated.
    fn history(current: Option<u64>) -> History {
        let mut entries: Vec<Entry> =
            (1..=5).map(|n| entry(n, n * 100, (n == 3).then_some(250))).collect();
        for index in 0..entries.len() {
            let next = entries.get(index + 1).map(|next| next.record.activated_at);
            entries[index].ended_at = entries[index].deactivated_at.or(next);
        }
        History { entries, current }
    }

    #[test]
    fn old_means_no_longer_current_before_the_cutoff() {
        let history = history(Some(5));
        // Generation 2 ended at 300 when 3 was activated, 3 at 250.
        assert_eq!(old(&history, Some(300), None), vec![1, 3]);
        assert_eq!(old(&history, Some(301), None), vec![1, 2, 3]);
        // What was current at the cutoff stays: 4 was, from 400 to 500.
        assert_eq!(old(&history, Some(450), None), vec![1, 2, 3]);
        assert_eq!(old(&history, Some(10_000), None), vec![1, 2, 3, 4]);
    }

    #[test]
    fn keep_spares_the_newest_and_never_the_current_is_deleted() {
        let current = history(Some(5));
        assert_eq!(old(&current, None, Some(2)), vec![1, 2, 3]);
        assert_eq!(old(&current, None, Some(1)), vec![1, 2, 3, 4]);
        assert_eq!(old(&current, Some(301), Some(4)), vec![1]);
        let deactivated = history(None);
        assert_eq!(old(&deactivated, None, Some(1)), vec![1, 2, 3, 4], "5 is the newest");
        let rolled_back = history(Some(2));
        assert_eq!(old(&rolled_back, None, Some(1)), vec![1, 3, 4]);
    }

    #[test]
    fn runs_of_numbers_are_shortened() {
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), "1-3, 5, 7, 8");
        assert_eq!(ranges(&[4]), "4");
    }
}
