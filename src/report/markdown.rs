//! `report.md`: the run as GitHub-flavoured markdown — summary, targets, failures, charts (PNG
//! images linking to their SVGs), cold build steps, largest layers and the environment.
//!
//! Text from results (variant names, errors, commands) is escaped so that it shows as written
//! and cannot break a table or start markup.

use std::fmt::Write;

use super::render::Charts;
use super::sections::{self, Cell, Table};
use super::step_chart::NO_STEP_TIMES;
use crate::analysis::answer::{Answer, Tone};
use crate::analysis::Analysis;
use crate::format::metric_title;
use crate::results::{RunResults, VariantResult};

pub fn report_markdown(results: &RunResults, analysis: &Analysis, charts: &Charts) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# dockbench report: {}\n", escape(&results.suite));
    answer(&mut md, &analysis.answer);
    let _ = writeln!(
        md,
        "Suite file {}. {}\n",
        code_span(&results.suite_file),
        sections::run_line(results)
    );
    md.push_str("## Summary\n\n");
    md.push_str(&table(&sections::summary_table(results)));
    let _ = writeln!(
        md,
        "\nEach cell is the median ± standard deviation over the runs. \
         ✅/❌: target met/missed, judged on the median.\n"
    );
    settings(&mut md, results);
    relative(&mut md, results, analysis);
    if let Some(claims) = sections::claims_table(analysis) {
        md.push_str("## Claims\n\n");
        md.push_str(&table(&claims));
        let _ = writeln!(md, "\n{CLAIMS_NOTE}\n");
    }
    if let Some(targets) = sections::targets_table(results) {
        md.push_str("## Targets\n\n");
        md.push_str(&table(&targets));
        let _ = writeln!(md, "\n{}\n", sections::target_tally(results));
    }
    failures(&mut md, results);
    notes(&mut md, results);
    metric_charts(&mut md, charts);
    step_charts(&mut md, results, charts);
    if charts.anatomy.is_empty() {
        layers(&mut md, results);
    } else {
        image_anatomy(&mut md, results, charts);
    }
    md.push_str("## Environment\n\n");
    md.push_str(&table(&sections::environment_table(&results.environment)));
    md
}

/// The answer first, as a list: each heading line, its items nested under it.
fn answer(md: &mut String, answer: &Answer) {
    if answer.lines.is_empty() {
        return;
    }
    for line in &answer.lines {
        let indent = "  ".repeat(usize::from(line.level));
        let mark = match line.tone {
            Tone::Good => "✅ ",
            Tone::Bad => "❌ ",
            Tone::Unsure => "❔ ",
            Tone::Plain => "",
        };
        let text = escape(&line.text);
        if line.level == 0 {
            let _ = writeln!(md, "{indent}- {mark}**{text}**");
        } else {
            let _ = writeln!(md, "{indent}- {text}");
        }
    }
    md.push('\n');
}

/// How the relative table and the claims are judged, in both formats.
pub const RELATIVE_NOTE: &str = "Each change is the ratio of the medians; the interval is the \
    95% Welch interval of the ratio (on the logarithms of the samples). Verdicts use the test of \
    `dockbench compare`, adjusted for every row of this table (Benjamini–Hochberg): better or \
    worse when significant and beyond 5%; same when within 5%; cannot tell when the interval is \
    wider than that and the test is not significant. Image size and cache hit rates are exact: \
    any difference counts.";
pub const CLAIMS_NOTE: &str = "Judged from the raw samples with the same statistics, adjusted \
    over the claims: holds when the change is significant, in the claimed direction, and its \
    interval reaches the claimed figure; holds partly when it is significant and in the claimed \
    direction but short of the figure; does not hold when it is not significant or goes the \
    other way; cannot tell with fewer than 2 samples or a failed variant.";

