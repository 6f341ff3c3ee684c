//! The runner from outside the crate, on the scripted engine (the `fake-engine` feature) with
//! tokio's clock paused: what a run's outcome says about each variant (ok, running, failed with
//! which kind, interrupted with its rounds kept) without Docker. Needs no Docker.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dockbench::driver::fake::{FakeEngine, Script};
use dockbench::driver::{Engine, EngineKind};
use dockbench::measure::{Observer, Order, Phase, RunContext};
use dockbench::results::{FailureKind, ResultsStore, Status, VariantResult};
use dockbench::runner::{self, End, Listener, Plan, SuiteOutcome};
use dockbench::scenario::load_suite;
use tokio::sync::watch;

/// Remembers, for every recorded repetition, the variant's status as `results.json` holds it
/// at that moment.
#[derive(Default)]
struct Log {
    dir: RefCell<Option<PathBuf>>,
    on_disk: RefCell<Vec<(String, Status)>>,
    /// Each look of a run sampled until decided: the rounds looked at, and the variants
    /// measured again.
    looks: RefCell<Vec<(u32, Option<Vec<String>>)>>,
}

impl Observer for Log {
    fn phase(&self, _: &str, _: &Phase, _: u32, _: u32) {}
}

impl Listener for Log {
    fn planned(&self, plan: &Plan) {
        self.dir.replace(Some(plan.dir.to_path_buf()));
    }

    fn recorded(&self, result: &VariantResult, _: bool, _: u64) {
        let dir = self.dir.borrow().clone().unwrap();
        let results = ResultsStore::load(&dir).unwrap();
        let stored = results.variants.iter().find(|v| v.name == result.name);
        self.on_disk
            .borrow_mut()
            .push((result.name.clone(), stored.unwrap().status));
    }

    fn looked(&self, look: &runner::Look) {
        self.looks.borrow_mut().push((look.runs, look.next.clone()));
    }

    fn finished(&self) {}
}

/// A suite of `variants` (TOML after each `[[variant]]`), two runs each; the worker prints its
/// ready line 1 s after start and settles 2 s: a repetition takes 6.25 s on the fake engine
/// (three builds of 1 s, a start of 0.25 s, ready, settle).
fn suite(dir: &Path, variants: &[&str]) -> dockbench::scenario::Suite {
    std::fs::write(dir.join("Dockerfile"), "FROM scratch\nCOPY a.py /\n").unwrap();
    std::fs::write(dir.join("a.py"), "a\n").unwrap();
    let mut text = "name = \"s\"\nruns = 2\n[run]\nready_log = \"ready\"\nsettle = \"2s\"\n\
                    [[edit]]\nname = \"e\"\nfile = \"a.py\"\nappend = \"b\"\n"
        .to_string();
    for variant in variants {
        text += &format!("[[variant]]\n{variant}\n");
    }
    std::fs::write(dir.join("suite.toml"), text).unwrap();
    load_suite(&dir.join("suite.toml")).unwrap()
}

fn fake(kind: EngineKind) -> FakeEngine {
    FakeEngine::new(Script {
        kind,
        log_ready_after: Some(Duration::from_secs(1)),
        ..Script::default()
    })
}

async fn run(
    engine: &FakeEngine,
    suite: &dockbench::scenario::Suite,
    out: &Path,
    stop: watch::Receiver<bool>,
    log: &Log,
) -> SuiteOutcome {
    let options = runner::Options {
        runs_override: None,
        sampling_override: None,
        order: Order::Interleaved,
        resume: false,
        shard: None,
    };
    let info = engine.info().await.unwrap();
    let ctx = RunContext::new();
    runner::run_suite(engine, &ctx, suite, &options, out, &info, stop, log)
        .await
        .unwrap()
}

fn variant<'a>(outcome: &'a SuiteOutcome, name: &str) -> &'a VariantResult {
    let found = outcome.results.variants.iter().find(|v| v.name == name);
    found.unwrap_or_else(|| panic!("{name} not in {outcome:?}"))
}

