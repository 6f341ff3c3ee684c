//! Helpers shared by the real-engine test files: run dockbench, read its results.json, and
//! count what carries a label on the engine.
#![allow(dead_code)] // each test file uses its own subset

pub mod engine;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use bollard::query_parameters::{ListContainersOptions, ListImagesOptions};
use serde_json::Value;

pub const MIB: f64 = 1024.0 * 1024.0;

pub fn dockbench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockbench"))
        .args(args)
        .output()
        .expect("run dockbench")
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
