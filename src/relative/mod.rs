//! "Is B better than A, by how much, and is it real?": every variant of one run against a
//! reference variant of the same run, metric by metric, from the raw samples.
//!
//! The same pair judgement as `dockbench compare` (`analysis::pair`): deterministic metrics
//! (image size, cache hit rates, and any metric that did not vary) are compared exactly;
//! everything else by Welch's t-test on the logarithms, with the p-values of the whole table
//! adjusted by Benjamini–Hochberg, and a change counts only beyond the threshold (5 %). On top
//! of the verdict, each noisy row gets the interval of the change (the Welch interval of the
//! ratio, `stats::interval`, at the table's false-coverage-rate level: see
//! `analysis::pair::judge_family`) and the number of runs that would narrow a 95 % interval to
//! ±5 % at the observed spread.
//!
//! The interval is adjusted like the verdict: it leaves out 0 % exactly when the row is
//! significant, so no row shows an interval clear of 0 % beside "cannot tell".

mod text;

use serde::Serialize;

pub use crate::analysis::pair::CONFIDENCE;
use crate::analysis::{judge_family, PairJudgement, Runs};
pub use crate::analysis::{Relation, TestUsed};
use crate::compare::CompareSettings;
use crate::results::metric_columns;
use crate::results::{RunResults, ShardReference, Status};
use crate::stats::interval::{runs_for_half_width, ChangeInterval};
use crate::stats::Summary;

pub use text::{
    change_cell, change_with_interval, finding_line, findings, machines_statement, margin_text,
    percent, relation_text, runs_hint,
};

/// The interval width the "runs needed" figure aims at: ±5 %.
pub const WANTED_HALF_WIDTH: f64 = 0.05;
/// Beyond this many runs the answer is "more than 100": no one will make them.
const MAX_RUNS_SUGGESTED: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelativeRow {
    pub variant: String,
    pub metric: String,
    pub reference: Summary,
    pub value: Summary,
    /// Ratio of the medians − 1 (0.25 = 25 % more than the reference); null when the
    /// reference's median is 0 and the variant's is not.
    pub change: Option<f64>,
    /// The interval of the change, at the table's false-coverage-rate level; null for an exact
    /// comparison (no noise) and for too few samples.
    pub interval: Option<ChangeInterval>,
    pub test: TestUsed,
    pub relation: Relation,
    /// The fewer samples of the two sides.
    pub samples: usize,
    /// The runs of the reference (`base`) and of the variant (`head`) the verdict was reached
    /// after: with `runs = "auto"` they may differ.
    pub runs: Runs,
    /// For a row that cannot tell yet: the runs per variant that would narrow the interval to
    /// ±5 % at the observed spread; null otherwise, and when more than 100 would be needed.
    pub runs_for_5_percent: Option<usize>,
    /// A deterministic metric that differed between repetitions (compared by its median).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub exact_but_varies: bool,
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
    let mut pairs = Vec::new();
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
            pairs.push((variant.name.clone(), PairJudgement::new(metric, r, v)));
        }
    }
    let rows = judged_rows(pairs, settings);
    notes.extend(varying_notes(&rows));
    let mut machines = None;
    if let Some((first, others)) = results.shard_references.split_first() {
        let mut pairs = Vec::new();
        for other in others {
            for metric in &columns {
                let (Some(r), Some(v)) =
                    (fresh(&first.metrics, metric), fresh(&other.metrics, metric))
                else {
                    continue;
                };
                let shard = format!("shard {}", other.shard);
                pairs.push((shard, PairJudgement::new(metric, r, v)));
            }
        }
        machines = Some(Machines {
            first: first.shard,
            rows: judged_rows(pairs, settings),
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

/// Judges the pairs as one family, then makes each a row.
fn judged_rows(
    mut pairs: Vec<(String, PairJudgement)>,
    settings: &CompareSettings,
) -> Vec<RelativeRow> {
    let mut family: Vec<&mut PairJudgement> = pairs.iter_mut().map(|(_, p)| p).collect();
    judge_family(&mut family, settings);
    pairs
        .into_iter()
        .map(|(variant, pair)| {
            // Only an undecided row needs it, and it is the costly part of the table.
            let runs_for_5_percent = (pair.relation == Relation::CannotTell)
                .then(|| {
                    runs_for_half_width(
                        &pair.base.samples,
                        &pair.head.samples,
                        CONFIDENCE,
                        WANTED_HALF_WIDTH,
                        MAX_RUNS_SUGGESTED,
                    )
                })
                .flatten();
            RelativeRow {
                variant,
                samples: pair.samples(),
                runs: pair.runs(),
                exact_but_varies: pair.exact_but_varies(),
                metric: pair.metric,
                change: pair.change,
                interval: pair.interval,
                test: pair.test,
                relation: pair.relation,
                runs_for_5_percent,
                reference: pair.base,
                value: pair.head,
            }
        })
        .collect()
}

/// A deterministic metric that differed between repetitions of one variant is said once per
/// variant and metric: it was compared by its median, not tested as noise.
fn varying_notes(rows: &[RelativeRow]) -> Vec<String> {
    rows.iter()
        .filter(|r| r.exact_but_varies)
        .map(|r| {
            format!(
                "{} of {} differed between repetitions (a build that is not reproducible): \
                 compared by its median",
                r.metric, r.variant
            )
        })
        .collect()
}

/// A metric's summary, as loading derived it from samples.csv (`ResultsStore::load`).
fn fresh(metrics: &std::collections::BTreeMap<String, Summary>, metric: &str) -> Option<Summary> {
    metrics.get(metric).cloned()
}

#[cfg(test)]
mod tests;
