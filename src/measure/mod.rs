//! Measurement: runs the phases of one variant (cold build, warm rebuild, run, one rebuild per
//! edit), repeated, and turns them into raw `Sample`s. Arithmetic on the samples lives elsewhere.

pub mod cli_walk;
pub mod container;
pub mod context;
pub mod error;
pub mod fresh;
pub mod host_load;

pub mod record;
pub mod stack;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::driver::{
    buildlog, run_labels, BuildOutput, BuildRequest, BuildStep, Engine, EngineKind, Layer,
    LABEL_RUN,
};
use crate::metric;
use crate::results::Sample;
use crate::scenario::compose::stack::{ComposeBuild, ServiceImage};
use crate::scenario::compose::StackSpec;
use crate::scenario::dockerfile::Dockerfile;
use crate::scenario::features;
use crate::scenario::{Builder, Change, ChangeKind, Suite, Variant};
use context::PrivateContext;
pub use error::MeasureError;

/// What one invocation of `dockbench run` shares across variants.
pub struct RunContext {
    /// Short unique id, in labels, tags and edit nonces.
    pub run_id: String,
    /// Every image this run built, in build order, so they can be removed at the end (or on
    /// Ctrl-C) without touching anything else.
    pub built_images: Mutex<Vec<String>>,
    /// The image of each stack service that is not measured, by compose file and service:
    /// resolved (or built, unmeasured) once per run.
    pub stack_images: Mutex<BTreeMap<(std::path::PathBuf, String), String>>,
    /// Whether each timed build starts at a dithered phase of the second (see
    /// `build_start_delay`); set from the engine's storage driver by `dithers_builds`.
    pub dither_builds: bool,
    /// `--keep-images`: the run's images carry `LABEL_KEEP`.
    pub keep_images: bool,
    /// The docker CLI context that chose the engine, for the results' environment.
    pub docker_context: Option<String>,
    /// Where to see what else used the CPU during timed phases: set for an engine on this
    /// machine only (`host_load`); `None` records nothing.
    pub host_load: Option<Box<dyn host_load::LoadSource>>,
    /// Timed builds started so far in this run: the index into the dither sequence.
    builds_started: std::sync::atomic::AtomicU64,
}

impl RunContext {
    pub fn new() -> RunContext {
        RunContext {
            run_id: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
            built_images: Mutex::new(Vec::new()),
            stack_images: Mutex::new(BTreeMap::new()),
            dither_builds: false,
            keep_images: false,
            docker_context: None,
            host_load: None,
            builds_started: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The wait before the next timed build: nothing, or the next value of the dither sequence.
    fn next_build_delay(&self) -> Duration {
        let k = self
            .builds_started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.dither_builds {
            build_start_delay(k)
        } else {
            Duration::ZERO
        }
    }
}

/// Images of a `--keep-images` run carry this label (value "1"): `clean` leaves them.
pub const LABEL_KEEP: &str = "dockbench.keep";

/// Whether builds on an engine with this storage driver should start at dithered phases.
///
/// On fuse-overlayfs (Docker 20.10, measured 2026-11-29) every layer commit completes only at
/// the next whole second of the wall clock: each step of a classic build, and a BuildKit
/// build's export, end within ~10 ms after a whole second. A build's time is then a whole
/// number of those ticks minus the phase of the second at which it started, and that phase is
/// set by whatever ran before it. Two identical Dockerfiles measured 0.91 s and 1.00 s in every
/// repetition here (and 1.82 s against 0.99 s in a CI run), a systematic difference that the
/// statistics would call real. Starting each build at a phase spread evenly over the second
/// turns that bias into visible spread, which the statistics then treat as the noise it is.
/// overlay2 has no such tick (the same steps end 30–300 ms apart at any phase), so builds
/// there start at once.
pub fn dithers_builds(storage_driver: &str) -> bool {
    storage_driver == "fuse-overlayfs"
}

/// The wait before timed build `k` of a run: the fractional part of k·φ seconds (φ the golden
/// ratio), a low-discrepancy sequence, so that even a few builds cover the second evenly and a
/// run is reproducible. Not timed: the clock starts after it. 0.5 s per build on average, in
/// whole milliseconds (tokio's timer resolution).
pub fn build_start_delay(k: u64) -> Duration {
    const GOLDEN_RATIO_FRACTION: f64 = 0.618_033_988_749_894_9;
    let phase = (k as f64 * GOLDEN_RATIO_FRACTION).fract();
    Duration::from_millis((phase * 1000.0).floor() as u64)
}

impl Default for RunContext {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Cold,
    Warm,
    Run,
    Edit(String),
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Phase::Cold => write!(f, "cold build"),
            Phase::Warm => write!(f, "warm rebuild"),
            Phase::Run => write!(f, "run"),
            Phase::Edit(name) => write!(f, "rebuild after edit `{name}`"),
        }
    }
}

/// Told about each phase as it starts (progress display).
pub trait Observer {
    fn phase(&self, variant: &str, phase: &Phase, rep: u32, runs: u32);
}

