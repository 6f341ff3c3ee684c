//! The comparison as a pull-request comment: a hidden marker (so a CI script can find and
//! update its own comment), a one-line headline (green only when the figures compare the
//! Dockerfiles), the caveats, then the regressions in the open. Everything a reviewer need not
//! act on is folded in `<details>`: the improvements, the other pairs, long lists of variants
//! and metrics that do not pair up, the directories that changed, and every sample and p-value.
//!
//! GitHub refuses comments over 65,536 characters, so the details stop early when a huge suite
//! would overflow; `--format json` always has everything.

use std::fmt::Write;

use super::cells::{
    change_text, medians, method_text, p_values, percent_text, runs_text, samples_text,
    target_text, test_text, variant_change_text, verdict_emoji, verdict_label,
};
use super::{Comparison, MetricRow, VariantChange, VariantChangeKind, VariantMetric, Verdict};

/// The start of the comment's first line: `<!-- dockbench-compare suite=web -->`.
pub const COMMENT_MARKER: &str = "<!-- dockbench-compare";
/// Leaves room under GitHub's 65,536-character limit for a CI script's own additions.
const MAX_COMMENT_CHARS: usize = 60_000;
/// Beyond this many rows, unchanged rows are left to the details block.
const MAX_TABLE_ROWS: usize = 40;
/// A list of variants and metrics longer than this is folded.
const MAX_OPEN_LIST: usize = 5;

/// No trailing newline.
pub fn render_markdown(comparison: &Comparison) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "{COMMENT_MARKER} suite={} -->",
        marker_safe(&comparison.suite)
    )
    .unwrap();
    // Green only when the figures compare the Dockerfiles: a faster runner is no improvement.
    let icon = if comparison.has_regression() {
        "🔴"
    } else if comparison.machine_change.is_some() {
        "⚠️"
    } else {
        "✅"
    };
    writeln!(
        out,
        "### {icon} dockbench compare `{}`: {}\n",
        cell(&comparison.suite),
        comparison.headline()
    )
    .unwrap();
    writeln!(
        out,
        "{}. Regression = significant *and* beyond {}.\n",
        runs_text(comparison),
        percent_text(comparison.settings.threshold)
    )
    .unwrap();
    if let Some(change) = &comparison.machine_change {
        writeln!(out, "> ⚠️ **{}**\n", cell(&change.statement())).unwrap();
    }
    // Caveats before the figures they qualify.
    for note in &comparison.notes {
        writeln!(out, "> ⚠️ {}\n", cell(note)).unwrap();
    }
    if comparison.rows.is_empty() {
        out.push_str("No (variant, metric) pair was measured in both runs.\n\n");
    }
    push_regressions(&mut out, comparison);
    push_improvements(&mut out, comparison);
    push_other_pairs(&mut out, &comparison.rows);
    push_lists(&mut out, comparison);
    push_path_changes(&mut out, comparison);
    push_details(&mut out, comparison);
    out.truncate(out.trim_end().len());
    out
}

/// Which directories grew or shrank, per variant, collapsed: a PR comment then says where an
/// image's bytes went without a reviewer opening the report.
fn push_path_changes(out: &mut String, comparison: &Comparison) {
    if comparison.path_changes.is_empty() {
        return;
    }
    out.push_str("<details>\n<summary>What changed by directory (image anatomy)</summary>\n\n");
    for variant in &comparison.path_changes {
        writeln!(out, "**{}**\n", cell(&variant.variant)).unwrap();
        for change in &variant.changes {
            writeln!(out, "- `{}` {}", cell(&change.dir), change.amount()).unwrap();
        }
        out.push('\n');
    }
    out.push_str(
        "Bytes shipped below each directory, in every layer (wasted copies included), \
                  head against base; changes under 1 MB are left out.\n</details>\n\n",
    );
}

/// The regressed pairs and the variants that broke, in the open: what a reviewer must act on.
fn push_regressions(out: &mut String, comparison: &Comparison) {
    let rows = rows_with(&comparison.rows, |v| v == Verdict::Regressed);
    let broke = changes_of(comparison, |k| k == VariantChangeKind::Broke);
    if rows.is_empty() && broke.is_empty() {
        return;
    }
    writeln!(out, "#### 🔴 Regressions\n").unwrap();
    push_table(out, &rows);
    push_changes(out, &broke);
}

