//! A scripted `Engine` for tests of the measurement logic: builds, containers and probes behave
//! as a `Script` says, on tokio's clock, so that a test with a paused clock knows every answer
//! (a server ready 1.2 s after start, an OOM kill at 0.8 s) to the millisecond.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::anyhow;
use tokio::time::{sleep, Instant};

use super::{
    BuildFailure, BuildOutput, BuildRequest, BuildStep, CacheRecord, ContainerSpec, ContainerState,
    Engine, EngineInfo, EngineKind, ExecOutcome, Health, HealthMode, HealthTest, ImageFacts, Layer,
    MemoryReading, Resource,
};

/// How the fake engine behaves. Times are measured from the container's start call.
#[derive(Debug, Clone)]
pub struct Script {
    /// How long each build takes.
    pub build_time: Duration,
    /// Each build's steps: all reported cached except on a `nocache` build (and see
    /// `edits_rerun`).
    pub steps: Vec<&'static str>,
    /// A build whose context differs from the previous build's re-runs every step, as a real
    /// builder re-runs the steps after an edited file's COPY.
    pub edits_rerun: bool,
    /// The build fails with this message.
    pub build_error: Option<String>,
    pub image_size_bytes: u64,
    /// What `start_container` itself costs.
    pub start_cost: Duration,
    /// The HTTP status the app answers once it listens, and from when.
    pub http: Option<(Duration, u16)>,
    /// When the app prints its ready line (matched by any `ready_log` pattern).
    pub log_ready_after: Option<Duration>,
    /// When the app prints its ready line, by the container's variant (its `dockbench.variant`
    /// label, else its image) and by how many of that variant's containers started before (0
    /// for the first): a variant's noise, for the scheduler's tests. Takes the place of
    /// `log_ready_after` when set.
    pub log_ready_by_start: Option<fn(variant: &str, nth: u32) -> Duration>,
    /// The image's HEALTHCHECK, and from when it passes.
    pub health: Option<(HealthTest, Duration)>,
    /// The container stops by itself: after this long, with this exit code, OOM-killed or not.
    pub exits: Option<(Duration, i64, bool)>,
    /// Memory usage as a function of time since start (bytes); the kernel peak is the highest
    /// value reached at any millisecond so far, as cgroup v1 keeps it.
    pub usage_bytes: fn(Duration) -> u64,
    pub inactive_file_bytes: u64,
    /// What `export_image` streams: a `docker save` tarball (none: an export error).
    pub image_tar: Option<Vec<u8>>,
    /// Docker, or Podman (which runs no health checks by itself: `container_state` then never
    /// reports a health status, as Podman without systemd does).
    pub kind: EngineKind,
    /// cgroup v2 keeps no peak: `memory` then reports no `max_usage_bytes`.
    pub cgroup_v2: bool,
    /// `image_facts` reports the unpacked size (false: as the containerd store or Podman).
    pub size_is_unpacked: bool,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            build_time: Duration::from_secs(1),
            steps: vec!["COPY a /", "RUN b", "COPY c /"],
            edits_rerun: false,
            build_error: None,
            image_size_bytes: 50 << 20,
            start_cost: Duration::from_millis(250),
            http: None,
            log_ready_after: None,
            log_ready_by_start: None,
            health: None,
            exits: None,
            usage_bytes: |_| 100 << 20,
            inactive_file_bytes: 0,
            image_tar: Some(crate::anatomy::testdata::small_image()),
            kind: EngineKind::Docker,
            cgroup_v2: false,
            size_is_unpacked: true,
        }
    }
}

