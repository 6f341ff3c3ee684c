//! Plain HTTP/1.1 to the engine, over the transport bollard uses for the same endpoint: the
//! two requests bollard cannot make for us (`POST /session`, upgraded to h2c, and a `/build`
//! whose context comes through that session), and the build's JSON-lines answer.

use anyhow::{anyhow, Context};
use bollard::models::BuildInfo;
use bytes::Bytes;
use futures_util::Stream;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

use super::super::endpoint::Endpoint;

/// A connection to the engine, whatever carries it.
pub trait Io: hyper::rt::Read + hyper::rt::Write + Send + Unpin + 'static {}
impl<T: hyper::rt::Read + hyper::rt::Write + Send + Unpin + 'static> Io for T {}

/// The engines a session can reach: a unix socket, or TCP with or without TLS (the schemes
/// bollard itself reaches through `Endpoint::client`; ssh and named pipes are not handled).
pub fn supports(endpoint: &Endpoint) -> bool {
    matches!(endpoint.scheme.as_str(), "unix" | "tcp" | "http" | "https")
}

/// A new connection to the engine.
async fn connect(endpoint: &Endpoint) -> anyhow::Result<Box<dyn Io>> {
    let at = || format!("connect to {}", endpoint.address());
    match (endpoint.scheme.as_str(), &endpoint.tls) {
        ("unix", _) => {
            let path = endpoint.url.trim_start_matches("unix://");
            let stream = tokio::net::UnixStream::connect(path)
                .await
                .with_context(at)?;
            Ok(Box::new(TokioIo::new(stream)))
        }
        ("tcp" | "http" | "https", None) => {
            let stream = tokio::net::TcpStream::connect(authority(endpoint)?)
                .await
                .with_context(at)?;
            // As for the TLS client in endpoint.rs: no Nagle delay on small requests.
            stream.set_nodelay(true)?;
            Ok(Box::new(TokioIo::new(stream)))
        }
        ("tcp" | "http" | "https", Some(tls)) => {
            use tower_service::Service;
            let mut tcp = hyper_util::client::legacy::connect::HttpConnector::new();
            tcp.enforce_http(false);
            tcp.set_nodelay(true);
            let mut https = hyper_rustls::HttpsConnector::from((tcp, tls.client_config()?));
            let uri = format!("https://{}", authority(endpoint)?).parse()?;
            let stream = https
                .call(uri)
                .await
                .map_err(|e| anyhow!(e))
                .with_context(at)?;
            Ok(Box::new(stream))
        }
        (scheme, _) => Err(anyhow!("no BuildKit session over {scheme}://")),
    }
}

/// `host:port`, with IPv6 in brackets.
fn authority(endpoint: &Endpoint) -> anyhow::Result<String> {
    match (&endpoint.host, endpoint.port) {
        (Some(host), Some(port)) if host.contains(':') => Ok(format!("[{host}]:{port}")),
        (Some(host), Some(port)) => Ok(format!("{host}:{port}")),
        _ => Err(anyhow!("{} names no host and port", endpoint.url)),
    }
}

/// Sends `request` on a new connection and returns the engine's answer (an error for a status
/// other than 2xx or 101, with the engine's message). The connection serves upgrades.
async fn send(
    endpoint: &Endpoint,
    request: hyper::http::request::Builder,
) -> anyhow::Result<Response<Incoming>> {
    let io = connect(endpoint).await?;
    let (mut sender, conn) = http1::handshake(io).await.context("HTTP handshake")?;
    tokio::spawn(conn.with_upgrades());
    let host = match endpoint.scheme.as_str() {
        "unix" => "docker".to_string(),
        _ => authority(endpoint)?,
    };
    // Unversioned paths, as bollard sends them: the engine answers with its own API version.
    let request = request
        .header(hyper::header::HOST, host)
        .body(Empty::<Bytes>::new())?;
    let what = format!("{} {}", request.method(), request.uri().path());
    let response = sender.send_request(request).await.context(what.clone())?;
    let status = response.status();
    if status.is_success() || status == StatusCode::SWITCHING_PROTOCOLS {
        return Ok(response);
    }
    let body = response.into_body().collect().await.map(|b| b.to_bytes());
    let text = body
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_string))
        .unwrap_or(text);
    Err(anyhow!("{what}: the engine answered {status}: {message}"))
}

/// `GET path` and the engine's JSON answer, for answers bollard's types cannot hold (Podman
/// 4.3 names a container's state "stopped", which bollard's enum does not know).
pub async fn get_json(endpoint: &Endpoint, path: &str) -> anyhow::Result<serde_json::Value> {
    let response = send(endpoint, Request::get(path)).await?;
    let body = response
        .into_body()
        .collect()
        .await
        .with_context(|| format!("GET {path}"))?
        .to_bytes();
    serde_json::from_slice(&body).with_context(|| format!("GET {path}: not JSON"))
}

/// What identifies a session to the engine (BuildKit's session headers).
pub struct SessionHeaders<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// Sessions with the same key reuse the builder's copy of their files: only changes move.
    pub shared_key: &'a str,
    pub methods: &'a [&'a str],
}

/// `POST /session`, upgraded to h2c: the engine's builder is the gRPC client on the returned
/// connection, and we serve it.
pub async fn open_session(
    endpoint: &Endpoint,
    headers: &SessionHeaders<'_>,
) -> anyhow::Result<TokioIo<hyper::upgrade::Upgraded>> {
    let mut request = Request::post("/session")
        .header(hyper::header::CONNECTION, "Upgrade")
        .header(hyper::header::UPGRADE, "h2c")
        .header("X-Docker-Expose-Session-Uuid", headers.id)
        .header("X-Docker-Expose-Session-Name", headers.name)
        .header("X-Docker-Expose-Session-Sharedkey", headers.shared_key);
    for method in headers.methods {
        request = request.header("X-Docker-Expose-Session-Grpc-Method", *method);
    }
    let response = send(endpoint, request).await?;
    anyhow::ensure!(
        response.status() == StatusCode::SWITCHING_PROTOCOLS,
        "POST /session: the engine answered {} instead of switching to h2c",
        response.status()
    );
    let upgraded = hyper::upgrade::on(response)
        .await
        .context("POST /session: upgrade")?;
    Ok(TokioIo::new(upgraded))
}

