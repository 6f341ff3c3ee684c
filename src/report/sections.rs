//! What `report.md` and `report.html` say, as plain tables of text, so that the two formats show
//! the same content and differ only in markup and escaping.

use super::labels::{self, shorten};
use crate::analysis::Analysis;
use crate::claims::ClaimVerdict;
use crate::driver::Layer;
use crate::format::{format_against_limits, format_bytes, median_with_spread};
use crate::results::metric_columns;
use crate::results::{Environment, RunResults, Status, VariantResult};
use crate::targets::TargetCheck;

/// How many layers each variant lists, largest first.
pub const TOP_LAYERS: usize = 5;
/// `created_by` is cut to this many characters: enough to recognise the step.
const CREATED_BY_MAX_CHARS: usize = 90;

/// A table cell: plain text, or text to set as code (commands, digests).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Code(String),
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_string())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    /// Per column: numbers are right-aligned.
    pub right_aligned: Vec<bool>,
    pub rows: Vec<Vec<Cell>>,
}

fn mark(pass: bool) -> &'static str {
    if pass {
        "✅"
    } else {
        "❌"
    }
}

/// `2 run(s) per variant; started 2026-11-23 07:39 UTC, finished 07:40 UTC.` A run sampled
/// until decided says how far each variant went and why it stopped.
pub fn run_line(results: &RunResults) -> String {
    let finished = match &results.finished_at {
        Some(at) => format!("finished {}", labels::short_time(at)),
        None => "not finished (interrupted or still running)".to_string(),
    };
    let mut line = format!(
        "{} per variant; started {}, {finished}.",
        runs_text(results),
        labels::short_time(&results.started_at)
    );
    if let Some(sampling) = sampling_text(results) {
        line.push(' ');
        line.push_str(&sampling);
    }
    line
}

/// `3 run(s)`, or for a run sampled until decided the range its variants got: `3 to 7 runs`.
pub fn runs_text(results: &RunResults) -> String {
    let Some(sampling) = &results.sampling else {
        return format!("{} run(s)", results.runs);
    };
    let rounds = sampling.variants.values().map(|v| v.rounds);
    match (rounds.clone().min(), rounds.max()) {
        (Some(low), Some(high)) if low != high => format!("{low} to {high} runs"),
        (Some(n), Some(_)) => format!("{n} run(s)"),
        _ => format!("at least {} runs", sampling.min_runs),
    }
}

/// `Sampled until decided (3 to 10 runs, budget 30 min): stopped at the cap of runs; baseline
/// 10 runs (at the cap of runs), slim 3 (decided).` None for a run of fixed runs.
pub fn sampling_text(results: &RunResults) -> Option<String> {
    let sampling = results.sampling.as_ref()?;
    let budget = sampling
        .budget_s
        .map(|s| {
            format!(
                ", budget {}",
                humantime::format_duration(std::time::Duration::from_secs_f64(s))
            )
        })
        .unwrap_or_default();
    let head = format!(
        "Sampled until decided ({} to {} runs{budget})",
        sampling.min_runs, sampling.max_runs
    );
    let Some(stopped) = sampling.stopped else {
        return Some(format!("{head}: not finished."));
    };
    let each: Vec<String> = sampling
        .variants
        .iter()
        .map(|(name, v)| format!("{name} {} ({})", v.rounds, v.stopped.text()))
        .collect();
    Some(format!(
        "{head}: stopped {}; runs per variant: {}.",
        match stopped {
            crate::results::Stop::Decided => "with every comparison decided".to_string(),
            other => other.text().to_string(),
        },
        each.join(", ")
    ))
}

/// At most this many variants side by side: with the metric column, a table of eight columns
/// fits a 1280 px page without scrolling; more variants continue in a further table.
pub const VARIANTS_PER_TABLE: usize = 7;

