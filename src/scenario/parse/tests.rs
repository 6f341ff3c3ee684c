//! Suite loading, end to end through files in a tempdir: a valid suite and its merging, then
//! every kind of mistake with the line, key and message it is reported with.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

use super::run::{DEFAULT_SETTLE, DEFAULT_TIMEOUT};
use super::{load_suite, validate_suite};
use crate::metric::Direction;
use crate::scenario::{AutoRuns, Builder, Change, ChangeKind, Edit, Limits, RunSpec, Target};

const FIXTURE: &str = "tests/fixtures/suites/python-api/suite.toml";

/// A suite folder: `suite.toml` with `text`, and the given files (empty), or folders when
/// the name ends with `/`.
fn suite_dir(text: &str, files: &[&str]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for file in files {
        let path = dir.path().join(file);
        if file.ends_with('/') {
            std::fs::create_dir_all(&path).unwrap();
        } else {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "").unwrap();
        }
    }
    let suite = dir.path().join("suite.toml");
    std::fs::write(&suite, text).unwrap();
    (dir, suite)
}

/// The first error as (line, key, message), and the canonical folder for path messages.
fn first_error(text: &str, files: &[&str]) -> ((Option<usize>, Option<String>, String), String) {
    let (dir, suite) = suite_dir(text, files);
    let err = load_suite(&suite).unwrap_err();
    assert_eq!(err.file, suite);
    let root = dir.path().canonicalize().unwrap().display().to_string();
    ((err.line, err.key, err.message), root)
}

fn expect(line: usize, key: &str, message: &str) -> (Option<usize>, Option<String>, String) {
    (Some(line), Some(key.to_string()), message.to_string())
}

const FILES: &[&str] = &["Dockerfile", "src/main.py"];
const RUN_KEYS: &str = "port, http_probe, http_status, ready_log, timeout, settle, env, env_file, command, memory, cpus, user, tmpfs, compose, service";

// ---- a valid suite -------------------------------------------------------------------

#[test]
fn full_suite_with_overrides_and_merging() {
    let suite = load_suite(Path::new(FIXTURE)).unwrap();
    let root = Path::new(FIXTURE).parent().unwrap().canonicalize().unwrap();
    assert_eq!(suite.name, "python-api");
    assert_eq!(suite.path, root.join("suite.toml"));
    assert!(suite.path.is_absolute());
    assert_eq!(suite.runs, 5);
    let change = |file: &str, kind: ChangeKind| Change {
        file: PathBuf::from(file),
        kind,
    };
    assert_eq!(
        suite.edits,
        [
            Edit {
                name: "source".into(),
                changes: vec![change(
                    "src/main.py",
                    ChangeKind::Append("\n# edited\n".into())
                )],
            },
            Edit {
                name: "deps".into(),
                changes: vec![
                    change(
                        "requirements.txt",
                        ChangeKind::Replace {
                            from: "fastapi".into(),
                            to: "fastapi  # {nonce}".into()
                        }
                    ),
                    change("constraints.txt", ChangeKind::Write("fastapi<1\n".into())),
                ],
            },
            Edit {
                name: "cleanup".into(),
                changes: vec![change("src/main.py", ChangeKind::Delete)],
            },
        ]
    );

    let [baseline, alpine] = &suite.variants[..] else {
        panic!("two variants expected")
    };
    assert_eq!(baseline.name, "baseline");
    assert_eq!(baseline.context_dir, root.join("app"));
    assert_eq!(baseline.dockerfile, PathBuf::from("Dockerfile.baseline"));
    assert_eq!(baseline.builder, Builder::BuildKit);
    assert_eq!(baseline.target.as_deref(), Some("runtime"));
    assert_eq!(baseline.platform.as_deref(), Some("linux/amd64"));
    let run = baseline.run.as_ref().unwrap();
    assert_eq!(run.port, Some(8000));
    assert_eq!(run.http_probe.as_deref(), Some("/health"));
    assert_eq!(run.http_status, [200, 204]);
    assert_eq!(run.ready_log, None);
    assert_eq!(run.timeout, Duration::from_secs(90));
    assert_eq!(run.settle, Duration::from_millis(1500));
    // env_file first, `env` over it, as compose merges them.
    let env: Vec<_> = run
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(env, [("LOG_LEVEL", "info"), ("WORKERS", "2")]);
    assert_eq!(run.command.as_ref().unwrap()[0], "uvicorn");
    assert_eq!(
        run.limits,
        Limits {
            memory_bytes: Some(512 << 20),
            memory_text: Some("512MiB".into()),
            cpus: Some(1.5)
        }
    );
    assert_eq!(run.user.as_deref(), Some("1000:1000"));
    assert_eq!(run.tmpfs, ["/tmp", "/run:size=16m"]);

    assert_eq!(alpine.context_dir, root.join("app-alpine"));
    assert_eq!(alpine.dockerfile, PathBuf::from("docker/Dockerfile"));
    assert_eq!(alpine.builder, Builder::Classic);
    assert_eq!(alpine.target.as_deref(), Some("build"));
    assert_eq!(alpine.platform.as_deref(), Some("linux/arm64/v8"));
    // build_args merged key by key, the variant wins.
    let args: Vec<_> = alpine
        .build_args
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        args,
        [("BASE", "python:3.13-alpine"), ("PIP_NO_CACHE_DIR", "1")]
    );
    assert_eq!(baseline.build_args["BASE"], "python:3.13-slim");
    // A variant's run replaces the suite's whole: defaults, not the suite's values.
    let expected_run = RunSpec {
        port: Some(9000),
        http_probe: None,
        http_status: Vec::new(),
        ready_log: Some("Uvicorn running on".into()),
        timeout: DEFAULT_TIMEOUT,
        settle: DEFAULT_SETTLE,
        env: BTreeMap::new(),
        command: None,
        limits: Limits::default(),
        user: None,
        tmpfs: Vec::new(),
        stack: None,
    };
    assert_eq!(alpine.run.as_ref(), Some(&expected_run));
}

