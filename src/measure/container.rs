//! The run phase: start a container and time it to ready and to healthy, then watch its memory
//! through `settle`. Ready means an accepted HTTP answer, a matching line of output, or the
//! image's HEALTHCHECK passing. The container is always removed afterwards.

use std::cell::Cell;
use std::time::Duration;

use tokio::time::{sleep, Instant};

use regex::Regex;

use super::error::{MeasureError, RunFailure, Stage};
use super::host_load::Window;
use crate::driver::{ContainerSpec, Engine, Health, HealthMode, HealthTest, MemoryReading};
use crate::scenario::{Limits, RunSpec};

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
pub(crate) const LOG_TAIL_LINES: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunOutcome {
    pub startup_s: Option<f64>,
    pub healthy_s: Option<f64>,
    pub memory_idle_bytes: u64,
    pub memory_peak_bytes: u64,
    /// Wall time from the start call to ready and healthy: the timed span (for a stack, from
    /// its first service's start).
    pub timed_s: f64,
    /// The settle it waited before reading idle memory: a deliberate wait, untimed.
    pub settle_s: f64,
}

/// Runs `image` once as `spec` says; `window` sees what others did while it was timed. The
/// container is removed whatever happens.
pub async fn run_once<E: Engine>(
    engine: &E,
    image: &str,
    spec: &RunSpec,
    labels: &std::collections::BTreeMap<String, String>,
    window: &Window<'_>,
) -> Result<RunOutcome, MeasureError> {
    let (health, health_test) = health_plan(engine, image, spec).await?;
    let container = measured_container(image, spec, labels, health);
    let id = engine
        .create_container(&container)
        .await
        .map_err(MeasureError::Engine)?;
    let outcome = observe_with_logs(engine, &id, spec, health_test.as_ref(), window).await;
    if let Err(e) = engine.remove_container(&id).await {
        eprintln!("warning: {e:#}");
    }
    outcome
}

/// The measured container as `[run]` describes it.
pub(crate) fn measured_container(
    image: &str,
    spec: &RunSpec,
    labels: &std::collections::BTreeMap<String, String>,
    health: HealthMode,
) -> ContainerSpec {
    ContainerSpec {
        // Published only for the HTTP probe: a worker needs no port.
        port: spec.http_probe.as_ref().and(spec.port),
        env: spec.env.clone(),
        command: spec.command.clone(),
        health,
        limits: spec.limits.clone(),
        user: spec.user.clone(),
        tmpfs: spec.tmpfs.clone(),
        ..ContainerSpec::new(image, labels.clone())
    }
}

/// How the measured container's health check runs, and the test dockbench runs itself.
///
/// With a probe of its own (HTTP or log line), startup is the probe's answer and Docker must
/// not run health checks meanwhile: each is a process in the container, competing with the
/// app's start for CPU (HealthMode::Off). dockbench runs the image's test itself once the app
/// is ready. Without one the health status is the only readiness signal, so Docker runs the
/// checks.
pub(crate) async fn health_plan<E: Engine>(
    engine: &E,
    image: &str,
    spec: &RunSpec,
) -> Result<(HealthMode, Option<HealthTest>), MeasureError> {
    let has_probe = spec.http_probe.is_some() || spec.ready_log.is_some();
    // An engine that runs no checks by itself (Podman without systemd) never reports a health
    // status: dockbench runs the image's test at Docker's pace instead, from the start.
    if has_probe || !engine.kind().runs_health_checks() {
        let test = engine
            .health_test(image)
            .await
            .map_err(MeasureError::Engine)?;
        Ok((HealthMode::Off, test))
    } else {
        let every = HealthMode::Every {
            interval: HEALTH_INTERVAL,
            start_period: spec.timeout,
            test: None,
            timeout: None,
        };
        Ok((every, None))
    }
}

/// Starts the created container `id` and times it (see `observe`); a failure carries the
/// container's last lines of output.
pub(crate) async fn observe_with_logs<E: Engine>(
    engine: &E,
    id: &str,
    spec: &RunSpec,
    health_test: Option<&HealthTest>,
    window: &Window<'_>,
) -> Result<RunOutcome, MeasureError> {
    match observe(engine, id, spec, health_test, window).await {
        Ok(o) => Ok(o),
        Err(failure) => Err(MeasureError::Run {
            failure,
            logs: engine.logs_tail(id, LOG_TAIL_LINES).await,
        }),
    }
}

