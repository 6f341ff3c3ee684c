//! `dockbench doctor`'s capability lines: what this engine does for dockbench, each measured on
//! it (a one-file build with each builder, its `docker save`, a container's stats and health
//! status), not assumed from its name or version.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::{sleep, Instant};

use crate::driver::{
    run_labels, BuildRequest, ContainerSpec, Engine, EngineKind, Health, HealthMode,
};
use crate::scenario::Builder;

/// The image the stats and health checks run: the busybox base of the bundled fixtures.
pub const PROBE_IMAGE: &str = "dockbench/busybox:latest";
/// How long a container's health status may take to turn healthy at a 100 ms interval.
const HEALTH_WAIT: Duration = Duration::from_secs(3);
/// The one file of the probe build, and its size: the anatomy must find exactly it.
const PROBE_FILE: &[u8] = b"dockbench doctor\n";

/// One line of `doctor`: a capability, what was measured, and whether dockbench can rely on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    pub name: &'static str,
    pub text: String,
    /// false: a run on this engine will fail at this, or measure less than it should.
    pub ok: bool,
}

fn line(name: &'static str, ok: bool, text: impl Into<String>) -> Capability {
    Capability {
        name,
        text: text.into(),
        ok,
    }
}

/// Measures every capability; removes what it made.
pub async fn measure<E: Engine>(engine: &E) -> Vec<Capability> {
    let run_id = format!("doctor-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let kind = engine.kind();
    let mut lines = Vec::new();
    let mut built = None;
    let buildkit = if kind.has_buildkit() {
        let result = probe_build(engine, Builder::BuildKit, &run_id).await;
        let capability = match &result {
            Ok(_) => line(
                "buildkit",
                true,
                "works through the API (the context through a session)",
            ),
            Err(e) => line("buildkit", false, format!("FAILED: {e}")),
        };
        built = result.ok();
        capability
    } else {
        line(
            "buildkit",
            true,
            format!(
                "none: {} builds with Buildah; variants that name builder = \"buildkit\" fail, \
                 the others build with Buildah",
                kind.name()
            ),
        )
    };
    lines.push(buildkit);
    let classic = probe_build(engine, Builder::Classic, &run_id).await;
    lines.push(match &classic {
        Ok(_) => line("classic", true, format!("works ({})", classic_words(kind))),
        Err(e) => line(
            "classic",
            false,
            format!("{} FAILED: {e}", classic_words(kind)),
        ),
    });
    if let Ok(image) = &classic {
        if built.is_some() {
            let _ = engine.remove_image(image).await;
        } else {
            built = Some(image.clone());
        }
    }
    match &built {
        Some(image) => {
            lines.push(save_line(engine, image).await);
            let _ = engine.remove_image(image).await;
        }
        None => lines.push(line("save", false, "not checked: no build succeeded")),
    }
    lines.extend(container_lines(engine, &run_id).await);
    lines
}

fn classic_words(kind: EngineKind) -> &'static str {
    match kind {
        EngineKind::Docker => "Docker's classic builder",
        EngineKind::Podman => "buildah (Podman)",
    }
}

/// `FROM scratch` plus one file, built by `builder`; the image id.
async fn probe_build<E: Engine>(
    engine: &E,
    builder: Builder,
    run_id: &str,
) -> Result<String, String> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes) in [
        (
            "Dockerfile",
            &b"FROM scratch\nCOPY probe.txt /probe.txt\n"[..],
        ),
        ("probe.txt", PROBE_FILE),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes)
            .map_err(|e| e.to_string())?;
    }
    let req = BuildRequest {
        context_tar: tar.into_inner().map_err(|e| e.to_string())?,
        dockerfile: "Dockerfile".into(),
        target: None,
        platform: None,
        builder,
        build_args: BTreeMap::new(),
        nocache: true,
        tag: format!("dockbench/doctor-{}:{run_id}", builder.as_str()),
        labels: run_labels(run_id, &[]),
    };
    let built = engine.build(req).await.map_err(|e| e.message)?;
    Ok(built.image_id)
}

