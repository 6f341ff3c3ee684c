//! Running a suite: its variants × repetitions in the order `measure::schedule` deals them,
//! resumed where an earlier run stopped, each repetition recorded into the results folder as
//! soon as it ends. What happened comes back as data (`SuiteOutcome`); the CLI says it.

mod resume;
pub mod shard;
#[cfg(test)]
mod tests;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{SecondsFormat, Utc};
use tokio::sync::watch;

use crate::analysis::sequential;
use crate::driver::{Engine, EngineInfo};
use crate::measure::record::variant_result;
use crate::measure::{self, Observer, Phase, Repetition, RunContext, VariantMeasurement};
use crate::results::{
    FailureKind, ResultsStore, RunResults, Sampling, Status, Stop, VariantResult, VariantSampling,
};
use crate::scenario::{AutoRuns, Suite, Variant};

/// How to run a suite, beyond the suite itself.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--runs N`: repetitions per variant instead of the suite's (and not sampled until
    /// decided, whatever the suite says).
    pub runs_override: Option<u32>,
    /// `--runs auto` (with `--max-runs`, `--budget`): sample until decided, whatever the
    /// suite says.
    pub sampling_override: Option<AutoRuns>,
    pub order: measure::Order,
    /// Continue the interrupted run in the output folder (`--resume`) instead of starting one.
    pub resume: bool,
    /// `--shard K/N`, recorded in the results (the suite holds this shard's variants already).
    pub shard: Option<crate::scenario::shard::Shard>,
}

impl Options {
    /// The rounds every variant gets (for a run sampled until decided, the minimum before the
    /// first look), and the bounds of sampling until decided when the run does.
    pub fn runs_of(&self, suite: &Suite) -> (u32, Option<AutoRuns>) {
        match (self.runs_override, self.sampling_override) {
            (Some(runs), _) => (runs, None),
            (None, Some(auto)) => (sequential::MIN_RUNS as u32, Some(auto)),
            (None, None) => (suite.runs, suite.sampling),
        }
    }
}

/// What is about to be measured, for the display.
#[derive(Debug)]
pub struct Plan<'a> {
    pub suite: &'a str,
    pub variants: usize,
    pub runs: u32,
    /// For a resumed run: how many (variant, repetition) pairs are left.
    pub resumed_left: Option<usize>,
    pub dir: &'a Path,
    /// Phases over the whole plan (the progress bar's length).
    pub total_phases: u64,
}

/// Told what the runner does, as it does it: each phase as it starts (`Observer`), the plan,
/// and each variant's results as they are recorded.
pub trait Listener: Observer {
    fn planned(&self, plan: &Plan);
    /// A repetition of a variant ended and its results were written; `finished` when the
    /// variant has no more to run in this run. `done_phases` of the plan's total are done.
    fn recorded(&self, result: &VariantResult, finished: bool, done_phases: u64);
    /// A run sampled until decided judged its comparisons after a round.
    fn looked(&self, _look: &Look) {}
    /// Nothing more will be measured.
    fn finished(&self);
}

/// A look of a run sampled until decided: what it decided to measure next.
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    /// The rounds looked at: the most any variant has measured.
    pub runs: u32,
    pub max_runs: u32,
    /// The variants another round measures; `None` when sampling stops here.
    pub next: Option<Vec<String>>,
    /// The progress bar's new length.
    pub total_phases: u64,
}

/// How a suite's run ended.
#[derive(Debug)]
pub struct SuiteOutcome {
    pub dir: PathBuf,
    /// What the results folder holds now: every variant's status, failure and samples.
    pub results: RunResults,
    pub end: End,
}

#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// Every planned repetition ran (each variant is `ok` or `failed`).
    Completed,
    /// Ctrl-C: the variants with rounds left are `interrupted`, their finished rounds kept.
    Interrupted,
    /// The engine stopped answering; nothing more was attempted.
    EngineLost(EngineLoss),
}

/// Where the engine went away.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineLoss {
    pub variant: String,
    pub phase: String,
    pub repetition: u32,
    /// The ping's error: what happened, in the engine client's words.
    pub cause: String,
}

