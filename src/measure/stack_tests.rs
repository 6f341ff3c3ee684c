//! A stack through the scripted fake engine, on tokio's paused clock: start order, every
//! `depends_on` condition, the stack figures against answers known in advance, and cleanup.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::driver::fake::{FakeEngine, Script};
use crate::driver::HealthTest;
use crate::scenario::compose::stack::{ServiceImage, StackMount};
use crate::scenario::Limits;

const MIB: u64 = 1 << 20;

fn service(name: &str, waits_for: &[(&str, Condition)]) -> StackService {
    StackService {
        name: name.to_string(),
        image: Some(ServiceImage::Image(name.to_string())),
        env: BTreeMap::new(),
        command: None,
        entrypoint: None,
        user: None,
        working_dir: None,
        tmpfs: Vec::new(),
        limits: Limits::default(),
        health: HealthSetting::Image,
        networks: vec![("default".to_string(), Vec::new())],
        mounts: Vec::new(),
        waits_for: waits_for.iter().map(|(s, c)| (s.to_string(), *c)).collect(),
    }
}

fn stack(services: Vec<StackService>) -> StackSpec {
    StackSpec {
        file: PathBuf::from("compose.yaml"),
        service: services.last().unwrap().name.clone(),
        services,
        networks: vec!["default".to_string()],
        volumes: vec!["pgdata".to_string()],
        notes: Vec::new(),
    }
}

fn spec() -> RunSpec {
    RunSpec::http_health()
}

/// The measured app answers 0.5 s after its start; `db` is healthy 1.0 s after its start and
/// holds 40 MiB. Every start costs 250 ms.
fn engine() -> FakeEngine {
    let mut engine = FakeEngine::new(Script {
        http: Some((Duration::from_millis(500), 200)),
        usage_bytes: |_| 100 * MIB,
        ..Script::default()
    });
    let check = HealthTest {
        argv: vec!["pg_isready".into()],
        timeout: Duration::from_secs(1),
    };
    engine.images.insert(
        "db".into(),
        Script {
            health: Some((check, Duration::from_secs(1))),
            usage_bytes: |_| 40 * MIB,
            ..Script::default()
        },
    );
    engine
}

fn images(names: &[&str]) -> BTreeMap<String, String> {
    names
        .iter()
        .map(|n| (n.to_string(), n.to_string()))
        .collect()
}

async fn run(engine: &FakeEngine, stack: &StackSpec) -> Result<StackOutcome, MeasureError> {
    let labels = crate::driver::run_labels("r1", &[]);
    run_stack_once(
        engine,
        stack,
        &images(&["db", "cache", "migrate"]),
        "app",
        &spec(),
        &labels,
        "p",
        &crate::measure::host_load::Window::new(None),
    )
    .await
}

fn assert_between(actual: f64, low: f64, high: f64) {
    assert!(
        actual >= low - 1e-9 && actual <= high,
        "{actual} not in [{low}, {high}]"
    );
}

#[tokio::test(start_paused = true)]
async fn a_healthy_dependency_comes_first_and_the_figures_add_up() {
    let engine = engine();
    let s = stack(vec![
        service("db", &[]),
        service("web", &[("db", Condition::Healthy)]),
    ]);
    let o = run(&engine, &s).await.unwrap();
    // db: started at 0.25 s (start cost), healthy 1.0 s later, seen within a 10 ms poll.
    assert_between(o.deps_ready_s.unwrap(), 1.25, 1.26);
    // web: its own start cost plus 0.5 s, from its own start call, as a single container.
    assert_between(o.measured.startup_s.unwrap(), 0.75, 0.76);
    let sum = o.deps_ready_s.unwrap() + o.measured.startup_s.unwrap();
    assert!((o.stack_startup_s.unwrap() - sum).abs() < 1e-6, "{o:?}");
    // Memory: the dependency's 40 MiB on top of the measured service's 100 MiB.
    assert_eq!(o.stack_memory_idle_bytes, 140 * MIB);
    assert_eq!(o.stack_memory_peak_bytes, 140 * MIB);
    assert_eq!(o.services_memory_idle_bytes, [("db".to_string(), 40 * MIB)]);
    assert_eq!(o.measured.memory_idle_bytes, 100 * MIB);

    // Start order, and everything removed.
    let calls = engine.calls.borrow().clone();
    let starts: Vec<&String> = calls
        .iter()
        .filter(|c| c.starts_with("start_container"))
        .collect();
    assert_eq!(starts.len(), 2);
    let db_id = calls
        .iter()
        .find(|c| c.ends_with(" db"))
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap();
    assert_eq!(starts[0], &format!("start_container {db_id}"));
    assert!(engine.live_containers().is_empty());
    assert!(engine.live_networks_and_volumes().is_empty());
    assert!(calls.contains(&"create_network p-default".to_string()));
    assert!(calls.contains(&"remove_volume p-pgdata".to_string()));
}

