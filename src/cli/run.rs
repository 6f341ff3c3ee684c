//! `dockbench run`: load every suite first (a bad one means nothing is measured), then measure
//! variant by variant, recording each into the results folder as soon as it is done.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chrono::{SecondsFormat, Utc};
use tokio::sync::watch;

use super::exit::EngineLost;
use super::progress::Progress;
use super::{RunArgs, Verbosity, EXIT_FAILURES, EXIT_INTERRUPTED, EXIT_OK};
use crate::analysis::Analysis;
use crate::claims::any_refuted;
use crate::driver::docker::DockerEngine;
use crate::driver::Engine;
use crate::measure::record::variant_result;
use crate::measure::{self, RunContext, VariantMeasurement};
use crate::report;
use crate::results::summarize::all_good;
use crate::results::{environment, ResultsStore, RunResults};
use crate::scenario::{load_suite, Suite, Variant};

/// The validated form of `RunArgs`.
#[derive(Debug)]
pub struct RunSettings {
    pub suites: Vec<Suite>,
    pub runs_override: Option<u32>,
    pub order: measure::Order,
    pub out: Option<PathBuf>,
    /// The progress display: not with --no-progress, nor with --quiet.
    pub progress: bool,
    pub verbosity: Verbosity,
    pub keep_images: bool,
    pub report: bool,
    pub exports: super::ExportArgs,
    /// The results folder of an interrupted run to continue (`--resume`).
    pub resume: Option<PathBuf>,
    /// `--shard K/N`: the suites hold this shard's variants only.
    pub shard: Option<crate::scenario::shard::Shard>,
    /// The summary's colour (the global `--color`, decided for standard output).
    pub paint: report::paint::Paint,
}

/// Loads the suites and applies the flags. Every error here means "nothing measured" (exit 2).
pub fn settings(args: RunArgs, verbosity: Verbosity) -> anyhow::Result<RunSettings> {
    let mut suites = Vec::new();
    for path in &args.suites {
        suites.push(load_suite(path)?);
    }
    if !args.variants.is_empty() {
        for wanted in &args.variants {
            let known = suites
                .iter()
                .any(|s| s.variants.iter().any(|v| &v.name == wanted));
            if !known {
                let names: Vec<&str> = suites
                    .iter()
                    .flat_map(|s| s.variants.iter().map(|v| v.name.as_str()))
                    .collect();
                bail!(
                    "--variant {wanted}: no such variant (known: {})",
                    names.join(", ")
                );
            }
        }
        for suite in &mut suites {
            suite.variants.retain(|v| args.variants.contains(&v.name));
        }
        suites.retain(|s| !s.variants.is_empty());
    }
    for suite in &mut suites {
        if let Some(reference) = &args.reference {
            if !suite.variants.iter().any(|v| &v.name == reference) {
                let names: Vec<&str> = suite.variants.iter().map(|v| v.name.as_str()).collect();
                bail!(
                    "--reference {reference}: suite {} measures no such variant (it measures: {})",
                    suite.name,
                    names.join(", ")
                );
            }
            suite.reference = Some(reference.clone());
        }
        if args.no_claims_exit {
            suite.claims_exit = false;
        }
        if let Some(shard) = args.shard {
            let reference = suite
                .reference
                .clone()
                .or_else(|| suite.variants.first().map(|v| v.name.clone()))
                .unwrap_or_default();
            let all: Vec<String> = suite.variants.iter().map(|v| v.name.clone()).collect();
            let names: Vec<&str> = all.iter().map(String::as_str).collect();
            let seconds = match &args.balance_from {
                Some(root) => crate::history::last_seconds_per_run(root, &suite.name)?,
                None => Default::default(),
            };
            let plan = crate::scenario::shard::plan(&names, &reference, shard.count, &seconds);
            suite
                .variants
                .retain(|v| v.name == reference || plan.get(&v.name) == Some(&shard.index));
            let mine: Vec<&str> = suite.variants.iter().map(|v| v.name.as_str()).collect();
            let how = match &args.balance_from {
                Some(root) => format!(
                    "dealt by the last measured durations in {} ({} of {} known)",
                    root.display(),
                    names.iter().filter(|n| seconds.contains_key(**n)).count(),
                    names.len()
                ),
                None => "by the hash of each name".to_string(),
            };
            verbosity.info(format_args!(
                "{}: shard {shard} measures {} ({how}; the reference {reference} in every shard)",
                suite.name,
                mine.join(", ")
            ));
            suite.reference = Some(reference);
        }
    }
    if let Some(dir) = &args.resume {
        if suites.len() != 1 {
            bail!("--resume {}: resume one suite at a time", dir.display());
        }
        if args.out.is_some() {
            bail!("--resume writes into the folder it resumes; leave out --out");
        }
    }
    Ok(RunSettings {
        shard: args.shard,
        resume: args.resume,
        suites,
        runs_override: args.runs,
        order: args.order,
        out: args.out,
        progress: !args.no_progress && verbosity.shows_info(),
        verbosity,
        keep_images: args.keep_images,
        report: !args.no_report,
        exports: args.exports,
        paint: report::paint::Paint::PLAIN,
    })
}

