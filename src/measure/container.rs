//! The run phase: start a container and time it to ready and to healthy, then watch its memory
//! through `settle`. The container is always removed afterwards.

use std::cell::Cell;
use std::time::Duration;

use tokio::time::{sleep, Instant};

use super::probe;
use crate::driver::{ContainerSpec, Engine, Health, HealthMode, HealthTest};
use crate::scenario::RunSpec;

/// Time between readiness probes. Bounds the error of `startup_s` from above.
const PROBE_INTERVAL: Duration = Duration::from_millis(10);
/// Time between health polls. Docker runs the check every `HEALTH_INTERVAL`, so `healthy_s`
/// overstates the app's own readiness by up to that much (plus the check's own run time).
const HEALTH_POLL: Duration = Duration::from_millis(10);
/// Time between runs of the image's HEALTHCHECK test: Docker's interval when it runs them (no
/// HTTP probe), or dockbench's own pace once the app answers (with one).
pub const HEALTH_INTERVAL: Duration = Duration::from_millis(100);
/// Memory is sampled this often while waiting and settling (cgroup v2 has no kernel peak).
const MEMORY_POLL: Duration = Duration::from_millis(100);
const LOG_TAIL_LINES: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunOutcome {
    pub startup_s: Option<f64>,
    pub healthy_s: Option<f64>,
    pub memory_idle_bytes: u64,
    pub memory_peak_bytes: u64,
}

/// Runs `image` once as `spec` says. Errors are messages for the results' `error` field.
pub async fn run_once<E: Engine>(
    engine: &E,
    image: &str,
    spec: &RunSpec,
    labels: &std::collections::BTreeMap<String, String>,
) -> Result<RunOutcome, String> {
    // With an HTTP probe, startup is the probe's answer and Docker must not run health checks
    // meanwhile: each is a process in the container, competing with the app's start for CPU
    // (HealthMode::Off). dockbench runs the image's test itself once the app answers. Without
    // a probe the health status is the only readiness signal, so Docker runs the checks.
    let (health, health_test) = match spec.http_probe {
        Some(_) => (
            HealthMode::Off,
            engine
                .health_test(image)
                .await
                .map_err(|e| format!("{e:#}"))?,
        ),
        None => (
            HealthMode::Every {
                interval: HEALTH_INTERVAL,
                start_period: spec.timeout,
            },
            None,
        ),
    };
    let container = ContainerSpec {
        image: image.to_string(),
        port: Some(spec.port),
        env: spec.env.clone(),
        command: spec.command.clone(),
        labels: labels.clone(),
        health,
    };
    let id = engine
        .create_container(&container)
        .await
        .map_err(|e| format!("{e:#}"))?;
    let outcome = observe(engine, &id, spec, health_test.as_ref()).await;
    let outcome = match outcome {
        Ok(o) => Ok(o),
        Err(e) => {
            let logs = engine.logs_tail(&id, LOG_TAIL_LINES).await;
            Err(with_logs(e, &logs))
        }
    };
    if let Err(e) = engine.remove_container(&id).await {
        eprintln!("warning: {e:#}");
    }
    outcome
}

fn with_logs(message: String, logs: &str) -> String {
    if logs.trim().is_empty() {
        message
    } else {
        format!(
            "{message}\n--- container output (last lines) ---\n{}",
            logs.trim_end()
        )
    }
}

/// Peak memory seen by polling, for engines without a kernel-kept peak.
struct Watch<'a, E> {
    engine: &'a E,
    id: &'a str,
    sampled_peak_bytes: Cell<u64>,
}

impl<E: Engine> Watch<'_, E> {
    /// Polls until the container stops running, then says how it ended. Samples memory.
    async fn until_exit(&self) -> String {
        loop {
            match self.engine.container_state(self.id).await {
                Ok(state) if !state.running => {
                    let oom = if state.oom_killed {
                        " (killed: out of memory)"
                    } else {
                        ""
                    };
                    return format!(
                        "container exited with code {}{oom}",
                        state.exit_code.unwrap_or(-1)
                    );
                }
                Err(e) => return format!("container vanished: {e:#}"),
                Ok(_) => {}
            }
            if let Ok(m) = self.engine.memory(self.id).await {
                let peak = self.sampled_peak_bytes.get().max(m.usage_bytes);
                self.sampled_peak_bytes.set(peak);
            }
            sleep(MEMORY_POLL).await;
        }
    }
}

