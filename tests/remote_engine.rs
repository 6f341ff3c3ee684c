//! Remote engines (issue 17): dockbench reaches a private engine over TCP with TLS, as it would
//! an engine on another machine (`DOCKER_HOST=tcp://127.0.0.1:PORT`, `DOCKER_TLS_VERIFY=1`,
//! `DOCKER_CERT_PATH`), with certificates openssl makes here. Each test has an engine of its own
//! (`scripts/private-engine.sh` under test names), stopped even when the test fails. Needs
//! root, Docker and openssl, as CI has; without them these tests fail, never skip.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::engine::{free_port, show, stdout_of, TestCa, TestEngine};
use serde_json::Value;

const MIB: u64 = 1024 * 1024;

/// A CA that signs the engine's certificate and good clients', and another that signs nothing
/// the engine trusts.
struct Pki {
    _dir: tempfile::TempDir,
    ca: TestCa,
    other: TestCa,
    server: PathBuf,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let ca = TestCa::new(dir.path(), "ca");
        let other = TestCa::new(dir.path(), "other");
        let server = ca.server("server");
        Pki {
            _dir: dir,
            ca,
            other,
            server,
        }
    }

    /// A client the engine accepts, which trusts the engine.
    fn good_client(&self) -> PathBuf {
        self.ca.client("client", &self.ca)
    }
}

/// A started engine that also listens on 127.0.0.1 with TLS.
fn tls_engine(tag: &str, address: &str, pki: &Pki) -> TestEngine {
    let mut engine = TestEngine::new(tag, address);
    engine.listen_tls(free_port(), &pki.server);
    let started = engine.script("start");
    assert!(started.status.success(), "{}", show(&started));
    engine
}

/// dockbench with only TLS between it and the engine: the engine's unix socket is not named.
fn dockbench_tls(engine: &TestEngine, cert_path: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockbench"))
        .args(args)
        .env("DOCKER_HOST", engine.tcp_host().unwrap())
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", cert_path)
        .env_remove("DOCKER_CONFIG")
        .env_remove("DOCKER_TLS")
        .output()
        .expect("run dockbench")
}