/// Everything measured for one variant so far. Filled as phases finish, so that whatever was
/// measured before a failure or Ctrl-C is still there.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct VariantMeasurement {
    pub samples: Vec<Sample>,
    pub layers: Vec<Layer>,
    pub cold_build_steps: Vec<BuildStep>,
    pub error: Option<String>,
    /// Things the reader of these figures should know (see `buildlog::reused_output_note`).
    pub notes: Vec<String>,
    /// The repetitions measured in full.
    pub completed_runs: Vec<u32>,
    /// Wall-clock seconds those repetitions took, untimed waits and clean-up included: what
    /// `run --balance-from` balances shards by.
    pub measured_s: f64,
    /// The image's anatomy, read once per run (it is deterministic).
    pub anatomy: Option<crate::anatomy::Anatomy>,
    /// The builder that built it, as results name it ("buildkit", "classic", "buildah"); set
    /// once the engine is known.
    pub builder: Option<String>,
    /// Per repetition measured in full, the time it spent outside its timed phases.
    pub overhead: Vec<crate::results::host::Overhead>,
}

/// The builder a variant builds with on an engine of this kind. A suite that names none gets
/// the engine's own default (BuildKit on Docker, Buildah on Podman); one that names BuildKit
/// on Podman, which has none, gets the reason it cannot.
pub fn builder_on(kind: EngineKind, variant: &Variant) -> Result<Builder, String> {
    match (variant.builder, kind.has_buildkit()) {
        (Builder::BuildKit, false) if variant.builder_given => Err(format!(
            "builder = \"buildkit\": {} builds with Buildah and has no BuildKit; set \
             builder = \"classic\" for variant `{}` (Buildah then builds it), or measure it \
             on a Docker engine",
            kind.name(),
            variant.name
        )),
        (Builder::BuildKit, false) => Ok(default_builder(kind)),
        (builder, _) => Ok(builder),
    }
}

/// The history's layers (newest first) with the unpacked sizes of the anatomy, for engines
/// whose history sizes are something else (disk blocks, tar streams). The layers that hold
/// something are the anatomy's, in order; `None` when their counts differ, so that no size is
/// given to the wrong step.
pub fn unpacked_layers(history: &[Layer], anatomy: &crate::anatomy::Anatomy) -> Option<Vec<Layer>> {
    let holding = history.iter().filter(|l| l.size_bytes > 0).count();
    if holding != anatomy.layers.len() {
        return None;
    }
    let mut sizes = anatomy.layers.iter().map(|l| l.size_bytes);
    let mut oldest_first: Vec<Layer> = history.iter().rev().cloned().collect();
    for layer in oldest_first.iter_mut().filter(|l| l.size_bytes > 0) {
        layer.size_bytes = sizes.next()?;
    }
    oldest_first.reverse();
    Some(oldest_first)
}

/// The engine's own builder: BuildKit where there is one, else the classic one (Buildah).
pub fn default_builder(kind: EngineKind) -> Builder {
    if kind.has_buildkit() {
        Builder::BuildKit
    } else {
        Builder::Classic
    }
}

/// How results name a builder on an engine of this kind.
pub fn builder_name(kind: EngineKind, builder: Builder) -> &'static str {
    match (kind, builder) {
        (EngineKind::Podman, Builder::Classic) => "buildah",
        (_, b) => b.as_str(),
    }
}

/// One variant measured a repetition at a time, so that a run can interleave variants:
/// repetition 1 of every variant, then repetition 2 of every variant, and so on.
pub struct VariantRun<'a, E> {
    m: Measurer<'a, E>,
}

impl<'a, E: Engine> VariantRun<'a, E> {
    /// Makes the variant's private copy of its context; `None` (with the error recorded in
    /// `out`) when that fails.
    pub fn prepare(
        engine: &'a E,
        ctx: &'a RunContext,
        suite: &'a Suite,
        variant: &'a Variant,
        out: &'a RefCell<VariantMeasurement>,
    ) -> Option<VariantRun<'a, E>> {
        let builder = match builder_on(engine.kind(), variant) {
            Ok(builder) => builder,
            Err(why) => {
                out.borrow_mut().error = Some(why);
                return None;
            }
        };
        out.borrow_mut().builder = Some(builder_name(engine.kind(), builder).to_string());
        match PrivateContext::copy_of(&variant.context_dir, &variant.dockerfile, builder) {
            Ok(private) => Some(VariantRun {
                m: Measurer {
                    engine,
                    ctx,
                    suite,
                    variant,
                    builder,
                    private,
                    out,
                    phase_started: std::cell::Cell::new(chrono::Utc::now()),
                    phase: RefCell::new(Phase::Cold),
                    spent: Default::default(),
                },
            }),
            Err(e) => {
                out.borrow_mut().error = Some(MeasureError::Context(e).to_string());
                None
            }
        }
    }

    /// Measures repetition `rep`. A phase that fails is a failure of the variant (recorded in
    /// its `error`) only while the engine still answers: when it does not, nothing about the
    /// variant is known, and the caller stops the run.
    pub async fn repetition(&self, rep: u32, runs: u32, observer: &dyn Observer) -> Repetition {
        match self.m.repetition(rep, runs, observer).await {
            Ok(()) => Repetition::Measured,
            Err(e) => match self.m.engine.ping().await {
                Ok(()) => {
                    self.m.out.borrow_mut().error = Some(e.to_string());
                    Repetition::Failed
                }
                // No reconnect: an engine that dropped a phase midway has lost that phase, and
                // one that restarts comes back with other caches and none of the run's
                // containers; carrying on would mix two engines' states in one run.
                // `--resume` continues explicitly, once the engine answers again.
                // The phase's own error (a build stream cut off midway) reads like a failure of
                // the Dockerfile; the ping's says what happened.
                Err(ping) => Repetition::EngineLost {
                    phase: self.m.phase.borrow().to_string(),
                    cause: ping.root_cause().to_string(),
                },
            },
        }
    }
}

