//! Docker's `.dockerignore` rules, exactly as the docker CLI applies them when it sends a build
//! context: `ignorefile.ReadAll` and `patternmatcher` (github.com/moby/patternmatcher), the CLI's
//! `TrimBuildFilesFromExcludes`, and the walk of `go-archive`'s `TarWithOptions`, rewritten in
//! Rust. Checked against the docker CLI itself by tests/build_context.rs.
//!
//! gitignore's rules differ (a `!` cannot re-include a file under an excluded folder, `*`
//! patterns float, a trailing `/` means "folder only"), so no gitignore crate is used.

use std::fs;
use std::io;
use std::path::Path;

use regex::Regex;

/// A line of an ignore file that Docker refuses.
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

    /// Whether the walk must still enter the excluded folder `dir`: go-archive does when an
    /// exception's text starts with `dir/`, literally (so `!docs/keep.md` re-includes
    /// `docs/keep.md` from an excluded `docs`, but `!**/keep.md` does not).
    fn may_reinclude_under(&self, dir: &str) -> bool {
        let dir_slash = format!("{dir}/");
        self.patterns
            .iter()
            .any(|p| p.exclusion && format!("{}/", p.text).starts_with(&dir_slash))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Dir,
    File,
    Symlink,
}

/// One entry of the context the CLI sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative to the context root, `/`-separated.
    pub path: String,
    pub kind: EntryKind,
    /// `false` for an excluded folder that is walked only for the exceptions under it: the CLI
    /// sends the files it re-includes, not the folder's own entry.
    pub sent: bool,
}

/// The entries of `root` that the CLI sends, in the order it walks them (names sorted by
/// bytes, a folder before its contents). Sockets, pipes and devices are left out: dockbench
/// copies the context, and they cannot be copied.
pub fn walk(root: &Path, matcher: &Matcher) -> io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    walk_dir(root, "", None, matcher, &mut out)?;
    Ok(out)
}