fn summary(targets: &[Target]) -> Vec<(&str, f64, &str)> {
    targets
        .iter()
        .map(|t| (t.metric.as_str(), t.limit, t.limit_text.as_str()))
        .collect()
}

#[test]
fn targets_converted_merged_and_ordered() {
    let suite = load_suite(Path::new(FIXTURE)).unwrap();
    let (baseline, alpine) = (&suite.variants[0], &suite.variants[1]);
    assert_eq!(
        summary(&baseline.targets),
        [
            ("cold_build_s", 180.0, "3m"),
            ("rebuild_s.deps", 0.25, "250ms"),
            ("cache_hit_rate.source", 0.8, "80%"),
            ("image_size_bytes", 600_000_000.0, "600MB"),
            ("startup_s", 2.0, "2"),
            ("memory_peak_bytes", 536_870_912.0, "512MiB"),
        ]
    );
    assert_eq!(
        summary(&alpine.targets),
        [
            ("cold_build_s", 180.0, "3m"),
            ("rebuild_s.deps", 0.25, "250ms"),
            ("cache_hit_rate.source", 0.9, "0.9"),
            ("image_size_bytes", 1_500_000_000.0, "1.5GB"),
            ("startup_s", 2.0, "2"),
            ("memory_peak_bytes", 536_870_912.0, "512MiB"),
        ]
    );
    assert_eq!(alpine.targets[2].direction, Direction::AtLeast);
    assert_eq!(alpine.targets[3].direction, Direction::AtMost);
}

#[test]
fn defaults() {
    let (dir, path) = suite_dir("name = \"s\"\n[[variant]]\nname = \"a\"\n", &["Dockerfile"]);
    let suite = load_suite(&path).unwrap();
    assert_eq!(suite.runs, 3);
    let variant = &suite.variants[0];
    assert_eq!(variant.context_dir, dir.path().canonicalize().unwrap());
    assert_eq!(variant.dockerfile, PathBuf::from("Dockerfile"));
    assert_eq!(variant.builder, Builder::BuildKit);
    assert!(variant.run.is_none());
    assert!(variant.targets.is_empty());
    assert!(validate_suite(&path).is_empty());
}

// ---- shape errors ------------------------------------------------------------------------

#[test]
fn toml_syntax_error() {
    let (got, _) = first_error("name = \"s\"\n\n[run\nport = 1\n", FILES);
    assert_eq!(
        got,
        (Some(3), None, "unclosed table, expected `]`".to_string())
    );
}

#[test]
fn duplicate_key() {
    let (got, _) = first_error("name = \"s\"\nruns = 1\nruns = 2\n", FILES);
    assert_eq!(got, expect(3, "runs", "duplicate key"));
}

#[test]
fn unknown_key_at_top_level() {
    let (got, _) = first_error("name = \"s\"\nrnus = 3\n", FILES);
    let message = "unknown key `rnus` at the top level; did you mean `runs`? expected one of: \
                   name, context, runs, max_runs, budget, builder, target, platform, build_args, run, targets, edit, variant, \
                   reference, claims_exit, margin, claim";
    assert_eq!(got, expect(2, "rnus", message));
}

#[test]
fn unknown_key_in_run() {
    let (got, _) = first_error("name = \"s\"\n[run]\nport = 80\ntimeot = \"5s\"\n", FILES);
    let message = format!(
        "unknown key `timeot` in [run]; did you mean `timeout`? expected one of: {RUN_KEYS}"
    );
    assert_eq!(got, expect(4, "run.timeot", &message));
}

#[test]
fn unknown_key_in_variant() {
    let text =
        "name = \"s\"\n[[variant]]\nname = \"a\"\n\n[[variant]]\nname = \"b\"\ndockerfle = \"D\"\n";
    let (got, _) = first_error(text, FILES);
    let message =
        "unknown key `dockerfle` in [variant[2]]; did you mean `dockerfile`? expected one of: \
                   name, dockerfile, context, builder, target, platform, build_args, run, targets";
    assert_eq!(got, expect(7, "variant[2].dockerfle", message));
}

#[test]
fn unknown_key_in_variant_run_and_edit() {
    let text = "name = \"s\"\n[[variant]]\nname = \"a\"\nrun = { port = 1, probe = \"/\" }\n";
    let (got, _) = first_error(text, FILES);
    let message = format!("unknown key `probe` in [variant[1].run]; expected one of: {RUN_KEYS}");
    assert_eq!(got, expect(4, "variant[1].run.probe", &message));

    let text = "name = \"s\"\n[[edit]]\nname = \"e\"\nfile = \"f\"\nappend = \"\"\nmode = 1\n";
    let (got, _) = first_error(text, FILES);
    let message = "unknown key `mode` in [edit[1]]; expected one of: \
                   name, file, append, replace, write, delete, change";
    assert_eq!(got, expect(6, "edit[1].mode", message));

    let text =
        "name = \"s\"\n[[edit]]\nname = \"e\"\n[[edit.change]]\nfile = \"f\"\nremove = true\n";
    let (got, _) = first_error(text, FILES);
    let message = "unknown key `remove` in [edit[1].change[1]]; expected one of: \
                   file, append, replace, write, delete";
    assert_eq!(got, expect(6, "edit[1].change[1].remove", message));
}

