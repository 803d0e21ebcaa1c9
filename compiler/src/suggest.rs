//! "Did you mean ...?": the closest known name to a misspelled one.

/// The candidate closest to `wrong`, if one is close enough to be a likely
/// typo. Ties go to the first candidate in iteration order, so callers pass
/// sorted candidates to keep messages deterministic.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    // A third of the length allows one typo from three characters on and a
    // few in long ids, without proposing unrelated names: "b" is not a typo
    // of "a".
    let limit = wrong.chars().count() / 3;
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == wrong {
            continue;
        }
        // Forgetting the `file:` prefix of file node ids is the most likely
        // mistake in `after`/`before`; a case difference the next likeliest.
        let distance = if candidate.strip_prefix("file:") == Some(wrong)
            || candidate.to_lowercase() == wrong_lower
        {
            0
        } else if let Some(d) = distance(wrong, candidate, limit) {
            d
        } else if candidate.len() >= 3 && wrong_lower.starts_with(&candidate.to_lowercase()) {
            // A longer spelling of a known name, such as `environment` for
            // `env`: likely meant, but less so than any near typo.
            limit + 1
        } else {
            continue;
        };
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Edit distance between `a` and `b`, counting a swap of two neighbouring
/// characters as one edit (optimal string alignment), or `None` when it
/// exceeds `limit`. Bails out early so that comparing against thousands of
/// ids stays cheap.
fn distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut before_previous = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    let mut previous_min = 0;
    for i in 0..a.len() {
        current[0] = i + 1;
        for j in 0..b.len() {
            let substitution = previous[j] + usize::from(a[i] != b[j]);
            let mut best = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                best = best.min(before_previous[j - 1] + 1);
            }
            current[j + 1] = best;
        }
        // A row's minimum is at least that of the row above or, through a
        // swap, one more than that of the row above that; once two rows in
        // a row exceed the limit, every later one does too.
        let row_min = current.iter().copied().min().unwrap_or(0);
        if row_min > limit && previous_min > limit {
            return None;
        }
        previous_min = row_min;
        std::mem::swap(&mut before_previous, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        assert_eq!(distance("kitten", "sitting", 5), Some(3));
        assert_eq!(distance("", "abc", 5), Some(3));
        assert_eq!(distance("abc", "abc", 0), Some(0));
        assert_eq!(distance("kitten", "sitting", 2), None);
        assert_eq!(distance("exce", "exec", 1), Some(1));
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(closest("sorce", ["source", "target", "text"]), Some("source"));
        assert_eq!(closest("exce", ["link", "exec"]), Some("exec"));
        assert_eq!(closest("banana", ["link", "exec"]), None);
        assert_eq!(closest("b", ["a"]), None);
        assert_eq!(closest("B", ["b"]), Some("b"));
        assert_eq!(closest("environment", ["argv", "env", "cwd"]), Some("env"));
        assert_eq!(closest("targets", ["target", "text"]), Some("target"));
    }

    #[test]
    fn suggests_the_file_prefix() {
        assert_eq!(closest(".vimrc", ["file:.vimrc", "vimrc"]), Some("file:.vimrc"));
    }

    #[test]
    fn ties_go_to_the_first_candidate() {
        assert_eq!(closest("abcd", ["abce", "abcf"]), Some("abce"));
    }
}
