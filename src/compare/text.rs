//! The comparison for a terminal: the headline, the pairs with their verdicts, then the
//! variants and metrics that do not pair up and the caveats, all within the terminal's width.
//!
//! The pairs are a table with every column (test and adjusted p included) where that fits;
//! narrower, the test and then the p-value give way (`--format json` has both); narrower still,
//! one line per pair under its variant, verdict first, wrapped with a hanging indent. Colour
//! (verdicts, marks, failures) is inserted after the layout, so it changes no width.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::cells::{
    change_text, medians, method_text, p_values, runs_text, target_text, test_text,
    variant_change_text, verdict_label,
};
use super::{Comparison, MetricRow, VariantChange, VariantChangeKind, VariantMetric, Verdict};
use crate::report::paint::{paint_cells, visible_width, Paint};
use crate::report::table::{wrapped, wrapped_painted, DEFAULT_WIDTH};

/// The text for a [`DEFAULT_WIDTH`] terminal, without colour; no trailing newline.
pub fn render_text(comparison: &Comparison) -> String {
    painted_text(comparison, DEFAULT_WIDTH, Paint::PLAIN)
}

/// The text for a terminal of `width` columns, coloured by `paint`; no trailing newline, so it
/// prints with `println!`.
pub fn painted_text(comparison: &Comparison, width: usize, paint: Paint) -> String {
    let mut out = String::new();
    let headline = format!("{}: {}", comparison.suite, comparison.headline());
    out.push_str(&wrapped_painted(&headline, "", width, |t| {
        headline_colour(comparison, paint, t)
    }));
    if let Some(change) = &comparison.machine_change {
        let warning = format!("{} {}", paint.unsure("warning:"), change.statement());
        out.push_str(&wrapped(&warning, "", width));
    }
    out.push_str(&wrapped(&format!("{}.", runs_text(comparison)), "", width));
    out.push_str(&wrapped(&method_text(comparison), "", width));
    if comparison.rows.is_empty() {
        out.push_str("No (variant, metric) pair was measured in both runs.\n");
    } else {
        out.push_str(&pairs(&comparison.rows, width, paint));
    }
    for change in &comparison.variant_changes {
        let text = format!("variant {}", variant_change_text(change));
        out.push_str(&wrapped_painted(&text, "", width, |t| {
            change_colour(change, paint, t)
        }));
    }
    let lines = metric_lines("only in head", &comparison.added_metrics)
        .chain(metric_lines("only in base", &comparison.removed_metrics))
        .chain(comparison.notes.iter().map(|n| format!("note: {n}")));
    for line in lines {
        out.push_str(&wrapped(&line, "", width));
    }
    out.truncate(out.trim_end().len());
    out
}

/// Red with a regression, yellow when the machine changed (never green then), green else.
fn headline_colour(comparison: &Comparison, paint: Paint, text: &str) -> String {
    if comparison.has_regression() {
        paint.bad(text)
    } else if comparison.machine_change.is_some() {
        paint.unsure(text)
    } else {
        paint.good(text)
    }
}

fn change_colour(change: &VariantChange, paint: Paint, text: &str) -> String {
    match change.kind {
        VariantChangeKind::Broke | VariantChangeKind::FailedInBoth => paint.bad(text),
        VariantChangeKind::Fixed => paint.good(text),
        VariantChangeKind::Added | VariantChangeKind::Removed => text.to_string(),
    }
}

fn verdict_colour(verdict: Verdict, paint: Paint, text: &str) -> String {
    match verdict {
        Verdict::Regressed => paint.bad(text),
        Verdict::Improved => paint.good(text),
        Verdict::WithinNoise | Verdict::NotJudged => paint.unsure(text),
        Verdict::Unchanged => text.to_string(),
    }
}

/// A column of the pairs table.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    Variant,
    Metric,
    Base,
    Head,
    Change,
    Verdict,
    /// The runs the verdict was reached after.
    Runs,
    Test,
    AdjustedP,
    Target,
}

impl Column {
    fn header(self) -> &'static str {
        match self {
            Column::Variant => "variant",
            Column::Metric => "metric",
            Column::Base => "base",
            Column::Head => "head",
            Column::Change => "change",
            Column::Verdict => "verdict",
            Column::Runs => "runs",
            Column::Test => "test",
            Column::AdjustedP => "adj. p",
            Column::Target => "target",
        }
    }

    fn cell(self, row: &MetricRow) -> String {
        match self {
            Column::Variant => row.variant.clone(),
            Column::Metric => row.metric.clone(),
            Column::Base => medians(row).0,
            Column::Head => medians(row).1,
            Column::Change => change_text(row),
            Column::Verdict => verdict_label(row.verdict).to_string(),
            Column::Runs => row.runs.count_text(),
            Column::Test => test_text(&row.test),
            Column::AdjustedP => p_values(&row.test).1,
            Column::Target => target_text(&row.targets),
        }
    }

    fn numeric(self) -> bool {
        matches!(
            self,
            Column::Base | Column::Head | Column::Change | Column::Runs | Column::AdjustedP
        )
    }
}