/// A key far from every known one gets no guess: a guess would mislead.
#[test]
fn a_suggestion_only_for_a_likely_typo() {
    let (got, _) = first_error("name = \"s\"\n[run]\nsetle = \"1s\"\n", FILES);
    assert!(got.2.contains("did you mean `settle`?"), "{}", got.2);
    let (got, _) = first_error("name = \"s\"\n[run]\nwarmup = 3\n", FILES);
    assert!(!got.2.contains("did you mean"), "{}", got.2);
    let (got, _) = first_error("name = \"s\"\ncolour = 1\n", FILES);
    assert!(!got.2.contains("did you mean"), "{}", got.2);
}

/// The suite name names the results folder: no path, no space (issue 27).
#[test]
fn issue_27_a_suite_name_that_is_not_a_bare_word_is_refused() {
    for bad in ["../../etc", "my suite", "a/b", "."] {
        let text = format!("runs = 1\nname = {bad:?}\n[[variant]]\nname = \"a\"\n");
        let (got, _) = first_error(&text, FILES);
        let message = format!(
            "the suite name {bad:?} may only contain letters, digits, `_` and `-` (it names the \
             results folder)"
        );
        assert_eq!(got, expect(2, "name", &message), "{bad}");
    }
}

#[test]
fn missing_required_keys() {
    let (got, _) = first_error("runs = 3\n[[variant]]\nname = \"a\"\n", FILES);
    assert_eq!(
        got,
        expect(1, "name", "missing required key `name` at the top level")
    );

    let (got, _) = first_error(
        "name = \"s\"\n[[variant]]\nname = \"a\"\n[[variant]]\ndockerfile = \"D\"\n",
        FILES,
    );
    assert_eq!(
        got,
        expect(
            4,
            "variant[2].name",
            "missing required key `name` in [variant[2]]"
        )
    );

    let (got, _) = first_error(
        "name = \"s\"\n[[edit]]\nfile = \"src/main.py\"\n[[variant]]\nname = \"a\"\n",
        FILES,
    );
    assert_eq!(
        got,
        expect(
            2,
            "edit[1].name",
            "missing required key `name` in [edit[1]]"
        )
    );
}

#[test]
fn wrong_types_name_their_key() {
    let (got, _) = first_error(
        "name = \"s\"\n[run]\nport = 80\nenv = { WORKERS = 2 }\n",
        FILES,
    );
    assert_eq!(
        got,
        expect(
            4,
            "run.env.WORKERS",
            "invalid type: integer `2`, expected a string"
        )
    );

    let (got, _) = first_error(
        "name = \"s\"\n[run]\nport = 80\ncommand = \"uvicorn\"\n",
        FILES,
    );
    assert_eq!(
        got,
        expect(
            4,
            "run.command",
            "invalid type: string \"uvicorn\", expected an array"
        )
    );
}

// ---- value errors ------------------------------------------------------------------------

const ONE_VARIANT: &str = "[[variant]]\nname = \"a\"\n";

fn with_variant(text: &str) -> String {
    format!("{text}{ONE_VARIANT}")
}

#[test]
fn bad_duration() {
    let text = with_variant("name = \"s\"\n[run]\nport = 80\ntimeout = \"60x\"\n");
    let (got, _) = first_error(&text, FILES);
    let message = "invalid duration \"60x\" (unknown time unit \"x\", supported units: ns, us/µs, ms, sec, \
                   min, hours, days, weeks, months, years (and few variations)); write e.g. \"3m\", \"1.5s\" or \"250ms\"";
    assert_eq!(got, expect(4, "run.timeout", message));
}

#[test]
fn zero_timeout_but_zero_settle_is_fine() {
    let text = with_variant("name = \"s\"\n[run]\nport = 80\nsettle = \"0s\"\ntimeout = 0\n");
    let (got, _) = first_error(&text, FILES);
    assert_eq!(
        got,
        expect(5, "run.timeout", "timeout must be greater than 0")
    );
}

#[test]
fn bad_run_values() {
    let text =
        with_variant("name = \"s\"\n[run]\nport = 70000\nhttp_probe = \"health\"\ncommand = []\n");
    let (dir, path) = suite_dir(&text, FILES);
    let got: Vec<_> = validate_suite(&path)
        .into_iter()
        .map(|e| (e.line, e.key.unwrap(), e.message))
        .collect();
    drop(dir);
    assert_eq!(
        got,
        [
            (
                Some(3),
                "run.port".into(),
                "port must be an integer in 1..=65535, found 70000".into()
            ),
            (
                Some(4),
                "run.http_probe".into(),
                "http_probe must be a path starting with \"/\", like \"/health\", found \"health\""
                    .into()
            ),
            (
                Some(5),
                "run.command".into(),
                "command must not be empty; leave it out to use the image's CMD".to_string()
            ),
        ]
    );
}

#[test]
fn bad_size() {
    let text = with_variant("name = \"s\"\n[targets]\nimage_size_bytes = \"600XB\"\n");
    let (got, _) = first_error(&text, FILES);
    let message =
        "invalid size \"600XB\"; write e.g. \"600MB\", \"512MiB\", \"1.5GB\" or a number of bytes";
    assert_eq!(got, expect(3, "targets.image_size_bytes", message));
}

#[test]
fn bad_rate() {
    let text = with_variant("name = \"s\"\n[targets]\ncache_hit_rate = \"120%\"\n");
    let (got, _) = first_error(&text, FILES);
    let message = "invalid rate \"120%\": a percentage must be between 0% and 100%";
    assert_eq!(got, expect(3, "targets.cache_hit_rate", message));
}

