//! The report as a neutral document — headings, paragraphs, lists, tables, figures, code and
//! folded parts — built once from the [`Analysis`] and the results. `report.md` and
//! `report.html` are thin writers of it (as hyperfine's `MarkupExporter` writes one table for
//! several formats), so both show the same content in the same order and neither decides
//! anything: what to say, in which order and what to fold is decided here, once.

use super::anatomy as a;
use super::render::{ChartRef, Charts};
use super::sections::{self, Table};
use super::step_chart::{has_step_times, NO_STEP_TIMES};
use crate::analysis::answer::{Answer, Tone};
use crate::analysis::Analysis;
use crate::format::metric_title;
use crate::results::RunResults;

/// A whole report: its title and its blocks, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A section heading, level 2 or 3 (the title is level 1).
    Heading(u8, String),
    Paragraph(Vec<Span>),
    /// A paragraph that explains how to read what is above it (smaller, muted in HTML).
    Note(String),
    List(Vec<Item>),
    Table(Table),
    Figure(Figure),
    /// Preformatted text shown as written: an error message.
    Code(String),
    /// A part the reader opens when wanted: its one-line summary, then its blocks.
    Fold(String, Vec<Block>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    Text(String),
    Strong(String),
    Code(String),
}

/// A list item. `tone` marks a verdict (the writers show it as a mark or a colour).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub tone: Option<Tone>,
    pub spans: Vec<Span>,
    pub children: Vec<Item>,
}

impl Item {
    fn text(text: impl Into<String>) -> Item {
        Item {
            tone: None,
            spans: vec![Span::Text(text.into())],
            children: Vec::new(),
        }
    }