/// Runs `suite` into `out_dir`, then cleans up whatever happened, Ctrl-C included: containers
/// always, images unless `ctx.keep_images`.
#[allow(clippy::too_many_arguments)]
pub async fn run_suite<E: Engine, L: Listener>(
    engine: &E,
    ctx: &RunContext,
    suite: &Suite,
    options: &Options,
    out_dir: &Path,
    engine_info: &EngineInfo,
    stop: watch::Receiver<bool>,
    listener: &L,
) -> anyhow::Result<SuiteOutcome> {
    let outcome = rounds(
        engine,
        ctx,
        suite,
        options,
        out_dir,
        engine_info,
        stop,
        listener,
    )
    .await;
    if let Ok(SuiteOutcome {
        end: End::EngineLost(_),
        ..
    }) = outcome
    {
        // Nothing can be removed from an engine that does not answer; `dockbench clean`
        // removes it once the engine is back, since this run's lease ends with the process.
        return outcome;
    }
    engine.remove_live_resources().await;
    if !ctx.keep_images {
        engine.wait_for_abandoned_build().await;
        measure::remove_built_images(engine, ctx).await;
    }
    outcome
}

pub fn phases_per_run(suite: &Suite, variant: &Variant) -> u64 {
    2 + u64::from(variant.run.is_some()) + suite.edits.len() as u64
}

/// Where a variant is in a run.
enum Slot<'a, E> {
    Waiting,
    Running(measure::VariantRun<'a, E>),
    /// Every repetition measured, or failed.
    Finished,
}

/// Why the run stopped before its plan did.
#[derive(Clone, Copy, PartialEq)]
enum Cut {
    CtrlC,
    EngineLost,
}

/// The variants' state over a run: what each measured, and what failed.
struct Variants<'s> {
    suite: &'s Suite,
    runs: u32,
    cells: Vec<RefCell<VariantMeasurement>>,
    /// What failed, per variant; cells, since the variants' runs borrow `cells` meanwhile.
    failures: Vec<Cell<Option<FailureKind>>>,
}

impl Variants<'_> {
    /// The variant's results as recorded now: `ok` once its last round ended, `running` while
    /// rounds remain, `interrupted` when `cut` stopped it with rounds left, `failed` once it
    /// failed.
    fn result(&self, i: usize, finished: bool, cut: Option<Cut>) -> VariantResult {
        let measured = self.cells[i].borrow();
        let mut result = variant_result(&self.suite.variants[i], &measured);
        result.failure_kind = result.error.as_ref().and(self.failures[i].get());
        result.status = match (&result.error, cut) {
            (Some(_), _) => Status::Failed,
            (None, Some(cut)) => {
                let kept = measured.completed_runs.len();
                result.notes.push(resume::cut_note(cut, kept, self.runs));
                Status::Interrupted
            }
            (None, None) if finished => Status::Ok,
            (None, None) => Status::Running,
        };
        result
    }

    /// The repetitions variant `i` measured in full.
    fn rounds_of(&self, i: usize) -> u32 {
        self.cells[i].borrow().completed_runs.len() as u32
    }

    /// Seconds a repetition of variant `i` takes, as far as this run knows: its own mean, else
    /// the mean over every variant's, else nothing known (0).
    fn repetition_estimate_s(&self, i: usize) -> f64 {
        let mean = |cells: &[&RefCell<VariantMeasurement>]| {
            let (seconds, runs) = cells.iter().fold((0.0, 0), |(s, n), cell| {
                let m = cell.borrow();
                (s + m.measured_s, n + m.completed_runs.len())
            });
            (runs > 0).then(|| seconds / runs as f64)
        };
        let all: Vec<&RefCell<VariantMeasurement>> = self.cells.iter().collect();
        mean(&[&self.cells[i]])
            .or_else(|| mean(&all))
            .unwrap_or(0.0)
    }

    /// What is left to measure, in the order to measure it: every (variant, repetition) pair
    /// not measured in full yet.
    fn left_to_measure(&self, order: measure::Order) -> Vec<(usize, u32)> {
        measure::schedule(order, self.suite.variants.len(), self.runs)
            .into_iter()
            .filter(|(i, rep)| !self.cells[*i].borrow().completed_runs.contains(rep))
            .collect()
    }

    /// Variant `i` failed because the engine stopped answering during its `phase`.
    fn lost_engine(&self, i: usize, rep: u32, phase: String, cause: String) -> EngineLoss {
        self.cells[i].borrow_mut().error = Some(format!(
            "the Docker engine stopped answering during the {phase} of repetition {rep} \
             ({cause})"
        ));
        self.failures[i].set(Some(FailureKind::EngineLost));
        EngineLoss {
            variant: self.suite.variants[i].name.clone(),
            phase,
            repetition: rep,
            cause,
        }
    }

    /// Writes the variant's results so far into the results folder, and returns them.
    fn record(
        &self,
        store: &mut ResultsStore,
        i: usize,
        finished: bool,
        cut: Option<Cut>,
    ) -> anyhow::Result<VariantResult> {
        let result = self.result(i, finished, cut);
        store
            .record_variant(result.clone(), &self.cells[i].borrow().samples)
            .with_context(|| {
                format!(
                    "saving {}'s results; the run stops here (the files already in the folder \
                     are intact: each is replaced whole or not at all)",
                    result.name
                )
            })?;
        Ok(result)
    }
}