/// dive's CI rules as targets: `lowestEfficiency` is a floor, `highestWastedBytes` a ceiling.
#[test]
fn anatomy_targets_are_dive_rules() {
    let text = with_variant(
        "name = \"s\"\n[targets]\nimage_efficiency = \"95%\"\nimage_wasted_bytes = \"20MB\"\nimage_files = 5000\n",
    );
    let (_dir, path) = suite_dir(&text, FILES);
    let suite = load_suite(&path).unwrap();
    let targets = &suite.variants[0].targets;
    let find = |m: &str| targets.iter().find(|t| t.metric == m).unwrap();
    assert_eq!(find("image_efficiency").limit, 0.95);
    assert_eq!(
        find("image_efficiency").direction,
        crate::metric::Direction::AtLeast
    );
    assert_eq!(find("image_wasted_bytes").limit, 20e6);
    assert_eq!(
        find("image_wasted_bytes").direction,
        crate::metric::Direction::AtMost
    );
    assert_eq!(find("image_files").limit, 5000.0);
    let text = with_variant("name = \"s\"\n[targets]\nimage_files = \"5k\"\n");
    let (got, _) = first_error(&text, FILES);
    assert_eq!(
        got,
        expect(
            3,
            "targets.image_files",
            "\"5k\" is not a count: write a whole number, like 5000"
        )
    );
}

#[test]
fn unknown_metric() {
    let text = with_variant("name = \"s\"\n[targets]\nbuild_time = \"3m\"\n");
    let (got, _) = first_error(&text, FILES);
    let message = "unknown metric `build_time`; expected one of: cold_build_s, warm_build_s, \
                   rebuild_s.<edit>, cache_hit_rate, cache_hit_rate.<edit>, image_size_bytes, image_compressed_bytes, image_wasted_bytes, \
                   image_efficiency, image_files, startup_s, healthy_s, memory_idle_bytes, memory_peak_bytes, stack_startup_s, deps_ready_s, stack_memory_idle_bytes, stack_memory_peak_bytes";
    assert_eq!(got, expect(3, "targets.build_time", message));

    let text = with_variant("name = \"s\"\n[targets]\nrebuild_s = \"3m\"\n");
    let (got, _) = first_error(&text, FILES);
    let message = "`rebuild_s` is measured per edit: write `rebuild_s.<edit>`";
    assert_eq!(got, expect(3, "targets.rebuild_s", message));
}

#[test]
fn target_on_unknown_edit() {
    let text =
        "name = \"s\"\n[[edit]]\nname = \"source\"\nfile = \"src/main.py\"\nappend = \"#\"\n\
                [[variant]]\nname = \"a\"\ntargets = { \"rebuild_s.deps\" = \"30s\" }\n";
    let (got, _) = first_error(text, FILES);
    let message = "target on unknown edit `deps`; the suite's edits are: source";
    assert_eq!(
        got,
        expect(8, "variant[1].targets.\"rebuild_s.deps\"", message)
    );
}

#[test]
fn bad_runs_and_builder() {
    let text = with_variant("name = \"s\"\nruns = 0\nbuilder = \"kaniko\"\n");
    let (dir, path) = suite_dir(&text, FILES);
    let got: Vec<_> = validate_suite(&path)
        .into_iter()
        .map(|e| e.to_string())
        .collect();
    drop(dir);
    let file = path.display();
    assert_eq!(
        got,
        [
            format!("{file}:2: `runs`: runs must be an integer >= 1 or \"auto\", found 0"),
            format!("{file}:3: `builder`: unknown builder \"kaniko\"; expected \"buildkit\" or \"classic\""),
        ]
    );
}

/// `runs = "auto"`: three rounds before the first look, at most `max_runs` (default 10),
/// within `budget` when set.
#[test]
fn runs_auto_with_its_bounds() {
    let load = |head: &str| {
        let (dir, path) = suite_dir(&with_variant(head), FILES);
        let suite = load_suite(&path).unwrap();
        drop(dir);
        (suite.runs, suite.sampling)
    };
    let auto = |max_runs, budget_s: Option<u64>| {
        Some(AutoRuns {
            max_runs,
            budget: budget_s.map(std::time::Duration::from_secs),
        })
    };
    assert_eq!(load("name = \"s\"\nruns = \"auto\"\n"), (3, auto(10, None)));
    assert_eq!(
        load("name = \"s\"\nruns = \"auto\"\nmax_runs = 6\nbudget = \"20m\"\n"),
        (3, auto(6, Some(1200)))
    );
    assert_eq!(load("name = \"s\"\nruns = 5\n"), (5, None));
}

#[test]
fn bad_sampling_bounds() {
    let errors = |head: &str| {
        let (dir, path) = suite_dir(&with_variant(head), FILES);
        let got: Vec<String> = validate_suite(&path)
            .into_iter()
            .map(|e| e.to_string().replace(&path.display().to_string(), "F"))
            .collect();
        drop(dir);
        got
    };
    assert_eq!(
        errors("name = \"s\"\nruns = \"often\"\n"),
        ["F:2: `runs`: runs must be an integer >= 1 or \"auto\", found \"often\""]
    );
    assert_eq!(
        errors("name = \"s\"\nruns = \"auto\"\nmax_runs = 2\nbudget = \"0s\"\n"),
        [
            "F:3: `max_runs`: max_runs must be an integer >= 3 (the minimum of rounds before \
             the first look), found 2",
            "F:4: `budget`: budget must be greater than 0",
        ]
    );
    assert_eq!(
        errors("name = \"s\"\nruns = 4\nmax_runs = 8\n"),
        ["F:3: `max_runs`: max_runs applies to runs = \"auto\" only; add it, or drop max_runs"]
    );
}

// ---- names -------------------------------------------------------------------------------

