//! dockbench's private copy of a build context: edits are applied here, never to the user's files,
//! and the copy is what gets sent to the engine as a tar.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use tempfile::TempDir;

use crate::scenario::{Change, ChangeKind, Edit};

/// The name a Dockerfile from outside the context gets inside the private copy, as the docker
/// CLI gives it one (`.dockerfile.<random>`) and lists it in `.dockerignore` so that a
/// `COPY . .` does not copy it into the image.
const OUTSIDE_DOCKERFILE: &str = ".dockerfile.dockbench";

pub struct PrivateContext {
    dir: TempDir,
    /// The Dockerfile's path inside the copy, with `/` separators.
    dockerfile: String,
}

impl PrivateContext {
    /// Snapshots `source` so that the whole variant is measured against one consistent tree,
    /// even if the user keeps editing while dockbench runs. Like the docker CLI, it leaves out
    /// what `.dockerignore` excludes, except the Dockerfile itself, which the builder needs.
    /// `dockerfile` is relative to `source`, and may lie outside it (`../x`, or absolute).
    pub fn copy_of(source: &Path, dockerfile: &Path) -> anyhow::Result<PrivateContext> {
        let dir = tempfile::Builder::new()
            .prefix("dockbench-context-")
            .tempdir()
            .context("create a temporary folder for the build context")?;
        let inside = inside_context(source, dockerfile);
        let ignore = dockerignore(
            source,
            inside.as_deref().unwrap_or(Path::new(OUTSIDE_DOCKERFILE)),
        )?;
        copy_tree(source, dir.path(), &ignore)
            .with_context(|| format!("copy build context {}", source.display()))?;
        let dockerfile = match inside {
            Some(inside) => inside.to_string_lossy().replace('\\', "/"),
            None => {
                let from = source.join(dockerfile);
                fs::copy(&from, dir.path().join(OUTSIDE_DOCKERFILE))
                    .with_context(|| format!("copy Dockerfile {}", from.display()))?;
                let ignore_file = dir.path().join(".dockerignore");
                let mut text = fs::read_to_string(&ignore_file).unwrap_or_default();
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(OUTSIDE_DOCKERFILE);
                text.push('\n');
                fs::write(&ignore_file, text).context("write the private .dockerignore")?;
                OUTSIDE_DOCKERFILE.to_string()
            }
        };
        Ok(PrivateContext { dir, dockerfile })
    }

    /// The Dockerfile's path inside the copy, as the build request names it.
    pub fn dockerfile(&self) -> &str {
        &self.dockerfile
    }

    /// Where the copy is: only tests look inside it.
    #[cfg(test)]
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

    /// Applies every change of `edit` and returns a guard that undoes them when dropped
    /// (original bytes back, created files and folders gone), so each edit is measured alone
    /// against the pristine tree.
    pub fn apply(&self, edit: &Edit, nonce: &str) -> anyhow::Result<EditGuard> {
        let mut guard = EditGuard::default();
        for change in &edit.changes {
            self.apply_change(change, nonce, &mut guard)
                .with_context(|| format!("edit `{}`: {}", edit.name, change.file.display()))?;
        }
        Ok(guard)
    }

    fn apply_change(
        &self,
        change: &Change,
        nonce: &str,
        guard: &mut EditGuard,
    ) -> anyhow::Result<()> {
        let path = self.dir.path().join(&change.file);
        let original = match fs::read(&path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).context("read"),
        };
        let created_dirs = match (&change.kind, &original) {
            (ChangeKind::Write(_), None) => create_parents(self.dir.path(), &change.file)?,
            (_, None) => anyhow::bail!("no such file in the build context"),
            _ => Vec::new(),
        };
        guard.undo.push(Undo {
            path: path.clone(),
            original: original.clone(),
            created_dirs,
        });
        let text = || String::from_utf8_lossy(original.as_deref().unwrap_or_default()).into_owned();
        let edited = match &change.kind {
            ChangeKind::Delete => return fs::remove_file(&path).context("delete"),
            ChangeKind::Append(append) => text() + &edited_suffix(&change.file, append, nonce),
            ChangeKind::Write(content) => with_nonce(&change.file, content, nonce),
            ChangeKind::Replace { from, to } => {
                let before = text();
                anyhow::ensure!(
                    before.contains(from.as_str()),
                    "replace.from {from:?} does not occur"
                );
                let replaced = before.replace(from.as_str(), &to.replace("{nonce}", nonce));
                match to.contains("{nonce}") {
                    true => replaced,
                    false => replaced.clone() + &trailing_nonce(&change.file, &replaced, nonce),
                }
            }
        };
        fs::write(&path, edited).context("write")
    }
}

/// What one change needs undone.
struct Undo {
    path: PathBuf,
    /// `None`: the change created the file.
    original: Option<Vec<u8>>,
    /// Folders the change created for a new file, outermost first.
    created_dirs: Vec<PathBuf>,
}

