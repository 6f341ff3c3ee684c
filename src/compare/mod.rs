//! Comparison of two results folders (base, head): a verdict per (variant, metric) pair present
//! in both, recomputed from the raw samples (never from the stored summaries), plus the
//! variants and metrics that were added, removed, broke or got fixed.
//!
//! The statistics are the one pair judgement of `analysis::pair` (its header has the table), a
//! relation mapped to a verdict: better/worse are improved/regressed, same is unchanged, cannot
//! tell is within noise.
//! - Deterministic metrics (`image_size_bytes`, `cache_hit_rate*`) are compared exactly: any
//!   change beyond the metric's floor (64 kB or 0.1 % for sizes) counts.
//! - Everything else: Welch's t-test (it works from 2 samples a side and does not assume equal
//!   variances), two-sided, on the logarithms of the samples (timing noise is multiplicative
//!   and right-skewed; raw values if any sample is ≤ 0), with the p-values of all pairs
//!   adjusted by Benjamini–Hochberg, and a regression only when that adjusted p ≤ alpha (0.05)
//!   *and* the median moved by more than the threshold (5 %) in the bad direction.
//! - Why the adjustment: a suite of 50 variants × 10 metrics makes 500 tests; at 5 % each, two
//!   runs of the same code would nearly always "regress" somewhere. Benjamini–Hochberg keeps
//!   the chance of any false alarm ≤ alpha when nothing changed, and loses little power when
//!   something did (large Docker regressions have tiny p-values).
//!
//! Limits: at 2–3 runs a side only large, clean changes can be significant (a 20 % change needs
//! noise under ~5 %); the test assumes independent, roughly normal repetitions, so a slowdown
//! shared by a whole run (a busy host, a cold page cache) is invisible to it and only the
//! threshold guards against it. Compare runs from the same machine, and use 5 runs where
//! timings matter.

mod cells;
mod machine;
mod markdown;
mod pairs;
mod settings;
mod text;

use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::metric::Unit;
use crate::results::{ResultsStore, RunResults};
use crate::stats::Summary;

pub use crate::analysis::pair::{is_deterministic, Runs, TestUsed};
pub use machine::MachineChange;
pub use markdown::{render_markdown, COMMENT_MARKER};
pub use settings::{parse_threshold, CompareSettings, Looks, OutputFormat};
pub use text::{painted_text, render_text};

/// Mistakes in the inputs that the user must fix (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(
        "base is a run of suite `{base}` but head is a run of suite `{head}`: \
         only runs of the same suite can be compared"
    )]
    DifferentSuites { base: String, head: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Improved,
    Regressed,
    Unchanged,
    WithinNoise,
    /// A timing measured on two different machines (`Comparison::machine_change`).
    NotJudged,
}

/// The head's target on the row's metric, if one is set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetOutcome {
    /// `≤ 3m`, `≥ 80%`: as written in the suite.
    pub limit: String,
    pub pass: bool,
}

/// One (variant, metric) pair present in both runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    pub variant: String,
    pub metric: String,
    pub unit: Unit,
    /// Recomputed from the base run's raw samples.
    pub base: Summary,
    pub head: Summary,
    /// (head median − base median) / base median; null when the base median is 0 and the
    /// head's is not.
    pub relative_change: Option<f64>,
    pub test: TestUsed,
    /// The runs of base and head the verdict was reached after.
    pub runs: Runs,
    pub verdict: Verdict,
    pub targets: Vec<TargetOutcome>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantChangeKind {
    /// Ok in base, failed in head: a regression.
    Broke,
    /// Failed in base, ok in head: an improvement.
    Fixed,
    FailedInBoth,
    Added,
    Removed,
}

/// A variant that has no metric rows, or not all of them, for a reason worth listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantChange {
    pub variant: String,
    pub kind: VariantChangeKind,
    /// The head's error (the base's when the variant was removed), if it failed.
    pub error: Option<String>,
}