/// `dockbench run SUITE` through the TLS engine, which must exit 0, and the results.json it
/// wrote.
fn run_tls(engine: &TestEngine, cert_path: &Path, suite: &Path, out: &Path) -> Value {
    let run = dockbench_tls(
        engine,
        cert_path,
        &[
            "run",
            suite.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-progress",
            "--no-report",
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", show(&run));
    serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap()
}

/// The known-answer layer fixture (`Dockerfile.layers`: one layer of exactly 50 MiB), with
/// both builders, once each.
fn layers_suite(dir: &Path) -> PathBuf {
    let context = common::engine::root().join("tests/fixtures/busybox/build");
    let suite = dir.join("suite.toml");
    let text = format!(
        "name = \"remote-layers\"\ncontext = '{}'\nruns = 1\n\n\
         [[variant]]\nname = \"layers-buildkit\"\ndockerfile = \"Dockerfile.layers\"\n\
         builder = \"buildkit\"\n\n\
         [[variant]]\nname = \"layers-classic\"\ndockerfile = \"Dockerfile.layers\"\n\
         builder = \"classic\"\n",
        context.display()
    );
    std::fs::write(&suite, text).unwrap();
    suite
}

#[test]
fn a_50_mib_layer_measures_exactly_through_a_tls_engine() {
    let pki = Pki::new();
    let engine = tls_engine("rea", "172.31.247.1/24", &pki);
    engine.load_from_machine("dockbench/busybox:latest");
    let base = engine.docker(&[
        "image",
        "inspect",
        "-f",
        "{{.Size}}",
        "dockbench/busybox:latest",
    ]);
    let base_size: u64 = stdout_of(&base).parse().expect("the base image's size");
    let tmp = tempfile::tempdir().unwrap();
    let suite = layers_suite(tmp.path());
    let out = tmp.path().join("out");
    let results = run_tls(&engine, &pki.good_client(), &suite, &out);
    for builder in ["buildkit", "classic"] {
        let variant = common::variant(&results, &format!("layers-{builder}"));
        assert_eq!(variant["status"], "ok", "{builder}: {variant}");
        let blob = common::layer_made_by(variant, "dd if=/dev/zero");
        assert_eq!(blob["size_bytes"].as_u64(), Some(50 * MIB), "{builder}");
        let sizes = common::samples(variant, "image_size_bytes");
        assert_eq!(sizes, [(base_size + 50 * MIB) as f64], "{builder}");
    }
    // Its cleanup went through TLS too: nothing of the run is left on the engine (the base
    // image carries `dockbench` too, but no run's label).
    for kind in ["ps", "images"] {
        let left = engine.docker(&[kind, "-aq", "--filter", "label=dockbench.run"]);
        assert!(left.status.success(), "{}", show(&left));
        assert_eq!(stdout_of(&left), "", "{kind}: the run left these");
    }
}

/// A container measured through a TLS engine: created, published, probed on the engine's host
/// (loopback here), read for memory, and removed, all through TLS.
#[test]
fn a_container_is_probed_and_measured_through_a_tls_engine() {
    let pki = Pki::new();
    let engine = tls_engine("red", "172.31.244.1/24", &pki);
    engine.load_from_machine("dockbench/busybox:latest");
    let tmp = tempfile::tempdir().unwrap();
    let context = common::engine::root().join("tests/fixtures/busybox/run");
    let suite = tmp.path().join("suite.toml");
    let text = format!(
        "name = \"remote-probe\"\ncontext = '{}'\nruns = 1\n\n\
         [run]\nport = 8080\nhttp_probe = \"/health\"\ntimeout = \"20s\"\nsettle = \"1s\"\n\n\
         [[variant]]\nname = \"fast-buildkit\"\ndockerfile = \"Dockerfile.fast\"\n\
         builder = \"buildkit\"\n",
        context.display()
    );
    std::fs::write(&suite, text).unwrap();
    let out = tmp.path().join("out");
    let results = run_tls(&engine, &pki.good_client(), &suite, &out);
    let fast = common::variant(&results, "fast-buildkit");
    assert_eq!(fast["status"], "ok", "{fast}");
    let startup = common::samples(fast, "startup_s");
    assert!(
        startup.len() == 1 && startup[0] > 0.0 && startup[0] < 20.0,
        "{startup:?}"
    );
    let memory = common::samples(fast, "memory_idle_bytes");
    assert!(memory.len() == 1 && memory[0] > 0.0, "{memory:?}");
    let left = engine.docker(&["ps", "-aq", "--filter", "label=dockbench.run"]);
    assert_eq!(stdout_of(&left), "", "containers left: {}", show(&left));
}

/// Both ways a certificate can be wrong, and a missing file: exit 2, and which side refused
/// whom, in words (no rustls names).
#[test]
fn wrong_certificates_exit_2_and_say_which_side_refused() {
    let pki = Pki::new();
    let engine = tls_engine("reb", "172.31.246.1/24", &pki);
    let at = format!(
        "the Docker engine at {} (DOCKER_HOST)",
        engine.tcp_host().unwrap()
    );
    let suite = common::engine::root().join("tests/fixtures/busybox/build/suite.toml");
    let commands: [&[&str]; 2] = [
        &["doctor"],
        &["run", suite.to_str().unwrap(), "--no-progress"],
    ];
    let mut seen = Vec::new();

    // We trust another CA than the one that signed the engine's certificate.
    let untrusting = pki.ca.client("untrusting", &pki.other);
    let not_trusted = format!(
        "error: {at} is not trusted: its certificate is not signed by the CA in {} \
         (DOCKER_CERT_PATH)\nhint: that ca.pem must be the CA that signed the engine's \
         certificate (dockerd --tlscert)\n",
        untrusting.join("ca.pem").display()
    );
    // The engine does not accept a client certificate that another CA signed.
    let stranger = pki.other.client("stranger", &pki.ca);
    let refused = format!(
        "error: {at} refused our client certificate {} (DOCKER_CERT_PATH): the engine accepts \
         only client certificates signed by its own CA (dockerd --tlscacert)\n",
        stranger.join("cert.pem").display()
    );
    for (cert_path, expected) in [(&untrusting, &not_trusted), (&stranger, &refused)] {
        for args in commands {
            let output = dockbench_tls(&engine, cert_path, args);
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            assert_eq!(output.status.code(), Some(2), "{args:?}: {}", show(&output));
            assert_eq!(&stderr, expected, "{args:?}");
            for raw in ["rustls", "UnknownIssuer", "BadCertificate", "hyper"] {
                assert!(!stderr.contains(raw), "{args:?}: {stderr}");
            }
            seen.push(stderr);
        }
    }

    // A missing key is named before any connection is tried.
    let keyless = pki.ca.client("keyless", &pki.ca);
    std::fs::remove_file(keyless.join("key.pem")).unwrap();
    let output = dockbench_tls(&engine, &keyless, &["doctor"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        stderr.starts_with(&format!(
            "error: DOCKER_TLS_VERIFY is set, but {} cannot be read: ",
            keyless.join("key.pem").display()
        )),
        "{stderr}"
    );
    seen.push(stderr);
    eprintln!("what the user reads:\n{}", seen.join("---\n"));
}

#[test]
fn doctor_reports_the_engines_host_tls_and_round_trip() {
    let pki = Pki::new();
    let engine = tls_engine("rec", "172.31.245.1/24", &pki);
    let client = pki.good_client();
    let no_suites = tempfile::tempdir().unwrap();
    let doctor = dockbench_tls(
        &engine,
        &client,
        &["doctor", "--scenarios", no_suites.path().to_str().unwrap()],
    );
    assert_eq!(doctor.status.code(), Some(0), "{}", show(&doctor));
    let stdout = String::from_utf8_lossy(&doctor.stdout);
    eprintln!("{stdout}");
    let host = engine.tcp_host().unwrap();
    assert!(
        stdout.contains(&format!(
            "\naddress:    {host} (DOCKER_HOST): on this machine (loopback)\n"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "\ntls:        on: the engine's certificate is checked against {}, and ours is {} \
             (from DOCKER_CERT_PATH)\n",
            client.join("ca.pem").display(),
            client.join("cert.pem").display()
        )),
        "{stdout}"
    );
    assert!(
        !stdout.contains("remote:"),
        "loopback is not remote: {stdout}"
    );
    let round_trip = regex::Regex::new(
        r"\nround trip: (\d+\.\d) ms \(median of 5 /_ping calls, (\d+\.\d)-(\d+\.\d) ms; each on a new connection",
    )
    .unwrap();
    let caps = round_trip.captures(&stdout).expect("a round trip line");
    let ms = |i: usize| caps[i].parse::<f64>().unwrap();
    let (median, min, max) = (ms(1), ms(2), ms(3));
    assert!(min <= median && median <= max, "{stdout}");
    // A TLS handshake and a request on loopback: more than nothing, less than the ping timeout.
    assert!(median > 0.0 && max < 10_000.0, "{stdout}");
    assert!(
        stdout.contains("\nbuildkit:   works through the API (the context through a session)\n"),
        "{stdout}"
    );
}

/// A docker CLI config folder whose current context is `name`, at `host`, laid out as
/// `docker context create` and `docker context use` leave it.
fn config_with_current_context(name: &str, host: &str) -> tempfile::TempDir {
    use sha2::Digest;
    let config = tempfile::tempdir().unwrap();
    let hash: String = sha2::Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let meta = config.path().join("contexts/meta").join(hash);
    std::fs::create_dir_all(&meta).unwrap();
    let json = serde_json::json!({
        "Name": name,
        "Metadata": {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}},
    });
    std::fs::write(meta.join("meta.json"), json.to_string()).unwrap();
    let current = serde_json::json!({"currentContext": name});
    std::fs::write(config.path().join("config.json"), current.to_string()).unwrap();
    config
}

/// With DOCKER_HOST unset, the engine is the one the CLI's current context names (here the
/// machine's own socket), and doctor says which context chose it.
#[test]
fn doctor_reaches_the_engine_of_the_current_context() {
    let config = config_with_current_context("machine", "unix:///var/run/docker.sock");
    let no_suites = tempfile::tempdir().unwrap();
    let doctor = Command::new(env!("CARGO_BIN_EXE_dockbench"))
        .args(["doctor", "--scenarios", no_suites.path().to_str().unwrap()])
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env("DOCKER_CONFIG", config.path())
        .output()
        .unwrap();
    // 1 would be leftovers of other runs on the shared engine: reached all the same.
    assert!(
        matches!(doctor.status.code(), Some(0 | 1)),
        "{}",
        show(&doctor)
    );
    let stdout = stdout_of(&doctor);
    assert!(
        stdout.starts_with("engine:     reachable (Docker "),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "\naddress:    unix:///var/run/docker.sock from context machine (current context in \
             {}): on this machine (a socket)\n",
            config.path().join("config.json").display()
        )),
        "{stdout}"
    );
}