/// An error as the build loop tells them apart.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamError {
    /// The builder reported the build failed (`errorDetail` in the stream).
    Build(String),
    /// The stream itself broke.
    Transport(String),
}

/// `POST /build?query` with an empty body, and its answer decoded line by line into bollard's
/// `BuildInfo`s (BuildKit's status in `aux` included, by bollard's own deserializer).
pub async fn build(
    endpoint: &Endpoint,
    query: &str,
) -> anyhow::Result<impl Stream<Item = Result<BuildInfo, StreamError>> + Send + 'static> {
    let request = Request::post(format!("/build?{query}"))
        .header(hyper::header::CONTENT_TYPE, "application/x-tar");
    let body = send(endpoint, request).await?.into_body();
    Ok(json_lines(body))
}

fn json_lines(
    body: Incoming,
) -> impl Stream<Item = Result<BuildInfo, StreamError>> + Send + 'static {
    let state = (body, LineBuffer::default(), false);
    futures_util::stream::unfold(state, |(mut body, mut lines, mut ended)| async move {
        loop {
            if let Some(line) = lines.next_line(ended) {
                return Some((decode(&line), (body, lines, ended)));
            }
            if ended {
                return None;
            }
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        lines.push(data);
                    }
                }
                Some(Err(e)) => {
                    let error = StreamError::Transport(format!("build stream: {e}"));
                    return Some((Err(error), (body, LineBuffer::default(), true)));
                }
                None => ended = true,
            }
        }
    })
}

/// As bollard: a message with `errorDetail` is the build's failure.
fn decode(line: &[u8]) -> Result<BuildInfo, StreamError> {
    let info: BuildInfo = serde_json::from_slice(line).map_err(|e| {
        let text = String::from_utf8_lossy(line);
        StreamError::Transport(format!("build stream: {e} in {text:?}"))
    })?;
    match info.error_detail.as_ref().and_then(|d| d.message.clone()) {
        Some(message) => Err(StreamError::Build(message)),
        None => Ok(info),
    }
}

/// The engine's JSON messages, one a line (`\r\n` or `\n`). A message split across reads, even
/// between its `}` and its `\r` (what trips bollard's decoder), is put back together.
#[derive(Default)]
struct LineBuffer {
    pending: Vec<u8>,
}

impl LineBuffer {
    fn push(&mut self, data: &[u8]) {
        self.pending.extend_from_slice(data);
    }

    /// The next non-blank line; at the end of the stream, what is left without a newline too.
    fn next_line(&mut self, ended: bool) -> Option<Vec<u8>> {
        loop {
            let line = match self.pending.iter().position(|&b| b == b'\n') {
                Some(end) => self.pending.drain(..=end).collect::<Vec<u8>>(),
                None if ended && !self.pending.is_empty() => std::mem::take(&mut self.pending),
                None => return None,
            };
            let trimmed = line.trim_ascii();
            if !trimmed.is_empty() {
                return Some(trimmed.to_vec());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn lines(chunks: &[&str]) -> Vec<String> {
        let mut buffer = LineBuffer::default();
        let mut out = Vec::new();
        for chunk in chunks {
            buffer.push(chunk.as_bytes());
            while let Some(line) = buffer.next_line(false) {
                out.push(String::from_utf8(line).unwrap());
            }
        }
        while let Some(line) = buffer.next_line(true) {
            out.push(String::from_utf8(line).unwrap());
        }
        out
    }

    #[test]
    fn lines_split_anywhere_come_back_whole() {
        assert_eq!(
            lines(&["{\"a\":1}", "\r", "\n{\"b\"", ":2}\r\n\r\n", "{\"c\":3}"]),
            vec!["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"]
        );
    }

    #[test]
    fn messages_decode_as_bollard_decodes_them() {
        let id = decode(br#"{"aux":{"ID":"sha256:abc"}}"#).unwrap();
        assert!(matches!(
            id.aux,
            Some(bollard::models::BuildInfoAux::Default(ref i)) if i.id.as_deref() == Some("sha256:abc")
        ));
        let failed = decode(br#"{"errorDetail":{"message":"boom"},"error":"boom"}"#);
        assert_eq!(failed.unwrap_err(), StreamError::Build("boom".into()));
        assert!(matches!(
            decode(b"{not json"),
            Err(StreamError::Transport(_))
        ));
    }

    #[test]
    fn buildkit_status_arrives_base64_protobuf_encoded_in_aux() {
        use bollard::moby::buildkit::v1::{StatusResponse, Vertex};
        use prost::Message;
        let status = StatusResponse {
            vertexes: vec![Vertex {
                digest: "sha256:v".into(),
                name: "[2/3] RUN true".into(),
                cached: true,
                ..Default::default()
            }],
            ..Default::default()
        };
        let aux = base64::engine::general_purpose::STANDARD.encode(status.encode_to_vec());
        let line = format!(r#"{{"id":"moby.buildkit.trace","aux":"{aux}"}}"#);
        match decode(line.as_bytes()).unwrap().aux {
            Some(bollard::models::BuildInfoAux::BuildKit(got)) => assert_eq!(got, status),
            other => panic!("{other:?}"),
        }
    }
}