/// How one repetition of one variant went.
#[derive(Debug, Clone, PartialEq)]
pub enum Repetition {
    Measured,
    /// A phase failed on an engine that still answers (recorded in the variant's `error`).
    Failed,
    /// A phase failed and the engine no longer answers.
    EngineLost {
        phase: String,
        cause: String,
    },
}

/// In which order the repetitions of a suite's variants run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Order {
    /// Repetition 1 of every variant, then repetition 2 of every variant, ...; each repetition
    /// starts one variant later than the one before, so that no variant always runs first.
    /// Drift of the machine over the run then spreads over every variant instead of being booked
    /// as a difference between the variants measured early and late.
    Interleaved,
    /// Every repetition of the first variant, then of the second, ...
    Sequential,
}

/// The (variant index, repetition) pairs of a run, in the order they are measured.
pub fn schedule(order: Order, variants: usize, runs: u32) -> Vec<(usize, u32)> {
    match order {
        Order::Sequential => (0..variants)
            .flat_map(|v| (1..=runs).map(move |rep| (v, rep)))
            .collect(),
        Order::Interleaved => (1..=runs)
            .flat_map(|rep| {
                (0..variants).map(move |k| ((k + (rep as usize - 1)) % variants.max(1), rep))
            })
            .collect(),
    }
}

struct Measurer<'a, E> {
    engine: &'a E,
    ctx: &'a RunContext,
    suite: &'a Suite,
    variant: &'a Variant,
    /// What builds it on this engine (`builder_on`).
    builder: Builder,
    private: PrivateContext,
    out: &'a RefCell<VariantMeasurement>,
    /// When the current phase started.
    phase_started: std::cell::Cell<chrono::DateTime<chrono::Utc>>,
    /// The current phase, for the message when the engine is lost during it.
    phase: RefCell<Phase>,
    /// Where the current repetition's wall time went so far.
    spent: std::cell::Cell<Spent>,
}

/// Where a repetition's wall time went, in seconds: its timed phases, its deliberate waits
/// (dither, settle), and the image anatomy; the rest is the harness's own work. (Seconds as
/// f64, not `Duration`s: a `VariantRun` is held in the runner's slots, kept small.)
#[derive(Debug, Clone, Copy, Default)]
struct Spent {
    timed_s: f64,
    waits_s: f64,
    anatomy_s: f64,
}

/// A timed phase's duration and what others used the CPU for meanwhile.
#[derive(Debug, Clone, Copy)]
struct Timed {
    s: f64,
    others: Option<host_load::Disturbance>,
}

