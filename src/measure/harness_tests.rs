//! Issue 28 on the fake engine with tokio's paused clock: what others used the CPU for is
//! recorded per timed sample, and each repetition's time outside its timed phases is split
//! into own work and deliberate waits.

use std::cell::RefCell;
use std::time::Duration;

use super::host_load::scripted::ScriptedLoad;
use super::*;
use crate::driver::fake::{FakeEngine, Script};

/// Turns the scripted neighbour on for repetition `hog_rep` only, from its first phase.
struct HogDuring<'a> {
    load: &'a ScriptedLoad,
    hog_rep: u32,
}

impl Observer for HogDuring<'_> {
    fn phase(&self, _: &str, _: &Phase, rep: u32, _: u32) {
        let share = if rep == self.hog_rep { 0.6 } else { 0.02 };
        *self.load.share.lock().unwrap() = share;
    }
}

/// Three repetitions of a variant that builds in 1 s, prints its ready line 1.2 s after start
/// and settles 2 s, with one edit; the neighbour runs during repetition 2.
async fn three_repetitions(ctx: &RunContext, load: &ScriptedLoad) -> VariantMeasurement {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM b\nCOPY a.txt /\n").unwrap();
    std::fs::write(dir.path().join("a.txt"), "a\n").unwrap();
    let suite = "name = \"s\"\nruns = 3\n[run]\nready_log = \"ready\"\nsettle = \"2s\"\n\
                 [[edit]]\nname = \"e\"\nfile = \"a.txt\"\nappend = \"# {nonce}\\n\"\n\
                 [[variant]]\nname = \"fast\"\n";
    std::fs::write(dir.path().join("suite.toml"), suite).unwrap();
    let suite = crate::scenario::load_suite(&dir.path().join("suite.toml")).unwrap();
    let engine = FakeEngine::new(Script {
        log_ready_after: Some(Duration::from_millis(1200)),
        ..Script::default()
    });
    let out = RefCell::new(VariantMeasurement::default());
    let run = VariantRun::prepare(&engine, ctx, &suite, &suite.variants[0], &out).unwrap();
    let observer = HogDuring { load, hog_rep: 2 };
    for rep in 1..=3 {
        assert_eq!(
            run.repetition(rep, 3, &observer).await,
            Repetition::Measured
        );
    }
    out.into_inner()
}

/// Known answer: the neighbour takes 60% of the CPU during repetition 2 and 2% otherwise;
/// every timed sample of repetition 2 is flagged with 60%, no other is, and the untimed ones
/// (sizes, memory, hit rates) carry nothing.
#[tokio::test(start_paused = true)]
async fn a_neighbour_during_one_repetition_flags_its_timed_samples_only() {
    let load = std::sync::Arc::new(ScriptedLoad::default());
    let mut ctx = RunContext::new();
    ctx.host_load = Some(Box::new(ArcLoad(load.clone())));
    let measured = three_repetitions(&ctx, &load).await;
    let timed = ["cold_build_s", "warm_build_s", "startup_s", "rebuild_s.e"];
    for s in &measured.samples {
        if timed.contains(&s.metric.as_str()) {
            let expected = if s.run == 2 { 0.6 } else { 0.02 };
            assert_eq!(s.others_cpu_share, Some(expected), "{s:?}");
            assert_eq!(s.load_1m, Some(expected * 4.0), "{s:?}");
        } else {
            assert_eq!(s.others_cpu_share, None, "{s:?}");
        }
    }
    let result = record::variant_result(&crate::measure::record::tests::variant(), &measured);
    let flagged: Vec<(u32, &str)> = result
        .disturbed
        .iter()
        .map(|d| (d.run, d.metric.as_str()))
        .collect();
    assert_eq!(
        flagged,
        [
            (2, "cold_build_s"),
            (2, "warm_build_s"),
            (2, "startup_s"),
            (2, "rebuild_s.e")
        ]
    );
    assert_eq!(
        crate::results::host::disturbed_runs(&result)
            .into_iter()
            .collect::<Vec<_>>(),
        [2]
    );
    // Two snapshots per timed phase: four phases in each of three repetitions.
    assert_eq!(
        load.snapshots.load(std::sync::atomic::Ordering::Relaxed),
        2 * 4 * 3
    );
}

/// Without a source (an engine on another machine) nothing is recorded and nothing flagged.
#[tokio::test(start_paused = true)]
async fn a_remote_engine_gets_no_flags() {
    let load = ScriptedLoad::default();
    let measured = three_repetitions(&RunContext::new(), &load).await;
    assert!(measured
        .samples
        .iter()
        .all(|s| s.others_cpu_share.is_none()));
    assert_eq!(load.snapshots.load(std::sync::atomic::Ordering::Relaxed), 0);
}

/// Known answer: on the fake engine every call but the build and the container's run takes no
/// time, so the own work is zero; the waits are the 2 s settle plus, with dithered builds, the
/// dither of the repetition's three builds (0, 0.618 and 0.236 s in repetition 1).
#[tokio::test(start_paused = true)]
async fn overhead_splits_own_work_from_the_waits() {
    let load = ScriptedLoad::default();
    let mut ctx = RunContext::new();
    ctx.dither_builds = true;
    let measured = three_repetitions(&ctx, &load).await;
    let runs: Vec<u32> = measured.overhead.iter().map(|o| o.run).collect();
    assert_eq!(runs, [1, 2, 3]);
    let dither = |k: u64| build_start_delay(k).as_secs_f64();
    for (i, o) in measured.overhead.iter().enumerate() {
        let k = 3 * i as u64;
        let waits = 2.0 + dither(k) + dither(k + 1) + dither(k + 2);
        assert!((o.waits_s - waits).abs() < 1e-6, "{o:?} against {waits}");
        assert!(o.own_work_s.abs() < 1e-6, "{o:?}");
        assert_eq!(o.anatomy_s, 0.0, "{o:?}");
    }
    assert!((measured.overhead[0].waits_s - 2.854).abs() < 1e-6);
}

/// Shares one scripted source between the run context and the test.
struct ArcLoad(std::sync::Arc<ScriptedLoad>);

impl host_load::LoadSource for ArcLoad {
    fn snapshot(&self) -> Option<host_load::Snapshot> {
        self.0.snapshot()
    }

    fn own_pid(&self) -> u32 {
        self.0.own_pid()
    }
}
