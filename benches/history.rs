//! Benchmark of `history` over 500 stored runs (10 variants x 10 metrics x 5 samples each):
//! the scheduled job collects and redraws them every time.

use criterion::{criterion_group, criterion_main, Criterion};

mod synthetic;

fn bench_history(c: &mut Criterion) {
    let root = tempfile::tempdir().unwrap();
    for run in 0..500u64 {
        let mut results = synthetic::results(10, 5, run + 1, 1.0);
        let minute = run % 60;
        let hour = run / 60;
        results.started_at = format!(
            "2026-11-{:02}T{:02}:{minute:02}:00Z",
            1 + hour / 24,
            hour % 24
        );
        let dir = root.path().join(format!("bench/run-{run:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        let json = serde_json::to_vec(&results).unwrap();
        std::fs::write(dir.join("results.json"), json).unwrap();
    }
    let mut group = c.benchmark_group("history");
    group.sample_size(10);
    group.bench_function("collect 500 runs", |b| {
        b.iter(|| dockbench::history::collect(root.path()).unwrap())
    });
    let rows = dockbench::history::collect(root.path()).unwrap();
    let out = tempfile::tempdir().unwrap();
    group.bench_function("history.csv for 500 runs", |b| {
        b.iter(|| dockbench::history::write_csv(&rows, &out.path().join("history.csv")).unwrap())
    });
    group.bench_function("trend charts for 500 runs", |b| {
        b.iter(|| dockbench::report::render_trends(&rows, out.path()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_history);
criterion_main!(benches);
