//! Long runs against the real engine: a killed engine, a killed dockbench, a full disk. Each
//! test has a private engine of its own (`scripts/private-engine.sh` under test names), so the
//! machine's engine is never stopped or filled. Needs root and Docker, as CI has; without them
//! these tests fail, never skip.

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::engine::{show, stdout_of, TestEngine};
use serde_json::Value;

fn fixture(name: &str) -> String {
    common::engine::root()
        .join("tests/fixtures/busybox/longrun")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A started engine with the busybox base image.
fn engine(tag: &str, address: &str) -> TestEngine {
    let engine = TestEngine::new(tag, address);
    let started = engine.script("start");
    assert!(started.status.success(), "{}", show(&started));
    engine.load_from_machine("dockbench/busybox:latest");
    engine
}

fn dockbench_on(engine: &TestEngine, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockbench"));
    cmd.args(args).env("DOCKER_HOST", engine.host());
    cmd
}

fn output_of(mut cmd: Command) -> Output {
    cmd.output().expect("run dockbench")
}

fn spawn(mut cmd: Command) -> Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dockbench")
}

/// Polls `check` every 100 ms for up to `limit`; panics with `what` if it never holds.
fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn results(dir: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).ok()?).ok()
}

fn completed_runs(results: &Value, variant: &str) -> Vec<u64> {
    results["variants"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["name"] == variant))
        .and_then(|v| v["completed_runs"].as_array())
        .map(|runs| runs.iter().map(|r| r.as_u64().unwrap()).collect())
        .unwrap_or_default()
}

