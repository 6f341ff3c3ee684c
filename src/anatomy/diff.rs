//! "What changed" between two images, by directory: the few directories that carry a size
//! change, as deep as the change stays concentrated ("/usr/local/lib/python3.11/site-packages
//! +38 MB; /var/lib/apt/lists -18 MB").

use std::collections::{BTreeMap, BTreeSet};

/// A change below this is not listed.
pub const MIN_CHANGE_BYTES: i64 = 1_000_000;
/// A directory whose one child carries at least this share of its change is described by that
/// child instead.
const CONCENTRATED: f64 = 0.8;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DirChange {
    pub dir: String,
    pub before_bytes: u64,
    pub after_bytes: u64,
}

impl DirChange {
    pub fn delta(&self) -> i64 {
        self.after_bytes as i64 - self.before_bytes as i64
    }

    /// `/usr/local/lib/python3.11/site-packages +38.0 MB (12.3 MB → 50.3 MB)`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.dir, self.amount())
    }

    /// `+38.0 MB (12.3 MB → 50.3 MB)`.
    pub fn amount(&self) -> String {
        use crate::format::format_bytes;
        let delta = self.delta();
        let sign = if delta < 0 { "−" } else { "+" };
        format!(
            "{sign}{} ({} → {})",
            format_bytes(delta.unsigned_abs() as f64),
            format_bytes(self.before_bytes as f64),
            format_bytes(self.after_bytes as f64)
        )
    }
}

/// The directories that explain the change from `before` to `after` (both `Anatomy::dirs`),
/// largest change first.
pub fn dir_changes(
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
) -> Vec<DirChange> {
    let dirs: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let change = |d: &str| DirChange {
        dir: d.to_string(),
        before_bytes: before.get(d).copied().unwrap_or(0),
        after_bytes: after.get(d).copied().unwrap_or(0),
    };
    let children = |d: &str| -> Vec<DirChange> {
        let prefix = if d == "/" {
            "/".to_string()
        } else {
            format!("{d}/")
        };
        dirs.iter()
            .filter(|c| {
                c.starts_with(&prefix) && !c[prefix.len()..].contains('/') && c.len() > prefix.len()
            })
            .map(|c| change(c))
            .collect()
    };
    let mut found = Vec::new();
    // A directory is looked into even when its own change is small: changes below it may
    // cancel out (a package added, apt lists dropped).
    let mut todo = vec![change("/")];
    while let Some(dir) = todo.pop() {
        let delta = dir.delta();
        let kids: Vec<DirChange> = children(&dir.dir)
            .into_iter()
            .filter(|c| c.delta().abs() >= MIN_CHANGE_BYTES)
            .collect();
        let explained: i64 = kids.iter().map(DirChange::delta).sum();
        let single = match kids.as_slice() {
            [only] => {
                only.delta().signum() == delta.signum()
                    && only.delta() as f64 / delta as f64 >= CONCENTRATED
            }
            _ => false,
        };
        if kids.is_empty() || single {
            // All of it here, or (nearly) all in one subdirectory, which names it better.
            if single {
                todo.extend(kids);
            } else if delta.abs() >= MIN_CHANGE_BYTES {
                found.push(dir);
            }
            continue;
        }
        // Several subdirectories change: each speaks for itself; what they leave unexplained
        // (files directly here, or below the kept depth) is this directory's.
        let rest = delta - explained;
        if rest.abs() >= MIN_CHANGE_BYTES {
            found.push(DirChange {
                dir: format!(
                    "{} (the rest: its own files and smaller subdirectories)",
                    dir.dir
                ),
                before_bytes: (-rest).max(0) as u64,
                after_bytes: rest.max(0) as u64,
            });
        }
        todo.extend(kids);
    }
    found.sort_by(|a, b| {
        b.delta()
            .abs()
            .cmp(&a.delta().abs())
            .then(a.dir.cmp(&b.dir))
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(items: &[(&str, u64)]) -> BTreeMap<String, u64> {
        items.iter().map(|(d, b)| (d.to_string(), *b)).collect()
    }

    #[test]
    fn a_change_is_named_by_the_deepest_directory_that_carries_it() {
        let before = dirs(&[
            ("/", 300_000_000),
            ("/usr", 200_000_000),
            ("/usr/local", 100_000_000),
            ("/usr/local/lib", 90_000_000),
            ("/var", 100_000_000),
            ("/var/lib", 20_000_000),
            ("/var/lib/apt", 18_000_000),
            ("/var/lib/apt/lists", 18_000_000),
        ]);
        let after = dirs(&[
            ("/", 320_000_000),
            ("/usr", 238_000_000),
            ("/usr/local", 138_000_000),
            ("/usr/local/lib", 128_000_000),
            ("/var", 82_000_000),
            ("/var/lib", 2_000_000),
        ]);
        let changes = dir_changes(&before, &after);
        let named: Vec<(&str, i64)> = changes
            .iter()
            .map(|c| (c.dir.as_str(), c.delta()))
            .collect();
        assert_eq!(
            named,
            [
                ("/usr/local/lib", 38_000_000),
                ("/var/lib/apt/lists", -18_000_000)
            ]
        );
        assert!(dir_changes(&before, &before).is_empty());
    }

    #[test]
    fn changes_that_cancel_out_above_are_still_found_below() {
        let before = dirs(&[
            ("/", 5_500_000),
            ("/usr", 3_500_000),
            ("/usr/lib", 3_000_000),
            ("/var", 2_000_000),
            ("/var/lib", 2_000_000),
            ("/var/lib/apt", 2_000_000),
        ]);
        let after = dirs(&[
            ("/", 5_000_000),
            ("/usr", 5_000_000),
            ("/usr/lib", 4_500_000),
        ]);
        let named: Vec<(String, i64)> = dir_changes(&before, &after)
            .iter()
            .map(|c| (c.dir.clone(), c.delta()))
            .collect();
        assert_eq!(
            named,
            [
                ("/var/lib/apt".to_string(), -2_000_000),
                ("/usr/lib".to_string(), 1_500_000)
            ]
        );
    }
}
