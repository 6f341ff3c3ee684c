//! Claims from reviews ("cache mounts cut rebuilds by 60%"), judged from the raw samples with
//! the statistics of `compare` and the relative table: the same test (exact for deterministic
//! metrics, Welch on logs otherwise), Benjamini–Hochberg over the suite's claims, and the
//! claims' false-coverage-rate interval of the change (Benjamini–Yekutieli; see
//! `analysis::pair::judge_family`), which leaves out "no change" exactly when the adjusted test
//! is significant.
//!
//! With R the claimed region (`claimed_region`) and I the interval (a point when exact):
//!
//! | verdict | when |
//! |---|---|
//! | holds | significant in the claimed direction, and I meets R or lies beyond it |
//! | holds partly | significant in the claimed direction, but I lies wholly short of R |
//! | does not hold | I lies wholly outside R, and not significant in the claimed direction |
//! | cannot tell | I meets R but the change is not significant; too few samples; a variant failed or lacks the metric |
//!
//! "Does not hold" therefore means the data rule the claim out; a claim the data cannot judge
//! is "cannot tell", with the runs that would decide it. docs/statistics.md has the rule with a
//! worked example of each verdict.

use serde::{Deserialize, Serialize};

use crate::analysis::pair::exact_floor;
use crate::analysis::{judge_family, PairJudgement, Runs, TestUsed};
use crate::compare::CompareSettings;
use crate::results::{RunResults, Status};
pub use crate::scenario::claim::{ClaimSpec, Expectation};
use crate::stats::interval::ChangeInterval;
use crate::stats::Summary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimVerdict {
    Holds,
    HoldsPartly,
    DoesNotHold,
    CannotTell,
}