#[derive(Default)]
pub struct EditGuard {
    undo: Vec<Undo>,
}

impl Drop for EditGuard {
    fn drop(&mut self) {
        // The private copy is ours; failing to restore it would corrupt later measurements, and
        // there is no caller to return an error to from Drop. Newest change first, since two
        // changes of one edit may touch the same file.
        for undo in self.undo.drain(..).rev() {
            match &undo.original {
                Some(bytes) => {
                    fs::write(&undo.path, bytes).expect("restore the private context copy")
                }
                None => {
                    let _ = fs::remove_file(&undo.path);
                }
            }
            // An empty folder left behind would still change what a `COPY dir/` copies.
            for dir in undo.created_dirs.iter().rev() {
                let _ = fs::remove_dir(dir);
            }
        }
    }
}

/// Creates the missing parent folders of `file` under `root`, returning them outermost first.
fn create_parents(root: &Path, file: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut at = root.join(file);
    while let Some(parent) = at.parent() {
        if parent.exists() {
            break;
        }
        missing.push(parent.to_path_buf());
        at = parent.to_path_buf();
    }
    missing.reverse();
    for dir in &missing {
        fs::create_dir(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    Ok(missing)
}

/// `file` relative to `source` when it lies inside it, in normal form.
pub fn inside_context(source: &Path, file: &Path) -> Option<PathBuf> {
    if file.is_absolute() {
        return file.strip_prefix(source).ok().map(Path::to_path_buf);
    }
    let mut out = PathBuf::new();
    for part in file.components() {
        match part {
            std::path::Component::Normal(p) => out.push(p),
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.pop() => {}
            _ => return None,
        }
    }
    Some(out)
}

/// A whole file's new content: `{nonce}` replaced, or a nonce comment added at its end when the
/// file type's comment syntax is known.
fn with_nonce(file: &Path, content: &str, nonce: &str) -> String {
    if content.contains("{nonce}") {
        return content.replace("{nonce}", nonce);
    }
    content.to_string() + &trailing_nonce(file, content, nonce)
}

/// A nonce comment line for the end of `content` (empty when the syntax is unknown).
fn trailing_nonce(file: &Path, content: &str, nonce: &str) -> String {
    let Some((open, close)) = comment_syntax(file) else {
        return String::new();
    };
    let newline = if content.is_empty() || content.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("{newline}{open} dockbench edit {nonce}{close}\n")
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

/// Whether dockbench can make this change's result unique per rebuild: its text holds
/// `{nonce}`, or a nonce comment can be added because the file type's comment syntax is known.
/// A delete cannot carry one.
pub fn can_add_nonce(change: &Change) -> bool {
    match change.kind.text() {
        Some(text) => text.contains("{nonce}") || comment_syntax(&change.file).is_some(),
        None => false,
    }
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
        // TOML (uv, Cargo, Poetry, PDM) and yarn's own format take `#` comments; JSON lock files
        // (package-lock.json, composer.lock) and Gemfile.lock take none.
        "lock"
            if [
                "uv.lock",
                "cargo.lock",
                "poetry.lock",
                "pdm.lock",
                "yarn.lock",
            ]
            .contains(&name.as_str()) =>
        {
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
        edit_of(&[(file, ChangeKind::Append(append.into()))])
    }

    fn edit_of(changes: &[(&str, ChangeKind)]) -> Edit {
        Edit {
            name: "e".into(),
            changes: changes
                .iter()
                .map(|(file, kind)| Change {
                    file: file.into(),
                    kind: kind.clone(),
                })
                .collect(),
        }
    }

    fn change(file: &str, kind: ChangeKind) -> Change {
        Change {
            file: file.into(),
            kind,
        }
    }

    /// Every file of the private copy, with its content.
    fn tree(ctx: &PrivateContext) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = walkdir::WalkDir::new(ctx.path())
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.path() != ctx.path())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(ctx.path())
                    .unwrap()
                    .display()
                    .to_string();
                let content = fs::read_to_string(e.path()).unwrap_or_else(|_| "<dir>".into());
                (rel, content)
            })
            .collect();
        files.sort();
        files
    }

    fn user_tree(files: &[(&str, &str)]) -> TempDir {
        let user = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let path = user.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        user
    }

    #[test]
    fn every_kind_of_change_is_applied_and_undone_exactly() {
        let user = user_tree(&[
            ("Dockerfile", "FROM x\n"),
            (
                "package.json",
                "{\"version\": \"1.0.0\", \"dependencies\": {\"a\": \"1.0\"}}\n",
            ),
            ("app/main.py", "print(1)\n"),
            ("app/old.py", "old\n"),
        ]);
        let ctx = PrivateContext::copy_of(user.path(), Path::new("Dockerfile")).unwrap();
        let pristine = tree(&ctx);
        let e = edit_of(&[
            (
                "package.json",
                ChangeKind::Replace {
                    from: "\"1.0.0\"".into(),
                    to: "\"1.0.0-{nonce}\"".into(),
                },
            ),
            (
                "app/main.py",
                ChangeKind::Replace {
                    from: "1".into(),
                    to: "2".into(),
                },
            ),
            (
                "app/new/deep/mod.py",
                ChangeKind::Write("X = '{nonce}'\n".into()),
            ),
            ("app/notes.txt", ChangeKind::Write("no nonce".into())),
            ("app/old.py", ChangeKind::Delete),
        ]);
        {
            let _guard = ctx.apply(&e, "N1").unwrap();
            let read = |p: &str| fs::read_to_string(ctx.path().join(p)).unwrap();
            assert_eq!(
                read("package.json"),
                "{\"version\": \"1.0.0-N1\", \"dependencies\": {\"a\": \"1.0\"}}\n"
            );
            assert_eq!(read("app/main.py"), "print(2)\n# dockbench edit N1\n");
            assert_eq!(read("app/new/deep/mod.py"), "X = 'N1'\n");
            assert_eq!(read("app/notes.txt"), "no nonce\n# dockbench edit N1\n");
            assert!(!ctx.path().join("app/old.py").exists());
        }
        assert_eq!(
            tree(&ctx),
            pristine,
            "no file, content or empty folder left over"
        );
        assert_eq!(
            fs::read_to_string(user.path().join("app/old.py")).unwrap(),
            "old\n",
            "the user's files are never touched"
        );
    }

    #[test]
    fn a_failing_change_undoes_the_ones_before_it() {
        let user = user_tree(&[("Dockerfile", "FROM x\n"), ("a.py", "a\n")]);
        let ctx = PrivateContext::copy_of(user.path(), Path::new("Dockerfile")).unwrap();
        let pristine = tree(&ctx);
        let e = edit_of(&[
            ("a.py", ChangeKind::Append("b\n".into())),
            ("missing.py", ChangeKind::Delete),
        ]);
        let err = ctx.apply(&e, "N").err().unwrap();
        assert_eq!(
            format!("{err:#}"),
            "edit `e`: missing.py: no such file in the build context"
        );
        assert_eq!(tree(&ctx), pristine);
        let e = edit_of(&[(
            "a.py",
            ChangeKind::Replace {
                from: "zzz".into(),
                to: "y".into(),
            },
        )]);
        let err = ctx.apply(&e, "N").err().unwrap();
        assert!(
            format!("{err:#}").contains("replace.from \"zzz\" does not occur"),
            "{err:#}"
        );
    }

    #[test]
    fn a_dockerfile_outside_the_context_is_sent_and_ignored_like_the_docker_cli_does() {
        let root = user_tree(&[
            ("docker/app.Dockerfile", "FROM x\nCOPY . /app\n"),
            ("ctx/.dockerignore", "*.log"),
            ("ctx/main.py", "print(1)\n"),
        ]);
        let ctx = PrivateContext::copy_of(
            &root.path().join("ctx"),
            Path::new("../docker/app.Dockerfile"),
        )
        .unwrap();
        assert_eq!(ctx.dockerfile(), OUTSIDE_DOCKERFILE);
        let names: Vec<String> = tree(&ctx).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, [".dockerfile.dockbench", ".dockerignore", "main.py"]);
        assert_eq!(
            fs::read_to_string(ctx.path().join(".dockerignore")).unwrap(),
            "*.log\n.dockerfile.dockbench\n",
            "so that `COPY . /app` does not copy it"
        );
        let inside =
            PrivateContext::copy_of(&root.path().join("ctx"), Path::new("./sub/../main.py"))
                .unwrap();
        assert_eq!(inside.dockerfile(), "main.py");
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
        let append = |f: &str, t: &str| change(f, ChangeKind::Append(t.into()));
        assert!(!can_add_nonce(&append("a.json", " ")));
        assert!(can_add_nonce(&append("a.json", "{nonce}")));
        assert!(can_add_nonce(&append("Dockerfile", "")));
        let replace = |f: &str, to: &str| {
            change(
                f,
                ChangeKind::Replace {
                    from: "x".into(),
                    to: to.into(),
                },
            )
        };
        assert!(!can_add_nonce(&replace("package-lock.json", "\"1.2.4\"")));
        assert!(can_add_nonce(&replace(
            "package-lock.json",
            "\"1.2.4-{nonce}\""
        )));
        assert!(
            can_add_nonce(&replace("uv.lock", "x")),
            "TOML has # comments"
        );
        assert!(!can_add_nonce(&change("a.py", ChangeKind::Delete)));
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
