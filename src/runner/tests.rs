//! The runner on the fake engine, with tokio's clock paused: what each schedule, Ctrl-C, a lost
//! engine and `--resume` leave in the results folder and in the outcome.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::watch;

use super::*;
use crate::driver::fake::{FakeEngine, Script, CONNECT_ERROR};
use crate::results::summarize::all_good;
use crate::scenario::load_suite;

/// A suite of two variants with a worker that prints its ready line 1 s after start.
fn suite(dir: &Path) -> Suite {
    std::fs::write(dir.join("Dockerfile"), "FROM scratch\nCOPY a.py /\n").unwrap();
    std::fs::write(dir.join("a.py"), "a\n").unwrap();
    let text = "name = \"s\"\nruns = 2\n[run]\nready_log = \"ready\"\nsettle = \"2s\"\n\
                [[edit]]\nname = \"e\"\nfile = \"a.py\"\nappend = \"b\"\n\
                [[variant]]\nname = \"one\"\n[[variant]]\nname = \"two\"\n";
    std::fs::write(dir.join("suite.toml"), text).unwrap();
    load_suite(&dir.join("suite.toml")).unwrap()
}

/// What the tests vary of a run: the CLI's settings, as far as the runner reads them.
struct Settings {
    suites: Vec<Suite>,
    order: measure::Order,
    resume: Option<PathBuf>,
}

fn settings(suite: Suite) -> Settings {
    Settings {
        suites: vec![suite],
        order: measure::Order::Interleaved,
        resume: None,
    }
}

fn engine() -> FakeEngine {
    FakeEngine::new(Script {
        build_time: Duration::from_secs(1),
        log_ready_after: Some(Duration::from_secs(1)),
        ..Script::default()
    })
}

/// Hears nothing: the tests read the outcome and the folder.
struct Quiet;

impl Observer for Quiet {
    fn phase(&self, _: &str, _: &Phase, _: u32, _: u32) {}
}

impl Listener for Quiet {
    fn planned(&self, _: &Plan) {}
    fn recorded(&self, _: &VariantResult, _: bool, _: u64) {}
    fn finished(&self) {}
}

async fn measure_suite(
    engine: &FakeEngine,
    ctx: &RunContext,
    suite: &Suite,
    settings: &Settings,
    out: &Path,
    info: &EngineInfo,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<SuiteOutcome> {
    let options = Options {
        runs_override: None,
        sampling_override: None,
        order: settings.order,
        resume: settings.resume.is_some(),
        shard: None,
    };
    run_suite(engine, ctx, suite, &options, out, info, stop, &Quiet).await
}

async fn measure(
    engine: &FakeEngine,
    dir: &Path,
    stop: watch::Receiver<bool>,
) -> (SuiteOutcome, RunResults) {
    let settings = settings(suite(dir));
    let out = dir.join("results");
    let info = engine.info().await.unwrap();
    let ctx = RunContext::new();
    let outcome = measure_suite(
        engine,
        &ctx,
        &settings.suites[0],
        &settings,
        &out,
        &info,
        stop,
    )
    .await
    .unwrap();
    (outcome, ResultsStore::load(&out).unwrap())
}

/// Every variant finished and met its targets.
fn all_good_end(outcome: &SuiteOutcome) -> bool {
    outcome.end == End::Completed && outcome.results.variants.iter().all(all_good)
}

#[tokio::test(start_paused = true)]
async fn ctrl_c_keeps_what_was_measured_and_removes_the_container() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine();
    let (stop_tx, stop_rx) = watch::channel(false);
    // Cold build 0-1 s, warm build 1-2 s, container started at 2 s: Ctrl-C at 3 s falls in
    // the run phase of the first variant's first repetition, with its container running.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        stop_tx.send(true).unwrap();
    });
    let t0 = tokio::time::Instant::now();
    let (outcome, results) = measure(&engine, dir.path(), stop_rx).await;
    assert_eq!(outcome.end, End::Interrupted);
    assert_eq!(t0.elapsed(), Duration::from_secs(3), "stops at once");
    assert_eq!(
        results.variants.len(),
        1,
        "the second variant never started"
    );
    let one = &results.variants[0];
    // Not a failure: cut short, with what it measured kept and a note saying how much.
    assert_eq!(
        (one.status, one.error.as_deref()),
        (Status::Interrupted, None)
    );
    assert_eq!(
        one.notes,
        ["interrupted (Ctrl-C) before this variant finished: 0 of 2 runs kept"]
    );
    assert_eq!(
        outcome.results.variants[0].status,
        Status::Interrupted,
        "the outcome says what the folder does"
    );
    // Both builds of repetition 1 were measured before the interruption, and kept.
    assert_eq!(one.metrics["cold_build_s"].samples, [1.0]);
    assert_eq!(one.metrics["warm_build_s"].samples, [1.0]);
    assert!(!one.metrics.contains_key("startup_s"));
    assert!(engine.live_containers().is_empty(), "container removed");
    let calls = engine.calls.borrow();
    let removed_images = calls
        .iter()
        .filter(|c| c.starts_with("remove_image"))
        .count();
    assert_eq!(
        removed_images, 2,
        "both images built are removed: {calls:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_edit_that_cannot_carry_a_nonce_is_measured_once_and_noted() {
    let dir = tempfile::tempdir().unwrap();
    suite(dir.path());
    // The same suite with a second edit: a delete, which no nonce can make unique.
    let path = dir.path().join("suite.toml");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "[[variant]]\nname = \"one\"",
        "[[edit]]\nname = \"gone\"\nfile = \"b.py\"\ndelete = true\n[[variant]]\nname = \"one\"",
    );
    std::fs::write(&path, text).unwrap();
    std::fs::write(dir.path().join("b.py"), "b\n").unwrap();
    let settings = settings(load_suite(&path).unwrap());
    let engine = engine();
    let (_stop_tx, stop_rx) = watch::channel(false);
    let out = dir.path().join("results");
    let info = engine.info().await.unwrap();
    let ctx = RunContext::new();
    let suite = &settings.suites[0];
    let outcome = measure_suite(&engine, &ctx, suite, &settings, &out, &info, stop_rx)
        .await
        .unwrap();
    assert!(all_good_end(&outcome), "{outcome:?}");
    let results = ResultsStore::load(&out).unwrap();
    for v in &results.variants {
        assert_eq!(
            v.metrics["rebuild_s.e"].samples.len(),
            2,
            "the append has a nonce"
        );
        assert_eq!(
            v.metrics["rebuild_s.gone"].samples,
            [1.0],
            "repetition 1 only"
        );
        assert_eq!(
            v.notes,
            [
                "edit `gone` was measured in repetition 1 only: none of its changes can carry \
              a nonce, so every later repetition would rebuild the same files and be served \
              from the first one's cache"
            ]
        );
    }
}

