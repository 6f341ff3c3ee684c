//! BuildKit builds whose context goes through a BuildKit session, as the docker CLI and buildx
//! send it, instead of as the request's tar body.
//!
//! Why: with the containerd image store, a BuildKit build whose context is uploaded as a tar can
//! fail ("failed to read downloaded context: … no such host", moby/moby#47717; measured on
//! 26.1.5, not on 28.5.2). The session works on 20.10, 26 and 28 (docs/engines.md, "BuildKit
//! through a session").
//!
//! How: `POST /session` upgraded to h2c, over which we serve gRPC to the engine's builder
//! (`services.rs`); then `POST /build?remote=client-session&session=<id>` with an empty body.
//! The Dockerfile frontend pulls the local dirs `dockerfile` and `context` through FileSync's
//! DiffCopy (`diffcopy.rs`), from the context tar dockbench already made (`tree.rs`).

mod diffcopy;
mod http;
mod services;
mod tree;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use anyhow::Context;
use bollard::health::health_server::HealthServer;
use bollard::moby::filesync::packet::file_sync_server::FileSyncServer;
use bollard::moby::filesync::v1::auth_server::AuthServer;
use bollard::models::BuildInfo;
use bollard::query_parameters::BuildImageOptions;
use futures_util::stream::{BoxStream, StreamExt};
use hyper_util::rt::TokioIo;
use sha2::Digest;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::endpoint::Endpoint;
pub use http::{get_json, supports, StreamError};
use services::{ContextSync, Healthy, NoCredentials, METHODS};
use tree::ContextTree;

/// Starts a BuildKit build whose context (`context_tar`, with the Dockerfile at `dockerfile`)
/// the engine fetches through a session of ours. `options` are the build's query parameters as
/// for a tar upload; the session's are set here. The session lives as long as the stream.
pub async fn build(
    endpoint: &Endpoint,
    mut options: BuildImageOptions,
    context_tar: Vec<u8>,
    dockerfile: &str,
) -> anyhow::Result<BoxStream<'static, Result<BuildInfo, StreamError>>> {
    let tree = Arc::new(ContextTree::from_tar(context_tar)?);
    // As the docker CLI: the `dockerfile` dir is the Dockerfile's folder, and the build names
    // the file within it.
    let (dockerfile_dir, dockerfile_name) = match dockerfile.rsplit_once('/') {
        Some((dir, name)) => (dir.to_string(), name.to_string()),
        None => (String::new(), dockerfile.to_string()),
    };
    let id = format!("dockbench-{}", uuid::Uuid::new_v4().simple());
    let shared_key = shared_key(options.t.as_deref().unwrap_or(&id));
    let headers = http::SessionHeaders {
        id: &id,
        name: "dockbench",
        shared_key: &shared_key,
        methods: METHODS,
    };
    let io = http::open_session(endpoint, &headers).await?;
    let session = Session(serve(io, tree, dockerfile_dir));
    options.dockerfile = dockerfile_name;
    options.remote = Some("client-session".to_string());
    options.session = Some(id);
    let query = serde_urlencoded::to_string(&options).context("build query")?;
    let stream = http::build(endpoint, &query).await?;
    Ok(stream
        .map(move |item| {
            let _keep_serving = &session;
            item
        })
        .boxed())
}

/// BuildKit keeps the files it got from a session, per dir, under the session's shared key,
/// and then fetches only what changed. The tag is one per variant and run (one private copy of
/// the context), so a variant's later builds send only their edits, as `docker build` does in
/// a working copy; the docker CLI derives the key from the context folder's path.
fn shared_key(tag: &str) -> String {
    let digest = sha2::Sha256::digest(format!("dockbench context {tag}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The gRPC server of one session; dropping it ends the session.
struct Session(tokio::task::JoinHandle<()>);

impl Drop for Session {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn serve(
    io: TokioIo<hyper::upgrade::Upgraded>,
    tree: Arc<ContextTree>,
    dockerfile_dir: String,
) -> tokio::task::JoinHandle<()> {
    let router = tonic::transport::Server::builder()
        .add_service(FileSyncServer::new(ContextSync {
            tree,
            dockerfile_dir,
        }))
        .add_service(AuthServer::new(NoCredentials))
        .add_service(HealthServer::new(Healthy));
    tokio::spawn(async move {
        let incoming = futures_util::stream::iter([Ok::<_, std::io::Error>(SessionIo(io))]);
        // It ends when the engine closes the session or the build's stream is dropped; a
        // failure shows as the build's own error, which says more.
        let _ = router.serve_with_incoming(incoming).await;
    })
}

/// The upgraded connection, as tonic's server takes one.
struct SessionIo(TokioIo<hyper::upgrade::Upgraded>);

impl tonic::transport::server::Connected for SessionIo {
    type ConnectInfo = ();
    fn connect_info(&self) {}
}

impl AsyncRead for SessionIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for SessionIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_key_is_stable_per_tag() {
        assert_eq!(shared_key("a:1"), shared_key("a:1"));
        assert_ne!(shared_key("a:1"), shared_key("a:2"));
        assert_eq!(shared_key("a:1").len(), 32);
    }
}
