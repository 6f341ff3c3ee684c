//! TOML suite file -> `Suite`, with errors that name the file, line and key.
//!
//! Two passes. serde reads the file into `Raw*` structs (shape, types, unknown keys) and keeps
//! the span of every value we check later; then the `resolve_*` functions check meaning (units,
//! names, paths), merge variants over the suite, and collect every error they find so that
//! `dockbench validate` can list them all at once.
//!
//! `raw` is the first pass, `resolve` and `targets` the second; `locate` turns spans into lines
//! and key paths for both.

mod claims;
mod edits;
mod locate;
mod raw;
mod resolve;
mod run;
mod targets;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use super::Suite;
use raw::read_raw;
use resolve::{resolve_suite, Checker};

/// A mistake in a suite file that the user must fix. Displays as `file:line: key: message`.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {}{}", file.display(), line.map_or(String::new(), |l| format!(":{l}")), key.as_ref().map_or(String::new(), |k| format!("`{k}`: ")), message)]
pub struct SuiteError {
    pub file: PathBuf,
    /// 1-based.
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

/// Reads and checks a suite file. On failure, the first error in file order.
pub fn load_suite(path: &Path) -> Result<Suite, SuiteError> {
    load(path).map_err(|mut errors| errors.remove(0))
}

/// Every error in a suite file, in file order; empty when the suite is valid. A TOML syntax
/// or shape error (unknown key, wrong type) stops the reading, so at most one of those is listed.
pub fn validate_suite(path: &Path) -> Vec<SuiteError> {
    load(path).err().unwrap_or_default()
}

fn load(path: &Path) -> Result<Suite, Vec<SuiteError>> {
    let src = std::fs::read_to_string(path).map_err(|e| vec![unreadable(path, &e)])?;
    let raw = read_raw(path, &src).map_err(|e| vec![e])?;
    let suite_path = path
        .canonicalize()
        .map_err(|e| vec![unreadable(path, &e)])?;
    let mut ck = Checker {
        file: path,
        src: &src,
        errors: Vec::new(),
    };
    let suite = resolve_suite(&mut ck, &raw, suite_path);
    if ck.errors.is_empty() {
        Ok(suite)
    } else {
        ck.errors.sort_by_key(|e| e.line);
        Err(ck.errors)
    }
}

fn unreadable(path: &Path, err: &std::io::Error) -> SuiteError {
    SuiteError {
        file: path.to_path_buf(),
        line: None,
        key: None,
        message: format!("cannot read the suite file: {err}"),
    }
}
