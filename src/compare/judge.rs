//! The verdict on one (variant, metric) pair, from raw samples: which test applies, whether the
//! change is significant, and whether it is beyond the threshold.
//!
//! Two steps, criterion-style. A pair is *significant* when its Benjamini–Hochberg-adjusted
//! Welch p-value (on the logarithms of the samples) is ≤ alpha and the means moved the same way as the medians (deterministic
//! metrics: when the medians differ at all). It is *beyond the threshold* when the relative
//! change of the median exceeds the threshold. Then:
//!
//! | significant | beyond threshold | verdict |
//! |---|---|---|
//! | yes | yes | improved / regressed, by the metric's direction |
//! | no  | yes | within noise: maybe real, too noisy to tell (more runs would) |
//! | yes | no  | within noise: real, but smaller than anyone asked to care about |
//! | no  | no  | unchanged (identical values included) |

use serde::Serialize;

use super::{CompareSettings, Verdict};
use crate::metric::{
    self, Direction, CACHE_HIT_RATE, IMAGE_COMPRESSED_BYTES, IMAGE_EFFICIENCY, IMAGE_FILES,
    IMAGE_SIZE_BYTES, IMAGE_WASTED_BYTES,
};
use crate::stats::significance::{benjamini_hochberg, welch_t_test};
use crate::stats::Summary;

/// How a pair was judged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TestUsed {
    /// No noise: a deterministic metric (image size, cache hit rates), or no variation in
    /// either run. Any difference of the medians is real.
    Exact,
    /// Welch's t-test; `adjusted_p` is Benjamini–Hochberg over every Welch test of the
    /// comparison. `t` is null in JSON when neither run varied. `log_scale`: the test ran on
    /// the logarithms of the samples (whenever all are positive; see `choose_test`).
    Welch {
        log_scale: bool,
        t: f64,
        df: f64,
        p_value: f64,
        adjusted_p: f64,
    },
    /// A noisy metric with fewer than two samples on a side: no variance, no test.
    TooFewSamples,
}

/// Metrics whose value is fixed by the Dockerfile and context, not by timing: the same build
/// gives the same number, so a difference needs no test.
pub fn is_deterministic(metric_name: &str) -> bool {
    matches!(
        metric::base_name(metric_name),
        IMAGE_SIZE_BYTES
            | CACHE_HIT_RATE
            | IMAGE_WASTED_BYTES
            | IMAGE_COMPRESSED_BYTES
            | IMAGE_EFFICIENCY
            | IMAGE_FILES
    )
}

/// The test for one pair, before the multiple-testing adjustment (`adjusted_p` = `p_value`).
pub fn choose_test(metric_name: &str, base: &Summary, head: &Summary) -> TestUsed {
    let varies = |s: &Summary| s.min != s.max;
    let enough = base.samples.len() >= 2 && head.samples.len() >= 2;
    let neither_varies = !varies(base) && !varies(head);
    if neither_varies && (is_deterministic(metric_name) || enough) {
        return TestUsed::Exact;
    }
    // Timing noise is multiplicative (a busy host slows a long build more than a short one)
    // and skewed to the right; on a log scale it is closer to normal and equally spread for
    // a slow and a fast variant, which is what the t-test assumes. It also matches the
    // threshold, which is a ratio.
    let log_scale = base.min > 0.0 && head.min > 0.0;
    let test = if log_scale {
        welch_t_test(&logs(&base.samples), &logs(&head.samples))
    } else {
        welch_t_test(&base.samples, &head.samples)
    };
    match test {
        Some(w) => TestUsed::Welch {
            log_scale,
            t: w.t,
            df: w.df,
            p_value: w.p_value,
            adjusted_p: w.p_value,
        },
        None => TestUsed::TooFewSamples,
    }
}

fn logs(samples: &[f64]) -> Vec<f64> {
    samples.iter().map(|x| x.ln()).collect()
}

