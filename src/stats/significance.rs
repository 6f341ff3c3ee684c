//! Significance tests for comparing two runs: Welch's t-test with a Student-t p-value, and the
//! Benjamini–Hochberg adjustment for testing many (variant, metric) pairs at once.
//!
//! Why Welch's t-test: a Docker benchmark affords 3–5 repetitions. Rank tests cannot reach the
//! usual 5% level with so few samples (Mann–Whitney's smallest two-sided p with 3 vs 3 is 0.1),
//! and a permutation test of 3 vs 3 has only 20 distinct splits. Welch's test works at any n ≥ 2
//! per side and does not assume equal variances (a slower build is often also a noisier one).
//!
//! Its limits, stated where it is used: it assumes roughly normal samples; with n = 2 or 3 its
//! Welch–Satterthwaite degrees of freedom fall to 1–4, so only large, clean differences reach
//! significance (low power, never a false precision); an outlier inflates the variance and so
//! makes the test more conservative, not less. It also assumes the repetitions are independent;
//! a drift shared by a whole run (a busier host) is invisible to it, which is why a verdict also
//! needs a change beyond a threshold.
//!
//! The Student-t distribution function is computed through the regularized incomplete beta
//! function (continued fraction, Lentz's method) and a Lanczos log-gamma, accurate to ~1e-12.

/// The outcome of Welch's unequal-variances t-test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WelchTest {
    /// (mean of `b` − mean of `a`) / its standard error. Infinite when neither sample varies but
    /// their means differ.
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    /// Two-sided.
    pub p_value: f64,
}

/// Welch's t-test of `a` against `b`; `None` when either side has fewer than two samples (no
/// variance can be estimated from one).
pub fn welch_t_test(a: &[f64], b: &[f64]) -> Option<WelchTest> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let (mean_a, var_a) = mean_and_variance(a);
    let (mean_b, var_b) = mean_and_variance(b);
    let (se, df) = welch_se_df(var_a, a.len(), var_b, b.len());
    let diff = mean_b - mean_a;
    if se == 0.0 {
        // Neither side varies: the means either are the same or differ beyond any doubt. The
        // degrees of freedom are then undefined; the pooled count is reported.
        return Some(if diff == 0.0 {
            WelchTest {
                t: 0.0,
                df,
                p_value: 1.0,
            }
        } else {
            WelchTest {
                t: diff.signum() * f64::INFINITY,
                df,
                p_value: 0.0,
            }
        });
    }
    let t = diff / se;
    Some(WelchTest {
        t,
        df,
        p_value: students_t_two_sided_p(t, df),
    })
}

/// P(|T| ≥ |t|) for Student's t with `df` (> 0, need not be whole) degrees of freedom.
pub fn students_t_two_sided_p(t: f64, df: f64) -> f64 {
    if t.is_infinite() {
        return 0.0;
    }
    let x = df / (df + t * t);
    regularized_incomplete_beta(x, df / 2.0, 0.5).clamp(0.0, 1.0)
}

/// Benjamini–Hochberg adjusted p-values ("q-values"), in the order given. Rejecting every
/// hypothesis whose adjusted p is ≤ alpha keeps the expected share of false discoveries ≤ alpha;
/// when nothing changed at all, that is the chance of any alarm. Valid for independent or
/// positively dependent tests, as metrics of one benchmark run are.
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p_values[i].total_cmp(&p_values[j]));
    let mut adjusted = vec![0.0; m];
    // Walking from the largest p down keeps the adjusted values monotone in the raw ones.
    let mut running_min = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        let scaled = p_values[i] * m as f64 / (rank + 1) as f64;
        running_min = running_min.min(scaled);
        adjusted[i] = running_min;
    }
    adjusted
}

/// I_x(a, b), the regularized incomplete beta function, for 0 ≤ x ≤ 1 and a, b > 0.
pub fn regularized_incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    // The continued fraction converges fast only on this side of the mean a / (a + b); the
    // other side follows from the symmetry I_x(a, b) = 1 − I_{1−x}(b, a).
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_continued_fraction(1.0 - x, b, a) / b
    }
}

