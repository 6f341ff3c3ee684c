//! The one judgement of a pair (base, head) of one metric's raw samples, used by `compare`, the
//! relative table and the claims alike: which test applies, the change, its interval, and how
//! head relates to base.
//!
//! Two steps, criterion-style: a pair is *significant* when its Benjamini–Hochberg-adjusted
//! Welch p-value (on the logarithms of the samples) is ≤ alpha and the means moved the same way
//! as the medians; it matters when the change of the median is *beyond the threshold*. Then:
//!
//! | test | relation |
//! |---|---|
//! | exact, a deterministic metric | better / worse when the medians differ beyond the metric's floor (`exact_floor`), else same |
//! | exact, a noisy metric that did not vary | better / worse beyond the threshold, else same |
//! | Welch, significant, beyond the threshold | better / worse, by the metric's direction |
//! | Welch, significant, within the threshold | same: real, but smaller than anyone asked to care about |
//! | Welch, not significant, the whole interval within ±threshold | same |
//! | Welch, not significant, otherwise | cannot tell: more runs would |
//! | too few samples of a noisy metric | cannot tell |
//!
//! For a noisy metric, "beyond the threshold" also means beyond its absolute floor
//! (`noise_floor`: 50 ms for timings).

use serde::{Deserialize, Serialize};

use crate::compare::CompareSettings;
use crate::metric::{
    self, Direction, CACHE_HIT_RATE, IMAGE_COMPRESSED_BYTES, IMAGE_EFFICIENCY, IMAGE_FILES,
    IMAGE_SIZE_BYTES, IMAGE_WASTED_BYTES,
};
use crate::stats::interval::{change_interval, ChangeInterval};
use crate::stats::significance::{benjamini_hochberg, welch_t_test};
use crate::stats::Summary;

/// Confidence of the intervals of a change.
pub const CONFIDENCE: f64 = 0.95;

/// How a pair was judged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TestUsed {
    /// No noise: a deterministic metric (image size, cache hit rates), or no variation in
    /// either run. The medians are compared as they are.
    Exact,
    /// Welch's t-test; `adjusted_p` is Benjamini–Hochberg over every Welch test of the
    /// family. `t` is null in JSON when neither run varied. `log_scale`: the test ran on the
    /// logarithms of the samples (whenever all are positive; see `choose_test`).
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

/// How head relates to base on one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Better,
    Worse,
    /// Identical, within the floor of an exact metric, or a change within the threshold.
    Same,
    /// The interval is wider than the threshold and the test is not significant: more runs
    /// would tell.
    CannotTell,
}

/// The runs (samples) of each side of a pair when it was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Runs {
    pub base: usize,
    pub head: usize,
}

impl Runs {
    /// The fewer of the two sides: what limits the verdict.
    pub fn fewer(self) -> usize {
        self.base.min(self.head)
    }

    /// `5`, or `3 vs 5` (base first) when the sides differ: a table's "runs" cell.
    pub fn count_text(self) -> String {
        if self.base == self.head {
            self.base.to_string()
        } else {
            format!("{} vs {}", self.base, self.head)
        }
    }

    /// `after 5 runs`, `after 1 run`, `after 3 vs 5 runs`: how a verdict in a sentence says it.
    pub fn after_text(self) -> String {
        let unit = if self.base == 1 && self.head == 1 {
            "run"
        } else {
            "runs"
        };
        format!("after {} {unit}", self.count_text())
    }
}

/// One pair, judged. `relation` is final only once `judge_family` has adjusted the p-values of
/// every pair judged together (a comparison, a relative table, a suite's claims).
#[derive(Debug, Clone, PartialEq)]
pub struct PairJudgement {
    pub metric: String,
    pub base: Summary,
    pub head: Summary,
    pub test: TestUsed,
    /// (head median − base median) / base median: see `relative_change`.
    pub change: Option<f64>,
    /// The interval of the change at `confidence`; none for an exact pair or too few samples.
    /// Unadjusted (95 %) until `judge_family`, which widens it to the family's
    /// false-coverage-rate level, so that it excludes "no change" exactly when the adjusted
    /// test is significant.
    pub interval: Option<ChangeInterval>,
    /// The level of `interval`: 0.95 alone; 1 − max(R, 1)·α/m in a family (see `judge_family`).
    pub confidence: f64,
    /// The significance level the pair was judged at: the settings' α, or in a run sampled
    /// until decided, its look's (`CompareSettings::alpha_for`). Set by `judge_family`.
    pub alpha: f64,
    pub relation: Relation,
}

