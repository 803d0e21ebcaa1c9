//! The generated dotfiles: N small text files, about ten per folder, one to
//! three folders deep, and a second generation with 1% of them changed, 1%
//! removed and 1% added. Seeded, so every tool and every run see the same.

use std::fmt::Write as _;

use am_tests::rng::Rng;

/// One file of a generation.
#[derive(Clone, Debug)]
pub struct File {
    /// Relative to the home, like `.config/app17/sub17/file5.conf`.
    pub path: String,
    pub content: String,
    /// The generation that wrote this content: unchanged files keep the store
    /// file of the generation that made them, as per-file Nix store paths do.
    pub origin: u32,
}

/// The files one generation declares, sorted by path.
#[derive(Debug)]
pub struct Generation {
    pub number: u32,
    pub files: Vec<File>,
}

impl Generation {
    /// The files of `self` whose path `other` does not declare.
    pub fn missing_from<'a>(&'a self, other: &Generation) -> Vec<&'a File> {
        let kept: std::collections::HashSet<&str> =
            other.files.iter().map(|f| f.path.as_str()).collect();
        self.files.iter().filter(|f| !kept.contains(f.path.as_str())).collect()
    }
}

/// Both generations: the second changes, removes and adds 1% of the first's
/// files each (at least one).
#[derive(Debug)]
pub struct Workload {
    pub first: Generation,
    pub second: Generation,
}

/// The seed of every run, so numbers of two runs compare the same files.
pub const SEED: u64 = 0x00a1_b2c3_d4e5_f607;

const FILES_PER_FOLDER: usize = 10;

/// Values that need escaping in Nix strings (and exercise it): quotes,
/// backslashes, `${`, `''`, plus plain ones.
const VALUES: &[&str] = &[
    "true",
    "\"quoted value\"",
    "${HOME}/.cache/app",
    "C:\\Users\\me\\dos-path",
    "''two single quotes''",
    "$PATH:/usr/local/bin",
    "plain words here",
    "#ff8800",
];

/// The two generations of `count` files.
pub fn generate(count: usize, seed: u64) -> Workload {
    let mut rng = Rng::with_state(seed);
    let first = Generation { number: 1, files: first_files(count, &mut rng) };
    let share = (count / 100).max(1);
    let second = second_generation(&first, share, &mut rng);
    Workload { first, second }
}

fn first_files(count: usize, rng: &mut Rng) -> Vec<File> {
    let folders = count.div_ceil(FILES_PER_FOLDER);
    let mut files = Vec::with_capacity(count);
    for folder_index in 0..folders {
        let folder = folder_path(folder_index, rng);
        let in_folder = FILES_PER_FOLDER.min(count - files.len());
        for file_index in 0..in_folder {
            let path = format!("{folder}/file{file_index}.conf");
            files.push(File { content: content(rng, 1), path, origin: 1 });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// A folder one to three levels deep. Deep folders share their parent with
/// three neighbours, and may share it with a shallower folder's files, as
/// `.config/<app>/` often does.
fn folder_path(index: usize, rng: &mut Rng) -> String {
    match rng.between(1, 3) {
        1 => format!(".app{index}"),
        2 => format!(".config/app{index}"),
        _ => format!(".config/app{}/sub{index}", index / 4),
    }
}

/// 50 to 200 bytes of config-like lines.
fn content(rng: &mut Rng, generation: u32) -> String {
    let length = rng.between(50, 200);
    let mut text = format!("# generation {generation}, seed {}\n", rng.next_u64() % 100_000);
    let mut key = 0;
    while text.len() < length {
        let value = VALUES[rng.below(VALUES.len())];
        let _ = writeln!(text, "key{key} = {value} {}", rng.next_u64() % 1000);
        key += 1;
    }
    text.truncate(length);
    text
}

fn second_generation(first: &Generation, share: usize, rng: &mut Rng) -> Generation {
    let mut order: Vec<usize> = (0..first.files.len()).collect();
    shuffle(&mut order, rng);
    let changed: Vec<usize> = order.iter().copied().take(share).collect();
    let removed: Vec<usize> = order.iter().copied().skip(share).take(share).collect();
    let mut files = Vec::with_capacity(first.files.len() + share);
    for (index, file) in first.files.iter().enumerate() {
        if removed.contains(&index) {
            continue;
        }
        let mut file = file.clone();
        if changed.contains(&index) {
            file.content = content(rng, 2);
            file.origin = 2;
        }
        files.push(file);
    }
    for added in 0..share {
        // New files join existing folders, like a new option of a known app.
        let neighbour = &first.files[rng.below(first.files.len())].path;
        let folder = neighbour.rsplit_once('/').map_or("", |(folder, _)| folder);
        let path = format!("{folder}/new{added}.conf");
        files.push(File { content: content(rng, 2), path, origin: 2 });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Generation { number: 2, files }
}

fn shuffle(items: &mut [usize], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_generation_changes_removes_and_adds_one_percent() {
        let workload = generate(1000, 7);
        let (first, second) = (&workload.first, &workload.second);
        assert_eq!(first.files.len(), 1000);
        assert_eq!(second.files.len(), 1000);
        assert_eq!(first.missing_from(second).len(), 10, "removed");
        assert_eq!(second.missing_from(first).len(), 10, "added");
        let changed = second.files.iter().filter(|f| f.origin == 2).count();
        assert_eq!(changed, 20, "changed plus added");
    }

    #[test]
    fn paths_are_unique_and_one_to_three_folders_deep() {
        let workload = generate(2000, 7);
        let mut paths: Vec<&str> = workload.first.files.iter().map(|f| f.path.as_str()).collect();
        paths.dedup();
        assert_eq!(paths.len(), 2000);
        assert!(paths.iter().all(|p| (2..=4).contains(&p.split('/').count())));
    }

    #[test]
    fn the_same_seed_gives_the_same_files() {
        let contents = |seed| {
            generate(100, seed).second.files.iter().map(|f| f.content.clone()).collect::<Vec<_>>()
        };
        assert_eq!(contents(3), contents(3));
        assert_ne!(contents(3), contents(4));
    }
}