impl ClaimVerdict {
    pub fn label(self) -> &'static str {
        match self {
            ClaimVerdict::Holds => "holds",
            ClaimVerdict::HoldsPartly => "holds partly",
            ClaimVerdict::DoesNotHold => "does not hold",
            ClaimVerdict::CannotTell => "cannot tell",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimJudgement {
    pub claim: ClaimSpec,
    pub verdict: ClaimVerdict,
    /// The `from` and `to` variants' medians, when both were measured.
    pub from_median: Option<f64>,
    pub to_median: Option<f64>,
    /// Ratio of the medians − 1.
    pub change: Option<f64>,
    /// The interval of the change, FCR-adjusted over the suite's claims (see
    /// `analysis::pair::judge_family`); null for an exact comparison.
    pub interval: Option<ChangeInterval>,
    /// The level of `interval` (0.95 for one claim alone, higher for several).
    pub interval_confidence: Option<f64>,
    pub samples: usize,
    /// The runs of the `from` (`base`) and `to` (`head`) variants the verdict was reached
    /// after; null when a side has nothing to judge (failed, missing).
    pub runs: Option<Runs>,
    /// Why, in a few words: `significant, short of -50%`, `not significant`, `bytecode failed`.
    pub reason: String,
}

/// Judges every claim against one run. An unparsable `expect` (a hand-edited results.json)
/// is "cannot tell", with the parse error as its reason.
pub fn judge_claims(
    results: &RunResults,
    claims: &[ClaimSpec],
    settings: &CompareSettings,
) -> Vec<ClaimJudgement> {
    let mut prepared: Vec<Prepared> = claims.iter().map(|c| prepare(results, c)).collect();
    let mut family: Vec<&mut PairJudgement> = prepared
        .iter_mut()
        .filter_map(|p| p.pair.as_mut().map(|pair| &mut pair.judgement))
        .collect();
    judge_family(&mut family, settings);
    prepared
        .into_iter()
        .map(|p| conclude(p, settings))
        .collect()
}

/// Whether any claim does not hold: such a claim counts as a missed target.
pub fn any_refuted(judgements: &[ClaimJudgement]) -> bool {
    judgements
        .iter()
        .any(|j| j.verdict == ClaimVerdict::DoesNotHold)
}

struct Pair {
    /// From `from` (base) to `to` (head).
    judgement: PairJudgement,
    expectation: Expectation,
}

struct Prepared {
    claim: ClaimSpec,
    pair: Option<Pair>,
    /// Why there is no pair.
    missing: Option<String>,
}

fn prepare(results: &RunResults, claim: &ClaimSpec) -> Prepared {
    let side = |name: &str| -> Result<Summary, String> {
        let variant = results
            .variants
            .iter()
            .find(|v| v.name == name)
            .ok_or_else(|| format!("{name} is not in this run"))?;
        if variant.status == Status::Failed {
            return Err(format!("{name} failed"));
        }
        variant
            .metrics
            .get(&claim.metric)
            .cloned()
            .ok_or_else(|| format!("{name} has no {}", claim.metric))
    };
    let pair = Expectation::parse(&claim.metric, &claim.expect).and_then(|expectation| {
        let (mut from, mut to) = (side(&claim.from)?, side(&claim.to)?);
        // On a merge of shards, a claim compares two variants of one machine only: the
        // reference as the other variant's shard measured it, or two variants of one shard.
        let (from_shard, to_shard) = (
            crate::relative::own_shard(results, &claim.from),
            crate::relative::own_shard(results, &claim.to),
        );
        let reference_of = |shard: &crate::results::ShardReference| {
            shard
                .metrics
                .get(&claim.metric)
                .cloned()
                .ok_or_else(|| format!("shard {} has no {}", shard.shard, claim.metric))
        };
        match (from_shard, to_shard) {
            (Some(a), Some(b)) if a.shard != b.shard => {
                return Err(format!(
                    "{} and {} were measured on different machines (shards {} and {}), so \
                     they are not compared",
                    claim.from, claim.to, a.shard, b.shard
                ))
            }
            (None, Some(b)) if !results.shard_references.is_empty() => from = reference_of(b)?,
            (Some(a), None) if !results.shard_references.is_empty() => to = reference_of(a)?,
            _ => {}
        }
        Ok(Pair {
            judgement: PairJudgement::new(&claim.metric, from, to),
            expectation,
        })
    });
    match pair {
        Ok(pair) => Prepared {
            claim: claim.clone(),
            pair: Some(pair),
            missing: None,
        },
        Err(why) => Prepared {
            claim: claim.clone(),
            pair: None,
            missing: Some(why),
        },
    }
}

fn conclude(prepared: Prepared, settings: &CompareSettings) -> ClaimJudgement {
    let Prepared {
        claim,
        pair,
        missing,
    } = prepared;
    let Some(pair) = pair else {
        return ClaimJudgement {
            claim,
            verdict: ClaimVerdict::CannotTell,
            from_median: None,
            to_median: None,
            change: None,
            interval: None,
            interval_confidence: None,
            samples: 0,
            runs: None,
            reason: missing.unwrap_or_default(),
        };
    };
    let judged = &pair.judgement;
    let (from_median, to_median) = (judged.base.median, judged.head.median);
    let (change, interval, samples) = (judged.change, judged.interval, judged.samples());
    let (verdict, reason) = verdict(&claim, &pair, settings);
    ClaimJudgement {
        claim,
        verdict,
        from_median: Some(from_median),
        to_median: Some(to_median),
        change,
        interval,
        interval_confidence: interval.map(|_| judged.confidence),
        samples,
        runs: Some(judged.runs()),
        reason,
    }
}

/// The claimed region R, as a change of the `from` variant's median: `[low, high]`, an end
/// infinite where the claim sets none. A figure is a point; "at least" and "lower"/"higher"
/// are half-lines (the claimed side of 0 for a direction); levels are the point the `to` level
/// is at from the measured `from` median.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub low: f64,
    pub high: f64,
}

pub fn claimed_region(expectation: &Expectation, from_median: f64) -> Region {
    let point = |x: f64| Region { low: x, high: x };
    match *expectation {
        Expectation::Change(figure) => point(figure),
        Expectation::Range { low, high } => Region { low, high },
        Expectation::AtLeast(figure) if figure >= 0.0 => Region {
            low: figure,
            high: f64::INFINITY,
        },
        Expectation::AtLeast(figure) => Region {
            low: f64::NEG_INFINITY,
            high: figure,
        },
        Expectation::Levels { to, .. } if from_median != 0.0 => point(to / from_median - 1.0),
        // A direction, or levels from a median of 0: the claimed side of no change.
        _ if expectation.direction() > 0.0 => Region {
            low: 0.0,
            high: f64::INFINITY,
        },
        _ => Region {
            low: f64::NEG_INFINITY,
            high: 0.0,
        },
    }
}

/// Where the measured interval I lies against the claimed region R, seen from the claimed
/// direction: it meets R, lies wholly short of it (towards no change or the other way), or
/// wholly beyond it (more than claimed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    Meets,
    Short,
    Beyond,
}

fn placement(interval: (f64, f64), region: Region, wanted: f64) -> Placement {
    let (low, high) = interval;
    if low <= region.high && high >= region.low {
        Placement::Meets
    } else if (wanted < 0.0 && low > region.high) || (wanted > 0.0 && high < region.low) {
        Placement::Short
    } else {
        Placement::Beyond
    }
}

