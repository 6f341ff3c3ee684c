//! What a registry stores for one pushed image, read back from the registry itself (the
//! distribution API, `GET /v2/<name>/manifests/<reference>`): the manifest, the config blob and
//! each layer blob, as the registry keeps and serves them. This is the image a new node pulls:
//! compressed layers, not the unpacked size the engine reports.
//!
//! Plain HTTP, for the registry dockbench starts on the loopback (`scripts/registry.sh`); a
//! manifest list (an index of platforms) is followed to the one image of `platform`.

use anyhow::{anyhow, bail, Context};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use serde::Deserialize;

/// Every manifest type a registry may answer with, so that it does not convert.
const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json, \
    application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json";

/// The bytes a registry stores for one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// The manifest as served (its own bytes count: a pull fetches it).
    pub manifest_bytes: u64,
    pub config_bytes: u64,
    /// Each layer blob, compressed, in the manifest's order.
    pub layer_bytes: Vec<u64>,
}

impl StoredImage {
    /// Manifest, config and layers: what a pull of this image into an empty engine fetches.
    pub fn total_bytes(&self) -> u64 {
        self.manifest_bytes + self.config_bytes + self.layer_bytes.iter().sum::<u64>()
    }
}

#[derive(Deserialize)]
struct Descriptor {
    size: u64,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(Deserialize)]
struct Platform {
    architecture: String,
    os: String,
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

/// Reads a served manifest: an image manifest's sizes, or, for an index, the digest of the
/// image for `os`/`architecture` to fetch next.
enum Read {
    Image(StoredImage),
    Index { digest: String, bytes: u64 },
}

fn read_manifest(body: &[u8], os: &str, architecture: &str) -> anyhow::Result<Read> {
    let manifest: Manifest =
        serde_json::from_slice(body).context("the registry's manifest is not JSON")?;
    let is_index = manifest.media_type.contains("index") || manifest.media_type.contains("list");
    if is_index || (!manifest.manifests.is_empty() && manifest.config.is_none()) {
        let chosen = manifest
            .manifests
            .iter()
            .find(|m| {
                m.platform
                    .as_ref()
                    .is_some_and(|p| p.os == os && p.architecture == architecture)
            })
            .ok_or_else(|| anyhow!("the index has no {os}/{architecture} image"))?;
        return Ok(Read::Index {
            digest: chosen.digest.clone(),
            bytes: body.len() as u64,
        });
    }
    let config = manifest
        .config
        .ok_or_else(|| anyhow!("the manifest names no config"))?;
    Ok(Read::Image(StoredImage {
        manifest_bytes: body.len() as u64,
        config_bytes: config.size,
        layer_bytes: manifest.layers.iter().map(|l| l.size).collect(),
    }))
}

/// The image `repository:reference` as `registry` (`127.0.0.1:5000`) stores it, for
/// `os`/`architecture` when the reference is an index. An index's own bytes count too: a pull
/// fetches it first.
pub async fn stored_image(
    registry: &str,
    repository: &str,
    reference: &str,
    os: &str,
    architecture: &str,
) -> anyhow::Result<StoredImage> {
    let body = get_manifest(registry, repository, reference).await?;
    match read_manifest(&body, os, architecture)? {
        Read::Image(image) => Ok(image),
        Read::Index { digest, bytes } => {
            let body = get_manifest(registry, repository, &digest).await?;
            match read_manifest(&body, os, architecture)? {
                Read::Image(mut image) => {
                    image.manifest_bytes += bytes;
                    Ok(image)
                }
                Read::Index { .. } => bail!("{repository}@{digest} is an index inside an index"),
            }
        }
    }
}

async fn get_manifest(registry: &str, repository: &str, reference: &str) -> anyhow::Result<Bytes> {
    use hyper_util::client::legacy::Client;
    let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let url = format!("http://{registry}/v2/{repository}/manifests/{reference}");
    let request = hyper::Request::get(&url)
        .header(hyper::header::ACCEPT, ACCEPT)
        .body(Empty::new())
        .context("building the manifest request")?;
    let response = client
        .request(request)
        .await
        .with_context(|| format!("asking {registry} for {repository}:{reference}"))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .with_context(|| format!("reading {url}"))?
        .to_bytes();
    if !status.is_success() {
        bail!(
            "{registry} answered {status} for {repository}:{reference}: {}",
            String::from_utf8_lossy(&body).trim()
        );
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Docker schema 2 manifest as registry 2.8 serves it (from a push of busybox by Docker
    /// 20.10): 528 bytes, config 1,456, one layer of 2,591,575.
    const DOCKER_V2: &str = r#"{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "size": 1456,
      "digest": "sha256:aaaa"
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 2591575,
         "digest": "sha256:bbbb"
      }
   ]
}"#;

    #[test]
    fn an_image_manifest_counts_itself_its_config_and_its_layers() {
        let Read::Image(image) = read_manifest(DOCKER_V2.as_bytes(), "linux", "amd64").unwrap()
        else {
            panic!("an image manifest")
        };
        assert_eq!(image.config_bytes, 1456);
        assert_eq!(image.layer_bytes, [2_591_575]);
        assert_eq!(image.manifest_bytes, DOCKER_V2.len() as u64);
        assert_eq!(
            image.total_bytes(),
            DOCKER_V2.len() as u64 + 1456 + 2_591_575
        );
    }

    #[test]
    fn an_index_leads_to_the_platforms_image() {
        let index = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
            "manifests":[
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":500,
               "digest":"sha256:arm","platform":{"architecture":"arm64","os":"linux"}},
              {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":501,
               "digest":"sha256:amd","platform":{"architecture":"amd64","os":"linux"}}]}"#;
        match read_manifest(index.as_bytes(), "linux", "amd64").unwrap() {
            Read::Index { digest, bytes } => {
                assert_eq!(digest, "sha256:amd");
                assert_eq!(bytes, index.len() as u64);
            }
            Read::Image(_) => panic!("an index"),
        }
        assert!(read_manifest(index.as_bytes(), "linux", "s390x").is_err());
        assert!(read_manifest(b"not json", "linux", "amd64").is_err());
    }
}
