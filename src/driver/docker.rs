//! The bollard-backed `Engine`: the only place dockbench talks to Docker.
//!
//! It turns bollard's types into the plain data of `driver/mod.rs` and deals with the engine's
//! quirks recorded in docs/engines.md ("BuildKit through the Engine API", "The bollard stream
//! bug", "Readiness and health checks", "Memory figures"), and finds the engine as the docker
//! CLI does ("Remote engines").

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{anyhow, Context};
use bollard::exec::StartExecOptions;
use bollard::models::{
    BuildInfoAux, ContainerCreateBody, ContainerSummaryStateEnum, EndpointSettings, ExecConfig,
    HealthConfig, HealthStatusEnum, HostConfig, MountType, NetworkConnectRequest,
    NetworkCreateRequest, NetworkingConfig, PortBinding, VolumeCreateRequest,
};
use bollard::query_parameters::{
    BuildImageOptions, BuilderVersion, CreateContainerOptions, ListContainersOptions,
    ListImagesOptions, ListNetworksOptions, ListVolumesOptions, LogsOptions,
    RemoveContainerOptions, RemoveImageOptions, RemoveVolumeOptions, StatsOptions,
};
use bollard::Docker;
use futures_util::StreamExt;

use super::buildlog::{self, VertexUpdate};
use super::{
    BuildFailure, BuildOutput, BuildRequest, ContainerSpec, ContainerState, Engine, EngineInfo,
    Health, HealthMode, HealthTest, ImageFacts, Layer, MemoryReading, MountKind, Resource,
    ResourceKind, LABEL_RUN,
};
use crate::measure::probe;
use crate::scenario::Builder;

/// How many lines of build or container output an error message carries.
const ERROR_TAIL_LINES: usize = 12;
/// How long an interrupted run waits for the engine to finish exporting an abandoned build.
/// (A cold export of a python-api variant takes ~10 s on the fuse-overlayfs engine.)
const ABANDONED_EXPORT_WAIT: Duration = Duration::from_secs(60);
/// How long `ping` waits for an answer before the engine counts as gone.
const PING_TIMEOUT: Duration = Duration::from_secs(10);

pub struct DockerEngine {
    docker: Docker,
    endpoint: Endpoint,
    /// Where published ports are reached (`Endpoint::probe_host`).
    probe_host: String,
    /// Containers created and not yet removed, so that Ctrl-C can remove them.
    live_containers: Mutex<HashSet<String>>,
    /// Networks and volumes created and not yet removed, likewise.
    live_networks: Mutex<HashSet<String>>,
    live_volumes: Mutex<HashSet<String>>,
    /// The build whose stream is open. Still set after `build` when Ctrl-C dropped it midway.
    inflight_build: Mutex<Option<InflightBuild>>,
    /// The image each tag got from this engine's last build with it (no lookup in the timed
    /// build: an inspect there would add its milliseconds to every measured build).
    tagged: Mutex<HashMap<String, String>>,
}

/// What is known of a build that may be abandoned.
struct InflightBuild {
    tag: String,
    /// The image the tag named before this build (the variant's previous build), if any.
    previous_image: Option<String>,
    /// BuildKit has started exporting the image.
    exporting: bool,
}

impl DockerEngine {
    /// Connects as the docker CLI would: `DOCKER_HOST` if set, else the local socket; TLS when
    /// `DOCKER_TLS_VERIFY` is set (see `Endpoint`).
    pub async fn connect() -> anyhow::Result<DockerEngine> {
        let endpoint = Endpoint::from_env()?;
        let docker = endpoint.client()?;
        // A remote host that drops packets would otherwise hold the first call for minutes.
        match tokio::time::timeout(PING_TIMEOUT, docker.ping()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(anyhow!(endpoint.connect_error(&error_chain(&e)))),
            Err(_) => {
                let silence = format!("no answer within {} s", PING_TIMEOUT.as_secs());
                return Err(anyhow!(endpoint.connect_error(&silence)));
            }
        }
        Ok(DockerEngine {
            docker,
            probe_host: endpoint.probe_host(),
            endpoint,
            live_containers: Mutex::new(HashSet::new()),
            live_networks: Mutex::new(HashSet::new()),
            live_volumes: Mutex::new(HashSet::new()),
            inflight_build: Mutex::new(None),
            tagged: Mutex::new(HashMap::new()),
        })
    }

    /// Where the engine is and how dockbench reaches it.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    async fn image_id(&self, image: &str) -> Option<String> {
        self.docker
            .inspect_image(image)
            .await
            .ok()
            .and_then(|i| i.id)
    }
}

/// The engine when `DOCKER_HOST` is not set, as for the docker CLI.
const LOCAL_SOCKET: &str = "unix:///var/run/docker.sock";
/// bollard's request timeout in seconds: the wait for a response's headers, not a whole stream.
const REQUEST_TIMEOUT_S: u64 = 120;

/// Where the engine is and how dockbench reaches it, read from the environment as the docker
/// CLI reads it: `DOCKER_HOST` (the local socket when unset or empty; `host:port` alone means
/// tcp), TLS when `DOCKER_TLS_VERIFY` is non-empty, with `ca.pem`, `cert.pem` and `key.pem`
/// from `DOCKER_CERT_PATH` (else `DOCKER_CONFIG`, else `~/.docker`). bollard's own
/// `connect_with_defaults` differs: it turns TLS on for a `DOCKER_TLS_VERIFY` that is set but
/// empty, and reads no default port. (docs/engines.md, "Remote engines".)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `DOCKER_HOST` as the user gave it, or the local socket's URL.
    pub url: String,
    /// `url` came from `DOCKER_HOST`.
    pub from_env: bool,
    /// `unix`, `tcp`, `http`, `https`, `ssh`, ...
    pub scheme: String,
    /// The machine the engine runs on (IPv6 without brackets); `None` for a socket.
    pub host: Option<String>,
    /// The engine's port for tcp, http and https; when `url` names none, the CLI's default:
    /// 2376 with TLS, 2375 without.
    pub port: Option<u16>,
    /// TLS, with the engine checked against these files and our certificate sent from them.
    pub tls: Option<TlsFiles>,
}

/// Where the TLS files are, and which setting said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub dir: PathBuf,
    /// `DOCKER_CERT_PATH`, `DOCKER_CONFIG` or `~/.docker`.
    pub dir_source: &'static str,
}

impl TlsFiles {
    /// The CA that signed the engine's certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
    /// This client's certificate, which the engine checks against its `--tlscacert`.
    pub fn cert(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }
    pub fn key(&self) -> PathBuf {
        self.dir.join("key.pem")
    }

