//! Small packages for the tests of `home.packages`, built offline with
//! `builtins.derivation` (builder `/bin/sh`, no stdenv): each has one
//! command `bin/<name>` that prints a text. And a look at a Nix profile's
//! folder, to tell whether it is exactly as it was.

use std::path::Path;

use crate::engine::nix_str;

/// A Nix expression of a package `<name>-<version>` whose `bin/<name>`
/// prints `text`.
pub fn package_expr(name: &str, version: &str, text: &str) -> String {
    let script = format!(
        "/bin/mkdir -p $out/bin && printf '#!/bin/sh\\necho %s\\n' {text} > $out/bin/{name} \
         && /bin/chmod 555 $out/bin/{name}",
        text = shell_quote(text),
    );
    format!(
        "(builtins.derivation {{ name = {}; pname = {}; version = {}; \
         system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" {} ]; }})",
        nix_str(&format!("{name}-{version}")),
        nix_str(name),
        nix_str(version),
        nix_str(&script)
    )
}

/// `home.packages = [ ... ];` of packages `(name, version, text)`.
pub fn packages_line(packages: &[(&str, &str, &str)]) -> String {
    let list: Vec<String> =
        packages.iter().map(|(name, version, text)| package_expr(name, version, text)).collect();
    format!("home.packages = [ {} ];", list.join(" "))
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A profile's folder as Nix leaves it: every entry with what it links
/// to, sorted, and where the profile leads. Two profiles equal by this are
/// the same generations with the same one current.
pub fn profile_state(profile: &Path) -> String {
    let Some(folder) = profile.parent() else { return String::new() };
    let Ok(entries) = std::fs::read_dir(folder) else { return "(no profile folder)\n".into() };
    let mut lines: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            match std::fs::read_link(&path) {
                Ok(content) => format!("{name} -> {}", content.display()),
                Err(_) => name,
            }
        })
        .collect();
    lines.sort();
    let resolved = std::fs::canonicalize(profile)
        .map_or("(missing)".to_string(), |path| path.display().to_string());
    format!("{}\nresolves to {resolved}\n", lines.join("\n"))
}