    /// `**name**: text`
    fn labelled(label: &str, text: impl Into<String>) -> Item {
        Item {
            tone: None,
            spans: vec![
                Span::Strong(label.to_string()),
                Span::Text(format!(": {}", text.into())),
            ],
            children: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub chart: ChartRef,
    pub caption: String,
}

/// How the relative table and the claims are judged, in both formats.
pub const RELATIVE_NOTE: &str = "Each change is the ratio of the medians. Verdicts use the test \
    of `dockbench compare`, adjusted for every row of this table (Benjamini–Hochberg): better or \
    worse when significant and beyond 5%; same when the interval lies within ±5%; cannot tell \
    otherwise. The interval is the Welch interval of the ratio (on the logarithms of the \
    samples) at the false-coverage-rate level of the table (Benjamini–Yekutieli: \
    1 − R·0.05/m for R significant rows of m), so it leaves out 0% exactly when its row is \
    significant. Image size and cache hit rates are exact: a difference beyond the metric's \
    floor counts. Runs: the runs each verdict was reached after (reference vs variant where \
    they differ).";
pub const CLAIMS_NOTE: &str = "Judged from the raw samples with the same statistics, adjusted \
    over the claims; the interval is the claims' false-coverage-rate interval. A claim holds when \
    the change is significant in the claimed direction and its interval meets the claimed figure \
    (or goes beyond it); holds partly when it is significant in the claimed direction but wholly \
    short of the figure; does not hold when the interval lies wholly outside the claimed figure \
    and the change is not significant in the claimed direction (the other way, the same within \
    ±5%, or far less); cannot tell when the interval still holds both the claimed figure and no \
    change, with too few samples, or when a variant failed. docs/statistics.md has the rule with \
    an example of each. Runs: the runs each verdict was reached after (from vs to where they \
    differ).";
const SUMMARY_NOTE: &str = "Each cell is the median ± standard deviation over the runs. \
    ✅/❌: target met/missed, judged on the median.";
const CHARTS_NOTE: &str = "Bars are medians, whiskers span min–max, dots are single runs; \
    red bars miss their target (dashed line).";

/// The report of one run: the answer first, then the summary, the claims, the targets and the
/// comparison; the long tables, notes, build steps, layers and environment folded.
pub fn report(results: &RunResults, analysis: &Analysis, charts: &Charts) -> Document {
    let mut blocks = Vec::new();
    answer(&mut blocks, &analysis.answer);
    blocks.push(Block::Paragraph(vec![
        Span::Text("Suite file ".to_string()),
        Span::Code(results.suite_file.clone()),
        Span::Text(format!(". {}", sections::run_line(results))),
    ]));
    summary(&mut blocks, results);
    claims(&mut blocks, analysis);
    targets(&mut blocks, results);
    relative(&mut blocks, results, analysis);
    failures(&mut blocks, results);
    notes(&mut blocks, results);
    // Issue 28: disturbed samples and the harness's own cost (`report::harness`).
    blocks.extend(super::harness::blocks(results));
    metric_charts(&mut blocks, charts);
    step_charts(&mut blocks, results, charts);
    if charts.anatomy.is_empty() {
        layers(&mut blocks, results);
    } else {
        image_anatomy(&mut blocks, results, charts);
    }
    blocks.push(Block::Heading(2, "Environment".to_string()));
    blocks.push(Block::Fold(
        environment_summary(results),
        vec![Block::Table(sections::environment_table(
            &results.environment,
        ))],
    ));
    Document {
        title: format!("dockbench report: {}", results.suite),
        blocks,
    }
}

/// The answer as a list: each heading line, with its items nested under it.
fn answer(blocks: &mut Vec<Block>, answer: &Answer) {
    let mut items: Vec<Item> = Vec::new();
    for line in &answer.lines {
        if line.level == 0 || items.is_empty() {
            items.push(Item {
                tone: Some(line.tone),
                spans: vec![Span::Strong(line.text.clone())],
                children: Vec::new(),
            });
        } else if let Some(last) = items.last_mut() {
            last.children.push(Item {
                tone: Some(line.tone),
                spans: vec![Span::Text(line.text.clone())],
                children: Vec::new(),
            });
        }
    }
    if !items.is_empty() {
        blocks.push(Block::List(items));
    }
}

fn summary(blocks: &mut Vec<Block>, results: &RunResults) {
    blocks.push(Block::Heading(2, "Summary".to_string()));
    for table in sections::summary_tables(results) {
        blocks.push(Block::Table(table));
    }
    blocks.push(Block::Note(SUMMARY_NOTE.to_string()));
    // Right below the figures: a startup under a 512 MiB limit is not one without it.
    let set = sections::settings(results);
    if !set.is_empty() {
        blocks.push(Block::Paragraph(vec![Span::Text(
            "Built and run with:".to_string(),
        )]));
        blocks.push(Block::List(
            set.into_iter()
                .map(|(name, described)| Item::labelled(name, described))
                .collect(),
        ));
    }
}

fn claims(blocks: &mut Vec<Block>, analysis: &Analysis) {
    let Some(claims) = sections::claims_table(analysis) else {
        return;
    };
    blocks.push(Block::Heading(2, "Claims".to_string()));
    blocks.push(Block::Table(claims));
    blocks.push(Block::Note(CLAIMS_NOTE.to_string()));
}

/// The missed targets are in the answer; the full list of checks is folded under its tally.
fn targets(blocks: &mut Vec<Block>, results: &RunResults) {
    let Some(targets) = sections::targets_table(results) else {
        return;
    };
    blocks.push(Block::Heading(2, "Targets".to_string()));
    blocks.push(Block::Fold(
        sections::target_tally(results),
        vec![Block::Table(targets)],
    ));
}

fn relative(blocks: &mut Vec<Block>, results: &RunResults, analysis: &Analysis) {
    let Some((reference, rows, notes)) = sections::relative_table(results, analysis) else {
        return;
    };
    blocks.push(Block::Heading(
        2,
        format!("Against the reference, {reference}"),
    ));
    if !notes.is_empty() {
        blocks.push(Block::List(notes.into_iter().map(Item::text).collect()));
    }
    let summary = format!(
        "Every comparison ({} rows: each variant, each metric)",
        rows.rows.len()
    );
    blocks.push(Block::Fold(
        summary,
        vec![Block::Table(rows), Block::Note(RELATIVE_NOTE.to_string())],
    ));
}

fn failures(blocks: &mut Vec<Block>, results: &RunResults) {
    let failed = sections::failures(results);
    if failed.is_empty() {
        return;
    }
    blocks.push(Block::Heading(2, "Failed variants".to_string()));
    for (name, error) in failed {
        blocks.push(Block::Heading(3, name.to_string()));
        blocks.push(Block::Code(error.to_string()));
    }
}

fn notes(blocks: &mut Vec<Block>, results: &RunResults) {
    let noted = sections::notes(results);
    if noted.is_empty() {
        return;
    }
    let count: usize = noted.iter().map(|(_, notes)| notes.len()).sum();
    let items = noted
        .into_iter()
        .flat_map(|(name, notes)| notes.iter().map(move |note| Item::labelled(name, note)))
        .collect();
    blocks.push(Block::Heading(2, "Notes on the figures".to_string()));
    blocks.push(Block::Fold(
        format!("{count} note(s) on how figures were measured"),
        vec![Block::List(items)],
    ));
}

fn metric_charts(blocks: &mut Vec<Block>, charts: &Charts) {
    if charts.metrics.is_empty() {
        return;
    }
    blocks.push(Block::Heading(2, "Charts".to_string()));
    blocks.push(Block::Note(CHARTS_NOTE.to_string()));
    for (metric, chart) in &charts.metrics {
        blocks.push(Block::Figure(Figure {
            chart: chart.clone(),
            caption: format!("{} ({metric})", metric_title(metric)),
        }));
    }
}

fn step_charts(blocks: &mut Vec<Block>, results: &RunResults, charts: &Charts) {
    if charts.steps.is_empty() {
        return;
    }
    blocks.push(Block::Heading(2, "Cold build steps".to_string()));
    let figures = charts
        .steps
        .iter()
        .map(|(name, chart)| {
            let untimed = results
                .variants
                .iter()
                .any(|v| &v.name == name && !has_step_times(v));
            let mut caption = format!("Cold build steps of {name}");
            if untimed {
                caption.push_str(&format!(": the {NO_STEP_TIMES}"));
            }
            Block::Figure(Figure {
                chart: chart.clone(),
                caption,
            })
        })
        .collect();
    blocks.push(Block::Fold(
        format!("A chart per variant ({})", charts.steps.len()),
        figures,
    ));
}

fn layers(blocks: &mut Vec<Block>, results: &RunResults) {
    let mut inner = Vec::new();
    for variant in &results.variants {
        let Some((layers, note)) = sections::layers_table(variant) else {
            continue;
        };
        inner.push(Block::Heading(3, variant.name.clone()));
        inner.push(Block::Table(layers));
        inner.push(Block::Note(note));
    }
    if inner.is_empty() {
        return;
    }
    blocks.push(Block::Heading(2, "Largest layers".to_string()));
    blocks.push(Block::Fold(
        format!(
            "The {} largest layers of each variant",
            sections::TOP_LAYERS
        ),
        inner,
    ));
}

fn image_anatomy(blocks: &mut Vec<Block>, results: &RunResults, charts: &Charts) {
    blocks.push(Block::Heading(2, "Image anatomy".to_string()));
    blocks.push(Block::Note(a::ANATOMY_NOTE.to_string()));
    for (name, layers, paths) in &charts.anatomy {
        let Some(variant) = results.variants.iter().find(|v| &v.name == name) else {
            continue;
        };
        let Some(anatomy) = &variant.anatomy else {
            continue;
        };
        let mut inner = Vec::new();
        if let Some((reference, lines)) = a::change_lines(results, variant) {
            if lines.is_empty() {
                inner.push(Block::Paragraph(vec![Span::Text(format!(
                    "Against {reference}: no directory changed by 1 MB or more."
                ))]));
            } else {
                inner.push(Block::Paragraph(vec![Span::Text(format!(
                    "What changed against {reference}, by directory:"
                ))]));
                inner.push(Block::List(lines.into_iter().map(Item::text).collect()));
            }
        }
        inner.push(Block::Figure(Figure {
            chart: layers.clone(),
            caption: format!("Image layers of {name}"),
        }));
        inner.push(Block::Table(a::layers_table(anatomy)));
        inner.push(Block::Paragraph(vec![Span::Text(
            "Largest directories:".to_string(),
        )]));
        inner.push(Block::Table(a::dirs_table(anatomy)));
        inner.push(Block::Figure(Figure {
            chart: paths.clone(),
            caption: format!("Size by path of {name}"),
        }));
        match a::wasted_table(anatomy) {
            Some((wasted, note)) => {
                inner.push(Block::Paragraph(vec![Span::Text(
                    "Wasted files:".to_string(),
                )]));
                inner.push(Block::Table(wasted));
                inner.push(Block::Note(note));
            }
            None => inner.push(Block::Paragraph(vec![Span::Text(
                "No file is overwritten or deleted by a later layer.".to_string(),
            )])),
        }
        blocks.push(Block::Heading(3, name.clone()));
        blocks.push(Block::Fold(format!("{}.", a::summary_line(anatomy)), inner));
    }
}

/// `Docker 28.5.2 (containerd image store) on 2 CPUs, kernel 6.1.0`: what to expect inside.
fn environment_summary(results: &RunResults) -> String {
    let env = &results.environment;
    let engine = match &env.engine {
        Some(engine) => format!(
            "{} {} ({})",
            engine.kind.name(),
            engine.docker_version,
            engine.store_label()
        ),
        None => "engine unknown".to_string(),
    };
    format!(
        "{engine}; {} logical cores; dockbench {}",
        env.cpu_logical_cores, env.dockbench_version
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata;

    fn headings(doc: &Document) -> Vec<String> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading(2, text) => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// The answer opens the document; the sections follow in reading order.
    #[test]
    fn answer_first_then_sections_in_order() {
        let results = testdata::run_results();
        let analysis = Analysis::of(&results);
        let doc = report(&results, &analysis, &Charts::default());
        assert!(
            matches!(&doc.blocks[0], Block::List(items) if !items.is_empty()),
            "{:?}",
            doc.blocks[0]
        );
        let headings = headings(&doc);
        let at = |name: &str| headings.iter().position(|h| h.starts_with(name));
        assert_eq!(at("Summary"), Some(0), "{headings:?}");
        assert!(at("Claims") < at("Targets"), "{headings:?}");
        assert!(at("Targets") < at("Against the reference"), "{headings:?}");
        assert_eq!(headings.last().map(String::as_str), Some("Environment"));
    }

    /// Every long table is folded: the relative table, the target checks, the environment.
    #[test]
    fn long_tables_are_folded() {
        let results = testdata::run_results();
        let analysis = Analysis::of(&results);
        let doc = report(&results, &analysis, &Charts::default());
        let folds: Vec<&str> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Fold(summary, _) => Some(summary.as_str()),
                _ => None,
            })
            .collect();
        assert!(
            folds.iter().any(|f| f.starts_with("Every comparison (")),
            "{folds:?}"
        );
        assert!(
            folds.iter().any(|f| f.starts_with("Targets: ")),
            "{folds:?}"
        );
        let unfolded_tables = doc
            .blocks
            .iter()
            .filter(|b| matches!(b, Block::Table(_)))
            .count();
        // The summary and the claims: what a reader needs at a glance.
        let summary_tables = sections::summary_tables(&results).len();
        assert_eq!(unfolded_tables, summary_tables + 1);
    }
}
