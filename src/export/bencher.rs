//! `--export-bencher`: Bencher Metric Format (BMF) JSON,
//! `{ "<benchmark>": { "<measure slug>": { "value", "lower_value"?, "upper_value"? } } }`.
//!
//! The benchmark is `suite/variant`; each metric is a measure, named by its slug
//! (`rebuild_s.source` -> `rebuild-s-source`, at most 64 characters as Bencher requires), so
//! Bencher creates it on first sight. `value` is the median and the bounds are the smallest
//! and largest samples, in the metric's unit. Rates stay as they are: Bencher thresholds can
//! watch either direction.

use crate::analysis::Analysis;
use std::collections::BTreeMap;

use serde::Serialize;

use super::{measured, Exporter};
use crate::results::RunResults;

/// Bencher's limit on a measure slug.
const MAX_SLUG_CHARS: usize = 64;

#[derive(Debug, Serialize)]
struct Metric {
    value: f64,
    lower_value: f64,
    upper_value: f64,
}

pub struct BencherExporter;

impl Exporter for BencherExporter {
    fn serialize(&self, results: &RunResults, _: &Analysis) -> anyhow::Result<Vec<u8>> {
        // BTreeMaps keep the output in a stable order for diffs and snapshots.
        let mut benchmarks: BTreeMap<String, BTreeMap<String, Metric>> = BTreeMap::new();
        for row in measured(results) {
            let benchmark = format!("{}/{}", results.suite, row.variant);
            let metric = Metric {
                value: row.summary.median,
                lower_value: row.summary.min,
                upper_value: row.summary.max,
            };
            benchmarks
                .entry(benchmark)
                .or_default()
                .insert(slug(row.metric), metric);
        }
        let mut json = serde_json::to_vec_pretty(&benchmarks)?;
        json.push(b'\n');
        Ok(json)
    }
}

/// Lowercase letters, digits and single dashes: `cache_hit_rate.Source` -> `cache-hit-rate-source`.
fn slug(metric_name: &str) -> String {
    let mut out = String::new();
    for c in metric_name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut cut: String = out.chars().take(MAX_SLUG_CHARS).collect();
    while cut.ends_with('-') {
        cut.pop();
    }
    cut
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::export::tests::sample_results;

    /// The documented shape (BMF JSON schema): an object of benchmarks, each an object of
    /// measures, each an object with a required numeric `value` and optional numeric
    /// `lower_value` and `upper_value`, nothing else.
    #[test]
    fn matches_the_bencher_metric_format() {
        let bytes = BencherExporter
            .serialize(
                &sample_results(),
                &crate::analysis::Analysis::of(&sample_results()),
            )
            .unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let benchmarks = value.as_object().expect("an object of benchmarks");
        assert_eq!(
            benchmarks.keys().collect::<Vec<_>>(),
            ["web/alpine", "web/build-only"]
        );
        for measures in benchmarks.values() {
            for (slug, metric) in measures.as_object().expect("an object of measures") {
                assert!(slug.len() <= MAX_SLUG_CHARS);
                assert!(
                    slug.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "{slug}"
                );
                let metric = metric.as_object().expect("a metric object");
                assert!(metric["value"].is_number());
                for (key, number) in metric {
                    assert!(
                        ["value", "lower_value", "upper_value"].contains(&key.as_str()),
                        "{key}"
                    );
                    assert!(number.is_number(), "{key}");
                }
            }
        }
        let cold = &value["web/alpine"]["cold-build-s"];
        assert_eq!(cold["value"].as_f64(), Some(12.31));
        assert_eq!(cold["lower_value"].as_f64(), Some(12.1));
        assert_eq!(cold["upper_value"].as_f64(), Some(12.9));
        insta::assert_snapshot!(String::from_utf8(bytes).unwrap());
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("cold_build_s"), "cold-build-s");
        assert_eq!(slug("cache_hit_rate.Source"), "cache-hit-rate-source");
        assert_eq!(slug("rebuild_s.__x__"), "rebuild-s-x");
        assert_eq!(slug(&format!("rebuild_s.{}", "e".repeat(100))).len(), 64);
    }
}
