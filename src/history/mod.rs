//! History: the runs stored under a results root, collected into one table (`history.csv`) for
//! trend charts.

mod collect;
mod csv;

use serde::{Deserialize, Serialize};

pub use collect::{collect, last_seconds_per_run, pace_setters, scan, Collected};
pub use csv::{to_csv, write_csv, HISTORY_CSV};

/// One (run, variant, metric) point of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// RFC 3339, UTC: when the run started (the x axis of trend charts).
    pub started_at: String,
    pub suite: String,
    pub variant: String,
    pub metric: String,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub samples: usize,
    /// The variant's target on this metric in that run, in the metric's unit, if any.
    pub target_limit: Option<f64>,
    /// The dockbench build (`environment.dockbench_git_commit`) of that run.
    pub git_commit: String,
    /// The results folder, relative to the history root.
    pub results_dir: String,
    /// What about that run's machine sets the pace of a build, as `(what, value)` pairs (`engine`,
    /// `Docker 28.5.2`); a field the run did not record is left out. Trend charts mark the runs
    /// where it changed. Not in `history.csv`, whose columns stay as they were.
    #[serde(default)]
    pub environment: Vec<(String, String)>,
}

#[cfg(test)]
mod tests;
