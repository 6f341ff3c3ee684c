//! False alarms and power on synthetic noise: many comparisons of runs drawn from one
//! distribution must (almost) never report a regression, and a real slowdown must be found.
//! Seeds are fixed, so the rates asserted here are the same on every machine.

use super::tests::results;
use super::*;
use crate::results::testdata::variant;
use crate::stats::synthetic::Rng;

/// A run of `variants` × `metrics` noisy timings; `slower` scales one pair's center.
fn synthetic_run(
    rng: &mut Rng,
    shape: (usize, usize, usize),
    cv: f64,
    skewed: bool,
    slower: f64,
) -> RunResults {
    let (variants, metrics, n) = shape;
    let metric_names: Vec<String> = (0..metrics).map(|m| format!("rebuild_s.e{m}")).collect();
    let built = (0..variants)
        .map(|v| {
            let mut result = variant(&format!("v{v}"), &[]);
            for (m, name) in metric_names.iter().enumerate() {
                let center = if (v, m) == (0, 0) {
                    10.0 * slower
                } else {
                    10.0
                };
                let samples = rng.timings(n, center, cv, skewed);
                result
                    .metrics
                    .insert(name.clone(), Summary::from_samples(&samples).unwrap());
            }
            result
        })
        .collect();
    results("t", built)
}

/// The share of same-distribution comparisons that report any regression.
fn false_alarm_rate(seed: u64, shape: (usize, usize, usize), cv: f64, skewed: bool) -> f64 {
    let mut rng = Rng(seed);
    let trials = 2000 / (shape.0 * shape.1).min(2000) + 200;
    let alarms = (0..trials)
        .filter(|_| {
            let base = synthetic_run(&mut rng, shape, cv, skewed, 1.0);
            let head = synthetic_run(&mut rng, shape, cv, skewed, 1.0);
            compare(&base, &head, &CompareSettings::default()).has_regression()
        })
        .count();
    alarms as f64 / trials as f64
}

#[test]
fn single_pairs_rarely_raise_false_alarms() {
    // One pair per comparison, 2,200 comparisons each. Welch flags about alpha / 2 = 2.5 % as
    // regressions (the bad half of alpha); the threshold removes most of those when the noise
    // is under it, few when the noise is as large (measured: 0.1 % at 2 % noise, 1.7–2.5 % at
    // 5–10 % noise).
    for n in [3, 5] {
        for cv in [0.05, 0.10] {
            for skewed in [false, true] {
                let rate = false_alarm_rate(7 + n as u64, (1, 1, n), cv, skewed);
                assert!(rate < 0.03, "n={n} cv={cv} skewed={skewed}: {rate}");
            }
        }
    }
}

#[test]
fn whole_suites_rarely_raise_false_alarms() {
    // 50 variants × 10 metrics at 10 % noise: without the multiple-testing adjustment, at
    // ~2 % per pair, nearly every one of these comparisons would report a regression
    // somewhere (1 − 0.98^500); with it, under 1 % do.
    for n in [3, 5] {
        let rate = false_alarm_rate(42 + n as u64, (50, 10, n), 0.10, true);
        assert!(rate < 0.05, "n={n}: {rate}");
    }
}

/// The share of comparisons in which the one slowed-down pair, and only it, is flagged.
fn detection_rate(seed: u64, shape: (usize, usize, usize), cv: f64, slower: f64) -> f64 {
    let mut rng = Rng(seed);
    let trials = if shape.0 * shape.1 > 100 { 30 } else { 100 };
    let found = (0..trials)
        .filter(|_| {
            let base = synthetic_run(&mut rng, shape, cv, true, 1.0);
            let head = synthetic_run(&mut rng, shape, cv, true, slower);
            let c = compare(&base, &head, &CompareSettings::default());
            let first = &c.rows[0];
            first.verdict == Verdict::Regressed && c.regressions() == 1
        })
        .count();
    found as f64 / trials as f64
}

#[test]
fn real_regressions_are_found() {
    // Power, from fixed seeds: the share of comparisons in which the one slowed-down pair is
    // flagged (and nothing else). 3 runs find only large, clean changes; 5 runs do much better.
    let cases = [
        // (variants, metrics, runs), noise, slowdown, at least
        ((3, 4, 3), 0.03, 1.25, 0.6),
        ((3, 4, 3), 0.05, 1.50, 0.7),
        ((3, 4, 5), 0.05, 1.30, 0.9),
        ((50, 10, 5), 0.05, 1.50, 0.9),
        ((50, 10, 5), 0.10, 2.00, 0.8),
    ];
    for (shape, cv, slower, at_least) in cases {
        let rate = detection_rate(5, shape, cv, slower);
        assert!(rate >= at_least, "{shape:?} cv={cv} x{slower}: {rate}");
    }
}

#[test]
fn big_suites_fit_a_github_comment() {
    let mut rng = Rng(11);
    let base = synthetic_run(&mut rng, (50, 10, 30), 0.05, true, 1.0);
    let head = synthetic_run(&mut rng, (50, 10, 30), 0.05, true, 2.0);
    let text = render_markdown(&compare(&base, &head, &CompareSettings::default()));
    assert!(text.len() <= 60_000, "{}", text.len());
    assert!(text.contains("more rows cut to fit a GitHub comment"));
    assert!(text.ends_with("</details>"));
    assert!(text.contains("unchanged pairs are listed in the details only"));
}