impl<E: Engine> Measurer<'_, E> {
    fn record(&self, metric: &str, rep: u32, value: f64) {
        self.record_timed(metric, rep, value, None);
    }

    /// A sample of a timed phase, with what others used the CPU for while it was timed.
    fn record_timed(
        &self,
        metric: &str,
        rep: u32,
        value: f64,
        others: Option<host_load::Disturbance>,
    ) {
        self.out.borrow_mut().samples.push(Sample {
            variant: self.variant.name.clone(),
            metric: metric.to_string(),
            run: rep,
            value,
            started_at: Some(self.phase_started.get()),
            others_cpu_share: others.map(|o| o.other_share),
            load_1m: others.and_then(|o| o.load_1m),
        });
    }

    /// Adds to where the repetition's time went.
    fn spend(&self, f: impl FnOnce(&mut Spent)) {
        let mut spent = self.spent.get();
        f(&mut spent);
        self.spent.set(spent);
    }

    /// A window on what others do during a timed phase (nothing for a remote engine).
    fn window(&self) -> host_load::Window<'_> {
        host_load::Window::new(self.ctx.host_load.as_deref())
    }

    /// Marks the start of a phase: the samples it records carry this time.
    fn begin(&self, observer: &dyn Observer, phase: &Phase, rep: u32, runs: u32) {
        self.phase_started.set(chrono::Utc::now());
        *self.phase.borrow_mut() = phase.clone();
        observer.phase(&self.variant.name, phase, rep, runs);
    }

    fn labels(&self) -> BTreeMap<String, String> {
        let mut labels = run_labels(
            &self.ctx.run_id,
            &[
                ("dockbench.suite", &self.suite.name),
                ("dockbench.variant", &self.variant.name),
                // Images inherit their base's labels, and dockbench's own base images carry
                // `dockbench.role=base`: a measured image must not pass for one.
                ("dockbench.role", "measured"),
            ],
        );
        if self.ctx.keep_images {
            // Kept on purpose: `dockbench clean` leaves these images to the user.
            labels.insert(LABEL_KEEP.to_string(), "1".to_string());
        }
        labels
    }

    /// Measures repetition `rep`, and where its wall time went outside the timed phases.
    async fn repetition(
        &self,
        rep: u32,
        runs: u32,
        observer: &dyn Observer,
    ) -> Result<(), MeasureError> {
        self.spent.set(Spent::default());
        let started = Instant::now();
        self.phases(rep, runs, observer).await?;
        let spent = self.spent.get();
        let own_work_s = started.elapsed().as_secs_f64() - spent.timed_s - spent.waits_s;
        self.out
            .borrow_mut()
            .overhead
            .push(crate::results::host::Overhead {
                run: rep,
                own_work_s: own_work_s.max(0.0),
                waits_s: spent.waits_s,
                anatomy_s: spent.anatomy_s,
            });
        Ok(())
    }

    async fn phases(
        &self,
        rep: u32,
        runs: u32,
        observer: &dyn Observer,
    ) -> Result<(), MeasureError> {
        self.begin(observer, &Phase::Cold, rep, runs);
        let pristine = self.private.tar().map_err(MeasureError::Context)?;
        let (cold_s, cold) = self.build(pristine.clone(), true).await?;
        self.record_timed(metric::COLD_BUILD_S, rep, cold_s.s, cold_s.others);
        let facts = self
            .engine
            .image_facts(&cold.image_id)
            .await
            .map_err(MeasureError::Engine)?;
        // Where the engine's figures are not the unpacked size, each repetition's image is read
        // to size it (the anatomy of one repetition cannot stand for another's image).
        let first = self.out.borrow().anatomy.is_none();
        let anatomy = if first || !facts.size_is_unpacked {
            let reading = Instant::now();
            let anatomy = self.anatomy(&cold.image_id).await?;
            self.spend(|s| s.anatomy_s += reading.elapsed().as_secs_f64());
            Some(anatomy)
        } else {
            None
        };
        let mut layers = facts.layers;
        let size_bytes = match &anatomy {
            Some(anatomy) if !facts.size_is_unpacked => {
                layers = unpacked_layers(&layers, anatomy).unwrap_or(layers);
                anatomy.size_bytes
            }
            _ => facts.size_bytes,
        };
        self.record(metric::IMAGE_SIZE_BYTES, rep, size_bytes as f64);
        if let Some(anatomy) = anatomy.filter(|_| first) {
            self.record(metric::IMAGE_WASTED_BYTES, rep, anatomy.wasted_bytes as f64);
            let compressed = anatomy.compressed_bytes as f64;
            self.record(metric::IMAGE_COMPRESSED_BYTES, rep, compressed);
            self.record(metric::IMAGE_EFFICIENCY, rep, anatomy.efficiency);
            self.record(metric::IMAGE_FILES, rep, anatomy.files as f64);
            self.out.borrow_mut().anatomy = Some(anatomy);
        }
        {
            let mut out = self.out.borrow_mut();
            out.layers = layers;
            if rep == 1 {
                out.cold_build_steps = cold.steps.clone();
            }
        }

        self.begin(observer, &Phase::Warm, rep, runs);
        let (warm_s, warm) = self.build(pristine, false).await?;
        self.record_timed(metric::WARM_BUILD_S, rep, warm_s.s, warm_s.others);
        if let Some(rate) = buildlog::cache_hit_rate(&warm.steps) {
            self.record(metric::CACHE_HIT_RATE, rep, rate);
        }

        match &self.variant.run {
            Some(run) if run.stack.is_some() => {
                let stack = run.stack.as_ref().expect("checked");
                self.begin(observer, &Phase::Run, rep, runs);
                if rep == 1 {
                    self.out
                        .borrow_mut()
                        .notes
                        .extend(stack.notes.iter().cloned());
                }
                let images = self.stack_images(stack).await?;
                let prefix = resource_name(&format!(
                    "dockbench-{}-{}-{rep}",
                    self.ctx.run_id, self.variant.name
                ));
                let window = self.window();
                let o = stack::run_stack_once(
                    self.engine,
                    stack,
                    &images,
                    &warm.image_id,
                    run,
                    &self.labels(),
                    &prefix,
                    &window,
                )
                .await?;
                self.record_run(rep, &o.measured, &window);
                self.record_stack(rep, &o, &window);
            }
            Some(run) => {
                self.begin(observer, &Phase::Run, rep, runs);
                let window = self.window();
                let labels = self.labels();
                let o =
                    container::run_once(self.engine, &warm.image_id, run, &labels, &window).await?;
                self.record_run(rep, &o, &window);
            }
            None => {}
        }

        for edit in &self.suite.edits {
            if rep > 1 && !edit.changes.iter().any(context::can_add_nonce) {
                // Its tree is the same as in repetition 1, whose layers are cached: a rebuild
                // now would measure the cache, not a rebuild after the edit.
                if rep == 2 {
                    self.out.borrow_mut().notes.push(format!(
                        "edit `{}` was measured in repetition 1 only: none of its changes can \
                         carry a nonce, so every later repetition would rebuild the same files \
                         and be served from the first one's cache",
                        edit.name
                    ));
                }
                continue;
            }
            self.begin(observer, &Phase::Edit(edit.name.clone()), rep, runs);
            // Unique per variant too: variants often share stages, and one variant's edited
            // build must not serve the next variant's from BuildKit's content-keyed cache.
            let nonce = format!("{}-{}-{rep}", self.ctx.run_id, self.variant.name);
            let tar = {
                let _guard = self
                    .private
                    .apply(edit, &nonce)
                    .map_err(MeasureError::Context)?;
                self.private.tar().map_err(MeasureError::Context)?
            };
            let cache_before = self.cache_before_edit().await?;
            let (s, built) = self
                .build(tar, false)
                .await
                .map_err(|e| MeasureError::Edit {
                    edit: edit.name.clone(),
                    source: Box::new(e),
                })?;
            let name = metric::per_edit(metric::REBUILD_S, &edit.name);
            self.record_timed(&name, rep, s.s, s.others);
            if let Some(note) = buildlog::reused_output_note(&edit.name, rep, &built.steps) {
                self.out.borrow_mut().notes.push(note);
            }
            if let Some(rate) = buildlog::cache_hit_rate(&built.steps) {
                self.record(
                    &metric::per_edit(metric::CACHE_HIT_RATE, &edit.name),
                    rep,
                    rate,
                );
            }
            // The next edit, and the next repetition, start from the warm build's cache again.
            let before = cache_before.as_deref();
            self.forget_edit(&edit.name, rep, before, &built, &warm.image_id)
                .await?;
        }
        Ok(())
    }

    fn record_run(&self, rep: u32, o: &container::RunOutcome, window: &host_load::Window) {
        self.spend(|s| {
            s.timed_s += o.timed_s;
            s.waits_s += o.settle_s;
        });
        let others = window.seen();
        if let Some(s) = o.startup_s {
            self.record_timed(metric::STARTUP_S, rep, s, others);
        }
        if let Some(s) = o.healthy_s {
            self.record_timed(metric::HEALTHY_S, rep, s, others);
        }
        self.record(metric::MEMORY_IDLE_BYTES, rep, o.memory_idle_bytes as f64);
        self.record(metric::MEMORY_PEAK_BYTES, rep, o.memory_peak_bytes as f64);
    }

    fn record_stack(&self, rep: u32, o: &stack::StackOutcome, window: &host_load::Window) {
        let others = window.seen();
        if let Some(s) = o.stack_startup_s {
            self.record_timed(metric::STACK_STARTUP_S, rep, s, others);
        }
        if let Some(s) = o.deps_ready_s {
            self.record_timed(metric::DEPS_READY_S, rep, s, others);
        }
        let idle = o.stack_memory_idle_bytes as f64;
        self.record(metric::STACK_MEMORY_IDLE_BYTES, rep, idle);
        let peak = o.stack_memory_peak_bytes as f64;
        self.record(metric::STACK_MEMORY_PEAK_BYTES, rep, peak);
        for (service, bytes) in &o.services_memory_idle_bytes {
            let name = metric::per_service(metric::MEMORY_IDLE_BYTES, service);
            self.record(&name, rep, *bytes as f64);
        }
    }

    /// The image of every service but the measured one: as named (it must be on the engine:
    /// dockbench never pulls), or built from its own `build`, once per run and unmeasured.
    async fn stack_images(
        &self,
        stack: &StackSpec,
    ) -> Result<BTreeMap<String, String>, MeasureError> {
        let mut images = BTreeMap::new();
        for service in stack.dependencies() {
            let key = (stack.file.clone(), service.name.clone());
            let known = self.ctx.stack_images.lock().unwrap().get(&key).cloned();
            let image = match (known, &service.image) {
                (Some(image), _) => image,
                (None, Some(ServiceImage::Image(image))) => {
                    let exists = self
                        .engine
                        .image_exists(image)
                        .await
                        .map_err(MeasureError::Engine)?;
                    if !exists {
                        return Err(MeasureError::Engine(anyhow::anyhow!(
                            "service `{}`: image `{image}` is not on the engine, and dockbench \
                             does not pull: pull, load or build it first (`scripts/setup.sh` \
                             makes the images of the bundled suites)",
                            service.name
                        )));
                    }
                    image.clone()
                }
                (None, Some(ServiceImage::Build(build))) => {
                    self.build_service(&service.name, build).await?
                }
                (None, None) => unreachable!("the compose check requires image or build"),
            };
            self.ctx
                .stack_images
                .lock()
                .unwrap()
                .insert(key, image.clone());
            images.insert(service.name.clone(), image);
        }
        Ok(images)
    }

    async fn build_service(
        &self,
        service: &str,
        build: &ComposeBuild,
    ) -> Result<String, MeasureError> {
        let dockerfile = build.dockerfile.as_deref().unwrap_or("Dockerfile");
        // As the compose tool builds: with the engine's own builder.
        let builder = default_builder(self.engine.kind());
        let private =
            PrivateContext::copy_of(&build.context, std::path::Path::new(dockerfile), builder)
                .map_err(MeasureError::Context)?;
        let req = BuildRequest {
            context_tar: private.tar().map_err(MeasureError::Context)?,
            dockerfile: private.dockerfile().to_string(),
            builder,
            target: build.target.clone(),
            platform: None,
            build_args: build.args.clone(),
            nocache: false,
            tag: image_tag(&self.suite.name, service, &self.ctx.run_id),
            labels: self.labels(),
        };
        match self.engine.build(req).await {
            Ok(output) => {
                let mut built = self.ctx.built_images.lock().unwrap();
                built.extend(output.created_images.iter().cloned());
                built.push(output.image_id.clone());
                Ok(output.image_id)
            }
            Err(failure) => {
                let mut built = self.ctx.built_images.lock().unwrap();
                built.extend(failure.created_images);
                Err(MeasureError::Build(format!(
                    "building stack service `{service}`: {}",
                    failure.message
                )))
            }
        }
    }

    /// Reads the image's layers as `docker save` streams them (untimed; once per run).
    async fn anatomy(&self, image: &str) -> Result<crate::anatomy::Anatomy, MeasureError> {
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let reader = tokio::task::spawn_blocking(move || {
            crate::anatomy::analyse(crate::anatomy::ChunkReader::new(rx))
        });
        let exported = self.engine.export_image(image, tx).await;
        let analysed = reader.await.map_err(|e| anyhow::anyhow!(e));
        match (exported, analysed) {
            (Err(e), _) => Err(MeasureError::Engine(e)),
            (Ok(()), Err(e)) | (Ok(()), Ok(Err(e))) => Err(MeasureError::Engine(
                e.context("reading the image's layers (docker save)"),
            )),
            (Ok(()), Ok(Ok(anatomy))) => Ok(anatomy),
        }
    }

    /// One timed build. The clock covers sending the context and the whole build stream, as a
    /// user of `docker build` would experience it; making the tar happens before.
    async fn build(
        &self,
        context_tar: Vec<u8>,
        nocache: bool,
    ) -> Result<(Timed, BuildOutput), MeasureError> {
        let req = BuildRequest {
            context_tar,
            dockerfile: self.private.dockerfile().to_string(),
            builder: self.builder,
            target: self.variant.target.clone(),
            platform: self.variant.platform.clone(),
            build_args: self.variant.build_args.clone(),
            nocache,
            tag: image_tag(&self.suite.name, &self.variant.name, &self.ctx.run_id),
            labels: self.labels(),
        };
        let dither = self.ctx.next_build_delay();
        let waiting = Instant::now();
        tokio::time::sleep(dither).await;
        self.spend(|s| s.waits_s += waiting.elapsed().as_secs_f64());
        let window = self.window();
        window.open();
        // The sample's start time is the build's, not the dither's.
        self.phase_started.set(chrono::Utc::now());
        let started = Instant::now();
        let built = self.engine.build(req).await;
        let elapsed = started.elapsed();
        window.close();
        self.spend(|s| s.timed_s += elapsed.as_secs_f64());
        let output = match built {
            Ok(output) => output,
            Err(failure) => {
                // Removed at the end of the run with the rest.
                let mut built = self.ctx.built_images.lock().unwrap();
                built.extend(failure.created_images);
                drop(built);
                return Err(MeasureError::Build(self.explained(failure.message)));
            }
        };
        {
            let mut built = self.ctx.built_images.lock().unwrap();
            built.extend(output.created_images.iter().cloned());
            built.push(output.image_id.clone());
        }
        let timed = Timed {
            s: elapsed.as_secs_f64(),
            others: window.seen(),
        };
        Ok((timed, output))
    }
}

