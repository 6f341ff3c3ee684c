//! Human-readable numbers and metric names for every stage that prints (reports, compare,
//! exports, the relative table): times, sizes and rates in units a reader knows, with enough
//! digits that a value never looks equal to a target it misses.
//!
//! Sizes are decimal (`MB` = 10^6 bytes) to match `docker images` and the suite's `"600MB"`.

use crate::metric::{self, Unit};
use crate::stats::Summary;

/// At most this many digits are added to tell a value from its limit; beyond that the two
/// differ by less than anything a benchmark can measure.
const MAX_EXTRA_DECIMALS: usize = 6;

/// How one value is shown: divided by `divisor`, with `decimals` digits, then `suffix`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scale {
    divisor: f64,
    decimals: usize,
    suffix: &'static str,
    /// A minute or more of seconds prints as `3m 05.2s`.
    minutes: bool,
}

impl Scale {
    const fn plain(divisor: f64, decimals: usize, suffix: &'static str) -> Scale {
        Scale {
            divisor,
            decimals,
            suffix,
            minutes: false,
        }
    }
}

/// What a metric measures, for chart titles: `Rebuild time after edit "deps"`.
pub fn metric_title(metric_name: &str) -> String {
    let edit = metric::edit_name(metric_name);
    let base = match metric::base_name(metric_name) {
        metric::COLD_BUILD_S => "Cold build time",
        metric::WARM_BUILD_S => "Warm build time (no change)",
        metric::REBUILD_S => "Rebuild time",
        metric::CACHE_HIT_RATE if edit.is_none() => "Cache hit rate (no change)",
        metric::CACHE_HIT_RATE => "Cache hit rate",
        metric::IMAGE_SIZE_BYTES => "Image size",
        metric::IMAGE_WASTED_BYTES => "Wasted bytes in the image",
        metric::IMAGE_COMPRESSED_BYTES => "Compressed image size",
        metric::IMAGE_EFFICIENCY => "Image efficiency",
        metric::IMAGE_FILES => "Files in the image",
        metric::STARTUP_S => "Startup time",
        metric::HEALTHY_S => "Time to healthy",
        metric::MEMORY_IDLE_BYTES => "Idle memory",
        metric::MEMORY_PEAK_BYTES => "Peak memory",
        metric::STACK_STARTUP_S => "Stack startup time",
        metric::DEPS_READY_S => "Dependencies ready",
        metric::STACK_MEMORY_IDLE_BYTES => "Idle memory of the stack",
        metric::STACK_MEMORY_PEAK_BYTES => "Peak memory of the stack (sum of peaks)",
        _ => return metric_name.to_string(),
    };
    match edit {
        // The suffix of a memory figure is a stack's service, not an edit.
        Some(service) if metric::base_name(metric_name) == metric::MEMORY_IDLE_BYTES => {
            format!("{base} of service \u{201c}{service}\u{201d}")
        }
        Some(edit) => format!("{base} after edit \u{201c}{edit}\u{201d}"),
        None => base.to_string(),
    }
}

/// The median or any value of `metric`, in its readable unit: `12.31 s`, `142.3 MB`, `66.7%`.
pub fn format_value(metric: &str, value: f64) -> String {
    let unit = metric::unit_of(metric);
    render(scale_for(unit, value), value)
}

/// Like [`format_value`], with more digits where needed so that the value and each of `limits`
/// print differently (600.04 MB against 600 MB is `600.04 MB`, never `600.0 MB`).
pub fn format_against_limits(metric: &str, value: f64, limits: &[f64]) -> String {
    let unit = metric::unit_of(metric);
    let mut scale = scale_for(unit, value);
    let max_decimals = scale.decimals + MAX_EXTRA_DECIMALS;
    while scale.decimals < max_decimals && looks_like_a_limit(scale, value, limits) {
        scale.decimals += 1;
    }
    render(scale, value)
}

/// The spread (standard deviation) to print after a median: in the median's unit and precision
/// without repeating the unit (`0.40` for `12.31 s`), or with its own unit when the median is in
/// minutes (`4.1 s`).
pub fn format_spread(metric: &str, median: f64, spread: f64) -> String {
    let scale = scale_for(metric::unit_of(metric), median);
    if scale.minutes {
        return format_seconds(spread);
    }
    format!("{:.*}", scale.decimals, spread / scale.divisor)
}

/// A table cell's number: the median, told apart from each of `limits`, then `± spread` unless
/// every sample was the same (`12.31 s ± 0.40`, `142.3 MB`).
pub fn median_with_spread(metric: &str, summary: &Summary, limits: &[f64]) -> String {
    let median = format_against_limits(metric, summary.median, limits);
    if summary.stddev > 0.0 {
        let spread = format_spread(metric, summary.median, summary.stddev);
        format!("{median} ± {spread}")
    } else {
        median
    }
}

