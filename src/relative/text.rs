//! The words of the relative table, shared by the terminal, report.md and report.html so that
//! a finding reads the same everywhere.

use super::{Relation, RelativeRow, RelativeTable, TestUsed};
use crate::format::{format_difference, format_value, metric_title};
use crate::metric::{self, Direction, Unit};
use crate::results::RunResults;
use crate::targets::TargetCheck;

/// `better`, `worse`, `same`, `same within ±5%`, `cannot tell`. "Same" on a noisy metric is a
/// decision of its own, distinct from "cannot tell": the row's interval lies within the margin
/// (`margin`, the table's threshold), which it says; on an exact metric it is the same value.
/// The runs it was reached after are the row's `runs`, which every table sets beside it.
pub fn relation_text(row: &RelativeRow, margin: f64) -> String {
    match row.relation {
        Relation::Better => "better".to_string(),
        Relation::Worse => "worse".to_string(),
        Relation::Same if matches!(row.test, TestUsed::Welch { .. }) => {
            format!("same within {}", margin_text(margin))
        }
        Relation::Same => "same".to_string(),
        Relation::CannotTell => "cannot tell".to_string(),
    }
}

/// `±5%`, `±2.5%`: a margin as the suite writes it.
pub fn margin_text(margin: f64) -> String {
    let p = (margin * 1000.0).round() / 10.0;
    if p.fract() == 0.0 {
        format!("±{p:.0}%")
    } else {
        format!("±{p}%")
    }
}

/// `+25%`, `-4.2%`, `0%`: whole percents from 10 % on, one decimal below, and two significant
/// digits under 0.1 %, so that a real change of a few bytes never prints as `+0.0%`.
pub fn percent(change: f64) -> String {
    let p = change * 100.0;
    if p == 0.0 {
        "0%".to_string()
    } else if p.abs() >= 9.95 {
        format!("{p:+.0}%")
    } else if p.abs() >= 0.095 {
        format!("{p:+.1}%")
    } else {
        let decimals = (1.0 - p.abs().log10().floor()) as usize;
        format!("{p:+.decimals$}%")
    }
}

/// The change with its interval: `-42% [-55%, -25%]`, `from 0`; a deterministic metric's as
/// the absolute difference, `+10.2 kB (exact)`, `+24.0 pp (exact)`.
pub fn change_with_interval(row: &RelativeRow) -> String {
    if let Some(difference) = exact_difference(row) {
        return format!("{difference} (exact)");
    }
    let Some(change) = row.change else {
        return "from 0".to_string();
    };
    match row.interval {
        Some(i) => format!(
            "{} [{}, {}]",
            percent(change),
            percent(i.low),
            percent(i.high)
        ),
        None if row.relation == Relation::CannotTell => percent(change),
        None => format!("{} (exact)", percent(change)),
    }
}

/// A deterministic metric's change as an absolute difference in its own terms: a ratio of
/// `+0.00097%` (10 kB on 264 MB) reads as noise, and rates move in percentage points.
fn exact_difference(row: &RelativeRow) -> Option<String> {
    let exact = row.test == crate::analysis::TestUsed::Exact
        && crate::analysis::pair::is_deterministic(&row.metric);
    exact.then(|| format_difference(&row.metric, row.value.median - row.reference.median))
}

/// A table cell's second line: `-42% better`, `+10.2 kB same`, `+20% ?` (cannot tell).
pub fn change_cell(row: &RelativeRow) -> String {
    let change =
        exact_difference(row).unwrap_or_else(|| row.change.map_or("from 0".to_string(), percent));
    let mark = match row.relation {
        Relation::Better => "better",
        Relation::Worse => "worse",
        Relation::Same => "same",
        Relation::CannotTell => "?",
    };
    format!("{change} {mark}")
}

/// A change in the metric's own terms, then as hyperfine puts it: `split-deps: rebuild time
/// after edit “source” 38.6 s faster than baseline (4.83× [4.47–5.16×], after 3 runs)`. Rates
/// and counts, whose ratio hides what changed, give both values and the difference: `cache hit
/// rate 64.0% against 40.0% for baseline (+24.0 pp, after 3 runs)`.
pub fn finding_line(row: &RelativeRow, reference: &str) -> String {
    let what = lowercase_first(&metric_title(&row.metric));
    let after = row.runs.after_text();
    let (r, v) = (row.reference.median, row.value.median);
    let difference = format_difference(&row.metric, v - r);
    let unit = metric::unit_of(&row.metric);
    if matches!(unit, Unit::Fraction | Unit::Count) || row.change.is_none() {
        return format!(
            "{}: {what} {} against {} for {reference} ({difference}, {after})",
            row.variant,
            format_value(&row.metric, v),
            format_value(&row.metric, r),
        );
    }
    let (less, more) = match unit {
        Unit::Seconds => ("faster", "slower"),
        _ => ("smaller", "larger"),
    };
    // Ratios of at least 1, so that "2× faster" and "2× slower" read alike.
    let ratio = v / r;
    let (times, word, bounds) = if ratio < 1.0 {
        let bounds = row
            .interval
            .map(|i| (1.0 / (1.0 + i.high), 1.0 / (1.0 + i.low)));
        (1.0 / ratio, less, bounds)
    } else {
        let bounds = row.interval.map(|i| (1.0 + i.low, 1.0 + i.high));
        (ratio, more, bounds)
    };
    let tail = match bounds {
        Some((lo, hi)) => format!("{times:.2}× [{lo:.2}–{hi:.2}×], {after}"),
        None => format!("{times:.2}×, exact, {after}"),
    };
    let size = difference.trim_start_matches(['+', '-']);
    format!(
        "{}: {what} {size} {word} than {reference} ({tail})",
        row.variant
    )
}

