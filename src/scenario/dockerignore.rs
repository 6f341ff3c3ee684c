//! Docker's ignore patterns (github.com/moby/patternmatcher), rewritten in Rust, for every
//! stage that filters a build context: the docker CLI's `.dockerignore` (`ignorefile.ReadAll`,
//! `TrimBuildFilesFromExcludes`; walked by `measure::cli_walk`, checked against the docker CLI
//! itself by tests/build_context.rs), and BuildKit's `include-patterns` / `exclude-patterns` as
//! fsutil applies them to what a session sends (`driver::session::tree`). It lives in
//! `scenario` so that both the driver and the measurements can use it.
//!
//! gitignore's rules differ (a `!` cannot re-include a file under an excluded folder, `*`
//! patterns float, a trailing `/` means "folder only"), so no gitignore crate is used.

use regex::Regex;

/// A pattern that Docker refuses (in a `.dockerignore`, or sent by BuildKit).
#[derive(Debug, thiserror::Error)]
#[error("bad .dockerignore pattern `{pattern}`: {reason}")]
pub struct BadPattern {
    pub pattern: String,
    pub reason: String,
}

/// The patterns of an ignore file, as `ignorefile.ReadAll` returns them: a UTF-8 BOM dropped,
/// lines starting with `#` skipped (before trimming: ` #x` is a pattern), each line trimmed,
/// cleaned like Go's `filepath.Clean`, and stripped of one leading `/`; `!` kept in front.
pub fn read_all(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut patterns = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim();
        }
        let mut cleaned = String::new();
        if !pattern.is_empty() {
            cleaned = clean(pattern);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
        }
        patterns.push(if invert {
            format!("!{cleaned}")
        } else {
            cleaned
        });
    }
    patterns
}

/// The CLI's `TrimBuildFilesFromExcludes`: the builder needs `.dockerignore` and the Dockerfile
/// even when the patterns exclude them, so an exception for each is added at the end. It asks
/// patternmatcher's deprecated `Matches`, which looks at one parent folder only: with `**/sub`
/// the CLI does not keep `sub/Dockerfile` (and the build then fails), and neither do we.
pub fn trim_build_files(mut excludes: Vec<String>, dockerfile: Option<&str>) -> Vec<String> {
    let matches = |file: &str, excludes: &[String]| {
        Matcher::new(excludes).is_ok_and(|m| m.matches_one_parent(file))
    };
    if matches(".dockerignore", &excludes) {
        excludes.push("!.dockerignore".into());
    }
    if let Some(dockerfile) = dockerfile {
        if matches(dockerfile, &excludes) {
            excludes.push(format!("!{dockerfile}"));
        }
    }
    excludes
}

/// Go's `filepath.Clean` on `/`-separated paths: the shortest path with the same meaning.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// How a pattern is matched: patternmatcher's shortcuts for patterns whose only wildcard is a
/// leading or trailing `**`, a regular expression otherwise.
#[derive(Debug)]
enum Kind {
    Exact,
    /// `docs/**`: the text before the `**`.
    Prefix(String),
    /// `**/x`: the text after the `**`.
    Suffix(String),
    Regex(Regex),
}

#[derive(Debug)]
struct Pattern {
    exclusion: bool,
    /// Cleaned, without its `!`.
    text: String,
    /// How many `/`-separated parts `text` has.
    dirs: usize,
    kind: Kind,
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match &self.kind {
            Kind::Exact => path == self.text,
            Kind::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Kind::Suffix(suffix) => {
                path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|s| path == s)
            }
            Kind::Regex(re) => re.is_match(path),
        }
    }

    /// Whether the pattern matches one of `path`'s parent folders.
    fn matches_a_parent(&self, path: &str) -> bool {
        let Some((parent, _)) = path.rsplit_once('/') else {
            return false;
        };
        let mut end = 0;
        parent.split('/').any(|part| {
            end += part.len() + usize::from(end > 0);
            self.matches(&parent[..end])
        })
    }
}

