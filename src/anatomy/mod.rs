//! Image anatomy: why an image is the size it is, read from the `docker save` tarball as it
//! streams (`analyse` takes any `Read`; nothing is held but file names and sizes).
//!
//! Per layer: the bytes and files it adds, modifies and removes (whiteouts). For the image:
//! - `wasted_bytes`: every copy of a file that a later layer overwrites or deletes, counted once,
//!   in the layer that wrote it. A file written (10 MiB) and deleted later wastes 10 MiB.
//! - `efficiency`: dive's score, Σ over paths of the smallest size the path had in any layer,
//!   over Σ of all its sizes (a whiteout of a file counts 0, of a directory what it hid), so
//!   that dive's `lowestEfficiency` rule carries over. dive's "potential wasted space" sums the
//!   cumulative size of every path seen in two layers or more: the surviving copy and the
//!   deleted ones alike, so it reads higher than `wasted_bytes` whenever a file is overwritten.
//! - `files`: the files (everything but directories) of the final image.

pub mod diff;
mod layers;
mod registry;
mod save;
mod zstd;

// The fake engine's image (driver/fake.rs) is built from it, with the `fake-engine` feature too;
// outside unit tests that image is all of it that is used.
#[cfg(any(test, feature = "fake-engine"))]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod testdata;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use serde::{Deserialize, Serialize};

pub use layers::{LayerEntry, LayerFiles};

/// How many of the largest files and directories the results keep.
pub const TOP: usize = 20;
/// Directories kept for "what changed" and the size-by-path chart: this deep at most...
pub const DIR_DEPTH: usize = 6;
/// ...and at least this large.
pub const DIR_MIN_BYTES: u64 = 100_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Anatomy {
    /// Oldest first, as the Dockerfile's steps run.
    pub layers: Vec<LayerAnatomy>,
    pub wasted_bytes: u64,
    pub efficiency: f64,
    pub files: u64,
    /// The sum of the layers' sizes as the engine counts them: regular files' bytes, and
    /// symlinks' target lengths where the engine counts those (`engine_counts_symlinks`).
    pub size_bytes: u64,
    /// The largest files of the final image, largest first.
    pub largest_files: Vec<PathBytes>,
    /// The largest directories by the bytes shipped below each (every copy in every layer,
    /// wasted ones included), largest first; `/`, and a directory whose bytes all lie in one
    /// subdirectory, left out.
    pub largest_dirs: Vec<PathBytes>,
    /// Every copy of a file that a later layer overwrote or deleted, largest first.
    pub wasted: Vec<WastedFile>,
    /// Bytes shipped below each directory, down to `DIR_DEPTH` levels, those of at least
    /// `DIR_MIN_BYTES`: for "what changed" between images and the size-by-path chart.
    pub dirs: BTreeMap<String, u64>,
    /// What a registry stores for the image and a pull moves: its compressed layers (each
    /// distinct one once), its config and its manifest.
    #[serde(default)]
    pub compressed_bytes: u64,
    /// Whose compression `compressed_bytes` counts.
    #[serde(default)]
    pub compressed_source: CompressedSource,
}

/// Where `Anatomy::compressed_bytes` comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompressedSource {
    /// Results from before dockbench measured it.
    #[default]
    NotMeasured,
    /// The engine saved the compressed blobs it keeps (the containerd image store): their
    /// exact sizes, and the manifest's.
    Engine,
    /// The engine saved uncompressed layers (graph drivers): dockbench gzipped each at the
    /// default level, as `docker push` would, and sized the manifest push would write.
    Dockbench,
}

