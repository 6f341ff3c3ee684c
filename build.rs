//! Build script: records the git commit dockbench is built from as `DOCKBENCH_GIT_COMMIT`, so
//! that `environment.json` says exactly which code produced a set of results.
//!
//! `unknown` when git or the repository is missing (e.g. a build from a crates.io tarball);
//! `<short sha>-dirty` when the working tree has changes, since then the sha alone would lie.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let commit = git_commit().unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=DOCKBENCH_GIT_COMMIT={commit}");
    rerun_triggers();
}

/// Runs git with `args` in the package folder; `None` if git is missing or fails.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn git_commit() -> Option<String> {
    let sha = git(&["rev-parse", "--short", "HEAD"])?;
    if sha.is_empty() {
        return None;
    }
    let dirty = git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{sha}-dirty") } else { sha })
}

/// Reruns only when HEAD moves or the index changes, not on every build. HEAD usually names a
/// branch, and a commit moves the branch's ref file rather than HEAD itself, so watch that too.
/// Paths that do not exist are never printed: Cargo would treat them as always changed.
fn rerun_triggers() {
    println!("cargo:rerun-if-changed=build.rs");
    let Some(git_dir) = git(&["rev-parse", "--git-dir"]).map(PathBuf::from) else {
        return;
    };
    for file in ["HEAD", "index"] {
        watch_if_exists(&git_dir.join(file));
    }
    if let Some(branch_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch_if_exists(&git_dir.join(branch_ref));
    }
}

fn watch_if_exists(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
