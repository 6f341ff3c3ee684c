//! The words and numbers shared by the markdown and text renderings of a comparison, so a
//! verdict or a change reads the same in a PR comment and in a terminal.

use super::{
    Comparison, MetricRow, TargetOutcome, TestUsed, VariantChange, VariantChangeKind, Verdict,
};
use crate::format::{format_against_limits, format_value};

/// An error is cut to its first line, and to this many characters.
const ERROR_MAX_CHARS: usize = 120;

pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Improved => "improved",
        Verdict::Regressed => "regressed",
        Verdict::Unchanged => "unchanged",
        Verdict::WithinNoise => "within noise",
        Verdict::NotJudged => "not judged",
    }
}

pub fn verdict_emoji(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Improved => "🟢",
        Verdict::Regressed => "🔴",
        Verdict::Unchanged => "⚪",
        Verdict::WithinNoise => "🟡",
        Verdict::NotJudged => "⚠️",
    }
}

/// The base and head medians, each with enough digits to tell it from the other.
pub fn medians(row: &MetricRow) -> (String, String) {
    let (base, head) = (row.base.median, row.head.median);
    (
        format_against_limits(&row.metric, base, &[head]),
        format_against_limits(&row.metric, head, &[base]),
    )
}

/// `+13.9%`, `-4.0%`, `0.0%`; `from 0` for a change from a zero median (no ratio).
pub fn change_text(row: &MetricRow) -> String {
    match row.relative_change {
        None => "from 0".to_string(),
        Some(0.0) => "0.0%".to_string(),
        Some(c) => format!("{:+.1}%", c * 100.0),
    }
}

/// `✓ ≤ 3m`, `✗ ≥ 80%`, `—` when no target is set.
pub fn target_text(targets: &[TargetOutcome]) -> String {
    if targets.is_empty() {
        return "—".to_string();
    }
    let marks: Vec<String> = targets
        .iter()
        .map(|t| format!("{} {}", if t.pass { "✓" } else { "✗" }, t.limit))
        .collect();
    marks.join(", ")
}

/// `Welch t = 2.45, df = 4.0`, `exact`, `none (n < 2)`.
pub fn test_text(test: &TestUsed) -> String {
    match *test {
        TestUsed::Exact => "exact".to_string(),
        TestUsed::TooFewSamples => "none (n < 2)".to_string(),
        TestUsed::Welch { t, df, .. } if t.is_infinite() => {
            format!("Welch, no variance (df = {df:.0})")
        }
        TestUsed::Welch {
            log_scale: true,
            t,
            df,
            ..
        } => format!("Welch on logs t = {t:.2}, df = {df:.1}"),
        TestUsed::Welch { t, df, .. } => format!("Welch t = {t:.2}, df = {df:.1}"),
    }
}

/// The raw and adjusted p-values, `—` where no test was run.
pub fn p_values(test: &TestUsed) -> (String, String) {
    match *test {
        TestUsed::Welch {
            p_value,
            adjusted_p,
            ..
        } => (p_text(p_value), p_text(adjusted_p)),
        TestUsed::Exact | TestUsed::TooFewSamples => ("—".to_string(), "—".to_string()),
    }
}

/// `0.012`, `<0.001`.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "<0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// Every sample in the metric's unit, in run order: `1.17 s, 1.43 s`.
pub fn samples_text(metric_name: &str, samples: &[f64]) -> String {
    let shown: Vec<String> = samples
        .iter()
        .map(|&v| format_value(metric_name, v))
        .collect();
    shown.join(", ")
}

/// `broken: failed in head, ok in base (regression): <first line of the error>`.
pub fn variant_change_text(change: &VariantChange) -> String {
    let what = match change.kind {
        VariantChangeKind::Broke => "failed in head, ok in base (regression)",
        VariantChangeKind::Fixed => "ok in head, failed in base (fixed)",
        VariantChangeKind::FailedInBoth => "failed in both runs",
        VariantChangeKind::Added => "added (only in head)",
        VariantChangeKind::Removed => "removed (only in base)",
    };
    let failed_too = matches!(
        change.kind,
        VariantChangeKind::Added | VariantChangeKind::Removed
    );
    match &change.error {
        Some(error) if failed_too => {
            format!("{}: {what}, failed: {}", change.variant, first_line(error))
        }
        Some(error) => format!("{}: {what}: {}", change.variant, first_line(error)),
        None => format!("{}: {what}", change.variant),
    }
}

/// `Threshold 5%, alpha 0.05 (Benjamini–Hochberg over 12 Welch tests).`
pub fn method_text(comparison: &Comparison) -> String {
    let tests = comparison
        .rows
        .iter()
        .filter(|r| matches!(r.test, TestUsed::Welch { .. }))
        .count();
    format!(
        "Threshold {}, alpha {} (Benjamini–Hochberg over {tests} Welch test{}).",
        percent_text(comparison.settings.threshold),
        comparison.settings.alpha,
        if tests == 1 { "" } else { "s" }
    )
}

/// `Base: 3 runs started 2026-11-23T07:41:05Z; head: 3 to 7 runs started 2026-11-24T08:00:00Z`.
pub fn runs_text(comparison: &Comparison) -> String {
    let side = |info: &super::RunInfo| {
        let unfinished = if info.finished { "" } else { ", unfinished" };
        format!(
            "{} started {}{unfinished}",
            info.runs_label, info.started_at
        )
    };
    format!(
        "Base: {}; head: {}",
        side(&comparison.base),
        side(&comparison.head)
    )
}

/// 0.05 -> `5%`, 0.025 -> `2.5%`: no float noise like `7.000000000000001%`.
pub fn percent_text(fraction: f64) -> String {
    let percent = (fraction * 100.0 * 1e6).round() / 1e6;
    format!("{percent}%")
}

fn first_line(error: &str) -> String {
    let mut lines = error.trim().lines();
    let first = lines.next().unwrap_or("").trim_end();
    let mut shown: String = first.chars().take(ERROR_MAX_CHARS).collect();
    if lines.next().is_some() || first.chars().count() > ERROR_MAX_CHARS {
        shown.push_str(" …");
    }
    if shown.is_empty() {
        shown.push_str("no error message");
    }
    shown
}
