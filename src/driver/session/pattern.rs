//! Docker's ignore patterns (moby/patternmatcher) as fsutil applies BuildKit's
//! `include-patterns` and `exclude-patterns` to what the session sends.
//!
//! NOTE(lead): a minimal matcher for the session only. A dockerignore matcher for
//! `measure/context.rs` is being written separately; once it exists, this file should give way to
//! it (the semantics needed here are the same: last match wins, `!` re-includes, a pattern that
//! matches a folder matches everything below it).

use anyhow::Context;

/// One pattern, compiled to a regex over `/`-separated relative paths.
#[derive(Debug)]
struct Pattern {
    regex: regex::Regex,
    /// A `!pattern`: a match re-includes.
    exclusion: bool,
}

/// A list of patterns as `patternmatcher.New` reads it.
#[derive(Debug, Default)]
pub struct Patterns {
    patterns: Vec<Pattern>,
}

impl Patterns {
    /// Blank entries are skipped; `!x` is an exception; each pattern is cleaned like Go's
    /// `filepath.Clean`.
    pub fn new(patterns: &[String]) -> anyhow::Result<Patterns> {
        let mut out = Vec::new();
        for raw in patterns {
            let mut text = raw.trim();
            if text.is_empty() {
                continue;
            }
            let exclusion = text.starts_with('!');
            if exclusion {
                text = &text[1..];
                anyhow::ensure!(!text.is_empty(), "illegal exclusion pattern: \"!\"");
            }
            let text = clean(text);
            let regex =
                regex::Regex::new(&to_regex(&text)).with_context(|| format!("pattern {raw:?}"))?;
            out.push(Pattern { regex, exclusion });
        }
        Ok(Patterns { patterns: out })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// `MatchesOrParentMatches`: the last pattern that matches `path` or one of its parent
    /// folders decides.
    pub fn matches(&self, path: &str) -> bool {
        let parents: Vec<&str> = match path.rfind('/') {
            Some(end) => (0..end)
                .filter(|&i| path.as_bytes()[i] == b'/')
                .map(|i| &path[..i])
                .chain(std::iter::once(&path[..end]))
                .collect(),
            None => Vec::new(),
        };
        let mut matched = false;
        for p in &self.patterns {
            // An inclusion cannot change a match, nor an exclusion a non-match.
            if p.exclusion != matched {
                continue;
            }
            if p.regex.is_match(path) || parents.iter().any(|d| p.regex.is_match(d)) {
                matched = !p.exclusion;
            }
        }
        matched
    }
}

/// Go's `filepath.Clean` for a relative or absolute `/` path.
fn clean(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// patternmatcher's translation: `**` any number of folders, `*` and `?` within one name,
/// `[...]` classes, `\` escapes the next character.
fn to_regex(pattern: &str) -> String {
    let mut out = String::from("^");
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => match chars.next() {
                Some(next) => out.push_str(&regex::escape(&next.to_string())),
                None => out.push_str(r"\\"),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // Go's filepath.Match negates a class with a leading `^`.
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '-' if in_class => out.push('-'),
            _ if in_class => out.push_str(&regex::escape(&ch.to_string())),
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                match chars.peek() {
                    None => out.push_str(".*"),
                    Some(_) => out.push_str("(.*/)?"),
                }
            }
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            _ => out.push_str(&regex::escape(&ch.to_string())),
        }
    }
    out.push('$');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(list: &[&str]) -> Patterns {
        Patterns::new(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn a_folder_pattern_matches_what_is_below_it() {
        let p = patterns(&["node_modules"]);
        assert!(p.matches("node_modules"));
        assert!(p.matches("node_modules/a/b.js"));
        assert!(
            !p.matches("src/node_modules"),
            "patterns are anchored at the root"
        );
        assert!(!p.matches("node_modules2"));
    }

    #[test]
    fn wildcards_stay_within_one_name_and_double_star_crosses_folders() {
        let p = patterns(&["*.log"]);
        assert!(p.matches("a.log"));
        assert!(!p.matches("dir/a.log"));
        let p = patterns(&["**/*.log"]);
        assert!(p.matches("a.log"));
        assert!(p.matches("dir/sub/a.log"));
        let p = patterns(&["a?c", "[x-z]*"]);
        assert!(p.matches("abc"));
        assert!(!p.matches("a/c"));
        assert!(p.matches("yes"));
        assert!(!p.matches("no"));
    }

    #[test]
    fn the_last_match_wins_and_exceptions_re_include() {
        let p = patterns(&["*.md", "!README.md"]);
        assert!(p.matches("CHANGES.md"));
        assert!(!p.matches("README.md"));
        let p = patterns(&["docs", "!docs/keep.txt", "docs/keep.txt"]);
        assert!(p.matches("docs/keep.txt"));
    }

    #[test]
    fn patterns_are_cleaned_and_blank_ones_skipped() {
        let p = patterns(&["  ", "./a/../b/", "c/./d"]);
        assert!(p.matches("b"));
        assert!(p.matches("c/d/e"));
        assert!(!p.matches("a"));
        assert!(Patterns::new(&["!".to_string()]).is_err());
    }

    #[test]
    fn escapes_and_regex_characters_are_literal() {
        let p = patterns(&[r"a\*b", "x.y", "(p)"]);
        assert!(p.matches("a*b"));
        assert!(!p.matches("axb"));
        assert!(!p.matches("xzy"), "a dot is no wildcard");
        assert!(p.matches("(p)"));
    }
}