/// One variant measures, one names a builder the engine lacks, one is never ready: ok, a
/// setup failure and a run failure, each with its kind, and the run completes.
#[tokio::test(start_paused = true)]
async fn each_variant_ends_ok_or_failed_with_what_failed() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(
        dir.path(),
        &[
            "name = \"fine\"",
            // Podman has no BuildKit: the variant cannot be built there at all.
            "name = \"needs-buildkit\"\nbuilder = \"buildkit\"",
            // Nothing answers HTTP on the fake unless scripted: never ready within 3 s.
            "name = \"never-ready\"\nrun = { port = 8000, http_probe = \"/\", timeout = \"3s\" }",
        ],
    );
    let engine = fake(EngineKind::Podman);
    let (_stop_tx, stop_rx) = watch::channel(false);
    let log = Log::default();
    let outcome = run(&engine, &suite, &dir.path().join("out"), stop_rx, &log).await;

    assert_eq!(outcome.end, End::Completed);
    assert!(outcome.results.finished_at.is_some());
    let fine = variant(&outcome, "fine");
    assert_eq!((fine.status, fine.failure()), (Status::Ok, None));
    assert_eq!(fine.completed_runs, [1, 2]);

    let setup = variant(&outcome, "needs-buildkit");
    assert_eq!(setup.status, Status::Failed);
    let failure = setup.failure().unwrap();
    assert_eq!(failure.kind, FailureKind::Setup);
    assert!(failure.message.contains("no BuildKit"), "{failure:?}");

    let never = variant(&outcome, "never-ready");
    assert_eq!(never.status, Status::Failed);
    let failure = never.failure().unwrap();
    assert_eq!(failure.kind, FailureKind::Run);
    assert!(
        failure.message.starts_with("not ready after 3s"),
        "{failure:?}"
    );
    // Its builds were measured before the run phase failed, and are kept.
    assert_eq!(never.metrics["cold_build_s"].samples, [1.0]);

    // What the folder says is what the outcome says.
    let stored = ResultsStore::load(&dir.path().join("out")).unwrap();
    let statuses = |vs: &[VariantResult]| -> Vec<(String, Status, Option<FailureKind>)> {
        vs.iter()
            .map(|v| (v.name.clone(), v.status, v.failure().map(|f| f.kind)))
            .collect()
    };
    assert_eq!(
        statuses(&stored.variants),
        statuses(&outcome.results.variants)
    );
}

/// Interleaved, two variants of two rounds: one's round 1, two's 1, two's 2, one's 2. Between
/// its rounds a variant is `running` in the folder (it used to say `ok`); Ctrl-C in one's
/// round 2 leaves two `ok` and one `interrupted` with its round 1 kept, not `failed`.
#[tokio::test(start_paused = true)]
async fn a_variant_is_running_between_rounds_and_interrupted_by_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path(), &["name = \"one\"", "name = \"two\""]);
    let engine = fake(EngineKind::Docker);
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        // one's round 2 runs from 18.75 s to 25 s.
        tokio::time::sleep(Duration::from_secs(20)).await;
        stop_tx.send(true).unwrap();
    });
    let log = Log::default();
    let t0 = tokio::time::Instant::now();
    let outcome = run(&engine, &suite, &dir.path().join("out"), stop_rx, &log).await;

    assert_eq!(t0.elapsed(), Duration::from_secs(20), "stops at once");
    assert_eq!(outcome.end, End::Interrupted);
    assert!(outcome.results.finished_at.is_none());
    let on_disk = log.on_disk.borrow().clone();
    let expected = [
        ("one", Status::Running),
        ("two", Status::Running),
        ("two", Status::Ok),
        ("one", Status::Interrupted),
    ];
    let expected: Vec<(String, Status)> =
        expected.iter().map(|(n, s)| (n.to_string(), *s)).collect();
    assert_eq!(on_disk, expected);

    let two = variant(&outcome, "two");
    assert_eq!((two.status, two.failure()), (Status::Ok, None));
    let one = variant(&outcome, "one");
    assert_eq!((one.status, one.failure()), (Status::Interrupted, None));
    assert_eq!(one.completed_runs, [1]);
    assert_eq!(one.metrics["startup_s"].samples, [1.25]);
    assert_eq!(
        one.notes,
        ["interrupted (Ctrl-C) before this variant finished: 1 of 2 runs kept"]
    );
    assert!(engine.live_containers().is_empty(), "cleaned up");
}

/// The engine dies in two's round 1: two failed because the engine was lost (not because of
/// its build), one is cut short between its rounds, and the outcome says where it happened.
#[tokio::test(start_paused = true)]
async fn a_lost_engine_is_a_kind_of_failure_and_ends_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let suite = suite(dir.path(), &["name = \"one\"", "name = \"two\""]);
    let engine = fake(EngineKind::Docker);
    // two's round 1 runs from 6.25 s: its cold build ends at 7.25 s.
    engine.dies_after(Duration::from_secs(7));
    let (_stop_tx, stop_rx) = watch::channel(false);
    let log = Log::default();
    let outcome = run(&engine, &suite, &dir.path().join("out"), stop_rx, &log).await;

    let End::EngineLost(loss) = &outcome.end else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        (loss.variant.as_str(), loss.phase.as_str(), loss.repetition),
        ("two", "cold build", 1)
    );
    let two = variant(&outcome, "two");
    assert_eq!(two.status, Status::Failed);
    assert_eq!(two.failure().unwrap().kind, FailureKind::EngineLost);
    let one = variant(&outcome, "one");
    assert_eq!(one.status, Status::Interrupted);
    assert_eq!(one.completed_runs, [1]);
}

