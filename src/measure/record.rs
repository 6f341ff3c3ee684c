//! A variant's measurement as its results record it: the summaries of its samples (by
//! `results::summarize`, the one place they are computed), its targets judged on them, and
//! what the run noted.

use crate::results::summarize::summaries;
use crate::results::{Status, VariantResult, VariantSettings};
use crate::scenario::Variant;
use crate::targets;

use super::VariantMeasurement;

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
        // The runner knows what failed (the phase it was in), and says.
        failure_kind: None,
        builder: m
            .builder
            .clone()
            .unwrap_or_else(|| variant.builder.as_str().to_string()),
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
        disturbed: crate::results::host::disturbances(&m.samples),
        overhead: m.overhead.clone(),
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::metric::Direction;
    use std::collections::BTreeMap;

    use crate::results::summarize::all_good;
    use crate::results::Sample;
    use crate::scenario::{Builder, Target};

    pub(crate) fn variant() -> Variant {
        Variant {
            name: "v".into(),
            context_dir: "/c".into(),
            dockerfile: "Dockerfile".into(),
            builder: Builder::Classic,
            builder_given: true,
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
            others_cpu_share: None,
            load_1m: None,
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
