//! What the engine reported about a build, an image and itself, as results.json stores it. The
//! driver fills these in; they belong to the results format, so that a change of driver (or of
//! bollard) cannot change what a results folder means.

use serde::{Deserialize, Serialize};

/// One image layer, as `image_history` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    /// `<missing>` for layers BuildKit made.
    pub id: String,
    pub size_bytes: u64,
    pub created_by: String,
}

/// One Dockerfile step of a build (RUN, COPY or ADD) and whether the layer cache served it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildStep {
    /// As the builder names it, e.g. `[stage-0 2/4] COPY app.py /` or `RUN echo a`.
    pub name: String,
    /// RUN, COPY or ADD.
    pub instruction: String,
    pub cached: bool,
    /// Only BuildKit reports per-step times.
    pub duration_s: Option<f64>,
    /// Served from the cache although a step it takes its input from ran again in this build:
    /// BuildKit matched that step's new output, by content, to a layer an earlier build had made
    /// (a `pip install` that installs what an earlier build installed). Such a rebuild is shorter
    /// than a first one. BuildKit only; the classic builder cannot tell.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reused_output: bool,
}

/// Which engine answers the Docker API. Podman answers it too, but builds with Buildah (no
/// BuildKit) and, without systemd, runs no health checks of its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    #[default]
    Docker,
    Podman,
}

impl EngineKind {
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Docker => "Docker",
            EngineKind::Podman => "Podman",
        }
    }

    /// Whether a BuildKit build can be asked for through the API.
    pub fn has_buildkit(self) -> bool {
        self == EngineKind::Docker
    }

    /// What builds a variant whose builder is "classic" (the engine's own non-BuildKit one).
    pub fn classic_builder(self) -> &'static str {
        match self {
            EngineKind::Docker => "classic",
            EngineKind::Podman => "buildah (Podman)",
        }
    }

    /// Whether the engine runs an image's HEALTHCHECK by itself. Podman runs them from systemd
    /// timers, so whether they run depends on the host; dockbench runs the test itself there,
    /// which measures the same on every Podman host.
    pub fn runs_health_checks(self) -> bool {
        self == EngineKind::Docker
    }
}

/// What the engine says about itself (`docker info` / `docker version`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineInfo {
    /// Docker, or Podman answering the Docker API (older results hold no kind: Docker).
    #[serde(default)]
    pub kind: EngineKind,
    /// The engine's own version (Podman's for Podman), despite the name.
    pub docker_version: String,
    pub api_version: String,
    pub storage_driver: String,
    /// Where images live when that is not the storage driver alone: "containerd" for Docker's
    /// containerd image store (its `storage_driver` is then the snapshotter).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image_store: String,
    /// "1" or "2".
    pub cgroup_version: String,
    pub cgroup_driver: String,
    pub operating_system: String,
    pub kernel_version: String,
    pub ncpu: u64,
    pub mem_total_bytes: u64,
}

impl EngineInfo {
    /// "Docker 28.5.2 (API 1.51)", as reports name the engine.
    pub fn label(&self) -> String {
        format!(
            "{} {} (API {})",
            self.kind.name(),
            self.docker_version,
            self.api_version
        )
    }

    /// "overlay2", or "containerd (overlayfs)" for Docker's containerd image store.
    pub fn store_label(&self) -> String {
        if self.image_store.is_empty() {
            self.storage_driver.clone()
        } else {
            format!("{} ({})", self.image_store, self.storage_driver)
        }
    }
}