/// On an engine whose image size is not the unpacked one (the containerd store, Podman),
/// each repetition's size is what its image's layers hold, read from the image itself.
#[tokio::test(start_paused = true)]
async fn where_the_engine_sizes_otherwise_the_size_is_the_layers_file_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let engine = FakeEngine::new(Script {
        size_is_unpacked: false,
        log_ready_after: Some(Duration::from_secs(1)),
        ..Script::default()
    });
    let (_stop_tx, stop_rx) = watch::channel(false);
    let (outcome, results) = measure(&engine, dir.path(), stop_rx).await;
    assert!(all_good_end(&outcome), "{outcome:?}");
    let expected = crate::anatomy::analyse(&crate::anatomy::testdata::small_image()[..])
        .unwrap()
        .size_bytes as f64;
    for v in &results.variants {
        assert_eq!(v.metrics["image_size_bytes"].samples, [expected; 2]);
        assert_ne!(expected, 52_428_800.0, "not the engine's own figure");
    }
    let exports = engine
        .calls
        .borrow()
        .iter()
        .filter(|c| c.starts_with("export_image"))
        .count();
    assert_eq!(exports, 2 * 2, "each repetition's image once");
}

#[tokio::test(start_paused = true)]
async fn a_full_run_measures_every_phase_in_order_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine();
    let (_stop_tx, stop_rx) = watch::channel(false);
    let t0 = tokio::time::Instant::now();
    let (outcome, results) = measure(&engine, dir.path(), stop_rx).await;
    assert!(all_good_end(&outcome), "{outcome:?}");
    // Per repetition: 3 builds of 1 s, a start of 0.25 s, ready 1 s later, 2 s of settle.
    assert_eq!(t0.elapsed(), Duration::from_millis(2 * 2 * 6250));
    for v in &results.variants {
        assert_eq!(v.status, Status::Ok);
        // Each variant's share of the run: two repetitions of 6.25 s (balancing reads it).
        assert_eq!(v.measured_s, 12.5, "{}", v.name);
        assert_eq!(v.metrics["startup_s"].samples, [1.25, 1.25]);
        assert_eq!(v.metrics["cache_hit_rate.e"].samples, [1.0, 1.0]);
        assert_eq!(v.metrics["image_size_bytes"].samples, [52_428_800.0; 2]);
        // The anatomy is read once per run, from the fake's tarball: a 4096-byte file
        // written and deleted.
        assert_eq!(v.metrics["image_wasted_bytes"].samples, [4096.0]);
        // What a registry would store: the fake's layers gzipped, config, manifest.
        let compressed = &v.metrics["image_compressed_bytes"].samples;
        assert_eq!(compressed.len(), 1);
        assert!(
            compressed[0] > 0.0 && compressed[0] < 4096.0,
            "{compressed:?}"
        );
        assert_eq!(v.metrics["image_files"].samples, [3.0]);
        let anatomy = v.anatomy.as_ref().unwrap();
        assert_eq!(anatomy.wasted[0].path, "/tmp/big");
        assert_eq!(anatomy.layers.len(), 3);
    }
    let exports = engine
        .calls
        .borrow()
        .iter()
        .filter(|c| c.starts_with("export_image"))
        .count();
    assert_eq!(exports, 2, "one per variant");
    assert!(results.finished_at.is_some());
    assert!(engine.live_containers().is_empty());
    // Interleaved and rotated: one's repetition 1, two's 1, then two's 2, one's 2 (three
    // builds each: cold, warm, after the edit).
    let builds: Vec<String> = engine
        .calls
        .borrow()
        .iter()
        .filter_map(|c| c.strip_prefix("build dockbench/s-"))
        .map(|tag| tag.split(':').next().unwrap().to_string())
        .collect();
    let per_repetition: Vec<&str> = builds.chunks(3).map(|c| c[0].as_str()).collect();
    assert_eq!(per_repetition, ["one", "two", "two", "one"], "{builds:?}");
    assert!(builds.chunks(3).all(|c| c[0] == c[1] && c[1] == c[2]));
    // The variants stay in suite order in the results.
    let names: Vec<&str> = results.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["one", "two"]);
}