#[allow(clippy::too_many_arguments)]
async fn rounds<E: Engine, L: Listener>(
    engine: &E,
    ctx: &RunContext,
    suite: &Suite,
    options: &Options,
    out_dir: &Path,
    engine_info: &EngineInfo,
    mut stop: watch::Receiver<bool>,
    listener: &L,
) -> anyhow::Result<SuiteOutcome> {
    let (mut store, variants) = resume::open(engine_info, ctx, suite, options, out_dir)?;
    let runs = variants.runs;
    let auto = store.results().sampling.as_ref().map(|s| AutoRuns {
        max_runs: s.max_runs,
        budget: s.budget_s.map(std::time::Duration::from_secs_f64),
    });
    let mut plan: VecDeque<(usize, u32)> = variants.left_to_measure(options.order).into();
    // In a run of fixed rounds, a variant's last repetition finishes it; a run sampled until
    // decided finishes them all when it stops.
    let last_rep = |i: usize| {
        let fixed = auto.is_none().then_some(runs);
        fixed.filter(|_| plan.iter().any(|(v, _)| *v == i))
    };
    let last_reps: Vec<Option<u32>> = (0..suite.variants.len()).map(last_rep).collect();
    let phases_of = |list: &mut dyn Iterator<Item = &(usize, u32)>| -> u64 {
        list.map(|(i, _)| phases_per_run(suite, &suite.variants[*i]))
            .sum()
    };
    let mut total_phases = phases_of(&mut plan.iter());
    listener.planned(&Plan {
        suite: &suite.name,
        variants: suite.variants.len(),
        runs,
        resumed_left: options.resume.then_some(plan.len()),
        dir: store.dir(),
        total_phases,
    });
    let tracker = PhaseTracker {
        inner: listener,
        phase: RefCell::new(None),
    };
    let cells = &variants.cells;
    let started = tokio::time::Instant::now();
    let mut done_phases = 0;
    let mut cut = None;
    let mut lost: Option<EngineLoss> = None;
    let mut sampler = auto.map(|auto| Sampler::new(auto, runs));
    let mut slots: Vec<Slot<E>> = suite.variants.iter().map(|_| Slot::Waiting).collect();
    let mut first_turn = vec![true; suite.variants.len()];
    loop {
        let Some((i, rep)) = plan.pop_front() else {
            // The plan is done: a run sampled until decided looks, and plans another round
            // for the variants that still need one.
            let Some(sampler) = sampler.as_mut() else {
                break;
            };
            let looked_after = (0..suite.variants.len())
                .map(|i| variants.rounds_of(i))
                .max()
                .unwrap_or(0);
            let next = sampler.look(&variants, store.results(), options.order);
            total_phases += phases_of(&mut next.iter());
            let names = |list: &[(usize, u32)]| {
                list.iter()
                    .map(|(i, _)| suite.variants[*i].name.clone())
                    .collect()
            };
            listener.looked(&Look {
                runs: looked_after,
                max_runs: sampler.auto.max_runs,
                next: (!next.is_empty()).then(|| names(&next)),
                total_phases,
            });
            if next.is_empty() {
                break;
            }
            plan.extend(next);
            continue;
        };
        let variant = &suite.variants[i];
        if let Some(sampler) = sampler.as_mut() {
            // No repetition starts that the budget cannot hold (by what repetitions of this
            // variant took so far): the run stops on time, and every finished one is kept.
            let needed_s = variants.repetition_estimate_s(i);
            if sampler.out_of_budget(started.elapsed().as_secs_f64(), needed_s) {
                break;
            }
        }
        if matches!(slots[i], Slot::Waiting) {
            slots[i] = match measure::VariantRun::prepare(engine, ctx, suite, variant, &cells[i]) {
                Some(run) => Slot::Running(run),
                None => Slot::Finished,
            };
        }
        let turn_started = tokio::time::Instant::now();
        tracker.phase.replace(None);
        let outcome = match &slots[i] {
            Slot::Running(run) => tokio::select! {
                outcome = run.repetition(rep, runs, &tracker) => Some(outcome),
                _ = stop.wait_for(|stopped| *stopped) => None,
            },
            // Failed earlier (or its context could not be copied): recorded already, unless
            // this is its first turn.
            Slot::Finished if first_turn[i] => Some(Repetition::Failed),
            _ => continue,
        };
        let Some(outcome) = outcome else {
            cut = Some(Cut::CtrlC);
            break;
        };
        first_turn[i] = false;
        match outcome {
            Repetition::EngineLost { phase, cause } => {
                lost = Some(variants.lost_engine(i, rep, phase, cause));
                cut = Some(Cut::EngineLost);
                break;
            }
            Repetition::Failed => variants.failures[i].set(Some(tracker.failure_kind())),
            Repetition::Measured => {
                let mut cell = cells[i].borrow_mut();
                cell.completed_runs.push(rep);
                cell.measured_s += turn_started.elapsed().as_secs_f64();
            }
        }
        let finished = outcome != Repetition::Measured || Some(rep) == last_reps[i];
        if finished {
            slots[i] = Slot::Finished;
        }
        done_phases += phases_per_run(suite, variant);
        // Written after every repetition of every variant: nothing measured is lost.
        let result = variants.record(&mut store, i, finished, None)?;
        listener.recorded(&result, finished, done_phases);
    }
    // Every variant that had started and not finished keeps what it measured: cut short, it
    // says how much that is (the one whose phase the engine dropped has failed); in a run
    // sampled until decided that stopped, it is done.
    for (i, slot) in slots.iter().enumerate() {
        if let Slot::Running(_) = slot {
            let result = variants.record(&mut store, i, true, cut)?;
            listener.recorded(&result, true, done_phases);
        }
    }
    if let (Some(sampler), None) = (&sampler, cut) {
        store.set_sampling(sampler.outcome(&variants, store.results()))?;
    }
    listener.finished();
    if cut.is_none() {
        store.finish(now_rfc3339())?;
    }
    let end = match (cut, lost) {
        (_, Some(loss)) => End::EngineLost(loss),
        (Some(_), None) => End::Interrupted,
        (None, None) => End::Completed,
    };
    Ok(SuiteOutcome {
        dir: store.dir().to_path_buf(),
        results: store.results().clone(),
        end,
    })
}