impl CompressedSource {
    /// For reports: "as stored by the engine".
    pub fn describe(self) -> &'static str {
        match self {
            CompressedSource::NotMeasured => "not measured",
            CompressedSource::Engine => "as stored by the engine",
            CompressedSource::Dockbench => "gzip computed by dockbench",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerAnatomy {
    /// The step that made it, from the image's history.
    pub created_by: String,
    pub size_bytes: u64,
    pub added_files: u64,
    pub added_bytes: u64,
    pub modified_files: u64,
    pub modified_bytes: u64,
    pub removed_files: u64,
    pub removed_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathBytes {
    pub path: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WastedFile {
    pub path: String,
    pub bytes: u64,
    /// Index into `layers` of the layer that wrote this copy...
    pub written_in: usize,
    /// ...and of the one that overwrote or deleted it.
    pub removed_in: usize,
    /// Overwritten (true) or deleted (false).
    pub overwritten: bool,
}

/// Reads a `docker save` tarball, in any layout an engine writes (`save`), as it streams, and
/// computes the image's anatomy.
pub fn analyse(reader: impl Read) -> anyhow::Result<Anatomy> {
    let image = save::read(reader)?;
    Ok(Anatomy {
        compressed_bytes: image.compressed_bytes,
        compressed_source: image.compressed_source,
        ..anatomy_of(&image.layers)
    })
}

/// One path of the merged tree so far.
#[derive(Debug, Clone, Copy)]
struct Live {
    layer: usize,
    bytes: u64,
    dir: bool,
}

/// The anatomy of these layers (oldest first, each with the step that made it).
pub fn anatomy_of(layers: &[(String, LayerFiles)]) -> Anatomy {
    let mut live: BTreeMap<String, Live> = BTreeMap::new();
    let mut out = Anatomy::default();
    // dive's efficiency, per path: (cumulative size, smallest size).
    let mut seen: HashMap<String, (u64, u64)> = HashMap::new();
    for (index, (created_by, files)) in layers.iter().enumerate() {
        let mut layer = LayerAnatomy {
            created_by: created_by.clone(),
            size_bytes: files.regular_bytes()
                + if engine_counts_symlinks(created_by) {
                    files.symlink_bytes
                } else {
                    0
                },
            ..Default::default()
        };
        for leaf in files.leaves() {
            let size = match leaf {
                LayerEntry::Whiteout { path } => under(&live, path).map(|(_, l)| l.bytes).sum(),
                e => e.bytes(),
            };
            let slot = seen.entry(leaf.path().to_string()).or_insert((0, u64::MAX));
            slot.0 += size;
            slot.1 = slot.1.min(size);
        }
        // Deletions first: a layer's whiteouts hide what lower layers had.
        for entry in &files.entries {
            let gone: Vec<String> = match entry {
                LayerEntry::Whiteout { path } => std::iter::once(path.clone())
                    .filter(|p| live.contains_key(p))
                    .chain(under(&live, path).map(|(p, _)| p.clone()))
                    .collect(),
                LayerEntry::Opaque { dir } => under(&live, dir).map(|(p, _)| p.clone()).collect(),
                _ => continue,
            };
            for path in gone {
                let l = live.remove(&path).expect("listed from live");
                if !l.dir {
                    layer.removed_files += 1;
                    layer.removed_bytes += l.bytes;
                    out.wasted.push(wasted(path, l, index, false));
                }
            }
        }
        for entry in &files.entries {
            let (path, bytes, dir) = match entry {
                LayerEntry::Dir { path } => (path, 0, true),
                LayerEntry::File { path, bytes } => (path, *bytes, false),
                LayerEntry::Whiteout { .. } | LayerEntry::Opaque { .. } => continue,
            };
            let before = live.get(path).copied();
            if !dir {
                // A file over a directory hides what was below it.
                let hidden: Vec<String> = under(&live, path).map(|(p, _)| p.clone()).collect();
                for p in hidden {
                    let l = live.remove(&p).expect("listed from live");
                    if !l.dir {
                        out.wasted.push(wasted(p, l, index, true));
                    }
                }
                match before {
                    Some(b) if !b.dir => {
                        layer.modified_files += 1;
                        layer.modified_bytes += bytes;
                        out.wasted.push(wasted(path.clone(), b, index, true));
                    }
                    _ => {
                        layer.added_files += 1;
                        layer.added_bytes += bytes;
                    }
                }
            } else if let Some(b) = before.filter(|b| !b.dir) {
                out.wasted.push(wasted(path.clone(), b, index, true));
            }
            live.insert(
                path.clone(),
                Live {
                    layer: index,
                    bytes,
                    dir,
                },
            );
        }
        out.size_bytes += layer.size_bytes;
        out.layers.push(layer);
    }
    let (minimum, cumulative) = seen
        .values()
        .fold((0u64, 0u64), |(m, c), (cum, min)| (m + min, c + cum));
    out.efficiency = if cumulative == 0 {
        1.0
    } else {
        minimum as f64 / cumulative as f64
    };
    out.wasted
        .sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.path.cmp(&b.path)));
    out.wasted_bytes = out.wasted.iter().map(|w| w.bytes).sum();
    let files: Vec<(&String, u64)> = live
        .iter()
        .filter(|(_, l)| !l.dir)
        .map(|(p, l)| (p, l.bytes))
        .collect();
    out.files = files.len() as u64;
    out.largest_files = top(files.iter().map(|(p, b)| (p.to_string(), *b)));
    // Directories count what ships: every copy of every file, in every layer, by the
    // directory it was written to, deleted or overwritten later or not. They add up to the
    // image's size (less its symlinks' target lengths), which is what they explain.
    let mut below: HashMap<String, u64> = HashMap::new();
    for (_, files) in layers {
        for entry in &files.entries {
            if let LayerEntry::File { path, bytes } = entry {
                for dir in ancestors(path) {
                    *below.entry(dir.to_string()).or_default() += bytes;
                }
            }
        }
    }
    // A directory whose bytes all lie in one subdirectory says nothing its subdirectory does
    // not (`/usr/local` over `/usr/local/lib`): the list names the deeper one only.
    let passes_through = |dir: &str, bytes: u64| {
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        below
            .iter()
            .any(|(d, b)| *b == bytes && d.starts_with(&prefix) && !d[prefix.len()..].contains('/'))
    };
    out.largest_dirs = top(below
        .iter()
        .filter(|(d, b)| d.as_str() != "/" && **b > 0 && !passes_through(d, **b))
        .map(|(d, b)| (d.clone(), *b)));
    out.dirs = below
        .into_iter()
        .filter(|(d, b)| *b >= DIR_MIN_BYTES && depth(d) <= DIR_DEPTH)
        .collect();
    out
}

/// Whether the engine's size of a layer made by `created_by` includes its symlinks' target
/// lengths. Measured on Docker 20.10 (overlay2 and fuse-overlayfs alike): a layer of a
/// 1,000-byte file and a symlink to `/0123456789` is 1,011 bytes from the classic builder and
/// from `docker import`/`load` (the driver walks the layer and sums `lstat` sizes), 1,000 from
/// BuildKit (sized from the tar stream, where a symlink is 0 bytes). BuildKit marks its steps.
pub fn engine_counts_symlinks(created_by: &str) -> bool {
    !created_by.trim_end().ends_with("# buildkit")
}

fn wasted(path: String, l: Live, removed_in: usize, overwritten: bool) -> WastedFile {
    WastedFile {
        path,
        bytes: l.bytes,
        written_in: l.layer,
        removed_in,
        overwritten,
    }
}

/// The live paths strictly below `dir`.
fn under<'a>(
    live: &'a BTreeMap<String, Live>,
    dir: &str,
) -> impl Iterator<Item = (&'a String, &'a Live)> + use<'a> {
    let prefix = if dir == "/" {
        "/".to_string()
    } else {
        format!("{dir}/")
    };
    let dir = dir.to_string();
    live.range(prefix.clone()..)
        .take_while(move |(p, _)| p.starts_with(&prefix))
        .filter(move |(p, _)| **p != dir)
}

/// `/a/b/c` -> `/`, `/a`, `/a/b`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    std::iter::once("/").chain(
        path.match_indices('/')
            .skip(1)
            .map(move |(i, _)| &path[..i]),
    )
}

fn depth(dir: &str) -> usize {
    dir.matches('/').count() - usize::from(dir == "/")
}

fn top(items: impl Iterator<Item = (String, u64)>) -> Vec<PathBytes> {
    let mut all: Vec<PathBytes> = items
        .map(|(path, bytes)| PathBytes { path, bytes })
        .collect();
    all.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.path.cmp(&b.path)));
    all.truncate(TOP);
    all
}

/// A `Read` over chunks arriving on a channel: the export streams in on the async side, and the
/// analysis reads on a blocking thread, never more than the channel's few chunks in memory.
pub struct ChunkReader {
    chunks: tokio::sync::mpsc::Receiver<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

impl ChunkReader {
    pub fn new(chunks: tokio::sync::mpsc::Receiver<Vec<u8>>) -> ChunkReader {
        ChunkReader {
            chunks,
            current: Vec::new(),
            at: 0,
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.current.len() {
            match self.chunks.blocking_recv() {
                Some(chunk) => {
                    self.current = chunk;
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