/// The continued fraction for I_x(a, b), evaluated by the modified Lentz method.
fn beta_continued_fraction(x: f64, a: f64, b: f64) -> f64 {
    const MAX_TERMS: usize = 300;
    const EPSILON: f64 = 1e-15;
    const TINY: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - (a + b) * x / (a + 1.0));
    let mut h = d;
    for m in 1..=MAX_TERMS {
        let m = m as f64;
        // Even step, then odd step, of the fraction's coefficients.
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPSILON {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, &c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The standard error of the difference of two means and its Welch–Satterthwaite degrees of
/// freedom, from each side's sample variance and count (each ≥ 2). With no variance on either
/// side the degrees of freedom are undefined; the pooled count is given.
pub(crate) fn welch_se_df(var_a: f64, n_a: usize, var_b: f64, n_b: usize) -> (f64, f64) {
    let (se2_a, se2_b) = (var_a / n_a as f64, var_b / n_b as f64);
    let se2 = se2_a + se2_b;
    if se2 == 0.0 {
        return (0.0, (n_a + n_b - 2) as f64);
    }
    let df = se2 * se2 / (se2_a * se2_a / (n_a - 1) as f64 + se2_b * se2_b / (n_b - 1) as f64);
    (se2.sqrt(), df)
}

/// Mean and sample variance (n − 1).
pub(crate) fn mean_and_variance(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let ss: f64 = xs.iter().map(|x| (x - mean).powi(2)).sum();
    (mean, ss / (n - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::synthetic::close;

    #[test]
    fn ln_gamma_known_values() {
        close(ln_gamma(1.0), 0.0, 1e-13);
        close(ln_gamma(2.0), 0.0, 1e-13);
        close(ln_gamma(5.0), 24f64.ln(), 1e-12);
        close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-12);
        close(ln_gamma(0.1), 9.513_507_698_668_732f64.ln(), 1e-12);
        close(ln_gamma(30.5), 72.953_471_184_169_4, 1e-9);
    }

    #[test]
    fn incomplete_beta_matches_closed_forms() {
        // I_x(a, 1) = x^a and I_x(1, b) = 1 − (1 − x)^b hold for any positive a, b.
        for &x in &[0.01, 0.2, 0.5, 0.77, 0.999] {
            for &s in &[0.5, 1.0, 2.3, 7.9, 40.0] {
                close(regularized_incomplete_beta(x, s, 1.0), x.powf(s), 1e-12);
                close(
                    regularized_incomplete_beta(x, 1.0, s),
                    1.0 - (1.0 - x).powf(s),
                    1e-12,
                );
            }
        }
        close(regularized_incomplete_beta(0.5, 3.7, 3.7), 0.5, 1e-12);
        assert_eq!(regularized_incomplete_beta(0.0, 2.0, 3.0), 0.0);
        assert_eq!(regularized_incomplete_beta(1.0, 2.0, 3.0), 1.0);
    }

    #[test]
    fn t_p_values_match_closed_forms() {
        for &t in &[0.0, 0.3, 1.0, 2.5, 12.0, 150.0] {
            // df = 1 is the Cauchy distribution; df = 2 has F(t) = 1/2 + t / (2 √(2 + t²)).
            let cauchy = 1.0 - 2.0 * f64::atan(t) / std::f64::consts::PI;
            close(students_t_two_sided_p(t, 1.0), cauchy, 1e-12);
            close(students_t_two_sided_p(-t, 1.0), cauchy, 1e-12);
            close(
                students_t_two_sided_p(t, 2.0),
                1.0 - t / (2.0 + t * t).sqrt(),
                1e-12,
            );
        }
    }

    #[test]
    fn t_p_values_match_published_critical_values() {
        // Two-sided 5% and 1% critical values from standard t tables (6 significant digits).
        let table = [
            (1.0, 12.7062, 0.05),
            (2.0, 4.30265, 0.05),
            (3.0, 3.18245, 0.05),
            (4.0, 2.77645, 0.05),
            (5.0, 2.57058, 0.05),
            (10.0, 2.22814, 0.05),
            (30.0, 2.04227, 0.05),
            (5.0, 4.03214, 0.01),
            (8.0, 3.35539, 0.01),
        ];
        for (df, t, p) in table {
            close(students_t_two_sided_p(t, df), p, 1e-5);
        }
    }

    #[test]
    fn welch_by_hand_at_three_samples() {
        // Means 11 and 13, both variances 1: t = 2 / √(2/3) = 2.449490, df = 4 exactly, and
        // F(t) for 4 df = 1/2 + 3/8 · t/√(1 + t²/4) · (1 − t²/(12 (1 + t²/4))) = 0.964758.
        let w = welch_t_test(&[10.0, 11.0, 12.0], &[12.0, 13.0, 14.0]).unwrap();
        close(w.t, 2.449_489_743, 1e-9);
        close(w.df, 4.0, 1e-12);
        close(w.p_value, 0.070_484, 1e-6);
        // Unequal variances 1 and 4: t = 2 / √(5/3), df = (5/3)² / ((1/9 + 16/9) / 2) = 50/17.
        let w = welch_t_test(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap();
        close(w.t, 1.549_193_338, 1e-9);
        close(w.df, 50.0 / 17.0, 1e-12);
    }

    #[test]
    fn welch_matches_r_on_the_sleep_data() {
        // R: t.test(extra ~ group, data = sleep) gives t = -1.8608, df = 17.776, p = 0.07939.
        let group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        let group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        let w = welch_t_test(&group2, &group1).unwrap();
        close(w.t, -1.8608, 1e-4);
        close(w.df, 17.776, 1e-3);
        close(w.p_value, 0.07939, 1e-5);
    }

    #[test]
    fn welch_matches_published_examples() {
        // The three worked examples of the Wikipedia article on Welch's t-test (t, df and p
        // given to 2–3 digits).
        let a1 = [
            27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7,
            21.4,
        ];
        let a2 = [
            27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5,
            24.4,
        ];
        let w = welch_t_test(&a2, &a1).unwrap();
        close(w.t, -2.46, 5e-3);
        close(w.df, 25.0, 5e-2);
        close(w.p_value, 0.021, 1e-3);

        let b1 = [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8];
        let b2 = [
            21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5,
            23.6, 21.5, 22.5, 23.5, 21.5, 21.8,
        ];
        let w = welch_t_test(&b2, &b1).unwrap();
        close(w.t, -1.57, 5e-3);
        close(w.df, 9.9, 5e-2);
        close(w.p_value, 0.149, 1e-3);

        let c1 = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0];
        let c2 = [
            28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0,
            23.9, 21.6, 24.3, 20.4, 23.9, 13.3,
        ];
        let w = welch_t_test(&c2, &c1).unwrap();
        // The article truncates this t (-2.2255) rather than rounding it.
        close(w.t, -2.22, 1e-2);
        close(w.df, 24.5, 5e-2);
        close(w.p_value, 0.036, 1e-3);
    }

    #[test]
    fn welch_degenerate_cases() {
        assert!(welch_t_test(&[1.0], &[1.0, 2.0]).is_none());
        let same = welch_t_test(&[5.0, 5.0], &[5.0, 5.0, 5.0]).unwrap();
        assert_eq!((same.t, same.p_value), (0.0, 1.0));
        let moved = welch_t_test(&[5.0, 5.0], &[6.0, 6.0]).unwrap();
        assert_eq!((moved.t, moved.p_value), (f64::INFINITY, 0.0));
        // One constant side is fine: the other side's variance carries the test.
        let one = welch_t_test(&[5.0, 5.0, 5.0], &[6.0, 7.0, 8.0]).unwrap();
        close(one.df, 2.0, 1e-12);
        assert!(one.p_value > 0.0 && one.p_value < 1.0);
    }

    #[test]
    fn benjamini_hochberg_matches_r_p_adjust() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.5), "BH")
        //    = 0.025 0.050 0.050 0.025 0.500
        let adjusted = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.5]);
        let expected = [0.025, 0.05, 0.05, 0.025, 0.5];
        for (a, e) in adjusted.iter().zip(expected) {
            close(*a, e, 1e-12);
        }
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(benjamini_hochberg(&[0.3]), vec![0.3]);
    }
}
