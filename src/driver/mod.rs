//! The Docker driver: the only module that talks to the engine (through bollard, in `docker.rs`).
//! Everything it hands out is plain data, so the rest of dockbench is testable without a daemon.

pub mod api_version;
pub mod buildlog;
pub mod context;
pub mod docker;
pub mod endpoint;
// Also for integration tests (tests/runner.rs), which build the crate without cfg(test).
#[cfg(any(test, feature = "fake-engine"))]
pub mod fake;
pub mod lease;
pub mod probe;
pub mod registry;
pub mod session;

// The engine's answers that results.json stores are the results format's own types: the
// format must not change when the driver does.
pub use crate::results::engine::{BuildStep, EngineInfo, EngineKind, Layer};

use std::collections::BTreeMap;
use std::time::Duration;

use crate::scenario::{Builder, Limits};

/// Every image and container dockbench creates carries this label (value "1"), plus
/// `LABEL_RUN` with the run's id, so that cleanup can never touch anything else.
pub const LABEL: &str = "dockbench";
pub const LABEL_RUN: &str = "dockbench.run";

/// One build, ready to send: the context is already a tar of dockbench's private copy.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    pub context_tar: Vec<u8>,
    /// Path of the Dockerfile inside the context, with `/` separators.
    pub dockerfile: String,
    pub builder: Builder,
    /// The stage to build (`--target`); the last when `None`.
    pub target: Option<String>,
    /// `--platform`; the engine's own when `None`.
    pub platform: Option<String>,
    pub build_args: BTreeMap<String, String>,
    pub nocache: bool,
    pub tag: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BuildOutput {
    pub image_id: String,
    pub steps: Vec<BuildStep>,
    /// Images the build created besides `image_id`, oldest first (classic builder: one per step
    /// that ran, in every stage). Empty for BuildKit, which keeps its cache elsewhere.
    pub created_images: Vec<String>,
}

/// A build that failed, with the builder's own words (failing step, exit code, last log lines).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct BuildFailure {
    pub message: String,
    /// Images the classic builder committed before the failing step: dangling, and ours to remove.
    pub created_images: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImageFacts {
    /// As the engine reports it (`docker image inspect`'s Size).
    pub size_bytes: u64,
    /// Newest first, as `docker history` lists them.
    pub layers: Vec<Layer>,
    /// `size_bytes` and the layers' sizes are the bytes of the files the layers hold (Docker
    /// with a graph driver). Docker's containerd store reports the stored (compressed) content
    /// and the snapshots' disk blocks instead, Podman the layers' tar streams: there the
    /// unpacked size comes from the image's anatomy (docs/engines.md, "Image size").
    pub size_is_unpacked: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerSpec {
    pub image: String,
    /// Container port to publish on the probe host's loopback, on an ephemeral host port.
    pub port: Option<u16>,
    pub env: BTreeMap<String, String>,
    pub command: Option<Vec<String>>,
    pub labels: BTreeMap<String, String>,
    pub health: HealthMode,
    pub limits: Limits,
    pub user: Option<String>,
    /// `docker run --tmpfs` entries: `path` or `path:options`.
    pub tmpfs: Vec<String>,
    /// Replaces the image's ENTRYPOINT (an empty list clears it, as compose's `entrypoint: []`).
    pub entrypoint: Option<Vec<String>>,
    pub working_dir: Option<String>,
    /// Networks to join, each with the names other containers reach this one by. Empty: the
    /// engine's default bridge.
    pub networks: Vec<NetworkAttachment>,
    pub mounts: Vec<Mount>,
}

impl ContainerSpec {
    /// A spec for `image` with nothing else set.
    pub fn new(image: &str, labels: BTreeMap<String, String>) -> ContainerSpec {
        ContainerSpec {
            image: image.to_string(),
            port: None,
            env: BTreeMap::new(),
            command: None,
            labels,
            health: HealthMode::Off,
            limits: Limits::default(),
            user: None,
            tmpfs: Vec::new(),
            entrypoint: None,
            working_dir: None,
            networks: Vec::new(),
            mounts: Vec::new(),
        }
    }
}

/// One network a container joins, and its DNS aliases there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAttachment {
    pub network: String,
    pub aliases: Vec<String>,
}

/// A volume or host folder mounted into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// A volume's name (`Volume`) or an absolute host path (`Bind`).
    pub source: String,
    pub target: String,
    pub kind: MountKind,
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    Volume,
    Bind,
}

/// How the image's HEALTHCHECK runs in a measured container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthMode {
    /// Docker runs the image's own test on this schedule instead of the image's (often 30 s)
    /// one; failures inside `start_period` do not count towards "unhealthy".
    Every {
        interval: Duration,
        start_period: Duration,
        /// A test in Docker's stored form (`["CMD-SHELL", "..."]`) replacing the image's, as a
        /// compose `healthcheck.test` does; the image's own when `None`.
        test: Option<Vec<String>>,
        /// How long one check may take; the image's (or Docker's 30 s) when `None`.
        timeout: Option<Duration>,
    },
    /// Docker does not run it. Every check is a process exec'd into the container, and checks
    /// every 100 ms while the app starts compete with it for CPU: measured here, they made a
    /// 4-worker uvicorn app on 2 cores start ~1.1 s (15%) later. dockbench then runs the
    /// image's test itself (`Engine::exec`) once the app answers.
    Off,
}

