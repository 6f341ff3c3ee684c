//! `dockbench doctor`: is the engine reachable, where is it and how far (TLS, round trip),
//! which versions, does BuildKit work through the API, and are the base images that the bundled
//! suites build FROM present locally?

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::Path;
use std::time::Duration;

use super::{Format, EXIT_FAILURES, EXIT_OK};
use crate::driver::docker::{DockerEngine, Endpoint};
use crate::driver::Engine;
use crate::scenario::compose::stack::ServiceImage;
use crate::scenario::dockerfile::Dockerfile;
use crate::scenario::load_suite;
use crate::stats::Summary;

/// How many `/_ping` calls the round trip is the median of.
const PINGS: usize = 5;

/// What doctor found: the lines the text shows, as they are found, and the same facts as data
/// for `--format json`.
struct Findings {
    format: Format,
    checks: Vec<Check>,
    healthy: bool,
}

#[derive(Debug, serde::Serialize)]
struct Check {
    check: String,
    /// `None` for facts that are neither good nor bad (where the engine is, its versions).
    ok: Option<bool>,
    text: String,
}

impl Findings {
    /// Records a line; `Some(false)` makes doctor fail.
    fn add(&mut self, check: &str, ok: Option<bool>, text: String) {
        self.healthy &= ok != Some(false);
        if self.format == Format::Text {
            // Printed as found: an engine that answers slowly shows where it is slow.
            crate::outln!("{}", text_line(check, &text));
        }
        self.checks.push(Check {
            check: check.to_string(),
            ok,
            text,
        });
    }
}

/// `label: text`, the texts aligned in a column.
fn text_line(label: &str, text: &str) -> String {
    format!("{:<11} {text}", format!("{label}:"))
}

pub async fn doctor(
    scenarios: &Path,
    context: Option<&str>,
    format: Format,
) -> anyhow::Result<i32> {
    let engine = DockerEngine::connect(context).await?;
    let info = engine.info().await?;
    let mut found = Findings {
        format,
        checks: Vec::new(),
        healthy: true,
    };
    let engine_text = format!(
        "reachable ({} {}, API {})",
        info.kind.name(),
        info.docker_version,
        info.api_version
    );
    found.add("engine", Some(true), engine_text);
    for (label, text) in connection_facts(engine.endpoint()) {
        found.add(label, None, text);
    }
    let times = time_calls(PINGS, || engine.ping()).await?;
    found.add("round trip", None, round_trip_text(&times));
    let host = format!(
        "{} / kernel {}, storage {}, cgroup v{} ({})",
        info.operating_system,
        info.kernel_version,
        info.store_label(),
        info.cgroup_version,
        info.cgroup_driver
    );
    found.add("host", None, host);
    if let Some(note) = storage_note(&info.storage_driver) {
        found.add("storage", None, note);
    }
    check_leftovers(&engine, &mut found).await;
    for capability in super::capabilities::measure(&engine).await {
        found.add(capability.name, Some(capability.ok), capability.text);
    }
    let images = check_images(&engine, scenarios, &mut found).await?;
    if format == Format::Json {
        crate::outln!("{}", json(&found, &info, &times, images)?);
    }
    Ok(if found.healthy {
        EXIT_OK
    } else {
        EXIT_FAILURES
    })
}

/// `--format json`: every line's facts, and the engine, round trips and images as data.
fn json(
    found: &Findings,
    info: &crate::driver::EngineInfo,
    times: &[Duration],
    images: Vec<serde_json::Value>,
) -> serde_json::Result<String> {
    let round_trip_ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1e3).collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "healthy": found.healthy,
        "engine": info,
        "round_trip_ms": round_trip_ms,
        "checks": found.checks,
        "images": images,
    }))
}