pub struct FakeEngine {
    /// How containers behave, unless `images` has a script for theirs.
    pub script: Script,
    /// Scripts for containers of particular images (the services of a stack).
    pub images: BTreeMap<String, Script>,
    /// Every call, in order, as `name id-or-image`.
    pub calls: RefCell<Vec<String>>,
    /// The last container spec created.
    pub created: RefCell<Option<ContainerSpec>>,
    specs: RefCell<BTreeMap<String, ContainerSpec>>,
    live: RefCell<BTreeSet<String>>,
    networks: RefCell<BTreeSet<String>>,
    volumes: RefCell<BTreeSet<String>>,
    started: RefCell<BTreeMap<String, Instant>>,
    next_id: Cell<u32>,
    /// From this moment on the engine answers nothing, as a killed daemon.
    dies_at: Cell<Option<Instant>>,
    /// What `run_resources` lists (the leftovers of other runs, for `clean`).
    pub resources: RefCell<Vec<Resource>>,
    /// BuildKit's build cache: every build adds its records (`build_records`).
    pub cache: RefCell<Vec<CacheRecord>>,
    /// The context of the last build, to tell an edited one (`Script::edits_rerun`).
    last_context: RefCell<Vec<u8>>,
    /// Each started container's variant and how many of that variant's started before it
    /// (`Script::log_ready_by_start`).
    nth_start: RefCell<BTreeMap<String, (String, u32)>>,
    /// When each memory reading was asked for.
    pub memory_reads: RefCell<Vec<Instant>>,
}

/// What bollard reports when the engine's socket refuses.
pub const CONNECT_ERROR: &str = "error in the hyper legacy client: client error (Connect)";

impl FakeEngine {
    pub fn new(script: Script) -> FakeEngine {
        FakeEngine {
            script,
            images: BTreeMap::new(),
            calls: RefCell::new(Vec::new()),
            created: RefCell::new(None),
            specs: RefCell::new(BTreeMap::new()),
            live: RefCell::new(BTreeSet::new()),
            networks: RefCell::new(BTreeSet::new()),
            volumes: RefCell::new(BTreeSet::new()),
            started: RefCell::new(BTreeMap::new()),
            next_id: Cell::new(0),
            dies_at: Cell::new(None),
            memory_reads: RefCell::new(Vec::new()),
            resources: RefCell::new(Vec::new()),
            cache: RefCell::new(Vec::new()),
            last_context: RefCell::new(Vec::new()),
            nth_start: RefCell::new(BTreeMap::new()),
        }
    }

    /// The records build `n` adds to the cache, as a BuildKit build of a COPY and a RUN does:
    /// the COPY's on the shared base record, the RUN's on the COPY's, and a cache mount's.
    fn build_records(n: u32) -> Vec<CacheRecord> {
        let record = |id: String, parents: Vec<String>, kind: &str| CacheRecord {
            id,
            parents,
            kind: kind.to_string(),
            in_use: false,
            shared: false,
        };
        vec![
            record(format!("copy{n}"), vec!["base".into()], "regular"),
            record(format!("run{n}"), vec![format!("copy{n}")], "regular"),
            record(format!("mount{n}"), Vec::new(), "exec.cachemount"),
        ]
    }

    /// The engine stops answering `after` from now (on tokio's clock).
    pub fn dies_after(&self, after: Duration) {
        self.dies_at.set(Some(Instant::now() + after));
    }

    fn dead(&self) -> bool {
        self.dies_at.get().is_some_and(|t| Instant::now() >= t)
    }

    fn answer(&self) -> anyhow::Result<()> {
        if self.dead() {
            Err(anyhow!(CONNECT_ERROR))
        } else {
            Ok(())
        }
    }

    /// Containers created and not removed.
    pub fn live_containers(&self) -> Vec<String> {
        self.live.borrow().iter().cloned().collect()
    }

    /// Networks and volumes created and not removed.
    pub fn live_networks_and_volumes(&self) -> Vec<String> {
        let networks = self.networks.borrow();
        let volumes = self.volumes.borrow();
        networks.iter().chain(volumes.iter()).cloned().collect()
    }

    /// The spec a container was created with.
    pub fn spec_of(&self, id: &str) -> Option<ContainerSpec> {
        self.specs.borrow().get(id).cloned()
    }

    fn call(&self, what: String) {
        self.calls.borrow_mut().push(what);
    }

    fn script_of(&self, id: &str) -> &Script {
        let image = self.specs.borrow().get(id).map(|s| s.image.clone());
        image
            .and_then(|i| self.images.get(&i))
            .unwrap_or(&self.script)
    }

    fn since_start(&self, id: &str) -> Option<Duration> {
        self.started.borrow().get(id).map(|t| t.elapsed())
    }

    fn exited(&self, id: &str) -> Option<(i64, bool)> {
        let (after, code, oom) = self.script_of(id).exits?;
        (self.since_start(id)? >= after).then_some((code, oom))
    }