/// Metrics down, a column per variant (medians ± standard deviation, with ✅/❌ for targets),
/// in tables of at most [`VARIANTS_PER_TABLE`] variants. Metrics outnumber variants in every
/// suite, so they go down the page, where a long table scrolls as the page does. A metric whose
/// variants share one limit shows it beside its name; otherwise each cell shows its own.
pub fn summary_tables(results: &RunResults) -> Vec<Table> {
    let metrics = metric_columns(&results.variants);
    let shared: Vec<Option<String>> = metrics
        .iter()
        .map(|m| shared_limit(&results.variants, m))
        .collect();
    let variants: Vec<&VariantResult> = results.variants.iter().collect();
    let tables = variants.len().div_ceil(VARIANTS_PER_TABLE).max(1);
    // Even chunks: 8 variants make 4 + 4, not 7 + 1.
    let per_table = variants.len().div_ceil(tables).max(1);
    variants
        .chunks(per_table)
        .map(|chunk| {
            let mut header = vec!["metric".to_string()];
            header.extend(chunk.iter().map(|v| v.name.clone()));
            let mut status_row: Vec<Cell> = vec!["status".into()];
            status_row.extend(chunk.iter().map(|v| Cell::from(v.status_text())));
            let mut rows = vec![status_row];
            for (metric, limit) in metrics.iter().zip(&shared) {
                let name = match limit {
                    Some(limit) => format!("{metric} (target {limit})"),
                    None => metric.clone(),
                };
                let mut row: Vec<Cell> = vec![name.into()];
                row.extend(
                    chunk
                        .iter()
                        .map(|v| summary_cell(v, metric, limit.is_some()).into()),
                );
                rows.push(row);
            }
            let mut right_aligned = vec![false];
            right_aligned.extend(chunk.iter().map(|_| true));
            Table {
                header,
                right_aligned,
                rows,
            }
        })
        .collect()
}

pub fn checks_of<'a>(variant: &'a VariantResult, metric: &'a str) -> Vec<&'a TargetCheck> {
    variant
        .targets
        .iter()
        .filter(|t| t.metric == metric)
        .collect()
}

