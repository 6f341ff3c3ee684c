//! History over a tempdir of synthetic results folders: discovery at any depth, order, values
//! from the samples, and skipped folders.

use std::path::Path;

use super::*;
use crate::metric::Direction;
use crate::results::testdata::{failed, run_at, variant, with_targets};
use crate::results::{Environment, RunResults, VariantResult};

/// A finished run of `suite` at `started_at`, on a host known only by its dockbench commit.
fn run(suite: &str, started_at: &str, commit: &str, variants: Vec<VariantResult>) -> RunResults {
    RunResults {
        suite: suite.into(),
        environment: Environment {
            dockbench_git_commit: commit.into(),
            ..Environment::default()
        },
        ..run_at(started_at, variants)
    }
}

fn write(root: &Path, dir: &str, results: &RunResults) {
    crate::results::testdata::write_folder(&root.join(dir), results);
}

/// Three finished runs of two suites at different depths (written out of time order), an
/// interrupted run, a corrupt file, and unrelated files.
fn results_root(root: &Path) {
    let slim = with_targets(
        variant(
            "slim",
            &[
                ("image_size_bytes", &[80e6; 3]),
                ("cold_build_s", &[12.0, 10.0, 11.0]),
            ],
        ),
        &[("cold_build_s", 15.0, "15s", Direction::AtMost)],
    );
    let broken = failed("broken", "exit code: 1");
    write(
        root,
        "web/2026-11-24T08-00-00Z",
        &run(
            "web",
            "2026-11-24T08:00:00Z",
            "bbb2222",
            vec![slim.clone(), broken],
        ),
    );
    write(
        root,
        "web/2026-11-23T07-41-05Z",
        &run("web", "2026-11-23T07:41:05Z", "aaa1111", vec![slim]),
    );
    // A later run in another time zone that is earlier in UTC than the web runs' second one.
    write(
        root,
        "ci/nightly/api/run-1",
        &run(
            "api",
            "2026-11-24T09:30:00+02:00",
            "ccc3333",
            vec![variant("fat", &[("warm_build_s", &[1.5, 2.5])])],
        ),
    );
    let mut unfinished = run("web", "2026-11-25T08:00:00Z", "ddd4444", Vec::new());
    unfinished.finished_at = None;
    write(root, "web/2026-11-25T08-00-00Z", &unfinished);
    std::fs::create_dir_all(root.join("web/garbage")).unwrap();
    std::fs::write(root.join("web/garbage/results.json"), "{ not json").unwrap();
    std::fs::write(root.join("web/notes.txt"), "not a results file").unwrap();
}

type Point = (&'static str, &'static str, &'static str, &'static str);

fn points(rows: &[HistoryRow]) -> Vec<(&str, &str, &str, &str)> {
    rows.iter()
        .map(|r| {
            (
                r.started_at.as_str(),
                r.results_dir.as_str(),
                r.variant.as_str(),
                r.metric.as_str(),
            )
        })
        .collect()
}

#[test]
fn finds_runs_at_any_depth_in_time_order() {
    let tmp = tempfile::tempdir().unwrap();
    results_root(tmp.path());
    let collected = scan(tmp.path()).unwrap();
    // 09:30+02:00 is 07:30 UTC: between the two web runs.
    let expected: [Point; 5] = [
        (
            "2026-11-23T07:41:05Z",
            "web/2026-11-23T07-41-05Z",
            "slim",
            "cold_build_s",
        ),
        (
            "2026-11-23T07:41:05Z",
            "web/2026-11-23T07-41-05Z",
            "slim",
            "image_size_bytes",
        ),
        (
            "2026-11-24T09:30:00+02:00",
            "ci/nightly/api/run-1",
            "fat",
            "warm_build_s",
        ),
        (
            "2026-11-24T08:00:00Z",
            "web/2026-11-24T08-00-00Z",
            "slim",
            "cold_build_s",
        ),
        (
            "2026-11-24T08:00:00Z",
            "web/2026-11-24T08-00-00Z",
            "slim",
            "image_size_bytes",
        ),
    ];
    assert_eq!(points(&collected.rows), expected);
}

#[test]
fn values_come_from_the_samples() {
    let tmp = tempfile::tempdir().unwrap();
    results_root(tmp.path());
    let rows = scan(tmp.path()).unwrap().rows;
    let cold = &rows[0];
    assert_eq!((cold.median, cold.min, cold.max), (11.0, 10.0, 12.0));
    assert_eq!(cold.samples, 3);
    assert_eq!(cold.target_limit, Some(15.0));
    assert_eq!(cold.git_commit, "aaa1111");
    assert_eq!(cold.suite, "web");
    assert_eq!(rows[1].target_limit, None);
    let fat = &rows[2];
    assert_eq!(
        (fat.median, fat.min, fat.max, fat.samples),
        (2.0, 1.5, 2.5, 2)
    );
}

#[test]
fn bad_folders_are_skipped_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    results_root(tmp.path());
    let collected = scan(tmp.path()).unwrap();
    assert_eq!(collected.warnings.len(), 2, "{:?}", collected.warnings);
    // In folder order: the unfinished run's folder name sorts before `garbage`.
    assert!(collected.warnings[0].contains("2026-11-25T08-00-00Z"));
    assert!(collected.warnings[0].contains("did not finish"));
    assert!(collected.warnings[1].contains("garbage") && collected.warnings[1].contains("parsing"));
    // `collect` prints them and keeps going.
    assert_eq!(collect(tmp.path()).unwrap().len(), 5);
}