/// A metric measured for a variant in one run only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariantMetric {
    pub variant: String,
    pub metric: String,
}

/// What identifies one side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    pub started_at: String,
    pub finished: bool,
    pub runs: u32,
    /// `3 runs`, or for a run sampled until decided the range its variants got (`3 to 7
    /// runs`): what the header says.
    #[serde(skip)]
    pub runs_label: String,
    pub dockbench_version: String,
    pub dockbench_git_commit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub suite: String,
    pub base: RunInfo,
    pub head: RunInfo,
    pub settings: CompareSettings,
    /// Head variant order, then metrics in report column order.
    pub rows: Vec<MetricRow>,
    pub variant_changes: Vec<VariantChange>,
    pub added_metrics: Vec<VariantMetric>,
    pub removed_metrics: Vec<VariantMetric>,
    /// Caveats a reader should see: an unfinished run, untestable pairs.
    pub notes: Vec<String>,
    /// When base and head measured different machines: what differs. Every timing's verdict
    /// is then `not_judged`, and the headline says why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine_change: Option<MachineChange>,
    /// Per variant with an image anatomy on both sides: the directories whose shipped bytes
    /// changed by 1 MB or more (head variant order; variants with no such change left out).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path_changes: Vec<PathChanges>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathChanges {
    pub variant: String,
    pub changes: Vec<crate::anatomy::diff::DirChange>,
}

/// The directory changes of every variant that has an anatomy in both runs.
fn path_changes(base: &RunResults, head: &RunResults) -> Vec<PathChanges> {
    head.variants
        .iter()
        .filter_map(|h| {
            let b = base.variants.iter().find(|b| b.name == h.name)?;
            let changes = crate::anatomy::diff::dir_changes(
                &b.anatomy.as_ref()?.dirs,
                &h.anatomy.as_ref()?.dirs,
            );
            (!changes.is_empty()).then(|| PathChanges {
                variant: h.name.clone(),
                changes,
            })
        })
        .collect()
}

impl Comparison {
    /// Regressed pairs plus variants that broke.
    pub fn regressions(&self) -> usize {
        self.count(Verdict::Regressed, VariantChangeKind::Broke)
    }

    /// Improved pairs plus variants that got fixed.
    pub fn improvements(&self) -> usize {
        self.count(Verdict::Improved, VariantChangeKind::Fixed)
    }

    pub fn has_regression(&self) -> bool {
        self.regressions() > 0
    }

    /// `2 regressions, 1 improvement`, `No regressions, 3 improvements`, `No regressions`;
    /// on a changed machine, `Timings not judged: the machine changed` first.
    pub fn headline(&self) -> String {
        let judged = self.judged_headline();
        match &self.machine_change {
            Some(_) => format!("Timings not judged: the machine changed; {judged}"),
            None => judged,
        }
    }

    fn judged_headline(&self) -> String {
        let plural = |n: usize, word: &str| match n {
            1 => format!("1 {word}"),
            _ => format!("{n} {word}s"),
        };
        let regressions = match self.regressions() {
            0 => "No regressions".to_string(),
            n => plural(n, "regression"),
        };
        match self.improvements() {
            0 => regressions,
            n => format!("{regressions}, {}", plural(n, "improvement")),
        }
    }

    fn count(&self, verdict: Verdict, kind: VariantChangeKind) -> usize {
        let rows = self.rows.iter().filter(|r| r.verdict == verdict).count();
        let variants = self
            .variant_changes
            .iter()
            .filter(|c| c.kind == kind)
            .count();
        rows + variants
    }
}

