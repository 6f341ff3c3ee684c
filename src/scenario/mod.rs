//! Scenario loading: a suite file (TOML) becomes a validated `Suite` with absolute paths and
//! every duration, size and rate already parsed, so later stages never see raw text.

pub mod claim;
pub mod compose;
pub mod dockerfile;
pub mod dockerignore;
pub mod envfile;
pub mod features;
mod parse;
pub mod shard;
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
    /// Repetitions per variant (suite `runs`, default 3; `--runs` overrides later); with
    /// `runs = "auto"`, the minimum before the first look.
    pub runs: u32,
    /// `runs = "auto"`: sample until every comparison is decided, within these bounds.
    pub sampling: Option<AutoRuns>,
    /// The variant the others are compared with (`reference`); the first when `None`.
    pub reference: Option<String>,
    /// The reviews' claims to judge (`[[claim]]`).
    pub claims: Vec<claim::ClaimSpec>,
    /// Whether a claim that does not hold fails the run, as a missed target does
    /// (`claims_exit`, default true; `--no-claims-exit` turns it off).
    pub claims_exit: bool,
    /// `margin`: two variants within it are "the same", and a change must exceed it to count
    /// (default 5%; `compare --threshold` overrides it for a comparison).
    pub margin: f64,
    pub edits: Vec<Edit>,
    pub variants: Vec<Variant>,
}

/// How far a run sampled until decided may go (`runs = "auto"`, `max_runs`, `budget`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoRuns {
    /// Rounds per variant at most.
    pub max_runs: u32,
    /// The run's wall time at most: no repetition starts that would end past it.
    pub budget: Option<std::time::Duration>,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    /// Absolute build context folder.
    pub context_dir: PathBuf,
    /// Dockerfile path relative to `context_dir`. It may lie outside the context (`../x`, or
    /// absolute), as `docker build -f` allows.
    pub dockerfile: PathBuf,
    pub builder: Builder,
    /// The suite file names the builder (the variant or the suite). When it does not, the
    /// engine's own default builds: BuildKit on Docker, Buildah on Podman.
    pub builder_given: bool,
    /// The stage to build (`docker build --target`); the last stage when `None`.
    pub target: Option<String>,
    /// `docker build --platform`, e.g. `linux/amd64`; the engine's own when `None`.
    pub platform: Option<String>,
    /// Suite build args merged with the variant's (the variant's win).
    pub build_args: BTreeMap<String, String>,
    /// Without it, no container is started.
    pub run: Option<RunSpec>,
    /// Suite targets merged with the variant's (the variant's win, key by key).
    pub targets: Vec<Target>,
}

impl Variant {
    /// The Dockerfile on disk.
    pub fn dockerfile_path(&self) -> PathBuf {
        self.context_dir.join(&self.dockerfile)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// The port the app listens on inside the container; needed only with `http_probe`.
    pub port: Option<u16>,
    /// Ready = first HTTP answer with an accepted status on this path.
    pub http_probe: Option<String>,
    /// Accepted statuses for `http_probe`; empty means any 2xx.
    pub http_status: Vec<u16>,
    /// Ready = first line of the container's output that matches this regex (already checked
    /// to compile). Without it and `http_probe`, startup is time to healthy.
    pub ready_log: Option<String>,
    pub timeout: Duration,
    pub settle: Duration,
    /// `env_file` first, then `env` over it (as compose does).
    pub env: BTreeMap<String, String>,
    pub command: Option<Vec<String>>,
    pub limits: Limits,
    pub user: Option<String>,
    /// Paths mounted as tmpfs (`docker run --tmpfs`).
    pub tmpfs: Vec<String>,
    /// The compose stack the measured container runs in (`compose` and `service`). The
    /// measured service's compose settings are already merged into the fields above.
    pub stack: Option<compose::StackSpec>,
}

#[cfg(test)]
impl RunSpec {
    /// Ready on the first 2xx of `GET /health` on port 8000, within 5 s; settle 2 s; every other
    /// key at its default. The measurement tests start from it.
    pub fn http_health() -> RunSpec {
        RunSpec {
            port: Some(8000),
            http_probe: Some("/health".into()),
            http_status: Vec::new(),
            ready_log: None,
            timeout: Duration::from_secs(5),
            settle: Duration::from_secs(2),
            env: BTreeMap::new(),
            command: None,
            limits: Limits::default(),
            user: None,
            tmpfs: Vec::new(),
            stack: None,
        }
    }
}

/// Resource limits on the measured container, as `docker run --memory` / `--cpus` set them.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// As the user wrote it, for messages and reports: `"512MiB"`.
    #[serde(default, rename = "memory", skip_serializing_if = "Option::is_none")]
    pub memory_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<f64>,
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        self.memory_bytes.is_none() && self.cpus.is_none()
    }
}

/// An edit applied to the private copy of the context before one warm rebuild: one or more
/// file changes made together (a manifest and its lock file).
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub name: String,
    pub changes: Vec<Change>,
}

/// One file's change within an edit.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Relative to the variant's context.
    pub file: PathBuf,
    pub kind: ChangeKind,
}

/// Every text may hold `{nonce}`, replaced by the rebuild's unique nonce.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeKind {
    Append(String),
    /// The exact text `from` must occur in the file; every occurrence is replaced.
    Replace {
        from: String,
        to: String,
    },
    /// Creates the file, or overwrites it whole.
    Write(String),
    Delete,
}

impl ChangeKind {
    /// The text the user wrote, where the kind has one.
    pub fn text(&self) -> Option<&str> {
        match self {
            ChangeKind::Append(t) | ChangeKind::Write(t) => Some(t),
            ChangeKind::Replace { to, .. } => Some(to),
            ChangeKind::Delete => None,
        }
    }
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

/// SHA-256 (hex) of the suite file and of every file it names that exists: each variant's
/// Dockerfile and compose file, and each edited file in each variant's context. Keyed by path
/// as the suite resolves it. `run --resume` compares these with the run's.
pub fn suite_files(suite: &Suite) -> BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    let mut paths = vec![suite.path.clone()];
    for v in &suite.variants {
        paths.push(v.dockerfile_path());
        if let Some(stack) = v.run.as_ref().and_then(|r| r.stack.as_ref()) {
            paths.push(stack.file.clone());
        }
        for edit in &suite.edits {
            paths.extend(edit.changes.iter().map(|c| v.context_dir.join(&c.file)));
        }
    }
    paths
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let hex: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            Some((p.display().to_string(), hex))
        })
        .collect()
}

/// Why a run's recorded `suite_files` do not match the suite now; `None` when they do.
pub fn suite_files_changed(
    recorded: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Option<String> {
    let mut reasons = Vec::new();
    for (path, hash) in now {
        match recorded.get(path) {
            None => reasons.push(format!("{path} is new")),
            Some(h) if h != hash => reasons.push(format!("{path} changed")),
            Some(_) => {}
        }
    }
    for path in recorded.keys().filter(|p| !now.contains_key(*p)) {
        reasons.push(format!("{path} is gone"));
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}