impl<E: Engine> Measurer<'_, E> {
    /// A build failure on Dockerfile syntax that its reader does not read (a heredoc on
    /// Docker 20.10, `COPY --link` for the classic builder, an unreachable `# syntax=` image)
    /// leads with that, in plain words; the builder's own words follow.
    fn explained(&self, builder_message: String) -> String {
        let Ok(text) = std::fs::read_to_string(self.variant.dockerfile_path()) else {
            return builder_message;
        };
        let reader = match (self.builder, self.engine.kind()) {
            (Builder::BuildKit, _) => features::Reader::BuildKit,
            (Builder::Classic, EngineKind::Podman) => features::Reader::Buildah,
            (Builder::Classic, EngineKind::Docker) => features::Reader::Classic,
        };
        match features::explain(&features::features(&text), reader, &builder_message) {
            Some(why) => format!("{why}\n--- the builder said ---\n{builder_message}"),
            None => builder_message,
        }
    }
}

/// `dockbench/<suite>-<variant>:<run id>`, squeezed into Docker's reference grammar.
pub fn image_tag(suite: &str, variant: &str, run_id: &str) -> String {
    let repo: String = format!("{suite}-{variant}")
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let repo = repo.trim_matches('-');
    format!("dockbench/{repo}:{run_id}")
}

