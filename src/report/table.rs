//! The terminal summary: the figures of every variant (median with its spread, and where a
//! target is set whether it passed), each with its change against the reference variant; then
//! the findings that matter most, hyperfine-style, the claims' verdicts and the target tally.
//!
//! Variants are rows and metrics columns while that fits the width; otherwise metrics are rows
//! and variants columns (in as many blocks of columns as the width needs), since a suite has
//! more metrics than a terminal has room for columns.
//!
//! The rendered text depends only on the results and the width, so it can be snapshot-tested
//! and pasted into an issue as it is; colour (verdicts, marks, misses) is only ever inserted
//! around text already laid out, so it changes no width and no word.

use std::collections::HashMap;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::paint::{paint_cells, Paint};
use super::sections::checks_of;
use crate::analysis::Runs;
use crate::analysis::{Analysis, Answer};
use crate::claims::ClaimJudgement;
use crate::format::median_with_spread;
use crate::relative::{self, RelativeRow, RelativeTable};
use crate::results::metric_columns;
use crate::results::{RunResults, Status, VariantResult};
use crate::targets::TargetCheck;

/// Shown for a metric a variant has no value for.
pub const MISSING: &str = "—";
/// An error message longer than this (in characters) is cut under the table.
const ERROR_MAX_CHARS: usize = 120;
/// The width when output is not a terminal (a CI log, a file).
pub const DEFAULT_WIDTH: usize = 100;
/// How many findings follow the table.
const MAX_FINDINGS: usize = 5;

/// The summary for a terminal of `width` columns: table, limits and failures, findings against
/// the reference, claims, and the target tally. No trailing newline, so it prints with
/// `println!`. Without colour: see [`painted_summary`].
pub fn summary_table(results: &RunResults, analysis: &Analysis, width: usize) -> String {
    painted_summary(results, analysis, width, Paint::PLAIN)
}

/// [`summary_table`] with its verdicts, marks and misses coloured by `paint`.
pub fn painted_summary(
    results: &RunResults,
    analysis: &Analysis,
    width: usize,
    paint: Paint,
) -> String {
    let columns: Vec<Column> = metric_columns(&results.variants)
        .into_iter()
        .map(|metric| Column::new(metric, &results.variants))
        .collect();
    let relative = analysis.relative.as_ref();
    let changes = Changes::new(relative);
    let reference = relative.map(|t| t.reference.as_str());
    let wide = variants_table(&results.variants, &columns, &changes, reference).to_string();
    // The answer first; the figures it comes from follow.
    let mut out = answer_text(&analysis.answer, width, paint);
    // Laid out without colour, so the choice between the two shapes counts only what shows.
    let table = if widest_line(&wide) <= width {
        wide
    } else {
        transposed(&results.variants, &columns, &changes, reference, width)
    };
    // Only the figures are coloured: not column 0 (the variant, or the metric when turned),
    // nor a header (a variant's name, when turned, which may well be `failed`).
    let mut in_header = false;
    for line in table.lines() {
        in_header = match line.chars().next() {
            Some('┌') => true,
            Some('╞') => false,
            _ => in_header,
        };
        out.push_str(&paint_cells(line, |column, cell| {
            if column == 0 || in_header {
                cell.to_string()
            } else {
                paint_cell(cell, paint)
            }
        }));
        out.push('\n');
    }
    // Right below the figures: a startup under a 512 MiB limit is not one without it.
    let mut notes = String::new();
    for variant in results.variants.iter().filter(|v| !v.settings.is_default()) {
        notes.push_str(&format!(
            "{}: {}\n",
            variant.name,
            variant.settings.describe()
        ));
    }
    for variant in &results.variants {
        if variant.status == Status::Failed {
            notes.push_str(&failure_line(variant, paint));
            notes.push('\n');
        }
    }
    if let Some(table) = relative {
        notes.push_str(&findings_text(table, results));
    }
    notes.push_str(&claims_text(&analysis.claims, paint));
    notes.push_str(&target_tally(&results.variants, paint));
    // Every line below the table wrapped to the width, continuations hanging under their line.
    let lines: Vec<String> = notes
        .lines()
        .map(|line| {
            let text = line.trim_start();
            let indent = &line[..line.len() - text.len()];
            wrapped(text, indent, width)
        })
        .collect();
    out.push_str(lines.concat().trim_end_matches('\n'));
    out
}

