//! The bollard-backed `Engine`: the only place dockbench talks to Docker.
//!
//! It turns bollard's types into the plain data of `driver/mod.rs` and deals with the engine's
//! quirks recorded in docs/engines.md ("BuildKit through the Engine API", "The bollard stream
//! bug", "Readiness and health checks", "Memory figures"), and finds the engine as the docker
//! CLI does ("Remote engines").

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{anyhow, Context};
use bollard::models::{
    BuildInfoAux, ContainerCreateBody, ContainerSummaryStateEnum, EndpointSettings, ExecConfig,
    HealthConfig, HealthStatusEnum, HostConfig, MountType, NetworkConnectRequest,
    NetworkCreateRequest, NetworkingConfig, PortBinding, VolumeCreateRequest,
};
use bollard::query_parameters::{
    BuildImageOptions, BuilderVersion, CreateContainerOptions, ListContainersOptions,
    ListImagesOptions, ListNetworksOptions, ListVolumesOptions, LogsOptions, PruneBuildOptions,
    RemoveContainerOptions, RemoveImageOptions, RemoveVolumeOptions, StatsOptions,
};
use bollard::Docker;
use futures_util::stream::{BoxStream, StreamExt};

use super::api_version;
use super::buildlog::{self, VertexUpdate};
pub use super::endpoint::Endpoint;
use super::probe;
use super::session::{self, StreamError};
use super::{
    BuildFailure, BuildOutput, BuildRequest, CacheRecord, ContainerSpec, ContainerState, Engine,
    EngineInfo, EngineKind, ExecOutcome, Health, HealthMode, HealthTest, ImageFacts, Layer,
    MemoryReading, MountKind, Resource, ResourceKind, EXEC_OUTPUT_MAX_BYTES, LABEL_RUN,
};
use crate::scenario::Builder;

/// How many times connecting is tried when a TLS engine's refusal may have been lost
/// (`Endpoint::tls_alert_may_be_lost`).
const CONNECT_ATTEMPTS: u32 = 3;
/// How many lines of build or container output an error message carries.
const ERROR_TAIL_LINES: usize = 12;
/// How long an interrupted run waits for the engine to finish exporting an abandoned build.
/// (A cold export of a python-api variant takes ~10 s on the fuse-overlayfs engine.)
const ABANDONED_EXPORT_WAIT: Duration = Duration::from_secs(60);
/// How long `ping` waits for an answer before the engine counts as gone.
const PING_TIMEOUT: Duration = Duration::from_secs(10);

pub struct DockerEngine {
    docker: Docker,
    endpoint: Endpoint,
    /// Docker, or Podman answering its API (from `/version` at connect).
    kind: EngineKind,
    /// Images live in containerd's store (`image_store`), not a graph driver's.
    containerd_store: bool,
    /// Where published ports are reached (`Endpoint::probe_host`).
    probe_host: String,
    /// Containers created and not yet removed, so that Ctrl-C can remove them.
    live_containers: Mutex<HashSet<String>>,
    /// Networks and volumes created and not yet removed, likewise.
    live_networks: Mutex<HashSet<String>>,
    live_volumes: Mutex<HashSet<String>>,
    /// The build whose stream is open. Still set after `build` when Ctrl-C dropped it midway.
    inflight_build: Mutex<Option<InflightBuild>>,
    /// The image each tag got from this engine's last build with it (no lookup in the timed
    /// build: an inspect there would add its milliseconds to every measured build).
    tagged: Mutex<HashMap<String, String>>,
}

/// What is known of a build that may be abandoned.
struct InflightBuild {
    tag: String,
    /// The image the tag named before this build (the variant's previous build), if any.
    previous_image: Option<String>,
    /// BuildKit has started exporting the image.
    exporting: bool,
}

impl DockerEngine {
    /// Connects as the docker CLI would (see `Endpoint::resolve`; `context` is `--context`),
    /// and settles on the API version both sides speak (`api_version::negotiate`).
    pub async fn connect(context: Option<&str>) -> anyhow::Result<DockerEngine> {
        let endpoint = Endpoint::from_env(context)?;
        let mut attempts = 0;
        let docker = loop {
            let docker = endpoint.client()?;
            attempts += 1;
            // A remote host that drops packets would otherwise hold the first call for minutes.
            match tokio::time::timeout(PING_TIMEOUT, api_version::negotiate(docker)).await {
                Ok(Ok(docker)) => break docker,
                Ok(Err(e)) => {
                    if endpoint.tls_alert_may_be_lost(&e) && attempts < CONNECT_ATTEMPTS {
                        continue;
                    }
                    return Err(anyhow!(endpoint.connect_error(&e)));
                }
                Err(_) => {
                    let silence = format!("no answer within {} s", PING_TIMEOUT.as_secs());
                    return Err(anyhow!(endpoint.explain(&silence, None)));
                }
            }
        };
        let version = docker.version().await.context("docker version")?;
        let info = docker.info().await.context("docker info")?;
        Ok(DockerEngine {
            kind: engine_kind(&version),
            containerd_store: !image_store(info.driver_status.as_deref().unwrap_or_default())
                .is_empty(),
            docker,
            probe_host: endpoint.probe_host(),
            endpoint,
            live_containers: Mutex::new(HashSet::new()),
            live_networks: Mutex::new(HashSet::new()),
            live_volumes: Mutex::new(HashSet::new()),
            inflight_build: Mutex::new(None),
            tagged: Mutex::new(HashMap::new()),
        })
    }

    /// Where the engine is and how dockbench reaches it.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The build's messages: BuildKit fetches the context through a session of ours (see
    /// `uses_session`), the classic builder gets it as the request's tar body.
    async fn build_stream(
        &self,
        req: &BuildRequest,
        options: BuildImageOptions,
        context_tar: Vec<u8>,
    ) -> anyhow::Result<BoxStream<'_, Result<bollard::models::BuildInfo, StreamError>>> {
        if uses_session(req.builder, &self.endpoint) {
            return session::build(&self.endpoint, options, context_tar, &req.dockerfile).await;
        }
        let body = bollard::body_full(context_tar.into());
        let stream = self.docker.build_image(options, None, Some(body));
        Ok(stream
            .map(|item| {
                item.map_err(|e| match e {
                    bollard::errors::Error::DockerStreamError { error } => {
                        StreamError::Build(error)
                    }
                    e => StreamError::Transport(e.to_string()),
                })
            })
            .boxed())
    }

    async fn image_id(&self, image: &str) -> Option<String> {
        self.docker
            .inspect_image(image)
            .await
            .ok()
            .and_then(|i| i.id)
    }
}