    /// The client's TLS settings as the docker CLI makes them: the engine is trusted if the
    /// system's CAs or `ca.pem` signed its certificate, and `cert.pem` with `key.pem` is ours.
    /// Errors name the file.
    fn client_config(&self) -> anyhow::Result<rustls::ClientConfig> {
        use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
        for path in [self.ca(), self.cert(), self.key()] {
            if let Err(e) = std::fs::metadata(&path) {
                return Err(anyhow!(
                    "DOCKER_TLS_VERIFY is set, but {} cannot be read: {e}\nhint: {} ({}) must \
                     hold ca.pem (the CA that signed the engine's certificate), and cert.pem and \
                     key.pem (this client's certificate and key)",
                    path.display(),
                    self.dir.display(),
                    self.dir_source
                ));
            }
        }
        let unreadable = |path: PathBuf| {
            move |e: rustls::pki_types::pem::Error| anyhow!("{}: {e}", path.display())
        };
        let certificates = |path: PathBuf| -> anyhow::Result<Vec<CertificateDer<'static>>> {
            let found: Vec<_> = CertificateDer::pem_file_iter(&path)
                .and_then(|certs| certs.collect::<Result<_, _>>())
                .map_err(unreadable(path.clone()))?;
            match found.is_empty() {
                true => Err(anyhow!("{} holds no PEM certificate", path.display())),
                false => Ok(found),
            }
        };
        let mut roots = rustls::RootCertStore::empty();
        // The CLI trusts the system's CAs besides ca.pem; one unreadable system file is no
        // reason to refuse ca.pem.
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        roots.add_parsable_certificates(certificates(self.ca())?);
        let key = PrivateKeyDer::from_pem_file(self.key()).map_err(unreadable(self.key()))?;
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_client_auth_cert(certificates(self.cert())?, key)
            .map_err(|e| {
                anyhow!(
                    "{} and {} are not a certificate and its key: {e}",
                    self.cert().display(),
                    self.key().display()
                )
            })
    }
}

/// An HTTPS client as bollard's `connect_with_ssl` makes it (a new connection per call), but with
/// TCP_NODELAY on. bollard leaves it off, so the request that follows the handshake's last flight
/// waits for the engine's delayed ACK of that flight: measured on loopback, every call took
/// ~44 ms (strace: a 40 ms gap after the request's write) instead of ~4 ms.
fn tls_client(addr: &str, config: rustls::ClientConfig) -> anyhow::Result<Docker> {
    use hyper_util::client::legacy::{connect::HttpConnector, Client};
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    let https = hyper_rustls::HttpsConnector::from((tcp, config));
    let client = Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build(https);
    let transport = move |request: bollard::BollardRequest| {
        let client = client.clone();
        async move {
            client
                .request(request)
                .await
                .map_err(bollard::errors::Error::from)
        }
    };
    let url = format!("https://{addr}");
    Ok(Docker::connect_with_custom_transport(
        transport,
        Some(url),
        REQUEST_TIMEOUT_S,
        bollard::API_DEFAULT_VERSION,
    )?)
}

impl Endpoint {
    pub fn from_env() -> anyhow::Result<Endpoint> {
        Endpoint::from_vars(|name| std::env::var(name).ok())
    }

    /// As `from_env`, with `var` in place of the environment.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Endpoint> {
        // The CLI reads an empty variable as an unset one.
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        let (url, from_env) = match set("DOCKER_HOST") {
            Some(host) => (host, true),
            None => (LOCAL_SOCKET.to_string(), false),
        };
        let (scheme, rest) = url.split_once("://").unwrap_or(("tcp", url.as_str()));
        let scheme = scheme.to_string();
        let network = matches!(scheme.as_str(), "tcp" | "http" | "https");
        let tls_on = scheme == "https" || (network && set("DOCKER_TLS_VERIFY").is_some());
        if network && !tls_on && set("DOCKER_TLS").is_some() {
            return Err(anyhow!(
                "DOCKER_TLS is set without DOCKER_TLS_VERIFY: TLS that does not check the \
                 engine's certificate is not supported\nhint: set DOCKER_TLS_VERIFY=1, with the \
                 engine's CA in DOCKER_CERT_PATH/ca.pem"
            ));
        }
        let (host, port) = match scheme.as_str() {
            "unix" | "npipe" | "fd" => (None, None),
            _ => host_and_port(rest),
        };
        let default_port = if tls_on { 2376 } else { 2375 };
        let tls = tls_on.then(|| {
            let (dir, dir_source) = match (set("DOCKER_CERT_PATH"), set("DOCKER_CONFIG")) {
                (Some(dir), _) => (PathBuf::from(dir), "DOCKER_CERT_PATH"),
                (None, Some(dir)) => (PathBuf::from(dir), "DOCKER_CONFIG"),
                (None, None) => (
                    PathBuf::from(set("HOME").unwrap_or_default()).join(".docker"),
                    "~/.docker",
                ),
            };
            TlsFiles { dir, dir_source }
        });
        Ok(Endpoint {
            port: port.or(network.then_some(default_port)),
            host,
            tls,
            url,
            from_env,
            scheme,
        })
    }

    /// The engine as a user names it: `DOCKER_HOST`, or the socket the docker CLI would use.
    pub fn address(&self) -> String {
        match self.from_env {
            true => format!("{} (DOCKER_HOST)", self.url),
            false => format!("{} (the local socket)", self.url),
        }
    }

    /// The engine runs on this machine: a socket, or TCP to a loopback address.
    pub fn is_local(&self) -> bool {
        match self.host.as_deref() {
            None => true,
            Some("localhost") => true,
            Some(host) => host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()),
        }
    }

    /// Where a container's published ports are reached: loopback for an engine on this
    /// machine, else the engine's host (its ports are published on all its interfaces).
    pub fn probe_host(&self) -> String {
        match &self.host {
            Some(host) if !self.is_local() => host.clone(),
            _ => "127.0.0.1".to_string(),
        }
    }

    /// What a measurement against an engine on another machine includes, for `run` to warn
    /// with; `None` for an engine on this machine.
    pub fn remote_warning(&self) -> Option<String> {
        if self.is_local() {
            return None;
        }
        let host = self.host.as_deref().unwrap_or(&self.url);
        Some(format!(
            "the engine at {} is on another machine: startup_s (the time until the container \
             answers) includes the network path from this machine to {host}, where dockbench \
             reaches the container's published port, and every build sends its context over the \
             network, so build times include the upload; compare only results measured from the \
             same machine against the same engine",
            self.address()
        ))
    }

    /// The bollard client for this endpoint (no call made yet).
    fn client(&self) -> anyhow::Result<Docker> {
        let version = bollard::API_DEFAULT_VERSION;
        let addr = match (&self.host, self.port) {
            (Some(host), Some(port)) if host.contains(':') => format!("[{host}]:{port}"),
            (Some(host), Some(port)) => format!("{host}:{port}"),
            _ => self.url.clone(),
        };
        let docker = match (self.scheme.as_str(), &self.tls) {
            ("unix", _) => Docker::connect_with_unix(&self.url, REQUEST_TIMEOUT_S, version),
            ("tcp" | "http" | "https", Some(tls)) => {
                return tls_client(&addr, tls.client_config()?)
            }
            ("tcp" | "http", None) => {
                Docker::connect_with_http(&format!("tcp://{addr}"), REQUEST_TIMEOUT_S, version)
            }
            // ssh, npipe, ...: bollard says what it supports.
            _ => Docker::connect_with_host(&self.url),
        };
        docker.map_err(|e| anyhow!(self.connect_error(&error_chain(&e))))
    }

    /// What went wrong when the engine did not answer, from `cause` (an error and its sources,
    /// as `error_chain` joins them): TLS failures in words, with the file to look at, rather
    /// than rustls's names for them.
    fn connect_error(&self, cause: &str) -> String {
        let at = format!("the Docker engine at {}", self.address());
        let host = self.host.as_deref().unwrap_or_default();
        let port = self.port.map(|p| p.to_string()).unwrap_or_default();
        match (&self.tls, tls_failure(cause)) {
            (Some(tls), Some(TlsFailure::EngineNotTrusted(why))) => {
                let ca = format!("{} ({})", tls.ca().display(), tls.dir_source);
                match why {
                    Untrusted::UnknownIssuer => format!(
                        "{at} is not trusted: its certificate is not signed by the CA in {ca}\n\
                         hint: that ca.pem must be the CA that signed the engine's certificate \
                         (dockerd --tlscert)"
                    ),
                    Untrusted::WrongName(detail) => format!(
                        "{at} is not trusted: its certificate is not made out to {host}, the host \
                         in DOCKER_HOST ({detail})"
                    ),
                    Untrusted::Other(detail) => {
                        format!("{at} is not trusted: its certificate was rejected: {detail}")
                    }
                }
            }
            (Some(tls), Some(TlsFailure::ClientRefused)) => format!(
                "{at} refused our client certificate {} ({}): the engine accepts only client \
                 certificates signed by its own CA (dockerd --tlscacert)",
                tls.cert().display(),
                tls.dir_source
            ),
            (Some(_), Some(TlsFailure::NotTls)) => {
                format!("{at} does not speak TLS on port {port}, but DOCKER_TLS_VERIFY is set")
            }
            (None, _) if cause.contains("Client sent an HTTP request to an HTTPS server") => {
                format!(
                    "{at} speaks only TLS, but DOCKER_TLS_VERIFY is not set\nhint: set \
                     DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to a folder with ca.pem, cert.pem \
                     and key.pem"
                )
            }
            _ => {
                let mut message = format!(
                    "the Docker engine is not reachable at {}: {cause}",
                    self.address()
                );
                if self.is_local() {
                    message.push_str("\nhint: run `bash scripts/setup.sh` to start a local daemon");
                }
                message
            }
        }
    }
}

