//! Where a run starts: a new results folder, or (`--resume`) the folder of an interrupted run,
//! whose complete repetitions are kept and not measured again.

use std::cell::{Cell, RefCell};
use std::path::Path;

use anyhow::bail;

use super::{display_path, now_rfc3339, Cut, Options, Variants};
use crate::driver::EngineInfo;
use crate::measure::{RunContext, VariantMeasurement};
use crate::results::{environment, ResultsStore, RunResults, Sample, VariantResult};
use crate::scenario::Suite;

/// How the note on a variant cut short begins: a resumed run drops it (`kept_measurement`),
/// since the variant then carries on.
const CUT_NOTE: &str = "interrupted ";

/// The note on a variant whose run stopped with rounds left: how much of it is kept.
pub(super) fn cut_note(cut: Cut, kept: usize, runs: u32) -> String {
    let why = match cut {
        Cut::CtrlC => "(Ctrl-C)",
        Cut::EngineLost => "when the Docker engine stopped answering",
    };
    format!("{CUT_NOTE}{why} before this variant finished: {kept} of {runs} runs kept")
}

/// The results folder to record into, and each variant's state: empty for a new run, what
/// was kept for a resumed one.
pub(super) fn open<'s>(
    engine_info: &EngineInfo,
    ctx: &RunContext,
    suite: &'s Suite,
    options: &Options,
    out_dir: &Path,
) -> anyhow::Result<(ResultsStore, Variants<'s>)> {
    let mut variants = Variants {
        suite,
        runs: options.runs_of(suite).0,
        cells: suite.variants.iter().map(|_| RefCell::default()).collect(),
        failures: vec![Cell::new(None); suite.variants.len()],
    };
    // A folder that cannot be written before anything was measured is bad input (exit 2), not
    // "measured, but not saved" (exit 4): drop the error's type, keep its words.
    let plain = |e: anyhow::Error| anyhow::anyhow!("{e:#}");
    if !options.resume {
        let header = header(engine_info, ctx, suite, options, variants.runs);
        return Ok((
            ResultsStore::create(out_dir, header).map_err(plain)?,
            variants,
        ));
    }
    let store = ResultsStore::reopen(out_dir, now_rfc3339()).map_err(plain)?;
    check_resumable(store.results(), suite, options.runs_override)?;
    let samples = ResultsStore::load_samples(out_dir).map_err(plain)?;
    for (variant, cell) in suite.variants.iter().zip(&variants.cells) {
        if let Some(kept) = store
            .results()
            .variants
            .iter()
            .find(|v| v.name == variant.name)
        {
            *cell.borrow_mut() = kept_measurement(kept, &samples);
        }
    }
    variants.runs = store.results().runs;
    Ok((store, variants))
}

/// What `results.json` says before anything is measured.
fn header(
    engine_info: &EngineInfo,
    ctx: &RunContext,
    suite: &Suite,
    options: &Options,
    runs: u32,
) -> RunResults {
    RunResults {
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
        // Recorded only when the suite sets one: older readers judge at 5% either way.
        margin: (suite.margin != crate::compare::CompareSettings::default().threshold)
            .then_some(suite.margin),
        claims: suite.claims.clone(),
        suite_files: crate::scenario::suite_files(suite),
        resumed_at: Vec::new(),
        merged_from: Vec::new(),
        shard: options.shard,
        shard_references: Vec::new(),
        sampling: options
            .runs_of(suite)
            .1
            .map(|auto| crate::results::Sampling {
                min_runs: runs,
                max_runs: auto.max_runs,
                budget_s: auto.budget.map(|b| b.as_secs_f64()),
                stopped: None,
                variants: Default::default(),
            }),
    }
}

/// Refuses (exit 2, with the reason) to resume a run into whose figures this suite's would
/// not fit: another suite, changed files, another number of repetitions, or a finished run.
pub(super) fn check_resumable(
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
fn kept_measurement(kept: &VariantResult, samples: &[Sample]) -> VariantMeasurement {
    VariantMeasurement {
        samples: samples
            .iter()
            .filter(|s| s.variant == kept.name && kept.completed_runs.contains(&s.run))
            .cloned()
            .collect(),
        layers: kept.layers.clone(),
        cold_build_steps: kept.cold_build_steps.clone(),
        error: None,
        // The note that it was cut short no longer holds once it carries on.
        notes: kept
            .notes
            .iter()
            .filter(|n| !n.starts_with(CUT_NOTE))
            .cloned()
            .collect(),
        completed_runs: kept.completed_runs.clone(),
        measured_s: kept.measured_s,
        overhead: kept
            .overhead
            .iter()
            .filter(|o| kept.completed_runs.contains(&o.run))
            .cloned()
            .collect(),
        anatomy: kept.anatomy.clone(),
        builder: Some(kept.builder.clone()),
    }
}
