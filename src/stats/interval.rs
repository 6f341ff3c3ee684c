//! Confidence intervals for the change between two samples, from the same Welch machinery as
//! the significance test (so an interval that excludes "no change" is exactly a raw p < 5 %),
//! and how many runs would narrow an interval to a wanted width.
//!
//! On the log scale (all samples positive, which every timing and byte count is) the interval
//! is for the ratio of geometric means, exp(mean(ln b) − mean(ln a) ± t·se): timing noise is
//! multiplicative, so this is the natural "how many times faster" interval, and it can never
//! reach below zero. With a sample ≤ 0 it is the interval of the difference of means, divided
//! by the mean of `a`.

use super::significance::{mean_and_variance, students_t_two_sided_p, welch_se_df};

/// A change of `b` against `a` as a fraction: 0.25 is 25 % more, −0.4 is 40 % less.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChangeInterval {
    pub low: f64,
    pub high: f64,
}

/// The `confidence` (e.g. 0.95) interval of the relative change of `b` against `a`; `None`
/// with fewer than two samples on a side, or when `a`'s mean is 0 on the raw scale.
pub fn change_interval(a: &[f64], b: &[f64], confidence: f64) -> Option<ChangeInterval> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let log_scale = a.iter().chain(b).all(|&x| x > 0.0);
    let (a, b): (Vec<f64>, Vec<f64>) = if log_scale {
        (
            a.iter().map(|x| x.ln()).collect(),
            b.iter().map(|x| x.ln()).collect(),
        )
    } else {
        (a.to_vec(), b.to_vec())
    };
    let (mean_a, var_a) = mean_and_variance(&a);
    let (mean_b, var_b) = mean_and_variance(&b);
    let (se, df) = welch_se_df(var_a, a.len(), var_b, b.len());
    let half = if se == 0.0 {
        0.0
    } else {
        students_t_quantile(1.0 - (1.0 - confidence) / 2.0, df) * se
    };
    let diff = mean_b - mean_a;
    if log_scale {
        Some(ChangeInterval {
            low: (diff - half).exp() - 1.0,
            high: (diff + half).exp() - 1.0,
        })
    } else if mean_a == 0.0 {
        None
    } else {
        Some(ChangeInterval {
            low: (diff - half) / mean_a.abs(),
            high: (diff + half) / mean_a.abs(),
        })
    }
}

/// The smallest number of runs per side (same count on both) at which the `confidence`
/// interval of the ratio would be within ±`half_width` (0.05 = ±5 %), if the spread stayed as
/// observed. `Some(n)` with n ≤ the runs already made means it already is; `None` when the
/// samples show no spread to extrapolate from, or more than `max_runs` would be needed.
pub fn runs_for_half_width(
    a: &[f64],
    b: &[f64],
    confidence: f64,
    half_width: f64,
    max_runs: usize,
) -> Option<usize> {
    if a.len() < 2 || b.len() < 2 || a.iter().chain(b).any(|&x| x <= 0.0) {
        return None;
    }
    let var = |xs: &[f64]| mean_and_variance(&xs.iter().map(|x| x.ln()).collect::<Vec<_>>()).1;
    let (var_a, var_b) = (var(a), var(b));
    if var_a + var_b == 0.0 {
        return None;
    }
    // ±5 % of the ratio: the tighter side of exp(±h), so that both ends are within 5 %.
    let target = (1.0 + half_width).ln().min(-(1.0 - half_width).ln());
    let narrow_enough = |n: usize| {
        let (se, df) = welch_se_df(var_a, n, var_b, n);
        students_t_quantile(1.0 - (1.0 - confidence) / 2.0, df) * se <= target
    };
    // The width falls as n grows (both se and the t quantile do): bisect for the first n.
    if !narrow_enough(max_runs) {
        return None;
    }
    let (mut too_few, mut enough) = (1, max_runs);
    while enough - too_few > 1 {
        let mid = (too_few + enough) / 2;
        if narrow_enough(mid) {
            enough = mid;
        } else {
            too_few = mid;
        }
    }
    Some(enough)
}