/// The improved pairs and the variants that got fixed, folded: good news needs no action.
fn push_improvements(out: &mut String, comparison: &Comparison) {
    let rows = rows_with(&comparison.rows, |v| v == Verdict::Improved);
    let fixed = changes_of(comparison, |k| k == VariantChangeKind::Fixed);
    let count = rows.len() + fixed.len();
    if count == 0 {
        return;
    }
    let summary = match count {
        1 => "🟢 1 improvement".to_string(),
        n => format!("🟢 {n} improvements"),
    };
    writeln!(out, "<details>\n<summary>{summary}</summary>\n").unwrap();
    push_table(out, &rows);
    push_changes(out, &fixed);
    out.push_str("</details>\n\n");
}

/// Every other pair (unchanged, within noise, not judged), folded, with their count by
/// verdict; beyond [`MAX_TABLE_ROWS`] pairs in all, the unchanged ones are left to the details.
fn push_other_pairs(out: &mut String, all: &[MetricRow]) {
    let others = rows_with(all, |v| {
        !matches!(v, Verdict::Regressed | Verdict::Improved)
    });
    if others.is_empty() {
        return;
    }
    let counts: Vec<String> = [Verdict::Unchanged, Verdict::WithinNoise, Verdict::NotJudged]
        .into_iter()
        .filter_map(|verdict| {
            let n = others.iter().filter(|r| r.verdict == verdict).count();
            (n > 0).then(|| format!("{n} {}", verdict_label(verdict)))
        })
        .collect();
    writeln!(
        out,
        "<details>\n<summary>{} other pairs: {}</summary>\n",
        others.len(),
        counts.join(", ")
    )
    .unwrap();
    let shown: Vec<&MetricRow> = if all.len() > MAX_TABLE_ROWS {
        others
            .iter()
            .copied()
            .filter(|r| r.verdict != Verdict::Unchanged)
            .collect()
    } else {
        others.clone()
    };
    push_table(out, &shown);
    let hidden = others.len() - shown.len();
    if hidden > 0 {
        writeln!(
            out,
            "{hidden} unchanged pairs are listed in the details only.\n"
        )
        .unwrap();
    }
    out.push_str("</details>\n\n");
}

fn rows_with(rows: &[MetricRow], keep: impl Fn(Verdict) -> bool) -> Vec<&MetricRow> {
    rows.iter().filter(|r| keep(r.verdict)).collect()
}

fn changes_of(
    comparison: &Comparison,
    keep: impl Fn(VariantChangeKind) -> bool,
) -> Vec<&VariantChange> {
    comparison
        .variant_changes
        .iter()
        .filter(|c| keep(c.kind))
        .collect()
}

fn push_table(out: &mut String, rows: &[&MetricRow]) {
    if rows.is_empty() {
        return;
    }
    // The runs beside the verdict they were reached after (base vs head when they differ).
    out.push_str("| variant | metric | base | head | change | verdict | runs | target (head) |\n");
    out.push_str("|---|---|---:|---:|---:|---|---:|---|\n");
    for row in rows {
        let (base, head) = medians(row);
        writeln!(
            out,
            "| {} | {} | {base} | {head} | {} | {} {} | {} | {} |",
            cell(&row.variant),
            cell(&row.metric),
            change_text(row),
            verdict_emoji(row.verdict),
            verdict_label(row.verdict),
            row.runs.count_text(),
            target_text(&row.targets)
        )
        .unwrap();
    }
    out.push('\n');
}

fn push_changes(out: &mut String, changes: &[&VariantChange]) {
    if changes.is_empty() {
        return;
    }
    for change in changes {
        writeln!(out, "- variant {}", cell(&variant_change_text(change))).unwrap();
    }
    out.push('\n');
}