impl PairJudgement {
    /// The pair before its family's adjustment (its relation is "cannot tell" until then).
    pub fn new(metric: &str, base: Summary, head: Summary) -> PairJudgement {
        let test = choose_test(metric, &base, &head);
        let interval = match test {
            TestUsed::Welch { .. } => change_interval(&base.samples, &head.samples, CONFIDENCE),
            TestUsed::Exact | TestUsed::TooFewSamples => None,
        };
        PairJudgement {
            metric: metric.to_string(),
            change: relative_change(base.median, head.median),
            test,
            interval,
            confidence: CONFIDENCE,
            alpha: 1.0 - CONFIDENCE,
            relation: Relation::CannotTell,
            base,
            head,
        }
    }

    /// Head's median minus base's, in the metric's unit.
    pub fn difference(&self) -> f64 {
        self.head.median - self.base.median
    }

    /// The fewer samples of the two sides.
    pub fn samples(&self) -> usize {
        self.runs().fewer()
    }

    /// The runs each side had when the pair was judged: every verdict says after how many it
    /// was reached, and with `runs = "auto"` two variants may have had different numbers.
    pub fn runs(&self) -> Runs {
        Runs {
            base: self.base.samples.len(),
            head: self.head.samples.len(),
        }
    }

    /// Whether the medians' change is real: see `is_significant`.
    pub fn is_significant(&self, alpha: f64) -> bool {
        is_significant(&self.base, &self.head, &self.test, alpha)
    }

    /// A deterministic metric whose samples differ between repetitions of one side: compared by
    /// its medians all the same, and worth a note (the build is not reproducible).
    pub fn exact_but_varies(&self) -> bool {
        is_deterministic(&self.metric)
            && (self.base.min != self.base.max || self.head.min != self.head.max)
    }
}

/// Adjusts the family's Welch p-values together (Benjamini–Hochberg), widens each Welch pair's
/// interval to the family's false-coverage-rate level, then gives each pair its relation by
/// the table in this module's header.
///
/// The intervals are Benjamini and Yekutieli's (2005) FCR-adjusted intervals: with m Welch
/// tests of which R are significant at false-discovery rate α, each is at level
/// 1 − max(R, 1)·α/m. Benjamini–Hochberg rejects exactly the tests with p ≤ R·α/m (every test
/// it keeps has p > R·α/m: the step-up's largest rank is R), and the interval is the inversion
/// of the same Welch test, so an interval excludes "no change" exactly when its pair is
/// significant: a reader never sees an interval clear of 0 % beside "cannot tell". (With R = 0
/// the level is 1 − α/m, Bonferroni's, which every kept p also exceeds.) One rare exception:
/// a pair whose means moved against its medians is not significant whatever its p
/// (`is_significant`).
pub fn judge_family(pairs: &mut [&mut PairJudgement], settings: &CompareSettings) {
    for pair in pairs.iter_mut() {
        pair.alpha = settings.alpha_for(pair.samples());
    }
    let mut tests: Vec<&mut TestUsed> = pairs.iter_mut().map(|p| &mut p.test).collect();
    adjust_for_multiple_tests(&mut tests);
    let welch = |p: &PairJudgement| matches!(p.test, TestUsed::Welch { .. });
    let m = pairs.iter().filter(|p| welch(p)).count();
    // R at each pair's own level: in a run sampled until decided, pairs of different sample
    // counts are judged at their looks' levels, and each pair's interval is the one that
    // Benjamini–Hochberg at its level selects by (with one level for all, R is the family's).
    let levels: Vec<f64> = pairs.iter().map(|p| p.alpha).collect();
    let selected_at = |alpha: f64| {
        pairs
            .iter()
            .filter(|p| welch(p) && p.is_significant(alpha))
            .count()
    };
    let selected: Vec<usize> = levels.iter().map(|&a| selected_at(a)).collect();
    for (pair, r) in pairs.iter_mut().zip(selected) {
        if welch(pair) {
            let confidence = fcr_confidence(pair.alpha, r, m);
            pair.interval = change_interval(&pair.base.samples, &pair.head.samples, confidence);
            pair.confidence = confidence;
        }
        pair.relation = relation(pair, settings);
    }
}

