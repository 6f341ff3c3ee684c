//! The words of the relative table, shared by the terminal, report.md and report.html so that
//! a finding reads the same everywhere.

use super::{Relation, RelativeRow, RelativeTable};
use crate::format::{format_value, metric_title};
use crate::metric::{self, Unit};

/// `better`, `worse`, `same`, `cannot tell with 3 samples`.
pub fn relation_text(row: &RelativeRow) -> String {
    match row.relation {
        Relation::Better => "better".to_string(),
        Relation::Worse => "worse".to_string(),
        Relation::Same => "same".to_string(),
        Relation::CannotTell if row.samples == 1 => "cannot tell with 1 sample".to_string(),
        Relation::CannotTell => format!("cannot tell with {} samples", row.samples),
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

/// The change with its interval: `-42% [-55%, -25%]`, `+26.3% (exact)`, `from 0`.
pub fn change_with_interval(row: &RelativeRow) -> String {
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

/// A table cell's second line: `-42% better`, `+3.1% same`, `+20% ?` (cannot tell).
pub fn change_cell(row: &RelativeRow) -> String {
    let change = row.change.map_or("from 0".to_string(), percent);
    let mark = match row.relation {
        Relation::Better => "better",
        Relation::Worse => "worse",
        Relation::Same => "same",
        Relation::CannotTell => "?",
    };
    format!("{change} {mark}")
}

/// hyperfine's way of saying it: `split-deps: rebuild time after edit “source” 1.73× faster
/// than baseline [1.52–1.95×]`. Hit rates, which are already fractions, are given as levels.
pub fn finding_line(row: &RelativeRow, reference: &str) -> String {
    let what = lowercase_first(&metric_title(&row.metric));
    let (r, v) = (row.reference.median, row.value.median);
    // Fractions are levels already, and a count's ratio hides a change of a few (470 files
    // against 469 is "1.00×"): both read as the two values.
    let unit = metric::unit_of(&row.metric);
    if matches!(unit, Unit::Fraction | Unit::Count) || row.change.is_none() {
        return format!(
            "{}: {what} {} against {} for {reference}",
            row.variant,
            format_value(&row.metric, v),
            format_value(&row.metric, r),
        );
    }
    let (less, more) = match metric::unit_of(&row.metric) {
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
        Some((lo, hi)) => format!(" [{lo:.2}–{hi:.2}×]"),
        None => " (exact)".to_string(),
    };
    format!(
        "{}: {what} {times:.2}× {word} than {reference}{tail}",
        row.variant
    )
}

/// The findings that matter most: the `max` largest changes judged better or worse, largest
/// first, as [`finding_line`]s.
pub fn findings(table: &RelativeTable, max: usize) -> Vec<String> {
    let mut decided: Vec<&RelativeRow> = table
        .rows
        .iter()
        .filter(|r| matches!(r.relation, Relation::Better | Relation::Worse))
        .collect();
    // By the size of the change on a log scale (2× faster and 2× slower weigh the same); a
    // change from zero has no ratio and comes first.
    let size = |r: &RelativeRow| r.change.map_or(f64::INFINITY, |c| (1.0 + c).ln().abs());
    decided.sort_by(|a, b| size(b).total_cmp(&size(a)));
    decided
        .into_iter()
        .take(max)
        .map(|r| finding_line(r, &table.reference))
        .collect()
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
                "{} {} on {} against {} on shard {} ({})",
                lowercase_first(&metric_title(&r.metric)),
                format_value(&r.metric, r.value.median),
                r.variant,
                format_value(&r.metric, r.reference.median),
                machines.first,
                change_with_interval(r)
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