/// An image's HEALTHCHECK test, ready to exec, and how long one check may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthTest {
    pub argv: Vec<String>,
    pub timeout: Duration,
}

impl HealthTest {
    /// Docker's stored form: `["CMD", args...]`, `["CMD-SHELL", "command"]`, `["NONE"]`
    /// (none), or empty (inherited: nothing here). `timeout_ns` 0 means Docker's default, 30 s.
    pub fn from_docker(test: &[String], timeout_ns: i64) -> Option<HealthTest> {
        let argv = match test.split_first()? {
            (kind, args) if kind == "CMD" && !args.is_empty() => args.to_vec(),
            (kind, [command]) if kind == "CMD-SHELL" => {
                vec!["/bin/sh".to_string(), "-c".to_string(), command.clone()]
            }
            _ => return None,
        };
        let timeout = if timeout_ns > 0 {
            Duration::from_nanos(timeout_ns as u64)
        } else {
            Duration::from_secs(30)
        };
        Some(HealthTest { argv, timeout })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// The image has no HEALTHCHECK.
    None,
    Starting,
    Healthy,
    Unhealthy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerState {
    pub running: bool,
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    pub health: Health,
    /// What the last health check printed, for error messages.
    pub health_output: Option<String>,
}

/// How a command run in a container ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutcome {
    pub exit_code: i64,
    /// Its stdout and stderr as they came, the last `EXEC_OUTPUT_MAX_BYTES` of them.
    pub output: String,
}

/// Docker keeps the last 4096 bytes of a health check's output (`maxOutputLen` in moby's
/// health.go); dockbench's own checks keep as much, so their errors read the same.
pub const EXEC_OUTPUT_MAX_BYTES: usize = 4096;

/// One memory reading of a container's cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryReading {
    pub usage_bytes: u64,
    /// Peak usage over the container's life (cgroup v1 only; v2 has none).
    pub max_usage_bytes: Option<u64>,
    /// Inactive file cache, which the docker CLI subtracts to show the working set.
    pub inactive_file_bytes: u64,
}

impl MemoryReading {
    /// The working set as `docker stats` shows it: usage minus inactive file cache.
    pub fn working_set_bytes(&self) -> u64 {
        self.usage_bytes.saturating_sub(self.inactive_file_bytes)
    }
}

