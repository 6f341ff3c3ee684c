//! The answer a reader wants first, in at most [`MAX_LINES`] lines: the claims tallied by
//! verdict with each one that does not hold or cannot be told, the missed targets by variant,
//! the failed variants, and the few findings that matter most. Every output leads with it; the
//! long tables follow.

use crate::claims::{ClaimJudgement, ClaimVerdict};
use crate::format::format_against_limits;
use crate::relative::{self, RelativeTable};
use crate::results::{RunResults, Status};

/// The answer never takes more lines than this.
pub const MAX_LINES: usize = 15;
/// How many findings the answer ends with (the "against the reference" section has more).
const ANSWER_FINDINGS: usize = 3;

/// How a line reads at a glance (the terminal colours it, HTML marks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Unsure,
    Plain,
}

/// One line of the answer: a heading line (`level` 0) or an item under it (1).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub level: u8,
    pub tone: Tone,
    pub text: String,
}

/// The answer of one run, as lines every writer sets in its own markup.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub lines: Vec<Line>,
}

impl Answer {
    pub fn new(
        results: &RunResults,
        relative: Option<&RelativeTable>,
        claims: &[ClaimJudgement],
    ) -> Answer {
        let mut parts: Vec<Vec<Line>> = Vec::new();
        if !claims.is_empty() {
            parts.push(claim_lines(claims));
        }
        let targets = target_lines(results);
        if !targets.is_empty() {
            parts.push(targets);
        }
        let failed = failed_lines(results);
        if !failed.is_empty() {
            parts.push(failed);
        }
        if let Some(table) = relative {
            let findings = relative::findings(table, results, ANSWER_FINDINGS);
            if !findings.is_empty() {
                let mut part = vec![heading(
                    Tone::Plain,
                    format!("Largest changes against {}:", table.reference),
                )];
                part.extend(findings.into_iter().map(|f| item(Tone::Plain, f)));
                parts.push(part);
            }
        }
        Answer {
            lines: fit(parts, MAX_LINES),
        }
    }
}

fn heading(tone: Tone, text: String) -> Line {
    Line {
        level: 0,
        tone,
        text,
    }
}

fn item(tone: Tone, text: String) -> Line {
    Line {
        level: 1,
        tone,
        text,
    }
}

/// `Claims: 8 hold, 1 holds partly, 2 do not hold, 0 cannot tell.`, then each claim that does
/// not hold or cannot be told.
fn claim_lines(claims: &[ClaimJudgement]) -> Vec<Line> {
    let count = |v: ClaimVerdict| claims.iter().filter(|j| j.verdict == v).count();
    let (holds, partly, not, unsure) = (
        count(ClaimVerdict::Holds),
        count(ClaimVerdict::HoldsPartly),
        count(ClaimVerdict::DoesNotHold),
        count(ClaimVerdict::CannotTell),
    );
    let tone = if not > 0 {
        Tone::Bad
    } else if unsure > 0 || partly > 0 {
        Tone::Unsure
    } else {
        Tone::Good
    };
    let mut lines = vec![heading(
        tone,
        format!(
            "Claims: {holds} {}, {partly} {} partly, {not} {} not hold, {unsure} cannot tell.",
            plural(holds, "holds", "hold"),
            plural(partly, "holds", "hold"),
            plural(not, "does", "do")
        ),
    )];
    for j in claims.iter().filter(|j| {
        matches!(
            j.verdict,
            ClaimVerdict::DoesNotHold | ClaimVerdict::CannotTell
        )
    }) {
        let tone = match j.verdict {
            ClaimVerdict::DoesNotHold => Tone::Bad,
            _ => Tone::Unsure,
        };
        lines.push(item(
            tone,
            format!(
                "{}: {}: claimed {}, measured {}",
                j.verdict.label(),
                j.claim.text,
                j.claim.expect,
                crate::claims::claim_measured_after(j)
            ),
        ));
    }
    lines
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `Targets: 6 missed in 3 variants, 21 met.`, then each variant's misses on one line.
fn target_lines(results: &RunResults) -> Vec<Line> {
    let checks = results.variants.iter().flat_map(|v| &v.targets);
    let (total, met) = checks.fold((0, 0), |(t, m), c| (t + 1, m + usize::from(c.pass)));
    if total == 0 {
        return Vec::new();
    }
    let missing: Vec<_> = results
        .variants
        .iter()
        .filter(|v| v.targets.iter().any(|c| !c.pass))
        .collect();
    let missed = total - met;
    if missed == 0 {
        return vec![heading(Tone::Good, format!("Targets: all {total} met."))];
    }
    let mut lines = vec![heading(
        Tone::Bad,
        format!(
            "Targets: {missed} missed in {} {}, {met} met.",
            missing.len(),
            plural(missing.len(), "variant", "variants")
        ),
    )];
    for variant in missing {
        let misses: Vec<String> = variant
            .targets
            .iter()
            .filter(|c| !c.pass)
            .map(|c| {
                let value = match c.value {
                    Some(v) => format_against_limits(&c.metric, v, &[c.limit]),
                    None => "not measured".to_string(),
                };
                format!("{} {value} (target {})", c.metric, c.limit_label())
            })
            .collect();
        lines.push(item(
            Tone::Bad,
            format!("{}: {}", variant.name, misses.join("; ")),
        ));
    }
    lines
}

/// `Failed: 1 variant.`, then each with the first line of its error.
fn failed_lines(results: &RunResults) -> Vec<Line> {
    let failed: Vec<_> = results
        .variants
        .iter()
        .filter(|v| v.status == Status::Failed)
        .collect();
    if failed.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![heading(
        Tone::Bad,
        format!(
            "Failed: {} {}.",
            failed.len(),
            plural(failed.len(), "variant", "variants")
        ),
    )];
    for v in failed {
        // The terminal's width is not known here: the writers wrap; 200 characters is enough
        // to recognise an error.
        let first = crate::format::error_headline(v.error.as_deref(), 200);
        lines.push(item(Tone::Bad, format!("{}: {first}", v.name)));
    }
    lines
}

/// Fits the parts into `max` lines: every heading stays, and items go from the part with the
/// most first, a cut part ending in `… and N more`.
fn fit(parts: Vec<Vec<Line>>, max: usize) -> Vec<Line> {
    let items: Vec<usize> = parts.iter().map(|p| p.len() - 1).collect();
    let mut keep = items.clone();
    let lines_of = |i: usize, kept: usize| 1 + kept + usize::from(kept < items[i]);
    loop {
        let total: usize = keep.iter().enumerate().map(|(i, &k)| lines_of(i, k)).sum();
        if total <= max {
            break;
        }
        let Some(most) = (0..parts.len())
            .filter(|&i| keep[i] > 0)
            // On a tie the later part gives: the claims come first for a reason.
            .max_by_key(|&i| (keep[i], i))
        else {
            break;
        };
        keep[most] -= 1;
    }
    let mut lines = Vec::new();
    for ((part, kept), all) in parts.into_iter().zip(keep).zip(items) {
        let tone = part.get(1).map_or(Tone::Plain, |l| l.tone);
        lines.extend(part.into_iter().take(1 + kept));
        if kept < all {
            lines.push(item(tone, format!("… and {} more", all - kept)));
        }
    }
    lines
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