    /// True from `after` on, while the container runs.
    fn reached(&self, id: &str, after: Duration) -> bool {
        self.exited(id).is_none() && self.since_start(id).is_some_and(|t| t >= after)
    }

    fn peak_until(&self, id: &str, t: Duration) -> u64 {
        let ms = t.as_millis() as u64;
        let usage = self.script_of(id).usage_bytes;
        (0..=ms)
            .map(|m| usage(Duration::from_millis(m)))
            .max()
            .unwrap_or(0)
    }

    /// The container whose port is published as `host_port` (see `published_port`).
    fn by_port(&self, host_port: u16) -> Option<String> {
        let specs = self.specs.borrow();
        specs
            .iter()
            .find(|(id, s)| {
                self.live.borrow().contains(*id)
                    && s.port.is_some_and(|p| 40000 + p % 1000 == host_port)
            })
            .map(|(id, _)| id.clone())
    }
}

impl Engine for FakeEngine {
    async fn info(&self) -> anyhow::Result<EngineInfo> {
        Ok(EngineInfo {
            kind: self.script.kind,
            image_store: String::new(),
            docker_version: "fake".into(),
            api_version: "1.41".into(),
            storage_driver: "overlay2".into(),
            cgroup_version: "1".into(),
            cgroup_driver: "cgroupfs".into(),
            operating_system: "fake".into(),
            kernel_version: "fake".into(),
            ncpu: 2,
            mem_total_bytes: 1 << 34,
        })
    }

    async fn build(&self, req: BuildRequest) -> Result<BuildOutput, BuildFailure> {
        self.call(format!("build {}", req.tag));
        let done = Instant::now() + self.script.build_time;
        match self.dies_at.get() {
            Some(death) if death <= done => {
                tokio::time::sleep_until(death).await;
                return Err(BuildFailure {
                    message: CONNECT_ERROR.to_string(),
                    created_images: Vec::new(),
                });
            }
            _ => tokio::time::sleep_until(done).await,
        }
        if let Some(message) = &self.script.build_error {
            return Err(BuildFailure {
                message: message.clone(),
                created_images: Vec::new(),
            });
        }
        let n = self.next_id.get() + 1;
        self.next_id.set(n);
        let edited = *self.last_context.borrow() != req.context_tar;
        *self.last_context.borrow_mut() = req.context_tar.clone();
        let ran = req.nocache || (edited && self.script.edits_rerun);
        if ran {
            self.cache.borrow_mut().extend(Self::build_records(n));
        }
        let steps = self
            .script
            .steps
            .iter()
            .map(|name| BuildStep {
                name: name.to_string(),
                instruction: name.split(' ').next().unwrap_or("").to_string(),
                cached: !ran,
                duration_s: None,
                reused_output: false,
            })
            .collect();
        // The classic builder (and Buildah) commit an image per step that ran.
        let created_images = match req.builder {
            crate::scenario::Builder::Classic if ran => {
                vec![format!("layer{n}"), format!("image{n}")]
            }
            _ => Vec::new(),
        };
        Ok(BuildOutput {
            image_id: format!("sha256:image{n}"),
            steps,
            created_images,
        })
    }

    async fn image_facts(&self, image: &str) -> anyhow::Result<ImageFacts> {
        self.call(format!("image_facts {image}"));
        self.answer()?;
        Ok(ImageFacts {
            size_bytes: self.script.image_size_bytes,
            layers: vec![Layer {
                id: image.to_string(),
                size_bytes: self.script.image_size_bytes,
                created_by: "fake".into(),
            }],
            size_is_unpacked: self.script.size_is_unpacked,
        })
    }

    async fn image_exists(&self, _image: &str) -> anyhow::Result<bool> {
        Ok(true)
    }

    async fn remove_image(&self, image: &str) -> anyhow::Result<()> {
        self.call(format!("remove_image {image}"));
        Ok(())
    }

    async fn images_labelled(&self, _label: &str) -> anyhow::Result<Vec<String>> {
        Ok(Vec::new())
    }

    async fn create_container(&self, spec: &ContainerSpec) -> anyhow::Result<String> {
        let id = format!("c{}", self.calls.borrow().len());
        self.call(format!("create_container {id} {}", spec.image));
        self.answer()?;
        self.live.borrow_mut().insert(id.clone());
        self.specs.borrow_mut().insert(id.clone(), spec.clone());
        *self.created.borrow_mut() = Some(spec.clone());
        Ok(id)
    }

