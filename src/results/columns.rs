//! Which metrics a report shows, and in what order, shared by every report format so that the
//! terminal table, markdown and charts list metrics alike.

use crate::metric::{self, BASE_METRICS};
use crate::results::VariantResult;

/// Every metric measured or targeted by any variant: `BASE_METRICS` order, each base followed by
/// its per-edit metrics (`rebuild_s.<edit>`), edits in the order first seen. Targeted metrics
/// count even when never measured, so that a miss for lack of a value still gets a column.
pub fn metric_columns(variants: &[VariantResult]) -> Vec<String> {
    let seen = names_first_seen(variants);
    let mut edits: Vec<&str> = Vec::new();
    for edit in seen.iter().filter_map(|name| metric::edit_name(name)) {
        if !edits.contains(&edit) {
            edits.push(edit);
        }
    }
    let mut columns: Vec<String> = Vec::new();
    for &base in BASE_METRICS {
        let names = std::iter::once(base.to_string())
            .chain(edits.iter().map(|edit| metric::per_edit(base, edit)));
        columns.extend(names.filter(|name| seen.contains(name)));
    }
    // Names this version does not know (say, results from a newer dockbench) still show, last.
    for name in seen {
        if !columns.contains(&name) {
            columns.push(name);
        }
    }
    columns
}

/// Metric names across variants in order of appearance: each variant's measured metrics (in
/// name order, as stored), then its targets.
fn names_first_seen(variants: &[VariantResult]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for variant in variants {
        let measured = variant.metrics.keys();
        let targeted = variant.targets.iter().map(|t| &t.metric);
        for name in measured.chain(targeted) {
            if !seen.contains(name) {
                seen.push(name.clone());
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A variant that measured `metrics` (one sample each).
    fn variant(metrics: &[&str]) -> VariantResult {
        let one: &[f64] = &[1.0];
        let samples: Vec<(&str, &[f64])> = metrics.iter().map(|m| (*m, one)).collect();
        crate::results::testdata::variant("v", &samples)
    }

    #[test]
    fn base_order_with_edits_after_their_base() {
        let a = variant(&[
            "image_size_bytes",
            "rebuild_s.source",
            "cold_build_s",
            "cache_hit_rate.source",
            "cache_hit_rate",
        ]);
        let b = variant(&["rebuild_s.deps", "rebuild_s.source", "future_metric_s"]);
        assert_eq!(
            metric_columns(&[a, b]),
            [
                "cold_build_s",
                "rebuild_s.source",
                "rebuild_s.deps",
                "cache_hit_rate",
                "cache_hit_rate.source",
                "image_size_bytes",
                "future_metric_s",
            ]
        );
    }

    #[test]
    fn no_variants_no_columns() {
        assert!(metric_columns(&[]).is_empty());
    }
}
