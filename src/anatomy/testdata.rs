//! `docker save` tarballs built entry by entry, for tests here and the fake engine.

use std::io::Read;

/// An entry of a layer tar: a directory (`dir/`), a file of `n` bytes, a symlink (`-> target`),
/// or a whiteout (`.wh.` names, as they are).
pub(crate) enum E<'a> {
    D(&'a str),
    F(&'a str, u64),
    L(&'a str, &'a str),
    /// A file of `n` bytes from a PRNG seeded with the last number: incompressible.
    R(&'a str, u64, u64),
    /// A file of `n` zero bytes.
    Z(&'a str, u64),
}

pub(crate) fn layer_tar(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        match e {
            E::D(path) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                h.set_mode(0o755);
                h.set_cksum();
                b.append_data(&mut h, path, std::io::empty()).unwrap();
            }
            E::F(path, n) => {
                h.set_size(*n);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, path, std::io::repeat(b'x').take(*n))
                    .unwrap();
            }
            E::R(path, n, seed) => {
                h.set_size(*n);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, path, XorShift(*seed | 1).take(*n))
                    .unwrap();
            }
            E::Z(path, n) => {
                h.set_size(*n);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, path, std::io::repeat(0).take(*n))
                    .unwrap();
            }
            E::L(path, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                b.append_link(&mut h, path, target).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

/// xorshift64: random-looking bytes, the same for a seed.
struct XorShift(u64);

impl Read for XorShift {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            chunk.copy_from_slice(&self.0.to_le_bytes()[..chunk.len()]);
        }
        Ok(buf.len())
    }
}

/// How an engine lays out `docker save`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Docker's own, up to 24: `<id>/layer.tar`, `<config>.json`, `manifest.json`.
    Legacy,
    /// The OCI image layout of Docker 25 on: layer blobs as `blobs` says, listed in
    /// `manifest.json` and `index.json` or (`index_only`) in `index.json` alone, through the
    /// image's own index beside an attestation as the containerd store keeps it.
    Oci { blobs: Blobs, index_only: bool },
}

/// The layer blobs of an OCI layout: tars (graph drivers) or compressed (containerd store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blobs {
    Tar,
    Gzip,
    Zstd,
}

/// Every layout analyse reads.
pub(crate) const LAYOUTS: [Layout; 7] = [
    Layout::Legacy,
    Layout::Oci {
        blobs: Blobs::Tar,
        index_only: false,
    },
    Layout::Oci {
        blobs: Blobs::Gzip,
        index_only: false,
    },
    Layout::Oci {
        blobs: Blobs::Zstd,
        index_only: false,
    },
    Layout::Oci {
        blobs: Blobs::Tar,
        index_only: true,
    },
    Layout::Oci {
        blobs: Blobs::Gzip,
        index_only: true,
    },
    Layout::Oci {
        blobs: Blobs::Zstd,
        index_only: true,
    },
];

/// An entry of a save tarball: a file's bytes or a symlink's target.
#[derive(Debug, Clone)]
pub(crate) enum Blob {
    Data(Vec<u8>),
    Link(String),
}

/// A save tarball's entries, in order, and what a registry would store for its image where
/// the blobs are the engine's (the distinct layer blobs, the config and the manifest).
pub(crate) struct Save {
    pub entries: Vec<(String, Blob)>,
    pub stored_bytes: u64,
    /// Where each layer is, as the listing names it.
    pub layer_paths: Vec<String>,
}

/// A `docker save` tarball of these layers (oldest first, with their steps), in Docker's own
/// layout and order: the config, the layer folders by id, then `manifest.json` last.
pub(crate) fn save_tar(layers: &[(&str, Vec<u8>)]) -> Vec<u8> {
    save_tar_as(Layout::Legacy, layers)
}

pub(crate) fn save_tar_as(layout: Layout, layers: &[(&str, Vec<u8>)]) -> Vec<u8> {
    tar_of(&save(layout, layers).entries)
}

pub(crate) fn save(layout: Layout, layers: &[(&str, Vec<u8>)]) -> Save {
    match layout {
        Layout::Legacy => legacy(layers),
        Layout::Oci { blobs, index_only } => oci(blobs, index_only, layers),
    }
}

