//! The docker CLI's walk of a build context (`go-archive`'s `TarWithOptions`), rewritten in
//! Rust: which entries it sends, in which order, given the `.dockerignore` patterns
//! (`scenario::dockerignore`). Checked against the docker CLI itself by tests/build_context.rs.

use std::fs;
use std::io;
use std::path::Path;

use crate::scenario::dockerignore::{MatchInfo, Matcher};

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
    use crate::scenario::dockerignore::{read_all, trim_build_files};

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
