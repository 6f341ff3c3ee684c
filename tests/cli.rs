//! Command-line behaviour that needs no Docker: validation messages and exit codes.

mod common;

use std::path::Path;

use common::{dockbench, fixture, stderr, stdout};

#[test]
fn validate_accepts_the_fixture_suites() {
    for suite in [
        "busybox/build/suite.toml",
        "busybox/run/suite.toml",
        "suites/python-api/suite.toml",
    ] {
        let o = dockbench(&["validate", fixture(suite).to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{suite}: {}", stderr(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains(": ok ("));
    }
}

#[test]
fn validate_accepts_the_bundled_suites() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for suite in [
        "scenarios/python-api/suite.toml",
        "scenarios/uv-worker/suite.toml",
        "tests/fixtures/python-api-ci/suite.toml",
    ] {
        let o = dockbench(&["validate", root.join(suite).to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{suite}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{suite}: no warnings either");
    }
}

#[test]
fn the_stack_suite_validates_and_says_what_it_leaves_out() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = root.join("scenarios/stack/suite.toml");
    let o = dockbench(&["validate", suite.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let warnings: Vec<&str> = err.lines().collect();
    // compose.yaml's `.:/app/src`-style dev mount, in the two variants that use that file.
    assert_eq!(warnings.len(), 2, "{err}");
    for w in warnings {
        assert!(w.contains("service `api`: the bind mount"), "{w}");
        assert!(
            w.contains("bind mount ../python-api/src:/app/src was left out"),
            "{w}"
        );
    }
}

#[test]
fn a_refused_compose_key_names_the_compose_file_line_and_key() {
    let path = fixture("bad/compose.toml");
    let o = dockbench(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let compose = path.parent().unwrap().join("compose.yaml");
    let expected = format!(
        "error: {}:9: `services.db.privileged`: dockbench cannot honour `privileged` here: \
         dockbench runs services with the engine's defaults: remove it, or measure this stack \
         with the compose tool itself\n",
        compose.display()
    );
    assert_eq!(stderr(&o), expected);
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let path = fixture("bad/typo.toml");
    let o = dockbench(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let expected = format!(
        "error: {}:5: `run.timeot`: unknown key `timeot` in [run]; did you mean `timeout`? \
         expected one of: port, \
         http_probe, http_status, ready_log, timeout, settle, env, env_file, command, memory, \
         cpus, user, tmpfs, compose, service\n",
        path.display()
    );
    assert_eq!(stderr(&o), expected);
}

#[test]
fn validate_lists_every_bad_unit() {
    let path = fixture("bad/units.toml");
    let o = dockbench(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(":4: `targets.image_size_bytes`: invalid size \"600 parsecs\""),
        "{err}"
    );
    assert!(
        err.contains(":5: `targets.startup_s`: invalid duration \"soon\""),
        "{err}"
    );
}

#[test]
fn missing_dockerfile_is_exit_2_for_run_too() {
    let path = fixture("bad/missing.toml");
    let o = dockbench(&["run", path.to_str().unwrap(), "--no-progress"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a bad suite is rejected before Docker is touched"
    );
    let err = stderr(&o);
    assert!(
        err.contains(":5: `variant[1].dockerfile`") && err.contains("Dockerfile.nope"),
        "{err}"
    );
}

#[test]
fn unreadable_suite_and_unknown_variant_are_exit_2() {
    let o = dockbench(&["run", "/nonexistent/suite.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: /nonexistent/suite.toml: cannot read"),
        "{}",
        stderr(&o)
    );

    let suite = fixture("busybox/build/suite.toml");
    let o = dockbench(&["run", suite.to_str().unwrap(), "--variant", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--variant nope: no such variant"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_flags_are_exit_2() {
    let suite = fixture("busybox/build/suite.toml");
    let o = dockbench(&["run", suite.to_str().unwrap(), "--runs", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn claims_and_the_reference_on_the_command_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = root.join("scenarios/python-api/suite.toml");
    let o = dockbench(&["validate", suite.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("(7 variants, 3 edits, 3 to 10 runs until decided within 25m, 11 claims)"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = dockbench(&["run", suite.to_str().unwrap(), "--reference", "nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--reference nope: suite python-api measures no such variant"));

    // A committed run, re-judged from its samples in a copy (the committed folder is left alone).
    let run = root.join("results/python-api/2026-11-28T17-38-00Z/results.json");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&run, dir.path().join("results.json")).unwrap();
    std::fs::copy(
        run.with_file_name("samples.csv"),
        dir.path().join("samples.csv"),
    )
    .unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let o = dockbench(&["report", dir_arg, "--suite", suite.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("(reference)"), "{out}");
    assert!(
        out.contains("  holds partly: Ordering the COPY lines raises the cache hit rate"),
        "{out}"
    );
    assert!(
        out.contains("  does not hold: Splitting dependency layers cuts image size"),
        "{out}"
    );
    let report = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(report.contains("## Claims"));

    let o = dockbench(&["report", dir_arg, "--reference", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--reference nope: the run has no such variant"));
    let other = root.join("scenarios/uv-worker/suite.toml");
    let o = dockbench(&["report", dir_arg, "--suite", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds a run of suite `python-api`"),
        "{}",
        stderr(&o)
    );
}

// --- dockbench merge -----------------------------------------------------------------------

fn load(dir: &Path) -> dockbench::results::RunResults {
    dockbench::results::ResultsStore::load(dir).unwrap()
}

fn csv_rows(dir: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(dir.join("samples.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Two runs of the run fixtures (one failing in each, at different points) merged: samples in
/// order with repetitions renumbered, every summary and target recomputed by dockbench's own
/// statistics, both environments and every note kept.
#[test]
fn merge_concatenates_samples_and_recomputes_summaries() {
    use dockbench::stats::Summary;
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (fixture("scripts/results-a"), fixture("scripts/results-b"));
    let out = tmp.path().join("merged");
    let o = dockbench(&[
        "merge",
        "--out",
        out.to_str().unwrap(),
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "merged 2 folder(s), 4 repetition(s) per variant -> {}\n",
            out.display()
        )
    );

    let (ra, rb, merged) = (load(&a), load(&b), load(&out));
    assert_eq!(merged.runs, ra.runs + rb.runs);
    assert_eq!(merged.suite, ra.suite);
    assert_eq!(merged.finished_at, rb.finished_at);
    let names: Vec<_> = merged.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["fast-buildkit", "hog-buildkit", "crash"]);
    for (i, v) in merged.variants.iter().enumerate() {
        let (va, vb) = (&ra.variants[i], &rb.variants[i]);
        for (metric, summary) in &v.metrics {
            let mut samples = va.metrics[metric].samples.clone();
            samples.extend(&vb.metrics[metric].samples);
            // The same code as a run's, exactly: loading derives every summary from
            // samples.csv, whose numbers read back bit for bit.
            assert_eq!(
                Some(summary),
                Summary::from_samples(&samples).as_ref(),
                "{} {metric}",
                v.name
            );
        }
        for t in &v.targets {
            assert_eq!(t.value, v.metrics.get(&t.metric).map(|s| s.median));
        }
    }
    let by_name = |n: &str| merged.variants.iter().find(|v| v.name == n).unwrap();
    assert_eq!(
        by_name("fast-buildkit").status,
        dockbench::results::Status::Ok
    );
    let hog = by_name("hog-buildkit");
    assert_eq!(hog.status, dockbench::results::Status::Failed);
    assert!(
        hog.error
            .as_deref()
            .unwrap()
            .starts_with(&format!("{}: ", b.display())),
        "{:?}",
        hog.error
    );
    let crash = by_name("crash");
    assert!(crash
        .error
        .as_deref()
        .unwrap()
        .starts_with(&format!("{}: container exited with code 7", a.display())));
    assert!(!crash.targets[0].pass && crash.targets[0].value.is_none());
    // Each input's environment, and which repetitions are whose.
    assert_eq!(merged.merged_from.len(), 2);
    assert_eq!(merged.merged_from[0].environment, ra.environment);
    assert_eq!(merged.merged_from[1].environment, rb.environment);
    assert_eq!(
        (
            merged.merged_from[0].first_run,
            merged.merged_from[1].first_run
        ),
        (1, ra.runs + 1)
    );
    // Notes of both inputs.
    for v in ra.variants.iter().chain(&rb.variants) {
        for note in &v.notes {
            assert!(by_name(&v.name).notes.contains(note), "{note}");
        }
    }

    // samples.csv: both rounds' rows, repetitions renumbered 1..4.
    let (rows_a, rows_b, rows) = (csv_rows(&a), csv_rows(&b), csv_rows(&out));
    // The fixtures predate `started_at`; the merged file has today's header.
    assert_eq!(rows[0][..6], rows_a[0][..], "header");
    assert_eq!(rows.len(), rows_a.len() + rows_b.len() - 1);
    let runs: std::collections::BTreeSet<_> = rows[1..].iter().map(|r| r[3].as_str()).collect();
    assert_eq!(runs.into_iter().collect::<Vec<_>>(), ["1", "2", "3", "4"]);
}

#[test]
fn merge_refuses_other_suites_a_folder_twice_and_a_used_output() {
    let tmp = tempfile::tempdir().unwrap();
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let a = fixture("scripts/results-a");
    let json = std::fs::read_to_string(a.join("results.json"))
        .unwrap()
        .replace("\"suite\": \"fixture-run\"", "\"suite\": \"other\"");
    std::fs::write(other.join("results.json"), json).unwrap();
    std::fs::copy(a.join("samples.csv"), other.join("samples.csv")).unwrap();
    let out = tmp.path().join("out");
    let (out, a, other) = (
        out.to_str().unwrap(),
        a.to_str().unwrap(),
        other.to_str().unwrap(),
    );

    let o = dockbench(&["merge", out, a, other]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot merge different suites"),
        "{}",
        stderr(&o)
    );

    let o = dockbench(&["merge", out, a, a]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("twice"), "{}", stderr(&o));

    let o = dockbench(&["merge", other, a]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));
}

/// The old form, `merge OUT_DIR RESULTS_DIR...`, still merges, with a one-line note that it is
/// deprecated; `-q` leaves out the "merged" line but not the note.
#[test]
fn merge_out_as_the_first_folder_still_works_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (fixture("scripts/results-a"), fixture("scripts/results-b"));
    let out = tmp.path().join("merged");
    let (a, b, out_s) = (
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let o = dockbench(&["-q", "merge", out_s, a, b]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "note: `dockbench merge OUT_DIR RESULTS_DIR...` is deprecated and will go in a later \
         release: write `dockbench merge --out OUT_DIR RESULTS_DIR...`\n"
    );
    assert_eq!(load(&out).runs, 4);
    // One folder and no --out: nowhere to write.
    let o = dockbench(&["merge", a]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("merge needs --out DIR"),
        "{}",
        stderr(&o)
    );
}

// --- one source of truth ------------------------------------------------------------------

/// A copy of a committed python-api run (claims, a reference, targets, anatomy): its three data
/// files only.
fn copy_run(to: &Path) {
    let from =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("results/python-api/2026-11-29T03-19-32Z");
    std::fs::create_dir_all(to).unwrap();
    for file in ["results.json", "samples.csv", "environment.json"] {
        std::fs::copy(from.join(file), to.join(file)).unwrap();
    }
}

/// Every stored summary replaced by a lie (12345 everywhere, one sample) and every target
/// verdict flipped.
fn tamper(dir: &Path) {
    let path = dir.join("results.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut lies = 0;
    for v in json["variants"].as_array_mut().unwrap() {
        for (_, summary) in v["metrics"].as_object_mut().unwrap() {
            for key in ["median", "mean", "stddev", "min", "max"] {
                summary[key] = 12345.0.into();
            }
            summary["samples"] = serde_json::json!([12345.0]);
            lies += 1;
        }
        for t in v["targets"].as_array_mut().unwrap() {
            t["pass"] = (!t["pass"].as_bool().unwrap()).into();
            t["value"] = 12345.0.into();
        }
    }
    assert!(lies > 50, "the committed run has {lies} summaries");
    std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
}

/// Loading a results folder derives every summary from samples.csv, so a folder whose stored
/// summaries were tampered with gives, in every output (terminal, report.md, every export,
/// compare, merge, history), exactly what the untouched folder gives.
#[test]
fn tampered_summaries_change_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let (clean, tampered) = (
        tmp.path().join("clean/run"),
        tmp.path().join("tampered/run"),
    );
    copy_run(&clean);
    copy_run(&tampered);
    tamper(&tampered);
    let outputs = |dir: &Path| -> Vec<(String, String)> {
        let exports = tmp.path().join(format!(
            "exports-{}",
            dir.parent().unwrap().file_name().unwrap().to_str().unwrap()
        ));
        std::fs::create_dir_all(&exports).unwrap();
        let d = dir.to_str().unwrap();
        let mut args = vec!["report".to_string(), d.to_string()];
        let kinds = ["json", "csv", "markdown", "github-benchmark", "bencher"];
        for kind in kinds {
            args.push(format!("--export-{kind}"));
            args.push(exports.join(kind).to_str().unwrap().to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let report = dockbench(&args);
        assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
        let mut out = vec![
            (
                "terminal".to_string(),
                String::from_utf8_lossy(&report.stdout).replace(d, "DIR"),
            ),
            (
                "report.md".to_string(),
                std::fs::read_to_string(dir.join("report.md")).unwrap(),
            ),
        ];
        for kind in kinds {
            out.push((
                kind.to_string(),
                std::fs::read_to_string(exports.join(kind)).unwrap(),
            ));
        }
        // Against the untouched folder: the same comparison either way round.
        let compare = dockbench(&["compare", clean.to_str().unwrap(), d, "--format", "text"]);
        assert_eq!(compare.status.code(), Some(0), "{}", stderr(&compare));
        out.push((
            "compare".into(),
            String::from_utf8_lossy(&compare.stdout).replace(d, "HEAD"),
        ));
        let merged = dir.parent().unwrap().join("merged");
        let merge = dockbench(&["merge", merged.to_str().unwrap(), d]);
        out.push(("merge exit".into(), format!("{:?}", merge.status.code())));
        let merged_json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(merged.join("results.json")).unwrap())
                .unwrap();
        out.push(("merge".into(), merged_json["variants"].to_string()));
        let history_out = dir.parent().unwrap().join("history");
        let history = dockbench(&[
            "history",
            dir.to_str().unwrap(),
            "--out",
            history_out.to_str().unwrap(),
        ]);
        assert_eq!(history.status.code(), Some(0), "{}", stderr(&history));
        out.push((
            "history.csv".into(),
            std::fs::read_to_string(history_out.join("history.csv")).unwrap(),
        ));
        out
    };
    let (want, got) = (outputs(&clean), outputs(&tampered));
    for ((name, w), (_, g)) in want.iter().zip(&got) {
        assert!(
            !g.contains("12345"),
            "{name} shows a stored (tampered) figure:\n{g}"
        );
        assert_eq!(w, g, "{name} differs");
    }
    // And the figures are the samples': the reference's cold build median, from samples.csv.
    let csv = std::fs::read_to_string(clean.join("samples.csv")).unwrap();
    let mut cold: Vec<f64> = csv
        .lines()
        .filter(|l| l.contains(",baseline,cold_build_s,"))
        .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    cold.sort_by(f64::total_cmp);
    let median = cold[cold.len() / 2];
    assert_eq!(cold.len(), 3);
    let exported = &got.iter().find(|(n, _)| n == "csv").unwrap().1;
    assert!(
        exported.contains(&format!("baseline,cold_build_s,s,{median},")),
        "{median} not in\n{exported}"
    );
}

/// A context that is not in the store stops dockbench before it reaches for any engine (exit
/// 2), naming the context, what chose it and the file it looked for.
#[test]
fn a_missing_context_is_refused_with_where_it_was_looked_for() {
    let config = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dockbench"))
        .args(["doctor"])
        .env_remove("DOCKER_HOST")
        .env("DOCKER_CONTEXT", "colima")
        .env("DOCKER_CONFIG", config.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // sha256("colima"), as the docker CLI names the context's folder.
    let meta = config.path().join(
        "contexts/meta/f24fd3749c1368328e2b149bec149cb6795619f244c5b584e844961215dadd16/meta.json",
    );
    assert_eq!(
        stderr(&o),
        format!(
            "error: context colima (DOCKER_CONTEXT) does not exist: there is no {}\nhint: \
             `docker context ls` lists the contexts\n",
            meta.display()
        )
    );
    // --context beats DOCKER_HOST, as `docker --context` does.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dockbench"))
        .args(["--context", "gone", "clean", "--dry-run"])
        .env("DOCKER_HOST", "unix:///var/run/docker.sock")
        .env("DOCKER_CONFIG", config.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: context gone (--context) does not exist: there is no "),
        "{}",
        stderr(&o)
    );
}

// --- CLI habits (issue 27) -----------------------------------------------------------------

/// `--help` wraps at the terminal's width (COLUMNS when stdout is no terminal), between words.
#[test]
fn issue_27_help_wraps_at_the_width_between_words() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_dockbench"))
        .args(["run", "--help"])
        .env("COLUMNS", "60")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let help = stdout(&o);
    let long: Vec<&str> = help.lines().filter(|l| l.chars().count() > 60).collect();
    assert!(long.is_empty(), "{long:#?}");
    // Every word whole: the wrapped text, joined again, is the doc comment.
    let words = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains(
            "In which order the variants' repetitions run: interleaved (repetition 1 of every \
             variant, then repetition 2, ..., rotating which variant goes first)"
        ),
        "{help}"
    );
    assert!(words.contains("-r, --runs <N|auto>"), "{help}");
    assert!(
        words.contains("-q, --quiet") && words.contains("-v, --verbose"),
        "{help}"
    );
}

#[test]
fn issue_27_completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _dockbench"),
        ("zsh", "#compdef dockbench"),
        ("fish", "complete -c dockbench"),
    ] {
        let o = dockbench(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("balance-from"), "{shell}: every flag");
    }
    let o = dockbench(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

/// `man` alone prints dockbench.1; `man --out DIR` writes a page per command.
#[test]
fn issue_27_man_pages() {
    let o = dockbench(&["man"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = stdout(&o);
    let title = page
        .lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "));
    assert!(title.unwrap().starts_with(".TH dockbench 1 "), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let o = dockbench(&["man", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for command in [
        "run", "validate", "report", "compare", "merge", "clean", "doctor",
    ] {
        let page = std::fs::read_to_string(dir.path().join(format!("dockbench-{command}.1")));
        assert!(page
            .unwrap()
            .contains(&format!(".TH dockbench-{command} 1 ")));
    }
}

/// One JSON document on stdout, with the errors' file, line and key apart; exit 2 as in text.
#[test]
fn issue_27_validate_format_json() {
    let good = fixture("busybox/build/suite.toml");
    let bad = fixture("bad/typo.toml");
    let o = dockbench(&[
        "validate",
        "--format",
        "json",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["suites"][0]["file"], good.to_str().unwrap());
    assert!(doc["suites"][0]["suite"]["variants"].as_u64().unwrap() > 0);
    let error = &doc["suites"][1]["errors"][0];
    assert_eq!(
        (&error["line"], &error["key"]),
        (&5.into(), &"run.timeot".into())
    );
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `timeout`?"));
}

/// The suite name names the results folder: `../../etc` or `my suite` is refused by every
/// command that loads the suite, naming file, line and key.
#[test]
fn issue_27_validate_refuses_a_suite_name_that_is_not_a_bare_word() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    for name in ["../../etc", "my suite"] {
        let path = dir.path().join("suite.toml");
        let text = format!("# a suite\nname = {name:?}\n[[variant]]\nname = \"a\"\n");
        std::fs::write(&path, text).unwrap();
        let o = dockbench(&["validate", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!(
                "error: {}:2: `name`: the suite name {name:?} may only contain letters, digits, \
                 `_` and `-` (it names the results folder)\n",
                path.display()
            )
        );
    }
}

/// Issue 27: `--color` and the environment, end to end on a committed pair of runs. The child's
/// stdout is a pipe, so `auto` colours only under CLICOLOR_FORCE, and NO_COLOR beats that;
/// an explicit `--color always` beats NO_COLOR (no-color.org: a flag is the user's word).
#[test]
fn issue_27_colour_follows_the_flag_and_no_color() {
    let root = common::root();
    let runs = root.join("results/python-api");
    let (base, head) = (
        runs.join("20261123T113726Z"),
        runs.join("2026-11-29T03-19-32Z"),
    );
    let run = |flag: &str, env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_dockbench"));
        for name in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "COLUMNS"] {
            command.env_remove(name);
        }
        command.envs(env.iter().copied()).args([
            "--color",
            flag,
            "compare",
            base.to_str().unwrap(),
            head.to_str().unwrap(),
            "--format",
            "text",
        ]);
        let o = command.output().expect("run dockbench");
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let coloured = |text: &str| text.contains("\x1b[");
    assert!(!coloured(&run("auto", &[])), "piped: no colour");
    assert!(coloured(&run("auto", &[("CLICOLOR_FORCE", "1")])));
    let both = run("auto", &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!coloured(&both), "NO_COLOR beats CLICOLOR_FORCE");
    // An empty NO_COLOR is no request (no-color.org).
    assert!(coloured(&run(
        "auto",
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")]
    )));
    let always = run("always", &[("NO_COLOR", "1")]);
    assert!(always.contains("\x1b[33mnot judged\x1b[0m"), "{always}");
    assert!(!coloured(&run("never", &[("CLICOLOR_FORCE", "1")])));
    // COLUMNS sets the width, piped or not, and every line fits it.
    let narrow = {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_dockbench"));
        command
            .env("COLUMNS", "80")
            .env_remove("CLICOLOR_FORCE")
            .args([
                "compare",
                base.to_str().unwrap(),
                head.to_str().unwrap(),
                "--format",
                "text",
            ]);
        stdout(&command.output().unwrap())
    };
    let widest = narrow.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest <= 80, "{widest}:\n{narrow}");
    assert!(narrow.contains("  not judged: cold_build_s"), "{narrow}");
}

/// `dockbench compare A B | head`: the reader goes away; the command ends with its own exit
/// code (0 or 1, never a panic's 101) and prints no panic.
#[test]
fn a_closed_pipe_ends_the_output_not_the_command() {
    use std::io::Read;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dockbench"))
        .args(["compare", "--format", "text", "--color", "never"])
        .arg(root.join("results/python-api/20261123T113726Z"))
        .arg(root.join("results/python-api/2026-11-29T03-19-32Z"))
        .env("COLUMNS", "80")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close our end before it writes (it first loads two results folders), as `| true` would:
    // its first write meets a closed pipe.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(matches!(status.code(), Some(0 | 1)), "{status:?}: {stderr}");
}