/// A network or volume name from free text: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, as the engine wants.
fn resource_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Removes the images this run built, newest first so that children go before the parents they
/// share layers with. An image already gone (removed with its child) is skipped; one that cannot
/// be removed is reported: it is labelled, or a dangling stage image of ours, and easy to find.
/// Images that carry this run's label but were never recorded (a build that Ctrl-C cut off after
/// the engine had written its image) go too.
pub async fn remove_built_images<E: Engine>(engine: &E, ctx: &RunContext) {
    let mut images: Vec<String> = std::mem::take(&mut *ctx.built_images.lock().unwrap());
    match engine
        .images_labelled(&format!("{LABEL_RUN}={}", ctx.run_id))
        .await
    {
        // `images` is removed from the back: the unrecorded ones are the newest.
        Ok(labelled) => images.extend(labelled.into_iter().rev()),
        Err(e) => eprintln!("warning: {e:#}"),
    }
    let mut seen = std::collections::HashSet::new();
    let mut left = Vec::new();
    for image in images.into_iter().rev() {
        if !seen.insert(image.clone()) {
            continue;
        }
        match engine.image_exists(&image).await {
            Ok(true) => {
                if engine.remove_image(&image).await.is_err() {
                    left.push(image);
                }
            }
            Ok(false) => {}
            Err(e) => eprintln!("warning: {e:#}"),
        }
    }
    if !left.is_empty() {
        eprintln!(
            "warning: could not remove {} image(s) this run built: {}",
            left.len(),
            left.join(", ")
        );
    }
}

/// Things worth telling the user before measuring that do not make the suite invalid.
pub fn suite_warnings(suite: &Suite) -> Vec<String> {
    let mut warnings = Vec::new();
    for edit in &suite.edits {
        for change in edit.changes.iter().filter(|c| !context::can_add_nonce(c)) {
            warnings.push(nonce_advice(&edit.name, change, edit.changes.len() > 1));
        }
    }
    for variant in &suite.variants {
        warnings.extend(dockerfile_warnings(variant));
        let stack = variant.run.as_ref().and_then(|r| r.stack.as_ref());
        for note in stack.map(|s| s.notes.as_slice()).unwrap_or_default() {
            warnings.push(format!("variant `{}`: {note}", variant.name));
        }
    }
    warnings
}