/// On fuse-overlayfs each timed build waits first, untimed, by the dither sequence: the run
/// is longer by exactly the sum of the waits, and every build still measures 1 s.
#[tokio::test(start_paused = true)]
async fn dithered_builds_wait_before_the_clock_starts() {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(suite(dir.path()));
    let engine = engine();
    let (_stop_tx, stop_rx) = watch::channel(false);
    let info = engine.info().await.unwrap();
    let out = dir.path().join("results");
    let mut ctx = RunContext::new();
    ctx.dither_builds = measure::dithers_builds("fuse-overlayfs");
    let t0 = tokio::time::Instant::now();
    measure_suite(
        &engine,
        &ctx,
        &settings.suites[0],
        &settings,
        &out,
        &info,
        stop_rx,
    )
    .await
    .unwrap();
    // 2 variants x 2 repetitions x 3 timed builds.
    let waits: Duration = (0..12).map(measure::build_start_delay).sum();
    assert!(waits > Duration::from_secs(5), "{waits:?}");
    assert_eq!(t0.elapsed(), Duration::from_millis(2 * 2 * 6250) + waits);
    let results = ResultsStore::load(&out).unwrap();
    for v in &results.variants {
        for metric in ["cold_build_s", "warm_build_s", "rebuild_s.e"] {
            assert_eq!(v.metrics[metric].samples, [1.0, 1.0], "{metric}");
        }
    }
}

