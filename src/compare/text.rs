//! The comparison for a terminal: the headline, one table row per pair with its p-value, then
//! the variants and metrics that do not pair up and the caveats. No colours, so it can be
//! snapshot-tested and pasted anywhere.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::cells::{
    change_text, medians, method_text, p_values, runs_text, target_text, test_text,
    variant_change_text, verdict_label,
};
use super::{Comparison, VariantMetric};

/// No trailing newline, so it prints with `println!`.
pub fn render_text(comparison: &Comparison) -> String {
    let mut lines = vec![format!("{}: {}", comparison.suite, comparison.headline())];
    if let Some(change) = &comparison.machine_change {
        lines.push(format!("warning: {}", change.statement()));
    }
    lines.push(format!("{}.", runs_text(comparison)));
    lines.push(method_text(comparison));
    if comparison.rows.is_empty() {
        lines.push("No (variant, metric) pair was measured in both runs.".to_string());
    } else {
        lines.push(table(comparison).to_string());
    }
    for change in &comparison.variant_changes {
        lines.push(format!("variant {}", variant_change_text(change)));
    }
    lines.extend(metric_lines("only in head", &comparison.added_metrics));
    lines.extend(metric_lines("only in base", &comparison.removed_metrics));
    lines.extend(comparison.notes.iter().map(|n| format!("note: {n}")));
    lines.join("\n")
}

fn table(comparison: &Comparison) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Disabled);
    table.set_header([
        "variant", "metric", "base", "head", "change", "verdict", "test", "adj. p", "target",
    ]);
    for row in &comparison.rows {
        let (base, head) = medians(row);
        let (_, adjusted) = p_values(&row.test);
        table.add_row([
            row.variant.clone(),
            row.metric.clone(),
            base,
            head,
            change_text(row),
            verdict_label(row.verdict).to_string(),
            test_text(&row.test),
            adjusted,
            target_text(&row.targets),
        ]);
    }
    for index in [2, 3, 4, 7] {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

fn metric_lines<'a>(
    what: &'a str,
    metrics: &'a [VariantMetric],
) -> impl Iterator<Item = String> + 'a {
    metrics
        .iter()
        .map(move |m| format!("metric {} of {}: {what}", m.metric, m.variant))
}