/// Why a change without a nonce gets served from the cache, and what to do about it.
fn nonce_advice(edit: &str, change: &Change, several: bool) -> String {
    let file = change.file.display();
    let why = "so a repeated rebuild produces the same files as an earlier one and is served \
               from that build's cache (its hit rate and time are then not those of a first \
               rebuild); an edit none of whose changes carries a nonce is measured in \
               repetition 1 only";
    let fix = match &change.kind {
        ChangeKind::Delete if several => {
            "the edit's other changes carry the nonce, which keeps the edit as a whole new only \
             if the Dockerfile copies those files in the same step"
                .to_string()
        }
        ChangeKind::Delete => "add an [[edit.change]] that puts `{nonce}` in a file the same \
                               COPY step copies"
            .to_string(),
        kind => {
            let key = match kind {
                ChangeKind::Replace { .. } => "replace.to",
                ChangeKind::Write(_) => "write",
                _ => "append",
            };
            format!(
                "put `{{nonce}}` in `{key}` where the format allows any text: in JSON or a lock \
                 file, inside a string value such as a version (\"1.2.3-{{nonce}}\") or a \
                 description"
            )
        }
    };
    let what = match change.kind {
        ChangeKind::Delete => "a delete cannot carry a nonce".to_string(),
        _ => format!(
            "dockbench does not know the comment syntax of {file}, so it cannot add a nonce itself"
        ),
    };
    format!("edit `{edit}` ({file}): {what}, {why}; {fix}")
}

/// What the Dockerfile shows that will not measure as the user expects.
fn dockerfile_warnings(variant: &Variant) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(variant.dockerfile_path()) else {
        return Vec::new();
    };
    let file = Dockerfile::parse(&text);
    let mut warnings = Vec::new();
    let unused = file.unused_build_args(variant.build_args.keys());
    if !unused.is_empty() {
        warnings.push(format!(
            "variant `{}`: build arg(s) [{}] are not declared by any ARG in {}, so the build \
             will not consume them (the docker CLI warns the same)",
            variant.name,
            unused.join(", "),
            variant.dockerfile.display()
        ));
    }
    let stage = match &variant.target {
        Some(t) => file.stage_index(t),
        None => file.stages.len().checked_sub(1),
    };
    let no_readiness = variant
        .run
        .as_ref()
        .is_some_and(|r| r.http_probe.is_none() && r.ready_log.is_none());
    if no_readiness && stage.is_some_and(|i| !file.has_healthcheck(i)) {
        warnings.push(format!(
            "variant `{}`: [run] has no http_probe or ready_log, and {} has no HEALTHCHECK \
             (one inherited from the base image would still count), so nothing can be timed \
             to ready; add `ready_log = \"<regex of the line the app prints when ready>\"`, or \
             `port` and `http_probe = \"/health\"`",
            variant.name,
            variant.dockerfile.display()
        ));
    }
    warnings
}