/// An error and its sources, joined by ": ", each text once (an `io::Error` shows its inner
/// error's text, and hyper's errors repeat their source's).
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.last().is_some_and(|last| last.ends_with(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// How a TLS connection failed, read from rustls's words in an error chain.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TlsFailure {
    /// We did not trust the engine's certificate.
    EngineNotTrusted(Untrusted),
    /// The engine ended the handshake over our certificate.
    ClientRefused,
    /// What came back was not TLS.
    NotTls,
}

/// Why the engine's certificate was not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Untrusted {
    /// Not signed by any CA we trust (ca.pem, or the system's).
    UnknownIssuer,
    /// Made out to other names; rustls says which.
    WrongName(String),
    /// Expired, not for a server, ...: rustls's words (readable for these).
    Other(String),
}

fn tls_failure(cause: &str) -> Option<TlsFailure> {
    if let Some((_, detail)) = cause.split_once("invalid peer certificate: ") {
        let why = if detail.starts_with("UnknownIssuer") {
            Untrusted::UnknownIssuer
        } else if detail.starts_with("certificate not valid for name")
            || detail.starts_with("NotValidForName")
        {
            Untrusted::WrongName(detail.to_string())
        } else {
            Untrusted::Other(detail.to_string())
        };
        return Some(TlsFailure::EngineNotTrusted(why));
    }
    // The alerts a server sends over a client certificate it does not accept.
    const REFUSALS: [&str; 7] = [
        "BadCertificate",
        "UnknownCA",
        "CertificateRequired",
        "CertificateUnknown",
        "UnsupportedCertificate",
        "CertificateExpired",
        "AccessDenied",
    ];
    if let Some((_, alert)) = cause.split_once("received fatal alert: ") {
        if REFUSALS.iter().any(|r| alert.starts_with(r)) {
            return Some(TlsFailure::ClientRefused);
        }
    }
    if cause.contains("received corrupt message of type InvalidContentType") {
        return Some(TlsFailure::NotTls);
    }
    None
}

/// The host and port of `host:port`, `[v6]:port`, `user@host` and the like (a path after them
/// ignored). Empty means this machine, as for the CLI.
fn host_and_port(rest: &str) -> (Option<String>, Option<u16>) {
    let authority = rest.split('/').next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => (v6, None),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let host = if host.is_empty() { "localhost" } else { host };
    (Some(host.to_string()), port.and_then(|p| p.parse().ok()))
}

/// What accumulates while a build streams.
#[derive(Default)]
struct BuildProgress {
    classic_text: String,
    vertexes: Vec<VertexUpdate>,
    /// Log lines per BuildKit vertex digest, for the failing step's output.
    vertex_logs: HashMap<String, Vec<String>>,
    image_id: Option<String>,
    error: Option<String>,
    /// Digest of BuildKit's export vertex (its later updates may come without a name).
    export_digest: Option<String>,
    export_started: bool,
}