/// The decisions of a run sampled until decided: after the minimum of rounds, after each
/// round, which variants need another (`sequential::needing_rounds`), within the cap and the
/// budget.
struct Sampler {
    auto: AutoRuns,
    /// Rounds planned so far (the minimum before the first look): whose turn it is to go
    /// first in the next.
    rounds: u32,
    /// The variants the last look found undecided (none before the first look).
    undecided: Option<BTreeSet<String>>,
    /// The budget stopped the run.
    out_of_budget: bool,
    /// Per variant, the rounds measured to replace disturbed repetitions.
    replacements: BTreeMap<String, usize>,
}

impl Sampler {
    fn new(auto: AutoRuns, min_runs: u32) -> Sampler {
        Sampler {
            auto,
            rounds: min_runs,
            undecided: None,
            out_of_budget: false,
            replacements: BTreeMap::new(),
        }
    }

    /// Whether a repetition of `needed_s` seconds, started `elapsed_s` into the run, would
    /// end past the budget; remembers that it stopped the run.
    fn out_of_budget(&mut self, elapsed_s: f64, needed_s: f64) -> bool {
        let over = self
            .auto
            .budget
            .is_some_and(|budget| elapsed_s + needed_s > budget.as_secs_f64());
        self.out_of_budget |= over;
        over
    }