/// The tables tried, widest first: every column, then without the test, then without the
/// p-value too.
const LAYOUTS: [&[Column]; 3] = [
    &[
        Column::Variant,
        Column::Metric,
        Column::Base,
        Column::Head,
        Column::Change,
        Column::Verdict,
        Column::Runs,
        Column::Test,
        Column::AdjustedP,
        Column::Target,
    ],
    &[
        Column::Variant,
        Column::Metric,
        Column::Base,
        Column::Head,
        Column::Change,
        Column::Verdict,
        Column::Runs,
        Column::AdjustedP,
        Column::Target,
    ],
    &[
        Column::Variant,
        Column::Metric,
        Column::Base,
        Column::Head,
        Column::Change,
        Column::Verdict,
        Column::Runs,
        Column::Target,
    ],
];

/// The pairs in the widest layout that fits `width`, each line ending in a newline.
fn pairs(rows: &[MetricRow], width: usize, paint: Paint) -> String {
    for columns in LAYOUTS {
        let text = table(rows, columns).to_string();
        if visible_width(&text) <= width {
            let mut out = String::new();
            for line in text.lines() {
                out.push_str(&paint_table_line(line, rows, columns, paint));
                out.push('\n');
            }
            return out;
        }
    }
    listed(rows, width, paint)
}

fn table(rows: &[MetricRow], columns: &[Column]) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(columns.iter().map(|c| c.header()));
    for row in rows {
        table.add_row(columns.iter().map(|c| c.cell(row)));
    }
    for (index, column) in columns.iter().enumerate() {
        if let (true, Some(c)) = (column.numeric(), table.column_mut(index)) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// A table line with its verdict and target marks coloured: the verdict cell by what it
/// says (its label is one of a few fixed words), the marks anywhere in the target cell.
fn paint_table_line(line: &str, rows: &[MetricRow], columns: &[Column], paint: Paint) -> String {
    if !paint.is_on() {
        return line.to_string();
    }
    paint_cells(line, |index, cell| match columns.get(index) {
        Some(Column::Verdict) => {
            let label = cell.trim();
            let verdict = rows
                .iter()
                .map(|r| r.verdict)
                .find(|v| verdict_label(*v) == label);
            match verdict {
                Some(v) => cell.replacen(label, &verdict_colour(v, paint, label), 1),
                None => cell.to_string(),
            }
        }
        Some(Column::Target) => cell
            .replace('✓', &paint.good("✓"))
            .replace('✗', &paint.bad("✗")),
        _ => cell.to_string(),
    })
}

/// One line per pair under its variant, verdict first (so it is always on the first line):
/// `  regressed: cold_build_s 12.20 s → 15.00 s (+23.0%); target ✗ ≤ 14s`.
/// The runs go in the variant's line when all its pairs share them (`alpine, after 3 runs:`),
/// else in each pair's line: the lines stay short enough to keep a target on its line.
fn listed(rows: &[MetricRow], width: usize, paint: Paint) -> String {
    let mut out = String::new();
    let mut variant: Option<&str> = None;
    let mut shared: Option<super::Runs> = None;
    for row in rows {
        if variant != Some(row.variant.as_str()) {
            let mut runs = rows
                .iter()
                .filter(|r| r.variant == row.variant)
                .map(|r| r.runs);
            let first = runs.next();
            shared = first.filter(|&f| runs.all(|r| r == f));
            let heading = match shared {
                Some(runs) => format!("{}, {}:", row.variant, runs.after_text()),
                None => format!("{}:", row.variant),
            };
            out.push_str(&wrapped(&heading, "", width));
            variant = Some(&row.variant);
        }
        let change = match shared {
            Some(_) => change_text(row),
            None => format!("{}, {}", change_text(row), row.runs.after_text()),
        };
        let (base, head) = medians(row);
        let target = match row.targets.is_empty() {
            true => String::new(),
            false => format!("; target {}", target_text(&row.targets)),
        };
        let target = target
            .replace('✓', &paint.good("✓"))
            .replace('✗', &paint.bad("✗"));
        let label = verdict_label(row.verdict);
        let text = format!(
            "{}: {} {base} → {head} ({change}){target}",
            verdict_colour(row.verdict, paint, label),
            row.metric,
        );
        out.push_str(&wrapped(&text, "  ", width));
    }
    out
}

fn metric_lines<'a>(
    what: &'a str,
    metrics: &'a [VariantMetric],
) -> impl Iterator<Item = String> + 'a {
    metrics
        .iter()
        .map(move |m| format!("metric {} of {}: {what}", m.metric, m.variant))
}