    async fn start_container(&self, id: &str) -> anyhow::Result<()> {
        self.call(format!("start_container {id}"));
        sleep(self.script_of(id).start_cost).await;
        let variant = self.specs.borrow().get(id).map(|s| {
            let label = s.labels.get("dockbench.variant");
            label.unwrap_or(&s.image).clone()
        });
        if let Some(image) = variant {
            let mut nth = self.nth_start.borrow_mut();
            let before = nth.values().filter(|(i, _)| *i == image).count() as u32;
            nth.insert(id.to_string(), (image, before));
        }
        self.started
            .borrow_mut()
            .insert(id.to_string(), Instant::now());
        Ok(())
    }

    async fn health_test(&self, image: &str) -> anyhow::Result<Option<HealthTest>> {
        let script = self.images.get(image).unwrap_or(&self.script);
        Ok(script.health.as_ref().map(|(test, _)| test.clone()))
    }

    async fn exec(&self, id: &str, argv: &[String]) -> anyhow::Result<ExecOutcome> {
        self.call(format!("exec {id} {}", argv.join(" ")));
        let passes = self.script_of(id).health.as_ref().map(|(_, after)| *after);
        Ok(match passes {
            Some(after) if self.reached(id, after) => ExecOutcome {
                exit_code: 0,
                output: String::new(),
            },
            _ => ExecOutcome {
                exit_code: 1,
                output: format!("fake exec of `{}` failed", argv.join(" ")),
            },
        })
    }

    async fn published_port(&self, _id: &str, container_port: u16) -> anyhow::Result<u16> {
        Ok(40000 + container_port % 1000)
    }

    async fn http_status(&self, host_port: u16, _path: &str) -> Option<u16> {
        let id = self.by_port(host_port)?;
        let (after, status) = self.script_of(&id).http?;
        self.reached(&id, after).then_some(status)
    }

    async fn create_network(
        &self,
        name: &str,
        _labels: &BTreeMap<String, String>,
    ) -> anyhow::Result<()> {
        self.call(format!("create_network {name}"));
        self.networks.borrow_mut().insert(name.to_string());
        Ok(())
    }

    async fn remove_network(&self, name: &str) -> anyhow::Result<()> {
        self.call(format!("remove_network {name}"));
        self.networks.borrow_mut().remove(name);
        Ok(())
    }

    async fn create_volume(
        &self,
        name: &str,
        _labels: &BTreeMap<String, String>,
    ) -> anyhow::Result<()> {
        self.call(format!("create_volume {name}"));
        self.volumes.borrow_mut().insert(name.to_string());
        Ok(())
    }

    async fn remove_volume(&self, name: &str) -> anyhow::Result<()> {
        self.call(format!("remove_volume {name}"));
        self.volumes.borrow_mut().remove(name);
        Ok(())
    }

    async fn wait_for_log(&self, id: &str, _pattern: &regex::Regex) -> anyhow::Result<()> {
        self.call(format!("wait_for_log {id}"));
        let start = *self
            .started
            .borrow()
            .get(id)
            .ok_or_else(|| anyhow!("not started"))?;
        let script = self.script_of(id);
        let exit_at = script.exits.map(|(after, _, _)| after);
        let ready = match (script.log_ready_by_start, self.nth_start.borrow().get(id)) {
            (Some(ready_of), Some((image, nth))) => Some(ready_of(image, *nth)),
            _ => script.log_ready_after,
        };
        match (ready, exit_at) {
            (Some(ready), exit) if exit.is_none_or(|e| ready < e) => {
                tokio::time::sleep_until(start + ready).await;
                Ok(())
            }
            (_, Some(exit)) => {
                tokio::time::sleep_until(start + exit).await;
                Err(anyhow!("the container's output ended"))
            }
            (_, None) => std::future::pending().await,
        }
    }

