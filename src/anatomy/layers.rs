//! One layer's `layer.tar`, read as it streams: its paths, their sizes, and its whiteouts.

use std::io::Read;

use anyhow::Context;

/// One entry of a layer, its path absolute (`/usr/bin/x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerEntry {
    Dir {
        path: String,
    },
    /// Anything but a directory. `bytes` is the size the tar header gives: a regular file's
    /// length, 0 for links and devices.
    File {
        path: String,
        bytes: u64,
    },
    /// `.wh.<name>`: `path` is deleted, with everything below it.
    Whiteout {
        path: String,
    },
    /// `.wh..wh..opq`: what lower layers had below `dir` is hidden.
    Opaque {
        dir: String,
    },
}

impl LayerEntry {
    pub fn path(&self) -> &str {
        match self {
            LayerEntry::Dir { path } | LayerEntry::File { path, .. } => path,
            LayerEntry::Whiteout { path } => path,
            LayerEntry::Opaque { dir } => dir,
        }
    }

    pub fn bytes(&self) -> u64 {
        match self {
            LayerEntry::File { bytes, .. } => *bytes,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerFiles {
    pub entries: Vec<LayerEntry>,
    /// The lengths of its symlinks' targets, which the engine counts in some layers' sizes
    /// and not in others' (`anatomy::engine_counts_symlinks`).
    pub symlink_bytes: u64,
}

impl LayerFiles {
    pub fn read(reader: impl Read) -> anyhow::Result<LayerFiles> {
        let mut archive = tar::Archive::new(reader);
        let mut files = LayerFiles::default();
        for entry in archive.entries()? {
            let entry = entry?;
            let raw = entry.path()?.to_string_lossy().into_owned();
            let path = absolute(&raw);
            if path == "/" {
                continue;
            }
            let (parent, name) = path.rsplit_once('/').expect("absolute");
            let parent = if parent.is_empty() { "/" } else { parent };
            let kind = entry.header().entry_type();
            let item = if name == ".wh..wh..opq" {
                LayerEntry::Opaque {
                    dir: parent.to_string(),
                }
            } else if let Some(deleted) = name.strip_prefix(".wh.") {
                LayerEntry::Whiteout {
                    path: join(parent, deleted),
                }
            } else if kind.is_dir() {
                LayerEntry::Dir { path }
            } else {
                if kind.is_symlink() {
                    let target = entry
                        .link_name_bytes()
                        .with_context(|| format!("symlink {path}"))?;
                    files.symlink_bytes += target.len() as u64;
                }
                LayerEntry::File {
                    path,
                    bytes: if kind.is_file() {
                        entry.header().size()?
                    } else {
                        0
                    },
                }
            };
            files.entries.push(item);
        }
        Ok(files)
    }

    /// The bytes of its regular files (links and devices are 0 in the tar).
    pub fn regular_bytes(&self) -> u64 {
        self.entries.iter().map(LayerEntry::bytes).sum()
    }

    /// The entries nothing else of this layer lies below: the nodes dive scores.
    pub fn leaves(&self) -> Vec<&LayerEntry> {
        // dive never makes a node of an opaque marker (`.wh..wh.` names).
        let mut sorted: Vec<(String, &LayerEntry)> = self
            .entries
            .iter()
            .filter(|e| !matches!(e, LayerEntry::Opaque { .. }))
            .map(|e| (e.path().to_string(), e))
            .collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut leaves = Vec::new();
        for (i, (path, entry)) in sorted.iter().enumerate() {
            let prefix = format!("{path}/");
            let has_child = sorted[i + 1..]
                .iter()
                .take_while(|(p, _)| p.as_str() < prefix.as_str() || p.starts_with(&prefix))
                .any(|(p, _)| p.starts_with(&prefix));
            if !has_child {
                leaves.push(*entry);
            }
        }
        leaves
    }
}

/// `./usr/bin/` -> `/usr/bin`.
fn absolute(raw: &str) -> String {
    let trimmed = raw.trim_start_matches("./").trim_matches('/');
    format!("/{trimmed}")
}

fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}
