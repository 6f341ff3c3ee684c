//! What a registry stores for an image, and a pull moves: its compressed layers, its config and
//! its manifest. Where the engine saved its layers uncompressed, dockbench computes what
//! `docker push` would upload: each layer gzipped at the default level, and a Docker v2 manifest.

use std::io::{self, Read, Write};

use flate2::write::GzEncoder;
use flate2::Compression;
use serde::Serialize;

/// A `Read` that gzips everything read through it into a byte counter: the layer streams past
/// once, for its files and its compressed size, and no compressed byte is kept.
pub struct Gzipped<R> {
    inner: R,
    gzip: GzEncoder<Counter>,
}

impl<R: Read> Gzipped<R> {
    pub fn new(inner: R) -> Gzipped<R> {
        Gzipped {
            inner,
            // `docker push` gzips at Go's default level (6), as flate2's default does. The two
            // deflate implementations are not byte-identical: sizes agree to a fraction of a
            // percent, not exactly.
            gzip: GzEncoder::new(Counter(0), Compression::default()),
        }
    }

    /// Gzips what is left of the layer (a tar parser stops before the end padding, which
    /// `docker push` compresses too) and returns the gzip's size in bytes.
    pub fn finish(mut self) -> io::Result<u64> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(self.gzip.finish()?.0)
    }
}

impl<R: Read> Read for Gzipped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.gzip.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// Counts the bytes written to it, and drops them.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    schema_version: u32,
    media_type: &'static str,
    config: Descriptor,
    layers: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    media_type: &'static str,
    size: u64,
    digest: String,
}

/// The size in bytes of the Docker v2 (schema 2) manifest `docker push` uploads for a config
/// of `config_bytes` and layers of these compressed sizes, in the manifest's order.
///
/// The digests are placeholders: a real one is the sha256 of the gzip, which would cost a
/// hash of every compressed byte, and every digest is `sha256:` and 64 hex digits (71
/// characters) whatever it hashes, so the size comes out exactly the same.
pub fn manifest_bytes(config_bytes: u64, layer_bytes: &[u64]) -> u64 {
    let digest = || format!("sha256:{}", "0".repeat(64));
    let manifest = Manifest {
        schema_version: 2,
        media_type: "application/vnd.docker.distribution.manifest.v2+json",
        config: Descriptor {
            media_type: "application/vnd.docker.container.image.v1+json",
            size: config_bytes,
            digest: digest(),
        },
        layers: layer_bytes
            .iter()
            .map(|&size| Descriptor {
                media_type: "application/vnd.docker.image.rootfs.diff.tar.gzip",
                size,
                digest: digest(),
            })
            .collect(),
    };
    // As Docker's registry client writes it: Go's `json.MarshalIndent(m, "", "   ")`.
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"   ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    manifest
        .serialize(&mut serializer)
        .expect("a manifest serialises");
    out.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Docker Hub's manifest lists give 528 bytes for the schema 2 manifest of a one-layer
    /// image (alpine, busybox), 527 where its layer is a digit shorter: every byte but the
    /// two sizes is fixed.
    #[test]
    fn the_manifest_is_as_long_as_dockers() {
        assert_eq!(manifest_bytes(1_472, &[2_803_255]), 528);
        assert_eq!(manifest_bytes(1_472, &[803_255]), 527);
    }

    #[test]
    fn gzip_of_what_streams_past_is_counted_not_kept() {
        let data = vec![b'a'; 1 << 20];
        let mut g = Gzipped::new(data.as_slice());
        let mut first = [0u8; 100];
        g.read_exact(&mut first).unwrap();
        let bytes = g.finish().unwrap();
        let mut whole = GzEncoder::new(Vec::new(), Compression::default());
        whole.write_all(&data).unwrap();
        assert_eq!(bytes, whole.finish().unwrap().len() as u64);
        assert!(bytes < 10_000, "{bytes}");
    }
}
