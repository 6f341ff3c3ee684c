//! Helpers shared by the real-engine test files: run dockbench, read its results.json, and
//! count what carries a label on the engine.
#![allow(dead_code)] // each test file uses its own subset

pub mod engine;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bollard::query_parameters::{ListContainersOptions, ListImagesOptions};
use serde_json::Value;

pub const MIB: f64 = 1024.0 * 1024.0;

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/<path>`.
pub fn fixture(path: &str) -> PathBuf {
    root().join("tests/fixtures").join(path)
}

/// The dockbench built for these tests, run to the end.
pub fn dockbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockbench"))
        .args(args)
        .output()
        .expect("run dockbench")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code, stdout and stderr, for a failure message.
pub fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

/// `dockbench run SUITE --out OUT --no-progress EXTRA...`, and the results.json it wrote.
pub fn run_suite_at(suite: &Path, out: &Path, extra: &[&str]) -> (Output, Value) {
    let mut args = vec![
        "run",
        suite.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-progress",
    ];
    args.extend_from_slice(extra);
    let output = dockbench(&args);
    let text = std::fs::read_to_string(out.join("results.json")).unwrap_or_else(|e| {
        panic!(
            "no results.json ({e}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, serde_json::from_str(&text).unwrap())
}

pub fn variant<'a>(results: &'a Value, name: &str) -> &'a Value {
    results["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("variant {name} missing"))
}

pub fn samples(v: &Value, metric: &str) -> Vec<f64> {
    v["metrics"][metric]["samples"]
        .as_array()
        .unwrap_or_else(|| panic!("{} has no {metric}: {}", v["name"], v["metrics"]))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

pub fn median(v: &Value, metric: &str) -> f64 {
    v["metrics"][metric]["median"].as_f64().unwrap()
}

pub async fn docker() -> bollard::Docker {
    bollard::Docker::connect_with_defaults().expect("docker client")
}

pub async fn labelled_containers(label: &str) -> usize {
    let filters = HashMap::from([("label".to_string(), vec![label.to_string()])]);
    let options = ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    };
    docker()
        .await
        .list_containers(Some(options))
        .await
        .unwrap()
        .len()
}

pub async fn labelled_images(label: &str) -> usize {
    let filters = HashMap::from([("label".to_string(), vec![label.to_string()])]);
    let options = ListImagesOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    };
    docker()
        .await
        .list_images(Some(options))
        .await
        .unwrap()
        .len()
}

pub async fn labelled_networks(label: &str) -> usize {
    let filters = HashMap::from([("label".to_string(), vec![label.to_string()])]);
    let options = bollard::query_parameters::ListNetworksOptions {
        filters: Some(filters),
    };
    docker()
        .await
        .list_networks(Some(options))
        .await
        .unwrap()
        .len()
}

pub async fn labelled_volumes(label: &str) -> usize {
    let filters = HashMap::from([("label".to_string(), vec![label.to_string()])]);
    let options = bollard::query_parameters::ListVolumesOptions {
        filters: Some(filters),
    };
    docker()
        .await
        .list_volumes(Some(options))
        .await
        .unwrap()
        .volumes
        .unwrap_or_default()
        .len()
}

/// Containers, networks and volumes that carry `label`: all three must be 0 after a run.
pub async fn labelled_resources(label: &str) -> (usize, usize, usize) {
    (
        labelled_containers(label).await,
        labelled_networks(label).await,
        labelled_volumes(label).await,
    )
}

/// A results folder made from `results` (a results.json as JSON): results.json, and a
/// samples.csv holding each metric's samples (repetition = position + 1), which is what
/// dockbench reads its figures from.
pub fn write_results_folder(dir: &Path, results: &Value) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let text = serde_json::to_string_pretty(results).unwrap();
    std::fs::write(dir.join("results.json"), text).unwrap();
    let mut csv = String::from("suite,variant,metric,run,value,unit,started_at\n");
    let suite = results["suite"].as_str().unwrap();
    for v in results["variants"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        for (metric, summary) in v["metrics"].as_object().unwrap() {
            for (i, x) in summary["samples"].as_array().unwrap().iter().enumerate() {
                csv.push_str(&format!("{suite},{name},{metric},{},{x},,\n", i + 1));
            }
        }
    }
    std::fs::write(dir.join("samples.csv"), csv).unwrap();
    dir.to_path_buf()
}

/// The layer of `variant` (a results.json variant) whose command contains `command`.
pub fn layer_made_by<'a>(variant: &'a Value, command: &str) -> &'a Value {
    variant["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["created_by"].as_str().unwrap().contains(command))
        .unwrap_or_else(|| panic!("no layer made by `{command}` in {}", variant["name"]))
}

/// The image's unpacked size: what its layers' files add up to, read from `docker save` by
/// dockbench's anatomy. On Docker with a graph driver this is `docker image inspect`'s Size
/// (tests/engine.rs checks that); the containerd store and Podman report other figures.
pub async fn unpacked_bytes(image: &str) -> u64 {
    use futures_util::StreamExt;
    let docker = docker().await;
    let mut tar = Vec::new();
    let mut stream = docker.export_image(image);
    while let Some(chunk) = stream.next().await {
        tar.extend_from_slice(&chunk.expect("docker save"));
    }
    dockbench::anatomy::analyse(&tar[..])
        .expect("the image's anatomy")
        .size_bytes
}

/// Whether the engine under test is Podman (answering Docker's API), whose builder is Buildah.
pub async fn is_podman() -> bool {
    let version = docker().await.version().await.expect("docker version");
    version
        .components
        .unwrap_or_default()
        .iter()
        .any(|c| c.name.to_ascii_lowercase().contains("podman"))
}