/// Compares two runs of one suite. Does not check that the suites match: see [`compare_dirs`].
pub fn compare(base: &RunResults, head: &RunResults, settings: &CompareSettings) -> Comparison {
    let mut paired = pairs::pair(base, head, settings);
    let machine_change = machine::machine_change(base, head, &paired.rows);
    if machine_change.is_some() {
        machine::set_aside_timings(&mut paired.rows);
    }
    let mut notes = pairs::notes(base, head);
    let untestable = paired
        .rows
        .iter()
        .filter(|r| r.test == TestUsed::TooFewSamples)
        .count();
    if untestable > 0 {
        notes.push(format!(
            "{untestable} pair(s) have fewer than 2 samples on a side and cannot be tested for \
             significance; use runs = 3 or more."
        ));
    }
    Comparison {
        suite: head.suite.clone(),
        base: run_info(base),
        head: run_info(head),
        settings: *settings,
        rows: paired.rows,
        variant_changes: paired.variant_changes,
        added_metrics: paired.added_metrics,
        removed_metrics: paired.removed_metrics,
        notes,
        machine_change,
        path_changes: path_changes(base, head),
    }
}

/// Loads two results folders (or `results.json` files) and compares them. Errors say which
/// side could not be read, or why the two cannot be compared.
pub fn compare_dirs(
    base_dir: &Path,
    head_dir: &Path,
    settings: &CompareSettings,
) -> anyhow::Result<Comparison> {
    let base = load_side("base", base_dir)?;
    let head = load_side("head", head_dir)?;
    if base.suite != head.suite {
        return Err(CompareError::DifferentSuites {
            base: base.suite,
            head: head.suite,
        }
        .into());
    }
    Ok(compare(&base, &head, settings))
}

/// The comparison as pretty JSON: the [`Comparison`] plus its headline and counts.
pub fn render_json(comparison: &Comparison) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        headline: String,
        has_regression: bool,
        regressions: usize,
        improvements: usize,
        #[serde(flatten)]
        comparison: &'a Comparison,
    }
    let document = Document {
        headline: comparison.headline(),
        has_regression: comparison.has_regression(),
        regressions: comparison.regressions(),
        improvements: comparison.improvements(),
        comparison,
    };
    serde_json::to_string_pretty(&document).expect("a comparison always serializes")
}

/// Renders in the chosen format; no trailing newline.
pub fn render(comparison: &Comparison, format: OutputFormat) -> String {
    match format {
        OutputFormat::Markdown => render_markdown(comparison),
        OutputFormat::Json => render_json(comparison),
        OutputFormat::Text => render_text(comparison),
    }
}

fn load_side(side: &str, dir: &Path) -> anyhow::Result<RunResults> {
    if !dir.exists() {
        anyhow::bail!("{side} results {}: no such folder", dir.display());
    }
    let results = ResultsStore::load(dir);
    match results {
        Ok(r) => Ok(r),
        Err(e) => {
            let hint = nested_run_hint(dir).unwrap_or_default();
            Err(e).with_context(|| format!("{side} results {}{hint}", dir.display()))
        }
    }
}

/// A results root passed instead of one run: point at a run inside it.
fn nested_run_hint(dir: &Path) -> Option<String> {
    if !dir.is_dir() {
        return None;
    }
    let found = walkdir::WalkDir::new(dir)
        .min_depth(2)
        .max_depth(4)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name() == ResultsStore::RESULTS_JSON)?;
    let run = found.path().parent()?;
    Some(format!(
        " (this holds several runs; pass one run's folder, e.g. {})",
        run.display()
    ))
}

fn run_info(results: &RunResults) -> RunInfo {
    RunInfo {
        started_at: results.started_at.clone(),
        finished: results.finished_at.is_some(),
        runs: results.runs,
        runs_label: match results.sampling {
            None => format!("{} runs", results.runs),
            Some(_) => crate::report::sections::runs_text(results),
        },
        dockbench_version: results.dockbench_version.clone(),
        dockbench_git_commit: results.environment.dockbench_git_commit.clone(),
    }
}

#[cfg(test)]
mod false_alarms;
#[cfg(test)]
mod tests;