/// How the engine writes `docker save`, and whether dockbench reads it: the probe image's one
/// layer must hold exactly the one file.
async fn save_line<E: Engine>(engine: &E, image: &str) -> Capability {
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let (exported, tar) = tokio::join!(engine.export_image(image, tx), async {
        let mut tar = Vec::new();
        while let Some(chunk) = rx.recv().await {
            tar.extend(chunk);
        }
        tar
    });
    if let Err(e) = exported {
        return line("save", false, format!("FAILED: {e:#}"));
    }
    let layout = save_layout(&tar);
    match crate::anatomy::analyse(&tar[..]) {
        Ok(a) if a.size_bytes == PROBE_FILE.len() as u64 => line(
            "save",
            true,
            format!(
                "{layout}, {}; read: the probe's one file, {} bytes",
                match a.compressed_source {
                    crate::anatomy::CompressedSource::Engine => "compressed layers",
                    _ => "uncompressed layers",
                },
                a.size_bytes
            ),
        ),
        Ok(a) => line(
            "save",
            false,
            format!(
                "{layout}: read {} bytes where the probe holds {}",
                a.size_bytes,
                PROBE_FILE.len()
            ),
        ),
        Err(e) => line("save", false, format!("{layout}: not read: {e:#}")),
    }
}

/// "the OCI image layout" or "Docker's legacy layout", from the tarball's entry names.
pub fn save_layout(tar: &[u8]) -> &'static str {
    let mut archive = tar::Archive::new(tar);
    let oci = archive.entries().is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .filter_map(|e| e.path().ok().map(|p| p.to_string_lossy().into_owned()))
            .any(|p| p.trim_start_matches("./") == "oci-layout")
    });
    if oci {
        "the OCI image layout"
    } else {
        "Docker's legacy layout"
    }
}

/// Memory figures and health checks, from one container of `PROBE_IMAGE` with a check that
/// always passes, at a 100 ms interval.
async fn container_lines<E: Engine>(engine: &E, run_id: &str) -> Vec<Capability> {
    let skipped =
        |ok: bool, why: String| vec![line("stats", ok, why.clone()), line("health", ok, why)];
    match engine.image_exists(PROBE_IMAGE).await {
        Ok(true) => {}
        // Not measured, which says nothing against the engine: the base images are checked
        // on their own lines when a suite needs them.
        _ => {
            return skipped(
                true,
                format!("not checked: no {PROBE_IMAGE} on this engine (bash scripts/setup.sh)"),
            )
        }
    }
    let spec = ContainerSpec {
        command: Some(vec!["sleep".into(), "30".into()]),
        health: HealthMode::Every {
            interval: Duration::from_millis(100),
            start_period: Duration::ZERO,
            test: Some(vec!["CMD-SHELL".into(), "true".into()]),
            timeout: Some(Duration::from_secs(1)),
        },
        ..ContainerSpec::new(PROBE_IMAGE, run_labels(run_id, &[]))
    };
    let id = match engine.create_container(&spec).await {
        Ok(id) => id,
        Err(e) => return skipped(false, format!("FAILED to create a container: {e:#}")),
    };
    let lines = match engine.start_container(&id).await {
        Ok(()) => vec![
            stats_line(engine, &id).await,
            health_line(engine, &id).await,
        ],
        Err(e) => skipped(false, format!("FAILED to start a container: {e:#}")),
    };
    let _ = engine.remove_container(&id).await;
    lines
}

async fn stats_line<E: Engine>(engine: &E, id: &str) -> Capability {
    match engine.memory(id).await {
        Ok(m) if m.max_usage_bytes.is_some() => line(
            "stats",
            true,
            "memory usage and a peak the kernel keeps (cgroup v1)",
        ),
        Ok(_) => line(
            "stats",
            true,
            "memory usage, but no peak (cgroup v2 keeps none, Podman reports none): dockbench \
             samples the peak every 100 ms",
        ),
        Err(e) => line("stats", false, format!("FAILED: {e:#}")),
    }
}

