//! What chart axes say: a metric's human title, and one unit for a whole axis (`MB`, `s`, `%`).
//!
//! `format::format_value` picks a unit per value, which suits a table cell; an axis needs a
//! single unit for all its ticks (`0, 20, 40 MB`, never `500 kB, 1.00 MB`), chosen from the
//! largest value drawn. Values written on bars still go through `format`.

use crate::format::metric_title;
use crate::metric::{self, Unit};

/// One unit for an axis: a tick `v` is shown as `v / divisor` followed by `suffix`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AxisUnit {
    pub divisor: f64,
    pub suffix: &'static str,
}

impl AxisUnit {
    /// The axis unit for values of `metric` up to `max_value` (in the metric's own unit).
    pub fn for_metric(metric: &str, max_value: f64) -> AxisUnit {
        match metric::unit_of(metric) {
            Unit::Seconds => seconds_unit(max_value),
            Unit::Bytes => bytes_unit(max_value),
            Unit::Fraction => AxisUnit {
                divisor: 0.01,
                suffix: "%",
            },
            Unit::Count => AxisUnit {
                divisor: 1.0,
                suffix: "",
            },
        }
    }

    /// A tick label: `20`, `2.5`, `0.25` — at most two decimals, no trailing zeros, since the
    /// unit is in the axis title.
    pub fn tick(&self, value: f64) -> String {
        let text = format!("{:.2}", value / self.divisor);
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text == "-0" {
            "0".to_string()
        } else {
            text.to_string()
        }
    }
}

fn seconds_unit(max_s: f64) -> AxisUnit {
    let (divisor, suffix) = if max_s < 1.0 {
        (0.001, "ms")
    } else if max_s < 180.0 {
        (1.0, "s")
    } else {
        (60.0, "min")
    };
    AxisUnit { divisor, suffix }
}

/// Decimal, like `format_bytes` and `docker images`.
fn bytes_unit(max_bytes: f64) -> AxisUnit {
    let (divisor, suffix) = if max_bytes < 1e3 {
        (1.0, "B")
    } else if max_bytes < 1e6 {
        (1e3, "kB")
    } else if max_bytes < 1e9 {
        (1e6, "MB")
    } else {
        (1e9, "GB")
    };
    AxisUnit { divisor, suffix }
}

/// `Cold build time (s)`: the y axis title of a metric chart.
pub fn axis_title(metric_name: &str, unit: AxisUnit) -> String {
    format!("{} ({})", metric_title(metric_name), unit.suffix)
}

/// The top of a value axis: room above the largest value for the labels drawn over bars.
pub fn axis_top(max_value: f64) -> f64 {
    if max_value > 0.0 && max_value.is_finite() {
        max_value * 1.18
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_unit_per_axis_from_the_largest_value() {
        let unit = AxisUnit::for_metric("image_size_bytes", 52.4e6);
        assert_eq!(unit.suffix, "MB");
        assert_eq!(unit.tick(0.0), "0");
        assert_eq!(unit.tick(500e3), "0.5");
        assert_eq!(unit.tick(20e6), "20");
        assert_eq!(AxisUnit::for_metric("startup_s", 0.4).tick(0.25), "250");
        assert_eq!(AxisUnit::for_metric("cold_build_s", 12.0).tick(2.5), "2.5");
        assert_eq!(AxisUnit::for_metric("cold_build_s", 600.0).suffix, "min");
        assert_eq!(
            AxisUnit::for_metric("cache_hit_rate.deps", 1.0).tick(0.8),
            "80"
        );
        assert_eq!(AxisUnit::for_metric("memory_peak_bytes", 2e9).suffix, "GB");
    }

    #[test]
    fn titles() {
        assert_eq!(metric_title("cold_build_s"), "Cold build time");
        assert_eq!(
            metric_title("rebuild_s.deps"),
            "Rebuild time after edit \u{201c}deps\u{201d}"
        );
        assert_eq!(metric_title("cache_hit_rate"), "Cache hit rate (no change)");
        assert_eq!(metric_title("future_metric_s"), "future_metric_s");
        let unit = AxisUnit::for_metric("image_size_bytes", 1e6);
        assert_eq!(axis_title("image_size_bytes", unit), "Image size (MB)");
    }
}
