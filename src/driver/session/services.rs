//! The gRPC services the session offers the builder: FileSync (the context, by DiffCopy),
//! Auth (no credentials) and health.

use std::pin::Pin;
use std::sync::Arc;

use bollard::fsutil::types::Packet;
use bollard::health::{
    health_check_response::ServingStatus, health_server::Health, HealthCheckRequest,
    HealthCheckResponse, HealthListRequest, HealthListResponse,
};
use bollard::moby::filesync::packet::file_sync_server::FileSync;
use bollard::moby::filesync::v1::{
    auth_server::Auth, CredentialsRequest, CredentialsResponse, FetchTokenRequest,
    FetchTokenResponse, GetTokenAuthorityRequest, GetTokenAuthorityResponse,
    VerifyTokenAuthorityRequest, VerifyTokenAuthorityResponse,
};
use futures_util::Stream;
use tokio::sync::mpsc;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status, Streaming};

use super::diffcopy;
use super::tree::{ContextTree, Filter};

/// The gRPC methods served, as the session's `X-Docker-Expose-Session-Grpc-Method` headers
/// announce them: the builder calls only what is announced. TarStream is left out: BuildKit
/// prefers DiffCopy, and the newest knows nothing else.
pub const METHODS: &[&str] = &[
    "/moby.filesync.v1.FileSync/DiffCopy",
    "/moby.filesync.v1.Auth/Credentials",
    "/moby.filesync.v1.Auth/FetchToken",
    "/moby.filesync.v1.Auth/GetTokenAuthority",
    "/moby.filesync.v1.Auth/VerifyTokenAuthority",
    "/grpc.health.v1.Health/Check",
];

type PacketStream = Pin<Box<dyn Stream<Item = Result<Packet, Status>> + Send>>;

/// Serves the build context under the two names the Dockerfile frontend asks for: `context`
/// (all of it) and `dockerfile` (the Dockerfile's folder).
pub struct ContextSync {
    pub tree: Arc<ContextTree>,
    /// The Dockerfile's folder inside the context (`""`: the root).
    pub dockerfile_dir: String,
}

#[tonic::async_trait]
impl FileSync for ContextSync {
    type DiffCopyStream = PacketStream;
    type TarStreamStream = PacketStream;

    async fn diff_copy(
        &self,
        request: Request<Streaming<Packet>>,
    ) -> Result<Response<PacketStream>, Status> {
        let opts = SyncOptions::from_metadata(request.metadata());
        let tree = match opts.dir_name.as_str() {
            "context" => self.tree.clone(),
            "dockerfile" => Arc::new(self.tree.subdir(&self.dockerfile_dir)),
            other => {
                return Err(Status::not_found(format!(
                    "no access allowed to dir {other:?}"
                )))
            }
        };
        let filter = Filter::new(&tree, &opts.include, &opts.exclude, &opts.follow)
            .map_err(|e| Status::invalid_argument(format!("{e:#}")))?;
        let (tx, rx) = mpsc::channel(64);
        let incoming = request.into_inner();
        tokio::spawn(async move {
            if let Err(e) = diffcopy::send(&tree, &filter, incoming, &tx).await {
                let _ = tx.send(Err(Status::unknown(format!("{e:#}")))).await;
            }
        });
        Ok(Response::new(receiver_stream(rx)))
    }

    async fn tar_stream(
        &self,
        _request: Request<Streaming<Packet>>,
    ) -> Result<Response<PacketStream>, Status> {
        Err(Status::unimplemented("only DiffCopy is offered"))
    }
}

