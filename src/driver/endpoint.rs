//! Where the engine is and how dockbench reaches it: `--context`, `DOCKER_HOST`,
//! `DOCKER_CONTEXT`, the CLI's current context, `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` read
//! as the docker CLI reads them, the TLS client, and what a TLS failure means in words
//! (docs/engines.md, "Remote engines").

use std::error::Error;
use std::fmt;
use std::path::PathBuf;

use anyhow::anyhow;
use bollard::Docker;

use super::context::{self, Choice, ContextEndpoint, DEFAULT_CONTEXT};

/// The engine when `DOCKER_HOST` is not set, as for the docker CLI.
const LOCAL_SOCKET: &str = "unix:///var/run/docker.sock";
/// bollard's request timeout in seconds: the wait for a response's headers, not a whole stream.
const REQUEST_TIMEOUT_S: u64 = 120;

/// Where the engine is and how dockbench reaches it, chosen as the docker CLI chooses it:
/// `--context`, else `DOCKER_HOST`, else the context `DOCKER_CONTEXT` names, else the config
/// file's current context, else the local socket (`Endpoint::resolve`).
///
/// `DOCKER_HOST` is read as the CLI reads it (`host:port` alone means tcp), TLS when
/// `DOCKER_TLS_VERIFY` is non-empty, with `ca.pem`, `cert.pem` and `key.pem` from
/// `DOCKER_CERT_PATH` (else `DOCKER_CONFIG`, else `~/.docker`). bollard's own
/// `connect_with_defaults` differs: it turns TLS on for a `DOCKER_TLS_VERIFY` that is set but
/// empty, reads no default port, and knows no contexts. A context's engine speaks TLS when the
/// context has TLS files. (docs/engines.md, "Remote engines".)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `DOCKER_HOST` or the context's host as the user gave it, or the local socket's URL.
    pub url: String,
    /// Which setting named `url`.
    pub source: Source,
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

/// Which setting named the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    DockerHost,
    /// A context other than `default` (whose engine is `DOCKER_HOST` or the local socket).
    Context(Choice),
    /// Nothing named an engine, or the context `default` did: the local socket.
    DefaultSocket(Option<Choice>),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::DockerHost => write!(f, "DOCKER_HOST"),
            Source::Context(choice) => write!(f, "{choice}"),
            Source::DefaultSocket(None) => write!(f, "default socket"),
            Source::DefaultSocket(Some(choice)) => write!(f, "default socket, {choice}"),
        }
    }
}

/// `dir_source` of a context's TLS files.
const CONTEXT_TLS: &str = "the context's TLS folder";