/// What dockbench needs from a container engine. The real one is `docker::DockerEngine`; the
/// scripted `fake::FakeEngine` stands in for it in tests of the measurement logic.
// Not `Send`-bounded on purpose: dockbench drives one engine from one task.
#[allow(async_fn_in_trait)]
pub trait Engine {
    async fn info(&self) -> anyhow::Result<EngineInfo>;
    async fn build(&self, req: BuildRequest) -> Result<BuildOutput, BuildFailure>;
    async fn image_facts(&self, image: &str) -> anyhow::Result<ImageFacts>;
    async fn image_exists(&self, image: &str) -> anyhow::Result<bool>;
    async fn remove_image(&self, image: &str) -> anyhow::Result<()>;
    /// Ids of the images that carry `label` (`key=value`), newest first.
    async fn images_labelled(&self, label: &str) -> anyhow::Result<Vec<String>>;
    /// Creates (does not start) a labelled container and returns its id.
    async fn create_container(&self, spec: &ContainerSpec) -> anyhow::Result<String>;
    async fn start_container(&self, id: &str) -> anyhow::Result<()>;
    /// The image's HEALTHCHECK test, if it has one.
    async fn health_test(&self, image: &str) -> anyhow::Result<Option<HealthTest>>;
    /// Runs `argv` in the running container as Docker runs a health check (the container's
    /// user, environment and working directory) and returns its exit code and output.
    async fn exec(&self, id: &str, argv: &[String]) -> anyhow::Result<ExecOutcome>;
    /// The host port that `container_port` is published on (after start).
    async fn published_port(&self, id: &str, container_port: u16) -> anyhow::Result<u16>;
    /// The status of one HTTP GET of `path` on a published port, or `None` when nothing
    /// answered with a status line (docker-proxy accepts before the app listens).
    async fn http_status(&self, host_port: u16, path: &str) -> Option<u16>;
    /// Follows the container's stdout and stderr from its first line and returns once a line
    /// matches `pattern`; an error when the output ends first (the container stopped).
    async fn wait_for_log(&self, id: &str, pattern: &regex::Regex) -> anyhow::Result<()>;
    async fn container_state(&self, id: &str) -> anyhow::Result<ContainerState>;
    async fn memory(&self, id: &str) -> anyhow::Result<MemoryReading>;
    /// The last lines of the container's output, for error messages.
    async fn logs_tail(&self, id: &str, lines: usize) -> String;
    async fn remove_container(&self, id: &str) -> anyhow::Result<()>;
    /// Creates a labelled bridge network; its name is also its id for the calls below.
    async fn create_network(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> anyhow::Result<()>;
    async fn remove_network(&self, name: &str) -> anyhow::Result<()>;
    /// Creates a labelled local volume.
    async fn create_volume(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> anyhow::Result<()>;
    async fn remove_volume(&self, name: &str) -> anyhow::Result<()>;
    /// Removes every container, then every network and volume, that this engine created and
    /// that is still there (Ctrl-C, errors).
    async fn remove_live_resources(&self);
    /// After Ctrl-C dropped a build midway: waits until the engine has finished what it will
    /// finish anyway (an export in progress), so that the run's images can then be removed.
    async fn wait_for_abandoned_build(&self);
    /// Streams the image as `docker save` writes it, chunk by chunk, into `chunks`; stops
    /// early, without an error, when the receiver is gone.
    async fn export_image(
        &self,
        image: &str,
        chunks: tokio::sync::mpsc::Sender<Vec<u8>>,
    ) -> anyhow::Result<()>;
    /// Every record of the engine's BuildKit build cache (none where there is no BuildKit).
    async fn build_cache(&self) -> anyhow::Result<Vec<CacheRecord>>;
    /// Removes one build cache record; `false` when the engine kept it (in use, or a parent of
    /// a record still there).
    async fn remove_build_cache(&self, id: &str) -> anyhow::Result<bool>;
    /// Whether the engine answers at all (`docker version`'s `_ping`).
    async fn ping(&self) -> anyhow::Result<()>;
    /// Which engine this is, as a user would name it: its URL and the setting (`DOCKER_HOST`, a
    /// context) that named it, or the local socket.
    fn address(&self) -> String;
    /// Docker, or Podman answering Docker's API: it decides the builders and who runs health
    /// checks.
    fn kind(&self) -> EngineKind;
    /// Every container (running or not), image, network and volume that carries `LABEL_RUN`:
    /// what some dockbench run made.
    async fn run_resources(&self) -> anyhow::Result<Vec<Resource>>;
    /// Removes one of them (a container by force, with its anonymous volumes).
    async fn remove_resource(&self, resource: &Resource) -> anyhow::Result<()>;
}

/// One record of BuildKit's build cache, as `GET /system/df` lists it. Records carry no
/// labels: what a build made is told by which records are new after it (see
/// `measure::fresh`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheRecord {
    pub id: String,
    /// The records this one was made on top of.
    pub parents: Vec<String>,
    /// `regular` for a step's result; `source.local` (a context upload), `exec.cachemount` (a
    /// `RUN --mount=type=cache`), `internal`, `frontend`.
    pub kind: String,
    /// A build is using it right now.
    pub in_use: bool,
    /// Shared with something outside BuildKit's cache (a base image's layers).
    pub shared: bool,
}

/// What a dockbench run left on the engine, as `dockbench clean` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub kind: ResourceKind,
    /// The id (containers, images) or name (networks, volumes) the engine removes it by.
    pub id: String,
    /// What a user reads: a container's or image's name, or the id again.
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// A running container: it takes CPU and memory from whatever is measured next.
    pub running: bool,
}

/// In the order `clean` removes them: containers first, since they hold the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResourceKind {
    Container,
    Network,
    Volume,
    Image,
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ResourceKind::Container => "container",
            ResourceKind::Network => "network",
            ResourceKind::Volume => "volume",
            ResourceKind::Image => "image",
        })
    }
}

/// Labels for everything a run creates: `LABEL`, `LABEL_RUN` with the run's id, this
/// process's lease (`lease::LABEL_LEASE`), and `extra`.
pub fn run_labels(run_id: &str, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([
        (LABEL.to_string(), "1".to_string()),
        (LABEL_RUN.to_string(), run_id.to_string()),
        (
            lease::LABEL_LEASE.to_string(),
            lease::this_process().label(),
        ),
    ]);
    for (k, v) in extra {
        labels.insert(k.to_string(), v.to_string());
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn health_test_from_docker_forms() {
        let shell =
            HealthTest::from_docker(&strings(&["CMD-SHELL", "curl -f x || exit 1"]), 5e9 as i64);
        assert_eq!(
            shell,
            Some(HealthTest {
                argv: strings(&["/bin/sh", "-c", "curl -f x || exit 1"]),
                timeout: Duration::from_secs(5),
            })
        );
        let exec = HealthTest::from_docker(&strings(&["CMD", "python", "-c", "pass"]), 0).unwrap();
        assert_eq!(exec.argv, strings(&["python", "-c", "pass"]));
        assert_eq!(
            exec.timeout,
            Duration::from_secs(30),
            "Docker's default timeout"
        );
        assert_eq!(HealthTest::from_docker(&strings(&["NONE"]), 0), None);
        assert_eq!(HealthTest::from_docker(&[], 0), None);
        assert_eq!(HealthTest::from_docker(&strings(&["CMD"]), 0), None);
    }
}