async fn check_leftovers(engine: &DockerEngine, found: &mut Findings) {
    match super::clean::leftovers(engine).await {
        Ok(leftovers) => {
            let warnings = super::clean::leftover_warnings(&leftovers);
            if warnings.is_empty() {
                let none = "none of dead dockbench runs".to_string();
                found.add("leftovers", Some(true), none);
            }
            // Running leftovers distort every measurement: the engine is not ready.
            let ok = leftovers.running_containers().is_empty();
            for w in warnings {
                found.add("leftovers", Some(ok), w);
            }
        }
        Err(e) => found.add("leftovers", None, format!("could not list them: {e:#}")),
    }
}

/// Whether each image the bundled suites need is present; the same facts as data.
async fn check_images(
    engine: &DockerEngine,
    scenarios: &Path,
    found: &mut Findings,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let needed = needed_images(scenarios);
    if needed.is_empty() {
        let none = format!("no bundled suites found under {}", scenarios.display());
        found.add("base images", None, none);
    }
    let mut images = Vec::new();
    for ((kind, image), suites) in &needed {
        let present = engine.image_exists(image).await?;
        let mark = if present {
            "present"
        } else {
            "MISSING (run `bash scripts/setup.sh`)"
        };
        let suites: Vec<&str> = suites.iter().map(String::as_str).collect();
        let text = format!("{image}: {mark} (needed by {})", suites.join(", "));
        found.add(kind.label(), Some(present), text);
        images.push(serde_json::json!({
            "need": kind.label(),
            "image": image,
            "present": present,
            "needed_by": suites,
        }));
    }
    Ok(images)
}

/// Where the engine is, whether it is on this machine, and whether TLS guards the way to it.
fn connection_facts(endpoint: &Endpoint) -> Vec<(&'static str, String)> {
    let place = match (&endpoint.host, endpoint.is_local()) {
        (None, _) => "on this machine (a socket)".to_string(),
        (Some(_), true) => "on this machine (loopback)".to_string(),
        (Some(host), false) => format!("on another machine, {host}"),
    };
    let tls = match (&endpoint.tls, &endpoint.host) {
        (Some(tls), _) => format!(
            "on: the engine's certificate is checked against {}, and ours is {} (from {})",
            tls.ca().display(),
            tls.cert().display(),
            tls.dir_source
        ),
        (None, None) => "off (a socket, reached only on this machine)".to_string(),
        (None, Some(host)) => format!(
            "OFF: anyone who can reach {host}:{} controls the engine",
            endpoint.port.map(|p| p.to_string()).unwrap_or_default()
        ),
    };
    let mut facts = vec![
        ("address", format!("{}: {place}", endpoint.address())),
        ("tls", tls),
    ];
    if let Some(warning) = endpoint.remote_warning() {
        facts.push(("remote", warning));
    }
    facts
}

/// How long each of `n` calls of `call` took, one after another (on tokio's clock, so that a
/// test with a paused clock knows the answer).
async fn time_calls<F, Fut>(n: usize, mut call: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = tokio::time::Instant::now();
        call().await?;
        times.push(start.elapsed());
    }
    Ok(times)
}

/// The median round trip and its range, in ms. bollard keeps no idle connection, so each call
/// opens a connection of its own (with a TLS handshake, over TLS), as every call of a run does.
fn round_trip_text(times: &[Duration]) -> String {
    let ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1e3).collect();
    let Some(s) = Summary::from_samples(&ms) else {
        return "not measured".to_string();
    };
    format!(
        "{:.1} ms (median of {} /_ping calls, {:.1}-{:.1} ms; each on a new connection, as every \
         call dockbench makes)",
        s.median,
        ms.len(),
        s.min,
        s.max
    )
}

/// What a storage driver does to the build times dockbench measures, where that is known. Only
/// overlay2 diffs a layer from its upper directory alone; the others compare whole file trees,
/// so every build step pays for the size of the image below it.
fn storage_note(driver: &str) -> Option<String> {
    let slow = match driver {
        "fuse-overlayfs" => {
            "every layer commit ends only at the next whole second of the clock (each step \
             ends within ~10 ms after one, measured), so each build step costs up to 1 s; \
             dockbench starts timed builds at dithered phases of the second, so that this \
             shows as spread rather than as a difference between variants"
        }
        "vfs" => "every build step copies the whole image below it",
        _ => return None,
    };
    Some(format!(
        "{driver}: no native layer diff: {slow}; build times are not comparable with an overlay2 \
         engine's; `bash scripts/private-engine.sh start` starts an overlay2 engine beside this one"
    ))
}

