//! Samples -> summaries, the one place they are computed: per metric, per variant, per shard of a
//! merged run, and the targets judged on them.

use std::collections::BTreeMap;

use super::{RunResults, Sample, ShardReference, Status, VariantResult};
use crate::stats::Summary;
use crate::targets;

/// Per metric, the summary of its samples (in their order) and when each sample's phase
/// started (parallel to the samples, or absent): what a run records and a merge recomputes.
pub fn summaries(
    samples: &[super::Sample],
) -> (BTreeMap<String, Summary>, BTreeMap<String, Vec<String>>) {
    let mut by_metric: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut started_at: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in samples {
        by_metric.entry(s.metric.clone()).or_default().push(s.value);
        if let Some(t) = s.started_at {
            let text = t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            started_at.entry(s.metric.clone()).or_default().push(text);
        }
    }
    // Parallel to the samples, or not at all.
    started_at.retain(|metric, times| by_metric.get(metric).map(Vec::len) == Some(times.len()));
    let metrics = by_metric
        .into_iter()
        .filter_map(|(metric, xs)| Summary::from_samples(&xs).map(|s| (metric, s)))
        .collect();
    (metrics, started_at)
}

/// Every summary of `results` from its raw samples: each variant's metrics and their start
/// times, its targets judged again on them and its status checked against its error, and, for
/// a merge of shards, each shard's reference. A run records, a merge writes and every reader of a results
/// folder loads (`ResultsStore::load`) through this one function, so that no output trusts a
/// stored summary.
pub fn derive(results: &mut RunResults, samples: &[Sample]) {
    for v in &mut results.variants {
        let own: Vec<Sample> = samples
            .iter()
            .filter(|s| s.variant == v.name)
            .cloned()
            .collect();
        (v.metrics, v.started_at) = summaries(&own);
        v.disturbed = super::host::disturbances(&own);
        let specs: Vec<crate::scenario::Target> = v
            .targets
            .iter()
            .map(|t| crate::scenario::Target {
                metric: t.metric.clone(),
                limit: t.limit,
                limit_text: t.limit_text.clone(),
                direction: t.direction,
            })
            .collect();
        v.targets = targets::check(&specs, &v.metrics);
        // Failed exactly when it has an error; otherwise what the run recorded (ok, running,
        // interrupted), which the samples alone cannot tell.
        v.status = match (&v.error, v.status) {
            (Some(_), _) => Status::Failed,
            (None, Status::Failed) => Status::Ok,
            (None, recorded) => recorded,
        };
    }
    results.shard_references = shard_references(results, samples);
}

/// For a merge of two or more different shards: per shard, the reference's summaries from that
/// shard's repetitions (`merged_from` says which are whose) and the variants it measured.
/// Empty for anything else, including rounds of one shard, which are one machine's.
fn shard_references(results: &RunResults, samples: &[Sample]) -> Vec<ShardReference> {
    let mut shards: Vec<crate::scenario::shard::Shard> =
        results.merged_from.iter().filter_map(|m| m.shard).collect();
    shards.sort_by_key(|s| s.index);
    shards.dedup();
    let reference = results
        .reference
        .as_deref()
        .or_else(|| results.variants.first().map(|v| v.name.as_str()));
    let (true, Some(reference)) = (shards.len() >= 2, reference) else {
        return Vec::new();
    };
    shards
        .into_iter()
        .map(|shard| {
            let runs: Vec<std::ops::Range<u32>> = results
                .merged_from
                .iter()
                .filter(|m| m.shard == Some(shard))
                .map(|m| m.first_run..m.first_run + m.runs)
                .collect();
            let mine = |s: &&Sample| runs.iter().any(|r| r.contains(&s.run));
            let reference_samples: Vec<Sample> = samples
                .iter()
                .filter(mine)
                .filter(|s| s.variant == reference)
                .cloned()
                .collect();
            let mut variants: Vec<String> = Vec::new();
            for s in samples.iter().filter(mine) {
                if s.variant != reference && !variants.contains(&s.variant) {
                    variants.push(s.variant.clone());
                }
            }
            ShardReference {
                shard,
                variants,
                metrics: summaries(&reference_samples).0,
            }
        })
        .collect()
}

/// Did the variant finish and meet every target?
pub fn all_good(result: &VariantResult) -> bool {
    result.status == Status::Ok && result.targets.iter().all(|t| t.pass)
}