/// Kill the engine (`kill -9` of its dockerd) during the second variant's cold build: the
/// first stays ok, nothing is a build failure, exit 3; after a restart `--resume` completes
/// the run with every variant's every repetition.
#[test]
fn a_killed_engine_stops_the_run_and_resume_completes_it() {
    let engine = engine("lra", "172.31.252.1/24");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let out_text = out.to_str().unwrap();
    let suite = fixture("suite.toml");
    let child = spawn(dockbench_on(
        &engine,
        &[
            "run",
            &suite,
            "--out",
            out_text,
            "--order",
            "sequential",
            "--no-progress",
            "--no-report",
        ],
    ));
    wait_until("a's two repetitions", Duration::from_secs(120), || {
        results(&out).is_some_and(|r| completed_runs(&r, "a") == [1, 2])
    });
    // b's cold build runs `sleep 3`; 1 s in, the engine dies.
    std::thread::sleep(Duration::from_secs(1));
    let pid = engine.dockerd_pid().expect("dockerd runs");
    let killed = Command::new("kill").args(["-9", &pid.to_string()]).status();
    assert!(killed.unwrap().success());
    let run = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{}", show(&run));
    assert!(
        stderr.contains(&format!("the Docker engine at {} (DOCKER_HOST) stopped answering during b's cold build (repetition 1)", engine.host())),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 variant(s) measured in full, 1 in part; 1 not attempted"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("--resume {out_text}")), "{stderr}");
    assert!(
        !stderr.contains("FAILED"),
        "no variant failure is reported: {stderr}"
    );
    let kept = results(&out).unwrap();
    let a = &kept["variants"][0];
    assert_eq!(
        (a["name"].as_str(), a["status"].as_str()),
        (Some("a"), Some("ok"))
    );
    let b = &kept["variants"][1];
    let error = b["error"].as_str().unwrap();
    assert_eq!(b["status"], "failed");
    assert_eq!(b["failure_kind"], "engine_lost");
    assert!(
        error.starts_with(
            "the Docker engine stopped answering during the cold build of repetition 1"
        ),
        "{error}"
    );
    assert!(!error.contains("build failed"), "{error}");
    assert_eq!(
        kept["variants"].as_array().unwrap().len(),
        2,
        "c not attempted"
    );

    let restarted = engine.script("start");
    assert!(
        restarted.status.success(),
        "{}\n--- engine log\n{}",
        show(&restarted),
        engine.log_tail()
    );
    let resumed = output_of(dockbench_on(
        &engine,
        &[
            "run",
            &suite,
            "--resume",
            out_text,
            "--no-progress",
            "--no-report",
        ],
    ));
    assert_eq!(resumed.status.code(), Some(0), "{}", show(&resumed));
    let done = results(&out).unwrap();
    assert!(done["finished_at"].is_string());
    assert_eq!(done["resumed_at"].as_array().unwrap().len(), 1);
    for name in ["a", "b", "c"] {
        assert_eq!(completed_runs(&done, name), [1, 2], "{name}");
        let v = done["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap();
        assert_eq!(v["status"], "ok", "{name}: {}", v["error"]);
        assert_eq!(
            v["metrics"]["cold_build_s"]["samples"]
                .as_array()
                .unwrap()
                .len(),
            2,
            "{name}"
        );
    }
    // b's slow step really ran in both of its repetitions.
    let b = &done["variants"][1];
    assert!(
        b["metrics"]["cold_build_s"]["min"].as_f64().unwrap() >= 3.0,
        "{b}"
    );

    // Changing a file the suite names makes the folder unresumable (exit 2, with the reason).
    let copy = tmp.path().join("suite");
    std::fs::create_dir(&copy).unwrap();
    for f in ["suite.toml", "Dockerfile.quick", "Dockerfile.slow"] {
        std::fs::copy(fixture(f), copy.join(f)).unwrap();
    }
    let other = tmp.path().join("other");
    let first = output_of(dockbench_on(
        &engine,
        &[
            "run",
            copy.join("suite.toml").to_str().unwrap(),
            "--out",
            other.to_str().unwrap(),
            "--variant",
            "a",
            "--runs",
            "1",
            "--no-progress",
            "--no-report",
        ],
    ));
    assert_eq!(first.status.code(), Some(0), "{}", show(&first));
    std::fs::write(
        copy.join("Dockerfile.quick"),
        "FROM dockbench/busybox:latest\nRUN echo other > /quick\n",
    )
    .unwrap();
    let refused = output_of(dockbench_on(
        &engine,
        &[
            "run",
            copy.join("suite.toml").to_str().unwrap(),
            "--resume",
            other.to_str().unwrap(),
            "--variant",
            "a",
            "--no-progress",
        ],
    ));
    assert_eq!(refused.status.code(), Some(2), "{}", show(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("Dockerfile.quick changed"),
        "{}",
        show(&refused)
    );

    // The killed dockerd left its build's mounts behind; `stop` takes them away.
    let stopped = engine.script("stop");
    assert!(stopped.status.success(), "{}", show(&stopped));
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
    let root = engine.data_root();
    assert!(
        !mounts.contains(root.to_str().unwrap()),
        "mounts left under {}:\n{mounts}",
        root.display()
    );
}

/// The labels of the engine's run containers: (id, lease).
fn run_containers(engine: &TestEngine) -> Vec<(String, String)> {
    let out = engine.docker(&[
        "ps",
        "-a",
        "--filter",
        "label=dockbench.run",
        "--format",
        "{{.ID}} {{.Label \"dockbench.lease\"}}",
    ]);
    stdout_of(&out)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(id, lease)| (id.to_string(), lease.to_string()))
        .collect()
}

/// How many images carry the lease of the process `pid` (read off its run's container).
fn images_of_pid(engine: &TestEngine, pid: u32, lease_of: &[(u32, String)]) -> usize {
    let lease = &lease_of
        .iter()
        .find(|(p, _)| *p == pid)
        .expect("a known run")
        .1;
    let filter = format!("label=dockbench.lease={lease}");
    let out = engine.docker(&["images", "-q", "--filter", &filter]);
    stdout_of(&out).lines().count()
}

fn lease_pid(lease: &str) -> Option<u32> {
    lease.split('/').nth_back(1)?.parse().ok()
}

/// `kill -9` dockbench while its container runs: its container keeps running, `run` and
/// `doctor` warn, and `dockbench clean` removes exactly that run's container and image, not
/// those of a second, live run.
#[test]
fn clean_removes_a_killed_runs_leftovers_and_nothing_of_a_live_run() {
    let engine = engine("lrb", "172.31.253.1/24");
    let tmp = tempfile::tempdir().unwrap();
    let hold = fixture("hold.toml");
    let start = |out: &str| {
        spawn(dockbench_on(
            &engine,
            &["run", &hold, "--out", out, "--no-progress", "--no-report"],
        ))
    };
    // A container of the run's that runs (not just created).
    let holding = |pid: u32| {
        let out = engine.docker(&[
            "ps",
            "--filter",
            "label=dockbench.run",
            "--format",
            "{{.Label \"dockbench.lease\"}}",
        ]);
        stdout_of(&out)
            .lines()
            .any(|lease| lease_pid(lease) == Some(pid))
    };
    let mut doomed = start(tmp.path().join("doomed").to_str().unwrap());
    let doomed_pid = doomed.id();
    wait_until(
        "the doomed run's container",
        Duration::from_secs(60),
        || holding(doomed_pid),
    );
    let live = start(tmp.path().join("live").to_str().unwrap());
    let live_pid = live.id();
    wait_until("the live run's container", Duration::from_secs(60), || {
        holding(live_pid)
    });

    doomed.kill().unwrap(); // SIGKILL: no clean-up of its own
    doomed.wait().unwrap();
    let leases: Vec<(u32, String)> = run_containers(&engine)
        .into_iter()
        .filter_map(|(_, lease)| Some((lease_pid(&lease)?, lease)))
        .collect();
    let running = engine.docker(&["ps", "--filter", "label=dockbench.run", "-q"]);
    assert_eq!(
        stdout_of(&running).lines().count(),
        2,
        "the killed run's container still runs"
    );
    assert_eq!(images_of_pid(&engine, doomed_pid, &leases), 1);

    let doctor = output_of(dockbench_on(&engine, &["doctor"]));
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        text.contains("leftovers:  1 container(s) of dead dockbench runs are still running"),
        "{}",
        show(&doctor)
    );
    let dry = output_of(dockbench_on(&engine, &["clean", "--dry-run"]));
    let listed = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert_eq!(dry.status.code(), Some(0), "{}", show(&dry));
    assert!(
        listed.starts_with("would remove container (running) "),
        "{listed}"
    );
    assert!(
        listed.contains("would remove image dockbench/fixture-hold-hold:"),
        "{listed}"
    );
    assert!(
        listed.contains("left alone: the resources of 1 live run(s)"),
        "{listed}"
    );
    assert_eq!(
        run_containers(&engine).len(),
        2,
        "a dry run removes nothing"
    );

    let clean = output_of(dockbench_on(&engine, &["clean"]));
    assert_eq!(clean.status.code(), Some(0), "{}", show(&clean));
    let left = run_containers(&engine);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(
        lease_pid(&left[0].1),
        Some(live_pid),
        "the live run's container stays"
    );
    assert_eq!(
        images_of_pid(&engine, doomed_pid, &leases),
        0,
        "the killed run's image is gone"
    );
    assert_eq!(
        images_of_pid(&engine, live_pid, &leases),
        1,
        "the live run's image stays"
    );

    // The live run, interrupted as a user would, removes its own.
    Command::new("kill")
        .args(["-INT", &live_pid.to_string()])
        .status()
        .unwrap();
    let ended = live.wait_with_output().unwrap();
    assert_eq!(ended.status.code(), Some(130), "{}", show(&ended));
    assert!(run_containers(&engine).is_empty());
    let nothing = output_of(dockbench_on(&engine, &["clean", "--dry-run"]));
    assert_eq!(stdout_of(&nothing), "no leftovers of dead dockbench runs");
}

/// A results folder on a tmpfs that fills up after the first variant: the error names the
/// file, the exit code is 4 ("measured, but not saved"), and the file already written is intact.
#[test]
fn a_full_results_disk_exits_4_and_keeps_what_was_written() {
    let engine = engine("lrc", "172.31.254.1/24");
    let tmp = tempfile::tempdir().unwrap();
    let mount = tmp.path().join("small");
    std::fs::create_dir(&mount).unwrap();
    let mounted = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=1m",
            "tmpfs",
            mount.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(mounted.success(), "mounting a tmpfs needs root");
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&mount);
    let out = mount.join("run");
    let child = spawn(dockbench_on(
        &engine,
        &[
            "run",
            &fixture("suite.toml"),
            "--out",
            out.to_str().unwrap(),
            "--order",
            "sequential",
            "--runs",
            "1",
            "--no-progress",
            "--no-report",
        ],
    ));
    wait_until("a's repetition", Duration::from_secs(120), || {
        results(&out).is_some_and(|r| completed_runs(&r, "a") == [1])
    });
    // Fill the rest of the tmpfs while b builds (its RUN sleeps 3 s).
    let fill = Command::new("dd")
        .args([
            "if=/dev/zero",
            &format!("of={}", mount.join("fill").display()),
            "bs=64k",
        ])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!fill.success(), "dd stops at a full disk");
    let run = child.wait_with_output().unwrap();
    assert_eq!(run.status.code(), Some(4), "{}", show(&run));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains(&format!(
            "could not write {}",
            out.join("results.json").display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    let kept = results(&out).expect("results.json is still whole");
    assert_eq!(completed_runs(&kept, "a"), [1]);
    assert_eq!(kept["variants"].as_array().unwrap().len(), 1);
    // The run removed what it built, though it could not save.
    let images = engine.docker(&["images", "-q", "--filter", "label=dockbench.run"]);
    assert_eq!(stdout_of(&images), "");
}