/// What accumulates while a build streams.
#[derive(Default)]
struct BuildProgress {
    classic_text: String,
    vertexes: Vec<VertexUpdate>,
    /// Log lines per BuildKit vertex digest, for the failing step's output.
    vertex_logs: HashMap<String, Vec<String>>,
    image_id: Option<String>,
    error: Option<String>,
    /// Digest of BuildKit's export vertex (its later updates may come without a name).
    export_digest: Option<String>,
    export_started: bool,
}

impl BuildProgress {
    fn absorb(&mut self, info: bollard::models::BuildInfo) {
        if let Some(text) = info.stream {
            self.classic_text.push_str(&text);
        }
        match info.aux {
            Some(BuildInfoAux::Default(id)) => {
                if let Some(id) = id.id {
                    self.image_id = Some(id);
                }
            }
            Some(BuildInfoAux::BuildKit(status)) => {
                for v in status.vertexes {
                    if v.name == buildlog::EXPORT_VERTEX {
                        self.export_digest = Some(v.digest.clone());
                    }
                    if v.started.is_some() && self.export_digest.as_deref() == Some(&v.digest) {
                        self.export_started = true;
                    }
                    self.vertexes.push(VertexUpdate {
                        digest: v.digest,
                        inputs: v.inputs,
                        name: v.name,
                        cached: v.cached,
                        started_s: v.started.map(|t| t.seconds as f64 + t.nanos as f64 * 1e-9),
                        completed_s: v
                            .completed
                            .map(|t| t.seconds as f64 + t.nanos as f64 * 1e-9),
                        error: v.error,
                    });
                }
                for log in status.logs {
                    let text = String::from_utf8_lossy(&log.msg).into_owned();
                    let lines = self.vertex_logs.entry(log.vertex).or_default();
                    lines.extend(text.lines().map(str::to_string));
                }
            }
            None => {}
        }
        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
            self.error = Some(detail);
        }
    }

    /// BuildKit has started writing the image (its `exporting to image` vertex has started).
    fn exporting(&self) -> bool {
        self.export_started
    }

    fn steps(&self, builder: Builder, kind: EngineKind) -> Vec<super::BuildStep> {
        match builder {
            Builder::Classic => buildlog::text_steps(text_builder(kind), &self.classic_text),
            Builder::BuildKit => buildlog::buildkit_steps(&self.vertexes),
        }
    }

    /// The builder's own account of a failure: the error, the failing step, and its last output.
    fn failure_message(&self, builder: Builder, error: &str) -> String {
        let (step, output) = match builder {
            Builder::Classic => {
                let step = self
                    .classic_text
                    .lines()
                    .rfind(|l| l.starts_with("Step ") || l.starts_with("STEP "))
                    .map(str::to_string);
                (step, tail(&self.classic_text, ERROR_TAIL_LINES))
            }
            Builder::BuildKit => {
                let failed = buildlog::merge_vertexes(&self.vertexes)
                    .into_iter()
                    .find(|v| !v.error.is_empty());
                let output = failed
                    .as_ref()
                    .and_then(|v| self.vertex_logs.get(&v.digest))
                    .map(|lines| lines[lines.len().saturating_sub(ERROR_TAIL_LINES)..].join("\n"))
                    .unwrap_or_default();
                (failed.map(|v| v.name), output)
            }
        };
        let mut message = match step {
            Some(step) => format!("build failed at `{step}`: {error}"),
            None => format!("build failed: {error}"),
        };
        if !output.trim().is_empty() {
            message.push_str("\n--- build output (last lines) ---\n");
            message.push_str(output.trim_end());
        }
        message
    }
}

/// One stats answer's memory figures. cgroup v1 names the inactive file cache
/// `total_inactive_file` (hierarchical) and keeps a peak (`max_usage`); cgroup v2 names it
/// `inactive_file` and keeps no peak, so the caller samples one (docs/engines.md, "Memory
/// figures").
fn memory_reading(stats: bollard::models::ContainerStatsResponse) -> anyhow::Result<MemoryReading> {
    let memory = stats
        .memory_stats
        .ok_or_else(|| anyhow!("no memory stats"))?;
    let map = memory.stats.unwrap_or_default();
    let inactive = map
        .get("total_inactive_file")
        .or_else(|| map.get("inactive_file"))
        .copied()
        .unwrap_or(0);
    Ok(MemoryReading {
        usage_bytes: memory.usage.unwrap_or(0),
        max_usage_bytes: memory.max_usage.filter(|&m| m > 0),
        inactive_file_bytes: inactive,
    })
}

impl DockerEngine {
    /// Podman 4.3's image inspect (Docker's API) leaves the image's HEALTHCHECK out, although
    /// the image has it (its `docker save` config does); a container created from the image
    /// carries it in its config. So: create one, never started, read it, remove it.
    async fn podman_health_config(
        &self,
        image: &str,
    ) -> anyhow::Result<Option<bollard::models::HealthConfig>> {
        let labels = super::run_labels("health-check-probe", &[]);
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            labels: Some(labels.into_iter().collect()),
            ..Default::default()
        };
        let created = self
            .docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .context("create a container to read the image's HEALTHCHECK")?;
        let inspect = self.docker.inspect_container(&created.id, None).await;
        let removed = self
            .docker
            .remove_container(
                &created.id,
                Some(RemoveContainerOptions {
                    force: true,
                    ..Default::default()
                }),
            )
            .await;
        let config = inspect.context("inspect the container")?.config;
        removed.context("remove the container")?;
        Ok(config.and_then(|c| c.healthcheck))
    }
}

/// A container's state from its inspect JSON, with a status word bollard's enum does not know
/// left out (the running flag, exit code and health say what dockbench needs).
fn lenient_state(inspect: &serde_json::Value) -> anyhow::Result<bollard::models::ContainerState> {
    let mut state = inspect.get("State").cloned().unwrap_or_default();
    if let Some(fields) = state.as_object_mut() {
        fields.remove("Status");
    }
    serde_json::from_value(state).context("the container's state")
}

