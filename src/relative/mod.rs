//! "Is B better than A, by how much, and is it real?": every variant of one run against a
//! reference variant of the same run, metric by metric, from the raw samples.
//!
//! The same machinery as `dockbench compare` (see `compare::judge`): deterministic metrics
//! (image size, cache hit rates, and any metric that did not vary) are compared exactly;
//! everything else by Welch's t-test on the logarithms, with the p-values of the whole table
//! adjusted by Benjamini–Hochberg, and a change counts only beyond the threshold (5 %). On top
//! of the verdict, each noisy row gets the 95 % interval of the change (the Welch interval of
//! the ratio, `stats::interval`) and the number of runs that would narrow it to ±5 % at the
//! observed spread.
//!
//! The interval is unadjusted (95 % for that row alone), while the verdict uses the adjusted p:
//! so a row can show an interval that just misses 0 % and still be "cannot tell". That is the
//! multiple-comparisons adjustment doing its job, and the text says so.

mod text;

use serde::{Deserialize, Serialize};

use crate::compare::judge::{
    adjust_for_multiple_tests, choose_test, got_worse, is_significant, relative_change,
};
use crate::compare::{CompareSettings, TestUsed};
use crate::results::metric_columns;
use crate::results::{RunResults, ShardReference, Status};
use crate::stats::interval::{change_interval, runs_for_half_width, ChangeInterval};
use crate::stats::Summary;

pub use text::{
    change_cell, change_with_interval, finding_line, findings, machines_statement, percent,
    relation_text, runs_hint,
};

/// Confidence of the intervals.
pub const CONFIDENCE: f64 = 0.95;
/// The interval width the "runs needed" figure aims at: ±5 %.
pub const WANTED_HALF_WIDTH: f64 = 0.05;
/// Beyond this many runs the answer is "more than 100": no one will make them.
const MAX_RUNS_SUGGESTED: usize = 100;

/// How a variant relates to the reference on one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Better,
    Worse,
    /// Identical (exact), or a change within the threshold.
    Same,
    /// The interval is wider than the threshold and the test is not significant: more runs
    /// would tell.
    CannotTell,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelativeRow {
    pub variant: String,
    pub metric: String,
    pub reference: Summary,
    pub value: Summary,
    /// Ratio of the medians − 1 (0.25 = 25 % more than the reference); null when the
    /// reference's median is 0 and the variant's is not.
    pub change: Option<f64>,
    /// The 95 % interval of the change; null for an exact comparison (no noise) and for too
    /// few samples.
    pub interval: Option<ChangeInterval>,
    pub test: TestUsed,
    pub relation: Relation,
    /// The fewer samples of the two sides.
    pub samples: usize,
    /// For a row that cannot tell yet: the runs per variant that would narrow the interval to
    /// ±5 % at the observed spread; null otherwise, and when more than 100 would be needed.
    pub runs_for_5_percent: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelativeTable {
    pub reference: String,
    pub settings: CompareSettings,
    /// Variant order of the run, then metrics in report column order.
    pub rows: Vec<RelativeRow>,
    /// Variants with no rows, and why.
    pub notes: Vec<String>,
    /// For a merge of shards: each shard's reference against the first shard's.
    pub machines: Option<Machines>,
}

/// The reference as each shard's machine measured it, against the first shard's, metric by
/// metric, judged like the rows (`variant` names the other shard, `shard 2/2`). A difference
/// beyond noise means the shards' machines differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Machines {
    pub first: crate::scenario::shard::Shard,
    pub rows: Vec<RelativeRow>,
}

/// Why there is no table at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NoTable {
    #[error("reference variant `{0}` is not in this run (variants: {1})")]
    UnknownReference(String, String),
    #[error("reference variant `{0}` failed, so nothing can be compared with it")]
    ReferenceFailed(String),
    #[error("the run has only one variant; there is nothing to compare it with")]
    OneVariant,
}

/// The reference named (suite `reference`, `--reference`), or else the first variant.
pub fn reference_name<'a>(results: &'a RunResults, named: Option<&'a str>) -> Option<&'a str> {
    named.or_else(|| results.variants.first().map(|v| v.name.as_str()))
}