/// Peak memory seen by polling, for engines without a kernel-kept peak, and for the message of
/// a container killed for memory (whose cgroup is gone by the time anyone asks).
struct Watch<'a, E> {
    engine: &'a E,
    id: &'a str,
    limits: &'a Limits,
    sampled_peak_bytes: Cell<u64>,
    /// A reading carried the kernel's own peak (cgroup v1): polling adds nothing to it.
    kernel_peak: Cell<bool>,
}

impl<E: Engine> Watch<'_, E> {
    /// Polls until the container stops running, then says how it ended. Samples memory.
    async fn until_exit(&self, during: Stage) -> RunFailure {
        loop {
            match self.engine.container_state(self.id).await {
                Ok(state) if !state.running && state.oom_killed => {
                    return RunFailure::OutOfMemory {
                        limit: self.limits.memory_text.clone(),
                        peak_bytes: self.sampled_peak_bytes.get(),
                        during,
                    };
                }
                Ok(state) if !state.running => {
                    return RunFailure::Exited {
                        code: state.exit_code.unwrap_or(-1),
                        during,
                    };
                }
                Err(e) => return RunFailure::Engine(format!("container vanished: {e:#}")),
                Ok(_) => {}
            }
            // While settling with a kernel peak, only the state is polled: Docker 20.10's
            // stats collector, once asked, ticks every second for a while, and a one-shot
            // reading asked within that second waits for the next tick (measured: 0.47–0.97 s
            // against 3–24 ms after a second without one). Polled to the end of the settle,
            // the idle reading after it cost ~0.75 s of every repetition on overlay2.
            let needed = !(self.kernel_peak.get() && matches!(during, Stage::Settling));
            if needed {
                if let Ok(m) = self.engine.memory(self.id).await {
                    self.sample(&m);
                }
            }
            sleep(MEMORY_POLL).await;
        }
    }

    fn sample(&self, m: &MemoryReading) {
        self.kernel_peak
            .set(self.kernel_peak.get() || m.max_usage_bytes.is_some());
        let seen = m.usage_bytes.max(m.max_usage_bytes.unwrap_or(0));
        self.sampled_peak_bytes
            .set(self.sampled_peak_bytes.get().max(seen));
    }
}