fn walk_dir(
    dir: &Path,
    prefix: &str,
    parent: Option<&MatchInfo>,
    matcher: &Matcher,
    out: &mut Vec<Entry>,
) -> io::Result<()> {
    let mut entries = fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let path = format!("{prefix}{}", name.to_string_lossy());
        let file_type = entry.file_type()?;
        let kind = if file_type.is_dir() {
            EntryKind::Dir
        } else if file_type.is_symlink() {
            EntryKind::Symlink
        } else if file_type.is_file() {
            EntryKind::File
        } else {
            continue;
        };
        let (excluded, info) = matcher.matches_using_parent(&path, parent);
        let enter = kind == EntryKind::Dir
            && (!excluded || (matcher.exclusions() && matcher.may_reinclude_under(&path)));
        if !excluded || enter {
            out.push(Entry {
                path: path.clone(),
                kind,
                sent: !excluded,
            });
        }
        if enter {
            walk_dir(
                &entry.path(),
                &format!("{path}/"),
                Some(&info),
                matcher,
                out,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the docker CLI sends from a tree of `files` (a trailing `/` makes an empty folder)
    /// with `ignore` as its `.dockerignore` and `dockerfile` as the Dockerfile: each sent entry,
    /// folders with a trailing `/`.
    fn sent(files: &[&str], ignore: &str, dockerfile: &str) -> Vec<String> {
        let root = tempfile::tempdir().unwrap();
        for file in files {
            let path = root.path().join(file);
            if file.ends_with('/') {
                fs::create_dir_all(path).unwrap();
            } else {
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(path, "x").unwrap();
            }
        }
        fs::write(root.path().join(".dockerignore"), ignore).unwrap();
        let excludes = trim_build_files(read_all(ignore), Some(dockerfile));
        let matcher = Matcher::new(&excludes).unwrap();
        walk(root.path(), &matcher)
            .unwrap()
            .into_iter()
            .filter(|e| e.sent)
            .map(|e| match e.kind {
                EntryKind::Dir => format!("{}/", e.path),
                _ => e.path,
            })
            .collect()
    }

    /// Only the files (not the folders) that are sent.
    fn sent_files(files: &[&str], ignore: &str) -> Vec<String> {
        let mut all = vec!["Dockerfile"];
        all.extend(files);
        sent(&all, ignore, "Dockerfile")
            .into_iter()
            .filter(|p| !p.ends_with('/') && p != ".dockerignore" && p != "Dockerfile")
            .collect()
    }

    const DOCS: &[&str] = &["docs/keep.md", "docs/x.md", "a.md"];

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
    fn a_pattern_matches_the_path_or_any_parent_folder() {
        assert_eq!(sent_files(DOCS, "docs\n"), ["a.md"]);
        assert_eq!(sent_files(&["a/b/c/d.txt", "e.txt"], "a/b\n"), ["e.txt"]);
        assert_eq!(
            sent_files(
                &["src/a.py", "src/a.pyc", "src/deep/b.pyc", "c.pyc"],
                "**/*.pyc\n"
            ),
            ["src/a.py"]
        );
        assert_eq!(
            sent_files(&["src/a.pyc", "c.pyc"], "*.pyc\n"),
            ["src/a.pyc"],
            "`*` does not span folders, and patterns are anchored at the root"
        );
        assert_eq!(
            sent_files(
                &["x/node_modules/m.js", "node_modules/n.js", "y.js"],
                "**/node_modules\n"
            ),
            ["y.js"]
        );
        assert_eq!(
            sent_files(&["build/a", "build/b/c", "builder"], "build/**\n"),
            ["builder"]
        );
    }

    #[test]
    fn the_last_matching_pattern_wins() {
        assert_eq!(
            sent_files(
                &["README.md", "CHANGES.md", "docs/a.md", "main.py"],
                "*.md\n!README.md\n"
            ),
            ["README.md", "docs/a.md", "main.py"]
        );
        assert_eq!(sent_files(DOCS, "!docs/keep.md\ndocs\n"), ["a.md"]);
        assert_eq!(
            sent_files(DOCS, "docs\n!docs/keep.md\n"),
            ["a.md", "docs/keep.md"]
        );
        assert_eq!(
            sent_files(DOCS, "*\n!docs\n"),
            ["docs/keep.md", "docs/x.md"]
        );
    }

    #[test]
    fn an_exception_reaches_into_an_excluded_folder_only_by_its_literal_text() {
        // go-archive walks into an excluded folder only when an exception's text starts with
        // the folder's path (checked with the docker CLI 28.2: tests/build_context.rs).
        assert_eq!(sent_files(DOCS, "docs\n!**/keep.md\n"), ["a.md"]);
        assert_eq!(
            sent_files(DOCS, "docs\n!docs/*.md\n"),
            ["a.md", "docs/keep.md", "docs/x.md"]
        );
        // The excluded folder's own entry is not sent, only what it re-includes.
        assert_eq!(
            sent(
                &["Dockerfile", "docs/keep.md", "docs/x.md"],
                "docs\n!docs/keep.md\n",
                "Dockerfile"
            ),
            [".dockerignore", "Dockerfile", "docs/keep.md"]
        );
    }

    #[test]
    fn a_parent_exception_does_not_undo_an_earlier_match_of_the_file_itself() {
        // patternmatcher hands a folder's matches down to its entries, but skips a pattern that
        // cannot change the folder's own answer: `!docs` is never recorded as matching `docs`,
        // so it cannot re-include `docs/x.md` (the docker CLI 28.2 sends `docs/` and keep.md).
        assert_eq!(
            sent_files(DOCS, "docs/x.md\n!docs\n"),
            ["a.md", "docs/keep.md"]
        );
    }

    #[test]
    fn leading_slash_dot_slash_classes_and_escapes() {
        let files = &[
            "a.txt",
            "b.txt",
            "c.txt",
            "sub/a.txt",
            "*.txt",
            "x?y",
            "xzy",
        ];
        assert_eq!(
            sent_files(files, "/a.txt\n./b.txt\n"),
            ["*.txt", "c.txt", "sub/a.txt", "x?y", "xzy"]
        );
        assert_eq!(
            sent_files(files, "[ab].txt\n"),
            ["*.txt", "c.txt", "sub/a.txt", "x?y", "xzy"]
        );
        assert_eq!(
            sent_files(files, "[^a].txt\n"),
            ["a.txt", "sub/a.txt", "x?y", "xzy"],
            "`^` negates a class: `*.txt` is excluded too"
        );
        assert_eq!(
            sent_files(files, "\\*.txt\nx\\?y\n"),
            ["a.txt", "b.txt", "c.txt", "sub/a.txt", "xzy"],
            "escaped wildcards are literal"
        );
        assert_eq!(
            sent_files(files, "x?y\n"),
            ["*.txt", "a.txt", "b.txt", "c.txt", "sub/a.txt"]
        );
        assert_eq!(
            sent_files(&["a.b", "axb"], "a.b\n"),
            ["axb"],
            "`.` is literal"
        );
    }

    #[test]
    fn the_dockerfile_and_dockerignore_are_sent_even_when_excluded() {
        assert_eq!(
            sent(&["Dockerfile", "app.py"], "*\n", "Dockerfile"),
            [".dockerignore", "Dockerfile"]
        );
        assert_eq!(
            sent(
                &["Dockerfile", "app.py"],
                "Dockerfile\n.dockerignore\n",
                "Dockerfile"
            ),
            [".dockerignore", "Dockerfile", "app.py"]
        );
        assert_eq!(
            sent(
                &["build/app.Dockerfile", "build/x"],
                "build\n",
                "build/app.Dockerfile"
            ),
            [".dockerignore", "build/app.Dockerfile"]
        );
        assert_eq!(
            trim_build_files(read_all("*\n"), Some("Dockerfile")),
            ["*", "!.dockerignore", "!Dockerfile"]
        );
        assert_eq!(
            trim_build_files(read_all("*.py\n"), Some("Dockerfile")),
            ["*.py"],
            "nothing added when they are not excluded"
        );
    }

    #[test]
    fn the_cli_looks_one_parent_deep_when_it_keeps_the_dockerfile() {
        // patternmatcher's deprecated `Matches` does not see `**/sub` match `sub`, so the CLI
        // sends no Dockerfile and the build fails; dockbench sends the same context.
        assert_eq!(
            sent(&["sub/Dockerfile", "x"], "**/sub\n", "sub/Dockerfile"),
            [".dockerignore", "x"]
        );
    }
}
