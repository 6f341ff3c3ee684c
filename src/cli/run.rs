//! `dockbench run`: load every suite first (a bad one means nothing is measured), then measure
//! variant by variant, recording each into the results folder as soon as it is done.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chrono::{SecondsFormat, Utc};
use tokio::sync::watch;

use super::progress::Progress;
use super::{RunArgs, EXIT_FAILURES, EXIT_INTERRUPTED, EXIT_OK};
use crate::driver::docker::DockerEngine;
use crate::driver::Engine;
use crate::measure::{self, RunContext, VariantMeasurement};
use crate::report;
use crate::results::summarize::{all_good, variant_result};
use crate::results::{environment, ResultsStore, RunResults};
use crate::scenario::{load_suite, Suite, Variant};

/// The validated form of `RunArgs`.
#[derive(Debug)]
pub struct RunSettings {
    pub suites: Vec<Suite>,
    pub runs_override: Option<u32>,
    pub out: Option<PathBuf>,
    pub progress: bool,
    pub keep_images: bool,
    pub report: bool,
    pub exports: super::ExportArgs,
}

/// Loads the suites and applies the flags. Every error here means "nothing measured" (exit 2).
pub fn settings(args: RunArgs) -> anyhow::Result<RunSettings> {
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
    Ok(RunSettings {
        suites,
        runs_override: args.runs,
        out: args.out,
        progress: !args.no_progress,
        keep_images: args.keep_images,
        report: !args.no_report,
        exports: args.exports,
    })
}

pub async fn run(args: RunArgs) -> anyhow::Result<i32> {
    let settings = settings(args)?;
    let engine = DockerEngine::connect().await?;
    let engine_info = engine.info().await.context("ask the engine about itself")?;
    let ctx = RunContext::new();
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop_tx.send(true);
        }
    });

    let mut code = EXIT_OK;
    for suite in &settings.suites {
        let out_dir = out_dir(&settings, suite);
        let outcome = run_suite(
            &engine,
            &ctx,
            suite,
            &settings,
            &out_dir,
            &engine_info,
            stop_rx.clone(),
        )
        .await;
        // Cleanup runs whatever happened, Ctrl-C included: containers always, images unless kept.
        engine.remove_live_containers().await;
        if !settings.keep_images {
            engine.wait_for_abandoned_build().await;
            measure::remove_built_images(&engine, &ctx).await;
        }
        match outcome? {
            SuiteOutcome::AllGood => {}
            SuiteOutcome::Failures => code = EXIT_FAILURES,
            SuiteOutcome::Interrupted => {
                eprintln!("interrupted: results so far are in {}", out_dir.display());
                return Ok(EXIT_INTERRUPTED);
            }
        }
    }
    Ok(code)
}

fn out_dir(settings: &RunSettings, suite: &Suite) -> PathBuf {
    match &settings.out {
        Some(dir) if settings.suites.len() == 1 => dir.clone(),
        Some(dir) => dir.join(&suite.name),
        None => ResultsStore::default_dir(Path::new("results"), &suite.name, Utc::now()),
    }
}

enum SuiteOutcome {
    AllGood,
    Failures,
    Interrupted,
}

fn phases_per_run(suite: &Suite, variant: &Variant) -> u64 {
    2 + u64::from(variant.run.is_some()) + suite.edits.len() as u64
}

async fn run_suite(
    engine: &DockerEngine,
    ctx: &RunContext,
    suite: &Suite,
    settings: &RunSettings,
    out_dir: &Path,
    engine_info: &crate::driver::EngineInfo,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<SuiteOutcome> {
    let runs = settings.runs_override.unwrap_or(suite.runs);
    for warning in measure::suite_warnings(suite) {
        eprintln!("warning: {warning}");
    }
    let header = RunResults {
        suite: suite.name.clone(),
        suite_file: display_path(&suite.path),
        dockbench_version: env!("CARGO_PKG_VERSION").to_string(),
        runs,
        started_at: now_rfc3339(),
        finished_at: None,
        environment: environment::gather(Some(engine_info.clone())),
        variants: Vec::new(),
    };
    let mut store = ResultsStore::create(out_dir, header)?;
    eprintln!(
        "{}: measuring {} variant(s), {runs} run(s) each; results in {}",
        suite.name,
        suite.variants.len(),
        out_dir.display()
    );
    let total: u64 = suite
        .variants
        .iter()
        .map(|v| phases_per_run(suite, v) * u64::from(runs))
        .sum();
    let progress = Progress::new(settings.progress, total);
    let mut done_phases = 0;
    let mut interrupted = false;
    for variant in &suite.variants {
        let cell = RefCell::new(VariantMeasurement::default());
        tokio::select! {
            _ = measure::measure_variant(engine, ctx, suite, variant, runs, &progress, &cell) => {}
            _ = stop.wait_for(|stopped| *stopped) => interrupted = true,
        }
        let mut measured = cell.into_inner();
        if interrupted {
            measured.error = Some("interrupted (Ctrl-C) before this variant finished".into());
        }
        let result = variant_result(variant, &measured);
        let line = match &result.error {
            None => format!("{}: done", variant.name),
            Some(e) => format!(
                "{}: FAILED: {}",
                variant.name,
                e.lines().next().unwrap_or("")
            ),
        };
        progress.println(&line);
        for note in &result.notes {
            progress.println(&format!("note: {}: {note}", variant.name));
        }
        store.record_variant(result, &measured.samples)?;
        done_phases += phases_per_run(suite, variant) * u64::from(runs);
        progress.jump_to(done_phases);
        if interrupted {
            break;
        }
    }
    progress.finish();
    if !interrupted {
        store.finish(now_rfc3339())?;
    }
    println!("{}", report::summary_table(store.results()));
    if settings.report {
        // The measurements are safe on disk already; a report that fails to render loses nothing.
        if let Err(e) = report::render_report(store.dir(), store.results()) {
            eprintln!("warning: could not render the report: {e:#}");
        }
    }
    println!("results: {}", store.dir().display());
    settings
        .exports
        .write(store.results(), settings.suites.len() > 1)?;
    Ok(if interrupted {
        SuiteOutcome::Interrupted
    } else if store.results().variants.iter().all(all_good) {
        SuiteOutcome::AllGood
    } else {
        SuiteOutcome::Failures
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
