//! Synthetic results of a realistic shape for the benchmarks: deterministic, no Docker.

use std::collections::BTreeMap;

use dockbench::driver::{BuildStep, Layer};
use dockbench::metric::{self, Direction};
use dockbench::results::{Environment, RunResults, Status, VariantResult};
use dockbench::stats::Summary;
use dockbench::targets::TargetCheck;

pub const METRICS: [&str; 10] = [
    "cold_build_s",
    "warm_build_s",
    "rebuild_s.source",
    "rebuild_s.deps",
    "cache_hit_rate",
    "cache_hit_rate.source",
    "image_size_bytes",
    "startup_s",
    "memory_idle_bytes",
    "memory_peak_bytes",
];

/// A tiny LCG: the same "noise" every time, so runs of the bench are comparable.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn base_value(metric_name: &str, variant: usize) -> f64 {
    let v = variant as f64;
    match metric::base_name(metric_name) {
        "cache_hit_rate" => 0.5 + (variant % 5) as f64 * 0.1,
        "image_size_bytes" => 200e6 + v * 3e6,
        "memory_idle_bytes" | "memory_peak_bytes" => 120e6 + v * 1e6,
        "cold_build_s" => 60.0 + v,
        _ => 1.0 + v * 0.05,
    }
}

pub fn results(variants: usize, samples: usize, seed: u64, slowdown: f64) -> RunResults {
    let mut noise = Noise(seed);
    let variants = (0..variants)
        .map(|i| {
            let metrics: BTreeMap<String, Summary> = METRICS
                .iter()
                .map(|m| {
                    let base = base_value(m, i);
                    let deterministic = metric::unit_of(m) != metric::Unit::Seconds;
                    let xs: Vec<f64> = (0..samples)
                        .map(|_| {
                            if deterministic {
                                base
                            } else {
                                base * slowdown * (0.95 + 0.1 * noise.next())
                            }
                        })
                        .collect();
                    (m.to_string(), Summary::from_samples(&xs).unwrap())
                })
                .collect();
            let targets = vec![TargetCheck {
                metric: "image_size_bytes".into(),
                limit: 300e6,
                limit_text: "300MB".into(),
                direction: Direction::AtMost,
                value: Some(metrics["image_size_bytes"].median),
                pass: metrics["image_size_bytes"].median <= 300e6,
            }];
            VariantResult {
                name: format!("variant-{i:02}"),
                status: Status::Ok,
                error: None,
                failure_kind: None,
                builder: "buildkit".into(),
                dockerfile: format!("Dockerfile.{i}"),
                metrics,
                targets,
                layers: (0..12)
                    .map(|l| Layer {
                        id: "<missing>".into(),
                        size_bytes: 1_000_000 * (l + 1),
                        created_by: format!("RUN step {l} of a long command line /bin/sh -c ..."),
                    })
                    .collect(),
                cold_build_steps: (0..8)
                    .map(|s| BuildStep {
                        name: format!("[stage-1 {}/9] RUN step {s}", s + 2),
                        instruction: "RUN".into(),
                        cached: s % 3 == 0,
                        duration_s: Some(0.5 + s as f64),
                        reused_output: false,
                    })
                    .collect(),
                notes: Vec::new(),
                settings: Default::default(),
                started_at: Default::default(),
                completed_runs: Vec::new(),
                measured_s: 0.0,
                anatomy: None,
                disturbed: Vec::new(),
                overhead: Vec::new(),
            }
        })
        .collect();
    RunResults {
        margin: None,
        suite: "bench".into(),
        suite_file: "bench.toml".into(),
        dockbench_version: "0.0.0".into(),
        runs: samples as u32,
        started_at: "2026-11-23T00:00:00Z".into(),
        finished_at: Some("2026-11-23T01:00:00Z".into()),
        environment: Environment::default(),
        variants,
        reference: None,
        claims: Vec::new(),
        suite_files: Default::default(),
        resumed_at: Vec::new(),
        merged_from: Vec::new(),
        shard: None,
        shard_references: Vec::new(),
        sampling: None,
    }
}
