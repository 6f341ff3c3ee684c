//! The run phase inside a compose stack: every service is created first (as the compose tool
//! does), on fresh private networks and volumes; the dependencies start in plan order, each once
//! the conditions it waits for hold; then the measured service starts and is timed exactly as a
//! single container (`container::observe`). Memory is read from every service after `settle`.
//! Everything is removed afterwards, whatever happened.

use std::collections::BTreeMap;

use tokio::time::{sleep, Instant};

use super::container::{self, RunOutcome, LOG_TAIL_LINES};
use super::error::MeasureError;
use super::host_load::Window;
use crate::driver::{
    ContainerSpec, Engine, Health, HealthMode, HealthTest, Mount, MountKind, NetworkAttachment,
};
use crate::scenario::compose::stack::{Condition, HealthSetting, MountSource, StackService};
use crate::scenario::compose::StackSpec;
use crate::scenario::RunSpec;

/// How often a dependency's state is polled while waiting for its condition.
const CONDITION_POLL: std::time::Duration = std::time::Duration::from_millis(10);

#[derive(Debug, Clone, PartialEq)]
pub struct StackOutcome {
    /// The measured service's own figures, as for a single container.
    pub measured: RunOutcome,
    /// From the first start call to the measured service being ready.
    pub stack_startup_s: Option<f64>,
    /// From the first start call until every dependency's condition held; `None` without
    /// dependencies.
    pub deps_ready_s: Option<f64>,
    pub stack_memory_idle_bytes: u64,
    pub stack_memory_peak_bytes: u64,
    /// Each dependency still running after settle (one-shot services have exited).
    pub services_memory_idle_bytes: Vec<(String, u64)>,
}

/// One run of the stack. `images` gives each dependency's image; `prefix` is unique per
/// repetition and names its networks and volumes; `window` sees what others did meanwhile.
#[allow(clippy::too_many_arguments)]
pub async fn run_stack_once<E: Engine>(
    engine: &E,
    stack: &StackSpec,
    images: &BTreeMap<String, String>,
    measured_image: &str,
    spec: &RunSpec,
    labels: &BTreeMap<String, String>,
    prefix: &str,
    window: &Window<'_>,
) -> Result<StackOutcome, MeasureError> {
    let mut made = Made::default();
    let outcome = run(
        engine,
        stack,
        images,
        measured_image,
        spec,
        labels,
        prefix,
        &mut made,
        window,
    )
    .await;
    made.remove(engine).await;
    outcome
}

/// What one run created, to remove whatever happens.
#[derive(Default)]
struct Made {
    containers: Vec<String>,
    networks: Vec<String>,
    volumes: Vec<String>,
}