#[cfg(test)]
mod harness_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaved_repetitions_rotate_and_sequential_ones_do_not() {
        assert_eq!(
            schedule(Order::Interleaved, 3, 3),
            [
                (0, 1),
                (1, 1),
                (2, 1),
                (1, 2),
                (2, 2),
                (0, 2),
                (2, 3),
                (0, 3),
                (1, 3)
            ]
        );
        assert_eq!(
            schedule(Order::Sequential, 2, 2),
            [(0, 1), (0, 2), (1, 1), (1, 2)]
        );
        assert_eq!(schedule(Order::Interleaved, 1, 2), [(0, 1), (0, 2)]);
        assert!(schedule(Order::Interleaved, 0, 3).is_empty());
    }

    #[test]
    fn build_starts_are_dithered_on_fuse_overlayfs_only() {
        assert!(dithers_builds("fuse-overlayfs"));
        assert!(!dithers_builds("overlay2"));
        assert_eq!(build_start_delay(0), Duration::ZERO);
        assert_eq!(build_start_delay(1).as_millis(), 618);
        assert_eq!(build_start_delay(2).as_millis(), 236);
        // Any 10 consecutive waits cover the second with no gap wider than 1/5 s.
        let mut phases: Vec<f64> = (5..15)
            .map(|k| build_start_delay(k).as_secs_f64())
            .collect();
        phases.sort_by(f64::total_cmp);
        phases.push(phases[0] + 1.0);
        let widest = phases.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
        assert!(widest < 0.2, "{phases:?}");
        let ctx = RunContext::new();
        assert_eq!(
            ctx.next_build_delay(),
            Duration::ZERO,
            "undithered by default"
        );
    }

    #[test]
    fn tags_are_valid_references() {
        assert_eq!(
            image_tag("Python_API", "cache-mounts", "abc"),
            "dockbench/python-api-cache-mounts:abc"
        );
        assert_eq!(image_tag("s", "_x_", "r"), "dockbench/s--x:r");
    }

    /// Podman's history counts tar streams (50 MiB + 2048 bytes of headers), the containerd
    /// store disk blocks: the anatomy's file bytes replace them, step for step.
    #[test]
    fn history_sizes_become_the_layers_file_bytes() {
        let layer = |size_bytes: u64, created_by: &str| Layer {
            id: "<missing>".into(),
            size_bytes,
            created_by: created_by.into(),
        };
        // Newest first, as Podman 4.3 listed the 50 MiB fixture.
        let history = [
            layer(0, "LABEL dockbench=1"),
            layer(52_430_848, "dd if=/dev/zero of=/blob bs=1048576 count=50"),
            layer(2_232_320, ""),
        ];
        let mut anatomy = crate::anatomy::Anatomy::default();
        for size_bytes in [1_987_932, 52_428_800] {
            anatomy.layers.push(crate::anatomy::LayerAnatomy {
                size_bytes,
                ..Default::default()
            });
        }
        let sizes: Vec<u64> = unpacked_layers(&history, &anatomy)
            .unwrap()
            .iter()
            .map(|l| l.size_bytes)
            .collect();
        assert_eq!(sizes, [0, 52_428_800, 1_987_932]);
        anatomy.layers.pop();
        assert_eq!(unpacked_layers(&history, &anatomy), None, "counts differ");
    }

    /// BuildKit where the engine has it; on Podman, Buildah unless the suite asks for BuildKit,
    /// which is then refused in words that say what to change.
    #[test]
    fn the_builder_follows_the_engine_and_the_suite() {
        let variant = |builder: Builder, given: bool| Variant {
            builder,
            builder_given: given,
            ..crate::measure::record::tests::variant()
        };
        let docker = EngineKind::Docker;
        let podman = EngineKind::Podman;
        assert_eq!(
            builder_on(docker, &variant(Builder::BuildKit, false)),
            Ok(Builder::BuildKit)
        );
        assert_eq!(
            builder_on(docker, &variant(Builder::Classic, true)),
            Ok(Builder::Classic)
        );
        assert_eq!(
            builder_on(podman, &variant(Builder::BuildKit, false)),
            Ok(Builder::Classic)
        );
        assert_eq!(
            builder_on(podman, &variant(Builder::Classic, true)),
            Ok(Builder::Classic)
        );
        let refused = builder_on(podman, &variant(Builder::BuildKit, true)).unwrap_err();
        assert!(
            refused.starts_with(
                "builder = \"buildkit\": Podman builds with Buildah and has no BuildKit;"
            ),
            "{refused}"
        );
        assert_eq!(builder_name(podman, Builder::Classic), "buildah");
        assert_eq!(builder_name(docker, Builder::Classic), "classic");
        assert_eq!(builder_name(docker, Builder::BuildKit), "buildkit");
    }

    /// The warnings of a suite in a temp folder with this Dockerfile and these files.
    fn warnings_of(suite: &str, dockerfile: &str, files: &[&str]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
        for f in files {
            std::fs::write(dir.path().join(f), "{\"version\": \"1\"}\n").unwrap();
        }
        std::fs::write(dir.path().join("suite.toml"), suite).unwrap();
        let suite = crate::scenario::load_suite(&dir.path().join("suite.toml")).unwrap();
        suite_warnings(&suite)
    }

    #[test]
    fn warns_what_will_not_measure_as_expected() {
        let suite = "name = \"s\"\nbuild_args = { BASE = \"b\", NOPE = \"1\" }\n\
                     [run]\ntimeout = \"5s\"\n\
                     [[edit]]\nname = \"lock\"\nfile = \"package-lock.json\"\n\
                     replace = { from = \"1\", to = \"2\" }\n\
                     [[edit]]\nname = \"gone\"\nfile = \"a.py\"\ndelete = true\n\
                     [[edit]]\nname = \"fine\"\nfile = \"package.json\"\n\
                     replace = { from = \"1\", to = \"1-{nonce}\" }\n\
                     [[variant]]\nname = \"v\"\n";
        let w = warnings_of(
            suite,
            "ARG BASE\nFROM $BASE\nCOPY . /\n",
            &["package-lock.json", "package.json", "a.py"],
        );
        assert_eq!(w.len(), 4, "{w:#?}");
        assert!(w[0].starts_with(
            "edit `lock` (package-lock.json): dockbench does not know the comment syntax"
        ));
        assert!(w[0].contains("put `{nonce}` in `replace.to`"), "{}", w[0]);
        assert!(w[0].contains("(\"1.2.3-{nonce}\")"), "{}", w[0]);
        assert!(w[1].starts_with("edit `gone` (a.py): a delete cannot carry a nonce"));
        assert!(w[1].contains("measured in repetition 1 only"), "{}", w[1]);
        assert!(
            w[2].starts_with("variant `v`: build arg(s) [NOPE] are not declared"),
            "{}",
            w[2]
        );
        assert!(w[3].starts_with("variant `v`: [run] has no http_probe or ready_log, and Dockerfile has no HEALTHCHECK"), "{}", w[3]);
        assert!(w[3].contains("add `ready_log ="), "{}", w[3]);

        // With a HEALTHCHECK, a ready line or a probe, there is something to time.
        let healthy = warnings_of(
            "name = \"s\"\n[run]\n[[variant]]\nname = \"v\"\n",
            "FROM x\nHEALTHCHECK CMD true\n",
            &[],
        );
        assert!(healthy.is_empty(), "{healthy:?}");
        let logged = warnings_of(
            "name = \"s\"\n[run]\nready_log = \"up\"\n[[variant]]\nname = \"v\"\n",
            "FROM x\n",
            &[],
        );
        assert!(logged.is_empty(), "{logged:?}");
    }
}