/// The build cache records of a `GET /system/df` answer: its `BuildCache` list (API 1.51 and
/// before), or `BuildCacheUsage.Items` (1.52 on). Before API 1.42 a record names one `Parent`,
/// from 1.42 on a list of `Parents`.
fn cache_records(df: &serde_json::Value) -> Vec<CacheRecord> {
    let items = df.get("BuildCache").and_then(|v| v.as_array()).or_else(|| {
        df.pointer("/BuildCacheUsage/Items")
            .and_then(|v| v.as_array())
    });
    let text = |r: &serde_json::Value, key: &str| {
        r.get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let flag = |r: &serde_json::Value, key: &str| r.get(key).and_then(|v| v.as_bool());
    let record = |r: &serde_json::Value| {
        let mut parents: Vec<String> = r
            .get("Parents")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect();
        let parent = text(r, "Parent");
        if !parent.is_empty() && !parents.contains(&parent) {
            parents.push(parent);
        }
        Some(CacheRecord {
            id: Some(text(r, "ID")).filter(|id| !id.is_empty())?,
            parents,
            kind: text(r, "Type"),
            // Unknown counts as in use and shared: such a record is never removed.
            in_use: flag(r, "InUse").unwrap_or(true),
            shared: flag(r, "Shared").unwrap_or(true),
        })
    };
    items.into_iter().flatten().filter_map(record).collect()
}

/// Who answers a non-BuildKit build: Docker's classic builder, or Buildah on Podman.
fn text_builder(kind: EngineKind) -> buildlog::TextBuilder {
    match kind {
        EngineKind::Docker => buildlog::TextBuilder::Classic,
        EngineKind::Podman => buildlog::TextBuilder::Buildah,
    }
}

/// Podman names its component "Podman Engine" in `/version`; Docker "Engine".
fn engine_kind(version: &bollard::models::SystemVersion) -> EngineKind {
    let podman = version
        .components
        .iter()
        .flatten()
        .any(|c| c.name.to_ascii_lowercase().contains("podman"));
    if podman {
        EngineKind::Podman
    } else {
        EngineKind::Docker
    }
}

/// "containerd" when `docker info`'s driver status says images live in containerd's
/// snapshotters (`driver-type io.containerd.snapshotter.v1`), else "" (a graph driver).
fn image_store(driver_status: &[Vec<String>]) -> String {
    let containerd = driver_status.iter().any(|pair| {
        pair.first().is_some_and(|k| k == "driver-type")
            && pair
                .get(1)
                .is_some_and(|v| v.starts_with("io.containerd.snapshotter"))
    });
    if containerd {
        "containerd".to_string()
    } else {
        String::new()
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Whether the build's context goes through a BuildKit session rather than as a tar body.
/// Always for BuildKit: the tar upload fails on Docker 26 with the containerd image store
/// (moby/moby#47717), and the session works on every engine measured (20.10, 26.1.5, 28.5.2)
/// with the same known answers, and on 20.10 no slower (docs/engines.md, "BuildKit through a
/// session"). One path, the docker CLI's, rather than a guess at which engines need it. The
/// classic builder only knows the tar body.
fn uses_session(builder: Builder, endpoint: &Endpoint) -> bool {
    builder == Builder::BuildKit && session::supports(endpoint)
}

fn build_options(req: &BuildRequest) -> BuildImageOptions {
    let (version, session) = match req.builder {
        Builder::BuildKit => (
            BuilderVersion::BuilderBuildKit,
            // BuildKit needs a session id for its gRPC side channel; any unique string will do.
            Some(format!("dockbench-{}", uuid::Uuid::new_v4())),
        ),
        Builder::Classic => (BuilderVersion::BuilderV1, None),
    };
    BuildImageOptions {
        dockerfile: req.dockerfile.clone(),
        t: Some(req.tag.clone()),
        nocache: req.nocache,
        rm: true,
        forcerm: true,
        target: req.target.clone().unwrap_or_default(),
        platform: req.platform.clone().unwrap_or_default(),
        buildargs: Some(req.build_args.clone().into_iter().collect()),
        labels: Some(req.labels.clone().into_iter().collect()),
        version,
        session,
        ..Default::default()
    }
}

impl Engine for DockerEngine {
    async fn info(&self) -> anyhow::Result<EngineInfo> {
        let version = self.docker.version().await.context("docker version")?;
        let info = self.docker.info().await.context("docker info")?;
        Ok(EngineInfo {
            kind: engine_kind(&version),
            docker_version: version.version.unwrap_or_default(),
            api_version: version.api_version.unwrap_or_default(),
            image_store: image_store(info.driver_status.as_deref().unwrap_or_default()),
            storage_driver: info.driver.unwrap_or_default(),
            cgroup_version: info
                .cgroup_version
                .map(|v| format!("{v:?}").trim_start_matches('_').to_string())
                .unwrap_or_default(),
            cgroup_driver: info
                .cgroup_driver
                .map(|d| format!("{d:?}").to_lowercase())
                .unwrap_or_default(),
            operating_system: info.operating_system.unwrap_or_default(),
            kernel_version: info.kernel_version.unwrap_or_default(),
            ncpu: info.ncpu.unwrap_or_default().max(0) as u64,
            mem_total_bytes: info.mem_total.unwrap_or_default().max(0) as u64,
        })
    }

    async fn build(&self, mut req: BuildRequest) -> Result<BuildOutput, BuildFailure> {
        let options = build_options(&req);
        let context_tar = std::mem::take(&mut req.context_tar);
        *self.inflight_build.lock().unwrap() = Some(InflightBuild {
            tag: req.tag.clone(),
            previous_image: self.tagged.lock().unwrap().get(&req.tag).cloned(),
            exporting: false,
        });
        let mut stream = match self.build_stream(&req, options, context_tar).await {
            Ok(stream) => stream,
            Err(e) => {
                *self.inflight_build.lock().unwrap() = None;
                return Err(BuildFailure {
                    message: format!("build failed: {e:#}"),
                    created_images: Vec::new(),
                });
            }
        };
        let mut progress = BuildProgress::default();
        let mut stream_error: Option<String> = None;
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => {
                    progress.absorb(info);
                    if progress.exporting() {
                        if let Some(b) = self.inflight_build.lock().unwrap().as_mut() {
                            b.exporting = true;
                        }
                    }
                }
                Err(StreamError::Build(error)) => {
                    progress.error = Some(error);
                }
                Err(StreamError::Transport(e)) => {
                    stream_error = Some(e);
                    break;
                }
            }
        }
        drop(stream);
        // The stream ended: nothing is left running on the engine's side.
        *self.inflight_build.lock().unwrap() = None;
        // The classic builder commits an image per step, a failed build's steps included.
        let created_images = match req.builder {
            Builder::Classic => {
                buildlog::text_created_images(text_builder(self.kind), &progress.classic_text)
            }
            Builder::BuildKit => Vec::new(),
        };
        let failure = |message: String| BuildFailure {
            message,
            created_images: created_images.clone(),
        };
        if let Some(error) = progress.error.clone() {
            return Err(failure(progress.failure_message(req.builder, &error)));
        }
        let image_id = match (progress.image_id.clone(), stream_error) {
            (Some(id), None) => id,
            // bollard's line decoder can fail at the very end of a complete BuildKit stream
            // ("bytes remaining on stream": docs/engines.md, "The bollard stream bug"). The image
            // id had already arrived; trust it only once the engine confirms the image exists.
            (Some(id), Some(e)) => {
                self.docker.inspect_image(&id).await.map_err(|_| {
                    failure(format!(
                        "build stream broke ({e}) and image {id} does not exist"
                    ))
                })?;
                id
            }
            (None, Some(e)) => return Err(failure(progress.failure_message(req.builder, &e))),
            (None, None) => {
                return Err(failure(
                    progress.failure_message(req.builder, "the builder sent no image id"),
                ))
            }
        };
        self.tagged
            .lock()
            .unwrap()
            .insert(req.tag.clone(), image_id.clone());
        Ok(BuildOutput {
            steps: progress.steps(req.builder, self.kind),
            image_id,
            created_images,
        })
    }

    async fn image_facts(&self, image: &str) -> anyhow::Result<ImageFacts> {
        let inspect = self
            .docker
            .inspect_image(image)
            .await
            .context("inspect image")?;
        let history = self
            .docker
            .image_history(image)
            .await
            .context("image history")?;
        Ok(ImageFacts {
            size_bytes: inspect.size.unwrap_or_default().max(0) as u64,
            layers: history
                .into_iter()
                .map(|h| Layer {
                    id: h.id,
                    size_bytes: h.size.max(0) as u64,
                    created_by: h.created_by,
                })
                .collect(),
            size_is_unpacked: self.kind == EngineKind::Docker && !self.containerd_store,
        })
    }

    async fn image_exists(&self, image: &str) -> anyhow::Result<bool> {
        match self.docker.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(false),
            Err(e) => Err(e).context("inspect image"),
        }
    }

    async fn images_labelled(&self, label: &str) -> anyhow::Result<Vec<String>> {
        let filters = HashMap::from([("label".to_string(), vec![label.to_string()])]);
        let options = ListImagesOptions {
            filters: Some(filters),
            ..Default::default()
        };
        let mut images = self
            .docker
            .list_images(Some(options))
            .await
            .context("list images")?;
        images.sort_by_key(|i| std::cmp::Reverse(i.created));
        Ok(images.into_iter().map(|i| i.id).collect())
    }

    async fn remove_image(&self, image: &str) -> anyhow::Result<()> {
        let options = RemoveImageOptions {
            force: false,
            noprune: false,
            ..Default::default()
        };
        let first = self
            .docker
            .remove_image(image, Some(options.clone()), None)
            .await;
        match first {
            Ok(_) => return Ok(()),
            // Two of this run's tags on one image (a stack service built from the variant's own
            // Dockerfile, two variants that build the same thing): removing it by id is refused
            // until all but one of the tags are gone. Only dockbench's own tags are taken off; a
            // tag of the user's keeps the image, and the caller says so.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409, ..
            }) => {}
            Err(e) => return Err(e).with_context(|| format!("remove image {image}")),
        }
        let tags = self
            .docker
            .inspect_image(image)
            .await
            .map(|i| i.repo_tags.unwrap_or_default())
            .unwrap_or_default();
        for tag in tags.iter().filter(|t| t.starts_with("dockbench/")) {
            let _ = self
                .docker
                .remove_image(tag, Some(options.clone()), None)
                .await;
        }
        match self.docker.remove_image(image, Some(options), None).await {
            Ok(_)
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("remove image {image}")),
        }
    }

    async fn create_container(&self, spec: &ContainerSpec) -> anyhow::Result<String> {
        let body = container_body(spec, &self.probe_host);
        let created = self
            .docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .with_context(|| format!("create container from {}", spec.image))?;
        self.live_containers
            .lock()
            .unwrap()
            .insert(created.id.clone());
        // The API takes one network at create (before 1.44); the others are joined before start.
        for extra in spec.networks.iter().skip(1) {
            let request = NetworkConnectRequest {
                container: created.id.clone(),
                endpoint_config: Some(EndpointSettings {
                    aliases: Some(extra.aliases.clone()),
                    ..Default::default()
                }),
            };
            self.docker
                .connect_network(&extra.network, request)
                .await
                .with_context(|| format!("connect a container to network {}", extra.network))?;
        }
        Ok(created.id)
    }

    async fn create_network(
        &self,
        name: &str,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> anyhow::Result<()> {
        let request = NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".to_string()),
            labels: Some(labels.clone().into_iter().collect()),
            ..Default::default()
        };
        self.docker
            .create_network(request)
            .await
            .with_context(|| format!("create network {name}"))?;
        self.live_networks.lock().unwrap().insert(name.to_string());
        Ok(())
    }

    async fn remove_network(&self, name: &str) -> anyhow::Result<()> {
        match self.docker.remove_network(name).await {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                self.live_networks.lock().unwrap().remove(name);
                Ok(())
            }
            Err(e) => Err(e).with_context(|| format!("remove network {name}")),
        }
    }

    async fn create_volume(
        &self,
        name: &str,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> anyhow::Result<()> {
        let request = VolumeCreateRequest {
            name: Some(name.to_string()),
            driver: Some("local".to_string()),
            labels: Some(labels.clone().into_iter().collect()),
            ..Default::default()
        };
        self.docker
            .create_volume(request)
            .await
            .with_context(|| format!("create volume {name}"))?;
        self.live_volumes.lock().unwrap().insert(name.to_string());
        Ok(())
    }

    async fn remove_volume(&self, name: &str) -> anyhow::Result<()> {
        let options = RemoveVolumeOptions { force: true };
        match self.docker.remove_volume(name, Some(options)).await {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                self.live_volumes.lock().unwrap().remove(name);
                Ok(())
            }
            Err(e) => Err(e).with_context(|| format!("remove volume {name}")),
        }
    }

    async fn start_container(&self, id: &str) -> anyhow::Result<()> {
        self.docker
            .start_container(id, None)
            .await
            .context("start container")
    }

    async fn health_test(&self, image: &str) -> anyhow::Result<Option<HealthTest>> {
        let healthcheck = match self.kind {
            EngineKind::Docker => self
                .docker
                .inspect_image(image)
                .await
                .context("inspect image")?
                .config
                .and_then(|c| c.healthcheck),
            EngineKind::Podman => self.podman_health_config(image).await?,
        };
        let Some(hc) = healthcheck else {
            return Ok(None);
        };
        Ok(HealthTest::from_docker(
            &hc.test.unwrap_or_default(),
            hc.timeout.unwrap_or(0),
        ))
    }

    async fn exec(&self, id: &str, argv: &[String]) -> anyhow::Result<ExecOutcome> {
        // Attached, as Docker's own health checks are: their output is what an error shows.
        // (Podman 4.3 also never marks a detached exec as ended: seen still "Running" with exit
        // code 0 long after `exit 3`; attached, it reports the real code once the output ends.)
        let config = ExecConfig {
            cmd: Some(argv.to_vec()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let exec = self
            .docker
            .create_exec(id, config)
            .await
            .context("create exec")?;
        let started = self
            .docker
            .start_exec(&exec.id, None)
            .await
            .context("start exec")?;
        let mut output = Vec::new();
        if let bollard::exec::StartExecResults::Attached {
            output: mut stream, ..
        } = started
        {
            while let Some(chunk) = stream.next().await {
                output.extend_from_slice(&chunk.context("exec output")?.into_bytes());
                let over = output.len().saturating_sub(EXEC_OUTPUT_MAX_BYTES);
                output.drain(..over);
            }
        }
        let output = String::from_utf8_lossy(&output).into_owned();
        // The stream ends as the process does; the engine may record its code a moment later.
        loop {
            let inspect = self
                .docker
                .inspect_exec(&exec.id)
                .await
                .context("inspect exec")?;
            if inspect.running != Some(true) {
                if let Some(exit_code) = inspect.exit_code {
                    return Ok(ExecOutcome { exit_code, output });
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    async fn published_port(&self, id: &str, container_port: u16) -> anyhow::Result<u16> {
        let inspect = self.docker.inspect_container(id, None).await?;
        let key = format!("{container_port}/tcp");
        inspect
            .network_settings
            .and_then(|n| n.ports)
            .and_then(|mut ports| ports.remove(&key))
            .flatten()
            .and_then(|bindings| bindings.into_iter().find_map(|b| b.host_port))
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| anyhow!("port {key} is not published (did the container exit?)"))
    }

    async fn container_state(&self, id: &str) -> anyhow::Result<ContainerState> {
        let state = match self.docker.inspect_container(id, None).await {
            Ok(inspect) => inspect.state.unwrap_or_default(),
            // A state word bollard does not know (Podman's "stopped"): read it by hand.
            Err(e) if e.to_string().contains("unknown variant") => {
                let path = format!("/containers/{id}/json");
                let inspect = super::session::get_json(&self.endpoint, &path).await?;
                lenient_state(&inspect)?
            }
            Err(e) => return Err(e.into()),
        };
        let health_output = state
            .health
            .as_ref()
            .and_then(|h| h.log.as_ref())
            .and_then(|log| log.last())
            .and_then(|last| last.output.clone());
        let health = match state.health.and_then(|h| h.status) {
            Some(HealthStatusEnum::STARTING) => Health::Starting,
            Some(HealthStatusEnum::HEALTHY) => Health::Healthy,
            Some(HealthStatusEnum::UNHEALTHY) => Health::Unhealthy,
            _ => Health::None,
        };
        Ok(ContainerState {
            running: state.running.unwrap_or(false),
            exit_code: state.exit_code,
            oom_killed: state.oom_killed.unwrap_or(false),
            health,
            health_output,
        })
    }

    async fn memory(&self, id: &str) -> anyhow::Result<MemoryReading> {
        // one_shot answers in ~5 ms; without it the engine waits ~2 s to compute CPU deltas.
        let options = StatsOptions {
            stream: false,
            one_shot: true,
        };
        let stats = self
            .docker
            .stats(id, Some(options))
            .next()
            .await
            .ok_or_else(|| anyhow!("no stats for container {id}"))??;
        memory_reading(stats)
    }

    async fn logs_tail(&self, id: &str, lines: usize) -> String {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: lines.to_string(),
            ..Default::default()
        };
        let mut out = String::new();
        let mut logs = self.docker.logs(id, Some(options));
        while let Some(Ok(chunk)) = logs.next().await {
            out.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
        }
        out
    }

    async fn remove_container(&self, id: &str) -> anyhow::Result<()> {
        let options = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        let result = self.docker.remove_container(id, Some(options)).await;
        match result {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                self.live_containers.lock().unwrap().remove(id);
                Ok(())
            }
            Err(e) => Err(e).with_context(|| format!("remove container {id}")),
        }
    }

    async fn http_status(&self, host_port: u16, path: &str) -> Option<u16> {
        probe::http_status(&self.probe_host, host_port, path).await
    }

    async fn wait_for_log(&self, id: &str, pattern: &regex::Regex) -> anyhow::Result<()> {
        // From the first line (`since` 0), so nothing printed before this call is missed.
        let options = LogsOptions {
            follow: true,
            stdout: true,
            stderr: true,
            ..Default::default()
        };
        let mut logs = self.docker.logs(id, Some(options));
        let mut lines = LineMatcher::default();
        while let Some(chunk) = logs.next().await {
            let chunk = chunk.context("read the container's output")?;
            if lines.feed(&chunk.into_bytes(), pattern) {
                return Ok(());
            }
        }
        Err(anyhow!(
            "the container's output ended with no line matching /{pattern}/"
        ))
    }

    /// Removes every container, network and volume this engine created that is still there
    /// (Ctrl-C, errors). Containers first: a network or volume in use cannot go.
    async fn export_image(
        &self,
        image: &str,
        chunks: tokio::sync::mpsc::Sender<Vec<u8>>,
    ) -> anyhow::Result<()> {
        let mut stream = self.docker.export_image(image);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.with_context(|| format!("export image {image}"))?;
            if chunks.send(chunk.to_vec()).await.is_err() {
                // The reader stopped (it failed, and says why).
                break;
            }
        }
        Ok(())
    }

    async fn build_cache(&self) -> anyhow::Result<Vec<CacheRecord>> {
        if !self.kind.has_buildkit() {
            return Ok(Vec::new());
        }
        // Unversioned, so that the engine answers in its own form (`cache_records` reads
        // both). `type` (API 1.42 on) spares the engine sizing every image and volume; older
        // engines ignore it.
        let df = session::get_json(&self.endpoint, "/system/df?type=build-cache&verbose=1").await?;
        Ok(cache_records(&df))
    }

    async fn remove_build_cache(&self, id: &str) -> anyhow::Result<bool> {
        // Docker turns an `id` filter into BuildKit's `id~=` (a regular expression): a whole
        // record id, 25 random letters and digits, matches that record alone.
        let filters = HashMap::from([("id".to_string(), vec![id.to_string()])]);
        let options = PruneBuildOptions {
            all: Some(true),
            filters: Some(filters),
            ..Default::default()
        };
        let pruned = self
            .docker
            .prune_build(Some(options))
            .await
            .with_context(|| format!("remove build cache record {id}"))?;
        Ok(pruned
            .caches_deleted
            .unwrap_or_default()
            .iter()
            .any(|d| d == id))
    }

    async fn ping(&self) -> anyhow::Result<()> {
        // A dead engine's socket refuses at once; a hung one must not hang the run.
        match tokio::time::timeout(PING_TIMEOUT, self.docker.ping()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(anyhow!(e)),
            Err(_) => Err(anyhow!("no answer within {} s", PING_TIMEOUT.as_secs())),
        }
    }

    fn kind(&self) -> EngineKind {
        self.kind
    }

    fn address(&self) -> String {
        self.endpoint.address()
    }

    async fn run_resources(&self) -> anyhow::Result<Vec<Resource>> {
        let filters = || HashMap::from([("label".to_string(), vec![LABEL_RUN.to_string()])]);
        let labels_of = |l: Option<HashMap<String, String>>| -> std::collections::BTreeMap<_, _> {
            l.unwrap_or_default().into_iter().collect()
        };
        let mut found = Vec::new();
        let containers = self
            .docker
            .list_containers(Some(ListContainersOptions {
                all: true,
                filters: Some(filters()),
                ..Default::default()
            }))
            .await
            .context("list containers")?;
        for c in containers {
            let id = c.id.unwrap_or_default();
            let name = c
                .names
                .and_then(|n| n.first().map(|n| n.trim_start_matches('/').to_string()))
                .unwrap_or_else(|| id.clone());
            found.push(Resource {
                kind: ResourceKind::Container,
                running: c.state == Some(ContainerSummaryStateEnum::RUNNING),
                id,
                name,
                labels: labels_of(c.labels),
            });
        }
        let networks = self
            .docker
            .list_networks(Some(ListNetworksOptions {
                filters: Some(filters()),
            }))
            .await
            .context("list networks")?;
        for n in networks {
            let name = n.name.unwrap_or_default();
            found.push(Resource {
                kind: ResourceKind::Network,
                id: name.clone(),
                name,
                labels: labels_of(n.labels),
                running: false,
            });
        }
        let volumes = self
            .docker
            .list_volumes(Some(ListVolumesOptions {
                filters: Some(filters()),
            }))
            .await
            .context("list volumes")?;
        for v in volumes.volumes.unwrap_or_default() {
            found.push(Resource {
                kind: ResourceKind::Volume,
                id: v.name.clone(),
                name: v.name,
                labels: v.labels.into_iter().collect(),
                running: false,
            });
        }
        let mut images = self
            .docker
            .list_images(Some(ListImagesOptions {
                filters: Some(filters()),
                ..Default::default()
            }))
            .await
            .context("list images")?;
        // Newest first: an image built on another of the run's goes before it.
        images.sort_by_key(|i| std::cmp::Reverse(i.created));
        for i in images {
            found.push(Resource {
                kind: ResourceKind::Image,
                name: i.repo_tags.first().cloned().unwrap_or_else(|| i.id.clone()),
                id: i.id,
                labels: i.labels.into_iter().collect(),
                running: false,
            });
        }
        Ok(found)
    }

    async fn remove_resource(&self, resource: &Resource) -> anyhow::Result<()> {
        match resource.kind {
            ResourceKind::Container => self.remove_container(&resource.id).await,
            ResourceKind::Network => self.remove_network(&resource.id).await,
            ResourceKind::Volume => self.remove_volume(&resource.id).await,
            ResourceKind::Image => match self.image_exists(&resource.id).await? {
                // Gone with a child removed before it.
                false => Ok(()),
                true => self.remove_image(&resource.id).await,
            },
        }
    }

    async fn remove_live_resources(&self) {
        let snapshot = |set: &Mutex<HashSet<String>>| -> Vec<String> {
            set.lock().unwrap().iter().cloned().collect()
        };
        for id in snapshot(&self.live_containers) {
            if let Err(e) = self.remove_container(&id).await {
                eprintln!("warning: could not remove container {id}: {e:#}");
            }
        }
        for name in snapshot(&self.live_networks) {
            if let Err(e) = self.remove_network(&name).await {
                eprintln!("warning: could not remove network {name}: {e:#}");
            }
        }
        for name in snapshot(&self.live_volumes) {
            if let Err(e) = self.remove_volume(&name).await {
                eprintln!("warning: could not remove volume {name}: {e:#}");
            }
        }
    }

    /// After Ctrl-C dropped a build midway: waits until the engine has finished what it will
    /// finish anyway, so that the images of this run can then be removed. BuildKit cancels a
    /// build whose client went away, but not its export: an image being exported is still
    /// written and tagged (seen: ~6 s after dockbench had exited, on fuse-overlayfs).
    async fn wait_for_abandoned_build(&self) {
        let Some(build) = self.inflight_build.lock().unwrap().take() else {
            return;
        };
        if !build.exporting {
            return;
        }
        eprintln!("waiting for the engine to finish exporting the interrupted build...");
        let deadline = tokio::time::Instant::now() + ABANDONED_EXPORT_WAIT;
        while tokio::time::Instant::now() < deadline {
            if self.image_id(&build.tag).await != build.previous_image {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        eprintln!(
            "warning: the engine had not finished the interrupted build of {} after {}s; \
             an image with this run's label may be left",
            build.tag,
            ABANDONED_EXPORT_WAIT.as_secs()
        );
    }
}

/// Splits a log stream into lines across chunk boundaries and matches each.
#[derive(Default)]
struct LineMatcher {
    partial: String,
}

impl LineMatcher {
    /// True once a line matches. The unfinished last line is tried too, so an app that prints
    /// its ready message without a newline still counts as ready when it prints it.
    fn feed(&mut self, bytes: &[u8], pattern: &regex::Regex) -> bool {
        self.partial.push_str(&String::from_utf8_lossy(bytes));
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            if pattern.is_match(line.trim_end_matches(['\n', '\r'])) {
                return true;
            }
        }
        pattern.is_match(&self.partial) && !self.partial.is_empty()
    }
}

fn container_body(spec: &ContainerSpec, probe_host: &str) -> ContainerCreateBody {
    let port_key = spec.port.map(|p| format!("{p}/tcp"));
    // A local engine publishes on loopback only; a remote one must publish where we can reach it.
    let host_ip = if probe_host == "127.0.0.1" {
        "127.0.0.1"
    } else {
        ""
    };
    let port_bindings = port_key.as_ref().map(|k| {
        let binding = PortBinding {
            host_ip: Some(host_ip.to_string()),
            // Empty host port: the engine picks a free ephemeral one, so runs never collide.
            host_port: Some(String::new()),
        };
        HashMap::from([(k.clone(), Some(vec![binding]))])
    });
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        cmd: spec.command.clone(),
        labels: Some(spec.labels.clone().into_iter().collect()),
        exposed_ports: port_key.map(|k| vec![k]),
        entrypoint: spec.entrypoint.clone(),
        working_dir: spec.working_dir.clone(),
        healthcheck: Some(match &spec.health {
            // Without a test of its own, only interval and start period: the image's test is
            // kept (docs/engines.md, "Readiness and health checks").
            HealthMode::Every {
                interval,
                start_period,
                test,
                timeout,
            } => HealthConfig {
                test: test.clone(),
                interval: Some(nanos(*interval)),
                // Engine 25 and later (API 1.44) check at `start_interval`, 5 s unless set,
                // while the start period lasts: a dependency healthy after 1 s was then seen
                // healthy at 5 s, and a failing one had no check output yet (seen on Docker 28).
                // Older engines ignore the field.
                start_interval: Some(nanos(*interval)),
                start_period: Some(nanos(*start_period)),
                timeout: timeout.map(nanos),
                ..Default::default()
            },
            HealthMode::Off => HealthConfig {
                test: Some(vec!["NONE".to_string()]),
                ..Default::default()
            },
        }),
        user: spec.user.clone(),
        host_config: Some(HostConfig {
            port_bindings,
            memory: spec.limits.memory_bytes.map(|b| b as i64),
            // No swap beyond the limit: an app over it is killed, as under an orchestrator's
            // limit, instead of running on at swap speed (`docker run --memory` alone would
            // allow as much swap again on a host that has swap).
            memory_swap: spec.limits.memory_bytes.map(|b| b as i64),
            nano_cpus: spec.limits.cpus.map(|c| (c * 1e9).round() as i64),
            tmpfs: (!spec.tmpfs.is_empty()).then(|| tmpfs_mounts(&spec.tmpfs)),
            network_mode: spec.networks.first().map(|n| n.network.clone()),
            mounts: (!spec.mounts.is_empty()).then(|| spec.mounts.iter().map(mount).collect()),
            ..Default::default()
        }),
        networking_config: spec.networks.first().map(|n| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                n.network.clone(),
                EndpointSettings {
                    aliases: Some(n.aliases.clone()),
                    ..Default::default()
                },
            )])),
        }),
        ..Default::default()
    }
}