    async fn container_state(&self, id: &str) -> anyhow::Result<ContainerState> {
        if !self.live.borrow().contains(id) {
            return Err(anyhow!("no such container {id}"));
        }
        let exited = self.exited(id);
        let spec = self.spec_of(id);
        let docker_runs_checks = self.script.kind.runs_health_checks()
            && matches!(
                spec.as_ref().map(|s| &s.health),
                Some(HealthMode::Every { .. })
            );
        // A test given at create time (compose's healthcheck) counts as the image's.
        let has_test = match spec.as_ref().map(|s| &s.health) {
            Some(HealthMode::Every {
                test: Some(test), ..
            }) => test.first().is_some_and(|t| t != "NONE"),
            _ => self.script_of(id).health.is_some(),
        };
        let passes_after = self.script_of(id).health.as_ref().map(|(_, after)| *after);
        let health = match passes_after {
            _ if !docker_runs_checks || !has_test => Health::None,
            Some(after) if self.reached(id, after) => Health::Healthy,
            _ => Health::Starting,
        };
        Ok(ContainerState {
            running: self.started.borrow().contains_key(id) && exited.is_none(),
            exit_code: exited.map(|(code, _)| code),
            oom_killed: exited.is_some_and(|(_, oom)| oom),
            health_output: (health == Health::Starting).then(|| "fake check failed".to_string()),
            health,
        })
    }

    async fn memory(&self, id: &str) -> anyhow::Result<MemoryReading> {
        self.memory_reads.borrow_mut().push(Instant::now());
        let t = self
            .since_start(id)
            .ok_or_else(|| anyhow!("{id} not started"))?;
        if self.exited(id).is_some() {
            return Err(anyhow!("{id} is not running"));
        }
        let script = self.script_of(id);
        Ok(MemoryReading {
            usage_bytes: (script.usage_bytes)(t),
            max_usage_bytes: (!script.cgroup_v2).then(|| self.peak_until(id, t)),
            inactive_file_bytes: script.inactive_file_bytes,
        })
    }

    async fn logs_tail(&self, _id: &str, _lines: usize) -> String {
        "fake output\n".to_string()
    }

    async fn remove_container(&self, id: &str) -> anyhow::Result<()> {
        self.call(format!("remove_container {id}"));
        self.live.borrow_mut().remove(id);
        self.started.borrow_mut().remove(id);
        Ok(())
    }

    async fn remove_live_resources(&self) {
        let ids = self.live_containers();
        for id in ids {
            let _ = self.remove_container(&id).await;
        }
        self.networks.borrow_mut().clear();
        self.volumes.borrow_mut().clear();
    }

    async fn wait_for_abandoned_build(&self) {}

    async fn export_image(
        &self,
        image: &str,
        chunks: tokio::sync::mpsc::Sender<Vec<u8>>,
    ) -> anyhow::Result<()> {
        self.call(format!("export_image {image}"));
        self.answer()?;
        let tar = self
            .script
            .image_tar
            .as_ref()
            .ok_or_else(|| anyhow!("export image {image}: scripted to fail"))?;
        // In pieces, as the engine streams it.
        for piece in tar.chunks(4096) {
            if chunks.send(piece.to_vec()).await.is_err() {
                break;
            }
        }
        Ok(())
    }

    async fn build_cache(&self) -> anyhow::Result<Vec<CacheRecord>> {
        self.call("build_cache".to_string());
        self.answer()?;
        Ok(self.cache.borrow().clone())
    }

    async fn remove_build_cache(&self, id: &str) -> anyhow::Result<bool> {
        self.call(format!("remove_build_cache {id}"));
        self.answer()?;
        let mut cache = self.cache.borrow_mut();
        // As BuildKit: a record that another one is made on, or that is in use, stays.
        let has_child = cache.iter().any(|r| r.parents.iter().any(|p| p == id));
        let before = cache.len();
        cache.retain(|r| r.id != id || r.in_use || has_child);
        Ok(cache.len() < before)
    }

    async fn ping(&self) -> anyhow::Result<()> {
        self.call("ping".to_string());
        self.answer()
    }

    fn address(&self) -> String {
        "fake:///engine".to_string()
    }

    fn kind(&self) -> EngineKind {
        self.script.kind
    }

    async fn run_resources(&self) -> anyhow::Result<Vec<Resource>> {
        self.answer()?;
        Ok(self.resources.borrow().clone())
    }

    async fn remove_resource(&self, resource: &Resource) -> anyhow::Result<()> {
        self.call(format!("remove_resource {} {}", resource.kind, resource.id));
        self.answer()?;
        self.resources.borrow_mut().retain(|r| r != resource);
        Ok(())
    }
}