#[test]
fn duplicate_variant_names() {
    let text = "name = \"s\"\n[[variant]]\nname = \"a\"\n[[variant]]\nname = \"a\"\n";
    let (got, _) = first_error(text, FILES);
    assert_eq!(
        got,
        expect(
            5,
            "variant[2].name",
            "duplicate variant name \"a\" (first used on line 3)"
        )
    );
}

#[test]
fn bad_names() {
    let text = "name = \"\"\n[[edit]]\nname = \"my edit\"\nfile = \"src/main.py\"\nappend = \"\"\n\
                [[variant]]\nname = \"\"\n";
    let (dir, path) = suite_dir(text, FILES);
    let got: Vec<_> = validate_suite(&path)
        .into_iter()
        .map(|e| (e.line.unwrap(), e.message))
        .collect();
    drop(dir);
    assert_eq!(
        got,
        [
            (1, "the suite name must not be empty".to_string()),
            (3, "edit name \"my edit\" may only contain letters, digits, `_` and `-` (it is used in metric and file names)".to_string()),
            (7, "variant name must not be empty".to_string()),
        ]
    );
}

#[test]
fn no_variants() {
    let (got, _) = first_error("name = \"s\"\nruns = 2\n", FILES);
    assert_eq!(
        got,
        expect(
            1,
            "variant",
            "the suite has no [[variant]]; add at least one"
        )
    );
}

// ---- paths -------------------------------------------------------------------------------

#[test]
fn missing_dockerfile() {
    let text = "name = \"s\"\n[[variant]]\nname = \"a\"\n[[variant]]\nname = \"fast\"\ndockerfile = \"Dockerfile.fast\"\n";
    let (got, root) = first_error(text, FILES);
    let message =
        format!("variant \"fast\": Dockerfile `Dockerfile.fast` not found in its context {root}");
    assert_eq!(got, expect(6, "variant[2].dockerfile", &message));
}

#[test]
fn missing_default_dockerfile_points_at_the_variant() {
    let (got, root) = first_error("name = \"s\"\n\n[[variant]]\nname = \"a\"\n", &["src/"]);
    let message = format!("variant \"a\": Dockerfile `Dockerfile` not found in its context {root}");
    assert_eq!(got, expect(3, "variant[1].dockerfile", &message));
}

#[test]
fn dockerfile_outside_the_context_is_allowed_as_docker_build_f_allows() {
    let text = "name = \"s\"\ncontext = \"app\"\n[[variant]]\nname = \"a\"\ndockerfile = \"../Dockerfile\"\n";
    let (dir, path) = suite_dir(text, &["Dockerfile", "app/"]);
    let suite = load_suite(&path).unwrap();
    let v = &suite.variants[0];
    assert_eq!(v.dockerfile, PathBuf::from("../Dockerfile"));
    assert!(v.dockerfile_path().is_file());
    drop(dir);

    let (got, root) = first_error(text, &["app/"]);
    let message = format!(
        "variant \"a\": Dockerfile `../Dockerfile` not found (looked for {root}/app/../Dockerfile, relative to the context)"
    );
    assert_eq!(got, expect(5, "variant[1].dockerfile", &message));
}

#[test]
fn missing_context() {
    let text = with_variant("name = \"s\"\ncontext = \"app\"\n");
    let (got, root) = first_error(&text, FILES);
    let message = format!("context folder `app` does not exist (looked for {root}/app)");
    assert_eq!(got, expect(2, "context", &message));
    // The variants' file checks are skipped rather than piled on.
    let (dir, path) = suite_dir(&text, FILES);
    assert_eq!(validate_suite(&path).len(), 1);
    drop(dir);

    let text = "name = \"s\"\n[[variant]]\nname = \"a\"\ncontext = \"Dockerfile\"\n";
    let (got, root) = first_error(text, FILES);
    let message =
        format!("variant \"a\": context `Dockerfile` is not a folder ({root}/Dockerfile)");
    assert_eq!(got, expect(4, "variant[1].context", &message));
}

#[test]
fn missing_edited_file() {
    let text =
        "name = \"s\"\n[[edit]]\nname = \"source\"\nfile = \"src/main.py\"\nappend = \"#\"\n\
                [[variant]]\nname = \"a\"\n[[variant]]\nname = \"b\"\ncontext = \"other\"\n";
    let (got, root) = first_error(text, &["Dockerfile", "src/main.py", "other/Dockerfile"]);
    let message = format!(
        "edit \"source\": `src/main.py` not found in the context of variant \"b\" ({root}/other)"
    );
    assert_eq!(got, expect(4, "edit[1].file", &message));
}

#[test]
fn unreadable_file() {
    let err = load_suite(Path::new("no/such/suite.toml")).unwrap_err();
    assert_eq!((err.line, err.key.as_deref()), (None, None));
    assert!(
        err.message.starts_with("cannot read the suite file: "),
        "{}",
        err.message
    );
    assert!(err
        .to_string()
        .starts_with("no/such/suite.toml: cannot read"));
}

#[test]
fn display_format() {
    let (dir, path) = suite_dir("name = \"s\"\nrnus = 3\n", FILES);
    let shown = load_suite(&path).unwrap_err().to_string();
    drop(dir);
    assert!(
        shown.starts_with(&format!("{}:2: `rnus`: unknown key `rnus`", path.display())),
        "{shown}"
    );
}

// ---- the keys for real projects: build target and platform, edits, readiness, limits ----

/// A suite whose Dockerfile has stages `builder` and `runtime`, with `extra` at the top level
/// (before the variant) and `run` as its [run] table.
fn project(extra: &str, run: &str) -> String {
    format!("name = \"s\"\n{extra}\n[run]\n{run}\n[[variant]]\nname = \"a\"\n")
}

