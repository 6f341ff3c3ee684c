//! Raw measurement -> `VariantResult`: group samples by metric, summarise, judge targets.

use std::collections::BTreeMap;

use super::{RunResults, Sample, ShardReference, Status, VariantResult, VariantSettings};
use crate::measure::VariantMeasurement;
use crate::scenario::Variant;
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

pub fn variant_result(variant: &Variant, m: &VariantMeasurement) -> VariantResult {
    let (metrics, started_at) = summaries(&m.samples);
    VariantResult {
        name: variant.name.clone(),
        status: if m.error.is_none() {
            Status::Ok
        } else {
            Status::Failed
        },
        error: m.error.clone(),
        builder: variant.builder.as_str().to_string(),
        dockerfile: variant.dockerfile.to_string_lossy().into_owned(),
        targets: targets::check(&variant.targets, &metrics),
        metrics,
        layers: m.layers.clone(),
        cold_build_steps: m.cold_build_steps.clone(),
        // A resumed repetition may add a note its first attempt had added already.
        notes: m
            .notes
            .iter()
            .enumerate()
            .filter(|(i, n)| !m.notes[..*i].contains(n))
            .map(|(_, n)| n.clone())
            .collect(),
        completed_runs: m.completed_runs.clone(),
        measured_s: m.measured_s,
        anatomy: m.anatomy.clone(),
        started_at,
        settings: VariantSettings {
            target: variant.target.clone(),
            platform: variant.platform.clone(),
            limits: variant
                .run
                .as_ref()
                .map(|r| r.limits.clone())
                .unwrap_or_default(),
        },
    }
}

/// Every summary of `results` from its raw samples: each variant's metrics and their start
/// times, its targets judged again on them and its status from its error, and, for a merge of
/// shards, each shard's reference. A run records, a merge writes and every reader of a results
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
        v.status = if v.error.is_none() {
            Status::Ok
        } else {
            Status::Failed
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::Direction;
    use crate::results::Sample;
    use crate::scenario::{Builder, Target};

    fn variant() -> Variant {
        Variant {
            name: "v".into(),
            context_dir: "/c".into(),
            dockerfile: "Dockerfile".into(),
            builder: Builder::Classic,
            target: None,
            platform: None,
            build_args: BTreeMap::new(),
            run: None,
            targets: vec![Target {
                metric: "cold_build_s".into(),
                limit: 2.0,
                limit_text: "2s".into(),
                direction: Direction::AtMost,
            }],
        }
    }

    fn sample(metric: &str, run: u32, value: f64) -> Sample {
        Sample {
            started_at: None,
            variant: "v".into(),
            metric: metric.into(),
            run,
            value,
        }
    }

    #[test]
    fn groups_samples_and_judges_on_median() {
        let m = VariantMeasurement {
            samples: vec![
                sample("cold_build_s", 1, 1.0),
                sample("image_size_bytes", 1, 10.0),
                sample("cold_build_s", 2, 3.0),
                sample("cold_build_s", 3, 1.5),
            ],
            ..Default::default()
        };
        let r = variant_result(&variant(), &m);
        assert_eq!(r.metrics["cold_build_s"].samples, vec![1.0, 3.0, 1.5]);
        assert_eq!(r.metrics["cold_build_s"].median, 1.5);
        assert_eq!(r.metrics["image_size_bytes"].median, 10.0);
        assert_eq!(r.status, Status::Ok);
        assert!(r.targets[0].pass);
        assert!(all_good(&r));
    }

    #[test]
    fn failure_keeps_earlier_samples() {
        let m = VariantMeasurement {
            samples: vec![sample("cold_build_s", 1, 5.0)],
            error: Some("build failed at `RUN exit 3`".into()),
            ..Default::default()
        };
        let r = variant_result(&variant(), &m);
        assert_eq!(r.status, Status::Failed);
        assert_eq!(r.metrics["cold_build_s"].samples, vec![5.0]);
        assert!(!r.targets[0].pass);
        assert!(!all_good(&r));
    }
}
