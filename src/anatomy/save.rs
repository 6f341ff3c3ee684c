//! Reading a `docker save` tarball in whichever layout the engine wrote, as it streams:
//! - Docker's own: `<id>/layer.tar`, `<config>.json`, `manifest.json`;
//! - the OCI image layout of Docker 25 on: `oci-layout`, `index.json`, `blobs/sha256/<hex>`,
//!   with a `manifest.json` naming blobs, or (other engines) `index.json` alone;
//! - its layer blobs plain tars (graph drivers such as overlay2) or compressed, gzip or zstd,
//!   exactly as the containerd image store keeps them.
//!
//! Entries come in any order (the config and manifest may follow the layers), so each layer is
//! parsed as it streams past, keyed by its path, and matched to the image at the end. What an
//! entry is comes from its first bytes, not its name; only small JSON files are kept whole.

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read};

use anyhow::{bail, Context};
use serde::Deserialize;

use super::registry::{self, Gzipped};
use super::zstd::ZstdFrames;
use super::{CompressedSource, LayerFiles};

/// A JSON file larger than this is no config, manifest or index: not kept.
const JSON_MAX_BYTES: u64 = 16 << 20;

/// The image's layers, oldest first with the steps that made them, and what a registry stores.
pub(super) struct SavedImage {
    pub layers: Vec<(String, LayerFiles)>,
    pub compressed_bytes: u64,
    pub compressed_source: CompressedSource,
}

pub(super) fn read(reader: impl Read) -> anyhow::Result<SavedImage> {
    let mut entries = Entries::read(reader)?;
    let refs = entries.refs()?;
    let config_text = entries
        .json
        .get(&refs.config)
        .with_context(|| format!("the image tarball has no {}", refs.config))?;
    let config: Config = serde_json::from_slice(config_text).context("parsing the image config")?;
    // Only the count can be checked: `diff_ids` are digests of the uncompressed tars, while the
    // blobs are named by the digests of what they hold, compressed or not.
    if let Some(rootfs) = &config.rootfs {
        if rootfs.diff_ids.len() != refs.layers.len() {
            bail!(
                "the image config lists {} layers (rootfs.diff_ids), its manifest {}",
                rootfs.diff_ids.len(),
                refs.layers.len()
            );
        }
    }
    let config_bytes = config_text.len() as u64;
    let paths: Vec<String> = refs.layers.iter().map(|p| entries.resolve(p)).collect();
    for (path, named) in paths.iter().zip(&refs.layers) {
        if !entries.layers.contains_key(path) {
            bail!("the image tarball has no {named}");
        }
    }
    let (compressed_bytes, compressed_source) = entries.compressed(&refs, &paths, config_bytes);
    // Steps that made no layer (ENV, CMD...) are in the history with `empty_layer`: the others
    // are the layers, in order.
    let mut steps = config
        .history
        .into_iter()
        .filter(|h| !h.empty_layer)
        .map(|h| h.created_by);
    let mut layers = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        // A layer listed twice (two steps that made the same tar) is one blob.
        let files = if paths[i + 1..].contains(path) {
            entries.layers[path].files.clone()
        } else {
            entries.layers.remove(path).expect("checked above").files
        };
        layers.push((steps.next().unwrap_or_default(), files));
    }
    Ok(SavedImage {
        layers,
        compressed_bytes,
        compressed_source,
    })
}

/// A layer blob, read.
struct Layer {
    files: LayerFiles,
    /// The blob's own size when the engine saved it compressed, else its gzip's.
    compressed_bytes: u64,
    /// Whether `compressed_bytes` is the engine's blob (true) or dockbench's gzip.
    as_stored: bool,
}

/// Where the image's parts lie in the tarball.
struct ImageRefs {
    config: String,
    layers: Vec<String>,
    /// The image manifest's blob, where the save holds one (OCI layouts).
    manifest: Option<String>,
}

#[derive(Default)]
struct Entries {
    layers: HashMap<String, Layer>,
    /// Small JSON files (configs, manifests, indexes) by path.
    json: HashMap<String, Vec<u8>>,
    /// Links, path -> target: Docker's own layout links a layer it already wrote.
    links: HashMap<String, String>,
}

