//! `scripts/claims-table.py`, the README's claims table, run on a results folder whose answers
//! are known in advance: each verdict (holds, holds partly, does not hold) and the figures it
//! prints come from the samples written here, so a wrong rule or a wrong figure fails a test.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Map, Value};

const VARIANTS: [&str; 7] = [
    "baseline",
    "ordered-copy",
    "split-deps",
    "cache-mounts",
    "bytecode",
    "uvicorn-tuned",
    "minimal-runtime",
];

fn metric(samples: &[f64]) -> Value {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    json!({
        "median": sorted[sorted.len() / 2],
        "min": sorted[0],
        "max": sorted[sorted.len() - 1],
        "samples": samples,
    })
}

/// Every metric the claims read, with the same filler samples for every variant, then the
/// overrides: (variant, metric, samples).
fn results(overrides: &[(&str, &str, &[f64])]) -> Value {
    let filler: [(&str, &[f64]); 8] = [
        ("cache_hit_rate.source", &[0.5, 0.5, 0.5]),
        ("cache_hit_rate.docs", &[0.5, 0.5, 0.5]),
        ("image_size_bytes", &[3e8, 3e8, 3e8]),
        ("rebuild_s.source", &[5.0, 5.0, 5.0]),
        ("rebuild_s.deps", &[5.0, 5.0, 5.0]),
        ("rebuild_s.docs", &[5.0, 5.0, 5.0]),
        ("startup_s", &[3.0, 3.0, 3.0]),
        ("memory_idle_bytes", &[3e8, 3e8, 3e8]),
    ];
    let variants: Vec<Value> = VARIANTS
        .iter()
        .map(|name| {
            let mut metrics = Map::new();
            for (m, s) in filler
                .iter()
                .chain([("memory_peak_bytes", &[4e8, 4e8, 4e8][..])].iter())
            {
                metrics.insert(m.to_string(), metric(s));
            }
            for (v, m, s) in overrides {
                if v == name {
                    metrics.insert(m.to_string(), metric(s));
                }
            }
            json!({ "name": name, "status": "ok", "metrics": metrics })
        })
        .collect();
    json!({ "suite": "python-api", "variants": variants })
}

/// The script's output for `results`.
fn claims_table(results: &Value) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("results.json"), results.to_string()).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/claims-table.py");
    Command::new("python3")
        .arg(&script)
        .arg(dir.path())
        .output()
        .expect("python3 runs")
}

/// The table's rows, as their cells.
fn table(results: &Value) -> Vec<Vec<String>> {
    let out = claims_table(results);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// The row whose claim starts with `claim`.
fn row<'a>(rows: &'a [Vec<String>], claim: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0].starts_with(claim))
        .unwrap_or_else(|| panic!("no row for {claim:?} in {rows:?}"))
}

#[test]
fn a_reused_first_repetition_is_refused() {
    let mut r = results(&[]);
    r["variants"][2]["notes"] =
        json!(["edit `deps`, repetition 2: 1 of 20 steps reused layers ...",]);
    assert!(
        claims_table(&r).status.success(),
        "repetition 2 is not the figure"
    );
    r["variants"][2]["notes"] =
        json!(["edit `deps`, repetition 1: 1 of 20 steps reused layers ...",]);
    let out = claims_table(&r);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "repetition 1 of rebuild_s.deps reused an earlier build's output in split-deps"
        ),
        "{stderr}"
    );
}

#[test]
fn claims_table_verdicts_follow_the_samples() {
    let rows = table(&results(&[
        // 40% -> 90%, ranges apart: reaches the claimed level.
        ("baseline", "cache_hit_rate.source", &[0.4, 0.4, 0.4]),
        ("ordered-copy", "cache_hit_rate.source", &[0.9, 0.9, 0.9]),
        // -40%, claimed -35 to -45%: holds.
        ("ordered-copy", "image_size_bytes", &[1e8, 1e8, 1e8]),
        ("split-deps", "image_size_bytes", &[6e7, 6e7, 6e7]),
        // Repetition 1 is the new-dependency case: 17.6 s -> 6.7 s (-62%), all samples apart.
        ("ordered-copy", "rebuild_s.deps", &[17.6, 10.2, 9.4]),
        ("split-deps", "rebuild_s.deps", &[6.7, 2.9, 2.8]),
        // Repetition 1 -1%, claimed -50 to -60%: under half the claim, does not hold.
        ("cache-mounts", "rebuild_s.deps", &[6.633, 2.7, 2.2]),
        // -14% against a claimed -20%: more than half the claim, less than all: partly.
        ("cache-mounts", "startup_s", &[6.0, 6.5, 7.0]),
        ("bytecode", "startup_s", &[5.6, 5.5, 5.7]),
    ]));
    let copy = row(&rows, "Ordering the COPY lines");
    assert_eq!(copy[3], "`baseline`: 40% (40%–40%)");
    assert_eq!(copy[4], "`ordered-copy`: 90% (90%–90%)");
    assert_eq!(copy[6], "**holds**");
    assert_eq!(
        row(&rows, "Splitting dependency layers cuts image size")[5],
        "-40%"
    );
    assert_eq!(
        row(&rows, "Splitting dependency layers cuts image size")[6],
        "**holds**"
    );

    let split = row(
        &rows,
        "Splitting dependency layers cuts rebuilds (dependency edit)",
    );
    assert_eq!(
        split[3],
        "`ordered-copy`: 17.60 s (repetition 1; all 9.40 s–17.60 s)"
    );
    assert_eq!(split[5], "-62%");
    assert_eq!(split[6], "**holds**");
    let mounts = row(&rows, "Cache mounts cut a dependency-change rebuild");
    assert_eq!(mounts[5], "-1%");
    assert_eq!(mounts[6], "**does not hold**");
    let bytecode = row(&rows, "Precompiled bytecode cuts startup");
    assert_eq!(bytecode[5], "-14%");
    assert_eq!(bytecode[6], "**holds partly**");
}

#[test]
fn claims_table_a_change_the_wrong_way_does_not_hold() {
    let rows = table(&results(&[
        ("cache-mounts", "startup_s", &[3.0, 3.0, 3.0]),
        ("bytecode", "startup_s", &[3.6, 3.7, 3.5]),
        // Rates: a fall where a rise was claimed.
        ("baseline", "cache_hit_rate.docs", &[0.5, 0.5, 0.5]),
        ("ordered-copy", "cache_hit_rate.docs", &[0.4, 0.4, 0.4]),
    ]));
    assert_eq!(
        row(&rows, "Precompiled bytecode cuts startup")[6],
        "**does not hold**"
    );
    assert_eq!(
        row(&rows, "A README edit no longer invalidates")[6],
        "**does not hold**"
    );
    // The same figure on both sides is no change at all.
    assert_eq!(
        row(&rows, "Splitting dependency layers cuts image size")[5],
        "+0%"
    );
    assert_eq!(
        row(&rows, "Splitting dependency layers cuts image size")[6],
        "**does not hold**"
    );
}