/// Why a bundled suite needs an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    /// A Dockerfile builds FROM it.
    Base,
    /// A service of a compose stack runs it as is.
    Stack,
}

impl Need {
    fn label(self) -> &'static str {
        match self {
            Need::Base => "base image",
            Need::Stack => "stack image",
        }
    }
}

/// (why, image) -> names of the bundled suites that need it: the images their Dockerfiles
/// build FROM (the variants', and those of stack services built from their own `build`), and
/// the images their compose stacks run.
fn needed_images(scenarios: &Path) -> BTreeMap<(Need, String), BTreeSet<String>> {
    let mut needed: BTreeMap<(Need, String), BTreeSet<String>> = BTreeMap::new();
    let suite_files = walkdir::WalkDir::new(scenarios)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"));
    for entry in suite_files {
        let Ok(suite) = load_suite(entry.path()) else {
            continue;
        };
        let mut need = |why: Need, image: String| {
            needed
                .entry((why, image))
                .or_default()
                .insert(suite.name.clone());
        };
        for v in &suite.variants {
            let mut dockerfiles = vec![(v.dockerfile_path(), v.build_args.clone())];
            let stack = v.run.as_ref().and_then(|r| r.stack.as_ref());
            for service in stack.map(|s| s.dependencies()).unwrap_or_default() {
                match &service.image {
                    Some(ServiceImage::Image(image)) => need(Need::Stack, image.clone()),
                    Some(ServiceImage::Build(b)) => {
                        let file = b.dockerfile.as_deref().unwrap_or("Dockerfile");
                        dockerfiles.push((b.context.join(file), b.args.clone()));
                    }
                    None => {}
                }
            }
            for (path, args) in dockerfiles {
                let Ok(text) = std::fs::read_to_string(path) else {
                    continue;
                };
                for image in Dockerfile::parse(&text).base_images(&args) {
                    need(Need::Base, image);
                }
            }
        }
    }
    needed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The round trip is the median of the calls' own times (scripted on a paused clock, so
    /// exact): one slow call does not move it.
    #[tokio::test(start_paused = true)]
    async fn round_trip_is_the_median_of_the_pings() {
        let script_ms = [30, 2, 9, 4, 1000];
        let mut next = script_ms.iter();
        let times = time_calls(PINGS, || {
            let took = Duration::from_millis(*next.next().unwrap());
            async move {
                tokio::time::sleep(took).await;
                Ok(())
            }
        })
        .await
        .unwrap();
        assert_eq!(times, script_ms.map(Duration::from_millis));
        assert_eq!(
            round_trip_text(&times),
            "9.0 ms (median of 5 /_ping calls, 2.0-1000.0 ms; each on a new connection, as \
             every call dockbench makes)"
        );
        let even = [Duration::from_micros(1_200), Duration::from_micros(1_500)];
        assert!(round_trip_text(&even).starts_with("1.4 ms (median of 2 "));
        assert_eq!(round_trip_text(&[]), "not measured");
        let failing = time_calls(3, || async { Err(anyhow::anyhow!("gone")) }).await;
        assert_eq!(failing.unwrap_err().to_string(), "gone");
    }

    #[test]
    fn says_where_the_engine_is_and_whether_tls_guards_it() {
        let connection_lines = |endpoint: &Endpoint| -> Vec<String> {
            connection_facts(endpoint)
                .iter()
                .map(|(label, text)| text_line(label, text))
                .collect()
        };
        let endpoint = |vars: &[(&str, &str)]| {
            Endpoint::from_vars(|name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            })
            .unwrap()
        };
        assert_eq!(
            connection_lines(&endpoint(&[])),
            [
                "address:    unix:///var/run/docker.sock (the local socket): on this machine (a \
                 socket)",
                "tls:        off (a socket, reached only on this machine)",
            ]
        );
        let tls = endpoint(&[
            ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/certs"),
        ]);
        assert_eq!(
            connection_lines(&tls),
            [
                "address:    tcp://127.0.0.1:2376 (DOCKER_HOST): on this machine (loopback)",
                "tls:        on: the engine's certificate is checked against /certs/ca.pem, and \
                 ours is /certs/cert.pem (from DOCKER_CERT_PATH)",
            ]
        );
        let remote = connection_lines(&endpoint(&[("DOCKER_HOST", "tcp://10.0.0.5")]));
        assert_eq!(
            remote[..2],
            [
                "address:    tcp://10.0.0.5 (DOCKER_HOST): on another machine, 10.0.0.5",
                "tls:        OFF: anyone who can reach 10.0.0.5:2375 controls the engine",
            ]
        );
        assert!(remote[2].starts_with("remote:     the engine at tcp://10.0.0.5 (DOCKER_HOST)"));
    }

    /// The JSON holds each line's label, text and verdict; a fact that is neither good nor bad
    /// does not fail doctor, a bad one does.
    #[tokio::test]
    async fn findings_keep_what_the_text_says_and_whether_it_is_healthy() {
        let mut found = Findings {
            format: Format::Json,
            checks: Vec::new(),
            healthy: true,
        };
        found.add("host", None, "Debian".into());
        found.add("buildkit", Some(true), "works".into());
        assert!(found.healthy);
        found.add("base image", Some(false), "x: MISSING".into());
        assert!(!found.healthy);
        let json_checks = serde_json::to_value(&found.checks).unwrap();
        assert_eq!(
            json_checks,
            serde_json::json!([
                {"check": "host", "ok": null, "text": "Debian"},
                {"check": "buildkit", "ok": true, "text": "works"},
                {"check": "base image", "ok": false, "text": "x: MISSING"},
            ])
        );
        let engine = crate::driver::fake::FakeEngine::new(Default::default());
        let info = engine.info().await.unwrap();
        let times = [Duration::from_millis(2), Duration::from_millis(4)];
        let image = serde_json::json!({"image": "x", "present": false});
        let doc: serde_json::Value =
            serde_json::from_str(&json(&found, &info, &times, vec![image.clone()]).unwrap())
                .unwrap();
        assert_eq!(doc["healthy"], false);
        assert_eq!(
            doc["engine"]["docker_version"],
            info.docker_version.as_str()
        );
        assert_eq!(doc["round_trip_ms"], serde_json::json!([2.0, 4.0]));
        assert_eq!(doc["checks"], json_checks);
        assert_eq!(doc["images"], serde_json::json!([image]));
        assert_eq!(text_line("round trip", "1 ms"), "round trip: 1 ms");
        assert_eq!(text_line("base images", "none"), "base images: none");
        assert_eq!(text_line("host", "x"), "host:       x");
    }

    #[test]
    fn warns_about_storage_drivers_without_a_native_diff_only() {
        let fuse = storage_note("fuse-overlayfs").unwrap();
        assert!(
            fuse.starts_with("fuse-overlayfs: no native layer diff"),
            "{fuse}"
        );
        assert!(fuse.contains("scripts/private-engine.sh"), "{fuse}");
        assert!(storage_note("vfs")
            .unwrap()
            .contains("copies the whole image"));
        assert_eq!(storage_note("overlay2"), None);
        assert_eq!(storage_note("btrfs"), None);
    }

    #[test]
    fn lists_the_images_of_the_bundled_suites_and_their_stacks() {
        let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let needed = needed_images(&scenarios);
        let suites = |why: Need, image: &str| -> Vec<String> {
            needed
                .get(&(why, image.to_string()))
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default()
        };
        assert_eq!(
            suites(Need::Base, "dockbench/python:3.11-slim"),
            ["python-api", "stack", "uv-worker"]
        );
        assert_eq!(suites(Need::Stack, "dockbench/postgres:15"), ["stack"]);
        assert_eq!(suites(Need::Stack, "dockbench/redis:7"), ["stack"]);
    }
}