/// `python-api · results/python-api/2026-12-07T16-20-34Z · Docker 28.5.2 (containerd store)`:
/// what the summary below is of.
pub fn heading(results: &RunResults, dir: &std::path::Path) -> String {
    let engine = match &results.environment.engine {
        Some(e) => format!(
            "{} {} ({})",
            e.kind.name(),
            e.docker_version,
            e.store_label()
        ),
        None => "unknown engine".to_string(),
    };
    format!("{} · {} · {engine}", results.suite, dir.display())
}

/// The answer's lines, items indented under their heading, then a blank line. Each line is
/// coloured by its tone after wrapping, one terminal line at a time, so no colour spans a
/// line break.
fn answer_text(answer: &Answer, width: usize, paint: Paint) -> String {
    if answer.lines.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for line in &answer.lines {
        let indent = "  ".repeat(usize::from(line.level));
        out.push_str(&wrapped_painted(&line.text, &indent, width, |t| {
            paint.tone(line.tone, t)
        }));
    }
    out.push('\n');
    out
}

/// `text` wrapped to `width` columns, its first line indented by `indent` and the rest by two
/// spaces more (a hanging indent), each line ending in a newline. Words are never broken, not
/// even at a hyphen: `2026-11-29T03:19:32Z` and `split-deps` are names, not prose.
pub fn wrapped(text: &str, indent: &str, width: usize) -> String {
    let hanging = format!("{indent}  ");
    let options = textwrap::Options::new(width.max(20))
        .initial_indent(indent)
        .subsequent_indent(&hanging)
        .break_words(false)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = String::new();
    for line in textwrap::wrap(text, options) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// [`wrapped`], with `colour` applied to each line's text after its indent: a colour never
/// spans a line break, and never counts in a width.
pub fn wrapped_painted(
    text: &str,
    indent: &str,
    width: usize,
    colour: impl Fn(&str) -> String,
) -> String {
    let mut out = String::new();
    for row in wrapped(text, indent, width).lines() {
        let text = row.trim_start();
        out.push_str(&row[..row.len() - text.len()]);
        out.push_str(&colour(text));
        out.push('\n');
    }
    out
}

/// `COLUMNS` when it is set to a number (the convention of `ls` and git: a width asked for,
/// piped or not), else the terminal's width when standard output is one, else
/// [`DEFAULT_WIDTH`].
pub fn terminal_width() -> usize {
    use std::io::IsTerminal;
    let columns = std::env::var("COLUMNS").ok();
    if let Some(width) = columns.and_then(|c| c.trim().parse::<usize>().ok()) {
        if width > 0 {
            return width;
        }
    }
    if !std::io::stdout().is_terminal() {
        return DEFAULT_WIDTH;
    }
    Table::new().width().map_or(DEFAULT_WIDTH, usize::from)
}

/// Each (variant, metric)'s row of the relative table.
struct Changes<'a> {
    rows: HashMap<(&'a str, &'a str), &'a RelativeRow>,
}