/// The engine dies during the second variant's cold build: the first keeps its figures,
/// the second failed for a lost engine, not for its build, and nothing else is attempted, not
/// even the clean-up calls that could only fail.
#[tokio::test(start_paused = true)]
async fn a_lost_engine_stops_the_run_and_keeps_what_was_measured() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(suite(dir.path()));
    settings.order = measure::Order::Sequential;
    let engine = engine();
    // one: two repetitions of 6.25 s; two's cold build runs from 12.5 s to 13.5 s.
    engine.dies_after(Duration::from_secs(13));
    let (_stop_tx, stop_rx) = watch::channel(false);
    let info = engine.info().await.unwrap();
    let out = dir.path().join("results");
    let ctx = RunContext::new();
    let t0 = tokio::time::Instant::now();
    let outcome = measure_suite(
        &engine,
        &ctx,
        &settings.suites[0],
        &settings,
        &out,
        &info,
        stop_rx,
    )
    .await
    .unwrap();
    assert_eq!(
        t0.elapsed(),
        Duration::from_secs(13),
        "stops when the build does"
    );
    let End::EngineLost(loss) = &outcome.end else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        (loss.variant.as_str(), loss.phase.as_str(), loss.repetition),
        ("two", "cold build", 1)
    );
    assert!(
        loss.cause.starts_with("error in the hyper legacy client"),
        "{loss:?}"
    );
    let results = ResultsStore::load(&out).unwrap();
    assert!(results.finished_at.is_none());
    let one = &results.variants[0];
    assert_eq!((one.status, one.error.as_deref()), (Status::Ok, None));
    assert_eq!(one.metrics["cold_build_s"].samples, [1.0, 1.0]);
    let two = results.variants[1].failure().unwrap();
    assert_eq!(two.kind, FailureKind::EngineLost);
    assert!(
        two.message.starts_with(&format!(
            "the Docker engine stopped answering during the cold build of repetition 1 \
             ({CONNECT_ERROR})"
        )),
        "{two:?}"
    );
    let calls = engine.calls.borrow();
    let after_death: Vec<&String> = calls
        .iter()
        .skip_while(|c| !c.starts_with("build dockbench/s-two"))
        .skip(1)
        .collect();
    assert_eq!(after_death, ["ping"], "one ping, then nothing: {calls:?}");
}

/// After a lost engine, `--resume` measures exactly the missing repetitions into the same
/// folder, and refuses once a file the suite names has changed.
#[tokio::test(start_paused = true)]
async fn resume_measures_only_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(suite(dir.path()));
    settings.order = measure::Order::Sequential;
    let out = dir.path().join("results");
    let dying = engine();
    // one's two repetitions end at 12.5 s; two's cold build dies at 13 s.
    dying.dies_after(Duration::from_secs(13));
    let info = dying.info().await.unwrap();
    let (_stop_tx, stop_rx) = watch::channel(false);
    let suite = settings.suites[0].clone();
    let lost = measure_suite(
        &dying,
        &RunContext::new(),
        &suite,
        &settings,
        &out,
        &info,
        stop_rx.clone(),
    )
    .await
    .unwrap();
    assert!(matches!(lost.end, End::EngineLost(_)), "{lost:?}");

    settings.resume = Some(out.clone());
    let engine = engine();
    let outcome = measure_suite(
        &engine,
        &RunContext::new(),
        &suite,
        &settings,
        &out,
        &info,
        stop_rx.clone(),
    )
    .await
    .unwrap();
    assert!(all_good_end(&outcome), "{outcome:?}");
    let builds: Vec<String> = engine
        .calls
        .borrow()
        .iter()
        .filter(|c| c.starts_with("build "))
        .cloned()
        .collect();
    assert_eq!(builds.len(), 6, "two's two repetitions only: {builds:?}");
    assert!(builds.iter().all(|b| b.contains("s-two")));
    let results = ResultsStore::load(&out).unwrap();
    assert!(results.finished_at.is_some());
    assert_eq!(results.resumed_at.len(), 1);
    for v in &results.variants {
        assert_eq!(
            (v.status, v.error.as_deref()),
            (Status::Ok, None),
            "{}",
            v.name
        );
        assert_eq!(v.metrics["startup_s"].samples, [1.25, 1.25], "{}", v.name);
        assert_eq!(v.completed_runs, [1, 2], "{}", v.name);
    }
    let csv = ResultsStore::load_samples(&out).unwrap();
    assert_eq!(csv.iter().filter(|s| s.metric == "cold_build_s").count(), 4);

    // The Dockerfile changed: what would be measured is no longer what was.
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY a.py /b.py\n",
    )
    .unwrap();
    let refused = measure_suite(
        &engine,
        &RunContext::new(),
        &suite,
        &settings,
        &out,
        &info,
        stop_rx,
    )
    .await
    .unwrap_err();
    assert!(
        refused
            .to_string()
            .starts_with("cannot resume: what the run measured has changed since it started: ")
            && refused.to_string().ends_with("Dockerfile changed"),
        "{refused}"
    );
    assert_eq!(
        crate::cli::exit::code_of(&refused),
        crate::cli::EXIT_UNUSABLE
    );
}