/// Podman without systemd runs no health checks: dockbench runs the dependency's test itself,
/// every 100 ms from its start, and starts the app once it passes.
#[tokio::test(start_paused = true)]
async fn on_podman_dockbench_runs_the_dependencys_health_test() {
    let mut engine = engine();
    engine.script.kind = crate::driver::EngineKind::Podman;
    let s = stack(vec![
        service("db", &[]),
        service("web", &[("db", Condition::Healthy)]),
    ]);
    let o = run(&engine, &s).await.unwrap();
    // db: started at 0.25 s, passing from 1.25 s; checked at 0.25, 0.35, ... 1.25.
    assert_between(o.deps_ready_s.unwrap(), 1.25, 1.251);
    let execs = engine
        .calls
        .borrow()
        .iter()
        .filter(|c| c.starts_with("exec") && c.ends_with("pg_isready"))
        .count();
    assert_eq!(execs, 11);
    // Docker was asked to run no checks in db.
    let calls = engine.calls.borrow().clone();
    let db_id = calls
        .iter()
        .find(|c| c.ends_with(" db"))
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap();
    assert_eq!(engine.spec_of(db_id).unwrap().health, HealthMode::Off);
}

#[tokio::test(start_paused = true)]
async fn service_names_are_aliases_and_only_the_measured_port_is_published() {
    let engine = engine();
    let mut db = service("db", &[]);
    db.networks = vec![("back".to_string(), vec!["postgres".to_string()])];
    db.mounts = vec![StackMount {
        source: MountSource::Volume("pgdata".into()),
        target: "/var/lib/postgresql/data".into(),
        read_only: false,
    }];
    let s = stack(vec![db, service("web", &[("db", Condition::Started)])]);
    run(&engine, &s).await.unwrap();
    let calls = engine.calls.borrow().clone();
    let id_of = |image: &str| {
        let line = calls
            .iter()
            .find(|c| c.starts_with("create_container") && c.ends_with(&format!(" {image}")))
            .unwrap();
        line.split(' ').nth(1).unwrap().to_string()
    };
    let db = engine.spec_of(&id_of("db")).unwrap();
    assert_eq!(db.networks[0].network, "p-back");
    assert_eq!(db.networks[0].aliases, ["db", "postgres"]);
    assert_eq!(db.mounts[0].source, "p-pgdata");
    assert_eq!(db.port, None, "host ports of the compose file are ignored");
    assert_eq!(db.labels["dockbench.run"], "r1");
    assert_eq!(db.labels["dockbench.service"], "db");
    let web = engine.spec_of(&id_of("app")).unwrap();
    assert_eq!(web.port, Some(8000));
    assert_eq!(web.networks[0].aliases, ["web"]);
}

#[tokio::test(start_paused = true)]
async fn a_one_shot_service_must_complete_before_the_app_starts() {
    let mut engine = engine();
    engine.images.insert(
        "migrate".into(),
        Script {
            exits: Some((Duration::from_millis(700), 0, false)),
            ..Script::default()
        },
    );
    let s = stack(vec![
        service("migrate", &[]),
        service("web", &[("migrate", Condition::CompletedSuccessfully)]),
    ]);
    let o = run(&engine, &s).await.unwrap();
    // Started at 0.25 s, exited 0.7 s later.
    assert_between(o.deps_ready_s.unwrap(), 0.95, 0.96);
    // An exited service holds no memory and has no figure of its own.
    assert!(o.services_memory_idle_bytes.is_empty());
    assert_eq!(o.stack_memory_idle_bytes, 100 * MIB);

    let engine = engine_with_failing_migration();
    let err = run(&engine, &s).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("service `migrate` exited with code 3, so `service_completed_successfully` (for `web`) does not hold"),
        "{text}"
    );
    assert!(text.contains("fake output"), "its last lines: {text}");
    assert!(engine.live_containers().is_empty());
    assert!(engine.live_networks_and_volumes().is_empty());
}

fn engine_with_failing_migration() -> FakeEngine {
    let mut engine = engine();
    engine.images.insert(
        "migrate".into(),
        Script {
            exits: Some((Duration::from_millis(300), 3, false)),
            ..Script::default()
        },
    );
    engine
}

/// `image`'s health test (`redis-cli ping`, 1 s timeout) never passes.
fn never_healthy(engine: &mut FakeEngine, image: &str) {
    let never = HealthTest {
        argv: vec!["redis-cli".into(), "ping".into()],
        timeout: Duration::from_secs(1),
    };
    engine.images.insert(
        image.into(),
        Script {
            health: Some((never, Duration::from_secs(3600))),
            ..Script::default()
        },
    );
}

