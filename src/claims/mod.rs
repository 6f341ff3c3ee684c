//! Claims from reviews ("cache mounts cut rebuilds by 60%"), judged from the raw samples with
//! the statistics of `compare` and the relative table: the same test (exact for deterministic
//! metrics, Welch on logs otherwise), Benjamini–Hochberg over the suite's claims, and the 95 %
//! interval of the change.
//!
//! | verdict | when |
//! |---|---|
//! | holds | significant, in the claimed direction, and the interval reaches the claimed figure |
//! | holds partly | significant and in the claimed direction, but short of the figure |
//! | does not hold | not significant, or the wrong direction |
//! | cannot tell | fewer than 2 samples of a noisy metric, or a variant failed or lacks the metric |
//!
//! "Reaches": the end of the interval on the claimed side is at or beyond the figure (for a
//! range, its nearer end; for levels, the `to` level, reached by the `from` variant's median
//! times the change). An exact comparison has no interval: its one value must reach.

use serde::{Deserialize, Serialize};

use crate::analysis::pair::exact_floor;
use crate::analysis::{judge_family, PairJudgement, TestUsed};
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
    /// 95 % interval of the change; null for an exact comparison.
    pub interval: Option<ChangeInterval>,
    pub samples: usize,
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
            samples: 0,
            reason: missing.unwrap_or_default(),
        };
    };
    let judged = &pair.judgement;
    let (from_median, to_median) = (judged.base.median, judged.head.median);
    let (change, interval, samples) = (judged.change, judged.interval, judged.samples());
    let shift = judged.difference();
    let wanted = pair.expectation.direction();
    let (verdict, reason) = if judged.test == TestUsed::TooFewSamples {
        (
            ClaimVerdict::CannotTell,
            format!("{samples} sample(s): no spread to test"),
        )
    } else if judged.test == TestUsed::Exact && shift == 0.0 {
        (ClaimVerdict::DoesNotHold, "no change at all".to_string())
    } else if judged.test == TestUsed::Exact
        && shift.abs() <= exact_floor(&claim.metric, from_median)
    {
        (
            ClaimVerdict::DoesNotHold,
            "no change beyond the metric's floor".to_string(),
        )
    } else if !judged.is_significant(settings.alpha) {
        (ClaimVerdict::DoesNotHold, "not significant".to_string())
    } else if shift.signum() != wanted {
        (ClaimVerdict::DoesNotHold, "the other way".to_string())
    } else if reaches(&pair.expectation, from_median, change, interval, wanted) {
        (ClaimVerdict::Holds, "significant".to_string())
    } else {
        (
            ClaimVerdict::HoldsPartly,
            "significant, short of the claimed figure".to_string(),
        )
    };
    ClaimJudgement {
        claim,
        verdict,
        from_median: Some(from_median),
        to_median: Some(to_median),
        change,
        interval,
        samples,
        reason,
    }
}

/// Whether the measured change, at the end of its interval on the claimed side, reaches the
/// claimed figure. `change` is `None` only for a change from 0, which reaches any figure.
fn reaches(
    expectation: &Expectation,
    from_median: f64,
    change: Option<f64>,
    interval: Option<ChangeInterval>,
    wanted: f64,
) -> bool {
    let Some(change) = change else {
        return true;
    };
    // The most the measurement allows in the claimed direction.
    let best = match interval {
        Some(i) if wanted > 0.0 => i.high,
        Some(i) => i.low,
        None => change,
    };
    let beyond = |figure: f64| {
        if wanted > 0.0 {
            best >= figure
        } else {
            best <= figure
        }
    };
    match *expectation {
        Expectation::Change(figure) | Expectation::AtLeast(figure) => beyond(figure),
        // The nearer end: a cut of 35–45 % is reached by a cut of 35 %.
        Expectation::Range { low, high } => beyond(if wanted > 0.0 { low } else { high }),
        Expectation::Levels { to, .. } => {
            let level = from_median * (1.0 + best);
            if wanted > 0.0 {
                level >= to
            } else {
                level <= to
            }
        }
        Expectation::Direction(_) => true,
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

#[cfg(test)]
mod tests;