/// Interleaved, "missing" means missing (variant, repetition) pairs: after the engine dies
/// in two's repetition 2, the resumed run measures two's 2 and then one's 2, in the run's
/// own order, and nothing else.
#[tokio::test(start_paused = true)]
async fn an_interleaved_resume_measures_the_missing_pairs_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(suite(dir.path()));
    let out = dir.path().join("results");
    // Order: one 1 (0-6.25 s), two 1, two 2 (12.5-18.75 s), one 2.
    let dying = engine();
    dying.dies_after(Duration::from_secs(14));
    let info = dying.info().await.unwrap();
    let (_stop_tx, stop_rx) = watch::channel(false);
    let suite = settings.suites[0].clone();
    let lost = measure_suite(
        &dying,
        &RunContext::new(),
        &suite,
        &settings,
        &out,
        &info,
        stop_rx.clone(),
    )
    .await
    .unwrap();
    assert!(matches!(lost.end, End::EngineLost(_)), "{lost:?}");
    let kept = ResultsStore::load(&out).unwrap();
    assert!(kept.variants.iter().all(|v| v.completed_runs == [1]));

    settings.resume = Some(out.clone());
    let engine = engine();
    let outcome = measure_suite(
        &engine,
        &RunContext::new(),
        &suite,
        &settings,
        &out,
        &info,
        stop_rx,
    )
    .await
    .unwrap();
    assert!(all_good_end(&outcome), "{outcome:?}");
    let builds: Vec<String> = engine
        .calls
        .borrow()
        .iter()
        .filter_map(|c| c.strip_prefix("build dockbench/s-"))
        .map(|tag| tag.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(builds, ["two", "two", "two", "one", "one", "one"]);
    let results = ResultsStore::load(&out).unwrap();
    for v in &results.variants {
        assert_eq!(v.completed_runs, [1, 2], "{}", v.name);
        assert_eq!(v.metrics["rebuild_s.e"].samples, [1.0, 1.0], "{}", v.name);
    }
}

/// Interleaved: the engine dies in repetition 1 of the second of three variants; the third
/// is never attempted and not in the results.
#[tokio::test(start_paused = true)]
async fn after_a_lost_engine_no_other_variant_is_attempted() {
    let dir = tempfile::tempdir().unwrap();
    suite(dir.path());
    let path = dir.path().join("suite.toml");
    let text = std::fs::read_to_string(&path).unwrap() + "[[variant]]\nname = \"three\"\n";
    std::fs::write(&path, text).unwrap();
    let settings = settings(load_suite(&path).unwrap());
    let engine = engine();
    engine.dies_after(Duration::from_secs(7));
    let (_stop_tx, stop_rx) = watch::channel(false);
    let info = engine.info().await.unwrap();
    let out = dir.path().join("results");
    let ctx = RunContext::new();
    let outcome = measure_suite(
        &engine,
        &ctx,
        &settings.suites[0],
        &settings,
        &out,
        &info,
        stop_rx,
    )
    .await
    .unwrap();
    assert!(matches!(outcome.end, End::EngineLost(_)), "{outcome:?}");
    let results = ResultsStore::load(&out).unwrap();
    let names: Vec<&str> = results.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["one", "two"]);
    // one was between rounds: cut short, not failed; two's phase was lost with the engine.
    let one = &results.variants[0];
    assert_eq!(
        (one.status, one.error.as_deref()),
        (Status::Interrupted, None)
    );
    assert_eq!(
        one.notes,
        [
            "interrupted when the Docker engine stopped answering before this variant finished: \
          1 of 2 runs kept"
        ]
    );
    let two = results.variants[1].failure().unwrap();
    assert_eq!(two.kind, FailureKind::EngineLost);
    assert_eq!(results.variants[0].metrics["startup_s"].samples, [1.25]);
    assert!(!engine.calls.borrow().iter().any(|c| c.contains("s-three")));
}

#[tokio::test(start_paused = true)]
async fn sequential_order_measures_each_variant_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(suite(dir.path()));
    settings.order = measure::Order::Sequential;
    let engine = engine();
    let (_stop_tx, stop_rx) = watch::channel(false);
    let info = engine.info().await.unwrap();
    let out = dir.path().join("results");
    let suite = &settings.suites[0];
    let ctx = RunContext::new();
    measure_suite(&engine, &ctx, suite, &settings, &out, &info, stop_rx)
        .await
        .unwrap();
    let firsts: Vec<String> = engine
        .calls
        .borrow()
        .iter()
        .filter_map(|c| c.strip_prefix("build dockbench/s-"))
        .map(|tag| tag.split(':').next().unwrap().to_string())
        .collect::<Vec<_>>()
        .chunks(3)
        .map(|c| c[0].clone())
        .collect();
    assert_eq!(firsts, ["one", "one", "two", "two"]);
}