#[tokio::test(start_paused = true)]
async fn a_dependency_never_healthy_fails_the_variant_by_name() {
    let mut engine = engine();
    never_healthy(&mut engine, "cache");
    let s = stack(vec![
        service("cache", &[]),
        service("web", &[("cache", Condition::Healthy)]),
    ]);
    let started = tokio::time::Instant::now();
    let err = run(&engine, &s).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("service `cache` was not healthy after 5s (`service_healthy`, for `web`)"),
        "{text}"
    );
    assert!(
        text.contains("--- last health check output ---\nfake check failed"),
        "{text}"
    );
    assert!(
        text.contains("--- container output (last lines) ---\nfake output"),
        "{text}"
    );
    // The run's timeout bounds the wait.
    assert_between(started.elapsed().as_secs_f64(), 5.0, 5.02);
    assert!(engine.live_containers().is_empty());
    assert!(engine.live_networks_and_volumes().is_empty());
    let calls = engine.calls.borrow().clone();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("start_container"))
            .count(),
        1,
        "the measured service never starts"
    );
}

/// Where the engine runs no checks (Podman without systemd), the error shows what dockbench's
/// own last run of the test printed, as Docker's shows its last check's output.
#[tokio::test(start_paused = true)]
async fn on_podman_a_dependency_never_healthy_shows_dockbenchs_last_check_output() {
    let mut engine = engine();
    engine.script.kind = crate::driver::EngineKind::Podman;
    never_healthy(&mut engine, "cache");
    let s = stack(vec![
        service("cache", &[]),
        service("web", &[("cache", Condition::Healthy)]),
    ]);
    let started = tokio::time::Instant::now();
    let text = run(&engine, &s).await.unwrap_err().to_string();
    assert!(
        text.starts_with("service `cache` was not healthy after 5s (`service_healthy`, for `web`)"),
        "{text}"
    );
    assert!(
        text.contains("--- last health check output ---\nfake exec of `redis-cli ping` failed"),
        "{text}"
    );
    assert_between(started.elapsed().as_secs_f64(), 5.0, 5.11);
    assert!(engine.live_containers().is_empty());
}

#[tokio::test(start_paused = true)]
async fn service_healthy_without_a_healthcheck_fails_at_once() {
    let engine = engine();
    let s = stack(vec![
        service("cache", &[]),
        service("web", &[("cache", Condition::Healthy)]),
    ]);
    let started = tokio::time::Instant::now();
    let text = run(&engine, &s).await.unwrap_err().to_string();
    assert!(
        text.starts_with(
            "service `cache` has no healthcheck, so `service_healthy` (for `web`) can never hold"
        ),
        "{text}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn compose_healthchecks_run_on_dockbenchs_schedule() {
    let engine = engine();
    let mut db = service("db", &[]);
    db.health = HealthSetting::Test {
        test: vec!["CMD-SHELL".into(), "pg_isready".into()],
        timeout: Some(Duration::from_secs(3)),
    };
    let s = stack(vec![db, service("web", &[("db", Condition::Healthy)])]);
    run(&engine, &s).await.unwrap();
    let calls = engine.calls.borrow().clone();
    let line = calls.iter().find(|c| c.ends_with(" db")).unwrap();
    let db = engine.spec_of(line.split(' ').nth(1).unwrap()).unwrap();
    assert_eq!(
        db.health,
        HealthMode::Every {
            interval: container::HEALTH_INTERVAL,
            start_period: Duration::from_secs(5),
            test: Some(vec!["CMD-SHELL".into(), "pg_isready".into()]),
            timeout: Some(Duration::from_secs(3)),
        }
    );
}

#[tokio::test(start_paused = true)]
async fn the_measured_services_compose_healthcheck_replaces_its_images() {
    // With a probe, dockbench runs the compose file's test itself once the app answers.
    let mut with_test = engine();
    // The fake passes any test from 0.6 s on; what matters is which test runs.
    let image_test = HealthTest {
        argv: vec!["image-check".into()],
        timeout: Duration::from_secs(1),
    };
    with_test.script.health = Some((image_test, Duration::from_millis(600)));
    let mut web = service("web", &[]);
    web.health = HealthSetting::Test {
        test: vec!["CMD".into(), "check-web".into()],
        timeout: Some(Duration::from_secs(2)),
    };
    let s = stack(vec![service("db", &[]), web]);
    run(&with_test, &s).await.unwrap();
    let calls = with_test.calls.borrow().clone();
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("exec ") && c.ends_with(" check-web")),
        "{calls:?}"
    );
    // Disabled: no health figure at all.
    let disabled = engine();
    let mut web = service("web", &[]);
    web.health = HealthSetting::Disabled;
    let o = run(&disabled, &stack(vec![service("db", &[]), web]))
        .await
        .unwrap();
    assert_eq!(o.measured.healthy_s, None);
    // Without a probe, Docker runs it on dockbench's schedule.
    assert_eq!(
        compose_health(
            &HealthSetting::Test {
                test: vec!["CMD".into(), "x".into()],
                timeout: None
            },
            docker_checks(&spec(), None, None),
            None
        )
        .0,
        docker_checks(&spec(), Some(vec!["CMD".into(), "x".into()]), None)
    );
}
