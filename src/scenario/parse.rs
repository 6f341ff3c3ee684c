//! TOML suite file -> `Suite`, with errors that name the file, line and key.

use std::path::{Path, PathBuf};

use super::Suite;

/// A mistake in a suite file that the user must fix. Displays as `file:line: key: message`.
#[derive(Debug, thiserror::Error)]
#[error("{}:{}: {}{}", file.display(), line.map_or("?".to_string(), |l| l.to_string()), key.as_ref().map_or(String::new(), |k| format!("`{k}`: ")), message)]
pub struct SuiteError {
    pub file: PathBuf,
    /// 1-based.
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

pub fn load_suite(path: &Path) -> Result<Suite, SuiteError> {
    Err(SuiteError {
        file: path.to_path_buf(),
        line: None,
        key: None,
        message: "not implemented".into(),
    })
}