pub async fn run(
    args: RunArgs,
    context: Option<&str>,
    verbosity: Verbosity,
    paint: report::paint::Paint,
) -> anyhow::Result<i32> {
    let settings = RunSettings {
        paint,
        ..settings(args, verbosity)?
    };
    let engine = DockerEngine::connect(context).await?;
    if let Some(warning) = engine.endpoint().remote_warning() {
        eprintln!("warning: {warning}");
    }
    let engine_info = engine.info().await.context("ask the engine about itself")?;
    verbosity.detail(format_args!(
        "engine: {} at {}, storage {}, cgroup v{}",
        engine_info.label(),
        engine.address(),
        engine_info.store_label(),
        engine_info.cgroup_version
    ));
    super::clean::warn_leftovers(&engine).await;
    let mut ctx = RunContext::new();
    ctx.dither_builds = measure::dithers_builds(&engine_info.storage_driver);
    ctx.keep_images = settings.keep_images;
    ctx.docker_context = engine.endpoint().context_name().map(str::to_string);
    if ctx.dither_builds {
        verbosity.info(format_args!(
            "note: this engine stores images with {}, whose layer commits end only at whole \
             seconds: each timed build starts at a dithered phase of the second (0.5 s per \
             build on average, not timed), so that the phase does not pass for a difference \
             between variants",
            engine_info.storage_driver
        ));
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop_tx.send(true);
        }
    });

    let mut code = EXIT_OK;
    for suite in &settings.suites {
        let out_dir = out_dir(&settings, suite);
        let outcome = measure_suite(
            &engine,
            &ctx,
            suite,
            &settings,
            &out_dir,
            &engine_info,
            stop_rx.clone(),
        )
        .await;
        match outcome? {
            SuiteOutcome::AllGood => {}
            SuiteOutcome::Failures => code = EXIT_FAILURES,
            SuiteOutcome::Interrupted => {
                eprintln!("interrupted: results so far are in {}", out_dir.display());
                return Ok(EXIT_INTERRUPTED);
            }
            SuiteOutcome::EngineLost(message) => {
                return Err(EngineLost(format!(
                    "{message}\n(what this run left on the engine: `dockbench clean` removes it)"
                ))
                .into());
            }
        }
    }
    Ok(code)
}

