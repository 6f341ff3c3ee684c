//! `environment.json`: the host (via sysinfo), the engine and dockbench itself, so that results
//! from different machines or dockbench builds are never compared without noticing.

use serde::{Deserialize, Serialize};
use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

use super::engine::EngineInfo;

/// The git commit dockbench was built from, set by `build.rs` (`unknown` outside a git checkout).
pub const GIT_COMMIT: &str = env!("DOCKBENCH_GIT_COMMIT");

/// Where a run happened. Host fields that sysinfo cannot read on a platform are `None` rather
/// than an empty string, so "unknown" is never mistaken for a value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// E.g. `AMD EPYC 7763 64-Core Processor`; empty if the platform does not say.
    pub cpu_brand: String,
    pub cpu_logical_cores: u64,
    pub cpu_physical_cores: Option<u64>,
    pub memory_total_bytes: u64,
    /// E.g. `Ubuntu`, `Darwin`.
    pub os_name: Option<String>,
    /// E.g. `24.04`.
    pub os_version: Option<String>,
    pub kernel_version: Option<String>,
    pub hostname: Option<String>,
    /// `None` when the engine could not be asked.
    pub engine: Option<EngineInfo>,
    /// The docker CLI context that chose the engine (`--context`, `DOCKER_CONTEXT` or the
    /// current context); `None` for `DOCKER_HOST`, the local socket, and runs made before
    /// dockbench read contexts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_context: Option<String>,
    pub dockbench_version: String,
    /// Short sha, with `-dirty` if built from a modified tree.
    pub dockbench_git_commit: String,
}

/// Reads the host. Only CPU names and memory are refreshed: process and disk scans are slow
/// and say nothing about a benchmark's conditions.
pub fn gather(engine: Option<EngineInfo>) -> Environment {
    let system = System::new_with_specifics(
        RefreshKind::nothing()
            .with_cpu(CpuRefreshKind::nothing())
            .with_memory(MemoryRefreshKind::nothing().with_ram()),
    );
    let cpu_brand = system
        .cpus()
        .first()
        .map(|cpu| cpu.brand().trim().to_string())
        .unwrap_or_default();
    Environment {
        cpu_brand,
        cpu_logical_cores: system.cpus().len() as u64,
        cpu_physical_cores: System::physical_core_count().map(|n| n as u64),
        memory_total_bytes: system.total_memory(),
        os_name: System::name(),
        os_version: System::os_version(),
        kernel_version: System::kernel_version(),
        hostname: System::host_name(),
        engine,
        docker_context: None,
        dockbench_version: env!("CARGO_PKG_VERSION").to_string(),
        dockbench_git_commit: GIT_COMMIT.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::testdata::engine_info;

    #[test]
    fn gathers_host_and_keeps_engine() {
        let env = gather(Some(engine_info()));
        assert!(env.cpu_logical_cores > 0);
        assert!(env.memory_total_bytes > 0);
        assert_eq!(env.engine, Some(engine_info()));
        assert_eq!(env.dockbench_version, env!("CARGO_PKG_VERSION"));
        assert!(!env.dockbench_git_commit.is_empty());
    }

    #[test]
    fn json_round_trip() {
        let env = gather(None);
        let json = serde_json::to_string_pretty(&env).unwrap();
        assert!(json.contains("\"engine\": null"));
        let back: Environment = serde_json::from_str(&json).unwrap();
        assert_eq!(back, env);
        // Written without a context, and read back from folders that never had one.
        assert!(!json.contains("docker_context"));
        let with_context = Environment {
            docker_context: Some("colima".into()),
            ..env
        };
        let json = serde_json::to_string(&with_context).unwrap();
        assert!(json.contains(r#""docker_context":"colima""#), "{json}");
        let back: Environment = serde_json::from_str(&json).unwrap();
        assert_eq!(back, with_context);
    }
}