/// The variants that neither broke nor got fixed (failed in both, added, removed) and the
/// metrics measured on one side only: in the open while short, folded when long.
fn push_lists(out: &mut String, comparison: &Comparison) {
    let variants = changes_of(comparison, |k| {
        !matches!(k, VariantChangeKind::Broke | VariantChangeKind::Fixed)
    });
    let items = variants.len() + comparison.added_metrics.len() + comparison.removed_metrics.len();
    if items == 0 {
        return;
    }
    let folded = items > MAX_OPEN_LIST;
    if folded {
        writeln!(
            out,
            "<details>\n<summary>{items} variants and metrics that do not pair up</summary>\n"
        )
        .unwrap();
    }
    if !variants.is_empty() {
        out.push_str("**Variants**\n\n");
        for change in &variants {
            writeln!(out, "- {}", cell(&variant_change_text(change))).unwrap();
        }
        out.push('\n');
    }
    push_metric_list(out, "Metrics only in head", &comparison.added_metrics);
    push_metric_list(out, "Metrics only in base", &comparison.removed_metrics);
    if folded {
        out.push_str("</details>\n\n");
    }
}

fn push_metric_list(out: &mut String, title: &str, metrics: &[VariantMetric]) {
    if metrics.is_empty() {
        return;
    }
    let names: Vec<String> = metrics
        .iter()
        .map(|m| format!("{} {}", cell(&m.variant), cell(&m.metric)))
        .collect();
    writeln!(out, "**{title}**: {}\n", names.join(", ")).unwrap();
}

fn push_details(out: &mut String, comparison: &Comparison) {
    if comparison.rows.is_empty() {
        return;
    }
    out.push_str("<details>\n<summary>Details: samples, tests and p-values</summary>\n\n");
    writeln!(
        out,
        "*Regressed* / *improved*: significant and the median moved by more than the threshold; \
         *unchanged*: real but within the threshold, or an interval within ±threshold; \
         *within noise*: too noisy to tell (more runs would). Significance: Welch's t-test, \
         two-sided, on the logarithms of the samples (timing noise is multiplicative); image \
         size and cache hit rates have no noise and are compared exactly, unchanged within \
         64 kB or 0.1% for sizes. {}\n",
        method_text(comparison)
    )
    .unwrap();
    out.push_str(
        "| variant | metric | base samples | head samples | n | test | p | adjusted p |\n",
    );
    out.push_str("|---|---|---|---|---|---|---:|---:|\n");
    let closing = "\n</details>";
    for (i, row) in comparison.rows.iter().enumerate() {
        let line = detail_line(row);
        if out.len() + line.len() + closing.len() + 200 > MAX_COMMENT_CHARS {
            let left = comparison.rows.len() - i;
            writeln!(
                out,
                "\n{left} more rows cut to fit a GitHub comment: see `--format json`."
            )
            .unwrap();
            break;
        }
        out.push_str(&line);
    }
    out.push_str(closing);
}

fn detail_line(row: &MetricRow) -> String {
    let (p, adjusted) = p_values(&row.test);
    format!(
        "| {} | {} | {} | {} | {} / {} | {} | {p} | {adjusted} |\n",
        cell(&row.variant),
        cell(&row.metric),
        samples_text(&row.metric, &row.base.samples),
        samples_text(&row.metric, &row.head.samples),
        row.base.samples.len(),
        row.head.samples.len(),
        test_text(&row.test)
    )
}

/// Text that cannot break a table row or inject HTML: pipes escaped, angle brackets as
/// entities, newlines as spaces.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

/// A suite name inside an HTML comment, which must not contain `--` nor end in `-`: such
/// dashes, whitespace and anything unusual become `%XX` (UTF-8 bytes), so a script can still
/// match the name exactly.
fn marker_safe(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let lone_dash = c == '-'
            && chars.get(i + 1).is_some_and(|&n| n != '-')
            && (i == 0 || chars[i - 1] != '-');
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/') || lone_dash {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                write!(out, "%{byte:02X}").unwrap();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_names_survive_an_html_comment() {
        assert_eq!(marker_safe("fixture-build"), "fixture-build");
        assert_eq!(marker_safe("a--b"), "a%2D%2Db");
        assert_eq!(marker_safe("web-"), "web%2D");
        assert_eq!(marker_safe("my suite>1"), "my%20suite%3E1");
        assert_eq!(marker_safe("é"), "%C3%A9");
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b<c>\nd"), "a\\|b&lt;c&gt; d");
    }
}