/// A difference of two values of `metric`, signed, with three significant figures in the
/// metric's own terms: `+10.2 kB`, `-38.6 s`, `+24.0 pp` (percentage points, for rates),
/// `+12` (files).
pub fn format_difference(metric: &str, difference: f64) -> String {
    let sign = match difference {
        d if d < 0.0 => "-",
        d if d > 0.0 => "+",
        _ => "",
    };
    let size = difference.abs();
    let text = match metric::unit_of(metric) {
        Unit::Fraction => {
            let pp = size * 100.0;
            let decimals = if pp >= 1.0 || pp == 0.0 { 1 } else { 2 };
            format!("{pp:.decimals$} pp")
        }
        unit => render(scale_for(unit, size), size),
    };
    // A difference that rounds to nothing shows no sign: `+0.00 pp` reads as a change.
    let sign = if text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        sign
    } else {
        ""
    };
    format!("{sign}{text}")
}

/// `234 ms`, `12.31 s`, `3m 05.2s`.
pub fn format_seconds(seconds: f64) -> String {
    render(scale_for(Unit::Seconds, seconds), seconds)
}

/// Decimal units like `docker images`: `123 B`, `52.4 kB`, `5.24 MB`, `142.3 MB`, `1.23 GB`.
pub fn format_bytes(bytes: f64) -> String {
    render(scale_for(Unit::Bytes, bytes), bytes)
}

/// A 0..1 rate as a percentage: `66.7%`.
pub fn format_fraction(fraction: f64) -> String {
    render(scale_for(Unit::Fraction, fraction), fraction)
}

/// Compares the printed text, not rounded numbers: float rounding and `format!` can disagree
/// on a tie, and only what the reader sees matters.
fn looks_like_a_limit(scale: Scale, value: f64, limits: &[f64]) -> bool {
    let shown = render(scale, value);
    limits
        .iter()
        .any(|&limit| limit != value && render(scale, limit) == shown)
}

fn scale_for(unit: Unit, value: f64) -> Scale {
    let magnitude = value.abs();
    match unit {
        Unit::Seconds => seconds_scale(magnitude),
        Unit::Bytes => bytes_scale(magnitude),
        Unit::Fraction => Scale::plain(0.01, 1, "%"),
        Unit::Count => Scale::plain(1.0, 0, ""),
    }
}

/// Scales are chosen on the rounded number, so 0.9996 s is `1.00 s`, not `1000 ms`.
fn seconds_scale(seconds: f64) -> Scale {
    let ms = seconds * 1000.0;
    let ms_decimals = significant_decimals(ms);
    if round_to(ms, ms_decimals) < 1000.0 {
        return Scale::plain(0.001, ms_decimals, " ms");
    }
    if round_to(seconds, 2) < 60.0 {
        return Scale::plain(1.0, 2, " s");
    }
    Scale {
        minutes: true,
        ..Scale::plain(1.0, 1, "s")
    }
}

fn bytes_scale(bytes: f64) -> Scale {
    if bytes.round() < 1000.0 {
        return Scale::plain(1.0, 0, " B");
    }
    let larger = [(1e3, " kB"), (1e6, " MB"), (1e9, " GB"), (1e12, " TB")];
    for (divisor, suffix) in larger {
        let decimals = significant_decimals(bytes / divisor).max(1);
        if round_to(bytes / divisor, decimals) < 1000.0 || divisor == 1e12 {
            return Scale::plain(divisor, decimals, suffix);
        }
    }
    unreachable!("the last scale is always taken")
}

/// Decimals for at least three significant digits: `5.24`, `52.4`, `523`.
fn significant_decimals(scaled: f64) -> usize {
    if scaled < 10.0 {
        2
    } else if scaled < 100.0 {
        1
    } else {
        0
    }
}

fn render(scale: Scale, value: f64) -> String {
    if value < 0.0 {
        return format!("-{}", render(scale, -value));
    }
    if scale.minutes {
        return render_minutes(value, scale.decimals);
    }
    format!(
        "{:.*}{}",
        scale.decimals,
        value / scale.divisor,
        scale.suffix
    )
}

/// `185.24` s at 1 decimal -> `3m 05.2s`. Rounds first so that 59.96 s of a minute never
/// prints as `60.0s`.
fn render_minutes(seconds: f64, decimals: usize) -> String {
    let total = round_to(seconds, decimals);
    let minutes = (total / 60.0).floor();
    let rest = total - minutes * 60.0;
    let width = if decimals > 0 { decimals + 3 } else { 2 };
    format!("{minutes}m {rest:0width$.decimals$}s")
}

fn round_to(x: f64, decimals: usize) -> f64 {
    let factor = 10f64.powi(decimals as i32);
    (x * factor).round() / factor
}