async fn observe<E: Engine>(
    engine: &E,
    id: &str,
    spec: &RunSpec,
    health_test: Option<&HealthTest>,
    window: &Window<'_>,
) -> Result<RunOutcome, RunFailure> {
    let engine_failed = |e: anyhow::Error| RunFailure::Engine(format!("{e:#}"));
    let watch = Watch {
        engine,
        id,
        limits: &spec.limits,
        sampled_peak_bytes: Cell::new(0),
        kernel_peak: Cell::new(false),
    };
    // Compiled by the suite check already; a failure here is a bug, reported as such.
    let ready_log = match &spec.ready_log {
        Some(p) => Some(Regex::new(p).map_err(|e| RunFailure::Engine(format!("ready_log: {e}")))?),
        None => None,
    };
    window.open();
    // t0 is taken before the start call: startup includes what `docker start` costs.
    let t0 = Instant::now();
    let deadline = t0 + spec.timeout;
    engine.start_container(id).await.map_err(engine_failed)?;
    // Docker's own checks (no probe), or the image's test that dockbench runs (with one).
    let docker_health = engine
        .container_state(id)
        .await
        .map_err(engine_failed)?
        .health
        != Health::None;
    let has_health = docker_health || health_test.is_some();
    let port = match (&spec.http_probe, spec.port) {
        (Some(_), Some(port)) => Some(
            engine
                .published_port(id, port)
                .await
                .map_err(engine_failed)?,
        ),
        _ => None,
    };
    let readiness = async {
        let ready_s = match (&spec.http_probe, port, &ready_log) {
            (Some(path), Some(port), _) => {
                Some(wait_http_ok(engine, port, path, &spec.http_status, t0).await)
            }
            (_, _, Some(pattern)) => match engine.wait_for_log(id, pattern).await {
                Ok(()) => Some(t0.elapsed().as_secs_f64()),
                // The output ended: the container stopped, which `until_exit` reports.
                Err(_) => std::future::pending().await,
            },
            _ if docker_health => return (None, Some(wait_healthy(engine, id, t0).await)),
            // No probe, and an engine that runs no checks: the test dockbench runs is the
            // readiness signal, as Docker's own checks would be.
            _ => match health_test {
                Some(test) => return (None, Some(wait_test_passes(engine, id, test, t0).await)),
                None => return (None, None),
            },
        };
        let healthy_s = match health_test {
            Some(test) => Some(wait_test_passes(engine, id, test, t0).await),
            None => None,
        };
        (ready_s, healthy_s)
    };
    let (ready_s, healthy_s) = tokio::select! {
        both = readiness => both,
        exit = watch.until_exit(Stage::BeforeReady) => return Err(exit),
        _ = tokio::time::sleep_until(deadline) => {
            return Err(timeout_failure(spec, has_health));
        }
    };
    let timed_s = t0.elapsed().as_secs_f64();
    window.close();
    let settle_started = Instant::now();
    tokio::select! {
        exit = watch.until_exit(Stage::Settling) => return Err(exit),
        _ = sleep(spec.settle) => {}
    }
    let settle_s = settle_started.elapsed().as_secs_f64();
    let reading = engine.memory(id).await.map_err(engine_failed)?;
    watch.sample(&reading);
    Ok(RunOutcome {
        startup_s: ready_s.or(healthy_s),
        healthy_s,
        memory_idle_bytes: reading.working_set_bytes(),
        memory_peak_bytes: watch.sampled_peak_bytes.get(),
        timed_s,
        settle_s,
    })
}

fn timeout_failure(spec: &RunSpec, has_health: bool) -> RunFailure {
    let ready = match (&spec.http_probe, &spec.ready_log) {
        (Some(path), _) => Some(format!(
            "{} on {path}",
            accepted_statuses(&spec.http_status)
        )),
        (None, Some(pattern)) => Some(format!("line of output matching /{pattern}/")),
        (None, None) => None,
    };
    let waited_for = match (ready, has_health) {
        (Some(ready), true) => format!("{ready} and a healthy status"),
        (Some(ready), false) => ready,
        (None, true) => "healthy status".to_string(),
        (None, false) => "container".to_string(),
    };
    RunFailure::NotReady {
        timeout: humantime::format_duration(spec.timeout).to_string(),
        waited_for,
    }
}

fn accepted_statuses(codes: &[u16]) -> String {
    match codes {
        [] => "2xx answer".to_string(),
        [one] => format!("HTTP {one}"),
        many => {
            let list: Vec<String> = many.iter().map(u16::to_string).collect();
            format!("HTTP {}", list.join(" or "))
        }
    }
}

/// Any 2xx by default, as a load balancer's health check takes it; else one of `accepted`.
pub fn status_accepted(status: u16, accepted: &[u16]) -> bool {
    if accepted.is_empty() {
        (200..300).contains(&status)
    } else {
        accepted.contains(&status)
    }
}

async fn wait_http_ok<E: Engine>(
    engine: &E,
    port: u16,
    path: &str,
    accepted: &[u16],
    t0: Instant,
) -> f64 {
    loop {
        if let Some(status) = engine.http_status(port, path).await {
            if status_accepted(status, accepted) {
                return t0.elapsed().as_secs_f64();
            }
        }
        sleep(PROBE_INTERVAL).await;
    }
}
/// Runs the image's health test every `HEALTH_INTERVAL` until it passes, as Docker would with
/// that interval; a check that outlives the image's timeout fails, as in Docker.
async fn wait_test_passes<E: Engine>(engine: &E, id: &str, test: &HealthTest, t0: Instant) -> f64 {
    loop {
        let run = tokio::time::timeout(test.timeout, engine.exec(id, &test.argv)).await;
        if matches!(run, Ok(Ok(ref outcome)) if outcome.exit_code == 0) {
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

#[cfg(test)]
#[path = "container_tests.rs"]
mod tests;