fn relative(md: &mut String, results: &RunResults, analysis: &Analysis) {
    let Some((reference, rows, notes)) = sections::relative_table(results, analysis) else {
        return;
    };
    let _ = writeln!(md, "## Against the reference, {}\n", escape(&reference));
    for line in &notes {
        let _ = writeln!(md, "- {}", escape(line));
    }
    if !notes.is_empty() {
        md.push('\n');
    }
    md.push_str(&table(&rows));
    let _ = writeln!(md, "\n{RELATIVE_NOTE}\n");
}

fn failures(md: &mut String, results: &RunResults) {
    let failed = sections::failures(results);
    if failed.is_empty() {
        return;
    }
    md.push_str("## Failed variants\n\n");
    for (name, error) in failed {
        let _ = writeln!(md, "### {}\n\n{}\n", escape(name), code_block(error));
    }
}

/// Right below the figures: a startup under a 512 MiB limit is not one without it.
fn settings(md: &mut String, results: &RunResults) {
    let set = sections::settings(results);
    if set.is_empty() {
        return;
    }
    md.push_str("Built and run with:\n\n");
    for (name, described) in set {
        let _ = writeln!(md, "- **{}**: {}", escape(name), escape(&described));
    }
    md.push('\n');
}

fn notes(md: &mut String, results: &RunResults) {
    let noted = sections::notes(results);
    if noted.is_empty() {
        return;
    }
    md.push_str("## Notes on the figures\n\n");
    for (name, notes) in noted {
        for note in notes {
            let _ = writeln!(md, "- **{}**: {}", escape(name), escape(note));
        }
    }
    md.push('\n');
}

fn metric_charts(md: &mut String, charts: &Charts) {
    if charts.metrics.is_empty() {
        return;
    }
    md.push_str("## Charts\n\n");
    md.push_str(
        "Bars are medians, whiskers span min–max, dots are single runs; \
         red bars miss their target (dashed line). Click a chart for its SVG.\n\n",
    );
    for (metric, chart) in &charts.metrics {
        let title = metric_title(metric);
        let _ = writeln!(
            md,
            "### {} (`{metric}`)\n\n[![{}]({})]({})\n",
            escape(&title),
            escape(&title),
            chart.png,
            chart.svg_file
        );
    }
}

fn step_charts(md: &mut String, results: &RunResults, charts: &Charts) {
    if charts.steps.is_empty() {
        return;
    }
    md.push_str("## Cold build steps\n\n");
    for (name, chart) in &charts.steps {
        let _ = writeln!(md, "### {}\n", escape(name));
        let variant = results.variants.iter().find(|v| &v.name == name);
        if variant.is_some_and(|v| !super::step_chart::has_step_times(v)) {
            let _ = writeln!(md, "The {NO_STEP_TIMES}: the chart lists the steps only.\n");
        }
        let alt = format!("cold build steps of {name}");
        let _ = writeln!(
            md,
            "[![{}]({})]({})\n",
            escape(&alt),
            chart.png,
            chart.svg_file
        );
    }
}

fn layers(md: &mut String, results: &RunResults) {
    let tables: Vec<(&VariantResult, (Table, String))> = results
        .variants
        .iter()
        .filter_map(|v| sections::layers_table(v).map(|t| (v, t)))
        .collect();
    if tables.is_empty() {
        return;
    }
    let _ = writeln!(md, "## Largest layers\n");
    for (variant, (layers, note)) in tables {
        let _ = writeln!(md, "### {}\n", escape(&variant.name));
        md.push_str(&table(&layers));
        let _ = writeln!(md, "\n{}\n", escape(&note));
    }
}