/// Replaces each Welch test's `adjusted_p` by its Benjamini–Hochberg value over all of them.
pub fn adjust_for_multiple_tests(tests: &mut [&mut TestUsed]) {
    let raw: Vec<f64> = tests
        .iter()
        .filter_map(|t| match **t {
            TestUsed::Welch { p_value, .. } => Some(p_value),
            _ => None,
        })
        .collect();
    let mut adjusted = benjamini_hochberg(&raw).into_iter();
    for test in tests.iter_mut() {
        if let TestUsed::Welch { adjusted_p, .. } = &mut **test {
            *adjusted_p = adjusted.next().expect("one adjusted p per Welch test");
        }
    }
}

/// (head median − base median) / base median; `None` when the base median is 0 and the head's
/// is not (a change from nothing has no ratio, and is beyond any threshold).
pub fn relative_change(base_median: f64, head_median: f64) -> Option<f64> {
    if base_median == head_median {
        return Some(0.0);
    }
    if base_median == 0.0 {
        return None;
    }
    Some((head_median - base_median) / base_median)
}

/// The verdict for one pair, by the table in this module's header.
pub fn verdict(
    metric_name: &str,
    base: &Summary,
    head: &Summary,
    test: &TestUsed,
    settings: &CompareSettings,
) -> Verdict {
    let change = relative_change(base.median, head.median);
    let beyond = change.is_none_or(|c| c.abs() > settings.threshold);
    let significant = is_significant(base, head, test, settings.alpha);
    match (significant, beyond) {
        (true, true) if got_worse(metric_name, head.median - base.median) => Verdict::Regressed,
        (true, true) => Verdict::Improved,
        (false, false) => Verdict::Unchanged,
        _ => Verdict::WithinNoise,
    }
}

/// Whether the medians' change is real: any difference of an exact pair, or an adjusted Welch
/// p ≤ `alpha` with the means moving the way the medians did.
pub fn is_significant(base: &Summary, head: &Summary, test: &TestUsed, alpha: f64) -> bool {
    match *test {
        TestUsed::Exact => base.median != head.median,
        TestUsed::TooFewSamples => false,
        TestUsed::Welch { t, adjusted_p, .. } => {
            // A significant shift of the means against the medians' direction (an outlier
            // pulling one mean) is no evidence for the change the table reports.
            let median_shift = head.median - base.median;
            let agrees = median_shift == 0.0 || median_shift.signum() == t.signum();
            adjusted_p <= alpha && agrees
        }
    }
}