impl Entries {
    fn read(reader: impl Read) -> anyhow::Result<Entries> {
        let mut archive = tar::Archive::new(reader);
        let mut out = Entries::default();
        for entry in archive.entries().context("reading the image tarball")? {
            let entry = entry.context("reading the image tarball")?;
            let path = clean(&entry.path()?.to_string_lossy());
            out.add(&path, entry)
                .with_context(|| format!("reading {path}"))?;
        }
        Ok(out)
    }

    fn add<R: Read>(&mut self, path: &str, mut entry: tar::Entry<'_, R>) -> anyhow::Result<()> {
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            if let Some(target) = entry.link_name()? {
                let target = target.to_string_lossy();
                let target = match kind.is_symlink() {
                    true => beside(path, &target),
                    false => clean(&target),
                };
                self.links.insert(path.to_string(), target);
            }
            return Ok(());
        }
        if !kind.is_file() {
            return Ok(());
        }
        let size = entry.size();
        let mut head = Vec::with_capacity(512);
        (&mut entry).take(512).read_to_end(&mut head)?;
        match sniff(&head) {
            Sniffed::Layer(compression) => {
                let layer = read_layer(compression, head.as_slice().chain(entry), size)?;
                self.layers.insert(path.to_string(), layer);
            }
            Sniffed::Json if size <= JSON_MAX_BYTES => {
                let mut text = head;
                entry.read_to_end(&mut text)?;
                self.json.insert(path.to_string(), text);
            }
            Sniffed::Json | Sniffed::Other => {}
        }
        Ok(())
    }

    /// The path a layer's content is at, links followed.
    fn resolve(&self, path: &str) -> String {
        let mut path = clean(path);
        // A few hops at most; a loop of links ends as a missing layer.
        for _ in 0..8 {
            match self.links.get(&path) {
                Some(target) => path = target.clone(),
                None => break,
            }
        }
        path
    }

    fn refs(&self) -> anyhow::Result<ImageRefs> {
        if let Some(text) = self.json.get("manifest.json") {
            let images: Vec<ManifestEntry> =
                serde_json::from_slice(text).context("parsing manifest.json")?;
            let image = images
                .into_iter()
                .next()
                .context("manifest.json lists no image")?;
            return Ok(ImageRefs {
                manifest: self.manifest_of(&image.config),
                config: clean(&image.config),
                layers: image.layers,
            });
        }
        if self.json.contains_key("index.json") {
            return self.refs_from_index();
        }
        bail!("the image tarball has no manifest.json (nor index.json)")
    }

    /// The manifest blob whose config is `config` (`blobs/sha256/<hex>`), if the save has one.
    fn manifest_of(&self, config: &str) -> Option<String> {
        let (_, hex) = config.rsplit_once('/')?;
        let digest = format!("sha256:{hex}");
        self.json
            .iter()
            .filter(|(path, _)| path.starts_with("blobs/"))
            .find(|(_, text)| {
                serde_json::from_slice::<Node>(text)
                    .is_ok_and(|n| n.config.is_some_and(|c| c.digest == digest))
            })
            .map(|(path, _)| path.clone())
    }

    /// `index.json` -> (an index ->) the image manifest -> its config and layers.
    fn refs_from_index(&self) -> anyhow::Result<ImageRefs> {
        let mut path = "index.json".to_string();
        // The containerd store's save may point at the image's own index (its manifest beside
        // attestations): a few levels are plenty.
        for _ in 0..4 {
            let text = self
                .json
                .get(&path)
                .with_context(|| format!("the image tarball has no {path}"))?;
            let node: Node =
                serde_json::from_slice(text).with_context(|| format!("parsing {path}"))?;
            if let Some(config) = node.config {
                return Ok(ImageRefs {
                    config: blob_path(&config.digest),
                    layers: node.layers.iter().map(|l| blob_path(&l.digest)).collect(),
                    manifest: Some(path),
                });
            }
            let image = node
                .manifests
                .iter()
                .find(|m| !m.is_attestation())
                .with_context(|| format!("{path} lists no image manifest"))?;
            path = blob_path(&image.digest);
        }
        bail!("index.json nests indexes deeper than dockbench follows")
    }

    /// What a registry stores for the image (each distinct layer once, the config, the
    /// manifest), and whether those are the engine's bytes or dockbench's gzip.
    fn compressed(
        &self,
        refs: &ImageRefs,
        paths: &[String],
        config_bytes: u64,
    ) -> (u64, CompressedSource) {
        let listed: Vec<&Layer> = paths.iter().map(|p| &self.layers[p]).collect();
        let mut distinct = HashSet::new();
        let layer_bytes: u64 = paths
            .iter()
            .zip(&listed)
            .filter(|(path, _)| distinct.insert(*path))
            .map(|(_, layer)| layer.compressed_bytes)
            .sum();
        let as_stored = listed.iter().all(|l| l.as_stored);
        let stored_manifest = refs.manifest.as_ref().and_then(|m| self.json.get(m));
        let manifest_bytes = match stored_manifest {
            Some(text) if as_stored => text.len() as u64,
            // Uncompressed layers' manifest names the uncompressed blobs: `docker push` would
            // write another.
            _ => {
                let sizes: Vec<u64> = listed.iter().map(|l| l.compressed_bytes).collect();
                registry::manifest_bytes(config_bytes, &sizes)
            }
        };
        let source = match as_stored {
            true => CompressedSource::Engine,
            false => CompressedSource::Dockbench,
        };
        (layer_bytes + config_bytes + manifest_bytes, source)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Zstd,
}