/// Sampling until decided (`runs = "auto"`): a suite of `variants` on the fake engine whose
/// ready line comes `ready_of(image, nth)` after each start, with these bounds.
fn auto_suite(dir: &Path, bounds: &str, variants: &[&str]) -> dockbench::scenario::Suite {
    std::fs::write(dir.join("Dockerfile"), "FROM scratch\nCOPY a.py /\n").unwrap();
    std::fs::write(dir.join("a.py"), "a\n").unwrap();
    let mut text = format!(
        "name = \"s\"\nruns = \"auto\"\n{bounds}\n[run]\nready_log = \"ready\"\nsettle = \"1s\"\n"
    );
    for variant in variants {
        text += &format!("[[variant]]\nname = \"{variant}\"\n");
    }
    std::fs::write(dir.join("suite.toml"), text).unwrap();
    load_suite(&dir.join("suite.toml")).unwrap()
}

/// Noise of about 4 % (coefficient of variation), the same sequence for every variant but
/// from a different place in it for each variant: the nth start's factor.
fn noise(image: &str, nth: u32) -> f64 {
    const FACTORS: [f64; 10] = [1.00, 1.05, 0.96, 1.06, 0.95, 1.02, 0.98, 1.04, 0.94, 1.01];
    let offset = image.bytes().map(usize::from).sum::<usize>();
    FACTORS[(offset + nth as usize * 3) % FACTORS.len()]
}

fn noisy_engine(ready_of: fn(&str, u32) -> Duration) -> FakeEngine {
    FakeEngine::new(Script {
        log_ready_by_start: Some(ready_of),
        ..Script::default()
    })
}

async fn run_auto(
    engine: &FakeEngine,
    suite: &dockbench::scenario::Suite,
    out: &Path,
) -> SuiteOutcome {
    run_auto_logged(engine, suite, out, &Log::default()).await
}

async fn run_auto_logged(
    engine: &FakeEngine,
    suite: &dockbench::scenario::Suite,
    out: &Path,
    log: &Log,
) -> SuiteOutcome {
    let (_stop_tx, stop_rx) = watch::channel(false);
    run(engine, suite, out, stop_rx, log).await
}

fn sampling_of(outcome: &SuiteOutcome) -> &dockbench::results::Sampling {
    outcome
        .results
        .sampling
        .as_ref()
        .expect("an auto run records its sampling")
}

/// A variant 30 % slower to start, at about 4 % noise, is decided after the minimum of three
/// rounds: every variant gets three rounds, the run stops as decided, and results.json says so.
#[tokio::test(start_paused = true)]
async fn a_clearly_slower_variant_is_decided_after_the_minimum() {
    use dockbench::results::{Stop, VariantSampling};
    let dir = tempfile::tempdir().unwrap();
    let suite = auto_suite(dir.path(), "", &["fast", "slow"]);
    let engine = noisy_engine(|image, nth| {
        let base = if image == "slow" { 1.3 } else { 1.0 };
        Duration::from_secs_f64(base * noise(image, nth))
    });
    let out = dir.path().join("out");
    let log = Log::default();
    let outcome = run_auto_logged(&engine, &suite, &out, &log).await;

    assert_eq!(outcome.end, End::Completed);
    // One look, after the third round, that measures nothing more.
    assert_eq!(*log.looks.borrow(), [(3, None)]);
    let sampling = sampling_of(&outcome);
    assert_eq!((sampling.min_runs, sampling.max_runs), (3, 10));
    assert_eq!(sampling.stopped, Some(Stop::Decided));
    for name in ["fast", "slow"] {
        assert_eq!(
            sampling.variants[name],
            VariantSampling {
                rounds: 3,
                stopped: Stop::Decided
            },
            "{name}"
        );
        let v = variant(&outcome, name);
        assert_eq!(
            (v.status, v.completed_runs.len()),
            (Status::Ok, 3),
            "{name}"
        );
    }
    let analysis = dockbench::analysis::Analysis::of(&outcome.results);
    let row = analysis
        .relative
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .find(|r| r.variant == "slow" && r.metric == "startup_s")
        .unwrap();
    assert_eq!(row.relation, dockbench::relative::Relation::Worse);
    // What the folder holds says the same.
    let stored = ResultsStore::load(&out).unwrap();
    assert_eq!(stored.sampling.as_ref(), Some(sampling));
}