/// patternmatcher's `compile`, token for token: `*` and `?` stop at `/`, `**` spans folders,
/// `[...]` and `\x` pass through to the regular expression, the regex characters that mean
/// nothing to `filepath.Match` are escaped.
fn compile(text: &str) -> Result<Kind, String> {
    #[derive(PartialEq)]
    enum Detected {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let mut re = String::from("^");
    let mut detected = Detected::Exact;
    let mut chars = text.chars().peekable();
    let mut first = true;
    while let Some(ch) = chars.next() {
        match ch {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                if chars.peek().is_none() {
                    if detected == Detected::Exact {
                        detected = Detected::Prefix;
                    } else {
                        re.push_str(".*");
                        detected = Detected::Regex;
                    }
                } else {
                    re.push_str("(.*/)?");
                    detected = Detected::Regex;
                }
                if first {
                    detected = Detected::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                detected = Detected::Regex;
            }
            '?' => {
                re.push_str("[^/]");
                detected = Detected::Regex;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                re.push('\\');
                re.push(ch);
            }
            '\\' => match chars.next() {
                Some(next) => {
                    re.push('\\');
                    re.push(next);
                    detected = Detected::Regex;
                }
                None => return Err("a trailing `\\` escapes nothing".into()),
            },
            '[' | ']' => {
                re.push(ch);
                detected = Detected::Regex;
            }
            _ => re.push(ch),
        }
        first = false;
    }
    Ok(match detected {
        Detected::Exact => Kind::Exact,
        Detected::Prefix => Kind::Prefix(text[..text.len() - 2].to_string()),
        Detected::Suffix => Kind::Suffix(text[2..].to_string()),
        Detected::Regex => Kind::Regex(Regex::new(&(re + "$")).map_err(|e| e.to_string())?),
    })
}

/// Which patterns matched a folder or one of its parents, handed down to its entries as
/// patternmatcher's `MatchInfo` is.
#[derive(Debug, Clone, Default)]
pub struct MatchInfo(Vec<bool>);

/// A list of patterns, in order, as patternmatcher's `PatternMatcher` holds it.
#[derive(Debug)]
pub struct Matcher {
    patterns: Vec<Pattern>,
}

impl Matcher {
    pub fn new(patterns: &[String]) -> Result<Matcher, BadPattern> {
        let mut out = Vec::new();
        for line in patterns {
            let bad = |reason: &str| BadPattern {
                pattern: line.clone(),
                reason: reason.into(),
            };
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let cleaned = clean(trimmed);
            let (exclusion, text) = match cleaned.strip_prefix('!') {
                Some("") => return Err(bad("a `!` alone excepts nothing")),
                Some(rest) => (true, rest.to_string()),
                None => (false, cleaned),
            };
            let kind = compile(&text).map_err(|e| bad(&e))?;
            out.push(Pattern {
                exclusion,
                dirs: text.split('/').count(),
                text,
                kind,
            });
        }
        Ok(Matcher { patterns: out })
    }

    /// Whether any pattern is an exception (`!`).
    pub fn exclusions(&self) -> bool {
        self.patterns.iter().any(|p| p.exclusion)
    }

    /// patternmatcher's `MatchesUsingParentResults`: whether `path` is excluded, given what its
    /// parent folder matched (`None` for an entry at the context root, or when unknown: then
    /// the parents are matched here). The last pattern that matches the path or a parent wins;
    /// a pattern that cannot change the answer so far is not tried, and is then not handed
    /// down as matched either (so `docs/x` then `!docs` still excludes `docs/x`, as the CLI
    /// does).
    pub fn matches_using_parent(
        &self,
        path: &str,
        parent: Option<&MatchInfo>,
    ) -> (bool, MatchInfo) {
        let mut matched = false;
        let mut info = vec![false; self.patterns.len()];
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = parent.is_some_and(|p| p.0.get(i) == Some(&true));
            if !hit {
                if pattern.exclusion != matched {
                    continue;
                }
                hit = pattern.matches(path) || (parent.is_none() && pattern.matches_a_parent(path));
            }
            info[i] = hit;
            if hit {
                matched = !pattern.exclusion;
            }
        }
        (matched, MatchInfo(info))
    }

    /// patternmatcher's deprecated `Matches`, which the CLI still uses to decide whether to
    /// keep the Dockerfile and `.dockerignore`: it tries only the parent folder as deep as the
    /// pattern (`sub` against `sub/Dockerfile`, never `**/sub`).
    fn matches_one_parent(&self, file: &str) -> bool {
        let file = clean(file);
        if file == "." {
            return false;
        }
        let parent_dirs: Vec<&str> = match file.rsplit_once('/') {
            Some((parent, _)) => parent.split('/').collect(),
            None => Vec::new(),
        };
        let mut matched = false;
        for pattern in &self.patterns {
            if pattern.exclusion != matched {
                continue;
            }
            let mut hit = pattern.matches(&file);
            if !hit && !parent_dirs.is_empty() && pattern.dirs <= parent_dirs.len() {
                hit = pattern.matches(&parent_dirs[..pattern.dirs].join("/"));
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        matched
    }

    /// Whether the docker CLI's walk must still enter the excluded folder `dir`: go-archive does
    /// when an exception's text starts with `dir/`, literally (so `!docs/keep.md` re-includes
    /// `docs/keep.md` from an excluded `docs`, but `!**/keep.md` does not).
    pub fn may_reinclude_under(&self, dir: &str) -> bool {
        let dir_slash = format!("{dir}/");
        self.patterns
            .iter()
            .any(|p| p.exclusion && format!("{}/", p.text).starts_with(&dir_slash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(patterns: &[&str]) -> Matcher {
        Matcher::new(&patterns.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    /// patternmatcher's `MatchesOrParentMatches`: nothing known about the parents.
    fn matches(m: &Matcher, path: &str) -> bool {
        m.matches_using_parent(path, None).0
    }

    /// `path` matched as a walk matches it: each folder above it first, its result handed down.
    fn matches_walking(m: &Matcher, path: &str) -> bool {
        let mut info = None;
        let mut end = 0;
        for part in path.split('/') {
            end += part.len() + usize::from(end > 0);
            let (matched, next) = m.matches_using_parent(&path[..end], info.as_ref());
            if end == path.len() {
                return matched;
            }
            info = Some(next);
        }
        unreachable!("the last part ends the path")
    }

    #[test]
    fn read_all_cleans_like_ignorefile() {
        let text = "\u{feff}# comment\n\n  a/  \n/b\n./c\n!/d/../e\n #f\n! g \nh//i/.\n/\n";
        assert_eq!(
            read_all(text),
            ["a", "b", "c", "!e", "#f", "!g", "h/i", "/"],
            "`#` comments only at the very start of a line; a lone `/` stays"
        );
        assert_eq!(read_all("!\n"), ["!"]);
        let err = Matcher::new(&read_all("!\n")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad .dockerignore pattern `!`: a `!` alone excepts nothing"
        );
        assert!(
            Matcher::new(&["a\\".into()]).is_err(),
            "a trailing backslash"
        );
        assert!(
            Matcher::new(&["[a".into()]).is_err(),
            "an unterminated class"
        );
    }

    #[test]
    fn clean_is_go_filepath_clean() {
        for (path, cleaned) in [
            ("", "."),
            ("./x", "x"),
            ("x/", "x"),
            ("a//b/./c/..", "a/b"),
            ("../x", "../x"),
            ("a/../../b", "../b"),
            ("/../x", "/x"),
            ("/", "/"),
        ] {
            assert_eq!(clean(path), cleaned, "{path}");
        }
    }

    #[test]
    fn a_folder_pattern_matches_what_is_below_it() {
        let m = matcher(&["node_modules"]);
        assert!(matches(&m, "node_modules"));
        assert!(matches(&m, "node_modules/a/b.js"));
        assert!(matches_walking(&m, "node_modules/a/b.js"));
        assert!(
            !matches(&m, "src/node_modules"),
            "patterns are anchored at the root"
        );
        assert!(!matches(&m, "node_modules2"));
    }

    #[test]
    fn wildcards_stay_within_one_name_and_double_star_crosses_folders() {
        let m = matcher(&["*.log"]);
        assert!(matches(&m, "a.log"));
        assert!(!matches(&m, "dir/a.log"));
        let m = matcher(&["**/*.log"]);
        assert!(matches(&m, "a.log"));
        assert!(matches(&m, "dir/sub/a.log"));
        let m = matcher(&["a?c", "[x-z]*"]);
        assert!(matches(&m, "abc"));
        assert!(!matches(&m, "a/c"));
        assert!(matches(&m, "yes"));
        assert!(!matches(&m, "no"));
    }

    #[test]
    fn the_last_match_wins_and_exceptions_re_include() {
        let m = matcher(&["*.md", "!README.md"]);
        assert!(matches(&m, "CHANGES.md"));
        assert!(!matches(&m, "README.md"));
        let m = matcher(&["docs", "!docs/keep.txt", "docs/keep.txt"]);
        assert!(matches(&m, "docs/keep.txt"));
        let m = matcher(&["docs", "!docs/keep.txt"]);
        assert!(!matches(&m, "docs/keep.txt"));
        assert!(!matches_walking(&m, "docs/keep.txt"));
    }

    #[test]
    fn patterns_are_cleaned_and_blank_ones_skipped() {
        let m = matcher(&["  ", "./a/../b/", "c/./d"]);
        assert!(matches(&m, "b"));
        assert!(matches(&m, "c/d/e"));
        assert!(!matches(&m, "a"));
        assert!(Matcher::new(&["!".to_string()]).is_err());
    }

    #[test]
    fn escapes_and_regex_characters_are_literal() {
        let m = matcher(&[r"a\*b", "x.y", "(p)"]);
        assert!(matches(&m, "a*b"));
        assert!(!matches(&m, "axb"));
        assert!(!matches(&m, "xzy"), "a dot is no wildcard");
        assert!(matches(&m, "(p)"));
    }

    #[test]
    fn a_walk_hands_down_only_the_patterns_a_folder_was_tested_against() {
        // `!docs` is skipped for the folder `docs` (nothing matched it yet), so it is not handed
        // down: walked, `docs/x.md` stays excluded. Asked alone, its parent `docs` is tried
        // against `!docs`, which re-includes it (patternmatcher's `MatchesOrParentMatches`).
        let m = matcher(&["docs/x.md", "!docs"]);
        assert!(matches_walking(&m, "docs/x.md"));
        assert!(!matches(&m, "docs/x.md"));
        // A folder's match reaches its entries even where the entry alone would not match.
        let m = matcher(&["**/bar"]);
        assert!(matches_walking(&m, "foo/bar/bee"));
    }

    #[test]
    fn the_dockerfile_and_dockerignore_are_kept_by_exceptions_added_at_the_end() {
        assert_eq!(
            trim_build_files(read_all("*\n"), Some("Dockerfile")),
            ["*", "!.dockerignore", "!Dockerfile"]
        );
        assert_eq!(
            trim_build_files(read_all("*.py\n"), Some("Dockerfile")),
            ["*.py"],
            "nothing added when they are not excluded"
        );
        assert_eq!(
            trim_build_files(read_all("**/sub\n"), Some("sub/Dockerfile")),
            ["**/sub"],
            "the CLI looks one parent deep: `**/sub` is not seen to match `sub`"
        );
    }

    #[test]
    fn may_reinclude_under_reads_exceptions_literally() {
        let m = matcher(&["docs", "!docs/keep.md", "!**/x.md"]);
        assert!(m.may_reinclude_under("docs"));
        assert!(!m.may_reinclude_under("doc"));
        assert!(
            !m.may_reinclude_under("src"),
            "`**/x.md` is not read as a path"
        );
    }
}
