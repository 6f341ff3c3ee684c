//! What chart axes say: a metric's human title, one unit for a whole axis (`MB`, `s`, `%`), and
//! ticks on 1-2-5 steps of that unit.
//!
//! `format::format_value` picks a unit per value, which suits a table cell; an axis needs a
//! single unit for all its ticks (`0, 20, 40 MB`, never `500 kB, 1.00 MB`), chosen from the
//! largest value drawn. Ticks are chosen in that unit, not in the metric's own: 50 s steps shown
//! in minutes read `0.83, 1.67`, while 1 min steps read `1, 2, 3`. Values written on bars still
//! go through `format`.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

use crate::format::metric_title;
use crate::metric::{self, Unit};

/// The number of steps between 0 and the top of an axis aimed at: enough to read a value off,
/// few enough that tick labels never crowd.
const STEPS_AIMED_AT: i64 = 5;

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

/// A value axis from 0: its unit, its top and its ticks, all in the metric's own unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub unit: AxisUnit,
    /// The top of the axis (at or above the largest value; not necessarily a tick).
    pub top: f64,
    /// 0 and every multiple of one 1-2-5 step of `unit` up to `top`.
    pub ticks: Vec<f64>,
}

impl Scale {
    /// The axis for values of `metric` from 0 to `top` (headroom already included). Fractions
    /// get no tick above 100%, which no rate can reach.
    pub fn new(metric: &str, top: f64) -> Scale {
        let top = if top > 0.0 && top.is_finite() {
            top
        } else {
            1.0
        };
        let unit = AxisUnit::for_metric(metric, top);
        let mut last = top / unit.divisor;
        if metric::unit_of(metric) == Unit::Fraction {
            last = last.min(100.0);
        }
        let ticks = nice_ticks(last, top / unit.divisor)
            .into_iter()
            .map(|t| t * unit.divisor)
            .collect();
        Scale { unit, top, ticks }
    }

    /// The scale of a bar or line chart whose largest value is `max_value`, with room above it
    /// for the labels drawn over bars.
    pub fn with_headroom(metric: &str, max_value: f64) -> Scale {
        Scale::new(metric, axis_top(max_value))
    }

    /// The 0..top range whose key points are the ticks, so that the mesh and its labels land
    /// on them.
    pub fn range(&self) -> Ticked {
        Ticked {
            inner: (0f64..self.top).into(),
            ticks: self.ticks.clone(),
        }
    }
}

/// A plotters coordinate over `f64` whose key points are given, not computed. (Plotters'
/// own `WithKeyPoints` does this too, but cannot take a mesh: it has no value formatter, which
/// `DefaultFormatting` gives this one.)
#[derive(Clone)]
pub struct Ticked {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Plotters asks for none where an axis has its labels turned off.
        if hint.max_num_points() == 0 {
            return Vec::new();
        }
        self.ticks.clone()
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// 0, s, 2s, … up to `last` (in display units), where s is the step [`nice_step`] picks for
/// `span`.
pub fn nice_ticks(last: f64, span: f64) -> Vec<f64> {
    let step = nice_step(span);
    let count = (last / step + 1e-9).floor() as usize;
    // Multiplying (not adding) keeps 0.1 steps at 0.3, not 0.30000000000000004.
    (0..=count)
        .map(|k| round_to_step(k as f64 * step, step))
        .collect()
}

/// The step of 1, 2 or 5 times a power of ten whose whole steps over `span` come nearest to
/// [`STEPS_AIMED_AT`]; of two equally near, the larger step (fewer labels).
pub fn nice_step(span: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let smallest = 10f64.powf((span / 10.0).log10().floor());
    let candidates = (0..3).flat_map(|k| [1.0, 2.0, 5.0].map(|m| m * smallest * 10f64.powi(k)));
    let steps = |step: f64| (span / step + 1e-9).floor() as i64;
    candidates
        .rev()
        .min_by_key(|&step| (steps(step) - STEPS_AIMED_AT).abs())
        .unwrap_or(1.0)
}

fn round_to_step(value: f64, step: f64) -> f64 {
    let decimals = (-step.log10().floor()).max(0.0) as i32 + 1;
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
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

    /// The ticks of a scale as its labels read.
    fn labels(scale: &Scale) -> Vec<String> {
        scale.ticks.iter().map(|t| scale.unit.tick(*t)).collect()
    }

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(200.0), 50.0);
        assert_eq!(nice_step(6.0), 1.0);
        assert_eq!(nice_step(7.0), 2.0);
        assert_eq!(nice_step(3.33), 0.5);
        assert_eq!(nice_step(0.9), 0.2);
        assert_eq!(nice_step(25.0), 5.0);
        assert_eq!(nice_step(31.0), 5.0);
        assert_eq!(nice_step(1.21), 0.2, "six steps rather than two");
        assert_eq!(nice_step(14.0), 2.0);
        assert_eq!(nice_ticks(200.0, 200.0), [0.0, 50.0, 100.0, 150.0, 200.0]);
        assert_eq!(nice_ticks(0.7, 0.7), [0.0, 0.2, 0.4, 0.6]);
    }

    /// Issue 27: 0..200 s was ticked at 0.83, 1.67, 3.33 min (50 s steps shown in minutes).
    #[test]
    fn ticks_fall_on_whole_steps_of_the_unit_shown() {
        let scale = Scale::new("cold_build_s", 200.0);
        assert_eq!(scale.unit.suffix, "min");
        assert_eq!(labels(&scale), ["0", "0.5", "1", "1.5", "2", "2.5", "3"]);
        assert_eq!(scale.ticks, [0.0, 30.0, 60.0, 90.0, 120.0, 150.0, 180.0]);
        let scale = Scale::new("cold_build_s", 400.0);
        assert_eq!(labels(&scale), ["0", "1", "2", "3", "4", "5", "6"]);
        let scale = Scale::new("image_wasted_bytes", 1.21e6);
        assert_eq!(
            labels(&scale),
            ["0", "0.2", "0.4", "0.6", "0.8", "1", "1.2"]
        );
        let scale = Scale::new("cold_build_s", 150.0);
        assert_eq!(labels(&scale), ["0", "50", "100", "150"]);
        let scale = Scale::new("image_size_bytes", 264e6);
        assert_eq!(scale.unit.suffix, "MB");
        assert_eq!(labels(&scale), ["0", "50", "100", "150", "200", "250"]);
        let scale = Scale::new("memory_peak_bytes", 2.4e9);
        assert_eq!(labels(&scale), ["0", "0.5", "1", "1.5", "2"]);
        let scale = Scale::new("startup_s", 0.45);
        assert_eq!(labels(&scale), ["0", "100", "200", "300", "400"]);
    }

    #[test]
    fn rates_stop_at_a_hundred_percent() {
        let scale = Scale::with_headroom("cache_hit_rate", 0.95);
        assert!(scale.top > 1.0, "room for the label over a 95% bar");
        assert_eq!(labels(&scale), ["0", "20", "40", "60", "80", "100"]);
    }

    #[test]
    fn an_empty_axis_still_has_ticks() {
        let scale = Scale::with_headroom("image_wasted_bytes", 0.0);
        assert_eq!(scale.top, 1.0);
        assert_eq!(scale.ticks.first(), Some(&0.0));
        assert!(scale.ticks.len() >= 2);
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