async fn observe<E: Engine>(
    engine: &E,
    id: &str,
    spec: &RunSpec,
    health_test: Option<&HealthTest>,
) -> Result<RunOutcome, String> {
    let watch = Watch {
        engine,
        id,
        sampled_peak_bytes: Cell::new(0),
    };
    // t0 is taken before the start call: startup includes what `docker start` costs.
    let t0 = Instant::now();
    let deadline = t0 + spec.timeout;
    engine
        .start_container(id)
        .await
        .map_err(|e| format!("{e:#}"))?;
    // Docker's own checks (no probe), or the image's test that dockbench runs (with one).
    let docker_health = engine
        .container_state(id)
        .await
        .map_err(|e| format!("{e:#}"))?
        .health
        != Health::None;
    let has_health = docker_health || health_test.is_some();
    let port = match &spec.http_probe {
        Some(_) => Some(
            engine
                .published_port(id, spec.port)
                .await
                .map_err(|e| format!("{e:#}"))?,
        ),
        None => None,
    };
    let host = engine.probe_host();
    let readiness = async {
        match (&spec.http_probe, port) {
            (Some(path), Some(port)) => {
                let ready_s = wait_http_200(&host, port, path, t0).await;
                let healthy_s = match health_test {
                    Some(test) => Some(wait_test_passes(engine, id, test, t0).await),
                    None => None,
                };
                (Some(ready_s), healthy_s)
            }
            _ if docker_health => (None, Some(wait_healthy(engine, id, t0).await)),
            _ => (None, None),
        }
    };
    let (ready_s, healthy_s) = tokio::select! {
        both = readiness => both,
        exit = watch.until_exit() => return Err(format!("{exit} before it was ready")),
        _ = tokio::time::sleep_until(deadline) => {
            return Err(timeout_message(spec, has_health));
        }
    };
    tokio::select! {
        exit = watch.until_exit() => return Err(format!("{exit} while settling")),
        _ = sleep(spec.settle) => {}
    }
    let reading = engine.memory(id).await.map_err(|e| format!("{e:#}"))?;
    let peak = reading
        .max_usage_bytes
        .unwrap_or(0)
        .max(watch.sampled_peak_bytes.get())
        .max(reading.usage_bytes);
    Ok(RunOutcome {
        startup_s: ready_s.or(healthy_s),
        healthy_s,
        memory_idle_bytes: reading.working_set_bytes(),
        memory_peak_bytes: peak,
    })
}

fn timeout_message(spec: &RunSpec, has_health: bool) -> String {
    let waited_for = match (&spec.http_probe, has_health) {
        (Some(path), true) => format!("an HTTP 200 on {path} and a healthy status"),
        (Some(path), false) => format!("an HTTP 200 on {path}"),
        (None, true) => "a healthy status".to_string(),
        (None, false) => "the container".to_string(),
    };
    format!(
        "not ready after {}: no {waited_for}",
        humantime::format_duration(spec.timeout)
    )
}

async fn wait_http_200(host: &str, port: u16, path: &str, t0: Instant) -> f64 {
    loop {
        if probe::http_status(host, port, path).await == Some(200) {
            return t0.elapsed().as_secs_f64();
        }
        sleep(PROBE_INTERVAL).await;
    }
}

/// Runs the image's health test every `HEALTH_INTERVAL` until it passes, as Docker would with
/// that interval; a check that outlives the image's timeout fails, as in Docker.
async fn wait_test_passes<E: Engine>(engine: &E, id: &str, test: &HealthTest, t0: Instant) -> f64 {
    loop {
        let run = tokio::time::timeout(test.timeout, engine.exec(id, &test.argv)).await;
        if matches!(run, Ok(Ok(0))) {
            return t0.elapsed().as_secs_f64();
        }
        sleep(HEALTH_INTERVAL).await;
    }
}

async fn wait_healthy<E: Engine>(engine: &E, id: &str, t0: Instant) -> f64 {
    loop {
        // "unhealthy" is not final: an app that starts slowly can still turn healthy, and the
        // start period set at create time keeps early failures from counting anyway.
        if let Ok(state) = engine.container_state(id).await {
            if state.health == Health::Healthy {
                return t0.elapsed().as_secs_f64();
            }
        }
        sleep(HEALTH_POLL).await;
    }
}