impl<'a> Changes<'a> {
    fn new(table: Option<&'a RelativeTable>) -> Changes<'a> {
        let rows = table
            .map(|t| {
                t.rows
                    .iter()
                    .map(|r| ((r.variant.as_str(), r.metric.as_str()), r))
                    .collect()
            })
            .unwrap_or_default();
        Changes { rows }
    }

    /// The second line of a cell: `-42% better`; `-42% better (5 vs 1)` when its runs are not
    /// the ones the runs row gives for the reference and the variant (an image anatomy, taken
    /// once per variant; a metric missing from a failed run), so that every verdict says
    /// which runs it was reached after.
    fn line(&self, variant: &str, metric: &str) -> Option<String> {
        let row = self.rows.get(&(variant, metric))?;
        let cell = relative::change_cell(row);
        let typical = Runs {
            base: self.typical(|_| true, |r| r.runs.base)?,
            head: self.typical(|r| r.variant == variant, |r| r.runs.head)?,
        };
        if row.runs == typical {
            Some(cell)
        } else {
            Some(format!("{cell} ({})", row.runs.count_text()))
        }
    }

    /// The most common run count of `side` among the rows kept by `keep` (on a tie, the
    /// larger): what most of those verdicts were reached after.
    fn typical(
        &self,
        keep: impl Fn(&RelativeRow) -> bool,
        side: impl Fn(&RelativeRow) -> usize,
    ) -> Option<usize> {
        let mut counts: HashMap<usize, usize> = HashMap::new();
        for row in self.rows.values().filter(|r| keep(r)) {
            *counts.entry(side(row)).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by_key(|&(runs, n)| (n, runs))
            .map(|(runs, _)| runs)
    }

    /// The "runs" cell of a variant: the runs most of its verdicts against the reference were
    /// reached after (a change reached after others says so in its cell); without verdicts,
    /// its own most common number of samples.
    fn runs_cell(&self, variant: &VariantResult, reference: Option<&str>) -> String {
        let judged = if reference == Some(variant.name.as_str()) {
            self.typical(|_| true, |r| r.runs.base)
        } else {
            self.typical(|r| r.variant == variant.name, |r| r.runs.head)
        };
        let own = || {
            let mut counts: HashMap<usize, usize> = HashMap::new();
            for summary in variant.metrics.values() {
                *counts.entry(summary.samples.len()).or_default() += 1;
            }
            counts
                .into_iter()
                .max_by_key(|&(runs, n)| (n, runs))
                .map(|(runs, _)| runs)
        };
        judged
            .or_else(own)
            .map_or(MISSING.to_string(), |runs| runs.to_string())
    }
}

fn widest_line(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// `baseline (reference)` for the reference variant.
fn variant_label(name: &str, reference: Option<&str>) -> String {
    if reference == Some(name) {
        format!("{name}\n(reference)")
    } else {
        name.to_string()
    }
}

/// The findings that matter most, and how the verdicts were reached.
fn findings_text(table: &RelativeTable, results: &RunResults) -> String {
    let mut out = String::new();
    if let Some(statement) = relative::machines_statement(table) {
        out.push_str(&format!("{statement}\n"));
    }
    let lines = relative::findings(table, results, MAX_FINDINGS);
    if !lines.is_empty() {
        out.push_str(&format!("Against {}:\n", table.reference));
        for line in lines {
            out.push_str(&format!("  {line}\n"));
        }
    }
    let undecided: Vec<&RelativeRow> = table
        .rows
        .iter()
        .filter(|r| r.relation == relative::Relation::CannotTell)
        .collect();
    if let Some(most) = undecided.iter().filter_map(|r| r.runs_for_5_percent).max() {
        out.push_str(&format!(
            "{} change(s) cannot be told from noise yet; up to {most} runs per variant would \
             narrow every interval to ±5% at this spread.\n",
            undecided.len()
        ));
    }
    out
}

/// One line per claim: `holds: <text> (metric, from -> to): claimed X, measured Y`, the
/// verdict coloured.
fn claims_text(claims: &[ClaimJudgement], paint: Paint) -> String {
    if claims.is_empty() {
        return String::new();
    }
    let mut out = String::from("Claims:\n");
    for j in claims {
        out.push_str(&format!(
            "  {}: {} ({}, {} -> {}): claimed {}, measured {}\n",
            paint.tone(claim_tone(j.verdict), j.verdict.label()),
            j.claim.text,
            j.claim.metric,
            j.claim.from,
            j.claim.to,
            j.claim.expect,
            crate::claims::claim_measured_after(j),
        ));
    }
    out
}

fn claim_tone(verdict: crate::claims::ClaimVerdict) -> crate::analysis::answer::Tone {
    use crate::analysis::answer::Tone;
    use crate::claims::ClaimVerdict;
    match verdict {
        ClaimVerdict::Holds => Tone::Good,
        ClaimVerdict::DoesNotHold => Tone::Bad,
        ClaimVerdict::HoldsPartly | ClaimVerdict::CannotTell => Tone::Unsure,
    }
}

/// One of [`Paint`]'s colours.
type Colour = fn(Paint, &str) -> String;

/// A table cell (a segment between separators, padding included) with its marks, its change's
/// verdict word and a failed status coloured; the text itself is unchanged.
fn paint_cell(cell: &str, paint: Paint) -> String {
    if !paint.is_on() {
        return cell.to_string();
    }
    let body = cell.trim_end();
    let padding = &cell[body.len()..];
    let mut body = body
        .replace('✓', &paint.good("✓"))
        .replace('✗', &paint.bad("✗"));
    if body.trim_start() == "failed" {
        body = body.replace("failed", &paint.bad("failed"));
    }
    // The change line ends in its verdict: `-42% better`, `+3.1% worse`, `+1% ?`.
    let verdicts: [(&str, Colour); 3] = [
        (" better", Paint::good),
        (" worse", Paint::bad),
        (" ?", Paint::unsure),
    ];
    // A change line may end in its runs, `(2 vs 3)`, after the verdict word.
    let (line, runs) = match body.rfind(" (") {
        Some(at) if body.ends_with(')') => (body[..at].to_string(), body[at..].to_string()),
        _ => (body.clone(), String::new()),
    };
    for (word, colour) in verdicts {
        if let Some(rest) = line.strip_suffix(word) {
            body = format!("{rest} {}{runs}", colour(paint, &word[1..]));
            break;
        }
    }
    body + padding
}

/// One metric column. When every target on the metric has the same limit, the header shows it
/// once; otherwise each cell shows its own.
struct Column {
    metric: String,
    shared_limit: Option<String>,
}

impl Column {
    fn new(metric: String, variants: &[VariantResult]) -> Column {
        let mut limits: Vec<String> = Vec::new();
        for check in variants.iter().flat_map(|v| checks_of(v, &metric)) {
            let limit = check.limit_label();
            if !limits.contains(&limit) {
                limits.push(limit);
            }
        }
        let shared_limit = if limits.len() == 1 {
            limits.pop()
        } else {
            None
        };
        Column {
            metric,
            shared_limit,
        }
    }

    fn header(&self) -> String {
        match &self.shared_limit {
            Some(limit) => format!("{}\ntarget {limit}", self.metric),
            None => self.metric.clone(),
        }
    }
}

fn variants_table(
    variants: &[VariantResult],
    columns: &[Column],
    changes: &Changes,
    reference: Option<&str>,
) -> Table {
    let mut table = new_table();
    let headers = ["variant", "status", "runs"]
        .map(String::from)
        .into_iter()
        .chain(columns.iter().map(Column::header));
    table.set_header(headers);
    for variant in variants {
        let cells = [
            variant_label(&variant.name, reference),
            status(variant),
            changes.runs_cell(variant, reference),
        ]
        .into_iter()
        .chain(columns.iter().map(|c| cell(variant, c, changes)));
        table.add_row(cells);
    }
    align_right_from(&mut table, 2, columns.len() + 3);
    table
}

/// Metrics as rows, variants as columns, in blocks of columns that each fit `width`.
fn transposed(
    variants: &[VariantResult],
    columns: &[Column],
    changes: &Changes,
    reference: Option<&str>,
    width: usize,
) -> String {
    let block = |chunk: &[VariantResult]| {
        let mut table = new_table();
        let headers = std::iter::once("metric".to_string())
            .chain(chunk.iter().map(|v| variant_label(&v.name, reference)));
        table.set_header(headers);
        let statuses = std::iter::once("status".to_string()).chain(chunk.iter().map(status));
        table.add_row(statuses);
        // The runs each column's verdicts were reached after, beside its status.
        let runs = std::iter::once("runs".to_string())
            .chain(chunk.iter().map(|v| changes.runs_cell(v, reference)));
        table.add_row(runs);
        for column in columns {
            let cells = std::iter::once(column.header())
                .chain(chunk.iter().map(|v| cell(v, column, changes)));
            table.add_row(cells);
        }
        align_right_from(&mut table, 1, chunk.len() + 1);
        table.to_string()
    };
    // As many variants per block as fit; at least one, however narrow the terminal.
    let mut blocks = Vec::new();
    let mut start = 0;
    while start < variants.len() {
        let mut end = start + 1;
        while end < variants.len() && widest_line(&block(&variants[start..=end])) <= width {
            end += 1;
        }
        blocks.push(block(&variants[start..end]));
        start = end;
    }
    if blocks.is_empty() {
        blocks.push(block(&[]));
    }
    blocks.join("\n")
}

fn new_table() -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Disabled);
    table
}

fn align_right_from(table: &mut Table, first: usize, end: usize) {
    for index in first..end {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn status(variant: &VariantResult) -> String {
    variant.status_text()
}

/// `12.31 s ± 0.40 ✓`, `— ✗` (targeted but never measured), `142.3 MB`.
/// Under it, the change against the reference: `-42% better`.
fn cell(variant: &VariantResult, column: &Column, changes: &Changes) -> String {
    let checks = checks_of(variant, &column.metric);
    let mut text = match variant.metrics.get(&column.metric) {
        None => MISSING.to_string(),
        Some(summary) => {
            let limits: Vec<f64> = checks.iter().map(|c| c.limit).collect();
            median_with_spread(&column.metric, summary, &limits)
        }
    };
    for check in checks {
        text.push(' ');
        text.push_str(if check.pass { "✓" } else { "✗" });
        if column.shared_limit.is_none() {
            text.push_str(&format!(" ({})", check.limit_label()));
        }
    }
    if let Some(change) = changes.line(&variant.name, &column.metric) {
        text.push('\n');
        text.push_str(&change);
    }
    text
}

/// `broken failed: <first line of the error>`, cut at a character (never inside one) boundary.
fn failure_line(variant: &VariantResult, paint: Paint) -> String {
    let shown = crate::format::error_headline(variant.error.as_deref(), ERROR_MAX_CHARS);
    format!("{} {}: {shown}", variant.name, paint.bad("failed"))
}

/// `Targets: 5 passed, 2 missed.`, the misses coloured.
fn target_tally(variants: &[VariantResult], paint: Paint) -> String {
    let checks: Vec<&TargetCheck> = variants.iter().flat_map(|v| &v.targets).collect();
    if checks.is_empty() {
        return "Targets: none set.".to_string();
    }
    let passed = checks.iter().filter(|c| c.pass).count();
    let missed = checks.len() - passed;
    let missed = format!("{missed} missed");
    let missed = if passed == checks.len() {
        missed
    } else {
        paint.bad(&missed)
    };
    format!("Targets: {passed} passed, {missed}.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric::Direction;
    use crate::results::testdata::{run_results, variant, with_targets};

    const SUITE_TARGETS: &[(&str, f64, &str, Direction)] = &[
        ("cold_build_s", 180.0, "3m", Direction::AtMost),
        ("image_size_bytes", 600e6, "600MB", Direction::AtMost),
        ("cache_hit_rate.source", 0.8, "80%", Direction::AtLeast),
    ];

    fn alpine() -> VariantResult {
        let v = variant(
            "alpine",
            &[
                ("cold_build_s", &[12.1, 12.31, 12.9]),
                ("warm_build_s", &[0.41, 0.38, 0.45]),
                ("rebuild_s.source", &[2.2, 2.4, 2.3]),
                ("rebuild_s.deps", &[9.8, 10.4, 10.1]),
                ("cache_hit_rate", &[1.0, 1.0, 1.0]),
                ("cache_hit_rate.source", &[0.875, 0.875, 0.875]),
                ("cache_hit_rate.deps", &[0.5, 0.5, 0.5]),
                ("image_size_bytes", &[52_412_345.0; 3]),
                ("startup_s", &[0.234, 0.221, 0.250]),
                (
                    "memory_idle_bytes",
                    &[31_200_000.0, 31_500_000.0, 31_300_000.0],
                ),
                (
                    "memory_peak_bytes",
                    &[48_100_000.0, 49_000_000.0, 48_700_000.0],
                ),
            ],
        );
        with_targets(v, SUITE_TARGETS)
    }

    fn debian() -> VariantResult {
        let mut v = variant(
            "debian",
            &[
                ("cold_build_s", &[183.2, 185.24, 190.0]),
                ("warm_build_s", &[1.2, 1.1, 1.3]),
                ("rebuild_s.source", &[3.1, 3.3, 3.0]),
                ("rebuild_s.deps", &[44.0, 46.5, 45.1]),
                ("cache_hit_rate", &[1.0, 1.0, 1.0]),
                ("cache_hit_rate.source", &[2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0]),
                ("cache_hit_rate.deps", &[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0]),
                ("image_size_bytes", &[600_040_000.0; 3]),
                ("startup_s", &[1.42, 1.38, 1.51]),
                (
                    "memory_idle_bytes",
                    &[61_000_000.0, 61_400_000.0, 60_900_000.0],
                ),
                (
                    "memory_peak_bytes",
                    &[1_203_000_000.0, 1_210_000_000.0, 1_190_000_000.0],
                ),
            ],
        );
        v.settings.limits = crate::scenario::Limits {
            memory_bytes: Some(512 << 20),
            memory_text: Some("512MiB".into()),
            cpus: None,
        };
        with_targets(v, SUITE_TARGETS)
    }

    /// Built, but has no `run` block: no startup or memory, and no per-edit rebuilds.
    fn build_only() -> VariantResult {
        let v = variant(
            "build-only",
            &[
                ("cold_build_s", &[95.0]),
                ("warm_build_s", &[0.9]),
                ("cache_hit_rate", &[1.0]),
                ("image_size_bytes", &[123_456_789.0]),
            ],
        );
        with_targets(v, SUITE_TARGETS)
    }

    fn broken() -> VariantResult {
        let mut v = with_targets(variant("broken", &[]), SUITE_TARGETS);
        v.status = Status::Failed;
        v.error = Some(
            "process \"/bin/sh -c npm ci --omit=dev && npm run build --workspaces --if-present \
             && rm -rf /root/.npm /tmp/*\" did not complete successfully: exit code: 1\n\
             npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree"
                .into(),
        );
        v
    }

    #[test]
    fn summary_of_a_full_run() {
        let run = run_results(vec![alpine(), debian(), build_only(), broken()]);
        insta::assert_snapshot!(summary_table(
            &run,
            &crate::analysis::Analysis::of(&run),
            1000
        ));
    }

    /// With `runs = "auto"` variants stop after different numbers of runs: the runs row says
    /// each column's, and where a variant's runs differ between metrics each change says its
    /// own (reference vs variant).
    #[test]
    fn each_verdict_says_its_runs_when_they_differ() {
        let run = run_results(vec![
            variant(
                "ref",
                &[
                    ("cold_build_s", &[10.0, 10.1, 9.9, 10.05, 9.95]),
                    ("startup_s", &[1.0, 1.01, 0.99, 1.0, 1.02]),
                ],
            ),
            variant(
                "fast",
                &[
                    ("cold_build_s", &[5.0, 5.1, 4.9]),
                    ("startup_s", &[0.5, 0.51, 0.49]),
                ],
            ),
            // Its startup failed in one run: two samples, against three builds.
            variant(
                "gappy",
                &[
                    ("cold_build_s", &[20.0, 20.2, 19.8]),
                    ("startup_s", &[2.0, 2.02]),
                ],
            ),
        ]);
        let text = summary_table(&run, &crate::analysis::Analysis::of(&run), 1000);
        let line = |start: &str| {
            text.lines()
                .find(|l| l.starts_with(start))
                .unwrap_or_else(|| panic!("{start}: {text}"))
                .to_string()
        };
        // variant, status, runs, then the metrics.
        let cells = |l: String| -> Vec<String> {
            l.split(['│', '┆']).map(|c| c.trim().to_string()).collect()
        };
        assert_eq!(cells(line("│ ref"))[3], "5", "{text}");
        assert_eq!(cells(line("│ fast"))[3], "3", "{text}");
        assert_eq!(cells(line("│ gappy"))[3], "3", "{text}");
        // The runs row says these: the changes need not repeat it.
        assert!(text.contains("-50% better ┆"), "{text}");
        assert!(text.contains("+100% worse ┆"), "{text}");
        // gappy's startup was reached after fewer runs than the row says.
        assert!(text.contains("+101% worse (5 vs 2)"), "{text}");
        assert!(
            text.contains("(2.00× [") && text.contains("after 5 vs 3 runs)"),
            "{text}"
        );
        // A coloured change line keeps its runs after the coloured word.
        let painted = paint_cell(" +100% worse (5 vs 2) ", Paint::new(true));
        assert_eq!(
            crate::report::paint::strip(&painted),
            " +100% worse (5 vs 2) "
        );
        assert_ne!(painted, " +100% worse (5 vs 2) ", "the word is coloured");
    }

    #[test]
    fn per_variant_limits_show_in_cells() {
        let slim = with_targets(
            variant("slim", &[("image_size_bytes", &[80e6])]),
            &[("image_size_bytes", 100e6, "100MB", Direction::AtMost)],
        );
        let fat = with_targets(
            variant("fat", &[("image_size_bytes", &[900e6])]),
            &[("image_size_bytes", 1e9, "1GB", Direction::AtMost)],
        );
        let none = variant("untargeted", &[("image_size_bytes", &[1_500.0])]);
        let run = run_results(vec![slim, fat, none]);
        insta::assert_snapshot!(summary_table(
            &run,
            &crate::analysis::Analysis::of(&run),
            1000
        ));
    }

    #[test]
    fn narrow_terminals_get_metrics_as_rows() {
        let run = run_results(vec![alpine(), debian(), build_only(), broken()]);
        let text = summary_table(&run, &crate::analysis::Analysis::of(&run), DEFAULT_WIDTH);
        // Every line fits: the table by turning, the answer by wrapping.
        let table_lines = text
            .lines()
            .filter(|l| l.starts_with(['│', '┌', '└', '╞', '├']));
        assert!(table_lines.count() > 10);
        for line in text.lines().take_while(|l| !l.starts_with("Against")) {
            assert!(line.chars().count() <= DEFAULT_WIDTH, "{line}");
        }
        assert!(text.starts_with("Targets: 7 missed"), "{text}");
        assert!(text.contains("│ metric "), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn claims_follow_the_findings() {
        let mut run = run_results(vec![alpine(), debian()]);
        run.claims = vec![
            crate::claims::ClaimSpec {
                text: "Debian starts slower".into(),
                source: Some("review".into()),
                metric: "startup_s".into(),
                from: "alpine".into(),
                to: "debian".into(),
                expect: "at least +100%".into(),
            },
            crate::claims::ClaimSpec {
                text: "Debian is smaller".into(),
                source: None,
                metric: "image_size_bytes".into(),
                from: "alpine".into(),
                to: "debian".into(),
                expect: "-10%".into(),
            },
        ];
        let text = summary_table(&run, &crate::analysis::Analysis::of(&run), 1000);
        let claims = &text[text.find("Claims:").expect("a claims block")..];
        insta::assert_snapshot!(claims);
    }

    #[test]
    fn ends_without_a_newline_for_println() {
        let text = summary_table(
            &run_results(vec![alpine()]),
            &crate::analysis::Analysis::of(&run_results(vec![alpine()])),
            DEFAULT_WIDTH,
        );
        assert!(text.ends_with("Targets: 3 passed, 0 missed."), "{text}");
    }

    #[test]
    fn no_variants_no_targets() {
        insta::assert_snapshot!(summary_table(
            &run_results(Vec::new()),
            &crate::analysis::Analysis::of(&run_results(Vec::new())),
            DEFAULT_WIDTH
        ));
    }

    /// Issue 27: colour on the verdicts, marks, misses and failures, and on nothing else: the
    /// text without its escape codes is the plain text, at every width.
    #[test]
    fn issue_27_colour_marks_verdicts_and_misses_only() {
        use crate::report::paint::{strip, visible_width};
        let mut run = run_results(vec![alpine(), debian(), build_only(), broken()]);
        run.claims = vec![crate::claims::ClaimSpec {
            text: "Debian is smaller".into(),
            source: None,
            metric: "image_size_bytes".into(),
            from: "alpine".into(),
            to: "debian".into(),
            expect: "-10%".into(),
        }];
        let analysis = crate::analysis::Analysis::of(&run);
        for width in [80, DEFAULT_WIDTH, 1000] {
            let plain = summary_table(&run, &analysis, width);
            assert!(!plain.contains('\x1b'), "{plain}");
            let coloured = painted_summary(&run, &analysis, width, Paint::new(true));
            assert_eq!(
                strip(&coloured),
                plain,
                "{width}: colour changes no character"
            );
            assert_eq!(visible_width(&coloured), widest_line(&plain));
            for painted in [
                "\x1b[31m✗\x1b[0m",
                "\x1b[32m✓\x1b[0m",
                "\x1b[31mworse\x1b[0m",
                "\x1b[33m?\x1b[0m",
                "\x1b[31mfailed\x1b[0m",
                "\x1b[31mdoes not hold\x1b[0m",
                "\x1b[31mTargets: 7 missed in 3 variants, 5 met.\x1b[0m",
            ] {
                assert!(
                    coloured.contains(painted),
                    "{width}: {painted:?} in\n{coloured}"
                );
            }
            // In the table, a variant's name is not taken for a status or a verdict.
            let named = run_results(vec![alpine(), variant("failed", &[])]);
            let turned = painted_summary(&named, &Analysis::of(&named), 30, Paint::new(true));
            assert!(!turned.contains("\x1b[31mfailed"), "{turned}");
            let rows = coloured.lines().filter(|l| l.starts_with('│'));
            assert!(rows.clone().all(|l| !l.contains("\x1b[31mbroken")));
            assert!(rows.clone().any(|l| l.contains("broken")));
        }
    }

    #[test]
    fn long_errors_are_cut_on_a_char_boundary() {
        let mut v = variant("x", &[]);
        v.status = Status::Failed;
        v.error = Some("é".repeat(200));
        let line = failure_line(&v, Paint::PLAIN);
        assert_eq!(line, format!("x failed: {} …", "é".repeat(ERROR_MAX_CHARS)));
        v.error = None;
        assert_eq!(
            failure_line(&v, Paint::PLAIN),
            "x failed: (no error message)"
        );
    }
}