impl BuildProgress {
    fn absorb(&mut self, info: bollard::models::BuildInfo) {
        if let Some(text) = info.stream {
            self.classic_text.push_str(&text);
        }
        match info.aux {
            Some(BuildInfoAux::Default(id)) => {
                if let Some(id) = id.id {
                    self.image_id = Some(id);
                }
            }
            Some(BuildInfoAux::BuildKit(status)) => {
                for v in status.vertexes {
                    if v.name == buildlog::EXPORT_VERTEX {
                        self.export_digest = Some(v.digest.clone());
                    }
                    if v.started.is_some() && self.export_digest.as_deref() == Some(&v.digest) {
                        self.export_started = true;
                    }
                    self.vertexes.push(VertexUpdate {
                        digest: v.digest,
                        inputs: v.inputs,
                        name: v.name,
                        cached: v.cached,
                        started_s: v.started.map(|t| t.seconds as f64 + t.nanos as f64 * 1e-9),
                        completed_s: v
                            .completed
                            .map(|t| t.seconds as f64 + t.nanos as f64 * 1e-9),
                        error: v.error,
                    });
                }
                for log in status.logs {
                    let text = String::from_utf8_lossy(&log.msg).into_owned();
                    let lines = self.vertex_logs.entry(log.vertex).or_default();
                    lines.extend(text.lines().map(str::to_string));
                }
            }
            None => {}
        }
        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
            self.error = Some(detail);
        }
    }

    /// BuildKit has started writing the image (its `exporting to image` vertex has started).
    fn exporting(&self) -> bool {
        self.export_started
    }

    fn steps(&self, builder: Builder) -> Vec<super::BuildStep> {
        match builder {
            Builder::Classic => buildlog::classic_steps(&self.classic_text),
            Builder::BuildKit => buildlog::buildkit_steps(&self.vertexes),
        }
    }

    /// The builder's own account of a failure: the error, the failing step, and its last output.
    fn failure_message(&self, builder: Builder, error: &str) -> String {
        let (step, output) = match builder {
            Builder::Classic => {
                let step = self
                    .classic_text
                    .lines()
                    .rfind(|l| l.starts_with("Step "))
                    .map(str::to_string);
                (step, tail(&self.classic_text, ERROR_TAIL_LINES))
            }
            Builder::BuildKit => {
                let failed = buildlog::merge_vertexes(&self.vertexes)
                    .into_iter()
                    .find(|v| !v.error.is_empty());
                let output = failed
                    .as_ref()
                    .and_then(|v| self.vertex_logs.get(&v.digest))
                    .map(|lines| lines[lines.len().saturating_sub(ERROR_TAIL_LINES)..].join("\n"))
                    .unwrap_or_default();
                (failed.map(|v| v.name), output)
            }
        };
        let mut message = match step {
            Some(step) => format!("build failed at `{step}`: {error}"),
            None => format!("build failed: {error}"),
        };
        if !output.trim().is_empty() {
            message.push_str("\n--- build output (last lines) ---\n");
            message.push_str(output.trim_end());
        }
        message
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn build_options(req: &BuildRequest) -> BuildImageOptions {
    let (version, session) = match req.builder {
        Builder::BuildKit => (
            BuilderVersion::BuilderBuildKit,
            // BuildKit needs a session id for its gRPC side channel; any unique string will do.
            Some(format!("dockbench-{}", uuid::Uuid::new_v4())),
        ),
        Builder::Classic => (BuilderVersion::BuilderV1, None),
    };
    BuildImageOptions {
        dockerfile: req.dockerfile.clone(),
        t: Some(req.tag.clone()),
        nocache: req.nocache,
        rm: true,
        forcerm: true,
        target: req.target.clone().unwrap_or_default(),
        platform: req.platform.clone().unwrap_or_default(),
        buildargs: Some(req.build_args.clone().into_iter().collect()),
        labels: Some(req.labels.clone().into_iter().collect()),
        version,
        session,
        ..Default::default()
    }
}

impl Engine for DockerEngine {
    async fn info(&self) -> anyhow::Result<EngineInfo> {
        let version = self.docker.version().await.context("docker version")?;
        let info = self.docker.info().await.context("docker info")?;
        Ok(EngineInfo {
            docker_version: version.version.unwrap_or_default(),
            api_version: version.api_version.unwrap_or_default(),
            storage_driver: info.driver.unwrap_or_default(),
            cgroup_version: info
                .cgroup_version
                .map(|v| format!("{v:?}").trim_start_matches('_').to_string())
                .unwrap_or_default(),
            cgroup_driver: info
                .cgroup_driver
                .map(|d| format!("{d:?}").to_lowercase())
                .unwrap_or_default(),
            operating_system: info.operating_system.unwrap_or_default(),
            kernel_version: info.kernel_version.unwrap_or_default(),
            ncpu: info.ncpu.unwrap_or_default().max(0) as u64,
            mem_total_bytes: info.mem_total.unwrap_or_default().max(0) as u64,
        })
    }

    async fn build(&self, req: BuildRequest) -> Result<BuildOutput, BuildFailure> {
        let options = build_options(&req);
        let body = bollard::body_full(req.context_tar.into());
        *self.inflight_build.lock().unwrap() = Some(InflightBuild {
            tag: req.tag.clone(),
            previous_image: self.tagged.lock().unwrap().get(&req.tag).cloned(),
            exporting: false,
        });
        let mut stream = self.docker.build_image(options, None, Some(body));
        let mut progress = BuildProgress::default();
        let mut stream_error: Option<String> = None;
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => {
                    progress.absorb(info);
                    if progress.exporting() {
                        if let Some(b) = self.inflight_build.lock().unwrap().as_mut() {
                            b.exporting = true;
                        }
                    }
                }
                Err(bollard::errors::Error::DockerStreamError { error }) => {
                    progress.error = Some(error);
                }
                Err(e) => {
                    stream_error = Some(e.to_string());
                    break;
                }
            }
        }
        // The stream ended: nothing is left running on the engine's side.
        *self.inflight_build.lock().unwrap() = None;
        // The classic builder commits an image per step, a failed build's steps included.
        let created_images = match req.builder {
            Builder::Classic => buildlog::classic_created_images(&progress.classic_text),
            Builder::BuildKit => Vec::new(),
        };
        let failure = |message: String| BuildFailure {
            message,
            created_images: created_images.clone(),
        };
        if let Some(error) = progress.error.clone() {
            return Err(failure(progress.failure_message(req.builder, &error)));
        }
        let image_id = match (progress.image_id.clone(), stream_error) {
            (Some(id), None) => id,
            // bollard's line decoder can fail at the very end of a complete BuildKit stream
            // ("bytes remaining on stream": docs/engines.md, "The bollard stream bug"). The image
            // id had already arrived; trust it only once the engine confirms the image exists.
            (Some(id), Some(e)) => {
                self.docker.inspect_image(&id).await.map_err(|_| {
                    failure(format!(
                        "build stream broke ({e}) and image {id} does not exist"
                    ))
                })?;
                id
            }
            (None, Some(e)) => return Err(failure(progress.failure_message(req.builder, &e))),
            (None, None) => {
                return Err(failure(
                    progress.failure_message(req.builder, "the builder sent no image id"),
                ))
            }
        };
        self.tagged
            .lock()
            .unwrap()
            .insert(req.tag.clone(), image_id.clone());
        Ok(BuildOutput {
            steps: progress.steps(req.builder),
            image_id,
            created_images,
        })
    }

    async fn image_facts(&self, image: &str) -> anyhow::Result<ImageFacts> {
        let inspect = self
            .docker
            .inspect_image(image)
            .await
            .context("inspect image")?;
        let history = self
            .docker
            .image_history(image)
            .await
            .context("image history")?;
        Ok(ImageFacts {
            size_bytes: inspect.size.unwrap_or_default().max(0) as u64,
            layers: history
                .into_iter()
                .map(|h| Layer {
                    id: h.id,
                    size_bytes: h.size.max(0) as u64,
                    created_by: h.created_by,
                })
                .collect(),
        })
    }

    async fn image_exists(&self, image: &str) -> anyhow::Result<bool> {
        match self.docker.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(false),
            Err(e) => Err(e).context("inspect image"),
        }
    }

    async fn images_labelled(&self, label: &str) -> anyhow::Result<Vec<String>> {
        let filters = HashMap::from([("label".to_string(), vec![label.to_string()])]);
        let options = ListImagesOptions {
            filters: Some(filters),
            ..Default::default()
        };
        let mut images = self
            .docker
            .list_images(Some(options))
            .await
            .context("list images")?;
        images.sort_by_key(|i| std::cmp::Reverse(i.created));
        Ok(images.into_iter().map(|i| i.id).collect())
    }

    async fn remove_image(&self, image: &str) -> anyhow::Result<()> {
        let options = RemoveImageOptions {
            force: false,
            noprune: false,
            ..Default::default()
        };
        let first = self
            .docker
            .remove_image(image, Some(options.clone()), None)
            .await;
        match first {
            Ok(_) => return Ok(()),
            // Two of this run's tags on one image (a stack service built from the variant's own
            // Dockerfile, two variants that build the same thing): removing it by id is refused
            // until all but one of the tags are gone. Only dockbench's own tags are taken off; a
            // tag of the user's keeps the image, and the caller says so.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 409, ..
            }) => {}
            Err(e) => return Err(e).with_context(|| format!("remove image {image}")),
        }
        let tags = self
            .docker
            .inspect_image(image)
            .await
            .map(|i| i.repo_tags.unwrap_or_default())
            .unwrap_or_default();
        for tag in tags.iter().filter(|t| t.starts_with("dockbench/")) {
            let _ = self
                .docker
                .remove_image(tag, Some(options.clone()), None)
                .await;
        }
        match self.docker.remove_image(image, Some(options), None).await {
            Ok(_)
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("remove image {image}")),
        }
    }

    async fn create_container(&self, spec: &ContainerSpec) -> anyhow::Result<String> {
        let body = container_body(spec, &self.probe_host);
        let created = self
            .docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .with_context(|| format!("create container from {}", spec.image))?;
        self.live_containers
            .lock()
            .unwrap()
            .insert(created.id.clone());
        // The API takes one network at create (before 1.44); the others are joined before start.
        for extra in spec.networks.iter().skip(1) {
            let request = NetworkConnectRequest {
                container: created.id.clone(),
                endpoint_config: Some(EndpointSettings {
                    aliases: Some(extra.aliases.clone()),
                    ..Default::default()
                }),
            };
            self.docker
                .connect_network(&extra.network, request)
                .await
                .with_context(|| format!("connect a container to network {}", extra.network))?;
        }
        Ok(created.id)
    }

    async fn create_network(
        &self,
        name: &str,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> anyhow::Result<()> {
        let request = NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("bridge".to_string()),
            labels: Some(labels.clone().into_iter().collect()),
            ..Default::default()
        };
        self.docker
            .create_network(request)
            .await
            .with_context(|| format!("create network {name}"))?;
        self.live_networks.lock().unwrap().insert(name.to_string());
        Ok(())
    }

    async fn remove_network(&self, name: &str) -> anyhow::Result<()> {
        match self.docker.remove_network(name).await {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                self.live_networks.lock().unwrap().remove(name);
                Ok(())
            }
            Err(e) => Err(e).with_context(|| format!("remove network {name}")),
        }
    }

    async fn create_volume(
        &self,
        name: &str,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> anyhow::Result<()> {
        let request = VolumeCreateRequest {
            name: Some(name.to_string()),
            driver: Some("local".to_string()),
            labels: Some(labels.clone().into_iter().collect()),
            ..Default::default()
        };
        self.docker
            .create_volume(request)
            .await
            .with_context(|| format!("create volume {name}"))?;
        self.live_volumes.lock().unwrap().insert(name.to_string());
        Ok(())
    }

    async fn remove_volume(&self, name: &str) -> anyhow::Result<()> {
        let options = RemoveVolumeOptions { force: true };
        match self.docker.remove_volume(name, Some(options)).await {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                self.live_volumes.lock().unwrap().remove(name);
                Ok(())
            }
            Err(e) => Err(e).with_context(|| format!("remove volume {name}")),
        }
    }

    async fn start_container(&self, id: &str) -> anyhow::Result<()> {
        self.docker
            .start_container(id, None)
            .await
            .context("start container")
    }

    async fn health_test(&self, image: &str) -> anyhow::Result<Option<HealthTest>> {
        let inspect = self
            .docker
            .inspect_image(image)
            .await
            .context("inspect image")?;
        let Some(hc) = inspect.config.and_then(|c| c.healthcheck) else {
            return Ok(None);
        };
        Ok(HealthTest::from_docker(
            &hc.test.unwrap_or_default(),
            hc.timeout.unwrap_or(0),
        ))
    }

    async fn exec(&self, id: &str, argv: &[String]) -> anyhow::Result<i64> {
        let config = ExecConfig {
            cmd: Some(argv.to_vec()),
            attach_stdout: Some(false),
            attach_stderr: Some(false),
            ..Default::default()
        };
        let exec = self
            .docker
            .create_exec(id, config)
            .await
            .context("create exec")?;
        let options = StartExecOptions {
            detach: true,
            ..Default::default()
        };
        self.docker
            .start_exec(&exec.id, Some(options))
            .await
            .context("start exec")?;
        // Detached: poll until the process has ended (the caller bounds the wait).
        loop {
            let inspect = self
                .docker
                .inspect_exec(&exec.id)
                .await
                .context("inspect exec")?;
            if inspect.running != Some(true) {
                if let Some(code) = inspect.exit_code {
                    return Ok(code);
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    async fn published_port(&self, id: &str, container_port: u16) -> anyhow::Result<u16> {
        let inspect = self.docker.inspect_container(id, None).await?;
        let key = format!("{container_port}/tcp");
        inspect
            .network_settings
            .and_then(|n| n.ports)
            .and_then(|mut ports| ports.remove(&key))
            .flatten()
            .and_then(|bindings| bindings.into_iter().find_map(|b| b.host_port))
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| anyhow!("port {key} is not published (did the container exit?)"))
    }

    async fn container_state(&self, id: &str) -> anyhow::Result<ContainerState> {
        let inspect = self.docker.inspect_container(id, None).await?;
        let state = inspect.state.unwrap_or_default();
        let health_output = state
            .health
            .as_ref()
            .and_then(|h| h.log.as_ref())
            .and_then(|log| log.last())
            .and_then(|last| last.output.clone());
        let health = match state.health.and_then(|h| h.status) {
            Some(HealthStatusEnum::STARTING) => Health::Starting,
            Some(HealthStatusEnum::HEALTHY) => Health::Healthy,
            Some(HealthStatusEnum::UNHEALTHY) => Health::Unhealthy,
            _ => Health::None,
        };
        Ok(ContainerState {
            running: state.running.unwrap_or(false),
            exit_code: state.exit_code,
            oom_killed: state.oom_killed.unwrap_or(false),
            health,
            health_output,
        })
    }

    async fn memory(&self, id: &str) -> anyhow::Result<MemoryReading> {
        // one_shot answers in ~5 ms; without it the engine waits ~2 s to compute CPU deltas.
        let options = StatsOptions {
            stream: false,
            one_shot: true,
        };
        let stats = self
            .docker
            .stats(id, Some(options))
            .next()
            .await
            .ok_or_else(|| anyhow!("no stats for container {id}"))??;
        let memory = stats
            .memory_stats
            .ok_or_else(|| anyhow!("no memory stats"))?;
        let map = memory.stats.unwrap_or_default();
        // cgroup v1 names it total_inactive_file (hierarchical), v2 inactive_file.
        let inactive = map
            .get("total_inactive_file")
            .or_else(|| map.get("inactive_file"))
            .copied()
            .unwrap_or(0);
        Ok(MemoryReading {
            usage_bytes: memory.usage.unwrap_or(0),
            max_usage_bytes: memory.max_usage.filter(|&m| m > 0),
            inactive_file_bytes: inactive,
        })
    }

    async fn logs_tail(&self, id: &str, lines: usize) -> String {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: lines.to_string(),
            ..Default::default()
        };
        let mut out = String::new();
        let mut logs = self.docker.logs(id, Some(options));
        while let Some(Ok(chunk)) = logs.next().await {
            out.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
        }
        out
    }

    async fn remove_container(&self, id: &str) -> anyhow::Result<()> {
        let options = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        let result = self.docker.remove_container(id, Some(options)).await;
        match result {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                self.live_containers.lock().unwrap().remove(id);
                Ok(())
            }
            Err(e) => Err(e).with_context(|| format!("remove container {id}")),
        }
    }

    async fn http_status(&self, host_port: u16, path: &str) -> Option<u16> {
        probe::http_status(&self.probe_host, host_port, path).await
    }

    async fn wait_for_log(&self, id: &str, pattern: &regex::Regex) -> anyhow::Result<()> {
        // From the first line (`since` 0), so nothing printed before this call is missed.
        let options = LogsOptions {
            follow: true,
            stdout: true,
            stderr: true,
            ..Default::default()
        };
        let mut logs = self.docker.logs(id, Some(options));
        let mut lines = LineMatcher::default();
        while let Some(chunk) = logs.next().await {
            let chunk = chunk.context("read the container's output")?;
            if lines.feed(&chunk.into_bytes(), pattern) {
                return Ok(());
            }
        }
        Err(anyhow!(
            "the container's output ended with no line matching /{pattern}/"
        ))
    }

    /// Removes every container, network and volume this engine created that is still there
    /// (Ctrl-C, errors). Containers first: a network or volume in use cannot go.
    async fn export_image(
        &self,
        image: &str,
        chunks: tokio::sync::mpsc::Sender<Vec<u8>>,
    ) -> anyhow::Result<()> {
        let mut stream = self.docker.export_image(image);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.with_context(|| format!("export image {image}"))?;
            if chunks.send(chunk.to_vec()).await.is_err() {
                // The reader stopped (it failed, and says why).
                break;
            }
        }
        Ok(())
    }

    async fn ping(&self) -> anyhow::Result<()> {
        // A dead engine's socket refuses at once; a hung one must not hang the run.
        match tokio::time::timeout(PING_TIMEOUT, self.docker.ping()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(anyhow!(e)),
            Err(_) => Err(anyhow!("no answer within {} s", PING_TIMEOUT.as_secs())),
        }
    }

    fn address(&self) -> String {
        self.endpoint.address()
    }

    async fn run_resources(&self) -> anyhow::Result<Vec<Resource>> {
        let filters = || HashMap::from([("label".to_string(), vec![LABEL_RUN.to_string()])]);
        let labels_of = |l: Option<HashMap<String, String>>| -> std::collections::BTreeMap<_, _> {
            l.unwrap_or_default().into_iter().collect()
        };
        let mut found = Vec::new();
        let containers = self
            .docker
            .list_containers(Some(ListContainersOptions {
                all: true,
                filters: Some(filters()),
                ..Default::default()
            }))
            .await
            .context("list containers")?;
        for c in containers {
            let id = c.id.unwrap_or_default();
            let name = c
                .names
                .and_then(|n| n.first().map(|n| n.trim_start_matches('/').to_string()))
                .unwrap_or_else(|| id.clone());
            found.push(Resource {
                kind: ResourceKind::Container,
                running: c.state == Some(ContainerSummaryStateEnum::RUNNING),
                id,
                name,
                labels: labels_of(c.labels),
            });
        }
        let networks = self
            .docker
            .list_networks(Some(ListNetworksOptions {
                filters: Some(filters()),
            }))
            .await
            .context("list networks")?;
        for n in networks {
            let name = n.name.unwrap_or_default();
            found.push(Resource {
                kind: ResourceKind::Network,
                id: name.clone(),
                name,
                labels: labels_of(n.labels),
                running: false,
            });
        }
        let volumes = self
            .docker
            .list_volumes(Some(ListVolumesOptions {
                filters: Some(filters()),
            }))
            .await
            .context("list volumes")?;
        for v in volumes.volumes.unwrap_or_default() {
            found.push(Resource {
                kind: ResourceKind::Volume,
                id: v.name.clone(),
                name: v.name,
                labels: v.labels.into_iter().collect(),
                running: false,
            });
        }
        let mut images = self
            .docker
            .list_images(Some(ListImagesOptions {
                filters: Some(filters()),
                ..Default::default()
            }))
            .await
            .context("list images")?;
        // Newest first: an image built on another of the run's goes before it.
        images.sort_by_key(|i| std::cmp::Reverse(i.created));
        for i in images {
            found.push(Resource {
                kind: ResourceKind::Image,
                name: i.repo_tags.first().cloned().unwrap_or_else(|| i.id.clone()),
                id: i.id,
                labels: i.labels.into_iter().collect(),
                running: false,
            });
        }
        Ok(found)
    }

    async fn remove_resource(&self, resource: &Resource) -> anyhow::Result<()> {
        match resource.kind {
            ResourceKind::Container => self.remove_container(&resource.id).await,
            ResourceKind::Network => self.remove_network(&resource.id).await,
            ResourceKind::Volume => self.remove_volume(&resource.id).await,
            ResourceKind::Image => match self.image_exists(&resource.id).await? {
                // Gone with a child removed before it.
                false => Ok(()),
                true => self.remove_image(&resource.id).await,
            },
        }
    }

    async fn remove_live_resources(&self) {
        let snapshot = |set: &Mutex<HashSet<String>>| -> Vec<String> {
            set.lock().unwrap().iter().cloned().collect()
        };
        for id in snapshot(&self.live_containers) {
            if let Err(e) = self.remove_container(&id).await {
                eprintln!("warning: could not remove container {id}: {e:#}");
            }
        }
        for name in snapshot(&self.live_networks) {
            if let Err(e) = self.remove_network(&name).await {
                eprintln!("warning: could not remove network {name}: {e:#}");
            }
        }
        for name in snapshot(&self.live_volumes) {
            if let Err(e) = self.remove_volume(&name).await {
                eprintln!("warning: could not remove volume {name}: {e:#}");
            }
        }
    }

    /// After Ctrl-C dropped a build midway: waits until the engine has finished what it will
    /// finish anyway, so that the images of this run can then be removed. BuildKit cancels a
    /// build whose client went away, but not its export: an image being exported is still
    /// written and tagged (seen: ~6 s after dockbench had exited, on fuse-overlayfs).
    async fn wait_for_abandoned_build(&self) {
        let Some(build) = self.inflight_build.lock().unwrap().take() else {
            return;
        };
        if !build.exporting {
            return;
        }
        eprintln!("waiting for the engine to finish exporting the interrupted build...");
        let deadline = tokio::time::Instant::now() + ABANDONED_EXPORT_WAIT;
        while tokio::time::Instant::now() < deadline {
            if self.image_id(&build.tag).await != build.previous_image {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        eprintln!(
            "warning: the engine had not finished the interrupted build of {} after {}s; \
             an image with this run's label may be left",
            build.tag,
            ABANDONED_EXPORT_WAIT.as_secs()
        );
    }
}

/// Splits a log stream into lines across chunk boundaries and matches each.
#[derive(Default)]
struct LineMatcher {
    partial: String,
}

impl LineMatcher {
    /// True once a line matches. The unfinished last line is tried too, so an app that prints
    /// its ready message without a newline still counts as ready when it prints it.
    fn feed(&mut self, bytes: &[u8], pattern: &regex::Regex) -> bool {
        self.partial.push_str(&String::from_utf8_lossy(bytes));
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            if pattern.is_match(line.trim_end_matches(['\n', '\r'])) {
                return true;
            }
        }
        pattern.is_match(&self.partial) && !self.partial.is_empty()
    }
}