fn shared_limit(variants: &[VariantResult], metric: &str) -> Option<String> {
    let mut limits: Vec<String> = Vec::new();
    for limit in variants
        .iter()
        .flat_map(|v| checks_of(v, metric))
        .map(TargetCheck::limit_label)
    {
        if !limits.contains(&limit) {
            limits.push(limit);
        }
    }
    match limits.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// `12.31 s ± 0.40 ✅`, `— ❌`, `1.57 s ± 0.02 ❌ (≤ 1s)`.
fn summary_cell(variant: &VariantResult, metric: &str, limit_in_header: bool) -> String {
    let checks = checks_of(variant, metric);
    let mut text = match variant.metrics.get(metric) {
        None => "—".to_string(),
        Some(summary) => {
            let limits: Vec<f64> = checks.iter().map(|c| c.limit).collect();
            median_with_spread(metric, summary, &limits)
        }
    };
    for check in checks {
        text.push(' ');
        text.push_str(mark(check.pass));
        if !limit_in_header {
            text.push_str(&format!(" ({})", check.limit_label()));
        }
    }
    text
}

/// Every other variant against the reference, a row per (variant, metric): both medians, the
/// change with its interval (false-coverage-rate adjusted), the verdict with the runs it was
/// reached after, and for the undecided rows the runs that would narrow it to ±5 %. `None` when there is nothing to compare (one variant, a failed or
/// unknown reference).
pub fn relative_table(
    results: &RunResults,
    analysis: &Analysis,
) -> Option<(String, Table, Vec<String>)> {
    let relative = analysis.relative.as_ref()?;
    let margin = relative.settings.threshold;
    // The verdict second, where a reader scanning down the table sees it first.
    // The runs beside the verdict they were reached after.
    let header = [
        "variant",
        "verdict",
        "runs",
        "metric",
        "reference",
        "variant's",
        "change [FCR interval]",
    ]
    .map(String::from)
    .to_vec();
    let rows = relative
        .rows
        .iter()
        .map(|r| {
            let (reference, value) = (r.reference.median, r.value.median);
            let verdict = match crate::relative::runs_hint(r) {
                Some(hint) => format!("{}: {hint}", crate::relative::relation_text(r, margin)),
                None => crate::relative::relation_text(r, margin),
            };
            // On a merge of shards, whose reference a row is against.
            let variant = match crate::relative::own_shard(results, &r.variant) {
                Some(shard) => format!("{} (shard {})", r.variant, shard.shard),
                None => r.variant.clone(),
            };
            vec![
                variant.into(),
                verdict.into(),
                r.runs.count_text().into(),
                Cell::Code(r.metric.clone()),
                format_against_limits(&r.metric, reference, &[value]).into(),
                format_against_limits(&r.metric, value, &[reference]).into(),
                crate::relative::change_with_interval(r).into(),
            ]
        })
        .collect();
    // Said before the findings: on a merge of shards it tells how to read all of them.
    let mut notes: Vec<String> = crate::relative::machines_statement(relative)
        .into_iter()
        .collect();
    notes.extend(crate::relative::findings(relative, results, 5));
    notes.extend(relative.notes.iter().cloned());
    Some((
        relative.reference.clone(),
        Table {
            header,
            right_aligned: vec![false, false, true, false, true, true, true],
            rows,
        },
        notes,
    ))
}

pub use crate::claims::claim_measured;

/// The suite's claims with their verdicts. `None` when the suite makes none.
pub fn claims_table(analysis: &Analysis) -> Option<Table> {
    if analysis.claims.is_empty() {
        return None;
    }
    let judged = &analysis.claims;
    // The verdict first, the claim beside it; where it was made last.
    let header = [
        "verdict",
        "claim",
        "claimed",
        "measured",
        "runs",
        "metric",
        "from → to",
        "source",
    ]
    .map(String::from)
    .to_vec();
    let rows = judged
        .iter()
        .map(|j| {
            // Marked like the targets, so that the verdicts read at a glance down the column.
            let verdict = match j.verdict {
                ClaimVerdict::Holds | ClaimVerdict::HoldsPartly => {
                    format!("✅ {}", j.verdict.label())
                }
                ClaimVerdict::DoesNotHold => format!("❌ {} ({})", j.verdict.label(), j.reason),
                _ => format!("❔ {} ({})", j.verdict.label(), j.reason),
            };
            vec![
                verdict.into(),
                j.claim.text.as_str().into(),
                j.claim.expect.as_str().into(),
                claim_measured(j).into(),
                j.runs
                    .map_or("—".to_string(), |runs| runs.count_text())
                    .into(),
                Cell::Code(j.claim.metric.clone()),
                format!("{} → {}", j.claim.from, j.claim.to).into(),
                j.claim.source.clone().unwrap_or_default().into(),
            ]
        })
        .collect();
    Some(Table {
        header,
        right_aligned: vec![false, false, false, false, true, false, false, false],
        rows,
    })
}

/// Every target check, one per row. `None` when the suite set no targets.
pub fn targets_table(results: &RunResults) -> Option<Table> {
    let rows: Vec<Vec<Cell>> = results
        .variants
        .iter()
        .flat_map(|v| v.targets.iter().map(move |check| target_row(v, check)))
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(Table {
        header: ["variant", "result", "metric", "target", "median"]
            .map(String::from)
            .to_vec(),
        right_aligned: vec![false, false, false, false, true],
        rows,
    })
}

fn target_row(variant: &VariantResult, check: &TargetCheck) -> Vec<Cell> {
    let median = match check.value {
        Some(value) => format_against_limits(&check.metric, value, &[check.limit]),
        None => "no value".to_string(),
    };
    let result = if check.pass { "✅ met" } else { "❌ missed" };
    vec![
        variant.name.as_str().into(),
        result.into(),
        Cell::Code(check.metric.clone()),
        check.limit_label().into(),
        median.into(),
    ]
}

/// `Targets: 5 met, 2 missed.`
pub fn target_tally(results: &RunResults) -> String {
    let checks: Vec<&TargetCheck> = results.variants.iter().flat_map(|v| &v.targets).collect();
    let met = checks.iter().filter(|c| c.pass).count();
    format!("Targets: {met} met, {} missed.", checks.len() - met)
}

/// The variants that failed, with their error (or a placeholder).
pub fn failures(results: &RunResults) -> Vec<(&str, &str)> {
    results
        .variants
        .iter()
        .filter(|v| v.status == Status::Failed)
        .map(|v| {
            let error = v.error.as_deref().unwrap_or("(no error message)");
            (v.name.as_str(), error.trim_end())
        })
        .collect()
}

/// The variants built or run with settings that change their figures (a target stage, a
/// platform, container limits), each described in one line.
pub fn settings(results: &RunResults) -> Vec<(&str, String)> {
    results
        .variants
        .iter()
        .filter(|v| !v.settings.is_default())
        .map(|v| (v.name.as_str(), v.settings.describe()))
        .collect()
}

/// The variants with notes on their figures, and the notes.
pub fn notes(results: &RunResults) -> Vec<(&str, &[String])> {
    results
        .variants
        .iter()
        .filter(|v| !v.notes.is_empty())
        .map(|v| (v.name.as_str(), v.notes.as_slice()))
        .collect()
}

/// The variant's largest layers, and a line saying what is left out. `None` without layers.
pub fn layers_table(variant: &VariantResult) -> Option<(Table, String)> {
    if variant.layers.is_empty() {
        return None;
    }
    let mut sized: Vec<&Layer> = variant.layers.iter().filter(|l| l.size_bytes > 0).collect();
    // Stable: equal sizes stay newest first, as the engine lists them.
    sized.sort_by_key(|layer| std::cmp::Reverse(layer.size_bytes));
    let shown = sized.len().min(TOP_LAYERS);
    let rows = sized[..shown]
        .iter()
        .map(|layer| {
            vec![
                format_bytes(layer.size_bytes as f64).into(),
                created_by_cell(&layer.created_by),
            ]
        })
        .collect();
    let total: u64 = variant.layers.iter().map(|l| l.size_bytes).sum();
    let mut hidden = Vec::new();
    if sized.len() > shown {
        hidden.push(format!("{} smaller", sized.len() - shown));
    }
    let empty = variant.layers.len() - sized.len();
    if empty > 0 {
        hidden.push(format!("{empty} empty (metadata only)"));
    }
    let mut note = format!(
        "{} layer(s), {} in all",
        variant.layers.len(),
        format_bytes(total as f64)
    );
    if !hidden.is_empty() {
        note.push_str(&format!("; not shown: {}", hidden.join(", ")));
    }
    note.push('.');
    let table = Table {
        header: vec!["size".to_string(), "created by".to_string()],
        right_aligned: vec![true, false],
        rows,
    };
    Some((table, note))
}

fn created_by_cell(created_by: &str) -> Cell {
    if created_by.trim().is_empty() {
        Cell::Text("(no history: a base image layer)".to_string())
    } else {
        Cell::Code(tidy_created_by(created_by))
    }
}

/// `/bin/sh -c #(nop)  LABEL a=b` -> `LABEL a=b`; `/bin/sh -c apk add x` -> `RUN apk add x`;
/// `RUN x # buildkit` -> `RUN x`; cut to a readable length.
pub fn tidy_created_by(created_by: &str) -> String {
    let mut text = created_by.trim();
    // Classic builds with build args prefix `|2 A=1 B=2 `; the command follows the shell.
    if text.starts_with('|') {
        if let Some(at) = text.find("/bin/sh -c ") {
            text = &text[at..];
        }
    }
    let text = if let Some(rest) = text.strip_prefix("/bin/sh -c #(nop) ") {
        rest.trim_start().to_string()
    } else if let Some(rest) = text.strip_prefix("/bin/sh -c ") {
        format!("RUN {rest}")
    } else {
        text.to_string()
    };
    let text = text.strip_suffix(" # buildkit").unwrap_or(&text);
    // BuildKit writes the instruction and the shell: `RUN /bin/sh -c x`.
    let text = match text.strip_prefix("RUN /bin/sh -c ") {
        Some(command) => format!("RUN {command}"),
        None => text.to_string(),
    };
    shorten(&text, CREATED_BY_MAX_CHARS)
}

/// Host, engine and dockbench build, as (what, value) rows.
pub fn environment_table(env: &Environment) -> Table {
    let unknown = || "unknown".to_string();
    let join = |parts: [&Option<String>; 2]| {
        let parts: Vec<&str> = parts.iter().filter_map(|p| p.as_deref()).collect();
        if parts.is_empty() {
            unknown()
        } else {
            parts.join(" ")
        }
    };
    let cores = match env.cpu_physical_cores {
        Some(physical) => format!(
            "{} logical, {physical} physical cores",
            env.cpu_logical_cores
        ),
        None => format!("{} logical cores", env.cpu_logical_cores),
    };
    let cpu = if env.cpu_brand.is_empty() {
        cores
    } else {
        format!("{} ({cores})", env.cpu_brand)
    };
    let mut rows: Vec<(&str, String)> = vec![
        ("CPU", cpu),
        ("memory", format_bytes(env.memory_total_bytes as f64)),
        ("OS", join([&env.os_name, &env.os_version])),
        ("kernel", env.kernel_version.clone().unwrap_or_else(unknown)),
        ("hostname", env.hostname.clone().unwrap_or_else(unknown)),
    ];
    rows.extend(engine_rows(env));
    rows.push((
        "dockbench",
        format!("{} ({})", env.dockbench_version, env.dockbench_git_commit),
    ));
    Table {
        header: vec!["".to_string(), "".to_string()],
        right_aligned: vec![false, false],
        rows: rows
            .into_iter()
            .map(|(what, value)| vec![what.into(), value.into()])
            .collect(),
    }
}

fn engine_rows(env: &Environment) -> Vec<(&'static str, String)> {
    let Some(engine) = &env.engine else {
        return vec![(
            "Docker",
            "unknown (the engine could not be asked)".to_string(),
        )];
    };
    vec![
        (
            engine.kind.name(),
            format!("{} (API {})", engine.docker_version, engine.api_version),
        ),
        ("storage driver", engine.store_label()),
        (
            "cgroup",
            format!(
                "v{}, {} driver",
                engine.cgroup_version, engine.cgroup_driver
            ),
        ),
        (
            "engine host",
            format!(
                "{}, {} CPUs, {}",
                engine.operating_system,
                engine.ncpu,
                format_bytes(engine.mem_total_bytes as f64)
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_by_is_tidied() {
        let t = tidy_created_by;
        assert_eq!(t("/bin/sh -c #(nop)  LABEL a=b"), "LABEL a=b");
        assert_eq!(t("/bin/sh -c apk add  curl"), "RUN apk add curl");
        assert_eq!(t("|1 V=2 /bin/sh -c make"), "RUN make");
        assert_eq!(t("COPY www /www # buildkit"), "COPY www /www");
        assert_eq!(t(&"x".repeat(200)).chars().count(), CREATED_BY_MAX_CHARS);
    }

    /// A run of fixed runs says how many; a run sampled until decided, the range its variants
    /// got, its bounds, why it stopped, and each variant's rounds and reason.
    #[test]
    fn the_run_line_says_how_far_sampling_went() {
        use crate::results::{Sampling, Stop, VariantSampling};
        let mut results = crate::report::testdata::run_results();
        assert!(run_line(&results).starts_with("3 run(s) per variant; started "));
        assert_eq!(sampling_text(&results), None);
        let each = |rounds, stopped| VariantSampling { rounds, stopped };
        results.sampling = Some(Sampling {
            min_runs: 3,
            max_runs: 10,
            budget_s: Some(1800.0),
            stopped: Some(Stop::Cap),
            variants: [
                ("a".to_string(), each(10, Stop::Cap)),
                ("b".to_string(), each(3, Stop::Decided)),
            ]
            .into(),
        });
        assert!(run_line(&results).starts_with("3 to 10 runs per variant; started "));
        assert_eq!(
            sampling_text(&results).unwrap(),
            "Sampled until decided (3 to 10 runs, budget 30m): stopped at the cap of \
             runs; runs per variant: a 10 (at the cap of runs), b 3 (decided)."
        );
    }
}