#[tokio::test(start_paused = true)]
async fn ctrl_c_in_a_later_repetition_keeps_every_started_variant() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine();
    let (stop_tx, stop_rx) = watch::channel(false);
    // A repetition takes 6.25 s: one's 1 (0-6.25), two's 1 (6.25-12.5), then two's 2, in
    // which 14 s falls.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(14)).await;
        stop_tx.send(true).unwrap();
    });
    let (outcome, results) = measure(&engine, dir.path(), stop_rx).await;
    assert_eq!(outcome.end, End::Interrupted);
    assert_eq!(results.variants.len(), 2);
    for v in &results.variants {
        assert_eq!((v.status, v.error.as_deref()), (Status::Interrupted, None));
        assert_eq!(
            v.notes,
            ["interrupted (Ctrl-C) before this variant finished: 1 of 2 runs kept"]
        );
        assert_eq!(v.status_text(), "interrupted (1 run kept)");
        // Repetition 1 of both is kept.
        assert_eq!(v.metrics["startup_s"].samples, [1.25], "{}", v.name);
    }
    assert!(engine.live_containers().is_empty());
}

/// Turns the scripted neighbour on for one repetition of one variant, from its first phase.
struct NeighbourDuring<'a> {
    load: &'a crate::measure::host_load::scripted::ScriptedLoad,
    variant: &'a str,
    rep: u32,
}

impl Observer for NeighbourDuring<'_> {
    fn phase(&self, variant: &str, _: &Phase, rep: u32, _: u32) {
        let busy = variant == self.variant && rep == self.rep;
        *self.load.share.lock().unwrap() = if busy { 0.6 } else { 0.02 };
    }
}

impl Listener for NeighbourDuring<'_> {
    fn planned(&self, _: &Plan) {}
    fn recorded(&self, _: &VariantResult, _: bool, _: u64) {}
    fn finished(&self) {}
}

/// Sampling until decided measures a replacement round for a repetition a neighbour disturbed:
/// two identical, noiseless variants are decided ("same") at the first look, yet `two`, whose
/// repetition 2 ran beside a neighbour at 60% of the CPU, gets a fourth round; `one` does not.
#[tokio::test(start_paused = true)]
async fn a_disturbed_repetition_gets_a_replacement_round() {
    use crate::measure::host_load::scripted::ScriptedLoad;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\nCOPY a.py /\n").unwrap();
    std::fs::write(dir.path().join("a.py"), "a\n").unwrap();
    let text = "name = \"s\"\nruns = \"auto\"\n[run]\nready_log = \"ready\"\nsettle = \"1s\"\n\
                [[variant]]\nname = \"one\"\n[[variant]]\nname = \"two\"\n";
    std::fs::write(dir.path().join("suite.toml"), text).unwrap();
    let suite = load_suite(&dir.path().join("suite.toml")).unwrap();
    let load = std::sync::Arc::new(ScriptedLoad::default());
    let mut ctx = RunContext::new();
    ctx.host_load = Some(Box::new(SharedLoad(load.clone())));
    let engine = engine();
    let info = engine.info().await.unwrap();
    let (_stop_tx, stop_rx) = watch::channel(false);
    let options = Options {
        runs_override: None,
        sampling_override: None,
        order: measure::Order::Interleaved,
        resume: false,
        shard: None,
    };
    let listener = NeighbourDuring {
        load: &load,
        variant: "two",
        rep: 2,
    };
    let out = dir.path().join("results");
    let outcome = run_suite(
        &engine, &ctx, &suite, &options, &out, &info, stop_rx, &listener,
    )
    .await
    .unwrap();
    let sampling = outcome.results.sampling.clone().unwrap();
    assert_eq!(sampling.stopped, Some(Stop::Decided), "{sampling:?}");
    assert_eq!(sampling.variants["one"].rounds, 3, "{sampling:?}");
    assert_eq!(sampling.variants["two"].rounds, 4, "{sampling:?}");
    let two = outcome.results.variants.iter().find(|v| v.name == "two");
    let flagged = crate::results::host::disturbed_runs(two.unwrap());
    assert_eq!(flagged.into_iter().collect::<Vec<_>>(), [2]);
}

/// Shares one scripted source between the run context and the test.
struct SharedLoad(std::sync::Arc<crate::measure::host_load::scripted::ScriptedLoad>);

impl crate::measure::host_load::LoadSource for SharedLoad {
    fn snapshot(&self) -> Option<crate::measure::host_load::Snapshot> {
        self.0.snapshot()
    }

    fn own_pid(&self) -> u32 {
        self.0.own_pid()
    }
}
