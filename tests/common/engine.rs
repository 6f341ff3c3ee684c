//! A private Docker engine of a test's own (`scripts/private-engine.sh` under test names), so
//! that a test can kill, restart or fill an engine without touching the machine's.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `program` with DOCKER_HOST unset (the machine's engine) plus `envs`.
pub fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(program)
        .args(args)
        .env_remove("DOCKER_HOST")
        .envs(envs.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

pub fn stdout_of(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A private engine under test names of its own, so that it never meets an engineer's.
pub struct TestEngine {
    pub envs: Vec<(&'static str, String)>,
    pub name: String,
    pub bridge: String,
}

impl TestEngine {
    /// `tag` (a few letters) and `address` (`172.31.N.1/24`) keep test files' engines apart.
    pub fn new(tag: &str, address: &str) -> Self {
        let id = std::process::id() % 100_000;
        let name = format!("dockbench-{tag}-engine-{id}");
        let bridge = format!("db{tag}{id}");
        assert!(bridge.len() <= 15, "bridge name {bridge} is too long");
        TestEngine {
            envs: vec![
                ("DOCKBENCH_ENGINE_NAME", name.clone()),
                ("DOCKBENCH_ENGINE_BRIDGE", bridge.clone()),
                ("DOCKBENCH_ENGINE_ADDRESS", address.to_string()),
            ],
            name,
            bridge,
        }
    }

    pub fn script(&self, arg: &str) -> Output {
        let envs: Vec<(&str, &str)> = self.envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let script = root().join("scripts/private-engine.sh");
        run("bash", &[script.to_str().unwrap(), arg], &envs)
    }

    pub fn host(&self) -> String {
        format!("unix:///run/{}/docker.sock", self.name)
    }

    pub fn docker(&self, args: &[&str]) -> Output {
        let host = self.host();
        run("docker", &[&["-H", host.as_str()][..], args].concat(), &[])
    }

    pub fn data_root(&self) -> PathBuf {
        PathBuf::from(format!("/var/lib/{}", self.name))
    }

    /// The last warnings and errors of the engine's log, for a failure message.
    pub fn log_tail(&self) -> String {
        let log = fs::read_to_string(format!("/var/log/{}.log", self.name)).unwrap_or_default();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| !l.contains("level=info") && !l.contains("level=debug"))
            .collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// The engine's dockerd, while it runs.
    pub fn dockerd_pid(&self) -> Option<u32> {
        fs::read_to_string(format!("/run/{}/dockerd.pid", self.name))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Copies `image` from the machine's engine into this one (no registry here).
    pub fn load_from_machine(&self, image: &str) {
        let tar = std::env::temp_dir().join(format!("{}-load.tar", self.name));
        let saved = run("docker", &["save", "-o", tar.to_str().unwrap(), image], &[]);
        assert!(saved.status.success(), "{}", show(&saved));
        let loaded = self.docker(&["load", "-i", tar.to_str().unwrap()]);
        let _ = fs::remove_file(&tar);
        assert!(loaded.status.success(), "{}", show(&loaded));
    }
}

impl Drop for TestEngine {
    fn drop(&mut self) {
        // Even when an assertion failed: no engine, bridge or rule of a test is left behind.
        let _ = self.script("stop");
        let _ = fs::remove_dir_all(self.data_root());
        let _ = fs::remove_dir_all(format!("/run/{}", self.name));
        let _ = fs::remove_file(format!("/var/log/{}.log", self.name));
    }
}
