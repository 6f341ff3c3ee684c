//! Whether base and head measured the Dockerfiles or the machines: a different CPU, kernel,
//! engine, storage driver or dockbench version, or variants whose files did not change moving
//! beyond noise all the same, make every timing a comparison of machines. Then `compare` says
//! so first, with the figure, and judges no timing (a PR check must never fail on a runner
//! that changed, nor pass green on one that got faster).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::{MetricRow, Verdict};
use crate::analysis::pair::is_deterministic;
use crate::metric;
use crate::results::{Environment, RunResults};

/// What differs between the two runs' machines, and what the unchanged variants say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MachineChange {
    /// `storage driver: fuse-overlayfs → overlay2`, one per difference.
    pub differences: Vec<String>,
    /// The variants whose Dockerfile, context files and settings are the same in both runs.
    pub unchanged_variants: Vec<String>,
    /// Their timing pairs judged better or worse: a Dockerfile that did not change cannot have
    /// made them so.
    pub unchanged_moved: usize,
    /// The median relative change of all their timing pairs (-0.58 = 58 % faster); null when
    /// no variant is known to be unchanged.
    pub unchanged_median_change: Option<f64>,
}

impl MachineChange {
    /// One sentence for the top of every rendering.
    pub fn statement(&self) -> String {
        let mut parts = Vec::new();
        if !self.differences.is_empty() {
            parts.push(format!(
                "base and head ran on different machines ({})",
                self.differences.join("; ")
            ));
        }
        if self.unchanged_moved > 0 {
            let figure = self
                .unchanged_median_change
                .map(|c| format!(" by {} (median)", crate::relative::percent(c)))
                .unwrap_or_default();
            parts.push(format!(
                "the timings of variants whose files did not change ({}) moved{figure}, {} of \
                 them beyond noise",
                self.unchanged_variants.join(", "),
                self.unchanged_moved
            ));
        }
        format!(
            "The machine changed: {}. Timings compare the machines, not the Dockerfiles, so \
             none is judged (nor the compressed size, which the engine sets); sizes and hit \
             rates are.",
            parts.join(", and ")
        )
    }
}

/// The change of machine between `base` and `head`, judged from their environments and from
/// the rows of variants that did not change; `None` when nothing says the machine changed.
pub fn machine_change(
    base: &RunResults,
    head: &RunResults,
    rows: &[MetricRow],
) -> Option<MachineChange> {
    let differences = differences(&base.environment, &head.environment);
    let unchanged_variants = unchanged_variants(base, head);
    let timings: Vec<&MetricRow> = rows
        .iter()
        .filter(|r| unchanged_variants.contains(&r.variant) && !is_deterministic(&r.metric))
        .collect();
    let unchanged_moved = timings
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Improved | Verdict::Regressed))
        .count();
    let mut changes: Vec<f64> = timings.iter().filter_map(|r| r.relative_change).collect();
    changes.sort_by(f64::total_cmp);
    let unchanged_median_change = (!changes.is_empty()).then(|| median_of_sorted(&changes));
    if differences.is_empty() && unchanged_moved == 0 {
        return None;
    }
    Some(MachineChange {
        differences,
        unchanged_variants,
        unchanged_moved,
        unchanged_median_change,
    })
}

fn median_of_sorted(xs: &[f64]) -> f64 {
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Timings of a changed machine are not judged: their verdicts become `NotJudged`. So is the
/// compressed size, which is the engine's own blobs on the containerd store and dockbench's
/// gzip of each layer elsewhere (docs/engines.md): another engine, another figure.
pub fn set_aside_timings(rows: &mut [MetricRow]) {
    let machine_bound =
        |metric: &str| !is_deterministic(metric) || metric == metric::IMAGE_COMPRESSED_BYTES;
    for row in rows.iter_mut().filter(|r| machine_bound(&r.metric)) {
        row.verdict = Verdict::NotJudged;
    }
}

/// What about the host and engine sets the pace of a build: CPU, kernel, engine, storage, and
/// the dockbench that measured. A field one run did not record is not a difference.
fn differences(base: &Environment, head: &Environment) -> Vec<String> {
    let mut out = Vec::new();
    let mut differ = |what: &str, b: Option<String>, h: Option<String>| {
        if let (Some(b), Some(h)) = (b, h) {
            if b != h {
                out.push(format!("{what}: {b} → {h}"));
            }
        }
    };
    let known = |s: &str| (!s.is_empty()).then(|| s.to_string());
    differ("CPU", known(&base.cpu_brand), known(&head.cpu_brand));
    differ(
        "CPUs",
        Some(base.cpu_logical_cores.to_string()),
        Some(head.cpu_logical_cores.to_string()),
    );
    differ(
        "kernel",
        base.kernel_version.clone(),
        head.kernel_version.clone(),
    );
    let engine = |e: &Environment| {
        e.engine
            .as_ref()
            .map(|e| format!("{} {}", e.kind.name(), e.docker_version))
    };
    differ("engine", engine(base), engine(head));
    let store = |e: &Environment| e.engine.as_ref().map(|e| e.store_label());
    differ("storage", store(base), store(head));
    differ(
        "dockbench",
        known(&base.dockbench_version),
        known(&head.dockbench_version),
    );
    out
}

/// The variants measured from the same files in both runs: the same Dockerfile, the same
/// other files (the context the suite names, edited files, compose files), the same builder
/// and settings. The suite file itself may differ (a variant added). Both runs must have
/// recorded their files' digests (`suite_files`); older runs did not, and have none.
fn unchanged_variants(base: &RunResults, head: &RunResults) -> Vec<String> {
    let (Some(b_files), Some(h_files)) = (relative_files(base), relative_files(head)) else {
        return Vec::new();
    };
    let dockerfiles: Vec<&str> = base
        .variants
        .iter()
        .chain(&head.variants)
        .map(|v| v.dockerfile.as_str())
        .collect();
    let suite_file = file_name(&head.suite_file);
    let shared_same = b_files
        .keys()
        .chain(h_files.keys())
        .filter(|path| !dockerfiles.contains(&path.as_str()) && file_name(path) != suite_file)
        .all(|path| b_files.get(path) == h_files.get(path));
    if !shared_same {
        return Vec::new();
    }
    head.variants
        .iter()
        .filter(|h| {
            base.variants.iter().any(|b| {
                b.name == h.name
                    && b.dockerfile == h.dockerfile
                    && b.builder == h.builder
                    && b.settings == h.settings
                    && b_files.contains_key(&b.dockerfile)
                    && b_files.get(&b.dockerfile) == h_files.get(&h.dockerfile)
            })
        })
        .map(|v| v.name.clone())
        .collect()
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The run's file digests by path relative to the suite file's folder (the runs may have been
/// made in different checkouts).
fn relative_files(results: &RunResults) -> Option<BTreeMap<String, String>> {
    let suite_name = file_name(&results.suite_file);
    let suite_path = results
        .suite_files
        .keys()
        .find(|k| file_name(k) == suite_name)?;
    let dir = Path::new(suite_path).parent()?;
    Some(
        results
            .suite_files
            .iter()
            .map(|(path, digest)| {
                let relative = Path::new(path).strip_prefix(dir).unwrap_or(Path::new(path));
                (relative.to_string_lossy().into_owned(), digest.clone())
            })
            .collect(),
    )
}
