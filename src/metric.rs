//! Metric names and their units: the vocabulary shared by measurement, targets and reports.
//!
//! A metric's unit is derived from its name (`_s` seconds, `_bytes` bytes, `cache_hit_rate` a
//! 0..1 fraction) so that a name alone is enough to read, judge and chart a number.

use serde::{Deserialize, Serialize};

pub const COLD_BUILD_S: &str = "cold_build_s";
pub const WARM_BUILD_S: &str = "warm_build_s";
/// Per edit: `rebuild_s.<edit>`.
pub const REBUILD_S: &str = "rebuild_s";
/// No-change rebuild; per edit: `cache_hit_rate.<edit>`.
pub const CACHE_HIT_RATE: &str = "cache_hit_rate";
pub const IMAGE_SIZE_BYTES: &str = "image_size_bytes";
/// Every copy of a file that a later layer overwrote or deleted (`anatomy`).
pub const IMAGE_WASTED_BYTES: &str = "image_wasted_bytes";
/// What a registry stores and a pull moves: compressed layers + config + manifest (`anatomy`).
pub const IMAGE_COMPRESSED_BYTES: &str = "image_compressed_bytes";
/// dive's efficiency score, 0..1 (`anatomy`).
pub const IMAGE_EFFICIENCY: &str = "image_efficiency";
/// Files (everything but directories) in the final image.
pub const IMAGE_FILES: &str = "image_files";
pub const STARTUP_S: &str = "startup_s";
pub const HEALTHY_S: &str = "healthy_s";
pub const MEMORY_IDLE_BYTES: &str = "memory_idle_bytes";
pub const MEMORY_PEAK_BYTES: &str = "memory_peak_bytes";
/// A service measured inside its compose stack: from the first service's start call to the
/// measured service being ready.
pub const STACK_STARTUP_S: &str = "stack_startup_s";
/// From the first start call until every dependency's `depends_on` condition held.
pub const DEPS_READY_S: &str = "deps_ready_s";
/// Every service of the stack together (working sets, summed).
pub const STACK_MEMORY_IDLE_BYTES: &str = "stack_memory_idle_bytes";
/// The sum of every service's own peak: an upper bound of the stack's peak, which no cgroup
/// keeps (the services peak at different moments).
pub const STACK_MEMORY_PEAK_BYTES: &str = "stack_memory_peak_bytes";

/// The fixed metric names, in the order reports show them. Edit metrics follow their base.
pub const BASE_METRICS: &[&str] = &[
    COLD_BUILD_S,
    WARM_BUILD_S,
    REBUILD_S,
    CACHE_HIT_RATE,
    IMAGE_SIZE_BYTES,
    IMAGE_COMPRESSED_BYTES,
    IMAGE_WASTED_BYTES,
    IMAGE_EFFICIENCY,
    IMAGE_FILES,
    STARTUP_S,
    HEALTHY_S,
    MEMORY_IDLE_BYTES,
    MEMORY_PEAK_BYTES,
    STACK_STARTUP_S,
    DEPS_READY_S,
    STACK_MEMORY_IDLE_BYTES,
    STACK_MEMORY_PEAK_BYTES,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Seconds,
    Bytes,
    Fraction,
    /// A number of things (files).
    Count,
}

impl Unit {
    /// The short label written in `samples.csv`'s `unit` column.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::Bytes => "bytes",
            Unit::Fraction => "fraction",
            Unit::Count => "count",
        }
    }
}

/// Whether a target is a ceiling or a floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    AtMost,
    AtLeast,
}

/// The metric's base name: `rebuild_s.source` -> `rebuild_s`.
pub fn base_name(metric: &str) -> &str {
    metric.split_once('.').map_or(metric, |(base, _)| base)
}

/// The edit a per-edit metric belongs to: `rebuild_s.source` -> `Some("source")`.
pub fn edit_name(metric: &str) -> Option<&str> {
    metric.split_once('.').map(|(_, edit)| edit)
}

/// `rebuild_s` + `source` -> `rebuild_s.source`.
pub fn per_edit(base: &str, edit: &str) -> String {
    format!("{base}.{edit}")
}

/// Is this a metric name dockbench produces? `rebuild_s` needs an edit; `cache_hit_rate` may have one.
/// `memory_idle_bytes.<service>`: the idle memory of one service of a stack other than the
/// measured one (whose figure is `memory_idle_bytes` itself).
pub fn per_service(base: &str, service: &str) -> String {
    format!("{base}.{service}")
}

pub fn is_known(metric: &str) -> bool {
    match (base_name(metric), edit_name(metric)) {
        (MEMORY_IDLE_BYTES, Some(s)) => !s.is_empty(),
        (REBUILD_S, Some(e)) => !e.is_empty(),
        (CACHE_HIT_RATE, Some(e)) => !e.is_empty(),
        (REBUILD_S, None) => false,
        (base, None) => BASE_METRICS.contains(&base),
        _ => false,
    }
}

pub fn unit_of(metric: &str) -> Unit {
    let base = base_name(metric);
    if base == CACHE_HIT_RATE || base == IMAGE_EFFICIENCY {
        Unit::Fraction
    } else if base == IMAGE_FILES {
        Unit::Count
    } else if base.ends_with("_bytes") {
        Unit::Bytes
    } else {
        Unit::Seconds
    }
}

/// Rates are better when higher; times, sizes and memory when lower.
pub fn direction_of(metric: &str) -> Direction {
    match unit_of(metric) {
        Unit::Fraction => Direction::AtLeast,
        _ => Direction::AtMost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_names() {
        assert_eq!(unit_of("cold_build_s"), Unit::Seconds);
        assert_eq!(unit_of("rebuild_s.deps"), Unit::Seconds);
        assert_eq!(unit_of("memory_peak_bytes"), Unit::Bytes);
        assert_eq!(unit_of("cache_hit_rate.source"), Unit::Fraction);
        assert_eq!(direction_of("cache_hit_rate"), Direction::AtLeast);
        assert_eq!(direction_of("startup_s"), Direction::AtMost);
        assert_eq!(unit_of("image_efficiency"), Unit::Fraction);
        assert_eq!(direction_of("image_efficiency"), Direction::AtLeast);
        assert_eq!(unit_of("image_wasted_bytes"), Unit::Bytes);
        assert_eq!(direction_of("image_wasted_bytes"), Direction::AtMost);
        assert_eq!(unit_of("image_compressed_bytes"), Unit::Bytes);
        assert_eq!(direction_of("image_compressed_bytes"), Direction::AtMost);
        assert_eq!(unit_of("image_files"), Unit::Count);
    }

    #[test]
    fn known_names() {
        assert!(is_known("cold_build_s"));
        assert!(is_known("cache_hit_rate"));
        assert!(is_known("cache_hit_rate.source"));
        assert!(is_known("rebuild_s.deps"));
        assert!(!is_known("rebuild_s"));
        assert!(!is_known("cold_build_s.x"));
        assert!(!is_known("build_time"));
        assert!(!is_known("rebuild_s."));
    }
}
