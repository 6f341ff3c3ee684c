//! `--export-github-benchmark`: input for github-action-benchmark with
//! `tool: customSmallerIsBetter`, a JSON array of `{name, unit, value, range?, extra?}` where
//! `value` is a number and `range` and `extra` are strings (the action's `BenchmarkResult`).
//!
//! That tool assumes every value is better when smaller. Times, sizes and memory are; cache
//! hit rates and dive's image efficiency are not, so each is exported as its complement,
//! `cache_miss_rate` (1 − hit rate) and `image_inefficiency` (1 − efficiency), 0..1 fractions
//! that are smaller-is-better and say the same thing.

use crate::analysis::Analysis;
use serde::Serialize;

use super::{measured, Exporter, Measured};
use crate::format::format_value;
use crate::metric::{self, Direction, CACHE_HIT_RATE, IMAGE_EFFICIENCY};
use crate::results::RunResults;

/// The name a cache hit rate is exported under, complemented.
pub const CACHE_MISS_RATE: &str = "cache_miss_rate";
/// The name dive's image efficiency is exported under, complemented.
pub const IMAGE_INEFFICIENCY: &str = "image_inefficiency";

/// One entry, as github-action-benchmark reads it.
#[derive(Debug, Serialize)]
struct Entry {
    /// `suite/variant/metric`: unique across suites, so several exports can share one chart page.
    name: String,
    unit: &'static str,
    value: f64,
    /// `± 0.12`: the sample standard deviation, in `unit`; absent for a single sample.
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<String>,
    /// Shown in the chart's tooltip.
    extra: String,
}

pub struct GithubBenchmarkExporter;

impl Exporter for GithubBenchmarkExporter {
    fn serialize(&self, results: &RunResults, _: &Analysis) -> anyhow::Result<Vec<u8>> {
        let entries: Vec<Entry> = measured(results)
            .iter()
            .map(|row| entry(&results.suite, row))
            .collect();
        let mut json = serde_json::to_vec_pretty(&entries)?;
        json.push(b'\n');
        Ok(json)
    }
}

fn entry(suite: &str, row: &Measured) -> Entry {
    let s = &row.summary;
    let complement = metric::direction_of(row.metric) == Direction::AtLeast;
    let (name, value) = if complement {
        (complement_name(row.metric), 1.0 - s.median)
    } else {
        (row.metric.to_string(), s.median)
    };
    let n = s.samples.len();
    let samples: Vec<String> = s
        .samples
        .iter()
        .map(|&v| format_value(row.metric, v))
        .collect();
    let runs = if n == 1 { "run" } else { "runs" };
    let mut extra = format!("median of {n} {runs}: {}", samples.join(", "));
    if complement {
        extra.push_str(&format!(
            "\n1 − {} ({})",
            row.metric,
            format_value(row.metric, s.median)
        ));
    }
    Entry {
        name: format!("{suite}/{}/{name}", row.variant),
        unit: metric::unit_of(row.metric).label(),
        value,
        range: (n >= 2).then(|| format!("± {}", significant(s.stddev, 4))),
        extra,
    }
}

/// The smaller-is-better name of a bigger-is-better metric: `cache_hit_rate.source` ->
/// `cache_miss_rate.source`, `image_efficiency` -> `image_inefficiency`.
fn complement_name(metric_name: &str) -> String {
    let base = match metric::base_name(metric_name) {
        CACHE_HIT_RATE => CACHE_MISS_RATE,
        IMAGE_EFFICIENCY => IMAGE_INEFFICIENCY,
        other => panic!("{other} is bigger-is-better but has no smaller-is-better name"),
    };
    match metric::edit_name(metric_name) {
        Some(edit) => metric::per_edit(base, edit),
        None => base.to_string(),
    }
}

/// `x` to `digits` significant digits without trailing zeros or an exponent: 0.40414 ->
/// `0.4041`, 0.09999999999999987 -> `0.1`.
fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".to_string();
    }
    let decimals_for = |v: f64| (digits - 1 - v.abs().log10().floor() as i32).max(0) as usize;
    // Rounding can carry into the next power of ten (0.099996 -> 0.1000), so the digits are
    // counted again on the rounded text.
    let rounded: f64 = format!("{x:.*}", decimals_for(x)).parse().unwrap_or(x);
    let text = format!("{rounded:.*}", decimals_for(rounded));
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::export::tests::sample_results;

    /// The documented shape: an array of objects with `name` (string), `unit` (string), `value`
    /// (number), optional `range` and `extra` (strings), and nothing else.
    #[test]
    fn matches_the_custom_smaller_is_better_shape() {
        let bytes = GithubBenchmarkExporter
            .serialize(
                &sample_results(),
                &crate::analysis::Analysis::of(&sample_results()),
            )
            .unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let entries = value.as_array().expect("a JSON array");
        assert_eq!(entries.len(), 7);
        for e in entries {
            let object = e.as_object().expect("each entry an object");
            for key in object.keys() {
                assert!(
                    ["name", "unit", "value", "range", "extra"].contains(&key.as_str()),
                    "{key}"
                );
            }
            assert!(e["name"].is_string() && e["unit"].is_string(), "{e}");
            assert!(e["value"].is_number(), "{e}");
            for optional in ["range", "extra"] {
                assert!(e.get(optional).is_none_or(Value::is_string), "{e}");
            }
            let name = e["name"].as_str().unwrap();
            assert!(
                !name.contains(CACHE_HIT_RATE),
                "bigger-is-better {name} exported"
            );
        }
        insta::assert_snapshot!(String::from_utf8(bytes).unwrap());
    }

    /// Every bigger-is-better metric has a complement: a metric added later cannot make the
    /// export panic, as `image_efficiency` once did.
    #[test]
    fn every_bigger_is_better_metric_has_a_complement() {
        for name in metric::BASE_METRICS {
            if metric::direction_of(name) == Direction::AtLeast {
                assert_ne!(complement_name(name), *name);
            }
        }
        assert_eq!(complement_name("image_efficiency"), "image_inefficiency");
        assert_eq!(complement_name("cache_hit_rate.src"), "cache_miss_rate.src");
    }

    #[test]
    fn ranges_are_short() {
        assert_eq!(significant(0.404_145_188, 4), "0.4041");
        assert_eq!(significant(261_234.5, 4), "261234");
        assert_eq!(significant(12.0, 4), "12");
        assert_eq!(significant(0.099_999_999_999_999_87, 4), "0.1");
        assert_eq!(significant(0.0, 4), "0");
    }

    #[test]
    fn hit_rates_become_miss_rates() {
        let bytes = GithubBenchmarkExporter
            .serialize(
                &sample_results(),
                &crate::analysis::Analysis::of(&sample_results()),
            )
            .unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let find = |name: &str| {
            value
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["name"] == name)
                .unwrap_or_else(|| panic!("{name} missing"))
                .clone()
        };
        let miss = find("web/alpine/cache_miss_rate.source");
        assert_eq!(miss["value"].as_f64().unwrap(), 0.125);
        assert_eq!(miss["unit"], "fraction");
        let size = find("web/alpine/image_size_bytes");
        assert_eq!(size["unit"], "bytes");
        assert!(size.get("range").unwrap().is_string());
        let single = find("web/build-only/cold_build_s");
        assert!(single.get("range").is_none(), "one sample has no spread");
    }
}
