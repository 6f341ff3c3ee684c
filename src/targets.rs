//! Target checks: each target is judged on the metric's median, so one slow outlier among the
//! repetitions neither fails nor rescues a variant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metric::Direction;
use crate::scenario::Target;
use crate::stats::Summary;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetCheck {
    pub metric: String,
    /// In the metric's unit (s, bytes, 0..1).
    pub limit: f64,
    /// As written in the suite: `"600MB"`.
    pub limit_text: String,
    pub direction: Direction,
    /// The median; `None` when the metric was never measured (which is a miss).
    pub value: Option<f64>,
    pub pass: bool,
}

impl TargetCheck {
    /// `≤ 3m`, `≥ 80%`: the limit as the user wrote it in the suite, with its direction.
    pub fn limit_label(&self) -> String {
        let sign = match self.direction {
            Direction::AtMost => "≤",
            Direction::AtLeast => "≥",
        };
        format!("{sign} {}", self.limit_text)
    }
}

pub fn check(targets: &[Target], metrics: &BTreeMap<String, Summary>) -> Vec<TargetCheck> {
    targets
        .iter()
        .map(|t| {
            let value = metrics.get(&t.metric).map(|s| s.median);
            let pass = value.is_some_and(|v| match t.direction {
                Direction::AtMost => v <= t.limit,
                Direction::AtLeast => v >= t.limit,
            });
            TargetCheck {
                metric: t.metric.clone(),
                limit: t.limit,
                limit_text: t.limit_text.clone(),
                direction: t.direction,
                value,
                pass,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(metric: &str, limit: f64, direction: Direction) -> Target {
        Target {
            metric: metric.into(),
            limit,
            limit_text: limit.to_string(),
            direction,
        }
    }

    fn metrics(pairs: &[(&str, &[f64])]) -> BTreeMap<String, Summary> {
        pairs
            .iter()
            .map(|(m, xs)| (m.to_string(), Summary::from_samples(xs).unwrap()))
            .collect()
    }

    #[test]
    fn at_most_uses_median_and_is_inclusive() {
        let m = metrics(&[("cold_build_s", &[1.0, 2.0, 100.0])]);
        let c = check(&[target("cold_build_s", 2.0, Direction::AtMost)], &m);
        assert_eq!(c[0].value, Some(2.0));
        assert!(
            c[0].pass,
            "median 2.0 <= 2.0 passes despite the 100 s outlier"
        );
        let c = check(&[target("cold_build_s", 1.9, Direction::AtMost)], &m);
        assert!(!c[0].pass);
    }

    #[test]
    fn at_least_for_rates() {
        let m = metrics(&[("cache_hit_rate.source", &[0.5, 0.75, 0.75])]);
        assert!(
            check(
                &[target("cache_hit_rate.source", 0.75, Direction::AtLeast)],
                &m
            )[0]
            .pass
        );
        assert!(
            !check(
                &[target("cache_hit_rate.source", 0.8, Direction::AtLeast)],
                &m
            )[0]
            .pass
        );
    }

    #[test]
    fn unmeasured_metric_misses() {
        let c = check(
            &[target("startup_s", 2.0, Direction::AtMost)],
            &BTreeMap::new(),
        );
        assert_eq!(c[0].value, None);
        assert!(!c[0].pass);
    }
}