/// Measures one suite, then cleans up whatever happened, Ctrl-C included: containers always,
/// images unless kept.
async fn measure_suite<E: Engine>(
    engine: &E,
    ctx: &RunContext,
    suite: &Suite,
    settings: &RunSettings,
    out_dir: &Path,
    engine_info: &crate::driver::EngineInfo,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<SuiteOutcome> {
    let outcome = run_suite(engine, ctx, suite, settings, out_dir, engine_info, stop).await;
    if let Ok(SuiteOutcome::EngineLost(_)) = outcome {
        // Nothing can be removed from an engine that does not answer; `dockbench clean`
        // removes it once the engine is back, since this run's lease ends with the process.
        return outcome;
    }
    engine.remove_live_resources().await;
    if !settings.keep_images {
        engine.wait_for_abandoned_build().await;
        measure::remove_built_images(engine, ctx).await;
    }
    outcome
}

fn out_dir(settings: &RunSettings, suite: &Suite) -> PathBuf {
    if let Some(dir) = &settings.resume {
        return dir.clone();
    }
    match &settings.out {
        Some(dir) if settings.suites.len() == 1 => dir.clone(),
        Some(dir) => dir.join(&suite.name),
        None => ResultsStore::default_dir(Path::new("results"), &suite.name, Utc::now()),
    }
}

#[derive(Debug, PartialEq)]
enum SuiteOutcome {
    AllGood,
    Failures,
    Interrupted,
    /// The engine stopped answering; what to tell the user.
    EngineLost(String),
}

fn phases_per_run(suite: &Suite, variant: &Variant) -> u64 {
    2 + u64::from(variant.run.is_some()) + suite.edits.len() as u64
}

async fn run_suite<E: Engine>(
    engine: &E,
    ctx: &RunContext,
    suite: &Suite,
    settings: &RunSettings,
    out_dir: &Path,
    engine_info: &crate::driver::EngineInfo,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<SuiteOutcome> {
    for warning in measure::suite_warnings(suite) {
        eprintln!("warning: {warning}");
    }
    let cells: Vec<RefCell<VariantMeasurement>> =
        suite.variants.iter().map(|_| RefCell::default()).collect();
    // A folder that cannot be written before anything was measured is bad input (exit 2), not
    // "measured, but not saved" (exit 4): drop the error's type, keep its words.
    let plain = |e: anyhow::Error| anyhow::anyhow!("{e:#}");
    let (mut store, runs) = match &settings.resume {
        None => {
            let runs = settings.runs_override.unwrap_or(suite.runs);
            let header = RunResults {
                suite: suite.name.clone(),
                suite_file: display_path(&suite.path),
                dockbench_version: env!("CARGO_PKG_VERSION").to_string(),
                runs,
                started_at: now_rfc3339(),
                finished_at: None,
                environment: environment::Environment {
                    docker_context: ctx.docker_context.clone(),
                    ..environment::gather(Some(engine_info.clone()))
                },
                variants: Vec::new(),
                reference: suite.reference.clone(),
                claims: suite.claims.clone(),
                suite_files: crate::scenario::suite_files(suite),
                resumed_at: Vec::new(),
                merged_from: Vec::new(),
                shard: settings.shard,
                shard_references: Vec::new(),
            };
            (ResultsStore::create(out_dir, header).map_err(plain)?, runs)
        }
        Some(dir) => {
            let store = ResultsStore::reopen(dir, now_rfc3339()).map_err(plain)?;
            check_resumable(store.results(), suite, settings.runs_override)?;
            let samples = ResultsStore::load_samples(dir).map_err(plain)?;
            for (variant, cell) in suite.variants.iter().zip(&cells) {
                if let Some(kept) = store
                    .results()
                    .variants
                    .iter()
                    .find(|v| v.name == variant.name)
                {
                    *cell.borrow_mut() = kept_measurement(kept, &samples);
                }
            }
            let runs = store.results().runs;
            (store, runs)
        }
    };
    // What is left to measure: every (variant, repetition) pair not measured in full yet.
    let plan: Vec<(usize, u32)> = measure::schedule(settings.order, suite.variants.len(), runs)
        .into_iter()
        .filter(|(i, rep)| !cells[*i].borrow().completed_runs.contains(rep))
        .collect();
    let last_rep = |i: usize| plan.iter().filter(|(v, _)| *v == i).map(|(_, r)| *r).max();
    settings.verbosity.info(format_args!(
        "{}: measuring {} variant(s), {runs} run(s) each{}; results in {}",
        suite.name,
        suite.variants.len(),
        match &settings.resume {
            Some(_) => format!(", resumed: {} repetition(s) left", plan.len()),
            None => String::new(),
        },
        store.dir().display()
    ));
    let total: u64 = plan
        .iter()
        .map(|(i, _)| phases_per_run(suite, &suite.variants[*i]))
        .sum();
    let progress = Progress::new(settings.progress, settings.verbosity, total);
    let mut done_phases = 0;
    let mut interrupted = false;
    // The variant, phase and repetition during which the engine stopped answering, and why.
    let mut lost: Option<(String, String, u32, String)> = None;
    let mut slots: Vec<Slot<E>> = suite.variants.iter().map(|_| Slot::Waiting).collect();
    let mut first_turn = vec![true; suite.variants.len()];
    for &(i, rep) in &plan {
        let variant = &suite.variants[i];
        if matches!(slots[i], Slot::Waiting) {
            slots[i] = match measure::VariantRun::prepare(engine, ctx, suite, variant, &cells[i]) {
                Some(run) => Slot::Running(run),
                None => Slot::Finished,
            };
        }
        let turn_started = tokio::time::Instant::now();
        let outcome = match &slots[i] {
            Slot::Running(run) => tokio::select! {
                outcome = run.repetition(rep, runs, &progress) => outcome,
                _ = stop.wait_for(|stopped| *stopped) => {
                    interrupted = true;
                    measure::Repetition::Failed
                }
            },
            // Failed earlier (or its context could not be copied): recorded already, unless
            // this is its first turn.
            Slot::Finished if first_turn[i] => measure::Repetition::Failed,
            _ => continue,
        };
        first_turn[i] = false;
        if interrupted {
            break;
        }
        if let measure::Repetition::EngineLost { phase, cause } = outcome {
            cells[i].borrow_mut().error = Some(format!(
                "{NOT_MEASURED}the Docker engine stopped answering during the {phase} of \
                 repetition {rep} ({cause})"
            ));
            lost = Some((variant.name.clone(), phase, rep, cause));
            break;
        }
        if outcome == measure::Repetition::Measured {
            let mut cell = cells[i].borrow_mut();
            cell.completed_runs.push(rep);
            cell.measured_s += turn_started.elapsed().as_secs_f64();
        }
        let finished = outcome != measure::Repetition::Measured || Some(rep) == last_rep(i);
        if finished {
            slots[i] = Slot::Finished;
        }
        done_phases += phases_per_run(suite, variant);
        // Written after every repetition of every variant: nothing measured is lost.
        record(&mut store, &progress, variant, &cells[i], finished)?;
        progress.jump_to(done_phases);
    }
    if interrupted || lost.is_some() {
        // Every variant that had started and not finished keeps what it measured.
        for (i, variant) in suite.variants.iter().enumerate() {
            if let Slot::Running(_) = slots[i] {
                let mut cell = cells[i].borrow_mut();
                if cell.error.is_none() {
                    cell.error = Some(if interrupted {
                        "interrupted (Ctrl-C) before this variant finished".into()
                    } else {
                        format!(
                            "{NOT_MEASURED}the Docker engine stopped answering before this \
                             variant finished"
                        )
                    });
                }
                drop(cell);
                record(&mut store, &progress, variant, &cells[i], true)?;
            }
        }
    }
    progress.finish();
    if !interrupted && lost.is_none() {
        store.finish(now_rfc3339())?;
    }
    // Every verdict of the run, judged once: the summary, the report, the exports and the exit
    // code read this.
    let analysis = Analysis::of(store.results());
    let width = report::terminal_width();
    let heading = report::heading(store.results(), store.dir());
    print!("{}", report::table::wrapped(&heading, "", width));
    let summary = report::painted_summary(store.results(), &analysis, width, settings.paint);
    println!("{summary}");
    if settings.report {
        // The measurements are safe on disk already; a report that fails to render loses nothing.
        if let Err(e) = report::render_report(store.dir(), store.results(), &analysis) {
            eprintln!("warning: could not render the report: {e:#}");
        }
    }
    println!("results: {}", store.dir().display());
    settings
        .exports
        .write(store.results(), &analysis, settings.suites.len() > 1)?;
    let refuted = suite.claims_exit && any_refuted(&analysis.claims);
    if refuted {
        eprintln!(
            "{}: a claim does not hold, which fails the run like a missed target \
             (--no-claims-exit or `claims_exit = false` in the suite to turn that off)",
            suite.name
        );
    }
    if let Some((variant, phase, rep, cause)) = lost {
        let results = store.results();
        let complete = results
            .variants
            .iter()
            .filter(|v| v.error.is_none())
            .count();
        let partial = results.variants.len() - complete;
        let unattempted = suite.variants.len() - results.variants.len();
        return Ok(SuiteOutcome::EngineLost(format!(
            "the Docker engine at {} stopped answering during {variant}'s {phase} \
             (repetition {rep}): {cause}\n\
             kept in {}: {complete} variant(s) measured in full, {partial} in part; {unattempted} \
             not attempted\n\
             once the engine answers again, continue with: dockbench run {} --resume {}",
            engine.address(),
            store.dir().display(),
            display_path(&suite.path),
            store.dir().display()
        )));
    }
    Ok(if interrupted {
        SuiteOutcome::Interrupted
    } else if store.results().variants.iter().all(all_good) && !refuted {
        SuiteOutcome::AllGood
    } else {
        SuiteOutcome::Failures
    })
}

/// Refuses (exit 2, with the reason) to resume a run into whose figures this suite's would
/// not fit: another suite, changed files, another number of repetitions, or a finished run.
fn check_resumable(
    recorded: &RunResults,
    suite: &Suite,
    runs_override: Option<u32>,
) -> anyhow::Result<()> {
    if recorded.suite != suite.name {
        bail!(
            "cannot resume: the folder holds a run of suite `{}`, not `{}`",
            recorded.suite,
            suite.name
        );
    }
    if recorded.suite_files.is_empty() {
        bail!("cannot resume: the run recorded no hashes of its suite's files (made by an older dockbench)");
    }
    if let Some(why) = crate::scenario::suite_files_changed(
        &recorded.suite_files,
        &crate::scenario::suite_files(suite),
    ) {
        bail!("cannot resume: what the run measured has changed since it started: {why}");
    }
    if let Some(runs) = runs_override.filter(|r| *r != recorded.runs) {
        bail!(
            "cannot resume with --runs {runs}: the run was started with {} run(s) per variant",
            recorded.runs
        );
    }
    Ok(())
}

/// What a variant of an interrupted run keeps: the samples of its complete repetitions, and
/// what it learned from them. The partial repetition's samples are measured again.
fn kept_measurement(
    kept: &crate::results::VariantResult,
    samples: &[crate::results::Sample],
) -> VariantMeasurement {
    VariantMeasurement {
        samples: samples
            .iter()
            .filter(|s| s.variant == kept.name && kept.completed_runs.contains(&s.run))
            .cloned()
            .collect(),
        layers: kept.layers.clone(),
        cold_build_steps: kept.cold_build_steps.clone(),
        error: None,
        notes: kept.notes.clone(),
        completed_runs: kept.completed_runs.clone(),
        measured_s: kept.measured_s,
        anatomy: kept.anatomy.clone(),
        builder: Some(kept.builder.clone()),
    }
}

/// How the error of a variant the engine went away from begins.
const NOT_MEASURED: &str = "not measured: ";

/// Where a variant is in a run.
enum Slot<'a, E> {
    Waiting,
    Running(measure::VariantRun<'a, E>),
    /// Every repetition measured, or failed.
    Finished,
}

/// Writes the variant's results so far into the results folder; says so when it is finished.
fn record(
    store: &mut ResultsStore,
    progress: &Progress,
    variant: &Variant,
    cell: &RefCell<VariantMeasurement>,
    finished: bool,
) -> anyhow::Result<()> {
    let measured = cell.borrow();
    let result = variant_result(variant, &measured);
    if finished {
        match &result.error {
            None => progress.info(&format!("{}: done", variant.name)),
            // Not a failure of the variant: the engine went away.
            Some(e) if e.starts_with(NOT_MEASURED) => {
                progress.println(&format!("{}: {e}", variant.name))
            }
            Some(e) => progress.println(&format!(
                "{}: FAILED: {}",
                variant.name,
                e.lines().next().unwrap_or("")
            )),
        }
        for note in &result.notes {
            progress.info(&format!("note: {}: {note}", variant.name));
        }
    }
    store
        .record_variant(result, &measured.samples)
        .with_context(|| {
            format!(
                "saving {}'s results; the run stops here (the files already in the folder are \
                 intact: each is replaced whole or not at all)",
                variant.name
            )
        })
}

/// The suite file as reports show it: relative to the working directory when it is below it, so
/// that a committed report names `scenarios/x/suite.toml`, not one machine's absolute path.
fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .and_then(|cwd| cwd.canonicalize())
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    relative.as_deref().unwrap_or(path).display().to_string()
}

fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::driver::fake::{FakeEngine, Script, CONNECT_ERROR};
    use crate::results::Status;

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

    fn settings(suite: Suite) -> RunSettings {
        RunSettings {
            suites: vec![suite],
            runs_override: None,
            order: measure::Order::Interleaved,
            out: None,
            progress: false,
            verbosity: Verbosity::Normal,
            keep_images: false,
            report: false,
            exports: Default::default(),
            resume: None,
            shard: None,
            paint: report::paint::Paint::PLAIN,
        }
    }

    fn engine() -> FakeEngine {
        FakeEngine::new(Script {
            build_time: Duration::from_secs(1),
            log_ready_after: Some(Duration::from_secs(1)),
            ..Script::default()
        })
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
        assert_eq!(outcome, SuiteOutcome::Interrupted);
        assert_eq!(t0.elapsed(), Duration::from_secs(3), "stops at once");
        assert_eq!(
            results.variants.len(),
            1,
            "the second variant never started"
        );
        let one = &results.variants[0];
        assert_eq!(one.status, Status::Failed);
        assert_eq!(
            one.error.as_deref(),
            Some("interrupted (Ctrl-C) before this variant finished")
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
        assert_eq!(outcome, SuiteOutcome::AllGood);
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
        assert_eq!(outcome, SuiteOutcome::AllGood);
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
        assert_eq!(outcome, SuiteOutcome::AllGood);
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
    /// the second is "not measured", not a build failure, and nothing else is attempted, not
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
        let SuiteOutcome::EngineLost(message) = outcome else {
            panic!("{outcome:?}")
        };
        assert!(
            message.starts_with(
                "the Docker engine at fake:///engine stopped answering during two's cold build \
                 (repetition 1): error in the hyper legacy client"
            ),
            "{message}"
        );
        assert!(
            message.contains("1 variant(s) measured in full, 1 in part; 0 not attempted"),
            "{message}"
        );
        assert!(message.contains(" --resume "), "{message}");
        let results = ResultsStore::load(&out).unwrap();
        assert!(results.finished_at.is_none());
        let one = &results.variants[0];
        assert_eq!((one.status, one.error.as_deref()), (Status::Ok, None));
        assert_eq!(one.metrics["cold_build_s"].samples, [1.0, 1.0]);
        let two = &results.variants[1];
        let error = two.error.as_deref().unwrap();
        assert!(
            error.starts_with(&format!(
                "not measured: the Docker engine stopped answering during the cold build of \
                 repetition 1 ({CONNECT_ERROR})"
            )),
            "{error}"
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
        assert!(matches!(lost, SuiteOutcome::EngineLost(_)), "{lost:?}");

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
        assert_eq!(outcome, SuiteOutcome::AllGood);
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
            super::super::exit::code_of(&refused),
            super::super::EXIT_UNUSABLE
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
        assert!(matches!(lost, SuiteOutcome::EngineLost(_)), "{lost:?}");
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
        assert_eq!(outcome, SuiteOutcome::AllGood);
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
        let SuiteOutcome::EngineLost(message) = outcome else {
            panic!("{outcome:?}")
        };
        assert!(
            message.contains("0 variant(s) measured in full, 2 in part; 1 not attempted"),
            "{message}"
        );
        let results = ResultsStore::load(&out).unwrap();
        let names: Vec<&str> = results.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["one", "two"]);
        assert_eq!(
            results.variants[0].error.as_deref(),
            Some("not measured: the Docker engine stopped answering before this variant finished")
        );
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
        assert_eq!(outcome, SuiteOutcome::Interrupted);
        assert_eq!(results.variants.len(), 2);
        for v in &results.variants {
            assert_eq!(v.status, Status::Failed, "{}", v.name);
            assert_eq!(
                v.error.as_deref(),
                Some("interrupted (Ctrl-C) before this variant finished")
            );
            // Repetition 1 of both is kept.
            assert_eq!(v.metrics["startup_s"].samples, [1.25], "{}", v.name);
        }
        assert!(engine.live_containers().is_empty());
    }

    /// A claim that does not hold fails the run like a missed target (exit 1), unless the suite
    /// or `--no-claims-exit` turns that off; the measurements are the same either way.
    #[tokio::test(start_paused = true)]
    async fn a_claim_that_does_not_hold_fails_the_run_unless_turned_off() {
        for claims_exit in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            suite(dir.path());
            // Both variants build the same fake image: "two is 10% smaller" cannot hold.
            let path = dir.path().join("suite.toml");
            let text = std::fs::read_to_string(&path).unwrap()
                + "[[claim]]\ntext = \"two is smaller\"\nmetric = \"image_size_bytes\"\n\
                   from = \"one\"\nto = \"two\"\nexpect = \"-10%\"\n";
            std::fs::write(&path, text).unwrap();
            let mut suite = load_suite(&path).unwrap();
            suite.claims_exit = claims_exit;
            let settings = settings(suite);
            let engine = engine();
            let (_stop_tx, stop_rx) = watch::channel(false);
            let out = dir.path().join("results");
            let info = engine.info().await.unwrap();
            let ctx = RunContext::new();
            let suite = &settings.suites[0];
            let outcome = measure_suite(&engine, &ctx, suite, &settings, &out, &info, stop_rx)
                .await
                .unwrap();
            let results = ResultsStore::load(&out).unwrap();
            assert!(results.variants.iter().all(all_good), "every target met");
            let judged = crate::claims::judge_claims(
                &results,
                &results.claims,
                &crate::compare::CompareSettings::default(),
            );
            assert_eq!(judged.len(), 1);
            assert_eq!(judged[0].verdict, crate::claims::ClaimVerdict::DoesNotHold);
            let expected = if claims_exit {
                SuiteOutcome::Failures
            } else {
                SuiteOutcome::AllGood
            };
            assert_eq!(outcome, expected, "claims_exit = {claims_exit}");
        }
    }
}