/// Where the TLS files are, and which setting said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub dir: PathBuf,
    /// `DOCKER_CERT_PATH`, `DOCKER_CONFIG`, `~/.docker` or `CONTEXT_TLS`.
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
    pub(super) fn client_config(&self) -> anyhow::Result<rustls::ClientConfig> {
        use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
        let why = match self.dir_source {
            CONTEXT_TLS => "the context has TLS files",
            _ => "DOCKER_TLS_VERIFY is set",
        };
        for path in [self.ca(), self.cert(), self.key()] {
            if let Err(e) = std::fs::metadata(&path) {
                return Err(anyhow!(
                    "{why}, but {} cannot be read: {e}\nhint: {} ({}) must hold ca.pem (the CA \
                     that signed the engine's certificate), and cert.pem and key.pem (this \
                     client's certificate and key)",
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
    /// The engine as the docker CLI would choose it from this process's environment, with
    /// `context` from dockbench's `--context`.
    pub fn from_env(context: Option<&str>) -> anyhow::Result<Endpoint> {
        Endpoint::resolve(&|name| std::env::var(name).ok(), context)
    }

    /// As `resolve` without `--context`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Endpoint> {
        Endpoint::resolve(&var, None)
    }

    /// The engine as the docker CLI chooses it (`resolveContextName` in its `cli/command/cli.go`),
    /// with `var` in place of the environment: `context` (the CLI's `--context`, which beats
    /// `DOCKER_HOST`), else `DOCKER_HOST`, else `DOCKER_CONTEXT`, else `currentContext` in
    /// `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), else the local socket.
    pub fn resolve(
        var: &dyn Fn(&str) -> Option<String>,
        context: Option<&str>,
    ) -> anyhow::Result<Endpoint> {
        // The CLI reads an empty variable as an unset one.
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        let config_dir = context::config_dir(&set);
        let choice = match (context.filter(|c| !c.is_empty()), set("DOCKER_HOST")) {
            (Some(name), _) => Some(Choice {
                name: name.to_string(),
                chosen_by: context::ChosenBy::Flag,
            }),
            (None, Some(_)) => None,
            (None, None) => context::chosen(&set, config_dir.as_deref())?,
        };
        match choice {
            None => Endpoint::from_docker_host(&set, None),
            Some(choice) if choice.name == DEFAULT_CONTEXT => {
                Endpoint::from_docker_host(&set, Some(choice))
            }
            Some(choice) => {
                let found = context::load(config_dir.as_deref(), &choice)?;
                Endpoint::from_context(found, choice)
            }
        }
    }

    /// `DOCKER_HOST` and the TLS variables, or the local socket: the engine of the `default`
    /// context.
    fn from_docker_host(
        set: &dyn Fn(&str) -> Option<String>,
        choice: Option<Choice>,
    ) -> anyhow::Result<Endpoint> {
        let (url, source) = match set("DOCKER_HOST") {
            Some(host) => (host, Source::DockerHost),
            None => (LOCAL_SOCKET.to_string(), Source::DefaultSocket(choice)),
        };
        let scheme = scheme_of(&url);
        let network = is_network(scheme);
        let tls_on = scheme == "https" || (network && set("DOCKER_TLS_VERIFY").is_some());
        if network && !tls_on && set("DOCKER_TLS").is_some() {
            return Err(anyhow!(
                "DOCKER_TLS is set without DOCKER_TLS_VERIFY: TLS that does not check the \
                 engine's certificate is not supported\nhint: set DOCKER_TLS_VERIFY=1, with the \
                 engine's CA in DOCKER_CERT_PATH/ca.pem"
            ));
        }
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
        Ok(Endpoint::parse(url, source, tls))
    }

    /// A context's engine: TLS when the context has TLS files (as for the CLI), and never TLS
    /// that checks nothing.
    fn from_context(found: ContextEndpoint, choice: Choice) -> anyhow::Result<Endpoint> {
        let url = match found.host.is_empty() {
            true => LOCAL_SOCKET.to_string(),
            false => found.host,
        };
        let scheme = scheme_of(&url);
        let network = is_network(scheme);
        if network && found.skip_tls_verify {
            return Err(anyhow!(
                "{choice} sets SkipTLSVerify: TLS that does not check the engine's certificate \
                 is not supported\nhint: give the context the engine's CA: docker context update \
                 {} --docker \"host={url},ca=CA.pem,cert=CERT.pem,key=KEY.pem\"",
                choice.name
            ));
        }
        let tls_on = network && (found.has_tls_files || scheme == "https");
        let tls = tls_on.then_some(TlsFiles {
            dir: found.tls_dir,
            dir_source: CONTEXT_TLS,
        });
        Ok(Endpoint::parse(url, Source::Context(choice), tls))
    }

    /// The endpoint at `url`, with the CLI's default port for tcp: 2376 with TLS, 2375 without.
    fn parse(url: String, source: Source, tls: Option<TlsFiles>) -> Endpoint {
        let scheme = scheme_of(&url).to_string();
        let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
        let (host, port) = match scheme.as_str() {
            "unix" | "npipe" | "fd" => (None, None),
            _ => host_and_port(rest),
        };
        let default_port = if tls.is_some() { 2376 } else { 2375 };
        Endpoint {
            port: port.or(is_network(&scheme).then_some(default_port)),
            host,
            tls,
            url,
            source,
            scheme,
        }
    }

    /// The context that chose this engine, if one did (`default` included).
    pub fn context_name(&self) -> Option<&str> {
        match &self.source {
            Source::Context(choice) | Source::DefaultSocket(Some(choice)) => Some(&choice.name),
            _ => None,
        }
    }

    /// The setting a user changes to point dockbench elsewhere: `DOCKER_HOST`, or the context.
    fn host_setting(&self) -> String {
        match &self.source {
            Source::Context(choice) => format!("context {}", choice.name),
            _ => "DOCKER_HOST".to_string(),
        }
    }

    /// The engine as a user names it: its URL and the setting that named it.
    pub fn address(&self) -> String {
        match &self.source {
            Source::DockerHost => format!("{} (DOCKER_HOST)", self.url),
            Source::DefaultSocket(None) => format!("{} (the local socket)", self.url),
            source => format!("{} from {source}", self.url),
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

    /// The engine is reached through a unix socket, so it runs on this machine and its
    /// processes are in this machine's /proc: what else used the CPU while a phase was timed
    /// can be told (`measure::host_load`). A TCP engine, even on a loopback address, may be a
    /// tunnel to another machine, whose neighbours /proc does not show.
    pub fn shares_this_machine(&self) -> bool {
        self.url.starts_with("unix://")
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
    pub(super) fn client(&self) -> anyhow::Result<Docker> {
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
            // bollard reaches ssh:// only with its `ssh` feature, which pulls in a client of
            // its own.
            ("ssh", _) => {
                return Err(anyhow!(
                    "{}: dockbench cannot reach an engine over ssh\nhint: forward the engine's \
                     socket (ssh -nNT -L /tmp/docker.sock:/var/run/docker.sock HOST) and set \
                     DOCKER_HOST=unix:///tmp/docker.sock",
                    self.address()
                ))
            }
            // npipe, ...: bollard says what it supports.
            _ => Docker::connect_with_host(&self.url),
        };
        docker.map_err(|e| anyhow!(self.connect_error(&e)))
    }

    /// Under TLS 1.3 the engine checks our client certificate after our side of the handshake
    /// has ended, so its refusal (an alert) races the connection's close: seen in CI, hyper
    /// said only "connection was not ready" once in several runs. Such a failure, where no TLS
    /// failure can be read from `cause`, is worth another try before it is explained.
    pub(super) fn tls_alert_may_be_lost(&self, error: &(dyn Error + 'static)) -> bool {
        const DROPPED: [&str; 3] = [
            "connection was not ready",
            "connection closed before message completed",
            "IncompleteMessage",
        ];
        let cause = error_chain(error);
        self.tls.is_some()
            && tls_failure(error).is_none()
            && DROPPED.iter().any(|d| cause.contains(d))
    }

    /// What went wrong when the engine did not answer: TLS failures (read from the typed
    /// rustls error among `error`'s sources) in words, with the file to look at, rather than
    /// rustls's names for them.
    pub(super) fn connect_error(&self, error: &(dyn Error + 'static)) -> String {
        self.explain(&error_chain(error), tls_failure(error))
    }

    /// `connect_error` from `cause` in words (an error and its sources, as `error_chain` joins
    /// them) and the TLS failure found in it, if any.
    pub(super) fn explain(&self, cause: &str, failure: Option<TlsFailure>) -> String {
        let at = format!("the Docker engine at {}", self.address());
        let host = self.host.as_deref().unwrap_or_default();
        let port = self.port.map(|p| p.to_string()).unwrap_or_default();
        match (&self.tls, failure) {
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
                         in {} ({detail})",
                        self.host_setting()
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
                let why = match &self.source {
                    Source::Context(c) => format!("context {} has TLS files", c.name),
                    _ => "DOCKER_TLS_VERIFY is set".to_string(),
                };
                format!("{at} does not speak TLS on port {port}, but {why}")
            }
            (None, _) if cause.contains("Client sent an HTTP request to an HTTPS server") => {
                match &self.source {
                    Source::Context(c) => format!(
                        "{at} speaks only TLS, but context {0} has no TLS files\nhint: docker \
                         context update {0} --docker \"host={1},ca=CA.pem,cert=CERT.pem,\
                         key=KEY.pem\"",
                        c.name, self.url
                    ),
                    _ => format!(
                        "{at} speaks only TLS, but DOCKER_TLS_VERIFY is not set\nhint: set \
                         DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to a folder with ca.pem, \
                         cert.pem and key.pem"
                    ),
                }
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

/// `tcp` for `host:port` with no scheme, as for the CLI.
fn scheme_of(url: &str) -> &str {
    url.split_once("://").map_or("tcp", |(scheme, _)| scheme)
}

/// Reached over the network (TLS applies), rather than a socket or pipe.
fn is_network(scheme: &str) -> bool {
    matches!(scheme, "tcp" | "http" | "https")
}

/// An error and its sources, joined by ": ", each text once (an `io::Error` shows its inner
/// error's text, and hyper's errors repeat their source's).
pub(super) fn error_chain(error: &(dyn Error + 'static)) -> String {
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

/// How a TLS connection failed, read from the rustls error in an error's sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TlsFailure {
    /// We did not trust the engine's certificate.
    EngineNotTrusted(Untrusted),
    /// The engine ended the handshake over our certificate.
    ClientRefused,
    /// What came back was not TLS.
    NotTls,
}

/// Why the engine's certificate was not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Untrusted {
    /// Not signed by any CA we trust (ca.pem, or the system's).
    UnknownIssuer,
    /// Made out to other names; rustls says which.
    WrongName(String),
    /// Expired, not for a server, ...: rustls's words (readable for these).
    Other(String),
}

fn tls_failure(error: &(dyn Error + 'static)) -> Option<TlsFailure> {
    use rustls::{AlertDescription as Alert, CertificateError as Cert, InvalidMessage};
    let why = match rustls_error(error)? {
        rustls::Error::InvalidCertificate(Cert::UnknownIssuer) => Untrusted::UnknownIssuer,
        rustls::Error::InvalidCertificate(
            name @ (Cert::NotValidForName | Cert::NotValidForNameContext { .. }),
        ) => Untrusted::WrongName(name.to_string()),
        rustls::Error::InvalidCertificate(other) => Untrusted::Other(other.to_string()),
        // The alerts a server sends over a client certificate it does not accept.
        rustls::Error::AlertReceived(
            Alert::BadCertificate
            | Alert::UnknownCA
            | Alert::CertificateRequired
            | Alert::CertificateUnknown
            | Alert::UnsupportedCertificate
            | Alert::CertificateExpired
            | Alert::AccessDenied,
        ) => return Some(TlsFailure::ClientRefused),
        rustls::Error::InvalidMessage(InvalidMessage::InvalidContentType) => {
            return Some(TlsFailure::NotTls)
        }
        _ => return None,
    };
    Some(TlsFailure::EngineNotTrusted(why))
}

/// The rustls error among `error`'s sources. tokio-rustls hands it to hyper inside an
/// `io::Error`, whose own `source()` skips it (it is the inner error's source that
/// `io::Error::source` gives), so each `io::Error` on the way is opened, and the one it wraps
/// too: hyper-rustls wraps tokio-rustls's in another (seen from Docker 20.10 over TLS:
/// `Custom { kind: Other, error: Custom { kind: InvalidData, error: InvalidCertificate(..) } }`).
fn rustls_error<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        let mut io = e.downcast_ref::<std::io::Error>();
        while let Some(inner) = io.and_then(|io| io.get_ref()) {
            if let Some(found) = inner.downcast_ref::<rustls::Error>() {
                return Some(found);
            }
            io = inner.downcast_ref::<std::io::Error>();
        }
        next = e.source();
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

#[cfg(test)]
pub(super) mod tests {
    use std::collections::HashMap;

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

    /// Issue 28: only an engine on a unix socket has its neighbours in this machine's /proc.
    #[test]
    fn only_a_socket_engine_shares_this_machine() {
        assert!(endpoint(&[]).unwrap().shares_this_machine());
        let socket = endpoint(&[("DOCKER_HOST", "unix:///run/d.sock")]).unwrap();
        assert!(socket.shares_this_machine());
        for remote in ["tcp://127.0.0.1:2375", "tcp://build.example:2375"] {
            let e = endpoint(&[("DOCKER_HOST", remote)]).unwrap();
            assert!(!e.shares_this_machine(), "{remote}");
        }
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

    /// A connect error as hyper's client hands it on: its own words, with tokio-rustls's
    /// `io::Error` (holding the rustls error) as its source.
    #[derive(Debug)]
    pub(in crate::driver) struct ClientError(std::io::Error);

    impl fmt::Display for ClientError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "client error (Connect)")
        }
    }

    impl Error for ClientError {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    /// As hyper hands it on: tokio-rustls's `io::Error` inside hyper-rustls's.
    pub(in crate::driver) fn from_rustls(e: rustls::Error) -> ClientError {
        let tls = std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        ClientError(std::io::Error::other(tls))
    }

    fn plain(text: &str) -> ClientError {
        ClientError(std::io::Error::other(text.to_string()))
    }

    #[test]
    fn a_lost_tls_refusal_is_tried_again_and_nothing_else_is() {
        let lost = plain("operation was canceled: connection was not ready");
        assert!(tls_endpoint().tls_alert_may_be_lost(&lost));
        let refused = from_rustls(rustls::Error::AlertReceived(
            rustls::AlertDescription::BadCertificate,
        ));
        assert!(
            !tls_endpoint().tls_alert_may_be_lost(&refused),
            "already explained"
        );
        let gone = plain("Connection refused (os error 111)");
        assert!(!tls_endpoint().tls_alert_may_be_lost(&gone));
    }

    /// Issue 31: the failure is read from rustls's typed error, not from its words (which
    /// change between its versions: `UnknownIssuer` has been both a name and a sentence).
    #[test]
    fn tls_failures_are_told_in_words() {
        use rustls::{CertificateError, Error as Rustls};
        let e = tls_endpoint();
        let at = "the Docker engine at tcp://10.0.0.5:2376 (DOCKER_HOST)";
        let unknown = from_rustls(Rustls::InvalidCertificate(CertificateError::UnknownIssuer));
        assert_eq!(
            e.connect_error(&unknown),
            format!(
                "{at} is not trusted: its certificate is not signed by the CA in /certs/ca.pem \
                 (DOCKER_CERT_PATH)\nhint: that ca.pem must be the CA that signed the engine's \
                 certificate (dockerd --tlscert)"
            )
        );
        // The same words with no typed error behind them are not taken for it.
        let words = plain("invalid peer certificate: UnknownIssuer");
        assert!(e.connect_error(&words).starts_with(
            "the Docker engine is not reachable at tcp://10.0.0.5:2376 (DOCKER_HOST): client \
             error (Connect): invalid peer certificate: UnknownIssuer"
        ));
        for alert in [
            rustls::AlertDescription::BadCertificate,
            rustls::AlertDescription::UnknownCA,
            rustls::AlertDescription::CertificateRequired,
        ] {
            assert_eq!(
                e.connect_error(&from_rustls(Rustls::AlertReceived(alert))),
                format!(
                    "{at} refused our client certificate /certs/cert.pem (DOCKER_CERT_PATH): the \
                     engine accepts only client certificates signed by its own CA (dockerd \
                     --tlscacert)"
                )
            );
        }
        let wrong_name = CertificateError::NotValidForName;
        let detail = wrong_name.to_string();
        assert_eq!(
            e.connect_error(&from_rustls(Rustls::InvalidCertificate(wrong_name))),
            format!(
                "{at} is not trusted: its certificate is not made out to 10.0.0.5, the host in \
                 DOCKER_HOST ({detail})"
            )
        );
        let expired = from_rustls(Rustls::InvalidCertificate(CertificateError::Expired));
        assert!(e.connect_error(&expired).starts_with(&format!(
            "{at} is not trusted: its certificate was rejected: "
        )));
        let not_tls = from_rustls(Rustls::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType,
        ));
        assert_eq!(
            e.connect_error(&not_tls),
            format!("{at} does not speak TLS on port 2376, but DOCKER_TLS_VERIFY is set")
        );
        let plain_endpoint = endpoint(&[("DOCKER_HOST", "tcp://10.0.0.5:2376")]).unwrap();
        let refused = plain_endpoint.explain(
            "Docker responded with status code 400: Client sent an HTTP request to an HTTPS \
             server.",
            None,
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
            e.explain(gone, None),
            format!(
                "the Docker engine is not reachable at tcp://10.0.0.5:2376 (DOCKER_HOST): {gone}"
            )
        );
        assert!(endpoint(&[])
            .unwrap()
            .explain(gone, None)
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
}