/// A variant's error in one line, for the answer and the terminal summary: its first line, cut
/// to `max_chars`, with ` …` when anything was left out (the reports show it whole).
pub fn error_headline(error: Option<&str>, max_chars: usize) -> String {
    let error = error.unwrap_or("(no error message)");
    let mut lines = error.trim().lines();
    let first = lines.next().unwrap_or("").trim_end();
    let more_lines = lines.next().is_some();
    let mut shown: String = first.chars().take(max_chars).collect();
    if more_lines || first.chars().count() > max_chars {
        shown.push_str(" …");
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds() {
        assert_eq!(format_seconds(0.0032), "3.20 ms");
        assert_eq!(format_seconds(0.0456), "45.6 ms");
        assert_eq!(format_seconds(0.234), "234 ms");
        assert_eq!(format_seconds(0.9996), "1.00 s");
        assert_eq!(format_seconds(12.314), "12.31 s");
        assert_eq!(format_seconds(59.996), "1m 00.0s");
        assert_eq!(format_seconds(185.24), "3m 05.2s");
        assert_eq!(format_seconds(119.96), "2m 00.0s");
        assert_eq!(format_seconds(-2.5), "-2.50 s");
    }

    #[test]
    fn differences_in_the_metrics_own_terms() {
        assert_eq!(format_difference("image_size_bytes", 10_240.0), "+10.2 kB");
        assert_eq!(format_difference("image_size_bytes", -96.2e6), "-96.2 MB");
        assert_eq!(format_difference("cache_hit_rate.deps", 0.24), "+24.0 pp");
        assert_eq!(format_difference("image_efficiency", 0.004), "+0.40 pp");
        assert_eq!(format_difference("rebuild_s.source", -38.64), "-38.64 s");
        assert_eq!(format_difference("image_files", 12.0), "+12");
        assert_eq!(format_difference("image_size_bytes", 0.0), "0 B");
        assert_eq!(format_difference("cache_hit_rate", 0.0), "0.0 pp");
        assert_eq!(format_difference("image_efficiency", 1e-9), "0.00 pp");
    }

    #[test]
    fn bytes_are_decimal() {
        assert_eq!(format_bytes(0.0), "0 B");
        assert_eq!(format_bytes(123.0), "123 B");
        assert_eq!(format_bytes(999.6), "1.00 kB");
        assert_eq!(format_bytes(52_400.0), "52.4 kB");
        assert_eq!(format_bytes(5_240_000.0), "5.24 MB");
        assert_eq!(format_bytes(52_400_000.0), "52.4 MB");
        assert_eq!(format_bytes(142_345_678.0), "142.3 MB");
        assert_eq!(format_bytes(999_960_000.0), "1.00 GB");
        assert_eq!(format_bytes(1_234_000_000.0), "1.23 GB");
        assert_eq!(format_bytes(3.5e15), "3500.0 TB");
    }

    #[test]
    fn fractions_are_percentages() {
        assert_eq!(format_fraction(2.0 / 3.0), "66.7%");
        assert_eq!(format_fraction(1.0), "100.0%");
        assert_eq!(format_fraction(0.0), "0.0%");
    }

    #[test]
    fn value_follows_the_metric_unit() {
        assert_eq!(format_value("rebuild_s.deps", 4.5), "4.50 s");
        assert_eq!(format_value("memory_peak_bytes", 64e6), "64.0 MB");
        assert_eq!(format_value("cache_hit_rate.source", 0.8), "80.0%");
    }

    #[test]
    fn a_miss_never_prints_as_its_limit() {
        let limit = [600e6];
        let f = |v| format_against_limits("image_size_bytes", v, &limit);
        assert_eq!(f(600.4e6), "600.4 MB");
        assert_eq!(f(600.04e6), "600.04 MB");
        assert_eq!(f(600.000_5e6), "600.0005 MB");
        assert_eq!(f(599.96e6), "599.96 MB");
        assert_eq!(f(600e6), "600.0 MB", "equal to the limit is shown as it is");
        assert_eq!(
            f(612e6),
            "612.0 MB",
            "no extra digits when already distinct"
        );
        let rate = |v| format_against_limits("cache_hit_rate", v, &[0.8]);
        assert_eq!(rate(0.7999), "79.99%");
        let time = |v| format_against_limits("cold_build_s", v, &[180.0]);
        assert_eq!(time(180.02), "3m 00.02s");
    }

    #[test]
    fn spread_uses_the_median_precision() {
        assert_eq!(format_spread("cold_build_s", 12.31, 0.4), "0.40");
        assert_eq!(format_spread("image_size_bytes", 142.3e6, 0.26e6), "0.3");
        assert_eq!(format_spread("cache_hit_rate", 0.5, 0.05), "5.0");
        assert_eq!(format_spread("cold_build_s", 185.0, 4.1), "4.10 s");
        assert_eq!(format_spread("startup_s", 0.234, 0.012), "12");
    }

    #[test]
    fn an_error_headline_is_its_first_line_cut() {
        assert_eq!(error_headline(None, 20), "(no error message)");
        assert_eq!(error_headline(Some("one line"), 10), "one line");
        assert_eq!(error_headline(Some("first\nsecond"), 10), "first …");
        assert_eq!(error_headline(Some("abcdefghijkl"), 5), "abcde …");
    }
}
