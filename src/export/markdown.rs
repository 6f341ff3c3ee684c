//! `--export-markdown`: the summary table as a markdown table, one row per variant and one
//! column per metric, each cell the median ± spread with its target check, as `dockbench run`
//! prints it; then the claims' verdicts, when the suite makes claims.

use crate::analysis::Analysis;
use std::fmt::Write;

use super::Exporter;
use crate::format::{format_against_limits, format_spread};
use crate::metric::Direction;
use crate::results::metric_columns;
use crate::results::{RunResults, VariantResult};

/// Shown for a metric a variant has no value for.
const MISSING: &str = "—";

pub struct MarkdownExporter;

impl Exporter for MarkdownExporter {
    fn serialize(&self, results: &RunResults, analysis: &Analysis) -> anyhow::Result<Vec<u8>> {
        let columns = metric_columns(&results.variants);
        let mut out = String::new();
        let headers: Vec<String> = columns.iter().map(|c| cell_text(c)).collect();
        writeln!(out, "| variant | status | {} |", headers.join(" | "))?;
        writeln!(out, "|:---|:---|{}", "---:|".repeat(columns.len()))?;
        for variant in &results.variants {
            let status = variant.status_text();
            let cells: Vec<String> = columns.iter().map(|c| cell(variant, c)).collect();
            let name = cell_text(&variant.name);
            writeln!(out, "| {name} | {status} | {} |", cells.join(" | "))?;
        }
        // The verdicts on the suite's claims, as report.md shows them.
        if let Some(claims) = crate::report::sections::claims_table(analysis) {
            writeln!(out, "\n{}", crate::report::markdown::table(&claims))?;
        }
        Ok(out.into_bytes())
    }
}

/// `12.31 s ± 0.40 ✓ ≤ 3m`; `—` when not measured.
fn cell(variant: &VariantResult, metric: &str) -> String {
    let checks: Vec<_> = variant
        .targets
        .iter()
        .filter(|t| t.metric == metric)
        .collect();
    let mut text = match variant.metrics.get(metric) {
        None => MISSING.to_string(),
        Some(s) => {
            let limits: Vec<f64> = checks.iter().map(|c| c.limit).collect();
            let median = format_against_limits(metric, s.median, &limits);
            if s.stddev > 0.0 {
                format!("{median} ± {}", format_spread(metric, s.median, s.stddev))
            } else {
                median
            }
        }
    };
    for check in checks {
        let mark = if check.pass { "✓" } else { "✗" };
        let sign = match check.direction {
            Direction::AtMost => "≤",
            Direction::AtLeast => "≥",
        };
        write!(text, " {mark} {sign} {}", check.limit_text).unwrap();
    }
    cell_text(&text)
}

/// Pipes would end the cell; angle brackets would be HTML.
fn cell_text(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::sample_results;

    #[test]
    fn summary_table() {
        let bytes = MarkdownExporter
            .serialize(
                &sample_results(),
                &crate::analysis::Analysis::of(&sample_results()),
            )
            .unwrap();
        insta::assert_snapshot!(String::from_utf8(bytes).unwrap());
    }

    #[test]
    fn claims_follow_the_table() {
        let mut results = sample_results();
        results.claims = vec![crate::claims::ClaimSpec {
            text: "build-only is larger".into(),
            source: Some("a review".into()),
            metric: "image_size_bytes".into(),
            from: "alpine".into(),
            to: "build-only".into(),
            expect: "+100%".into(),
        }];
        let text = String::from_utf8(
            MarkdownExporter
                .serialize(&results, &crate::analysis::Analysis::of(&results))
                .unwrap(),
        )
        .unwrap();
        let claims = text
            .split_once("\n\n")
            .expect("a claims table after the summary")
            .1;
        assert!(
            claims.starts_with("| verdict | claim | claimed | measured | runs | metric |"),
            "{claims}"
        );
        assert!(
            claims.contains(
                "| ✅ holds | build-only is larger | +100% | 52.4 MB → 123.5 MB (+136%, exact) \
                 | 3 vs 1 | `image_size_bytes` | alpine → build-only | a review |"
            ),
            "{claims}"
        );
        // alpine ran 3 times and build-only once: the verdict says both.
        assert_eq!(
            crate::analysis::Analysis::of(&results).claims[0].runs,
            Some(crate::analysis::Runs { base: 3, head: 1 })
        );
    }
}