/// How much a second of build or startup weighs against the other units when findings are
/// ranked: as much as 10 MB of image or memory, 5 percentage points of hit rate, or 1,000
/// files. (A ratio would rank wasted bytes going from 1 MB to 3 kB, "300× smaller", above a
/// rebuild 40 s faster.)
fn effect_scale(unit: Unit) -> f64 {
    match unit {
        Unit::Seconds => 1.0,
        Unit::Bytes => 10e6,
        Unit::Fraction => 0.05,
        Unit::Count => 1000.0,
    }
}

/// The findings that matter most, as [`finding_line`]s: the `max` changes judged better or
/// worse, those that cross one of the variant's targets first (the reference meets it and the
/// variant does not, or the other way round), then by the size of the change in the metric's
/// own terms (`effect_scale`).
pub fn findings(table: &RelativeTable, results: &RunResults, max: usize) -> Vec<String> {
    let mut decided: Vec<(bool, f64, &RelativeRow)> = table
        .rows
        .iter()
        .filter(|r| matches!(r.relation, Relation::Better | Relation::Worse))
        .map(|r| {
            let effect = (r.value.median - r.reference.median).abs()
                / effect_scale(metric::unit_of(&r.metric));
            (crosses_a_target(results, r), effect, r)
        })
        .collect();
    decided.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
    decided
        .into_iter()
        .take(max)
        .map(|(crosses, _, r)| {
            let line = finding_line(r, &table.reference);
            match crosses.then(|| target_note(results, r)).flatten() {
                Some(note) => format!("{line}; {note}"),
                None => line,
            }
        })
        .collect()
}

/// The variant's targets on the row's metric that the reference's median would meet and the
/// variant's does not, or the other way round.
fn crossed<'a>(results: &'a RunResults, row: &RelativeRow) -> Vec<&'a TargetCheck> {
    let Some(variant) = results.variants.iter().find(|v| v.name == row.variant) else {
        return Vec::new();
    };
    let meets = |check: &TargetCheck, value: f64| match check.direction {
        Direction::AtMost => value <= check.limit,
        Direction::AtLeast => value >= check.limit,
    };
    variant
        .targets
        .iter()
        .filter(|c| c.metric == row.metric)
        .filter(|c| meets(c, row.reference.median) != meets(c, row.value.median))
        .collect()
}

fn crosses_a_target(results: &RunResults, row: &RelativeRow) -> bool {
    !crossed(results, row).is_empty()
}

/// `misses its target ≤ 3m` or `meets its target ≤ 3m`.
fn target_note(results: &RunResults, row: &RelativeRow) -> Option<String> {
    let check = crossed(results, row).into_iter().next()?;
    let word = if check.pass { "meets" } else { "misses" };
    Some(format!("{word} its target {}", check.limit_label()))
}

/// For a merge of shards, what the reference's figures say about the shards' machines, and
/// how the table copes: `None` for anything else.
pub fn machines_statement(table: &RelativeTable) -> Option<String> {
    let machines = table.machines.as_ref()?;
    let shards = 1 + machines
        .rows
        .iter()
        .map(|r| r.variant.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let how = format!(
        "each variant is compared with {} as its own shard's machine measured it, never \
         across machines",
        table.reference
    );
    let mut differ: Vec<&RelativeRow> = machines
        .rows
        .iter()
        .filter(|r| matches!(r.relation, Relation::Better | Relation::Worse))
        .collect();
    if differ.is_empty() {
        let undecided = machines
            .rows
            .iter()
            .filter(|r| r.relation == Relation::CannotTell)
            .count();
        let verdict = if undecided == 0 {
            "measured the reference alike (no difference beyond noise)".to_string()
        } else {
            format!(
                "differ by nothing beyond noise, but {undecided} of the reference's figures are \
                 too noisy to tell"
            )
        };
        return Some(format!(
            "Merged from {shards} shards: their machines {verdict}; {how}."
        ));
    }
    let size = |r: &RelativeRow| r.change.map_or(f64::INFINITY, |c| (1.0 + c).ln().abs());
    differ.sort_by(|a, b| size(b).total_cmp(&size(a)));
    let shown: Vec<String> = differ
        .iter()
        .take(3)
        .map(|r| {
            format!(
                "{} {} on {} against {} on shard {} ({}, {})",
                lowercase_first(&metric_title(&r.metric)),
                format_value(&r.metric, r.value.median),
                r.variant,
                format_value(&r.metric, r.reference.median),
                machines.first,
                change_with_interval(r),
                r.runs.after_text()
            )
        })
        .collect();
    let more = match differ.len() {
        n if n > 3 => format!(", and {} more figure(s)", n - 3),
        _ => String::new(),
    };
    Some(format!(
        "The shards' machines differ: the reference {} measured {}{more}. So {how}.",
        table.reference,
        shown.join("; ")
    ))
}

/// `3 runs per variant would narrow it to ±5%`, for the rows that cannot tell yet.
pub fn runs_hint(row: &RelativeRow) -> Option<String> {
    if row.relation != Relation::CannotTell {
        return None;
    }
    if row.test == crate::compare::TestUsed::TooFewSamples {
        return Some("a spread needs at least 2 runs per variant".to_string());
    }
    Some(match row.runs_for_5_percent {
        Some(n) => format!("{n} runs per variant would narrow it to ±5% at this spread"),
        None => "more than 100 runs per variant would be needed for ±5% at this spread".to_string(),
    })
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