enum Sniffed {
    Layer(Compression),
    Json,
    Other,
}

/// What an entry is, from its first (up to) 512 bytes.
fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(&[0x1f, 0x8b]) {
        Sniffed::Layer(Compression::Gzip)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Sniffed::Layer(Compression::Zstd)
    } else if head.len() == 512 && (&head[257..262] == b"ustar" || head.iter().all(|&b| b == 0)) {
        // A tar header (ustar, GNU and PAX all carry `ustar`), or the end-of-archive zeros
        // of an empty layer.
        Sniffed::Layer(Compression::None)
    } else if matches!(head.trim_ascii_start().first(), Some(b'{' | b'[')) {
        Sniffed::Json
    } else {
        Sniffed::Other
    }
}

/// Reads a layer blob of `blob_bytes` as it streams: the decompressed tar, or the tar itself
/// while gzipping it into a counter. Never more than a block of it is in memory.
fn read_layer(compression: Compression, blob: impl Read, blob_bytes: u64) -> anyhow::Result<Layer> {
    let stored = |files| Layer {
        files,
        compressed_bytes: blob_bytes,
        as_stored: true,
    };
    Ok(match compression {
        Compression::Gzip => stored(LayerFiles::read(flate2::read::MultiGzDecoder::new(blob))?),
        Compression::Zstd => stored(LayerFiles::read(ZstdFrames::new(BufReader::new(blob)))?),
        Compression::None => {
            let mut gzipped = Gzipped::new(blob);
            let files = LayerFiles::read(&mut gzipped)?;
            Layer {
                files,
                compressed_bytes: gzipped.finish()?,
                as_stored: false,
            }
        }
    })
}

/// `./a//b/` -> `a/b`.
fn clean(path: &str) -> String {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// The target of a symlink at `link`: `../a/layer.tar` beside `b/layer.tar` is `a/layer.tar`.
fn beside(link: &str, target: &str) -> String {
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop();
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    clean(&parts.join("/"))
}

/// `sha256:<hex>` -> `blobs/sha256/<hex>`.
fn blob_path(digest: &str) -> String {
    format!("blobs/{}", digest.replacen(':', "/", 1))
}

#[derive(Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

#[derive(Deserialize)]
struct Config {
    #[serde(default)]
    history: Vec<History>,
    rootfs: Option<RootFs>,
}

#[derive(Deserialize)]
struct RootFs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

#[derive(Deserialize)]
struct History {
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    empty_layer: bool,
}

/// An OCI index (`manifests`) or image manifest (`config`, `layers`).
#[derive(Deserialize)]
struct Node {
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct Descriptor {
    digest: String,
    platform: Option<Platform>,
}

#[derive(Deserialize)]
struct Platform {
    #[serde(default)]
    os: String,
}

impl Descriptor {
    /// BuildKit's provenance and SBOM manifests sit in the image's index as `unknown/unknown`.
    fn is_attestation(&self) -> bool {
        self.platform.as_ref().is_some_and(|p| p.os == "unknown")
    }
}
