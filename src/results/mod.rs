//! The results folder: `results.json`, `samples.csv` and `environment.json`, rewritten atomically
//! after every variant so that a crash or Ctrl-C keeps everything already measured.

mod columns;
pub mod engine;
pub mod environment;
pub mod host;
pub mod merge;
pub(crate) mod store;
pub mod summarize;
#[cfg(test)]
pub(crate) mod testdata;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::scenario::Limits;
use crate::stats::Summary;
use crate::targets::TargetCheck;
use engine::{BuildStep, Layer};

pub use columns::metric_columns;
pub use environment::Environment;
pub use store::{write_atomic, ResultsStore, SaveError};

/// One raw measurement. `run` is 1-based; the unit follows from the metric name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub variant: String,
    pub metric: String,
    pub run: u32,
    pub value: f64,
    /// When the phase that measured it started (a build, the container's run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    /// For a timed phase on an engine of this machine: the share of the machine's CPU
    /// capacity that processes outside the engine and dockbench used while it was timed
    /// (`measure::host_load`; 1.0 = every CPU). Absent when not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others_cpu_share: Option<f64>,
    /// The machine's 1-minute load average at the end of that phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_1m: Option<f64>,
}

/// What happened to a variant. Only `Failed` is a failure: a variant still `Running`, or
/// `Interrupted` (Ctrl-C, or the engine going away while it had rounds left), has measured what
/// its finished rounds hold, and its figures are shown with a note saying how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every round it was scheduled for finished.
    Ok,
    /// Rounds remain: what a results folder says while the run goes on.
    Running,
    /// The run stopped before its last round; `completed_runs` are kept.
    Interrupted,
    /// It failed; `error` says why and `failure_kind` what failed.
    Failed,
}

impl Status {
    /// The word tables print.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Running => "running",
            Status::Interrupted => "interrupted",
            Status::Failed => "failed",
        }
    }
}

/// What failed, so that readers need not parse the message (the word for a lost engine used to
/// be a "not measured: " prefix on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Before any phase: the builder the variant names is not on this engine, or its private
    /// copy of the context could not be made.
    Setup,
    /// A build (cold, warm or after an edit) failed on an engine that still answers.
    Build,
    /// The container (or a service it needs) failed, or was not ready in time.
    Run,
    /// The engine stopped answering during one of its phases: nothing about the variant is
    /// known from that phase.
    EngineLost,
    /// Recorded by an older dockbench, which kept the message only.
    Unknown,
}

impl FailureKind {
    /// The kind an older results file implies: it marked a lost engine with a prefix.
    pub fn of_legacy_message(message: &str) -> FailureKind {
        if message.starts_with("not measured: ") {
            FailureKind::EngineLost
        } else {
            FailureKind::Unknown
        }
    }
}

/// A variant's failure: what failed, and the builder's, the container's or the engine's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    pub name: String,
    pub status: Status,
    /// The build's or the container's own message when `status` is failed.
    pub error: Option<String>,
    /// What failed, beside `error` (kept a plain string so that older files and readers still
    /// read it); absent in files from before it was recorded (`failure` infers it then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_kind: Option<FailureKind>,
    pub builder: String,
    pub dockerfile: String,
    pub metrics: BTreeMap<String, Summary>,
    pub targets: Vec<TargetCheck>,
    /// Layers of the image from the last successful build, newest first (as the engine lists them).
    pub layers: Vec<Layer>,
    /// The Dockerfile steps of the first cold build, with whether each was cached and how long it
    /// took (BuildKit only reports per-step times).
    pub cold_build_steps: Vec<BuildStep>,
    /// What the reader of these figures should know, e.g. an edited rebuild that reused the
    /// output of an earlier build.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How the image was built and run, where that differs from the defaults: the reports show
    /// it beside the figures, since a figure under a 512 MiB limit is not one without it.
    #[serde(default, skip_serializing_if = "VariantSettings::is_default")]
    pub settings: VariantSettings,
    /// When the phase of each sample started (UTC, RFC 3339), per metric and parallel to its
    /// `samples`: the order the repetitions ran in, and drift over a run, can be read from it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub started_at: BTreeMap<String, Vec<String>>,
    /// The repetitions measured in full, in the order they finished: what `run --resume` does
    /// not measure again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub completed_runs: Vec<u32>,
    /// Wall-clock seconds the completed repetitions took (`run --balance-from` reads it).
    #[serde(default)]
    pub measured_s: f64,
    /// Why the image is the size it is: layers, wasted files, largest files and directories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anatomy: Option<crate::anatomy::Anatomy>,
    /// The timed samples during which others used more than `DISTURBED_SHARE` of the CPU,
    /// in the order of the samples. Derived from the samples (`host::disturbances`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disturbed: Vec<host::Disturbance>,
    /// Per completed repetition, the wall time spent outside its timed phases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overhead: Vec<host::Overhead>,
}

