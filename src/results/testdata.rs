//! Builders for the results fixtures that tests across the crate share: variants from raw
//! samples, targets judged on the median, failed variants, whole runs and hosts. Each module keeps
//! only the cases that are its own (the report's hostile text, the comparison's pull request).

use std::collections::BTreeMap;

use crate::metric::Direction;
use crate::results::engine::{EngineInfo, EngineKind};
use crate::results::{Environment, RunResults, Status, VariantResult};
use crate::stats::Summary;
use crate::targets::TargetCheck;

/// A built variant whose metrics summarize the given samples; no targets, layers or steps.
pub(crate) fn variant(name: &str, metrics: &[(&str, &[f64])]) -> VariantResult {
    VariantResult {
        name: name.into(),
        status: Status::Ok,
        error: None,
        failure_kind: None,
        builder: "buildkit".into(),
        dockerfile: format!("{name}.Dockerfile"),
        metrics: metrics
            .iter()
            .map(|(m, xs)| (m.to_string(), Summary::from_samples(xs).unwrap()))
            .collect::<BTreeMap<_, _>>(),
        targets: Vec::new(),
        layers: Vec::new(),
        cold_build_steps: Vec::new(),
        notes: Vec::new(),
        settings: Default::default(),
        started_at: Default::default(),
        completed_runs: Vec::new(),
        measured_s: 0.0,
        anatomy: None,
        disturbed: Vec::new(),
        overhead: Vec::new(),
    }
}

/// A variant that failed with `error`, so measured nothing.
pub(crate) fn failed(name: &str, error: &str) -> VariantResult {
    VariantResult {
        status: Status::Failed,
        error: Some(error.into()),
        failure_kind: Some(super::FailureKind::Build),
        ..variant(name, &[])
    }
}

/// Replaces the variant's targets with these `(metric, limit, limit_text, direction)`, judged on
/// the median as `targets::check` does.
pub(crate) fn with_targets(
    mut v: VariantResult,
    targets: &[(&str, f64, &str, Direction)],
) -> VariantResult {
    v.targets = targets
        .iter()
        .map(|&(metric, limit, limit_text, direction)| {
            let value = v.metrics.get(metric).map(|s| s.median);
            let pass = value.is_some_and(|x| match direction {
                Direction::AtMost => x <= limit,
                Direction::AtLeast => x >= limit,
            });
            TargetCheck {
                metric: metric.into(),
                limit,
                limit_text: limit_text.into(),
                direction,
                value,
                pass,
            }
        })
        .collect();
    v
}

/// A finished three-run `web` suite from `bench.toml`, on a default (empty) host.
pub(crate) fn run_results(variants: Vec<VariantResult>) -> RunResults {
    RunResults {
        margin: None,
        suite: "web".into(),
        suite_file: "bench.toml".into(),
        dockbench_version: "0.1.0".into(),
        runs: 3,
        started_at: "2026-11-23T07:41:05Z".into(),
        finished_at: Some("2026-11-23T07:58:40Z".into()),
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

/// As `run_results`, but started (and finished) at `started_at`.
pub(crate) fn run_at(started_at: &str, variants: Vec<VariantResult>) -> RunResults {
    RunResults {
        started_at: started_at.into(),
        finished_at: Some(started_at.into()),
        ..run_results(variants)
    }
}

/// Docker 27 with overlay2 and cgroup v2 on an 8-CPU, 16 GB Ubuntu host.
pub(crate) fn engine_info() -> EngineInfo {
    EngineInfo {
        kind: EngineKind::Docker,
        image_store: String::new(),
        docker_version: "27.3.1".into(),
        api_version: "1.47".into(),
        storage_driver: "overlay2".into(),
        cgroup_version: "2".into(),
        cgroup_driver: "systemd".into(),
        operating_system: "Ubuntu 24.04.1 LTS".into(),
        kernel_version: "6.8.0-48-generic".into(),
        ncpu: 8,
        mem_total_bytes: 16_000_000_000,
    }
}

/// A host with that CPU and `engine_info`; the OS fields are left unknown.
pub(crate) fn environment(cpu_brand: &str) -> Environment {
    Environment {
        cpu_brand: cpu_brand.into(),
        cpu_logical_cores: 8,
        memory_total_bytes: 16_000_000_000,
        engine: Some(engine_info()),
        dockbench_version: "0.1.0".into(),
        dockbench_git_commit: "abc1234".into(),
        ..Environment::default()
    }
}

/// The raw samples behind `results`' summaries, as a run would have written them: each
/// metric's samples in order, repetition = position + 1.
pub(crate) fn samples_of(results: &RunResults) -> Vec<crate::results::Sample> {
    let mut samples = Vec::new();
    for v in &results.variants {
        for (metric, summary) in &v.metrics {
            for (i, value) in summary.samples.iter().enumerate() {
                samples.push(crate::results::Sample {
                    variant: v.name.clone(),
                    metric: metric.clone(),
                    run: i as u32 + 1,
                    value: *value,
                    started_at: None,
                    others_cpu_share: None,
                    load_1m: None,
                });
            }
        }
    }
    samples
}

/// A results folder at `dir` as a run leaves it: results.json and samples.csv (from
/// [`samples_of`]).
pub(crate) fn write_folder(dir: &std::path::Path, results: &RunResults) {
    std::fs::create_dir_all(dir).unwrap();
    let json = serde_json::to_string_pretty(results).unwrap();
    std::fs::write(dir.join("results.json"), json).unwrap();
    let samples = samples_of(results);
    let csv = crate::results::store::samples_csv(&results.suite, samples.iter()).unwrap();
    std::fs::write(dir.join("samples.csv"), csv).unwrap();
}
