//! dockbench's private copy of a build context: edits are applied here, never to the user's files,
//! and the copy is what gets sent to the engine as a tar.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tempfile::TempDir;

use super::cli_walk::{self, EntryKind};
use crate::scenario::dockerignore::{self, Matcher};
use crate::scenario::{Builder, Change, ChangeKind, Edit};

/// The name a Dockerfile from outside the context gets inside the private copy, as the docker
/// CLI gives it one (`.dockerfile.<random>`) and lists it in `.dockerignore` so that a
/// `COPY . .` does not copy it into the image.
const OUTSIDE_DOCKERFILE: &str = ".dockerfile.dockbench";

pub struct PrivateContext {
    dir: TempDir,
    /// The Dockerfile's path inside the copy, with `/` separators.
    dockerfile: String,
    /// Excluded folders that were copied only to hold the files an exception re-includes: the
    /// docker CLI sends those files but not the folders' own entries, and so does `tar`.
    unsent_dirs: BTreeSet<PathBuf>,
}

impl PrivateContext {
    /// Snapshots `source` so that the whole variant is measured against one consistent tree,
    /// even if the user keeps editing while dockbench runs. It holds exactly what the docker
    /// CLI sends (see `cli_walk`): the ignore file applied, the Dockerfile and
    /// `.dockerignore` kept even when excluded. A BuildKit build reads `<Dockerfile>.dockerignore`
    /// beside the Dockerfile instead of `.dockerignore` when there is one, as BuildKit does.
    /// `dockerfile` is relative to `source`, and may lie outside it (`../x`, or absolute).
    pub fn copy_of(
        source: &Path,
        dockerfile: &Path,
        builder: Builder,
    ) -> anyhow::Result<PrivateContext> {
        let dir = tempfile::Builder::new()
            .prefix("dockbench-context-")
            .tempdir()
            .context("create a temporary folder for the build context")?;
        let inside = inside_context(source, dockerfile);
        let inside_name = inside
            .as_deref()
            .map(|p| p.to_string_lossy().replace('\\', "/"));
        let excludes = dockerignore::trim_build_files(
            read_excludes(source, dockerfile, builder)?,
            inside_name.as_deref(),
        );
        let matcher = Matcher::new(&excludes)?;
        let unsent_dirs = copy_tree(source, dir.path(), &matcher)
            .with_context(|| format!("copy build context {}", source.display()))?;
        let dockerfile = match inside_name {
            Some(name) => name,
            None => {
                add_outside_dockerfile(dir.path(), &source.join(dockerfile))?;
                OUTSIDE_DOCKERFILE.to_string()
            }
        };
        Ok(PrivateContext {
            dir,
            dockerfile,
            unsent_dirs,
        })
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

    /// The context as an uncompressed tar, as `docker build` sends it: entries in the CLI's
    /// walk order (names sorted, a folder before its contents), owned by 0:0, symlinks as
    /// symlinks, no entry for the root.
    pub fn tar(&self) -> anyhow::Result<Vec<u8>> {
        let mut builder = tar::Builder::new(Vec::new());
        self.append_dir(&mut builder, Path::new(""))
            .context("tar the build context")?;
        builder.into_inner().context("finish the context tar")
    }

    fn append_dir(&self, builder: &mut tar::Builder<Vec<u8>>, rel: &Path) -> anyhow::Result<()> {
        let mut entries =
            fs::read_dir(self.dir.path().join(rel))?.collect::<std::io::Result<Vec<_>>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let rel = rel.join(entry.file_name());
            let meta = fs::symlink_metadata(entry.path())?;
            let mut header = tar::Header::new_gnu();
            header.set_metadata_in_mode(&meta, tar::HeaderMode::Complete);
            header.set_uid(0);
            header.set_gid(0);
            header.set_username("")?;
            header.set_groupname("")?;
            if meta.is_dir() {
                if !self.unsent_dirs.contains(&rel) {
                    builder.append_data(&mut header, &rel, std::io::empty())?;
                }
                self.append_dir(builder, &rel)?;
            } else if meta.file_type().is_symlink() {
                builder.append_link(&mut header, &rel, fs::read_link(entry.path())?)?;
            } else {
                builder.append_data(&mut header, &rel, fs::File::open(entry.path())?)?;
            }
        }
        Ok(())
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

/// The patterns that apply: for BuildKit, `<Dockerfile>.dockerignore` beside the Dockerfile when
/// it exists; otherwise `.dockerignore` at the context root (the docker CLI's classic build reads
/// only that one).
fn read_excludes(
    source: &Path,
    dockerfile: &Path,
    builder: Builder,
) -> anyhow::Result<Vec<String>> {
    let mut candidates = Vec::new();
    if builder == Builder::BuildKit {
        let mut name = source.join(dockerfile).into_os_string();
        name.push(".dockerignore");
        candidates.push(PathBuf::from(name));
    }
    candidates.push(source.join(".dockerignore"));
    for file in candidates {
        match fs::read_to_string(&file) {
            Ok(text) => return Ok(dockerignore::read_all(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("read {}", file.display())),
        }
    }
    Ok(Vec::new())
}

/// Copies what the docker CLI would send from `from` to `to`, and returns the excluded folders
/// that were created only to hold re-included files.
fn copy_tree(from: &Path, to: &Path, matcher: &Matcher) -> anyhow::Result<BTreeSet<PathBuf>> {
    let mut unsent = BTreeSet::new();
    for entry in cli_walk::walk(from, matcher)? {
        let (source, target) = (from.join(&entry.path), to.join(&entry.path));
        match entry.kind {
            EntryKind::Dir => {
                fs::create_dir(&target)?;
                if !entry.sent {
                    unsent.insert(PathBuf::from(&entry.path));
                }
            }
            EntryKind::Symlink => std::os::unix::fs::symlink(fs::read_link(&source)?, &target)?,
            EntryKind::File => {
                fs::copy(&source, &target).with_context(|| format!("copy {}", source.display()))?;
            }
        }
    }
    Ok(unsent)
}

/// A Dockerfile from outside the context goes in as `OUTSIDE_DOCKERFILE`, listed in
/// `.dockerignore` exactly as the docker CLI's `AddDockerfileToBuildContext` lists its
/// `.dockerfile.<random>` (a missing `.dockerignore` starts as the line `.dockerignore`).
fn add_outside_dockerfile(dir: &Path, dockerfile: &Path) -> anyhow::Result<()> {
    fs::copy(dockerfile, dir.join(OUTSIDE_DOCKERFILE))
        .with_context(|| format!("copy Dockerfile {}", dockerfile.display()))?;
    let ignore_file = dir.join(".dockerignore");
    let mut text = match fs::read_to_string(&ignore_file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => ".dockerignore".into(),
        Err(e) => return Err(e).context("read the private .dockerignore"),
    };
    text.push_str(&format!("\n{OUTSIDE_DOCKERFILE}\n"));
    fs::write(&ignore_file, text).context("write the private .dockerignore")
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
        let ctx = PrivateContext::copy_of(user.path(), Path::new("Dockerfile"), Builder::Classic)
            .unwrap();
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
        let ctx = PrivateContext::copy_of(user.path(), Path::new("Dockerfile"), Builder::Classic)
            .unwrap();
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
            Builder::Classic,
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
        let inside = PrivateContext::copy_of(
            &root.path().join("ctx"),
            Path::new("./sub/../main.py"),
            Builder::Classic,
        )
        .unwrap();
        assert_eq!(inside.dockerfile(), "main.py");
    }

    #[test]
    fn edits_touch_only_the_private_copy_and_are_undone() {
        let user = tempfile::tempdir().unwrap();
        fs::create_dir(user.path().join("src")).unwrap();
        fs::write(user.path().join("src/main.py"), "print(1)\n").unwrap();
        let ctx = PrivateContext::copy_of(user.path(), Path::new("Dockerfile"), Builder::Classic)
            .unwrap();
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
        let ctx = PrivateContext::copy_of(user.path(), Path::new("Dockerfile"), Builder::Classic)
            .unwrap();
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
        let ctx = PrivateContext::copy_of(user.path(), Path::new("Dockerfile"), Builder::Classic)
            .unwrap();
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

    #[test]
    fn buildkit_prefers_the_dockerfiles_own_ignore_file_and_the_tar_is_the_clis() {
        let user = user_tree(&[
            ("build/app.Dockerfile", "FROM x\n"),
            ("build/app.Dockerfile.dockerignore", "docs\n!docs/keep.md\n"),
            (".dockerignore", "*.md\n"),
            ("docs/keep.md", "k"),
            ("docs/x.md", "x"),
            ("a.md", "a"),
        ]);
        let dockerfile = Path::new("build/app.Dockerfile");
        let entries = |builder| {
            let ctx = PrivateContext::copy_of(user.path(), dockerfile, builder).unwrap();
            let bytes = ctx.tar().unwrap();
            let mut archive = tar::Archive::new(bytes.as_slice());
            archive
                .entries()
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    assert_eq!(
                        (e.header().uid().unwrap(), e.header().gid().unwrap()),
                        (0, 0)
                    );
                    e.path().unwrap().to_string_lossy().into_owned()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            entries(Builder::BuildKit),
            [
                ".dockerignore",
                "a.md",
                "build",
                "build/app.Dockerfile",
                "build/app.Dockerfile.dockerignore",
                "docs/keep.md"
            ],
            "sorted, and no entry for the excluded `docs` that keep.md is taken from"
        );
        assert_eq!(
            entries(Builder::Classic),
            [
                ".dockerignore",
                "build",
                "build/app.Dockerfile",
                "build/app.Dockerfile.dockerignore",
                "docs",
                "docs/keep.md",
                "docs/x.md",
            ],
            "the classic builder's CLI reads only .dockerignore (whose `*.md` is root-level)"
        );
    }

    #[test]
    fn an_outside_dockerfile_with_no_dockerignore_gets_the_clis_one() {
        let root = user_tree(&[
            ("docker/app.Dockerfile", "FROM x\n"),
            ("ctx/main.py", "1\n"),
        ]);
        let ctx = PrivateContext::copy_of(
            &root.path().join("ctx"),
            Path::new("../docker/app.Dockerfile"),
            Builder::Classic,
        )
        .unwrap();
        assert_eq!(
            fs::read_to_string(ctx.path().join(".dockerignore")).unwrap(),
            ".dockerignore\n.dockerfile.dockbench\n"
        );
    }
}
