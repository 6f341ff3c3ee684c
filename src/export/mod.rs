//! Exports of results for other tools, hyperfine-style: one file per format behind the small
//! [`Exporter`] trait, each written atomically so that exporting after every variant never
//! leaves a half-written file for a CI step to pick up.
//!
//! Every number is recomputed from the raw samples, like `compare` does, so an export always
//! agrees with the samples it ships with.

mod bencher;
mod csv;
mod github_benchmark;
mod json;
mod markdown;

use crate::analysis::Analysis;
use std::path::Path;
use std::str::FromStr;

use anyhow::Context;

use crate::results::metric_columns;
use crate::results::RunResults;
use crate::stats::Summary;

/// One export format; `flag` is the `dockbench run` option that asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A copy of `results.json`.
    Json,
    /// `variant,metric,unit,median,mean,stddev,min,max,n`.
    Csv,
    /// The summary table as a markdown table.
    Markdown,
    /// github-action-benchmark's `customSmallerIsBetter` input.
    GithubBenchmark,
    /// Bencher Metric Format (BMF) JSON.
    Bencher,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 5] = [
        ExportFormat::Json,
        ExportFormat::Csv,
        ExportFormat::Markdown,
        ExportFormat::GithubBenchmark,
        ExportFormat::Bencher,
    ];

    /// `json`, `csv`, `markdown`, `github-benchmark`, `bencher`.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::Markdown => "markdown",
            ExportFormat::GithubBenchmark => "github-benchmark",
            ExportFormat::Bencher => "bencher",
        }
    }

    /// `--export-json`, ..., `--export-github-benchmark`, `--export-bencher`: what a test
    /// checks the names against.
    #[cfg(test)]
    pub fn flag(self) -> String {
        format!("--export-{}", self.name())
    }

    fn exporter(self) -> &'static dyn Exporter {
        match self {
            ExportFormat::Json => &json::JsonExporter,
            ExportFormat::Csv => &csv::CsvExporter,
            ExportFormat::Markdown => &markdown::MarkdownExporter,
            ExportFormat::GithubBenchmark => &github_benchmark::GithubBenchmarkExporter,
            ExportFormat::Bencher => &bencher::BencherExporter,
        }
    }
}

impl FromStr for ExportFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|f| f.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown export format `{text}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// Turns results into the bytes of one export file.
pub trait Exporter {
    fn serialize(&self, results: &RunResults, analysis: &Analysis) -> anyhow::Result<Vec<u8>>;
}

/// The export's content, for printing or testing.
pub fn render(
    results: &RunResults,
    analysis: &Analysis,
    format: ExportFormat,
) -> anyhow::Result<Vec<u8>> {
    format.exporter().serialize(results, analysis)
}

/// Writes the export to `path`, atomically (a temp file beside it, renamed over it).
pub fn export(
    results: &RunResults,
    analysis: &Analysis,
    format: ExportFormat,
    path: &Path,
) -> anyhow::Result<()> {
    let bytes = render(results, analysis, format)
        .with_context(|| format!("rendering the {} export", format.name()))?;
    crate::results::write_atomic(path, &bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// One measured (variant, metric), summarized afresh from its samples.
struct Measured<'a> {
    variant: &'a str,
    metric: &'a str,
    summary: Summary,
}

/// Every measured (variant, metric): variants in run order, metrics in report column order.
/// Metrics without usable samples are left out.
fn measured(results: &RunResults) -> Vec<Measured<'_>> {
    let columns = metric_columns(&results.variants);
    let mut rows = Vec::new();
    for variant in &results.variants {
        for metric in &columns {
            // Derived from samples.csv on load (`ResultsStore::load`).
            if let Some((name, summary)) = variant.metrics.get_key_value(metric) {
                rows.push(Measured {
                    variant: &variant.name,
                    metric: name,
                    summary: summary.clone(),
                });
            }
        }
    }
    rows
}

#[cfg(test)]
pub(crate) mod tests;
