//! Benchmarks of compare and report on large inputs: 50 variants x 10 metrics x 30 samples.
//! A PR check must not wait on dockbench itself.

use criterion::{criterion_group, criterion_main, Criterion};
use dockbench::compare::{compare, render_markdown, CompareSettings};

mod synthetic;

fn bench_compare(c: &mut Criterion) {
    let base = synthetic::results(50, 30, 1, 1.0);
    let head = synthetic::results(50, 30, 2, 1.02);
    let settings = CompareSettings::default();
    c.bench_function("compare 50x10x30", |b| {
        b.iter(|| compare(&base, &head, &settings))
    });
    c.bench_function("compare 50x10x30 + markdown", |b| {
        b.iter(|| render_markdown(&compare(&base, &head, &settings)))
    });
}

fn bench_report(c: &mut Criterion) {
    let results = synthetic::results(50, 30, 1, 1.0);
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("report");
    // Each iteration writes ~120 charts as SVG and PNG: few samples are enough.
    group.sample_size(10);
    // The analysis is judged once per run, as `run` and `report` do, and timed on its own.
    group.bench_function("analysis 50x10x30", |b| {
        b.iter(|| dockbench::analysis::Analysis::of(&results))
    });
    let analysis = dockbench::analysis::Analysis::of(&results);
    group.bench_function("summary table 50x10x30", |b| {
        b.iter(|| {
            dockbench::report::summary_table(&results, &analysis, dockbench::report::DEFAULT_WIDTH)
        })
    });
    group.bench_function("render_report 50x10x30", |b| {
        b.iter(|| dockbench::report::render_report(dir.path(), &results, &analysis).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_compare, bench_report);
criterion_main!(benches);