pub fn got_worse(metric_name: &str, shift: f64) -> bool {
    match metric::direction_of(metric_name) {
        Direction::AtMost => shift > 0.0,
        Direction::AtLeast => shift < 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(xs: &[f64]) -> Summary {
        Summary::from_samples(xs).unwrap()
    }

    fn judge(metric: &str, base: &[f64], head: &[f64]) -> (TestUsed, Verdict) {
        let (base, head) = (summary(base), summary(head));
        let test = choose_test(metric, &base, &head);
        let settings = CompareSettings::default();
        (test, verdict(metric, &base, &head, &test, &settings))
    }

    #[test]
    fn deterministic_metrics_need_no_test() {
        let (test, v) = judge("image_size_bytes", &[100e6; 3], &[200e6; 3]);
        assert_eq!(test, TestUsed::Exact);
        assert_eq!(v, Verdict::Regressed);
        let (_, v) = judge("image_size_bytes", &[100e6], &[50e6]);
        assert_eq!(v, Verdict::Improved, "one sample each is enough when exact");
        let (_, v) = judge("image_size_bytes", &[100e6; 3], &[102e6; 3]);
        assert_eq!(v, Verdict::WithinNoise, "real but under the threshold");
        let (_, v) = judge("cache_hit_rate.src", &[0.5; 3], &[0.5; 3]);
        assert_eq!(v, Verdict::Unchanged);
        let (_, v) = judge("cache_hit_rate.src", &[1.0; 3], &[0.5; 3]);
        assert_eq!(v, Verdict::Regressed, "a lower hit rate is worse");
    }

    #[test]
    fn deterministic_metric_that_varies_is_tested() {
        let (test, _) = judge("image_size_bytes", &[100.0, 101.0, 100.0], &[100.0; 3]);
        assert!(matches!(test, TestUsed::Welch { .. }), "{test:?}");
    }

    #[test]
    fn noisy_metrics_need_significance_and_size() {
        let (_, v) = judge("cold_build_s", &[10.0, 10.2, 9.9], &[12.0, 12.1, 11.9]);
        assert_eq!(v, Verdict::Regressed);
        let (_, v) = judge("cold_build_s", &[10.0, 10.2, 9.9], &[8.0, 8.1, 7.9]);
        assert_eq!(v, Verdict::Improved);
        // +20 % on the median, but the head is all over the place.
        let (_, v) = judge("cold_build_s", &[10.0, 10.2, 9.9], &[12.0, 6.0, 19.0]);
        assert_eq!(v, Verdict::WithinNoise);
        // Significant, but 1 % is under the 5 % threshold.
        let (_, v) = judge(
            "cold_build_s",
            &[10.00, 10.01, 10.00, 10.01],
            &[10.10, 10.11, 10.10, 10.11],
        );
        assert_eq!(v, Verdict::WithinNoise);
        let (_, v) = judge("cold_build_s", &[10.0, 10.3, 9.8], &[10.1, 9.9, 10.2]);
        assert_eq!(v, Verdict::Unchanged);
    }

    #[test]
    fn one_sample_of_a_noisy_metric_cannot_be_significant() {
        let (test, v) = judge("cold_build_s", &[10.0], &[20.0]);
        assert_eq!(test, TestUsed::TooFewSamples);
        assert_eq!(v, Verdict::WithinNoise);
        let (_, v) = judge("cold_build_s", &[10.0], &[10.0]);
        assert_eq!(v, Verdict::Unchanged);
    }

    #[test]
    fn constant_noisy_metric_compares_exactly() {
        let (test, v) = judge("memory_idle_bytes", &[4e6, 4e6], &[8e6, 8e6]);
        assert_eq!(test, TestUsed::Exact);
        assert_eq!(v, Verdict::Regressed);
    }

    #[test]
    fn means_against_medians_is_not_significant() {
        // Medians fall 10 %, but one huge head outlier lifts the head mean: no verdict.
        let base = summary(&[10.0, 10.0, 10.1, 10.0, 10.1]);
        let head = summary(&[9.0, 9.0, 9.1, 9.0, 40.0]);
        let test = TestUsed::Welch {
            log_scale: true,
            t: 2.5,
            df: 4.0,
            p_value: 0.01,
            adjusted_p: 0.01,
        };
        let v = verdict(
            "cold_build_s",
            &base,
            &head,
            &test,
            &CompareSettings::default(),
        );
        assert_eq!(v, Verdict::WithinNoise);
    }

    #[test]
    fn change_from_zero_has_no_ratio() {
        assert_eq!(relative_change(0.0, 0.0), Some(0.0));
        assert_eq!(relative_change(0.0, 0.5), None);
        assert_eq!(relative_change(2.0, 3.0), Some(0.5));
        let (_, v) = judge("cache_hit_rate", &[0.0; 2], &[0.5; 2]);
        assert_eq!(v, Verdict::Improved);
    }

    #[test]
    fn adjustment_touches_only_welch_tests() {
        let welch = |p| TestUsed::Welch {
            log_scale: false,
            t: 3.0,
            df: 4.0,
            p_value: p,
            adjusted_p: p,
        };
        let mut tests = [welch(0.01), TestUsed::Exact, welch(0.04)];
        let mut refs: Vec<&mut TestUsed> = tests.iter_mut().collect();
        adjust_for_multiple_tests(&mut refs);
        let adjusted: Vec<Option<f64>> = tests
            .iter()
            .map(|t| match t {
                TestUsed::Welch { adjusted_p, .. } => Some(*adjusted_p),
                _ => None,
            })
            .collect();
        assert_eq!(adjusted, [Some(0.02), None, Some(0.04)]);
    }
}