async fn health_line<E: Engine>(engine: &E, id: &str) -> Capability {
    let t0 = Instant::now();
    while t0.elapsed() < HEALTH_WAIT {
        if let Ok(state) = engine.container_state(id).await {
            if state.health == Health::Healthy {
                let text = format!(
                    "run by the engine (healthy {:.1} s after start at a 100 ms interval)",
                    t0.elapsed().as_secs_f64()
                );
                let matches = engine.kind().runs_health_checks();
                return line("health", matches, text);
            }
        }
        sleep(Duration::from_millis(50)).await;
    }
    let text = format!(
        "not run by the engine (no status after {} s): dockbench runs each image's test \
         itself, at the same 100 ms pace",
        HEALTH_WAIT.as_secs()
    );
    line("health", !engine.kind().runs_health_checks(), text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::fake::{FakeEngine, Script};

    fn by_name(lines: &[Capability]) -> BTreeMap<&'static str, (bool, String)> {
        lines
            .iter()
            .map(|c| (c.name, (c.ok, c.text.clone())))
            .collect()
    }

    /// Docker on cgroup v1: both builders, the legacy save read, a kernel peak, checks run.
    #[tokio::test(start_paused = true)]
    async fn docker_capabilities_as_measured() {
        let engine = FakeEngine::new(Script {
            health: Some((
                crate::driver::HealthTest {
                    argv: vec!["true".into()],
                    timeout: Duration::from_secs(1),
                },
                Duration::from_millis(300),
            )),
            image_tar: Some(crate::anatomy::testdata::save_tar(&[(
                "COPY probe.txt /probe.txt",
                crate::anatomy::testdata::layer_tar(&[crate::anatomy::testdata::E::F(
                    "probe.txt",
                    PROBE_FILE.len() as u64,
                )]),
            )])),
            ..Script::default()
        });
        let lines = by_name(&measure(&engine).await);
        assert_eq!(
            lines["buildkit"].1,
            "works through the API (the context through a session)"
        );
        assert_eq!(lines["classic"].1, "works (Docker's classic builder)");
        assert_eq!(
            lines["save"].1,
            "Docker's legacy layout, uncompressed layers; read: the probe's one file, 17 bytes"
        );
        assert_eq!(
            lines["stats"].1,
            "memory usage and a peak the kernel keeps (cgroup v1)"
        );
        assert!(
            lines["health"]
                .1
                .starts_with("run by the engine (healthy 0."),
            "{lines:?}"
        );
        assert!(lines.values().all(|(ok, _)| *ok), "{lines:?}");
        // Everything made was removed.
        assert!(engine.live_containers().is_empty());
    }

    /// Podman: no BuildKit (said, not tried), Buildah builds, no health status: dockbench's own
    /// checks; on cgroup v2 the peak is sampled.
    #[tokio::test(start_paused = true)]
    async fn podman_capabilities_as_measured() {
        let engine = FakeEngine::new(Script {
            kind: EngineKind::Podman,
            cgroup_v2: true,
            health: Some((
                crate::driver::HealthTest {
                    argv: vec!["true".into()],
                    timeout: Duration::from_secs(1),
                },
                Duration::from_millis(300),
            )),
            ..Script::default()
        });
        let lines = by_name(&measure(&engine).await);
        assert!(lines["buildkit"]
            .1
            .starts_with("none: Podman builds with Buildah"));
        assert_eq!(lines["classic"].1, "works (buildah (Podman))");
        assert!(lines["stats"]
            .1
            .starts_with("memory usage, but no peak (cgroup v2 keeps none"));
        assert!(lines["health"]
            .1
            .starts_with("not run by the engine (no status after 3 s)"));
        assert!(lines["health"].0, "expected of Podman: dockbench runs them");
        let builds = engine
            .calls
            .borrow()
            .iter()
            .filter(|c| c.starts_with("build "))
            .count();
        assert_eq!(builds, 1, "BuildKit is not tried on Podman");
    }
}