/// The `p` quantile (p > 0.5) of Student's t with `df` degrees of freedom, by bisection on the
/// distribution function (to ~1e-9, far below what is printed).
pub fn students_t_quantile(p: f64, df: f64) -> f64 {
    let two_sided = 2.0 * (1.0 - p);
    let (mut low, mut high) = (0.0f64, 1.0f64);
    while students_t_two_sided_p(high, df) > two_sided {
        high *= 2.0;
    }
    for _ in 0..200 {
        let mid = (low + high) / 2.0;
        if students_t_two_sided_p(mid, df) > two_sided {
            low = mid;
        } else {
            high = mid;
        }
        if high - low < 1e-9 * high.max(1.0) {
            break;
        }
    }
    (low + high) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::significance::welch_t_test;
    use crate::stats::synthetic::close;

    #[test]
    fn t_quantiles_match_published_tables() {
        // Two-sided 95 % critical values of Student's t.
        close(students_t_quantile(0.975, 1.0), 12.706, 1e-3);
        close(students_t_quantile(0.975, 2.0), 4.303, 1e-3);
        close(students_t_quantile(0.975, 4.0), 2.776, 1e-3);
        close(students_t_quantile(0.975, 30.0), 2.042, 1e-3);
        close(students_t_quantile(0.995, 10.0), 3.169, 1e-3);
    }

    #[test]
    fn interval_is_the_welch_test_turned_around() {
        // R: t.test(log(b), log(a))$conf.int on these gives the log-ratio interval; checked
        // here through the duality instead: at the interval's ends the test's p is exactly 5 %.
        let a = [10.0, 10.4, 9.7];
        let b = [8.1, 8.5, 7.9];
        let ci = change_interval(&a, &b, 0.95).unwrap();
        assert!(ci.low < -0.15 && ci.high < 0.0, "{ci:?}");
        for end in [ci.low, ci.high] {
            let shifted: Vec<f64> = b.iter().map(|x| x / (1.0 + end)).collect();
            let logs = |xs: &[f64]| xs.iter().map(|x: &f64| x.ln()).collect::<Vec<_>>();
            let p = welch_t_test(&logs(&a), &logs(&shifted)).unwrap().p_value;
            close(p, 0.05, 1e-6);
        }
    }

    #[test]
    fn no_spread_gives_the_exact_change() {
        let ci = change_interval(&[100.0, 100.0], &[150.0, 150.0], 0.95).unwrap();
        close(ci.low, 0.5, 1e-12);
        close(ci.high, 0.5, 1e-12);
        assert_eq!(change_interval(&[1.0], &[2.0, 2.0], 0.95), None);
    }

    #[test]
    fn raw_scale_when_a_sample_is_not_positive() {
        let ci = change_interval(&[0.0, 2.0], &[2.0, 4.0], 0.95).unwrap();
        // mean 1 -> 3: +200 % at the centre.
        close((ci.low + ci.high) / 2.0, 2.0, 1e-12);
        assert_eq!(change_interval(&[-1.0, 1.0], &[1.0, 2.0], 0.95), None);
    }

    #[test]
    fn runs_needed_for_five_percent() {
        // 10 % spread on each side at 3 runs: wide; many runs narrow it.
        let a = [9.0, 10.0, 11.0];
        let b = [9.0, 10.0, 11.0];
        let n = runs_for_half_width(&a, &b, 0.95, 0.05, 1000).unwrap();
        // Whatever n is, it is the first count that is narrow enough.
        let var = mean_and_variance(&a.map(f64::ln)).1;
        let width = |n: usize| {
            let (se, df) = welch_se_df(var, n, var, n);
            students_t_quantile(0.975, df) * se
        };
        let target = 1.05f64.ln();
        assert!(width(n) <= target && width(n - 1) > target, "{n}");
        // sqrt(2 · 0.01 / n) · ~2.0 ≤ ln 1.05 at about 34 runs.
        assert!((30..38).contains(&n), "{n}");
        // Tight samples are already narrow enough.
        assert_eq!(
            runs_for_half_width(&[10.0, 10.01], &[12.0, 12.01], 0.95, 0.05, 1000),
            Some(2)
        );
        assert_eq!(
            runs_for_half_width(&[5.0, 5.0], &[6.0, 6.0], 0.95, 0.05, 1000),
            None
        );
        assert_eq!(
            runs_for_half_width(&[1.0, 10.0], &[1.0, 10.0], 0.95, 0.05, 10),
            None
        );
    }
}