fn container_body(spec: &ContainerSpec, probe_host: &str) -> ContainerCreateBody {
    let port_key = spec.port.map(|p| format!("{p}/tcp"));
    // A local engine publishes on loopback only; a remote one must publish where we can reach it.
    let host_ip = if probe_host == "127.0.0.1" {
        "127.0.0.1"
    } else {
        ""
    };
    let port_bindings = port_key.as_ref().map(|k| {
        let binding = PortBinding {
            host_ip: Some(host_ip.to_string()),
            // Empty host port: the engine picks a free ephemeral one, so runs never collide.
            host_port: Some(String::new()),
        };
        HashMap::from([(k.clone(), Some(vec![binding]))])
    });
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        cmd: spec.command.clone(),
        labels: Some(spec.labels.clone().into_iter().collect()),
        exposed_ports: port_key.map(|k| vec![k]),
        entrypoint: spec.entrypoint.clone(),
        working_dir: spec.working_dir.clone(),
        healthcheck: Some(match &spec.health {
            // Without a test of its own, only interval and start period: the image's test is
            // kept (docs/engines.md, "Readiness and health checks").
            HealthMode::Every {
                interval,
                start_period,
                test,
                timeout,
            } => HealthConfig {
                test: test.clone(),
                interval: Some(nanos(*interval)),
                start_period: Some(nanos(*start_period)),
                timeout: timeout.map(nanos),
                ..Default::default()
            },
            HealthMode::Off => HealthConfig {
                test: Some(vec!["NONE".to_string()]),
                ..Default::default()
            },
        }),
        user: spec.user.clone(),
        host_config: Some(HostConfig {
            port_bindings,
            memory: spec.limits.memory_bytes.map(|b| b as i64),
            // No swap beyond the limit: an app over it is killed, as under an orchestrator's
            // limit, instead of running on at swap speed (`docker run --memory` alone would
            // allow as much swap again on a host that has swap).
            memory_swap: spec.limits.memory_bytes.map(|b| b as i64),
            nano_cpus: spec.limits.cpus.map(|c| (c * 1e9).round() as i64),
            tmpfs: (!spec.tmpfs.is_empty()).then(|| tmpfs_mounts(&spec.tmpfs)),
            network_mode: spec.networks.first().map(|n| n.network.clone()),
            mounts: (!spec.mounts.is_empty()).then(|| spec.mounts.iter().map(mount).collect()),
            ..Default::default()
        }),
        networking_config: spec.networks.first().map(|n| NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                n.network.clone(),
                EndpointSettings {
                    aliases: Some(n.aliases.clone()),
                    ..Default::default()
                },
            )])),
        }),
        ..Default::default()
    }
}