impl VariantResult {
    /// The status as tables print it: an interrupted or running variant with how many of its
    /// rounds its figures hold.
    pub fn status_text(&self) -> String {
        match self.status {
            Status::Interrupted | Status::Running => {
                let kept = self.completed_runs.len();
                let s = if kept == 1 { "" } else { "s" };
                format!("{} ({kept} run{s} kept)", self.status.word())
            }
            status => status.word().to_string(),
        }
    }

    /// Its failure as a type, when it failed.
    pub fn failure(&self) -> Option<Failure> {
        let message = self.error.as_ref()?;
        Some(Failure {
            kind: self
                .failure_kind
                .unwrap_or_else(|| FailureKind::of_legacy_message(message)),
            message: message.clone(),
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VariantSettings {
    /// The stage built (`--target`); absent for the last stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Limits the measured container ran under.
    #[serde(default, skip_serializing_if = "Limits::is_empty")]
    pub limits: Limits,
}

impl VariantSettings {
    pub fn is_default(&self) -> bool {
        self == &VariantSettings::default()
    }

    /// `target builder, memory 512MiB, 1.5 CPUs`; empty when all are defaults.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = &self.target {
            parts.push(format!("target {t}"));
        }
        if let Some(p) = &self.platform {
            parts.push(format!("platform {p}"));
        }
        if let Some(m) = &self.limits.memory_text {
            parts.push(format!("memory limit {m}"));
        }
        if let Some(c) = self.limits.cpus {
            parts.push(format!("{c} CPUs"));
        }
        parts.join(", ")
    }
}

/// The whole of `results.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    pub suite: String,
    pub suite_file: String,
    pub dockbench_version: String,
    pub runs: u32,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// Set when the run ends; absent while it is still going (or if it was interrupted).
    pub finished_at: Option<String>,
    pub environment: Environment,
    pub variants: Vec<VariantResult>,
    /// The suite's `reference` variant, when it names one (else the first variant is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The suite's `margin` (0.05 = 5%), so that `dockbench report` judges with it again; absent
    /// in runs before it existed, which were judged at 5%.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// The suite's claims, so that `dockbench report` judges them again from these samples.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<crate::scenario::claim::ClaimSpec>,
    /// SHA-256 of the suite file and of every file it names (Dockerfiles, compose files, edited
    /// files), by path: `--resume` refuses when any of them changed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub suite_files: BTreeMap<String, String>,
    /// When the run was resumed (`run --resume`), RFC 3339 UTC, once per resumption.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resumed_at: Vec<String>,
    /// For a folder made by `dockbench merge`: its inputs, in order, each with its own
    /// environment and the repetitions that are its.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<merge::MergedInput>,
    /// `run --shard K/N`: which shard of a split run this is. A merge of one shard's rounds is
    /// that shard too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::scenario::shard::Shard>,
    /// For a merge of two or more shards: the reference variant as each shard's machine
    /// measured it, and the variants that shard measured. Derived from the samples on load
    /// (`summarize::derive`), like every summary; stored for readers of the JSON only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shard_references: Vec<ShardReference>,
    /// A run sampled until decided (`runs = "auto"`): its bounds, the rounds each variant got
    /// and why sampling stopped. `dockbench report` judges its pairs at their looks' levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<Sampling>,
}

/// How a run sampled until decided went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sampling {
    /// Rounds of every variant before the first look.
    pub min_runs: u32,
    /// Rounds per variant at most (`max_runs`).
    pub max_runs: u32,
    /// The wall-time budget (`budget`), when one was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_s: Option<f64>,
    /// Why the run stopped measuring; absent while it runs or when it was interrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stop>,
    /// Per variant, once the run stopped: the rounds it got and why it got no more.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variants: BTreeMap<String, VariantSampling>,
}

/// Why sampling stopped, for a run or for one variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// Every comparison that needs the variant is decided (better, worse, or the same within
    /// the margin), as are the claims on it.
    Decided,
    /// Still undecided after `max_runs` rounds.
    Cap,
    /// The budget left no time for another round.
    Budget,
    /// The variant failed; more rounds would not help.
    Failed,
}

impl Stop {
    pub fn text(self) -> &'static str {
        match self {
            Stop::Decided => "decided",
            Stop::Cap => "at the cap of runs",
            Stop::Budget => "out of budget",
            Stop::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantSampling {
    pub rounds: u32,
    pub stopped: Stop,
}

/// The reference variant of one shard of a merged run: what each other variant of that shard
/// is compared with, so that no relative figure spans two machines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardReference {
    pub shard: crate::scenario::shard::Shard,
    /// The variants other than the reference that this shard measured.
    pub variants: Vec<String>,
    /// The reference's summaries from this shard's samples only.
    pub metrics: BTreeMap<String, Summary>,
}