impl Made {
    async fn remove<E: Engine>(self, engine: &E) {
        // Containers first: a network or volume in use cannot be removed.
        for id in self.containers.iter().rev() {
            if let Err(e) = engine.remove_container(id).await {
                eprintln!("warning: {e:#}");
            }
        }
        for name in &self.networks {
            if let Err(e) = engine.remove_network(name).await {
                eprintln!("warning: {e:#}");
            }
        }
        for name in &self.volumes {
            if let Err(e) = engine.remove_volume(name).await {
                eprintln!("warning: {e:#}");
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run<E: Engine>(
    engine: &E,
    stack: &StackSpec,
    images: &BTreeMap<String, String>,
    measured_image: &str,
    spec: &RunSpec,
    labels: &BTreeMap<String, String>,
    prefix: &str,
    made: &mut Made,
    window: &Window<'_>,
) -> Result<StackOutcome, MeasureError> {
    for network in &stack.networks {
        let name = format!("{prefix}-{network}");
        engine
            .create_network(&name, labels)
            .await
            .map_err(MeasureError::Engine)?;
        made.networks.push(name);
    }
    for volume in &stack.volumes {
        let name = format!("{prefix}-{volume}");
        engine
            .create_volume(&name, labels)
            .await
            .map_err(MeasureError::Engine)?;
        made.volumes.push(name);
    }

    // Created up front, as the compose tool does, so that the clock covers starts only.
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    // The checks dockbench runs itself, on an engine that runs none (Podman without systemd).
    let mut own_checks: BTreeMap<&str, HealthTest> = BTreeMap::new();
    for service in stack.dependencies() {
        let image = images.get(&service.name).ok_or_else(|| {
            MeasureError::Engine(anyhow::anyhow!("no image for `{}`", service.name))
        })?;
        let health = match &service.health {
            HealthSetting::Disabled => HealthMode::Off,
            _ if !engine.kind().runs_health_checks() => {
                if let Some(test) = dependency_test(engine, &service.health, image).await? {
                    own_checks.insert(&service.name, test);
                }
                HealthMode::Off
            }
            HealthSetting::Image => docker_checks(spec, None, None),
            HealthSetting::Test { test, timeout } => {
                docker_checks(spec, Some(test.clone()), *timeout)
            }
        };
        let container = ContainerSpec {
            env: service.env.clone(),
            command: service.command.clone(),
            health,
            limits: service.limits.clone(),
            user: service.user.clone(),
            tmpfs: service.tmpfs.clone(),
            ..ContainerSpec::new(image, labels.clone())
        };
        let container = in_stack(container, service, prefix);
        let id = engine
            .create_container(&container)
            .await
            .map_err(MeasureError::Engine)?;
        made.containers.push(id.clone());
        ids.insert(&service.name, id);
    }
    let measured = stack.measured();
    let (health, health_test) = container::health_plan(engine, measured_image, spec).await?;
    let (health, health_test) = compose_health(&measured.health, health, health_test);
    let container = container::measured_container(measured_image, spec, labels, health);
    let container = in_stack(container, measured, prefix);
    let measured_id = engine
        .create_container(&container)
        .await
        .map_err(MeasureError::Engine)?;
    made.containers.push(measured_id.clone());

    // The window covers the whole stack's start; the measured container's run closes it.
    window.open();
    let t_first = Instant::now();
    let deadline = t_first + spec.timeout;
    for service in stack.dependencies() {
        wait_for_conditions(engine, service, &ids, &own_checks, deadline, spec).await?;
        engine
            .start_container(&ids[service.name.as_str()])
            .await
            .map_err(MeasureError::Engine)?;
    }
    wait_for_conditions(engine, measured, &ids, &own_checks, deadline, spec).await?;
    let deps_ready_s = (!stack.dependencies().is_empty()).then(|| t_first.elapsed().as_secs_f64());

    let t_measured = Instant::now();
    let mut outcome =
        container::observe_with_logs(engine, &measured_id, spec, health_test.as_ref(), window)
            .await?;
    let offset_s = (t_measured - t_first).as_secs_f64();
    outcome.timed_s += offset_s;

    let mut idle = outcome.memory_idle_bytes;
    let mut peak = outcome.memory_peak_bytes;
    let mut services = Vec::new();
    for service in stack.dependencies() {
        let id = &ids[service.name.as_str()];
        let running = engine
            .container_state(id)
            .await
            .map(|s| s.running)
            .unwrap_or(false);
        if !running {
            continue;
        }
        // It may have stopped since (a short-lived service): then it holds nothing.
        let Ok(reading) = engine.memory(id).await else {
            continue;
        };
        idle += reading.working_set_bytes();
        peak += reading.max_usage_bytes.unwrap_or(reading.usage_bytes);
        services.push((service.name.clone(), reading.working_set_bytes()));
    }
    Ok(StackOutcome {
        stack_startup_s: outcome.startup_s.map(|s| offset_s + s),
        deps_ready_s,
        stack_memory_idle_bytes: idle,
        stack_memory_peak_bytes: peak,
        services_memory_idle_bytes: services,
        measured: outcome,
    })
}

/// The measured service's compose `healthcheck` in place of its image's: run by Docker on
/// dockbench's schedule when there is no probe, by dockbench once the app answers when there is
/// (see `container::health_plan`), or not at all when disabled.
fn compose_health(
    setting: &HealthSetting,
    planned: HealthMode,
    image_test: Option<HealthTest>,
) -> (HealthMode, Option<HealthTest>) {
    match (setting, planned) {
        (HealthSetting::Image, planned) => (planned, image_test),
        (HealthSetting::Disabled, _) => (HealthMode::Off, None),
        (HealthSetting::Test { test, timeout }, HealthMode::Off) => {
            let timeout_ns = timeout.map_or(0, |t| t.as_nanos() as i64);
            (HealthMode::Off, HealthTest::from_docker(test, timeout_ns))
        }
        (
            HealthSetting::Test { test, timeout },
            HealthMode::Every {
                interval,
                start_period,
                ..
            },
        ) => (
            HealthMode::Every {
                interval,
                start_period,
                test: Some(test.clone()),
                timeout: *timeout,
            },
            None,
        ),
    }
}

/// Docker runs the check on dockbench's schedule, as for a measured container without a probe:
/// the compose file's interval (often 10–30 s) would otherwise be what gets measured.
fn docker_checks(
    spec: &RunSpec,
    test: Option<Vec<String>>,
    timeout: Option<std::time::Duration>,
) -> HealthMode {
    HealthMode::Every {
        interval: container::HEALTH_INTERVAL,
        start_period: spec.timeout,
        test,
        timeout,
    }
}

/// A dependency's health test as dockbench runs it on an engine that runs none: the compose
/// file's, else the image's.
async fn dependency_test<E: Engine>(
    engine: &E,
    setting: &HealthSetting,
    image: &str,
) -> Result<Option<HealthTest>, MeasureError> {
    match setting {
        HealthSetting::Disabled => Ok(None),
        HealthSetting::Image => engine
            .health_test(image)
            .await
            .map_err(MeasureError::Engine),
        HealthSetting::Test { test, timeout } => {
            let timeout_ns = timeout.map_or(0, |t| t.as_nanos() as i64);
            Ok(HealthTest::from_docker(test, timeout_ns))
        }
    }
}

/// `container` as a service of the stack: its networks with its name as an alias, its volumes,
/// entrypoint and working directory, and a label naming the service.
fn in_stack(container: ContainerSpec, service: &StackService, prefix: &str) -> ContainerSpec {
    let mut labels = container.labels.clone();
    labels.insert("dockbench.service".to_string(), service.name.clone());
    let networks = service
        .networks
        .iter()
        .map(|(network, extra)| NetworkAttachment {
            network: format!("{prefix}-{network}"),
            aliases: std::iter::once(service.name.clone())
                .chain(extra.iter().cloned())
                .collect(),
        })
        .collect();
    let mounts = service
        .mounts
        .iter()
        .map(|m| {
            let (source, kind) = match &m.source {
                MountSource::Volume(v) => (format!("{prefix}-{v}"), MountKind::Volume),
                MountSource::Anonymous => (String::new(), MountKind::Volume),
                MountSource::Host(p) => (p.display().to_string(), MountKind::Bind),
            };
            Mount {
                source,
                target: m.target.clone(),
                kind,
                read_only: m.read_only,
            }
        })
        .collect();
    ContainerSpec {
        entrypoint: service.entrypoint.clone(),
        working_dir: service.working_dir.clone(),
        networks,
        mounts,
        labels,
        ..container
    }
}

/// Waits until each service that `service` depends on meets its condition, or fails naming the
/// one that did not.
async fn wait_for_conditions<E: Engine>(
    engine: &E,
    service: &StackService,
    ids: &BTreeMap<&str, String>,
    own_checks: &BTreeMap<&str, HealthTest>,
    deadline: Instant,
    spec: &RunSpec,
) -> Result<(), MeasureError> {
    for (dependency, condition) in &service.waits_for {
        let id = &ids[dependency.as_str()];
        let own_check = own_checks.get(dependency.as_str());
        let failed = |why: String, health_output: Option<String>| async move {
            MeasureError::Dependency {
                service: dependency.clone(),
                why,
                health_output,
                logs: engine.logs_tail(id, LOG_TAIL_LINES).await,
            }
        };
        // What dockbench's own last check printed, as the engine keeps its checks' output.
        let mut own_output = None;
        loop {
            let mut state = engine
                .container_state(id)
                .await
                .map_err(MeasureError::Engine)?;
            if own_output.is_some() {
                state.health_output = own_output.clone();
            }
            let met = match condition {
                Condition::Started => true,
                Condition::Healthy if state.running && own_check.is_some() => {
                    let test = own_check.expect("checked");
                    let run = tokio::time::timeout(test.timeout, engine.exec(id, &test.argv));
                    let (passed, output) = match run.await {
                        Ok(Ok(outcome)) => (outcome.exit_code == 0, outcome.output),
                        Ok(Err(e)) => (false, format!("{e:#}")),
                        // Docker's words for a check that outlived its timeout.
                        Err(_) => (false, "Health check exceeded timeout".to_string()),
                    };
                    state.health_output = Some(output.clone());
                    own_output = Some(output);
                    passed
                }
                Condition::Healthy if state.health == Health::Healthy => true,
                Condition::Healthy if state.health == Health::None => {
                    let why = format!(
                        "has no healthcheck, so `{}` (for `{}`) can never hold: give it a \
                         `healthcheck` in the compose file, or wait with `service_started`",
                        condition.as_str(),
                        service.name
                    );
                    return Err(failed(why, None).await);
                }
                Condition::CompletedSuccessfully if !state.running => {
                    match state.exit_code.unwrap_or(-1) {
                        0 => true,
                        code => {
                            let why = format!(
                                "exited with code {code}, so `{}` (for `{}`) does not hold",
                                condition.as_str(),
                                service.name
                            );
                            return Err(failed(why, None).await);
                        }
                    }
                }
                Condition::Healthy if !state.running => {
                    let why = format!(
                        "exited with code {} before it was healthy",
                        state.exit_code.unwrap_or(-1)
                    );
                    return Err(failed(why, state.health_output).await);
                }
                _ => false,
            };
            if met {
                break;
            }
            if Instant::now() >= deadline {
                let what = match condition {
                    Condition::Healthy => "healthy",
                    _ => "completed",
                };
                let why = format!(
                    "was not {what} after {} (`{}`, for `{}`)",
                    humantime::format_duration(spec.timeout),
                    condition.as_str(),
                    service.name
                );
                return Err(failed(why, state.health_output).await);
            }
            // dockbench's own checks go at Docker's pace: each is a process in the container.
            let own = own_check.is_some() && matches!(condition, Condition::Healthy);
            sleep(if own {
                container::HEALTH_INTERVAL
            } else {
                CONDITION_POLL
            })
            .await;
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "stack_tests.rs"]
mod tests;