fn mount(m: &super::Mount) -> bollard::models::Mount {
    bollard::models::Mount {
        source: Some(m.source.clone()),
        target: Some(m.target.clone()),
        typ: Some(match m.kind {
            MountKind::Volume => MountType::VOLUME,
            MountKind::Bind => MountType::BIND,
        }),
        read_only: Some(m.read_only),
        ..Default::default()
    }
}

/// `path[:options]` entries as the API's map from path to options.
fn tmpfs_mounts(entries: &[String]) -> HashMap<String, String> {
    entries
        .iter()
        .map(|e| match e.split_once(':') {
            Some((path, options)) => (path.to_string(), options.to_string()),
            None => (e.clone(), String::new()),
        })
        .collect()
}

fn nanos(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(vars: &[(&str, &str)]) -> anyhow::Result<Endpoint> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Endpoint::from_vars(|name| vars.get(name).cloned())
    }

    fn tls_endpoint() -> Endpoint {
        endpoint(&[
            ("DOCKER_HOST", "tcp://10.0.0.5:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/certs"),
        ])
        .unwrap()
    }

    /// Issue 17: the environment is read as the docker CLI reads it, not as bollard does.
    #[test]
    fn endpoint_reads_the_environment_as_the_docker_cli_does() {
        let local = endpoint(&[]).unwrap();
        assert_eq!(local.url, "unix:///var/run/docker.sock");
        assert_eq!(
            local.address(),
            "unix:///var/run/docker.sock (the local socket)"
        );
        assert_eq!(
            (local.host.as_deref(), local.port, &local.tls),
            (None, None, &None)
        );
        assert_eq!(
            endpoint(&[("DOCKER_HOST", "")]).unwrap(),
            local,
            "empty is unset"
        );
        // TLS when DOCKER_TLS_VERIFY is non-empty; bollard would take an empty one as on.
        let plain = endpoint(&[
            ("DOCKER_HOST", "tcp://10.0.0.5:2376"),
            ("DOCKER_TLS_VERIFY", ""),
        ])
        .unwrap();
        assert_eq!(plain.tls, None);
        assert_eq!(plain.address(), "tcp://10.0.0.5:2376 (DOCKER_HOST)");
        let tls = tls_endpoint();
        assert_eq!(
            tls.tls,
            Some(TlsFiles {
                dir: PathBuf::from("/certs"),
                dir_source: "DOCKER_CERT_PATH"
            })
        );
        let files = tls.tls.unwrap();
        assert_eq!(
            (files.ca(), files.cert(), files.key()),
            (
                "/certs/ca.pem".into(),
                "/certs/cert.pem".into(),
                "/certs/key.pem".into()
            )
        );
        // The certificates' folder: DOCKER_CERT_PATH, else DOCKER_CONFIG, else ~/.docker.
        let dir_of = |vars: &[(&str, &str)]| {
            let mut all = vec![("DOCKER_HOST", "tcp://h:1"), ("DOCKER_TLS_VERIFY", "yes")];
            all.extend_from_slice(vars);
            let tls = endpoint(&all).unwrap().tls.unwrap();
            (tls.dir.display().to_string(), tls.dir_source)
        };
        assert_eq!(
            dir_of(&[("DOCKER_CONFIG", "/cfg"), ("HOME", "/home/u")]),
            ("/cfg".to_string(), "DOCKER_CONFIG")
        );
        assert_eq!(
            dir_of(&[("DOCKER_CERT_PATH", ""), ("HOME", "/home/u")]),
            ("/home/u/.docker".to_string(), "~/.docker")
        );
        // The CLI's default ports, and `host:port` alone as tcp.
        let port_of = |vars: &[(&str, &str)]| endpoint(vars).unwrap().port;
        assert_eq!(port_of(&[("DOCKER_HOST", "tcp://h")]), Some(2375));
        let verify = ("DOCKER_TLS_VERIFY", "1");
        assert_eq!(port_of(&[("DOCKER_HOST", "tcp://h"), verify]), Some(2376));
        assert_eq!(
            port_of(&[("DOCKER_HOST", "tcp://h:4000/"), verify]),
            Some(4000)
        );
        let bare = endpoint(&[("DOCKER_HOST", "10.0.0.5:2375")]).unwrap();
        assert_eq!(
            (bare.scheme.as_str(), bare.host.as_deref()),
            ("tcp", Some("10.0.0.5"))
        );
        // No TLS over a socket, whatever the variables say (bollard does the same).
        assert_eq!(
            endpoint(&[("DOCKER_HOST", "unix:///run/d.sock"), verify])
                .unwrap()
                .tls,
            None
        );
        // TLS that checks nothing is refused rather than sent as plain HTTP.
        let unchecked = endpoint(&[("DOCKER_HOST", "tcp://h:2376"), ("DOCKER_TLS", "1")]);
        assert!(unchecked
            .unwrap_err()
            .to_string()
            .starts_with("DOCKER_TLS is set without DOCKER_TLS_VERIFY"));
    }

    #[test]
    fn only_sockets_and_loopback_addresses_are_local() {
        let at = |host: &str| endpoint(&[("DOCKER_HOST", host)]).unwrap();
        for local in [
            "unix:///run/x/docker.sock",
            "tcp://127.0.0.1:2376",
            "tcp://127.8.0.1",
            "tcp://localhost:2375",
            "tcp://[::1]:2376",
        ] {
            let e = at(local);
            assert!(e.is_local(), "{local}");
            assert_eq!(e.probe_host(), "127.0.0.1", "{local}");
            assert_eq!(e.remote_warning(), None, "{local}");
        }
        for (remote, host) in [
            ("tcp://10.0.0.5:2376", "10.0.0.5"),
            ("tcp://docker.example.com", "docker.example.com"),
            ("tcp://[2001:db8::1]:2376", "2001:db8::1"),
            ("ssh://me@build-box:22", "build-box"),
        ] {
            let e = at(remote);
            assert!(!e.is_local(), "{remote}");
            assert_eq!(e.probe_host(), host, "{remote}");
        }
        let warning = at("tcp://10.0.0.5:2376").remote_warning().unwrap();
        assert!(
            warning.starts_with(
                "the engine at tcp://10.0.0.5:2376 (DOCKER_HOST) is on another machine: \
                 startup_s (the time until the container answers) includes the network path \
                 from this machine to 10.0.0.5"
            ),
            "{warning}"
        );
        assert!(warning.contains("every build sends its context over the network"));
    }

    /// What rustls says (its texts as they reach us through bollard and hyper), and what the
    /// user reads instead.
    #[test]
    fn tls_failures_are_told_in_words() {
        let e = tls_endpoint();
        let at = "the Docker engine at tcp://10.0.0.5:2376 (DOCKER_HOST)";
        let hyper = "Error in the hyper legacy client: client error (Connect)";
        assert_eq!(
            e.connect_error(&format!("{hyper}: invalid peer certificate: UnknownIssuer")),
            format!(
                "{at} is not trusted: its certificate is not signed by the CA in /certs/ca.pem \
                 (DOCKER_CERT_PATH)\nhint: that ca.pem must be the CA that signed the engine's \
                 certificate (dockerd --tlscert)"
            )
        );
        assert_eq!(
            e.connect_error(&format!("{hyper}: received fatal alert: BadCertificate")),
            format!(
                "{at} refused our client certificate /certs/cert.pem (DOCKER_CERT_PATH): the \
                 engine accepts only client certificates signed by its own CA (dockerd \
                 --tlscacert)"
            )
        );
        let wrong_name = "certificate not valid for name \"10.0.0.5\"; certificate is only \
                          valid for IpAddress(127.0.0.1)";
        assert_eq!(
            e.connect_error(&format!("{hyper}: invalid peer certificate: {wrong_name}")),
            format!(
                "{at} is not trusted: its certificate is not made out to 10.0.0.5, the host in \
                 DOCKER_HOST ({wrong_name})"
            )
        );
        assert_eq!(
            e.connect_error(&format!(
                "{hyper}: received corrupt message of type InvalidContentType"
            )),
            format!("{at} does not speak TLS on port 2376, but DOCKER_TLS_VERIFY is set")
        );
        let plain = endpoint(&[("DOCKER_HOST", "tcp://10.0.0.5:2376")]).unwrap();
        let refused = plain.connect_error(
            "Docker responded with status code 400: Client sent an HTTP request to an HTTPS \
             server.",
        );
        assert!(
            refused.ends_with(
                "speaks only TLS, but DOCKER_TLS_VERIFY is not set\nhint: set \
                               DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to a folder with \
                               ca.pem, cert.pem and key.pem"
            ),
            "{refused}"
        );
        // Anything else keeps its own words; the setup hint is for a local engine only.
        let gone = "tcp connect error: Connection refused (os error 111)";
        assert_eq!(
            e.connect_error(gone),
            format!(
                "the Docker engine is not reachable at tcp://10.0.0.5:2376 (DOCKER_HOST): {gone}"
            )
        );
        assert!(endpoint(&[])
            .unwrap()
            .connect_error(gone)
            .ends_with("hint: run `bash scripts/setup.sh` to start a local daemon"));
    }

    #[test]
    fn unusable_certificate_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let files = TlsFiles {
            dir: dir.path().to_path_buf(),
            dir_source: "DOCKER_CERT_PATH",
        };
        let error = |files: &TlsFiles| files.client_config().unwrap_err().to_string();
        let pem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        std::fs::write(files.ca(), pem).unwrap();
        std::fs::write(files.cert(), pem).unwrap();
        let missing = error(&files);
        assert!(
            missing.starts_with(&format!(
                "DOCKER_TLS_VERIFY is set, but {} cannot be read: ",
                files.key().display()
            )),
            "{missing}"
        );
        assert!(missing.contains("hint: "), "{missing}");
        std::fs::write(files.key(), "not a key").unwrap();
        let garbled = error(&files);
        assert!(
            garbled.starts_with(&format!("{}: ", files.key().display())),
            "{garbled}"
        );
        std::fs::write(files.ca(), "no certificate here").unwrap();
        assert_eq!(
            error(&files),
            format!("{} holds no PEM certificate", files.ca().display())
        );
    }

    #[test]
    fn log_lines_match_across_chunks_and_without_a_newline() {
        let ready = regex::Regex::new("^worker ready").unwrap();
        let mut m = LineMatcher::default();
        assert!(!m.feed(b"starting\nwor", &ready));
        assert!(!m.feed(b"ker warming\n", &ready));
        assert!(!m.feed(b"worker re", &ready));
        assert!(m.feed(b"ady: 3 jobs", &ready), "the unfinished line counts");
        let mut m = LineMatcher::default();
        assert!(m.feed(b"a\r\nworker ready\r\nb\n", &ready));
        let end = regex::Regex::new("done$").unwrap();
        let mut m = LineMatcher::default();
        assert!(
            !m.feed(b"done and more\n", &end),
            "`$` is the end of a line"
        );
    }

    #[test]
    fn container_body_publishes_on_loopback_and_keeps_image_health_test() {
        let spec = ContainerSpec {
            image: "img".into(),
            port: Some(8000),
            env: std::collections::BTreeMap::from([("A".into(), "1".into())]),
            command: None,
            labels: crate::driver::run_labels("r1", &[]),
            limits: crate::scenario::Limits {
                memory_bytes: Some(128 << 20),
                memory_text: Some("128MiB".into()),
                cpus: Some(1.5),
            },
            user: Some("1000:1000".into()),
            tmpfs: vec!["/tmp".into(), "/run:size=64m".into()],
            health: HealthMode::Every {
                interval: std::time::Duration::from_millis(100),
                start_period: std::time::Duration::from_secs(60),
                test: None,
                timeout: None,
            },
            ..ContainerSpec::new("img", crate::driver::run_labels("r1", &[]))
        };
        let body = container_body(&spec, "127.0.0.1");
        let hc = body.healthcheck.unwrap();
        assert_eq!(hc.interval, Some(100_000_000));
        assert_eq!(hc.test, None, "the image's own test must be kept");
        let off = ContainerSpec {
            health: HealthMode::Off,
            ..spec.clone()
        };
        let hc = container_body(&off, "127.0.0.1").healthcheck.unwrap();
        assert_eq!(hc.test, Some(vec!["NONE".to_string()]));
        assert_eq!(hc.interval, None);
        assert_eq!(body.user.as_deref(), Some("1000:1000"));
        let host = body.host_config.clone().unwrap();
        assert_eq!(host.memory, Some(134_217_728));
        assert_eq!(
            host.memory_swap,
            Some(134_217_728),
            "no swap beyond the limit"
        );
        assert_eq!(host.nano_cpus, Some(1_500_000_000));
        let tmpfs = host.tmpfs.unwrap();
        assert_eq!(tmpfs["/tmp"], "");
        assert_eq!(tmpfs["/run"], "size=64m");
        let bindings = body.host_config.unwrap().port_bindings.unwrap();
        let b = &bindings["8000/tcp"].as_ref().unwrap()[0];
        assert_eq!(b.host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(body.labels.unwrap()["dockbench"], "1");
        assert_eq!(body.env.unwrap(), vec!["A=1".to_string()]);
    }
}
