//! What changes between two lists of packages, by name and version: for
//! the dry run, the report, and `am diff`.

use std::collections::BTreeMap;

use am_schema::Package;

/// Packages added, removed and changed, each sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageChanges {
    pub added: Vec<Package>,
    pub removed: Vec<Package>,
    /// The old package and the new one of the same name.
    pub changed: Vec<(Package, Package)>,
}

/// One line of a list of changes: `+`, `-` or `~`, and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeLine {
    pub sign: char,
    pub text: String,
}

impl PackageChanges {
    /// Compares by name: a name on one side only was added or removed;
    /// a name on both sides whose version or outputs differ changed.
    /// Packages equal on both sides are left out first, so a name listed
    /// twice (two versions side by side) compares what is left.
    pub fn between(old: &[Package], new: &[Package]) -> PackageChanges {
        let mut by_name: BTreeMap<&str, (Vec<&Package>, Vec<&Package>)> = BTreeMap::new();
        for package in old {
            by_name.entry(&package.name).or_default().0.push(package);
        }
        for package in new {
            by_name.entry(&package.name).or_default().1.push(package);
        }
        let mut changes = PackageChanges::default();
        for (_, (mut olds, mut news)) in by_name {
            olds.retain(|package| {
                let same = news.iter().position(|other| other == package);
                same.map(|at| news.remove(at)).is_none()
            });
            let paired = olds.len().min(news.len());
            for (before, after) in olds.iter().zip(&news) {
                changes.changed.push(((*before).clone(), (*after).clone()));
            }
            changes.removed.extend(olds[paired..].iter().map(|p| (*p).clone()));
            changes.added.extend(news[paired..].iter().map(|p| (*p).clone()));
        }
        changes
    }

    /// One line per change: removed, then changed, then added.
    pub fn lines(&self) -> Vec<ChangeLine> {
        let line = |sign, text| ChangeLine { sign, text };
        let removed = self.removed.iter().map(|p| line('-', name_and_version(p)));
        let changed = self.changed.iter().map(|(before, after)| {
            let text = if before.version == after.version {
                format!("{} (rebuilt)", name_and_version(after))
            } else {
                format!("{} {} -> {}", after.name, shown(&before.version), shown(&after.version))
            };
            line('~', text)
        });
        let added = self.added.iter().map(|p| line('+', name_and_version(p)));
        removed.chain(changed).chain(added).collect()
    }

    /// `2 packages added, 1 removed, 1 changed`.
    pub fn counts(&self) -> String {
        let mut parts = Vec::new();
        for (n, what) in [
            (self.added.len(), "added"),
            (self.removed.len(), "removed"),
            (self.changed.len(), "changed"),
        ] {
            if n > 0 {
                let noun = match (parts.is_empty(), n) {
                    (false, _) => "",
                    (true, 1) => "package ",
                    (true, _) => "packages ",
                };
                parts.push(format!("{n} {noun}{what}"));
            }
        }
        parts.join(", ")
    }
}

/// `hello 2.12`, or `hello` without a version.
pub fn name_and_version(package: &Package) -> String {
    if package.version.is_empty() {
        package.name.clone()
    } else {
        format!("{} {}", package.name, package.version)
    }
}

fn shown(version: &str) -> &str {
    if version.is_empty() { "(no version)" } else { version }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, version: &str, output: &str) -> Package {
        Package { name: name.into(), version: version.into(), outputs: vec![output.into()] }
    }

    #[test]
    fn packages_compare_by_name_then_version_and_outputs() {
        let old = [
            package("cowsay", "3.03", "/s/a"),
            package("hello", "2.10", "/s/b"),
            package("jq", "1.7", "/s/c"),
            package("tree", "2.1", "/s/d"),
        ];
        let new = [
            package("hello", "2.12", "/s/e"),
            package("jq", "1.7", "/s/f"),
            package("ripgrep", "14", "/s/g"),
            package("tree", "2.1", "/s/d"),
        ];
        let changes = PackageChanges::between(&old, &new);
        let lines: Vec<String> =
            changes.lines().iter().map(|l| format!("{} {}", l.sign, l.text)).collect();
        assert_eq!(
            lines,
            ["- cowsay 3.03", "~ hello 2.10 -> 2.12", "~ jq 1.7 (rebuilt)", "+ ripgrep 14"]
        );
        assert_eq!(changes.counts(), "1 package added, 1 removed, 2 changed");
        assert_eq!(PackageChanges::between(&new, &new), PackageChanges::default());
    }

    #[test]
    fn two_versions_of_one_name_compare_what_differs() {
        let old = [package("python", "3.11", "/s/a"), package("python", "3.12", "/s/b")];
        let new = [package("python", "3.12", "/s/b")];
        let changes = PackageChanges::between(&old, &new);
        assert_eq!(changes.removed, [package("python", "3.11", "/s/a")]);
        assert!(changes.changed.is_empty() && changes.added.is_empty());
    }
}