    /// Judges the run so far (at each pair's look level: `results.sampling` is set) and plans
    /// the next round: every variant still undecided that is below the cap, rotated so that
    /// no variant always goes first. Empty when sampling stops.
    fn look(
        &mut self,
        variants: &Variants,
        results: &RunResults,
        order: measure::Order,
    ) -> Vec<(usize, u32)> {
        let undecided = sequential::needing_rounds(results);
        // A repetition a busy neighbour disturbed gets a replacement round (one per disturbed
        // repetition, within the cap), decided or not: the disturbed samples stay in the
        // figures, flagged, and weigh less beside it.
        let disturbed = |name: &str| {
            let result = results.variants.iter().find(|v| v.name == name);
            result.map_or(0, |v| crate::results::host::disturbed_runs(v).len())
        };
        let mut replacing = BTreeSet::new();
        for v in &variants.suite.variants {
            let done = self.replacements.get(&v.name).copied().unwrap_or(0);
            if disturbed(&v.name) > done {
                replacing.insert(v.name.clone());
            }
        }
        let mut next: Vec<(usize, u32)> = variants
            .suite
            .variants
            .iter()
            .enumerate()
            .filter(|(i, v)| {
                (undecided.contains(&v.name) || replacing.contains(&v.name))
                    && variants.failures[*i].get().is_none()
                    && variants.rounds_of(*i) < self.auto.max_runs
            })
            .map(|(i, _)| {
                (
                    i,
                    variants.cells[i]
                        .borrow()
                        .completed_runs
                        .iter()
                        .max()
                        .map_or(1, |r| r + 1),
                )
            })
            .collect();
        for (i, _) in &next {
            let name = &variants.suite.variants[*i].name;
            if replacing.contains(name) {
                *self.replacements.entry(name.clone()).or_default() += 1;
            }
        }
        self.undecided = Some(undecided);
        if order == measure::Order::Interleaved && !next.is_empty() {
            let turn = self.rounds as usize % next.len();
            next.rotate_left(turn);
        }
        if !next.is_empty() {
            self.rounds += 1;
        }
        next
    }

    /// Why sampling stopped, for the run and for each variant.
    fn outcome(&self, variants: &Variants, results: &RunResults) -> Sampling {
        let undecided = self.undecided.clone().unwrap_or_default();
        let why = |undecided_here: bool, rounds: u32| match () {
            _ if !undecided_here && self.undecided.is_some() => Stop::Decided,
            _ if rounds >= self.auto.max_runs => Stop::Cap,
            _ if self.out_of_budget => Stop::Budget,
            _ => Stop::Cap,
        };
        let per_variant: BTreeMap<String, VariantSampling> = variants
            .suite
            .variants
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let rounds = variants.rounds_of(i);
                let stopped = if variants.failures[i].get().is_some() {
                    Stop::Failed
                } else {
                    why(undecided.contains(&v.name), rounds)
                };
                (v.name.clone(), VariantSampling { rounds, stopped })
            })
            .collect();
        let stopped = if self.out_of_budget {
            Stop::Budget
        } else if per_variant.values().any(|v| v.stopped == Stop::Cap) {
            Stop::Cap
        } else {
            Stop::Decided
        };
        Sampling {
            stopped: Some(stopped),
            variants: per_variant,
            ..results
                .sampling
                .clone()
                .expect("a run sampled until decided records its bounds")
        }
    }
}

/// Passes each phase on, and remembers the last one: a repetition that fails failed in it.
struct PhaseTracker<'a, L> {
    inner: &'a L,
    phase: RefCell<Option<Phase>>,
}

impl<L: Observer> Observer for PhaseTracker<'_, L> {
    fn phase(&self, variant: &str, phase: &Phase, rep: u32, runs: u32) {
        self.phase.replace(Some(phase.clone()));
        self.inner.phase(variant, phase, rep, runs);
    }
}

impl<L> PhaseTracker<'_, L> {
    /// What a failed repetition's failure was, by the phase it failed in.
    fn failure_kind(&self) -> FailureKind {
        match &*self.phase.borrow() {
            Some(Phase::Run) => FailureKind::Run,
            Some(Phase::Cold | Phase::Warm | Phase::Edit(_)) => FailureKind::Build,
            // Before its first phase: the variant could not be prepared.
            None => FailureKind::Setup,
        }
    }
}

/// The suite file as reports show it: relative to the working directory when it is below it, so
/// that a committed report names `scenarios/x/suite.toml`, not one machine's absolute path.
pub fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .and_then(|cwd| cwd.canonicalize())
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    relative.as_deref().unwrap_or(path).display().to_string()
}

fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}
