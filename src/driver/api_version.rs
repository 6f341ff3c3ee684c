//! The Engine API version dockbench speaks: the older of bollard's and the engine's, as the
//! docker CLI negotiates it, sent as the `/v1.NN` prefix of every request path.
//!
//! bollard 0.21 builds every request path with `Url::join` of an absolute path, which drops the
//! `/v1.NN` prefix it has just written: all its requests go out unversioned, and the engine then
//! answers in its own newest version, whatever bollard's models expect. `negotiate` settles the
//! version with bollard's `negotiate_version`, then puts the prefix back on each request.

use bollard::{BollardRequest, ClientVersion, Docker};

/// `docker` speaking the older of its own API version and the engine's (one `/version` call).
pub async fn negotiate(docker: Docker) -> Result<Docker, bollard::errors::Error> {
    let docker = docker.negotiate_version().await?;
    let prefix = prefix(&docker.client_version());
    Ok(docker.with_request_modifier(move |request| with_prefix(request, &prefix)))
}

/// `/v1.41` for API 1.41.
fn prefix(version: &ClientVersion) -> String {
    format!("/v{}.{}", version.major_version, version.minor_version)
}

/// The request with `prefix` before its path, unless its path already has a version.
fn with_prefix(mut request: BollardRequest, prefix: &str) -> BollardRequest {
    let uri = request.uri();
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    if is_versioned(path) {
        return request;
    }
    let text = format!(
        "{}://{}{prefix}{path}",
        uri.scheme_str().unwrap_or("http"),
        uri.authority().map_or("", |a| a.as_str())
    );
    // bollard parsed the same URI without the prefix; the prefix adds only path characters.
    if let Ok(versioned) = text.parse() {
        *request.uri_mut() = versioned;
    }
    request
}

/// `/v1.41/...`: a path that already names its API version.
fn is_versioned(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/v") else {
        return false;
    };
    let version = rest.split('/').next().unwrap_or_default();
    version.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && (major.to_string() + minor)
                .bytes()
                .all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::sync::mpsc;

    use super::*;

    /// A fake engine on a unix socket that says it speaks API `api`, and sends the request line
    /// of each call it gets.
    fn fake_engine(socket: &Path, api: &'static str) -> mpsc::UnboundedReceiver<String> {
        let listener = tokio::net::UnixListener::bind(socket).unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = vec![0u8; 8192];
                let n = stream.read(&mut buf).await.unwrap();
                let head = String::from_utf8_lossy(&buf[..n]);
                let _ = tx.send(head.lines().next().unwrap_or_default().to_string());
                let body = format!(r#"{{"ApiVersion":"{api}","Version":"fake"}}"#);
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \
                     {}\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(response.as_bytes()).await.unwrap();
            }
        });
        rx
    }

    async fn paths_after_negotiating(api: &'static str) -> (ClientVersion, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("docker.sock");
        let mut requests = fake_engine(&socket, api);
        let docker =
            Docker::connect_with_unix(socket.to_str().unwrap(), 5, bollard::API_DEFAULT_VERSION)
                .unwrap();
        let docker = negotiate(docker).await.unwrap();
        docker.version().await.unwrap();
        let mut lines = Vec::new();
        while let Ok(line) = requests.try_recv() {
            lines.push(line);
        }
        (docker.client_version(), lines)
    }

    /// Without the prefix put back, bollard would send `GET /version` to an API 1.41 engine
    /// after negotiating 1.41.
    #[tokio::test]
    async fn an_older_engine_gets_its_own_version_in_every_path() {
        let (version, lines) = paths_after_negotiating("1.41").await;
        assert_eq!((version.major_version, version.minor_version), (1, 41));
        assert_eq!(
            lines,
            ["GET /version HTTP/1.1", "GET /v1.41/version HTTP/1.1"]
        );
    }

    #[tokio::test]
    async fn a_newer_engine_gets_bollards_version() {
        let (version, lines) = paths_after_negotiating("1.99").await;
        let ours = bollard::API_DEFAULT_VERSION;
        assert_eq!(version, *ours);
        assert_eq!(lines[1], format!("GET {}/version HTTP/1.1", prefix(ours)));
    }

    #[test]
    fn a_versioned_path_is_left_alone() {
        assert!(is_versioned("/v1.41/containers/json?all=true"));
        assert!(is_versioned("/v1.41"));
        assert!(!is_versioned("/version"));
        assert!(!is_versioned("/volumes/v1.2"));
        assert!(!is_versioned("/v1./x"));
    }
}
