//! Scenario loading: a suite file (TOML) becomes a validated `Suite` with absolute paths and
//! every duration, size and rate already parsed, so later stages never see raw text.

mod parse;
pub mod units;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::metric::Direction;

pub use parse::{load_suite, validate_suite, SuiteError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builder {
    BuildKit,
    Classic,
}

impl Builder {
    pub fn as_str(self) -> &'static str {
        match self {
            Builder::BuildKit => "buildkit",
            Builder::Classic => "classic",
        }
    }
}

/// One suite file, resolved. Variants carry their own fully merged settings.
#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    /// The suite file itself (absolute).
    pub path: PathBuf,
    /// Repetitions per variant (suite `runs`, default 3; `--runs` overrides later).
    pub runs: u32,
    pub edits: Vec<Edit>,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    /// Absolute build context folder.
    pub context_dir: PathBuf,
    /// Dockerfile path relative to `context_dir`.
    pub dockerfile: PathBuf,
    pub builder: Builder,
    /// Suite build args merged with the variant's (the variant's win).
    pub build_args: BTreeMap<String, String>,
    /// Without it, no container is started.
    pub run: Option<RunSpec>,
    /// Suite targets merged with the variant's (the variant's win, key by key).
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// The port the app listens on inside the container.
    pub port: u16,
    /// Ready = first HTTP 200 on this path. Without it, startup is time to healthy.
    pub http_probe: Option<String>,
    pub timeout: Duration,
    pub settle: Duration,
    pub env: BTreeMap<String, String>,
    pub command: Option<Vec<String>>,
}

/// An edit applied to the private copy of the context before one warm rebuild.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub name: String,
    /// Relative to the variant's context.
    pub file: PathBuf,
    pub append: String,
}

/// A limit on one metric, already converted to the metric's unit (s, bytes, 0..1).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub metric: String,
    pub limit: f64,
    /// The limit as the user wrote it, for reports: `"600MB"`.
    pub limit_text: String,
    pub direction: Direction,
}
