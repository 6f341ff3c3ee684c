//! `dockbench compare` on real results: two runs of the busybox build fixtures on the engine
//! must compare as "no regression" (exit 0), and a genuinely changed result (a doubled image,
//! a variant that now fails) as a regression (exit 1); unusable inputs exit 2. Needs a Docker
//! engine and the local base images (`bash scripts/setup.sh`); without them it fails, never
//! skips.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{dockbench, stderr, stdout};
use serde_json::Value;

const SUITE: &str = "tests/fixtures/busybox/build/suite.toml";

/// Runs four of the build fixtures into `out`: the reference, the 50 MiB layer, another
/// BuildKit build and a failing one (the classic builder's variants take 10 s a build on
/// fuse-overlayfs and add nothing to what `compare` is tested for here). The failing variant
/// makes `run` exit 1; only a missing results file is a failure here.
fn run_suite(out: &Path) -> Value {
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join(SUITE);
    let mut args = vec![
        "run",
        suite.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-progress",
        "--no-report",
    ];
    for variant in [
        "steps-buildkit",
        "layers-buildkit",
        "same-output-buildkit",
        "fail-buildkit",
    ] {
        args.extend(["--variant", variant]);
    }
    let output = dockbench(&args);
    let text = std::fs::read_to_string(out.join("results.json")).unwrap_or_else(|e| {
        panic!("no results.json ({e}); stderr:\n{}", stderr(&output));
    });
    serde_json::from_str(&text).unwrap()
}

fn compare(base: &Path, head: &Path) -> Output {
    dockbench(&[
        "compare",
        base.to_str().unwrap(),
        head.to_str().unwrap(),
        "--format",
        "markdown",
    ])
}

/// Writes `results` as a new results folder `dir` (its samples.csv from the metrics' samples).
fn write_results(dir: &Path, results: &Value) -> PathBuf {
    common::write_results_folder(dir, results)
}

fn variant_mut<'a>(results: &'a mut Value, name: &str) -> &'a mut Value {
    results["variants"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("variant {name} missing"))
}

/// Multiplies every sample and summary value of one metric, as a real change would.
fn scale_metric(variant: &mut Value, metric: &str, factor: f64) {
    let summary = &mut variant["metrics"][metric];
    assert!(summary.is_object(), "{} has no {metric}", variant["name"]);
    for samples in summary["samples"].as_array_mut().unwrap() {
        *samples = Value::from(samples.as_f64().unwrap() * factor);
    }
    for key in ["median", "mean", "stddev", "min", "max"] {
        summary[key] = Value::from(summary[key].as_f64().unwrap() * factor);
    }
}

#[test]
fn same_code_twice_is_no_regression_and_real_changes_are() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_suite(&a);
    let head = run_suite(&b);

    let same = compare(&a, &b);
    let text = stdout(&same);
    assert_eq!(same.status.code(), Some(0), "{text}\n{}", stderr(&same));
    assert!(
        text.starts_with("<!-- dockbench-compare suite=fixture-build -->"),
        "{text}"
    );
    assert!(text.contains("No regressions"), "{text}");
    assert!(
        text.contains("fail-buildkit: failed in both runs"),
        "{text}"
    );

    let mut bigger = head.clone();
    scale_metric(
        variant_mut(&mut bigger, "layers-buildkit"),
        "image_size_bytes",
        2.0,
    );
    let bigger_dir = write_results(&tmp.path().join("bigger"), &bigger);
    let regressed = compare(&a, &bigger_dir);
    let text = stdout(&regressed);
    assert_eq!(
        regressed.status.code(),
        Some(1),
        "{text}\n{}",
        stderr(&regressed)
    );
    assert!(text.contains("1 regression"), "{text}");
    let row = text
        .lines()
        .find(|l| l.starts_with("| layers-buildkit | image_size_bytes |"))
        .unwrap_or_else(|| panic!("no image size row:\n{text}"));
    assert!(
        row.contains("+100.0%") && row.contains("regressed"),
        "{row}"
    );

    let mut broken = head.clone();
    let steps = variant_mut(&mut broken, "same-output-buildkit");
    steps["status"] = Value::from("failed");
    steps["error"] = Value::from("simulated: the build broke");
    steps["metrics"] = Value::Object(Default::default());
    let broken_dir = write_results(&tmp.path().join("broken"), &broken);
    let failed = compare(&a, &broken_dir);
    let text = stdout(&failed);
    assert_eq!(failed.status.code(), Some(1), "{text}\n{}", stderr(&failed));
    assert!(
        text.contains("same-output-buildkit: failed in head, ok in base (regression)"),
        "{text}"
    );

    let mut other = head;
    other["suite"] = Value::from("another-suite");
    let other_dir = write_results(&tmp.path().join("other"), &other);
    let unusable = compare(&a, &other_dir);
    assert_eq!(unusable.status.code(), Some(2), "{}", stdout(&unusable));
    assert!(
        stderr(&unusable).contains("same suite"),
        "{}",
        stderr(&unusable)
    );

    let missing = compare(&a, &tmp.path().join("nowhere"));
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no such folder"),
        "{}",
        stderr(&missing)
    );
}