/// Identical variants (the same noise, halved to about 2 %, from different places in it) end
/// "the same within ±5%" or at the cap; never "better" or "worse", never undecided before
/// the cap.
#[tokio::test(start_paused = true)]
async fn identical_variants_end_the_same_or_at_the_cap() {
    use dockbench::relative::Relation;
    use dockbench::results::Stop;
    let dir = tempfile::tempdir().unwrap();
    let suite = auto_suite(dir.path(), "max_runs = 8", &["one", "two", "three"]);
    let engine =
        noisy_engine(|image, nth| Duration::from_secs_f64(1.0 + (noise(image, nth) - 1.0) / 2.0));
    let log = Log::default();
    let outcome = run_auto_logged(&engine, &suite, &dir.path().join("out"), &log).await;

    assert_eq!(outcome.end, End::Completed);
    // A look after each round from the third, each after one round more than the last.
    let looked: Vec<u32> = log.looks.borrow().iter().map(|(runs, _)| *runs).collect();
    let most = sampling_of(&outcome)
        .variants
        .values()
        .map(|v| v.rounds)
        .max();
    assert_eq!(looked, (3..=most.unwrap()).collect::<Vec<_>>());
    let sampling = sampling_of(&outcome);
    println!("identical variants: {:?}", sampling.variants);
    let analysis = dockbench::analysis::Analysis::of(&outcome.results);
    let rows = &analysis.relative.as_ref().unwrap().rows;
    for name in ["two", "three"] {
        let row = rows
            .iter()
            .find(|r| r.variant == name && r.metric == "startup_s")
            .unwrap();
        let got = sampling.variants[name];
        match row.relation {
            Relation::Same => assert_eq!(got.stopped, Stop::Decided, "{name}"),
            Relation::CannotTell => assert_eq!((got.rounds, got.stopped), (8, Stop::Cap)),
            other => panic!("{name}: {other:?} between identical variants"),
        }
        assert!(got.rounds >= 3 && got.rounds <= 8, "{got:?}");
    }
    // The reference is measured as long as anything compared with it is undecided.
    let most = sampling.variants.values().map(|v| v.rounds).max().unwrap();
    assert_eq!(sampling.variants["one"].rounds, most);
}

/// A budget stops the run on time: no repetition starts that the budget cannot hold, every
/// finished round is kept, and the run ends complete (not interrupted), out of budget.
#[tokio::test(start_paused = true)]
async fn the_budget_stops_the_run_on_time() {
    use dockbench::results::Stop;
    let dir = tempfile::tempdir().unwrap();
    // Too close to tell apart in a few rounds (3 %, at 4 % noise).
    let suite = auto_suite(dir.path(), "budget = \"60s\"", &["a", "b", "c"]);
    let engine = noisy_engine(|image, nth| {
        let base = if image == "b" { 1.03 } else { 1.0 };
        Duration::from_secs_f64(base * noise(image, nth))
    });
    let started = tokio::time::Instant::now();
    let outcome = run_auto(&engine, &suite, &dir.path().join("out")).await;
    let took = started.elapsed();

    assert_eq!(outcome.end, End::Completed);
    assert!(outcome.results.finished_at.is_some());
    let sampling = sampling_of(&outcome);
    assert_eq!(sampling.budget_s, Some(60.0));
    assert_eq!(sampling.stopped, Some(Stop::Budget), "{sampling:?}");
    // Cleanup after the last repetition aside, the run ends within its budget.
    assert!(took <= Duration::from_secs(62), "took {took:?}");
    println!("budget 60 s: took {took:?}, {:?}", sampling.variants);
    let total: u32 = sampling.variants.values().map(|v| v.rounds).sum();
    // A repetition takes about 4.3 s here (three 1 s builds, a start, ready, 1 s settle):
    // at least 12 fit in 60 s, and every one is kept with its samples.
    assert!(total >= 12, "{sampling:?}");
    for v in &outcome.results.variants {
        assert_eq!(v.status, Status::Ok, "{}", v.name);
        assert_eq!(
            v.completed_runs.len() as u32,
            sampling.variants[&v.name].rounds
        );
        assert_eq!(v.metrics["startup_s"].samples.len(), v.completed_runs.len());
    }
    assert!(sampling
        .variants
        .values()
        .any(|v| v.stopped == Stop::Budget));
}