fn receiver_stream<T: Send + 'static>(
    rx: mpsc::Receiver<T>,
) -> Pin<Box<dyn Stream<Item = T> + Send>> {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

/// What a DiffCopy call asks for, from its gRPC metadata (BuildKit's filesync.go).
#[derive(Debug, Default, PartialEq)]
pub struct SyncOptions {
    pub dir_name: String,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub follow: Vec<String>,
}

impl SyncOptions {
    pub fn from_metadata(md: &MetadataMap) -> SyncOptions {
        // Newer BuildKit URL-encodes values with non-ASCII characters and says so in
        // `<key>-encoded`.
        let values = |key: &str| -> Vec<String> {
            let encoded = md
                .get(format!("{key}-encoded"))
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| matches!(v, "1" | "t" | "T" | "true" | "TRUE" | "True"));
            md.get_all(key)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(|v| match encoded {
                    true => query_unescape(v),
                    false => v.to_string(),
                })
                .collect()
        };
        SyncOptions {
            dir_name: values("dir-name").into_iter().next().unwrap_or_default(),
            include: values("include-patterns"),
            exclude: values("exclude-patterns"),
            follow: values("followpaths"),
        }
    }
}

/// Go's `url.QueryUnescape` (`+` is a space, `%XX` a byte); a malformed escape stays as it is.
fn query_unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Registry credentials: none. An empty answer is what the docker CLI gives for a registry it
/// has no login for; the token authority is "unavailable", so that BuildKit fetches tokens
/// itself (anonymously) rather than through the session.
pub struct NoCredentials;

#[tonic::async_trait]
impl Auth for NoCredentials {
    async fn credentials(
        &self,
        _request: Request<CredentialsRequest>,
    ) -> Result<Response<CredentialsResponse>, Status> {
        Ok(Response::new(CredentialsResponse::default()))
    }

    async fn fetch_token(
        &self,
        _request: Request<FetchTokenRequest>,
    ) -> Result<Response<FetchTokenResponse>, Status> {
        Err(Status::unimplemented("no client-side token fetching"))
    }

    async fn get_token_authority(
        &self,
        _request: Request<GetTokenAuthorityRequest>,
    ) -> Result<Response<GetTokenAuthorityResponse>, Status> {
        Err(Status::unavailable("client-side authentication disabled"))
    }

    async fn verify_token_authority(
        &self,
        _request: Request<VerifyTokenAuthorityRequest>,
    ) -> Result<Response<VerifyTokenAuthorityResponse>, Status> {
        Err(Status::unavailable("client-side authentication disabled"))
    }
}

/// The builder checks the session's health now and then, and ends a session that fails.
pub struct Healthy;

#[tonic::async_trait]
impl Health for Healthy {
    type WatchStream = Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

    async fn check(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        Ok(Response::new(HealthCheckResponse {
            status: ServingStatus::Serving as i32,
        }))
    }

    async fn list(
        &self,
        _request: Request<HealthListRequest>,
    ) -> Result<Response<HealthListResponse>, Status> {
        Err(Status::unimplemented("not offered"))
    }

    async fn watch(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        Err(Status::unimplemented("not offered"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_come_from_repeated_metadata_keys() {
        let mut md = MetadataMap::new();
        md.insert("dir-name", "dockerfile".parse().unwrap());
        md.append("followpaths", "Dockerfile".parse().unwrap());
        md.append("followpaths", "Dockerfile.dockerignore".parse().unwrap());
        md.append("exclude-patterns", "*.log".parse().unwrap());
        assert_eq!(
            SyncOptions::from_metadata(&md),
            SyncOptions {
                dir_name: "dockerfile".into(),
                include: vec![],
                exclude: vec!["*.log".into()],
                follow: vec!["Dockerfile".into(), "Dockerfile.dockerignore".into()],
            }
        );
    }

    #[test]
    fn encoded_values_are_query_unescaped() {
        let mut md = MetadataMap::new();
        md.insert("include-patterns", "caf%C3%A9+bar/%zz".parse().unwrap());
        md.insert("include-patterns-encoded", "1".parse().unwrap());
        assert_eq!(
            SyncOptions::from_metadata(&md).include,
            vec!["café bar/%zz".to_string()]
        );
    }
}
