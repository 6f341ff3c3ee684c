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
        write_folder(&root.path().join(format!("bench/run-{run:03}")), results);
    }
    let mut group = c.benchmark_group("history");
    group.sample_size(10);
    group.bench_function("collect 500 runs", |b| {
        b.iter(|| dockbench::history::collect(root.path()).unwrap())
    });
    let rows = dockbench::history::collect(root.path()).unwrap();
    // Every run is read (history derives its figures from samples.csv): 500 × 10 × 10.
    assert_eq!(rows.len(), 50_000, "the runs were not all collected");
    let out = tempfile::tempdir().unwrap();
    group.bench_function("history.csv for 500 runs", |b| {
        b.iter(|| dockbench::history::write_csv(&rows, &out.path().join("history.csv")).unwrap())
    });
    group.bench_function("trend charts for 500 runs", |b| {
        b.iter(|| dockbench::report::render_trends(&rows, out.path()).unwrap())
    });
    group.finish();
}

/// A results folder as a run leaves it: results.json and the samples.csv it is read from.
fn write_folder(dir: &std::path::Path, results: dockbench::results::RunResults) {
    use dockbench::results::{ResultsStore, Sample};
    let finished = results.finished_at.clone();
    let header = dockbench::results::RunResults {
        variants: Vec::new(),
        finished_at: None,
        ..results.clone()
    };
    let mut store = ResultsStore::create(dir, header).unwrap();
    for v in results.variants {
        let samples: Vec<Sample> = v
            .metrics
            .iter()
            .flat_map(|(metric, summary)| {
                summary.samples.iter().enumerate().map(|(i, value)| Sample {
                    variant: v.name.clone(),
                    metric: metric.clone(),
                    run: i as u32 + 1,
                    value: *value,
                    started_at: None,
                    others_cpu_share: None,
                    load_1m: None,
                })
            })
            .collect();
        store.record_variant(v, &samples).unwrap();
    }
    if let Some(at) = finished {
        store.finish(at).unwrap();
    }
}

criterion_group!(benches, bench_history);
criterion_main!(benches);
