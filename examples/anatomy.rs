//! How fast, and in how much memory, dockbench reads an image's anatomy: streams `docker save`
//! of IMAGE from the engine (`DOCKER_HOST` honoured) through the same code `run` uses, and
//! prints the figures with the time taken and the process's peak resident memory.
//!
//!     cargo run --release --example anatomy -- dockbench/python:3.11-slim
//!
//! The goal (issue 16): a 300 MB image in under 5 s, in memory well below the image's size.

use std::time::Instant;

use dockbench::anatomy::{analyse, ChunkReader};
use dockbench::driver::docker::DockerEngine;
use dockbench::driver::Engine;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let image = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: anatomy IMAGE"))?;
    let engine = DockerEngine::connect(None).await?;
    let size = engine.image_facts(&image).await?.size_bytes;
    let started = Instant::now();
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let reader = tokio::task::spawn_blocking(move || analyse(ChunkReader::new(rx)));
    engine.export_image(&image, tx).await?;
    let anatomy = reader.await??;
    let elapsed_s = started.elapsed().as_secs_f64();
    let peak_rss_kib = std::fs::read_to_string("/proc/self/status")?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    println!(
        "{image}: {} bytes (engine: {size}), {} layers, {} files, wasted {} bytes, \
         efficiency {:.4}",
        anatomy.size_bytes,
        anatomy.layers.len(),
        anatomy.files,
        anatomy.wasted_bytes,
        anatomy.efficiency
    );
    println!(
        "compressed {} bytes ({})",
        anatomy.compressed_bytes,
        anatomy.compressed_source.describe()
    );
    println!(
        "analysed in {elapsed_s:.2} s ({:.0} MB/s); peak resident memory {:.1} MiB",
        size as f64 / 1e6 / elapsed_s,
        peak_rss_kib as f64 / 1024.0
    );
    Ok(())
}