const PROJECT_FILES: &[(&str, &str)] = &[
    (
        "Dockerfile",
        "ARG BASE\nFROM ${BASE} AS builder\nRUN make\nFROM builder AS runtime\nCMD x\n",
    ),
    ("package.json", "{\"version\": \"1.0.0\"}\n"),
    ("src/main.py", "print(1)\n"),
    ("app.env", "A=1\nBAD NAME=2\n"),
];

fn project_error(text: &str) -> ((Option<usize>, Option<String>, String), String) {
    let dir = tempfile::tempdir().unwrap();
    for (file, content) in PROJECT_FILES {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
    }
    let suite = dir.path().join("suite.toml");
    std::fs::write(&suite, text).unwrap();
    let err = load_suite(&suite).unwrap_err();
    assert_eq!(err.file, suite);
    let root = dir.path().canonicalize().unwrap().display().to_string();
    ((err.line, err.key, err.message), root)
}

#[test]
fn bad_target_and_platform() {
    let (got, root) = project_error(&project("target = \"tests\"", "ready_log = \"x\""));
    let message = format!(
        "variant \"a\": target `tests` is not a stage of {root}/Dockerfile; its stages are: builder, runtime"
    );
    assert_eq!(got, expect(2, "target", &message));

    let (got, _) = project_error(&project("target = \" \"", "ready_log = \"x\""));
    assert_eq!(got.1.as_deref(), Some("target"));
    assert!(got.2.starts_with("target must name a stage"), "{}", got.2);

    let (got, _) = project_error(&project("platform = \"amd64\"", "ready_log = \"x\""));
    let message = "platform must look like \"linux/amd64\" or \"linux/arm64/v8\" (os/arch[/variant]), found \"amd64\"";
    assert_eq!(got, expect(2, "platform", message));
}

#[test]
fn bad_readiness() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "http_probe = \"/health\"",
            "run.http_probe",
            "http_probe needs `port`, the port the app listens on in the container",
        ),
        (
            "port = 80\nhttp_probe = \"/\"\nhttp_status = 700",
            "run.http_status",
            "http_status must be an HTTP status code (100..=599) or an array of them, like 204 or [200, 204], found 700",
        ),
        (
            "port = 80\nhttp_probe = \"/\"\nhttp_status = []",
            "run.http_status",
            "http_status must be an HTTP status code (100..=599) or an array of them, like 204 or [200, 204], found []",
        ),
        (
            "http_status = 204",
            "run.http_status",
            "http_status applies to http_probe, which is not set",
        ),
        (
            "port = 80\nhttp_probe = \"/\"\nready_log = \"up\"",
            "run.ready_log",
            "give one readiness signal: http_probe or ready_log, not both",
        ),
        (
            "ready_log = \"\"",
            "run.ready_log",
            "ready_log must not be empty (it would match the first line of output)",
        ),
    ];
    for (run, key, message) in cases {
        let (got, _) = project_error(&project("", run));
        assert_eq!(got.1.as_deref(), Some(*key), "{run}");
        assert_eq!(got.2, *message, "{run}");
        assert!(got.0.is_some_and(|l| l >= 4), "{run}: a line in [run]");
    }
    let (got, _) = project_error(&project("", "ready_log = \"ready (\""));
    assert_eq!(got.1.as_deref(), Some("run.ready_log"));
    assert!(
        got.2.starts_with("ready_log is not a valid regex: "),
        "{}",
        got.2
    );
}

#[test]
fn bad_production_settings() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "memory = \"512 apples\"",
            "run.memory",
            "invalid size \"512 apples\"",
        ),
        (
            "memory = \"1MiB\"",
            "run.memory",
            "memory must be at least 6MiB, as Docker requires; found 1048576 bytes",
        ),
        (
            "cpus = 0",
            "run.cpus",
            "cpus must be a number of CPUs of at least 0.01, like 1.5, found 0",
        ),
        (
            "cpus = \"two\"",
            "run.cpus",
            "cpus must be a number of CPUs of at least 0.01, like 1.5, found \"two\"",
        ),
        (
            "user = \"\"",
            "run.user",
            "user must be a name or uid, optionally with :group, like \"app\" or \"1000:1000\", found \"\"",
        ),
        (
            "tmpfs = [\"tmp\"]",
            "run.tmpfs",
            "tmpfs entries must be absolute paths other than /, like \"/tmp\" or \"/run:size=64m\", found \"tmp\"",
        ),
    ];
    for (run, key, message) in cases {
        let (got, _) = project_error(&project("", &format!("ready_log = \"x\"\n{run}")));
        assert_eq!(got.0, Some(5), "{run}");
        assert_eq!(got.1.as_deref(), Some(*key), "{run}");
        assert!(got.2.starts_with(message), "{run}: {}", got.2);
    }
    let (got, root) = project_error(&project("", "ready_log = \"x\"\nenv_file = \"app.env\""));
    let message = format!(
        "{root}/app.env:2: variable name \"BAD NAME\" must not be empty or contain whitespace"
    );
    assert_eq!(got, expect(5, "run.env_file", &message));
    let (got, root) = project_error(&project("", "ready_log = \"x\"\nenv_file = \"none.env\""));
    assert_eq!(got.1.as_deref(), Some("run.env_file"));
    assert!(
        got.2
            .starts_with(&format!("cannot read env_file {root}/none.env: ")),
        "{}",
        got.2
    );
}