fn mount(m: &super::Mount) -> bollard::models::Mount {
    bollard::models::Mount {
        source: Some(m.source.clone()),
        target: Some(m.target.clone()),
        typ: Some(match m.kind {
            MountKind::Volume => MountType::VOLUME,
            MountKind::Bind => MountType::BIND,
        }),
        read_only: Some(m.read_only),
        ..Default::default()
    }
}

/// `path[:options]` entries as the API's map from path to options.
fn tmpfs_mounts(entries: &[String]) -> HashMap<String, String> {
    entries
        .iter()
        .map(|e| match e.split_once(':') {
            Some((path, options)) => (path.to_string(), options.to_string()),
            None => (e.clone(), String::new()),
        })
        .collect()
}

fn nanos(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stats payloads as the engines send them (`GET /containers/ID/stats?stream=false&
    /// one-shot=true`), abridged to the memory figures: Docker 20.10 on this machine's cgroup
    /// v1, and Docker 28 on a cgroup v2 host (no `max_usage`; `inactive_file`, not
    /// `total_inactive_file`). A v2 kernel is not on hand here: the v2 shape is Engine 28's
    /// documented one (docs/engines.md, "Memory figures").
    #[test]
    fn memory_figures_from_cgroup_v1_and_v2_stats() {
        let v1: bollard::models::ContainerStatsResponse = serde_json::from_str(
            r#"{"memory_stats": {"usage": 52428800, "max_usage": 73400320,
                "stats": {"cache": 4194304, "rss": 46137344, "inactive_file": 1,
                          "total_inactive_file": 2097152}, "limit": 25000000000}}"#,
        )
        .unwrap();
        let v1 = memory_reading(v1).unwrap();
        assert_eq!(
            v1,
            MemoryReading {
                usage_bytes: 52_428_800,
                max_usage_bytes: Some(73_400_320),
                inactive_file_bytes: 2_097_152,
            }
        );
        assert_eq!(v1.working_set_bytes(), 48 << 20);
        let v2: bollard::models::ContainerStatsResponse = serde_json::from_str(
            r#"{"memory_stats": {"usage": 44040192,
                "stats": {"anon": 41943040, "file": 2097152, "inactive_file": 1048576,
                          "active_file": 1048576, "kernel": 0}, "limit": 25000000000}}"#,
        )
        .unwrap();
        let v2 = memory_reading(v2).unwrap();
        assert_eq!(v2.max_usage_bytes, None, "v2 keeps no peak");
        assert_eq!(v2.working_set_bytes(), 41 << 20);
        let none: bollard::models::ContainerStatsResponse =
            serde_json::from_str(r#"{"read": "0001-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(
            memory_reading(none).unwrap_err().to_string(),
            "no memory stats"
        );
    }

    /// Podman 4.3 calls an exited container "stopped", which bollard's enum refuses.
    #[test]
    fn a_state_bollard_does_not_know_is_read_all_the_same() {
        let inspect = serde_json::json!({"Id": "c", "State": {"Status": "stopped",
            "Running": false, "ExitCode": 7, "OOMKilled": false,
            "Health": {"Status": "", "FailingStreak": 0, "Log": null}}});
        let strict: Result<bollard::models::ContainerInspectResponse, _> =
            serde_json::from_value(inspect.clone());
        assert!(strict
            .unwrap_err()
            .to_string()
            .contains("unknown variant `stopped`"));
        let state = lenient_state(&inspect).unwrap();
        assert_eq!(
            (state.running, state.exit_code, state.oom_killed),
            (Some(false), Some(7), Some(false))
        );
    }

    #[test]
    fn build_cache_records_are_read_in_both_forms() {
        // Docker 20.10 (API 1.41): one `Parent`.
        let old = serde_json::json!({"BuildCache": [
            {"ID": "l1w7", "Parent": "", "Type": "regular", "InUse": false, "Shared": true},
            {"ID": "kfi8", "Parent": "l1w7", "Type": "regular", "InUse": false, "Shared": false}
        ]});
        let records = cache_records(&old);
        assert_eq!(records.len(), 2);
        assert!(records[0].parents.is_empty() && records[0].shared);
        assert_eq!(records[1].parents, ["l1w7"]);
        assert!(!records[1].in_use && !records[1].shared);
        // API 1.52 on: the list moved under `BuildCacheUsage`, with `Parents`.
        let new = serde_json::json!({"BuildCacheUsage": {"Items": [
            {"ID": "a", "Parents": ["b", "c"], "Type": "exec.cachemount"}
        ]}});
        let records = cache_records(&new);
        assert_eq!(records[0].parents, ["b", "c"]);
        assert_eq!(records[0].kind, "exec.cachemount");
        assert!(records[0].in_use, "unknown counts as in use");
        assert!(cache_records(&serde_json::json!({"BuildCache": null})).is_empty());
    }

    #[test]
    fn podman_and_the_containerd_store_are_recognised() {
        let version =
            |json: &str| -> bollard::models::SystemVersion { serde_json::from_str(json).unwrap() };
        let podman = version(
            r#"{"Version": "4.3.1", "ApiVersion": "1.41",
                "Components": [{"Name": "Podman Engine", "Version": "4.3.1"}]}"#,
        );
        assert_eq!(engine_kind(&podman), EngineKind::Podman);
        let docker = version(
            r#"{"Version": "28.5.2", "ApiVersion": "1.51",
                "Components": [{"Name": "Engine", "Version": "28.5.2"},
                               {"Name": "containerd", "Version": "2.1.9"}]}"#,
        );
        assert_eq!(engine_kind(&docker), EngineKind::Docker);
        let status = |pairs: &[[&str; 2]]| -> Vec<Vec<String>> {
            pairs
                .iter()
                .map(|p| p.iter().map(|s| s.to_string()).collect())
                .collect()
        };
        assert_eq!(
            image_store(&status(&[["driver-type", "io.containerd.snapshotter.v1"]])),
            "containerd"
        );
        assert_eq!(
            image_store(&status(&[
                ["Backing Filesystem", "extfs"],
                ["Supports d_type", "true"]
            ])),
            ""
        );
    }

    #[test]
    fn log_lines_match_across_chunks_and_without_a_newline() {
        let ready = regex::Regex::new("^worker ready").unwrap();
        let mut m = LineMatcher::default();
        assert!(!m.feed(b"starting\nwor", &ready));
        assert!(!m.feed(b"ker warming\n", &ready));
        assert!(!m.feed(b"worker re", &ready));
        assert!(m.feed(b"ady: 3 jobs", &ready), "the unfinished line counts");
        let mut m = LineMatcher::default();
        assert!(m.feed(b"a\r\nworker ready\r\nb\n", &ready));
        let end = regex::Regex::new("done$").unwrap();
        let mut m = LineMatcher::default();
        assert!(
            !m.feed(b"done and more\n", &end),
            "`$` is the end of a line"
        );
    }

    #[test]
    fn container_body_publishes_on_loopback_and_keeps_image_health_test() {
        let spec = ContainerSpec {
            image: "img".into(),
            port: Some(8000),
            env: std::collections::BTreeMap::from([("A".into(), "1".into())]),
            command: None,
            labels: crate::driver::run_labels("r1", &[]),
            limits: crate::scenario::Limits {
                memory_bytes: Some(128 << 20),
                memory_text: Some("128MiB".into()),
                cpus: Some(1.5),
            },
            user: Some("1000:1000".into()),
            tmpfs: vec!["/tmp".into(), "/run:size=64m".into()],
            health: HealthMode::Every {
                interval: std::time::Duration::from_millis(100),
                start_period: std::time::Duration::from_secs(60),
                test: None,
                timeout: None,
            },
            ..ContainerSpec::new("img", crate::driver::run_labels("r1", &[]))
        };
        let body = container_body(&spec, "127.0.0.1");
        let hc = body.healthcheck.unwrap();
        assert_eq!(hc.interval, Some(100_000_000));
        assert_eq!(hc.test, None, "the image's own test must be kept");
        let off = ContainerSpec {
            health: HealthMode::Off,
            ..spec.clone()
        };
        let hc = container_body(&off, "127.0.0.1").healthcheck.unwrap();
        assert_eq!(hc.test, Some(vec!["NONE".to_string()]));
        assert_eq!(hc.interval, None);
        assert_eq!(body.user.as_deref(), Some("1000:1000"));
        let host = body.host_config.clone().unwrap();
        assert_eq!(host.memory, Some(134_217_728));
        assert_eq!(
            host.memory_swap,
            Some(134_217_728),
            "no swap beyond the limit"
        );
        assert_eq!(host.nano_cpus, Some(1_500_000_000));
        let tmpfs = host.tmpfs.unwrap();
        assert_eq!(tmpfs["/tmp"], "");
        assert_eq!(tmpfs["/run"], "size=64m");
        let bindings = body.host_config.unwrap().port_bindings.unwrap();
        let b = &bindings["8000/tcp"].as_ref().unwrap()[0];
        assert_eq!(b.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(body.labels.unwrap()["dockbench"], "1");
        assert_eq!(body.env.unwrap(), vec!["A=1".to_string()]);
    }
}