pub(crate) fn tar_of(entries: &[(String, Blob)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, blob) in entries {
        let mut h = tar::Header::new_gnu();
        match blob {
            Blob::Data(data) => {
                h.set_size(data.len() as u64);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, path, data.as_slice()).unwrap();
            }
            Blob::Link(target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                b.append_link(&mut h, path, target).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn sha256(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The image config: a history with an empty-layer step before each layer's, and the layers'
/// diff IDs.
fn config(layers: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let history: Vec<serde_json::Value> = layers
        .iter()
        .flat_map(|(step, _)| {
            [
                serde_json::json!({"created_by": "ENV X=1", "empty_layer": true}),
                serde_json::json!({"created_by": step}),
            ]
        })
        .collect();
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|(_, tar)| format!("sha256:{}", sha256(tar)))
        .collect();
    serde_json::json!({"history": history, "rootfs": {"type": "layers", "diff_ids": diff_ids}})
        .to_string()
        .into_bytes()
}

fn legacy(layers: &[(&str, Vec<u8>)]) -> Save {
    let ids: Vec<String> = (0..layers.len())
        .map(|i| format!("{:064x}", 1000 - i))
        .collect();
    let layer_paths: Vec<String> = ids.iter().map(|id| format!("{id}/layer.tar")).collect();
    let manifest = serde_json::json!([{
        "Config": "cafe.json",
        "RepoTags": ["dockbench/t:1"],
        "Layers": layer_paths,
    }])
    .to_string();
    let mut entries = vec![("cafe.json".to_string(), Blob::Data(config(layers)))];
    let mut sorted: Vec<(usize, &String)> = ids.iter().enumerate().collect();
    sorted.sort_by(|a, b| a.1.cmp(b.1));
    // Docker writes a layer it already wrote as a symlink to the first copy.
    let mut written: Vec<(&[u8], &String)> = Vec::new();
    for (i, id) in sorted {
        entries.push((format!("{id}/VERSION"), Blob::Data(b"1.0".to_vec())));
        let tar = layers[i].1.as_slice();
        let blob = match written.iter().find(|(t, _)| *t == tar) {
            Some((_, first)) => Blob::Link(format!("../{first}/layer.tar")),
            None => Blob::Data(tar.to_vec()),
        };
        written.push((tar, id));
        entries.push((format!("{id}/layer.tar"), blob));
    }
    entries.push(("manifest.json".into(), Blob::Data(manifest.into_bytes())));
    Save {
        entries,
        stored_bytes: 0,
        layer_paths,
    }
}

fn compress(blobs: Blobs, tar: &[u8]) -> Vec<u8> {
    match blobs {
        Blobs::Tar => tar.to_vec(),
        Blobs::Gzip => {
            use std::io::Write;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(tar).unwrap();
            gz.finish().unwrap()
        }
        Blobs::Zstd => {
            ruzstd::encoding::compress_to_vec(tar, ruzstd::encoding::CompressionLevel::Fastest)
        }
    }
}

fn descriptor(media_type: &str, data: &[u8]) -> serde_json::Value {
    serde_json::json!({
        "mediaType": media_type,
        "digest": format!("sha256:{}", sha256(data)),
        "size": data.len(),
    })
}

/// An OCI layout in Docker 25's order: the blobs by digest (layers, config and manifests
/// mixed), then `index.json`, `manifest.json`, `oci-layout`.
fn oci(blobs: Blobs, index_only: bool, layers: &[(&str, Vec<u8>)]) -> Save {
    let media_type = match blobs {
        Blobs::Tar => "application/vnd.oci.image.layer.v1.tar",
        Blobs::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        Blobs::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
    };
    let layer_blobs: Vec<Vec<u8>> = layers.iter().map(|(_, t)| compress(blobs, t)).collect();
    let config = config(layers);
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
        "layers": layer_blobs.iter().map(|b| descriptor(media_type, b)).collect::<Vec<_>>(),
    })
    .to_string()
    .into_bytes();
    let mut by_digest: std::collections::BTreeMap<String, Vec<u8>> = layer_blobs
        .iter()
        .chain([&config, &manifest])
        .map(|b| (sha256(b), b.clone()))
        .collect();
    let stored_bytes = by_digest.values().map(|b| b.len() as u64).sum();
    let manifest_type = "application/vnd.oci.image.manifest.v1+json";
    let mut top = descriptor(manifest_type, &manifest);
    if index_only {
        let attestation = br#"{"schemaVersion":2,"layers":[]}"#.to_vec();
        let mut attestation_desc = descriptor(manifest_type, &attestation);
        attestation_desc["platform"] =
            serde_json::json!({"os": "unknown", "architecture": "unknown"});
        let image_index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [attestation_desc, top],
        })
        .to_string()
        .into_bytes();
        top = descriptor("application/vnd.oci.image.index.v1+json", &image_index);
        by_digest.insert(sha256(&attestation), attestation);
        by_digest.insert(sha256(&image_index), image_index);
    }
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [top]}).to_string();
    let mut entries: Vec<(String, Blob)> = by_digest
        .into_iter()
        .map(|(hex, b)| (format!("blobs/sha256/{hex}"), Blob::Data(b)))
        .collect();
    entries.push(("index.json".into(), Blob::Data(index.into_bytes())));
    let blob = |data: &[u8]| format!("blobs/sha256/{}", sha256(data));
    let layer_paths: Vec<String> = layer_blobs.iter().map(|b| blob(b)).collect();
    if !index_only {
        let listing = serde_json::json!([{
            "Config": blob(&config),
            "RepoTags": ["dockbench/t:1"],
            "Layers": layer_paths,
        }]);
        entries.push((
            "manifest.json".into(),
            Blob::Data(listing.to_string().into_bytes()),
        ));
    }
    let layout = br#"{"imageLayoutVersion": "1.0.0"}"#.to_vec();
    entries.push(("oci-layout".into(), Blob::Data(layout)));
    Save {
        entries,
        stored_bytes,
        layer_paths,
    }
}

pub(crate) fn base() -> Vec<u8> {
    layer_tar(&[
        E::D("bin/"),
        E::F("bin/busybox", 1000),
        E::L("bin/sh", "busybox"),
        E::D("etc/"),
        E::F("etc/passwd", 100),
    ])
}

/// The fake engine's image: busybox-like base, then a 4096-byte file written and deleted:
/// wasted 4096 bytes, 3 files.
pub(crate) fn small_image() -> Vec<u8> {
    save_tar(&[
        ("base", base()),
        (
            "RUN write",
            layer_tar(&[E::D("tmp/"), E::F("tmp/big", 4096)]),
        ),
        ("RUN rm", layer_tar(&[E::D("tmp/"), E::F("tmp/.wh.big", 0)])),
    ])
}
