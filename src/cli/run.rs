//! `dockbench run`: load every suite first (a bad one means nothing is measured), then have the
//! runner measure each (`runner::run_suite`), and say what happened: the progress, the summary,
//! the report and exports, and the exit code.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chrono::Utc;
use tokio::sync::watch;

use super::exit::EngineLost;
use super::progress::Progress;
use super::{RunArgs, Verbosity, EXIT_FAILURES, EXIT_INTERRUPTED, EXIT_OK};
use crate::analysis::Analysis;
use crate::claims::any_refuted;
use crate::driver::docker::DockerEngine;
use crate::driver::Engine;
use crate::measure::{self, Observer, Phase, RunContext};
use crate::report;
use crate::results::summarize::all_good;
use crate::results::{FailureKind, ResultsStore, Status, VariantResult};
use crate::runner::{self, End, EngineLoss, SuiteOutcome};
use crate::scenario::{load_suite, Suite};

/// The validated form of `RunArgs`.
#[derive(Debug)]
pub struct RunSettings {
    pub suites: Vec<Suite>,
    pub runs_override: Option<u32>,
    /// `--runs auto`, with the bounds the flags give (the suite's where they give none).
    pub sampling_override: Option<crate::scenario::AutoRuns>,
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
            let seconds = match &args.balance_from {
                Some(root) => crate::history::last_seconds_per_run(root, &suite.name)?,
                None => Default::default(),
            };
            let dealt = runner::shard::keep_shard(suite, shard, &seconds);
            let how = match &args.balance_from {
                Some(root) => format!(
                    "dealt by the last measured durations in {} ({} of {} known)",
                    root.display(),
                    dealt.timed,
                    dealt.of
                ),
                None => "by the hash of each name".to_string(),
            };
            verbosity.info(format_args!(
                "{}: shard {shard} measures {} ({how}; the reference {} in every shard)",
                suite.name,
                dealt.mine.join(", "),
                dealt.reference
            ));
        }
    }
    let (runs_override, sampling_override) = runs_settings(&args, &mut suites)?;
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
        runs_override,
        sampling_override,
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

/// `--runs`, `--max-runs` and `--budget`: a fixed number of runs, or sampling until decided
/// (the suite's bounds where the flags give none); `--max-runs` and `--budget` alone bound a
/// suite's own `runs = "auto"`.
fn runs_settings(
    args: &RunArgs,
    suites: &mut [Suite],
) -> anyhow::Result<(Option<u32>, Option<crate::scenario::AutoRuns>)> {
    use super::Runs;
    let bounds_given = args.max_runs.is_some() || args.budget.is_some();
    let bound = |auto: crate::scenario::AutoRuns| crate::scenario::AutoRuns {
        max_runs: args.max_runs.unwrap_or(auto.max_runs),
        budget: args.budget.or(auto.budget),
    };
    match args.runs {
        Some(Runs::Fixed(_)) if bounds_given => {
            bail!("--max-runs and --budget apply to --runs auto only; drop them or use --runs auto")
        }
        Some(Runs::Fixed(n)) => Ok((Some(n), None)),
        Some(Runs::Auto) => {
            let default = crate::scenario::AutoRuns {
                max_runs: crate::analysis::sequential::DEFAULT_MAX_RUNS as u32,
                budget: None,
            };
            // One set of bounds for every suite: the flags', else the defaults.
            Ok((None, Some(bound(default))))
        }
        None => {
            for suite in suites.iter_mut() {
                match suite.sampling.as_mut() {
                    Some(auto) => *auto = bound(*auto),
                    None if bounds_given => bail!(
                        "--max-runs and --budget apply to sampling until decided; suite {} runs \
                         a fixed number of runs: add --runs auto",
                        suite.name
                    ),
                    None => {}
                }
            }
            Ok((None, None))
        }
    }
}

