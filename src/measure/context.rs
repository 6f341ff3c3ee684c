//! dockbench's private copy of a build context: edits are applied here, never to the user's files,
//! and the copy is what gets sent to the engine as a tar.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use tempfile::TempDir;

use crate::scenario::Edit;

pub struct PrivateContext {
    dir: TempDir,
}

impl PrivateContext {
    /// Snapshots `source` so that the whole variant is measured against one consistent tree,
    /// even if the user keeps editing while dockbench runs. Like the docker CLI, it leaves out
    /// what `.dockerignore` excludes, except the Dockerfile itself, which the builder needs.
    pub fn copy_of(source: &Path, dockerfile: &Path) -> anyhow::Result<PrivateContext> {
        let dir = tempfile::Builder::new()
            .prefix("dockbench-context-")
            .tempdir()
            .context("create a temporary folder for the build context")?;
        let ignore = dockerignore(source, dockerfile)?;
        copy_tree(source, dir.path(), &ignore)
            .with_context(|| format!("copy build context {}", source.display()))?;
        Ok(PrivateContext { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The context as an uncompressed tar, as `docker build` sends it.
    pub fn tar(&self) -> anyhow::Result<Vec<u8>> {
        let mut builder = tar::Builder::new(Vec::new());
        // Symlinks go in as symlinks, as the docker CLI sends them.
        builder.follow_symlinks(false);
        builder
            .append_dir_all(".", self.dir.path())
            .context("tar the build context")?;
        builder.into_inner().context("finish the context tar")
    }

    /// Applies `edit` and returns a guard that restores the file's original bytes when dropped,
    /// so each edit is measured alone against the pristine tree.
    pub fn apply(&self, edit: &Edit, nonce: &str) -> anyhow::Result<EditGuard> {
        let path = self.dir.path().join(&edit.file);
        let original = fs::read(&path)
            .with_context(|| format!("read {} for edit `{}`", edit.file.display(), edit.name))?;
        let mut edited = original.clone();
        edited.extend_from_slice(edited_suffix(&edit.file, &edit.append, nonce).as_bytes());
        fs::write(&path, &edited).with_context(|| format!("apply edit `{}`", edit.name))?;
        Ok(EditGuard { path, original })
    }
}

pub struct EditGuard {
    path: PathBuf,
    original: Vec<u8>,
}

impl Drop for EditGuard {
    fn drop(&mut self) {
        // The private copy is ours; failing to restore it would corrupt later measurements, and
        // there is no caller to return an error to from Drop.
        fs::write(&self.path, &self.original).expect("restore the private context copy");
    }
}

/// The text appended for an edit. BuildKit's cache is keyed by content, so an edit that produced
/// the same bytes in every repetition (or in an earlier dockbench run) would hit the cache it
/// left behind and report a rebuild that never happened. A unique nonce keeps each edit new:
/// `{nonce}` in `append` is replaced by it; otherwise a comment carrying it is added when the
/// file type's comment syntax is known.
pub fn edited_suffix(file: &Path, append: &str, nonce: &str) -> String {
    if append.contains("{nonce}") {
        return append.replace("{nonce}", nonce);
    }
    let Some((open, close)) = comment_syntax(file) else {
        return append.to_string();
    };
    let newline = if append.is_empty() || append.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("{append}{newline}{open} dockbench edit {nonce}{close}\n")
}

/// Whether `edited_suffix` can make an edit to this file unique without a `{nonce}`.
pub fn can_add_nonce(file: &Path, append: &str) -> bool {
    append.contains("{nonce}") || comment_syntax(file).is_some()
}

fn comment_syntax(file: &Path) -> Option<(&'static str, &'static str)> {
    let name = file.file_name()?.to_str()?.to_ascii_lowercase();
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "py" | "toml" | "txt" | "cfg" | "ini" | "sh" | "yaml" | "yml" | "rb" | "pl" | "r"
        | "conf" | "env" | "in" | "dockerfile" => Some(("#", "")),
        "" if ["dockerfile", "makefile", "gemfile", "procfile"].contains(&name.as_str()) => {
            Some(("#", ""))
        }
        "js" | "mjs" | "ts" | "go" | "rs" | "c" | "h" | "cc" | "cpp" | "hpp" | "java" | "kt"
        | "swift" | "cs" | "scala" | "dart" => Some(("//", "")),
        "md" | "html" | "htm" | "xml" | "svg" => Some(("<!--", " -->")),
        "css" | "scss" => Some(("/*", " */")),
        "sql" | "lua" | "hs" => Some(("--", "")),
        _ => None,
    }
}

/// `.dockerignore` as a matcher. Docker's patterns are anchored at the context root, which
/// gitignore expresses with a leading `/`; `!` exceptions and `**` mean the same in both.
struct DockerIgnore {
    matcher: Gitignore,
    /// Any `!` lines of the user's own.
    has_exceptions: bool,
}

fn dockerignore(source: &Path, dockerfile: &Path) -> anyhow::Result<DockerIgnore> {
    let mut builder = GitignoreBuilder::new(source);
    let mut has_exceptions = false;
    if let Ok(text) = fs::read_to_string(source.join(".dockerignore")) {
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (negate, pattern) = match line.strip_prefix('!') {
                Some(p) => {
                    has_exceptions = true;
                    ("!", p)
                }
                None => ("", line),
            };
            let pattern = pattern.trim_start_matches("./").trim_start_matches('/');
            builder.add_line(None, &format!("{negate}/{pattern}"))?;
        }
    }
    // The builder needs these two even when they are ignored (the docker CLI sends them too).
    builder.add_line(None, "!/.dockerignore")?;
    builder.add_line(None, &format!("!/{}", dockerfile.display()))?;
    Ok(DockerIgnore {
        matcher: builder.build()?,
        has_exceptions,
    })
}

fn copy_tree(from: &Path, to: &Path, ignore: &DockerIgnore) -> anyhow::Result<()> {
    let DockerIgnore {
        matcher: ignore,
        has_exceptions,
    } = ignore;
    // Docker can re-include a file under an excluded folder (`docs` then `!docs/keep.md`);
    // gitignore cannot, so excluded folders are still walked when exceptions exist, and each
    // file is judged on its own path and its parents'.
    let mut walk = walkdir::WalkDir::new(from).follow_links(false).into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry?;
        let rel = entry.path().strip_prefix(from)?;
        if rel.as_os_str().is_empty() {
            continue;
        }
        let kind = entry.file_type();
        let ignored = ignore
            .matched_path_or_any_parents(rel, kind.is_dir())
            .is_ignore();
        let target = to.join(rel);
        if kind.is_dir() {
            if !ignored {
                fs::create_dir_all(&target)?;
            } else if !*has_exceptions {
                walk.skip_current_dir();
            }
            continue;
        }
        if ignored {
            continue;
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        if kind.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path())?, &target)?;
        } else {
            fs::copy(entry.path(), &target)
                .with_context(|| format!("copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(file: &str, append: &str) -> Edit {
        Edit {
            name: "e".into(),
            file: file.into(),
            append: append.into(),
        }
    }

    #[test]
    fn edits_touch_only_the_private_copy_and_are_undone() {
        let user = tempfile::tempdir().unwrap();
        fs::create_dir(user.path().join("src")).unwrap();
        fs::write(user.path().join("src/main.py"), "print(1)\n").unwrap();
        let ctx = PrivateContext::copy_of(user.path(), Path::new("Dockerfile")).unwrap();
        {
            let _guard = ctx.apply(&edit("src/main.py", "# edited\n"), "n1").unwrap();
            let copied = fs::read_to_string(ctx.path().join("src/main.py")).unwrap();
            assert_eq!(copied, "print(1)\n# edited\n# dockbench edit n1\n");
            let users = fs::read_to_string(user.path().join("src/main.py")).unwrap();
            assert_eq!(users, "print(1)\n", "the user's file is never touched");
        }
        let restored = fs::read_to_string(ctx.path().join("src/main.py")).unwrap();
        assert_eq!(restored, "print(1)\n");
    }

    #[test]
    fn nonce_placement() {
        let p = Path::new;
        assert_eq!(
            edited_suffix(p("a.txt"), "x", "N"),
            "x\n# dockbench edit N\n"
        );
        assert_eq!(
            edited_suffix(p("README.md"), "\nmore\n", "N"),
            "\nmore\n<!-- dockbench edit N -->\n"
        );
        assert_eq!(edited_suffix(p("a.json"), "{nonce}", "N"), "N");
        assert_eq!(
            edited_suffix(p("a.json"), " ", "N"),
            " ",
            "unknown syntax: appended as is"
        );
        assert!(!can_add_nonce(p("a.json"), " "));
        assert!(can_add_nonce(p("Dockerfile"), ""));
    }

    #[test]
    fn tar_holds_every_file() {
        let user = tempfile::tempdir().unwrap();
        fs::write(user.path().join("Dockerfile"), "FROM x\n").unwrap();
        fs::create_dir(user.path().join("d")).unwrap();
        fs::write(user.path().join("d/f"), "abc").unwrap();
        let ctx = PrivateContext::copy_of(user.path(), Path::new("Dockerfile")).unwrap();
        let bytes = ctx.tar().unwrap();
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.header().entry_type().is_file())
            .map(|e| e.path().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["Dockerfile", "d/f"]);
    }

    #[test]
    fn dockerignore_is_honoured_like_the_docker_cli() {
        let user = tempfile::tempdir().unwrap();
        let write = |p: &str| {
            let path = user.path().join(p);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        };
        for p in [
            "Dockerfile",
            "app.py",
            ".venv/lib/big",
            "src/a.py",
            "src/b.log",
            "docs/keep.md",
            "docs/x.md",
        ] {
            write(p);
        }
        fs::write(
            user.path().join(".dockerignore"),
            "# comment\n.venv\n**/*.log\ndocs\n!docs/keep.md\nDockerfile\n",
        )
        .unwrap();
        let ctx = PrivateContext::copy_of(user.path(), Path::new("Dockerfile")).unwrap();
        let mut files: Vec<String> = walkdir::WalkDir::new(ctx.path())
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(ctx.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                ".dockerignore",
                "Dockerfile",
                "app.py",
                "docs/keep.md",
                "src/a.py"
            ]
        );
    }
}