#[test]
fn bad_edits() {
    let edit = |body: &str| {
        project(
            &format!("[[edit]]\nname = \"e\"\n{body}"),
            "ready_log = \"x\"",
        )
    };
    let cases: &[(&str, usize, &str, &str)] = &[
        (
            "file = \"package.json\"\nreplace = { from = \"2.0.0\", to = \"2.0.1\" }",
            5,
            "edit[1].replace",
            "edit \"e\": replace.from \"2.0.0\" does not occur in `package.json`",
        ),
        (
            "file = \"package.json\"\nreplace = { from = \"\", to = \"x\" }",
            5,
            "edit[1].replace",
            "edit \"e\": replace.from must not be empty",
        ),
        (
            "file = \"src/main.py\"\nappend = \"x\"\nwrite = \"y\"",
            2,
            "edit[1]",
            "edit \"e\": give exactly one of append, replace, write or delete for `src/main.py`, found 2",
        ),
        (
            "file = \"src/main.py\"",
            2,
            "edit[1]",
            "edit \"e\": give exactly one of append, replace, write or delete for `src/main.py`, found 0",
        ),
        (
            "file = \"src/main.py\"\ndelete = false",
            5,
            "edit[1].delete",
            "edit \"e\": delete must be true (leave it out for another kind of change)",
        ),
        (
            "file = \"gone.py\"\ndelete = true",
            4,
            "edit[1].file",
            "edit \"e\": `gone.py` not found in the context of variant \"a\"",
        ),
        (
            "file = \"src\"\nwrite = \"x\"",
            4,
            "edit[1].file",
            "edit \"e\": `src` is a folder in the context of variant \"a\"; write needs a file path",
        ),
        (
            "",
            2,
            "edit[1]",
            "edit \"e\" changes nothing: give `file` and one of append, replace, write or delete, or [[edit.change]] entries",
        ),
        (
            "file = \"src/main.py\"\nappend = \"x\"\n[[edit.change]]\nfile = \"package.json\"\nappend = \"y\"",
            2,
            "edit[1]",
            "edit \"e\": give either `file` with one of append, replace, write or delete, or [[edit.change]] entries, not both",
        ),
        (
            "[[edit.change]]\nfile = \"package.json\"\nappend = \"y\"\n[[edit.change]]\nwrite = \"y\"",
            7,
            "edit[1].change[2].file",
            "edit \"e\": missing `file`, the file to change (relative to the context)",
        ),
        (
            "[[edit.change]]\nfile = \"package.json\"\nreplace = { from = \"9.9\", to = \"x\" }",
            6,
            "edit[1].change[1].replace",
            "edit \"e\": replace.from \"9.9\" does not occur in `package.json`",
        ),
    ];
    for (body, line, key, message) in cases {
        let (got, _) = project_error(&edit(body));
        assert_eq!(got.1.as_deref(), Some(*key), "{body}");
        assert!(got.2.starts_with(message), "{body}: {}", got.2);
        assert_eq!(got.0, Some(*line), "{body}");
    }
}

/// A suite beside a compose file whose `web` service builds `app/Dockerfile.prod`.
fn compose_suite(suite: &str, compose: &str) -> (TempDir, PathBuf) {
    let (dir, path) = suite_dir(
        suite,
        &["app/Dockerfile.prod", "app/Dockerfile.other", "Dockerfile"],
    );
    std::fs::write(
        dir.path().join("app/Dockerfile.prod"),
        "ARG PY\nFROM base AS runtime\nFROM base AS debug\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app/Dockerfile.other"),
        "FROM base AS debug\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    (dir, path)
}

const WEB_STACK: &str = "services:\n  web:\n    build:\n      context: app\n      dockerfile: Dockerfile.prod\n      target: runtime\n      args: {PY: \"3.11\", KEEP: \"c\"}\n    environment: {A: compose, B: compose}\n    user: \"1000\"\n    mem_limit: 256m\n    depends_on:\n      db: {condition: service_healthy}\n  db:\n    image: postgres\n";

#[test]
fn compose_build_gives_the_defaults_and_the_suite_overrides_them() {
    let suite = "name = \"s\"\n[run]\ncompose = \"compose.yaml\"\nservice = \"web\"\nport = 8000\nhttp_probe = \"/health\"\nenv = { B = \"suite\" }\n\
                 [[variant]]\nname = \"from-compose\"\n\
                 [[variant]]\nname = \"own\"\ndockerfile = \"Dockerfile.other\"\ntarget = \"debug\"\nbuild_args = { PY = \"3.12\" }\n";
    let (dir, path) = compose_suite(suite, WEB_STACK);
    let s = load_suite(&path).unwrap();
    let app = dir.path().canonicalize().unwrap().join("app");
    let v = &s.variants[0];
    assert_eq!(v.context_dir.canonicalize().unwrap(), app);
    assert_eq!(v.dockerfile, PathBuf::from("Dockerfile.prod"));
    assert_eq!(v.target.as_deref(), Some("runtime"));
    assert_eq!(v.build_args["PY"], "3.11");
    let run = v.run.as_ref().unwrap();
    let stack = run.stack.as_ref().unwrap();
    let order: Vec<&str> = stack.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(order, ["db", "web"]);
    // The suite's env over the service's; the service's user and limit where the suite has none.
    assert_eq!(run.env["A"], "compose");
    assert_eq!(run.env["B"], "suite");
    assert_eq!(run.user.as_deref(), Some("1000"));
    assert_eq!(run.limits.memory_bytes, Some(256 << 20));
    let own = &s.variants[1];
    assert_eq!(own.dockerfile, PathBuf::from("Dockerfile.other"));
    assert_eq!(own.target.as_deref(), Some("debug"));
    assert_eq!(own.build_args["PY"], "3.12");
    assert_eq!(own.build_args["KEEP"], "c", "args merge key by key");
}