fn image_anatomy(md: &mut String, results: &RunResults, charts: &Charts) {
    use super::anatomy as a;
    md.push_str("## Image anatomy\n\n");
    let _ = writeln!(md, "{}\n", a::ANATOMY_NOTE);
    for (name, layers, paths) in &charts.anatomy {
        let Some(variant) = results.variants.iter().find(|v| &v.name == name) else {
            continue;
        };
        let Some(anatomy) = &variant.anatomy else {
            continue;
        };
        let _ = writeln!(md, "### {}\n", escape(name));
        let _ = writeln!(md, "{}.\n", escape(&a::summary_line(anatomy)));
        if let Some((reference, lines)) = a::change_lines(results, variant) {
            if lines.is_empty() {
                let _ = writeln!(
                    md,
                    "Against {}: no directory changed by 1 MB or more.\n",
                    escape(&reference)
                );
            } else {
                let _ = writeln!(
                    md,
                    "What changed against {}, by directory:\n",
                    escape(&reference)
                );
                for line in &lines {
                    let _ = writeln!(md, "- {}", escape(line));
                }
                md.push('\n');
            }
        }
        let alt = format!("image layers of {name}");
        let _ = writeln!(
            md,
            "[![{}]({})]({})\n",
            escape(&alt),
            layers.png,
            layers.svg_file
        );
        md.push_str(&table(&a::layers_table(anatomy)));
        md.push('\n');
        let _ = writeln!(md, "Largest directories:\n");
        md.push_str(&table(&a::dirs_table(anatomy)));
        md.push('\n');
        let alt = format!("size by path of {name}");
        let _ = writeln!(
            md,
            "[![{}]({})]({})\n",
            escape(&alt),
            paths.png,
            paths.svg_file
        );
        match a::wasted_table(anatomy) {
            Some((wasted, note)) => {
                let _ = writeln!(md, "Wasted files:\n");
                md.push_str(&table(&wasted));
                let _ = writeln!(md, "\n{}\n", escape(&note));
            }
            None => {
                let _ = writeln!(md, "No file is overwritten or deleted by a later layer.\n");
            }
        }
    }
}

/// A GFM table. Cells are escaped; `|` is escaped even in code, where GFM still splits on it.
pub fn table(table: &Table) -> String {
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = row(table.header.iter().map(|h| escape(h)).collect());
    let rules = table
        .right_aligned
        .iter()
        .map(|&right| if right { "---:" } else { "---" }.to_string())
        .collect();
    out.push_str(&row(rules));
    for cells in &table.rows {
        out.push_str(&row(cells.iter().map(cell).collect()));
    }
    out
}

fn cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => escape(text),
        Cell::Code(code) => code_span(code).replace('|', "\\|"),
    }
}

/// Backslash-escapes markdown's punctuation and folds line breaks, so that text shows literally
/// on one line (a table cell or heading). An `_` between letters or digits is left alone: it
/// cannot start emphasis there, and `cold_build_s` stays readable in the source.
pub fn escape(text: &str) -> String {
    let folded: Vec<char> = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let mut out = String::with_capacity(folded.len());
    for (i, &c) in folded.iter().enumerate() {
        let intraword = |at: Option<&char>| at.is_some_and(|c| c.is_alphanumeric());
        let inside_word = i > 0 && intraword(folded.get(i - 1)) && intraword(folded.get(i + 1));
        let special = matches!(c, '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '&');
        if special || (c == '_' && !inside_word) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Inline code that survives backticks in the text: the fence is longer than any run of them.
fn code_span(code: &str) -> String {
    let code = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let fence = "`".repeat(longest_backtick_run(&code) + 1);
    let pad = if code.starts_with('`') || code.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{code}{pad}{fence}")
}

/// A fenced block whose fence no line of `text` can close early.
fn code_block(text: &str) -> String {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    format!("{fence}text\n{text}\n{fence}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_line_breaks() {
        assert_eq!(escape("a|b <x> *y*"), "a\\|b \\<x\\> \\*y\\*");
        assert_eq!(escape("one\ntwo"), "one two");
        assert_eq!(escape("node-20"), "node-20");
        assert_eq!(escape("cold_build_s _x_"), "cold_build_s \\_x\\_");
    }

    #[test]
    fn code_survives_backticks() {
        assert_eq!(code_span("echo `date`"), "`` echo `date` ``");
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("`x`"), "`` `x` ``");
        assert_eq!(code_block("a\n```\nb"), "````text\na\n```\nb\n````");
    }
}