/// The level of the FCR-adjusted intervals of a family of `m` tests of which `r` were selected
/// (significant) at false-discovery rate `alpha`: 1 − max(r, 1)·alpha/m. One test alone: 1 − α.
pub fn fcr_confidence(alpha: f64, r: usize, m: usize) -> f64 {
    if m == 0 {
        return 1.0 - alpha;
    }
    1.0 - r.max(1) as f64 * alpha / m as f64
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

/// Sizes: 64 kB.
pub const SIZE_FLOOR_BYTES: f64 = 64_000.0;
/// Sizes: 0.1 % of the base.
pub const SIZE_FLOOR_SHARE: f64 = 0.001;
/// Image efficiency: 0.1 percentage points.
pub const EFFICIENCY_FLOOR: f64 = 0.001;

/// Timings: a change of 50 ms or less is never better or worse. Repetitions inside one run
/// share the engine's state, so a run-level shift escapes the t-test: two back-to-back runs of
/// the same fixture gave warm builds of 64.4 and 64.4 ms, then 77.3 and 77.4 ms (p = 0.002,
/// adjusted 0.015, +20%), in CI on 2026-12-07. A shift that small is the engine's, not the
/// Dockerfile's.
pub const TIMING_FLOOR_S: f64 = 0.05;

/// The smallest difference of a noisy metric that can count as a change, beside the relative
/// threshold: `TIMING_FLOOR_S` for timings, none for memory.
pub fn noise_floor(metric_name: &str) -> f64 {
    match metric::unit_of(metric_name) {
        metric::Unit::Seconds => TIMING_FLOOR_S,
        _ => 0.0,
    }
}

/// The largest difference of a deterministic metric that still counts as "same". Sizes: the
/// larger of 64 kB and 0.1 % of the base (tar headers carry file times, so two builds of the
/// same code differ by a few bytes compressed, and a 10 kB change in a 264 MB image is no
/// finding); efficiency: 0.1 percentage points; hit rates and file counts: none (a step or a
/// file is a step or a file).
pub fn exact_floor(metric_name: &str, base_median: f64) -> f64 {
    match metric::base_name(metric_name) {
        IMAGE_SIZE_BYTES | IMAGE_WASTED_BYTES | IMAGE_COMPRESSED_BYTES => {
            SIZE_FLOOR_BYTES.max(SIZE_FLOOR_SHARE * base_median.abs())
        }
        IMAGE_EFFICIENCY => EFFICIENCY_FLOOR,
        _ => 0.0,
    }
}

/// The test for one pair, before the multiple-testing adjustment (`adjusted_p` = `p_value`).
/// A deterministic metric is always compared exactly, even when a side varied (see
/// `PairJudgement::exact_but_varies`): its spread is a build that is not reproducible, not
/// timing noise, and a t-test would read it as noise.
pub fn choose_test(metric_name: &str, base: &Summary, head: &Summary) -> TestUsed {
    if is_deterministic(metric_name) {
        return TestUsed::Exact;
    }
    let varies = |s: &Summary| s.min != s.max;
    let enough = base.samples.len() >= 2 && head.samples.len() >= 2;
    if !varies(base) && !varies(head) && enough {
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

/// (head median − base median) / base median: 0 for equal medians (0 → 0 included), `None`
/// when the base median is 0 and the head's is not (a change from nothing has no ratio, and is
/// beyond any threshold).
pub fn relative_change(base_median: f64, head_median: f64) -> Option<f64> {
    if base_median == head_median {
        return Some(0.0);
    }
    if base_median == 0.0 {
        return None;
    }
    Some((head_median - base_median) / base_median)
}

/// The relation of one pair, once its family's p-values are adjusted: the table in this
/// module's header.
fn relation(pair: &PairJudgement, settings: &CompareSettings) -> Relation {
    let shift = pair.difference();
    let direction = || {
        if got_worse(&pair.metric, shift) {
            Relation::Worse
        } else {
            Relation::Better
        }
    };
    let beyond = pair.change.is_none_or(|c| c.abs() > settings.threshold)
        && shift.abs() > noise_floor(&pair.metric);
    match pair.test {
        TestUsed::Exact if is_deterministic(&pair.metric) => {
            if shift.abs() > exact_floor(&pair.metric, pair.base.median) {
                direction()
            } else {
                Relation::Same
            }
        }
        TestUsed::Exact if shift != 0.0 && beyond => direction(),
        TestUsed::Exact => Relation::Same,
        TestUsed::TooFewSamples => Relation::CannotTell,
        TestUsed::Welch { .. } if pair.is_significant(pair.alpha) => {
            if beyond {
                direction()
            } else {
                Relation::Same
            }
        }
        TestUsed::Welch { .. } => {
            // Narrow: within ±threshold, or within the metric's floor in its own unit.
            let floor = noise_floor(&pair.metric);
            let narrow = pair.interval.is_some_and(|i| {
                let within = i.low >= -settings.threshold && i.high <= settings.threshold;
                let widest = i.low.abs().max(i.high.abs()) * pair.base.median.abs();
                within || widest <= floor
            });
            if narrow {
                Relation::Same
            } else {
                Relation::CannotTell
            }
        }
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
#[path = "pair_tests.rs"]
mod tests;
