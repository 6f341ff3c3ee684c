//! Real-engine tests of a service measured inside its compose stack
//! (tests/fixtures/busybox/stack): a dependency healthy 1.0 s after its start, one that holds
//! 40 MiB, one reached by its service name, one never healthy, and Ctrl-C. Each answer is known
//! in advance. These need a Docker engine and the local base images (`bash scripts/setup.sh`);
//! without them they fail.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// Engine tests run one at a time: timing assertions should not compete for the 2 cores.
static ENGINE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/busybox/stack")
        .join(name)
}

fn assert_ok(v: &Value) {
    assert_eq!(v["status"], "ok", "{}: {}", v["name"], v["error"]);
}

#[tokio::test]
async fn dependencies_start_first_and_the_stack_figures_add_up() {
    let _engine = ENGINE.lock().await;
    let out = tempfile::tempdir().unwrap();
    let (output, results) = run_suite_at(&fixture("suite.toml"), out.path(), &["--no-report"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (slow, fast) = (variant(&results, "slow"), variant(&results, "fast"));
    assert_ok(slow);
    assert_ok(fast);

    // `slow` is healthy 1.0 s after its start, `fast` at once: the same start cost and health
    // check schedule otherwise, so the difference is the second (within a 100 ms check interval
    // and the noise of two samples each).
    let waited = median(slow, "deps_ready_s") - median(fast, "deps_ready_s");
    assert!(
        (0.75..=1.4).contains(&waited),
        "slow - fast deps_ready_s = {waited}"
    );
    assert!(median(slow, "deps_ready_s") >= 1.0);
    // The measured service starts as its dependency is ready: the stack's startup is the two
    // added, repetition by repetition (within 100 ms).
    for v in [slow, fast] {
        let deps = samples(v, "deps_ready_s");
        let own = samples(v, "startup_s");
        let stack = samples(v, "stack_startup_s");
        for i in 0..stack.len() {
            let gap = stack[i] - (deps[i] + own[i]);
            assert!((0.0..0.1).contains(&gap), "{}: gap {gap}", v["name"]);
        }
    }

    // 40 MiB held by the dependency is the stack's memory beyond the measured service's.
    let holds = variant(&results, "holds");
    assert_ok(holds);
    let stack = samples(holds, "stack_memory_idle_bytes");
    let own = samples(holds, "memory_idle_bytes");
    let theirs = samples(holds, "memory_idle_bytes.hold");
    for i in 0..stack.len() {
        let extra_mib = (stack[i] - own[i]) / MIB;
        assert!((36.0..=44.0).contains(&extra_mib), "extra {extra_mib} MiB");
        assert_eq!(
            stack[i] - own[i],
            theirs[i],
            "the per-service figure is the same bytes"
        );
    }

    // web-dns answers only after reaching `db` by its service name.
    assert_ok(variant(&results, "dns"));
    assert!(samples(variant(&results, "dns"), "memory_idle_bytes.db").len() == 2);

    assert_eq!(
        labelled_resources("dockbench.suite=fixture-stack").await,
        (0, 0, 0)
    );
}

#[tokio::test]
async fn a_dependency_never_healthy_fails_its_variant_by_name_and_leaves_nothing() {
    let _engine = ENGINE.lock().await;
    let out = tempfile::tempdir().unwrap();
    let (output, results) = run_suite_at(&fixture("never.toml"), out.path(), &["--no-report"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a failed variant fails the run"
    );
    let never = variant(&results, "never");
    assert_eq!(never["status"], "failed");
    let error = never["error"].as_str().unwrap();
    assert!(
        error.starts_with(
            "service `never` was not healthy after 4s (`service_healthy`, for `web-never`)"
        ),
        "{error}"
    );
    assert!(
        error.contains("--- last health check output ---\nnot yet"),
        "{error}"
    );
    assert!(
        error.contains("still starting"),
        "its last log lines: {error}"
    );
    // The next variant still runs.
    assert_ok(variant(&results, "after"));
    assert_eq!(
        labelled_resources("dockbench.suite=fixture-stack-never").await,
        (0, 0, 0)
    );
}

#[tokio::test]
async fn ctrl_c_in_a_stack_removes_containers_networks_and_volumes() {
    let _engine = ENGINE.lock().await;
    let label = "dockbench.suite=fixture-stack-interrupt";
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockbench"))
        .args([
            "run",
            fixture("interrupt.toml").to_str().unwrap(),
            "--no-progress",
        ])
        .arg("--out")
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until both services run and the measured one settles (for 5 minutes).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (containers, networks, volumes) = labelled_resources(label).await;
        if containers == 2 && networks == 1 && volumes == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the stack never started");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(labelled_resources(label).await, (0, 0, 0));
    assert_eq!(labelled_images(label).await, 0);
}

/// The environment that `service` of a compose file gets, as `docker-compose config` prints it.
fn compose_config_env(file: &Path, service: &str) -> BTreeMap<String, String> {
    let output = Command::new("docker-compose")
        .arg("-f")
        .arg(file)
        .arg("config")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", show(&output));
    let config: yaml_serde::Value = yaml_serde::from_slice(&output.stdout).unwrap();
    let env = config["services"][service]["environment"]
        .as_mapping()
        .unwrap();
    env.iter()
        .map(|(k, v)| {
            let v = match v {
                yaml_serde::Value::String(s) => s.clone(),
                other => yaml_serde::to_string(other).unwrap().trim_end().to_string(),
            };
            (k.as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// Issue 31: a compose file's `.env` and `env_file` are read by compose's rules (quotes stripped,
/// inline comments dropped, `${VAR}` interpolated), not by `docker run --env-file`'s.
#[tokio::test]
async fn compose_env_files_reach_the_container_as_the_compose_tool_gives_them() {
    let _engine = ENGINE.lock().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/busybox/stack-env");
    let file = dir.join("compose.yaml");
    let stack = dockbench::scenario::compose::load_stack(&file, "web").unwrap();
    let check = &stack.services[0];
    assert_eq!(check.name, "check");
    assert_eq!(check.env["E_DOUBLE"], "postgres://app:s3cret@db:5432/app");
    assert_eq!(check.env["E_PLAIN"], "two words");

    // The same as docker-compose (v1 here), where it is installed, and its container agrees
    // with expected.env too.
    let has_compose = Command::new("docker-compose").arg("version").output();
    if has_compose.is_ok_and(|o| o.status.success()) {
        assert_eq!(check.env, compose_config_env(&file, "check"));
        let project = ["-p", "dockbench-test-stack-env"];
        let run = Command::new("docker-compose")
            .args(project)
            .args(["run", "--rm", "check"])
            .current_dir(&dir)
            .output()
            .unwrap();
        let down = Command::new("docker-compose")
            .args(project)
            .args(["down", "--rmi", "local", "-v"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", show(&run));
        assert!(down.status.success(), "{}", show(&down));
    } else {
        eprintln!("docker-compose is not installed: dockbench's reading checked against expected.env only");
    }

    // In dockbench's own stack, `web` starts only if `check` found expected.env.
    let out = tempfile::tempdir().unwrap();
    let (output, results) = run_suite_at(&dir.join("suite.toml"), out.path(), &["--no-report"]);
    assert!(output.status.success(), "{}", show(&output));
    assert_ok(variant(&results, "env"));
    assert_eq!(
        labelled_resources("dockbench.suite=fixture-stack-env").await,
        (0, 0, 0)
    );
}
