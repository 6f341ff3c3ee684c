//! Matching base and head: variants by name, metrics by name within a variant, so that every
//! pair in both gets a row and everything else is listed (added, removed, broke, fixed).

use std::collections::{HashMap, HashSet};

use super::{
    CompareSettings, MetricRow, TargetOutcome, VariantChange, VariantChangeKind, VariantMetric,
    Verdict,
};
use crate::analysis::{judge_family, PairJudgement, Relation};
use crate::metric;
use crate::results::metric_columns;
use crate::results::{RunResults, Status, VariantResult};
use crate::stats::Summary;

/// Everything `compare` derives from matching the two runs.
pub struct Paired {
    pub rows: Vec<MetricRow>,
    pub variant_changes: Vec<VariantChange>,
    pub added_metrics: Vec<VariantMetric>,
    pub removed_metrics: Vec<VariantMetric>,
}

pub fn pair(base: &RunResults, head: &RunResults, settings: &CompareSettings) -> Paired {
    let base_by_name: HashMap<&str, &VariantResult> =
        base.variants.iter().map(|v| (v.name.as_str(), v)).collect();
    let order = MetricOrder::new(base, head);
    let mut judged = Vec::new();
    let mut paired = Paired {
        rows: Vec::new(),
        variant_changes: Vec::new(),
        added_metrics: Vec::new(),
        removed_metrics: Vec::new(),
    };
    for head_variant in &head.variants {
        match base_by_name.get(head_variant.name.as_str()) {
            None => paired
                .variant_changes
                .push(change(head_variant, VariantChangeKind::Added)),
            Some(base_variant) => {
                pair_variant(base_variant, head_variant, &order, &mut paired, &mut judged)
            }
        }
    }
    let head_names: HashSet<&str> = head.variants.iter().map(|v| v.name.as_str()).collect();
    for base_variant in &base.variants {
        if !head_names.contains(base_variant.name.as_str()) {
            let removed = change(base_variant, VariantChangeKind::Removed);
            paired.variant_changes.push(removed);
        }
    }
    let mut pairs: Vec<&mut PairJudgement> = judged.iter_mut().map(|(_, pair)| pair).collect();
    judge_family(&mut pairs, settings);
    paired.rows = judged
        .into_iter()
        .map(|(head_variant, pair)| row(head_variant, pair))
        .collect();
    paired
}

fn pair_variant<'a>(
    base: &VariantResult,
    head: &'a VariantResult,
    order: &MetricOrder,
    paired: &mut Paired,
    judged: &mut Vec<(&'a VariantResult, PairJudgement)>,
) {
    // A variant still running or interrupted has measured what its finished rounds hold: it
    // is compared on those samples, like one that finished. Only a failure is a change.
    let failed = |v: &VariantResult| v.status == Status::Failed;
    let kind = match (failed(base), failed(head)) {
        (false, false) => None,
        (false, true) => Some(VariantChangeKind::Broke),
        (true, false) => Some(VariantChangeKind::Fixed),
        (true, true) => Some(VariantChangeKind::FailedInBoth),
    };
    if let Some(kind) = kind {
        paired.variant_changes.push(change(head, kind));
        return;
    }
    let base_metrics = fresh_summaries(base);
    let head_metrics = fresh_summaries(head);
    let mut names: Vec<&str> = base_metrics
        .keys()
        .chain(head_metrics.keys())
        .copied()
        .collect();
    names.sort_by_key(|name| order.rank(name));
    names.dedup();
    for name in names {
        let entry = |variant: &VariantResult| VariantMetric {
            variant: variant.name.clone(),
            metric: name.to_string(),
        };
        match (base_metrics.get(name), head_metrics.get(name)) {
            (Some(b), Some(h)) => {
                judged.push((head, PairJudgement::new(name, b.clone(), h.clone())))
            }
            (None, Some(_)) => paired.added_metrics.push(entry(head)),
            (Some(_), None) => paired.removed_metrics.push(entry(base)),
            (None, None) => unreachable!("every name comes from one of the two maps"),
        }
    }
}

/// A row, once every pair of the comparison is judged.
fn row(head_variant: &VariantResult, pair: PairJudgement) -> MetricRow {
    MetricRow {
        variant: head_variant.name.clone(),
        unit: metric::unit_of(&pair.metric),
        relative_change: pair.change,
        test: pair.test,
        runs: pair.runs(),
        verdict: match pair.relation {
            Relation::Better => Verdict::Improved,
            Relation::Worse => Verdict::Regressed,
            Relation::Same => Verdict::Unchanged,
            Relation::CannotTell => Verdict::WithinNoise,
        },
        targets: targets_on(head_variant, &pair.metric),
        metric: pair.metric,
        base: pair.base,
        head: pair.head,
    }
}

/// Each metric's summary, as loading derived it from samples.csv (`ResultsStore::load`).
fn fresh_summaries(variant: &VariantResult) -> HashMap<&str, Summary> {
    variant
        .metrics
        .iter()
        .map(|(name, summary)| (name.as_str(), summary.clone()))
        .collect()
}

fn targets_on(variant: &VariantResult, metric_name: &str) -> Vec<TargetOutcome> {
    variant
        .targets
        .iter()
        .filter(|t| t.metric == metric_name)
        .map(|t| TargetOutcome {
            limit: t.limit_label(),
            pass: t.pass,
        })
        .collect()
}

/// `variant` is the side whose error is worth showing: the head's, or the base's for a removed
/// variant.
fn change(variant: &VariantResult, kind: VariantChangeKind) -> VariantChange {
    VariantChange {
        variant: variant.name.clone(),
        kind,
        error: match variant.status {
            Status::Failed => Some(variant.error.clone().unwrap_or_default()),
            Status::Ok | Status::Running | Status::Interrupted => None,
        },
    }
}

/// Report column order (head's first, then metrics only the base has), as a rank per name.
struct MetricOrder {
    rank: HashMap<String, usize>,
}

impl MetricOrder {
    fn new(base: &RunResults, head: &RunResults) -> MetricOrder {
        let mut rank = HashMap::new();
        let columns = metric_columns(&head.variants)
            .into_iter()
            .chain(metric_columns(&base.variants));
        for name in columns {
            let next = rank.len();
            rank.entry(name).or_insert(next);
        }
        MetricOrder { rank }
    }

    /// Names outside the columns (none, in practice) sort last, by name.
    fn rank<'a>(&self, name: &'a str) -> (usize, &'a str) {
        (self.rank.get(name).copied().unwrap_or(usize::MAX), name)
    }
}

/// Caveats about the two runs themselves. (A different machine is `machine::MachineChange`.)
pub fn notes(base: &RunResults, head: &RunResults) -> Vec<String> {
    let mut notes = Vec::new();
    for (side, run) in [("base", base), ("head", head)] {
        if run.finished_at.is_none() {
            notes.push(format!(
                "The {side} run did not finish (interrupted?): variants it did not reach are \
                 missing from it."
            ));
        }
    }
    notes
}