impl RunSettings {
    fn runner_options(&self) -> runner::Options {
        runner::Options {
            runs_override: self.runs_override,
            sampling_override: self.sampling_override,
            order: self.order,
            resume: self.resume.is_some(),
            shard: self.shard,
        }
    }
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
    if engine.endpoint().shares_this_machine() {
        ctx.host_load = Some(Box::new(measure::host_load::ProcLoad));
    }
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
            SuiteExit::AllGood => {}
            SuiteExit::Failures => code = EXIT_FAILURES,
            SuiteExit::Interrupted => {
                eprintln!("interrupted: results so far are in {}", out_dir.display());
                return Ok(EXIT_INTERRUPTED);
            }
            SuiteExit::EngineLost(message) => {
                return Err(EngineLost(format!(
                    "{message}\n(what this run left on the engine: `dockbench clean` removes it)"
                ))
                .into());
            }
        }
    }
    Ok(code)
}

/// Measures one suite (the runner does), then says what happened and what it means for the
/// exit code.
async fn measure_suite<E: Engine>(
    engine: &E,
    ctx: &RunContext,
    suite: &Suite,
    settings: &RunSettings,
    out_dir: &Path,
    engine_info: &crate::driver::EngineInfo,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<SuiteExit> {
    for warning in measure::suite_warnings(suite) {
        eprintln!("warning: {warning}");
    }
    let display = Display {
        enabled: settings.progress,
        verbosity: settings.verbosity,
        progress: OnceCell::new(),
    };
    let options = settings.runner_options();
    let outcome = runner::run_suite(
        engine,
        ctx,
        suite,
        &options,
        out_dir,
        engine_info,
        stop,
        &display,
    )
    .await?;
    conclude(&engine.address(), suite, settings, &outcome)
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

/// What a suite's run means for the exit code.
#[derive(Debug, PartialEq)]
enum SuiteExit {
    AllGood,
    Failures,
    Interrupted,
    /// The engine stopped answering; what to tell the user.
    EngineLost(String),
}

/// Prints the suite's summary, writes its report and exports, and decides its exit.
fn conclude(
    address: &str,
    suite: &Suite,
    settings: &RunSettings,
    outcome: &SuiteOutcome,
) -> anyhow::Result<SuiteExit> {
    let (results, dir) = (&outcome.results, outcome.dir.as_path());
    // Every verdict of the run, judged once: the summary, the report, the exports and the exit
    // code read this.
    let analysis = Analysis::of(results);
    let width = report::terminal_width();
    let heading = report::heading(results, dir);
    crate::out!("{}", report::table::wrapped(&heading, "", width));
    if let Some(sampling) = report::sections::sampling_text(results) {
        crate::out!("{}", report::table::wrapped(&sampling, "", width));
    }
    let summary = report::painted_summary(results, &analysis, width, settings.paint);
    crate::outln!("{summary}");
    if settings.report {
        // The measurements are safe on disk already; a report that fails to render loses nothing.
        if let Err(e) = report::render_report(dir, results, &analysis) {
            eprintln!("warning: could not render the report: {e:#}");
        }
    }
    crate::outln!("results: {}", dir.display());
    settings
        .exports
        .write(results, &analysis, settings.suites.len() > 1)?;
    let refuted = suite.claims_exit && any_refuted(&analysis.claims);
    if refuted {
        eprintln!(
            "{}: a claim does not hold, which fails the run like a missed target \
             (--no-claims-exit or `claims_exit = false` in the suite to turn that off)",
            suite.name
        );
    }
    Ok(match &outcome.end {
        End::EngineLost(loss) => SuiteExit::EngineLost(lost_message(address, suite, outcome, loss)),
        End::Interrupted => SuiteExit::Interrupted,
        End::Completed if results.variants.iter().all(all_good) && !refuted => SuiteExit::AllGood,
        End::Completed => SuiteExit::Failures,
    })
}

/// Where the engine went, what is kept, and how to carry on.
fn lost_message(address: &str, suite: &Suite, outcome: &SuiteOutcome, loss: &EngineLoss) -> String {
    let variants = &outcome.results.variants;
    let complete = variants.iter().filter(|v| v.status == Status::Ok).count();
    let partial = variants.len() - complete;
    let unattempted = suite.variants.len() - variants.len();
    let dir = outcome.dir.display();
    format!(
        "the Docker engine at {address} stopped answering during {}'s {} (repetition {}): {}\n\
         kept in {dir}: {complete} variant(s) measured in full, {partial} in part; \
         {unattempted} not attempted\n\
         once the engine answers again, continue with: dockbench run {} --resume {dir}",
        loss.variant,
        loss.phase,
        loss.repetition,
        loss.cause,
        runner::display_path(&suite.path),
    )
}

/// The runner's events on the terminal: the plan, the progress bar, each variant's end.
struct Display {
    enabled: bool,
    verbosity: Verbosity,
    /// Made once the plan says how long the bar is.
    progress: OnceCell<Progress>,
}

impl Observer for Display {
    fn phase(&self, variant: &str, phase: &Phase, rep: u32, runs: u32) {
        if let Some(progress) = self.progress.get() {
            progress.phase(variant, phase, rep, runs);
        }
    }
}

impl runner::Listener for Display {
    fn planned(&self, plan: &runner::Plan) {
        self.verbosity.info(format_args!(
            "{}: measuring {} variant(s), {} run(s) each{}; results in {}",
            plan.suite,
            plan.variants,
            plan.runs,
            match plan.resumed_left {
                Some(left) => format!(", resumed: {left} repetition(s) left"),
                None => String::new(),
            },
            plan.dir.display()
        ));
        let progress = Progress::new(self.enabled, self.verbosity, plan.total_phases);
        // A second plan (never made) would keep the first bar.
        let _ = self.progress.set(progress);
    }

    fn looked(&self, look: &runner::Look) {
        let Some(progress) = self.progress.get() else {
            return;
        };
        progress.set_total(look.total_phases);
        let line = match &look.next {
            Some(next) => format!(
                "after {} run(s): another run of {} (undecided or disturbed; at most {} each)",
                look.runs,
                next.join(", "),
                look.max_runs
            ),
            None => format!("after {} run(s): every comparison decided", look.runs),
        };
        progress.info(&line);
    }

    fn recorded(&self, result: &VariantResult, finished: bool, done_phases: u64) {
        let Some(progress) = self.progress.get() else {
            return;
        };
        if finished {
            let name = &result.name;
            match result.failure() {
                None if result.status == Status::Ok => progress.info(&format!("{name}: done")),
                // Cut short: its note says how much is kept.
                None => {}
                // Not a failure of the variant's own: the engine went away.
                Some(f) if f.kind == FailureKind::EngineLost => {
                    progress.println(&format!("{name}: not measured: {}", f.message))
                }
                Some(f) => progress.println(&format!(
                    "{name}: FAILED: {}",
                    f.message.lines().next().unwrap_or("")
                )),
            }
            for note in &result.notes {
                progress.info(&format!("note: {name}: {note}"));
            }
            for line in crate::results::host::disturbance_lines(name, &result.disturbed) {
                progress.info(&format!("disturbed: {line}"));
            }
            if let Some(text) = crate::results::host::overhead_text(name, &result.overhead) {
                progress.info(&format!("harness: {text}"));
            }
        }
        progress.jump_to(done_phases);
    }

    fn finished(&self) {
        if let Some(progress) = self.progress.get() {
            progress.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::driver::fake::{FakeEngine, Script};

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
            sampling_override: None,
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

    /// The engine dies during the second variant's cold build: the message says where, what
    /// is kept and how to carry on (the runner's tests check what is kept).
    #[tokio::test(start_paused = true)]
    async fn a_lost_engine_says_where_what_is_kept_and_how_to_resume() {
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
        let SuiteExit::EngineLost(message) = outcome else {
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
    }

    /// Interleaved: the engine dies in repetition 1 of the second of three variants; the first
    /// is cut short between rounds, the second lost its phase, the third is not attempted.
    #[tokio::test(start_paused = true)]
    async fn after_a_lost_engine_the_message_counts_what_is_kept() {
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
        let SuiteExit::EngineLost(message) = outcome else {
            panic!("{outcome:?}")
        };
        assert!(
            message.contains("0 variant(s) measured in full, 2 in part; 1 not attempted"),
            "{message}"
        );
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
                SuiteExit::Failures
            } else {
                SuiteExit::AllGood
            };
            assert_eq!(outcome, expected, "claims_exit = {claims_exit}");
        }
    }
}
