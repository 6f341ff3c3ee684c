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

/// What the engine says about itself (`docker info` / `docker version`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineInfo {
    pub docker_version: String,
    pub api_version: String,
    pub storage_driver: String,
    /// "1" or "2".
    pub cgroup_version: String,
    pub cgroup_driver: String,
    pub operating_system: String,
    pub kernel_version: String,
    pub ncpu: u64,
    pub mem_total_bytes: u64,
}