#[test]
fn compose_mistakes_name_the_compose_file() {
    let suite = "name = \"s\"\n[run]\ncompose = \"compose.yaml\"\nservice = \"web\"\nready_log = \"up\"\n[[variant]]\nname = \"v\"\n";
    let bad = WEB_STACK.replace(
        "    image: postgres\n",
        "    image: postgres\n    privileged: true\n",
    );
    let (_dir, path) = compose_suite(suite, &bad);
    let err = load_suite(&path).unwrap_err();
    assert_eq!(err.file, path.parent().unwrap().join("compose.yaml"));
    assert_eq!(err.line, Some(15));
    assert_eq!(err.key.as_deref(), Some("services.db.privileged"));
    assert!(err.message.contains("remove it"), "{}", err.message);

    let (line, _) = first_error(
        "name = \"s\"\n[run]\ncompose = \"compose.yaml\"\nready_log = \"up\"\n[[variant]]\nname = \"v\"\n",
        FILES,
    );
    assert_eq!(line.1.as_deref(), Some("run.compose"));
    assert!(line.2.starts_with("compose needs `service`"), "{}", line.2);
    let (line, _) = first_error(
        "name = \"s\"\n[run]\ncompose = \"nope.yaml\"\nservice = \"web\"\n[[variant]]\nname = \"v\"\n",
        FILES,
    );
    assert!(line.2.starts_with("compose file not found"), "{}", line.2);
}

// ---- reference and claims ---------------------------------------------------------------

const TWO_VARIANTS: &str = "[[variant]]\nname = \"a\"\n[[variant]]\nname = \"b\"\n\
                            [[edit]]\nname = \"source\"\nfile = \"src/main.py\"\nappend = \"x\"\n";

fn claim(metric: &str, from: &str, to: &str, expect: &str) -> String {
    format!(
        "[[claim]]\ntext = \"t\"\nmetric = \"{metric}\"\nfrom = \"{from}\"\nto = \"{to}\"\n\
         expect = \"{expect}\"\n"
    )
}

#[test]
fn claims_and_reference_are_read() {
    let text = format!(
        "name = \"s\"\nreference = \"b\"\nclaims_exit = false\n{TWO_VARIANTS}{}",
        claim("cache_hit_rate.source", "a", "b", "65% -> 90%")
    );
    let (_dir, path) = suite_dir(&text, FILES);
    let suite = load_suite(&path).unwrap();
    assert_eq!(suite.reference.as_deref(), Some("b"));
    assert!(!suite.claims_exit);
    assert_eq!(suite.claims.len(), 1);
    let c = &suite.claims[0];
    assert_eq!(
        (
            c.metric.as_str(),
            c.from.as_str(),
            c.to.as_str(),
            c.expect.as_str()
        ),
        ("cache_hit_rate.source", "a", "b", "65% -> 90%")
    );
    let defaults = format!("name = \"s\"\n{TWO_VARIANTS}");
    let (_dir, path) = suite_dir(&defaults, FILES);
    let suite = load_suite(&path).unwrap();
    assert_eq!((suite.reference, suite.claims_exit), (None, true));
}

#[test]
fn the_margin_is_a_percentage_above_zero() {
    let read = |line: &str| {
        let (_dir, path) = suite_dir(&format!("name = \"s\"\n{line}{TWO_VARIANTS}"), FILES);
        load_suite(&path).map(|s| s.margin)
    };
    assert_eq!(read("").unwrap(), 0.05);
    assert_eq!(read("margin = \"10%\"\n").unwrap(), 0.10);
    let (got, _) = first_error(
        &format!("name = \"s\"\nmargin = \"10\"\n{TWO_VARIANTS}"),
        FILES,
    );
    assert_eq!(
        got,
        expect(2, "margin", "margin `10` must be a percentage, like 5%")
    );
    let (got, _) = first_error(
        &format!("name = \"s\"\nmargin = \"0%\"\n{TWO_VARIANTS}"),
        FILES,
    );
    assert_eq!(
        got,
        expect(2, "margin", "margin must be above 0%, like \"5%\"")
    );
}

#[test]
fn bad_claims_name_line_and_key() {
    let errors = |body: &str| {
        let text = format!("name = \"s\"\n{TWO_VARIANTS}{body}");
        let (_dir, path) = suite_dir(&text, FILES);
        validate_suite(&path)
            .into_iter()
            .map(|e| (e.line.unwrap(), e.key.unwrap(), e.message))
            .collect::<Vec<_>>()
    };
    // TWO_VARIANTS is 8 lines: the claim starts on line 10.
    let got = errors(&claim("rebuild_s.docs", "a", "c", "faster"));
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0].0, 12);
    assert_eq!(got[0].1, "claim[1].metric");
    assert!(got[0].2.contains("unknown edit `docs`"), "{}", got[0].2);
    assert_eq!((got[1].0, got[1].1.as_str()), (14, "claim[1].to"));
    assert!(
        got[1]
            .2
            .contains("variant \"c\", which the suite does not have; its variants are: a, b"),
        "{}",
        got[1].2
    );
    assert_eq!((got[2].0, got[2].1.as_str()), (15, "claim[1].expect"));
    assert!(got[2].2.starts_with("expect \"faster\" cannot be read"));

    let got = errors(&claim("startup_s", "a", "a", "+5%"));
    assert_eq!(got[0].1, "claim[1].to");
    assert!(got[0].2.contains("the same variant"));

    let text = format!("name = \"s\"\nreference = \"z\"\n{TWO_VARIANTS}");
    let (got, _) = first_error(&text, FILES);
    assert_eq!((got.0, got.1.as_deref()), (Some(2), Some("reference")));
    assert!(got.2.contains("reference names variant \"z\""), "{}", got.2);
}