#[test]
fn a_single_run_folder_is_its_own_history() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        ".",
        &run(
            "web",
            "2026-11-23T07:41:05Z",
            "a",
            vec![variant("v", &[("startup_s", &[0.5])])],
        ),
    );
    let rows = collect(tmp.path()).unwrap();
    assert_eq!(rows[0].results_dir, ".");
}

#[test]
fn the_root_must_be_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let err = collect(&tmp.path().join("nope")).unwrap_err();
    assert!(format!("{err:#}").contains("nope"), "{err:#}");
    std::fs::write(tmp.path().join("file"), "").unwrap();
    let err = collect(&tmp.path().join("file")).unwrap_err();
    assert!(err.to_string().contains("is not a folder"), "{err}");
    assert!(
        collect(tmp.path()).unwrap().is_empty(),
        "an empty root is an empty history"
    );
}

#[test]
fn history_csv() {
    let tmp = tempfile::tempdir().unwrap();
    results_root(tmp.path());
    let rows = collect(tmp.path()).unwrap();
    let path = tmp.path().join(HISTORY_CSV);
    write_csv(&rows, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    insta::assert_snapshot!(text);
    // Rewriting over an existing file, as `dockbench history` does each time, leaves no temp.
    write_csv(&rows, &path).unwrap();
    let leftovers = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn five_hundred_runs() {
    // A long history must stay quick: one parse per run, one sort of runs.
    let tmp = tempfile::tempdir().unwrap();
    let samples: Vec<f64> = (0..5).map(|i| 10.0 + i as f64).collect();
    let metrics: Vec<(&str, &[f64])> = vec![
        ("cold_build_s", &samples),
        ("warm_build_s", &samples),
        ("image_size_bytes", &samples),
    ];
    let variants: Vec<VariantResult> = (0..5)
        .map(|v| variant(&format!("v{v}"), &metrics))
        .collect();
    for i in 0..500u32 {
        let mut results = run("web", "", "x", variants.clone());
        // Numbered so that folder order is the reverse of time order.
        let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap()
            + chrono::Duration::minutes(i64::from(500 - i));
        results.started_at = t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        write(tmp.path(), &format!("web/{i:03}"), &results);
    }
    let started = std::time::Instant::now();
    let rows = collect(tmp.path()).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(rows.len(), 500 * 5 * 3);
    assert!(rows.windows(2).all(|w| w[0].started_at <= w[1].started_at));
    assert_eq!(rows[0].results_dir, "web/499");
    assert!(elapsed.as_secs() < 10, "{elapsed:?}");
}

/// The last measured seconds per repetition of each variant of one suite: the latest run that
/// measured it wins, whatever order the folders are in, and other suites and unfinished runs
/// do not count.
#[test]
fn last_durations_per_run_come_from_each_variants_latest_run() {
    let tmp = tempfile::tempdir().unwrap();
    let timed = |name: &str, runs: u32, seconds: f64| VariantResult {
        completed_runs: (1..=runs).collect(),
        measured_s: seconds,
        ..variant(name, &[("cold_build_s", &[1.0])])
    };
    write(
        tmp.path(),
        "web/new",
        &run(
            "web",
            "2026-11-25T08:00:00Z",
            "c",
            vec![timed("a", 2, 30.0)],
        ),
    );
    write(
        tmp.path(),
        "web/old",
        &run(
            "web",
            "2026-11-24T08:00:00Z",
            "c",
            vec![timed("a", 3, 90.0), timed("b", 3, 60.0)],
        ),
    );
    write(
        tmp.path(),
        "api/x",
        &run(
            "api",
            "2026-11-26T08:00:00Z",
            "c",
            vec![timed("a", 1, 500.0)],
        ),
    );
    let mut unfinished = run(
        "web",
        "2026-11-27T08:00:00Z",
        "c",
        vec![timed("b", 1, 999.0)],
    );
    unfinished.finished_at = None;
    write(tmp.path(), "web/cut", &unfinished);
    let seconds = last_seconds_per_run(tmp.path(), "web").unwrap();
    assert_eq!(seconds.len(), 2);
    assert_eq!(
        seconds["a"], 15.0,
        "the newer run's 30 s over 2 repetitions"
    );
    assert_eq!(seconds["b"], 20.0, "only the older run measured b");
    assert!(last_seconds_per_run(&tmp.path().join("nope"), "web").is_err());
}

/// Issue 27: trend charts mark environment changes, so each row carries what set the pace.
#[test]
fn rows_carry_what_set_the_pace_of_their_run() {
    let env = crate::results::testdata::environment("Ryzen 7");
    let fields = pace_setters(&env);
    let get = |what: &str| {
        fields
            .iter()
            .find(|(w, _)| w == what)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("CPU"), Some("Ryzen 7"));
    assert_eq!(get("CPUs"), Some("8"));
    assert_eq!(get("dockbench"), Some("0.1.0"));
    assert!(get("engine").is_some_and(|e| e.starts_with("Docker ")));
    assert_eq!(get("kernel"), None, "unknown fields are left out");
    assert!(pace_setters(&Environment::default()).is_empty());

    let dir = tempfile::tempdir().unwrap();
    let mut results = run(
        "web",
        "2026-11-20T10:00:00Z",
        "abc",
        vec![variant("a", &[("cold_build_s", &[1.0])])],
    );
    results.environment = env;
    write(dir.path(), "r1", &results);
    let rows = collect(dir.path()).unwrap();
    assert_eq!(rows[0].environment, fields);
}
