//! Finding every run under a results root and flattening it into history rows.
//!
//! A folder that cannot be read, does not parse, or holds a run that never finished (a crash,
//! a Ctrl-C, or a run still going) is skipped with a warning: one bad folder must not hide
//! months of history.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::HistoryRow;
use crate::results::metric_columns;
use crate::results::{Environment, ResultsStore, RunResults, Status};

/// The rows, oldest run first, and why any folder was skipped.
#[derive(Debug, Default)]
pub struct Collected {
    pub rows: Vec<HistoryRow>,
    /// `<folder>: <reason>`, one per skipped folder or unreadable directory.
    pub warnings: Vec<String>,
}

/// Every finished run under `root` (any depth), one row per (run, variant, metric), sorted by
/// `started_at`; skipped folders are printed to stderr as warnings.
pub fn collect(root: &Path) -> anyhow::Result<Vec<HistoryRow>> {
    let collected = scan(root)?;
    for warning in &collected.warnings {
        eprintln!("warning: skipping {warning}");
    }
    Ok(collected.rows)
}

/// Like [`collect`], returning the warnings instead of printing them. Fails only when `root`
/// itself is not a readable folder.
pub fn scan(root: &Path) -> anyhow::Result<Collected> {
    let metadata =
        std::fs::metadata(root).with_context(|| format!("results root {}", root.display()))?;
    anyhow::ensure!(
        metadata.is_dir(),
        "results root {} is not a folder",
        root.display()
    );
    let mut runs: Vec<(RunKey, Vec<HistoryRow>)> = Vec::new();
    let mut warnings = Vec::new();
    let entries = walkdir::WalkDir::new(root).sort_by_file_name().into_iter();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                warnings.push(format!("{}: {e}", e.path().unwrap_or(root).display()));
                continue;
            }
        };
        if !entry.file_type().is_file() || entry.file_name() != ResultsStore::RESULTS_JSON {
            continue;
        }
        let dir = entry.path().parent().unwrap_or(root);
        let relative = relative_dir(root, dir);
        match load_finished(entry.path()) {
            Ok(results) => runs.push((
                RunKey::of(&results, &relative),
                rows_of(&results, &relative),
            )),
            Err(reason) => warnings.push(format!("{}: {reason:#}", dir.display())),
        }
    }
    // Sorting whole runs keeps each run's rows in report order.
    runs.sort_by(|(a, _), (b, _)| a.cmp(b));
    let rows = runs.into_iter().flat_map(|(_, rows)| rows).collect();
    Ok(Collected { rows, warnings })
}

/// Per variant of `suite`, the wall-clock seconds per repetition of its most recent finished
/// run under `root` that measured it (`run --balance-from`). Folders that do not load are
/// skipped, as in [`scan`]; runs from before dockbench recorded durations count as unknown.
pub fn last_seconds_per_run(
    root: &Path,
    suite: &str,
) -> anyhow::Result<std::collections::BTreeMap<String, f64>> {
    anyhow::ensure!(
        root.is_dir(),
        "--balance-from {}: not a folder of results",
        root.display()
    );
    let mut latest: std::collections::BTreeMap<String, (RunKey, f64)> = Default::default();
    for entry in walkdir::WalkDir::new(root).into_iter().flatten() {
        if entry.file_name() != ResultsStore::RESULTS_JSON {
            continue;
        }
        let Ok(results) = load_finished(entry.path()) else {
            continue;
        };
        if results.suite != suite {
            continue;
        }
        let key = RunKey::of(
            &results,
            &relative_dir(root, entry.path().parent().unwrap_or(root)),
        );
        if key.unparsable {
            continue;
        }
        for v in &results.variants {
            let runs = v.completed_runs.len();
            if runs == 0 || v.measured_s <= 0.0 {
                continue;
            }
            let per_run = v.measured_s / runs as f64;
            match latest.get(&v.name) {
                Some((seen, _)) if *seen >= key => {}
                _ => {
                    latest.insert(v.name.clone(), (key.clone(), per_run));
                }
            }
        }
    }
    Ok(latest.into_iter().map(|(v, (_, s))| (v, s)).collect())
}

/// Runs sort by start time; a time that does not parse sorts last, then by folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RunKey {
    unparsable: bool,
    started: Option<DateTime<Utc>>,
    started_text: String,
    results_dir: String,
}

impl RunKey {
    fn of(results: &RunResults, results_dir: &str) -> RunKey {
        let started = DateTime::parse_from_rfc3339(&results.started_at)
            .ok()
            .map(|t| t.with_timezone(&Utc));
        RunKey {
            unparsable: started.is_none(),
            started,
            started_text: results.started_at.clone(),
            results_dir: results_dir.to_string(),
        }
    }
}

fn load_finished(results_json: &Path) -> anyhow::Result<RunResults> {
    let results = ResultsStore::load(results_json)?;
    anyhow::ensure!(
        results.finished_at.is_some(),
        "the run did not finish (no finished_at): interrupted, or still running"
    );
    Ok(results)
}

/// One row per measured metric of each variant that did not fail, metrics in report column
/// order, with median, min and max recomputed from the raw samples.
fn rows_of(results: &RunResults, results_dir: &str) -> Vec<HistoryRow> {
    let columns = metric_columns(&results.variants);
    let environment = pace_setters(&results.environment);
    let mut rows = Vec::new();
    // An interrupted variant's finished rounds are measurements like any other's.
    for variant in results
        .variants
        .iter()
        .filter(|v| v.status != Status::Failed)
    {
        for metric in &columns {
            // Derived from samples.csv on load (`ResultsStore::load`).
            let Some(summary) = variant.metrics.get(metric) else {
                continue;
            };
            let target_limit = variant
                .targets
                .iter()
                .find(|t| &t.metric == metric)
                .map(|t| t.limit);
            rows.push(HistoryRow {
                started_at: results.started_at.clone(),
                suite: results.suite.clone(),
                variant: variant.name.clone(),
                metric: metric.clone(),
                median: summary.median,
                min: summary.min,
                max: summary.max,
                samples: summary.samples.len(),
                target_limit,
                git_commit: results.environment.dockbench_git_commit.clone(),
                results_dir: results_dir.to_string(),
                environment: environment.clone(),
            });
        }
    }
    rows
}

/// What about a run's host and engine sets the pace of a build: CPU, kernel, engine, storage,
/// and the dockbench that measured (its version, not its commit: every commit would mark a
/// change). The same fields `compare` checks before it judges timings (`compare::machine`).
pub fn pace_setters(env: &Environment) -> Vec<(String, String)> {
    let mut fields: Vec<(&str, Option<String>)> = vec![
        ("CPU", Some(env.cpu_brand.clone())),
        ("CPUs", Some(env.cpu_logical_cores.to_string())),
        ("kernel", env.kernel_version.clone()),
    ];
    if let Some(engine) = &env.engine {
        let name = format!("{} {}", engine.kind.name(), engine.docker_version);
        fields.push(("engine", Some(name)));
        fields.push(("storage", Some(engine.store_label())));
    }
    fields.push(("dockbench", Some(env.dockbench_version.clone())));
    fields
        .into_iter()
        .filter_map(|(what, value)| {
            let value = value.filter(|v| !v.is_empty() && v != "0")?;
            Some((what.to_string(), value))
        })
        .collect()
}

/// `web/2026-11-23T07-41-05Z`, with `/` on every platform; `.` for the root itself.
fn relative_dir(root: &Path, dir: &Path) -> String {
    let relative = dir.strip_prefix(root).unwrap_or(dir);
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}