/// Every other variant against `reference`, metric by metric.
pub fn relative_table(
    results: &RunResults,
    reference: &str,
    settings: &CompareSettings,
) -> Result<RelativeTable, NoTable> {
    let Some(base) = results.variants.iter().find(|v| v.name == reference) else {
        let names: Vec<&str> = results.variants.iter().map(|v| v.name.as_str()).collect();
        return Err(NoTable::UnknownReference(
            reference.to_string(),
            names.join(", "),
        ));
    };
    if results.variants.len() < 2 {
        return Err(NoTable::OneVariant);
    }
    if base.status == Status::Failed {
        return Err(NoTable::ReferenceFailed(reference.to_string()));
    }
    let columns = metric_columns(&results.variants);
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for variant in results.variants.iter().filter(|v| v.name != reference) {
        if variant.status == Status::Failed {
            notes.push(format!(
                "{} failed, so it has no figures to compare",
                variant.name
            ));
            continue;
        }
        // A shard's variant against the reference as that shard's machine measured it.
        let reference_metrics = match own_shard(results, &variant.name) {
            Some(shard) => &shard.metrics,
            None => &base.metrics,
        };
        for metric in &columns {
            let (Some(r), Some(v)) = (
                fresh(reference_metrics, metric),
                fresh(&variant.metrics, metric),
            ) else {
                continue;
            };
            rows.push(row(&variant.name, metric, r, v));
        }
    }
    judge_rows(&mut rows, settings);
    let mut machines = None;
    if let Some((first, others)) = results.shard_references.split_first() {
        let mut compared = Vec::new();
        for other in others {
            for metric in &columns {
                let (Some(r), Some(v)) =
                    (fresh(&first.metrics, metric), fresh(&other.metrics, metric))
                else {
                    continue;
                };
                compared.push(row(&format!("shard {}", other.shard), metric, r, v));
            }
        }
        judge_rows(&mut compared, settings);
        machines = Some(Machines {
            first: first.shard,
            rows: compared,
        });
    }
    Ok(RelativeTable {
        reference: reference.to_string(),
        settings: *settings,
        rows,
        notes,
        machines,
    })
}

/// The shard of a merged run that measured `variant`, when the run is a merge of shards.
pub fn own_shard<'a>(results: &'a RunResults, variant: &str) -> Option<&'a ShardReference> {
    results
        .shard_references
        .iter()
        .find(|s| s.variants.iter().any(|v| v == variant))
}

/// Adjusts the rows' p-values together, then gives each its verdict.
fn judge_rows(rows: &mut [RelativeRow], settings: &CompareSettings) {
    let mut tests: Vec<&mut TestUsed> = rows.iter_mut().map(|r| &mut r.test).collect();
    adjust_for_multiple_tests(&mut tests);
    for row in rows {
        row.relation = relation(row, settings);
        // Only an undecided row needs it, and it is the costly part of the table.
        if row.relation == Relation::CannotTell {
            row.runs_for_5_percent = runs_for_half_width(
                &row.reference.samples,
                &row.value.samples,
                CONFIDENCE,
                WANTED_HALF_WIDTH,
                MAX_RUNS_SUGGESTED,
            );
        }
    }
}

/// A metric's summary, as loading derived it from samples.csv (`ResultsStore::load`).
fn fresh(metrics: &std::collections::BTreeMap<String, Summary>, metric: &str) -> Option<Summary> {
    metrics.get(metric).cloned()
}

fn row(variant: &str, metric: &str, reference: Summary, value: Summary) -> RelativeRow {
    let test = choose_test(metric, &reference, &value);
    let interval = match test {
        TestUsed::Welch { .. } => change_interval(&reference.samples, &value.samples, CONFIDENCE),
        TestUsed::Exact | TestUsed::TooFewSamples => None,
    };
    RelativeRow {
        variant: variant.to_string(),
        metric: metric.to_string(),
        change: relative_change(reference.median, value.median),
        samples: reference.samples.len().min(value.samples.len()),
        interval,
        test,
        relation: Relation::CannotTell,
        runs_for_5_percent: None,
        reference,
        value,
    }
}

/// The verdict of one row, once the table's p-values are adjusted.
///
/// - exact: the same value is "same"; any difference is better or worse, however small (it is
///   not noise);
/// - too few samples: "cannot tell";
/// - Welch: significant and beyond the threshold is better or worse; significant within the
///   threshold is "same" (real, but smaller than anyone asked to care about); not significant
///   is "same" when the whole interval lies within ±threshold, and "cannot tell" otherwise.
pub fn relation(row: &RelativeRow, settings: &CompareSettings) -> Relation {
    let direction = |shift: f64| {
        if got_worse(&row.metric, shift) {
            Relation::Worse
        } else {
            Relation::Better
        }
    };
    let shift = row.value.median - row.reference.median;
    match row.test {
        TestUsed::Exact if shift == 0.0 => Relation::Same,
        TestUsed::Exact => direction(shift),
        TestUsed::TooFewSamples => Relation::CannotTell,
        TestUsed::Welch { .. } => {
            let beyond = row.change.is_none_or(|c| c.abs() > settings.threshold);
            if is_significant(&row.reference, &row.value, &row.test, settings.alpha) {
                if beyond {
                    direction(shift)
                } else {
                    Relation::Same
                }
            } else {
                let narrow = row
                    .interval
                    .is_some_and(|i| i.low >= -settings.threshold && i.high <= settings.threshold);
                if narrow {
                    Relation::Same
                } else {
                    Relation::CannotTell
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