/// The verdict by the rule of docs/statistics.md ("Claims"), with I the pair's interval of the
/// change (the FCR-adjusted one; a point for an exact comparison) and R the claimed region:
///
/// | verdict | when |
/// |---|---|
/// | holds | significant in the claimed direction, and I meets R (or lies beyond it) |
/// | holds partly | significant in the claimed direction, but I lies wholly short of R |
/// | does not hold | I lies wholly outside R, and not significant in the claimed direction |
/// | cannot tell | I meets R, but the change is not significant (yet) |
fn verdict(claim: &ClaimSpec, pair: &Pair, settings: &CompareSettings) -> (ClaimVerdict, String) {
    let judged = &pair.judgement;
    let samples = judged.samples();
    if judged.test == TestUsed::TooFewSamples {
        return (
            ClaimVerdict::CannotTell,
            format!("{samples} sample(s): no spread to test"),
        );
    }
    let shift = judged.difference();
    let wanted = pair.expectation.direction();
    if judged.test == TestUsed::Exact {
        // No noise: the one value is the measurement, and more runs would not change it.
        if shift == 0.0 {
            return (ClaimVerdict::DoesNotHold, "no change at all".to_string());
        }
        if shift.abs() <= exact_floor(&claim.metric, judged.base.median) {
            return (
                ClaimVerdict::DoesNotHold,
                "no change beyond the metric's floor".to_string(),
            );
        }
    }
    let significant = judged.is_significant(judged.alpha);
    let claimed_way = significant && shift.signum() == wanted;
    let measured = match (judged.change, judged.interval) {
        // From 0: any change is beyond every figure on its side.
        (None, _) => {
            let edge = shift.signum() * f64::INFINITY;
            (edge, edge)
        }
        (Some(_), Some(i)) => (i.low, i.high),
        (Some(c), None) => (c, c),
    };
    let region = claimed_region(&pair.expectation, judged.base.median);
    let place = placement(measured, region, wanted);
    match (claimed_way, place) {
        (true, Placement::Meets) => (ClaimVerdict::Holds, "significant".to_string()),
        (true, Placement::Beyond) => (
            ClaimVerdict::Holds,
            "significant, more than claimed".to_string(),
        ),
        (true, Placement::Short) => (
            ClaimVerdict::HoldsPartly,
            "significant, short of the claimed figure".to_string(),
        ),
        (false, Placement::Meets) => (
            ClaimVerdict::CannotTell,
            format!("not significant yet; {}", runs_to_decide(judged, region)),
        ),
        (false, _) if significant => (ClaimVerdict::DoesNotHold, "the other way".to_string()),
        (false, _) if judged.relation == crate::analysis::Relation::Same => (
            ClaimVerdict::DoesNotHold,
            format!("no change beyond ±{:.0}%", settings.threshold * 100.0),
        ),
        (false, Placement::Short) => (
            ClaimVerdict::DoesNotHold,
            "far less than claimed: the interval rules the figure out".to_string(),
        ),
        (false, Placement::Beyond) => (
            ClaimVerdict::DoesNotHold,
            "the interval rules the claimed figure out".to_string(),
        ),
    }
}

/// The most runs per variant this advice ever names.
const MAX_RUNS_ADVISED: usize = 100;

/// `about 12 runs per variant would decide it, if the change stays at -13%`: a claim is decided
/// once its interval leaves out either no change (then it is significant) or the claimed region
/// (then it does not hold), so it is the runs at which the 95 % interval around the change
/// would be narrower than the farther of the two.
fn runs_to_decide(judged: &PairJudgement, region: Region) -> String {
    let Some(change) = judged.change else {
        return "no change measured to decide on".to_string();
    };
    let to_region = if change < region.low {
        region.low - change
    } else if change > region.high {
        change - region.high
    } else {
        0.0
    };
    let half_width = change.abs().max(to_region).min(0.99);
    if half_width == 0.0 {
        return "no change measured to decide on".to_string();
    }
    match crate::stats::interval::runs_for_half_width(
        &judged.base.samples,
        &judged.head.samples,
        crate::analysis::pair::CONFIDENCE,
        half_width,
        MAX_RUNS_ADVISED,
    ) {
        Some(n) => format!(
            "about {} runs per variant would decide it, if the change stays at {}",
            n.max(judged.samples() + 1),
            crate::relative::percent(change)
        ),
        None => {
            format!("more than {MAX_RUNS_ADVISED} runs per variant would be needed at this spread")
        }
    }
}

/// What was measured for a claim: `40.0% → 64.0% (+60%, exact)`,
/// `10.00 s → 6.00 s (-40% [-43%, -37%])`, or why nothing could be.
pub fn claim_measured(j: &ClaimJudgement) -> String {
    let (Some(from), Some(to)) = (j.from_median, j.to_median) else {
        return j.reason.clone();
    };
    let metric = &j.claim.metric;
    let change = match (j.change, j.interval) {
        (None, _) => "from 0".to_string(),
        (Some(c), Some(i)) => format!(
            "{} [{}, {}]",
            crate::relative::percent(c),
            crate::relative::percent(i.low),
            crate::relative::percent(i.high)
        ),
        (Some(c), None) if j.verdict == ClaimVerdict::CannotTell => crate::relative::percent(c),
        (Some(c), None) => format!("{}, exact", crate::relative::percent(c)),
    };
    format!(
        "{} → {} ({change})",
        crate::format::format_against_limits(metric, from, &[to]),
        crate::format::format_against_limits(metric, to, &[from])
    )
}

/// [`claim_measured`] with the runs the verdict was reached after, for a line of prose:
/// `10.00 s → 6.00 s (-40% [-43%, -37%]) after 3 vs 5 runs`.
pub fn claim_measured_after(j: &ClaimJudgement) -> String {
    match j.runs {
        Some(runs) => format!("{} {}", claim_measured(j), runs.after_text()),
        None => claim_measured(j),
    }
}

#[cfg(test)]
mod tests;
