//! The "Image anatomy" section of report.md and report.html, as tables and lines that both
//! formats render: per layer what it added, modified and removed; the largest directories;
//! the wasted files with the steps that wrote and removed them; and what changed by directory
//! against the reference variant.

use super::sections::{tidy_created_by, Cell, Table};
use crate::anatomy::diff::dir_changes;
use crate::anatomy::{Anatomy, CompressedSource};
use crate::format::{format_bytes, format_fraction};
use crate::results::{RunResults, VariantResult};

/// Rows of the directory and wasted-file tables.
pub const SHOWN: usize = 10;

/// How the section's figures are defined, under its heading.
pub const ANATOMY_NOTE: &str = "Read from the image's layers as `docker save` streams them. \
    Wasted: every copy of a file that a later layer overwrote or deleted, counted once, in the \
    layer that wrote it (it still ships in that layer). Efficiency: dive's score, the smallest \
    size each path had over all the sizes it had, so that dive's `lowestEfficiency` rule reads \
    the same; dive's \"potential wasted space\" also counts the surviving copy of an overwritten \
    file, so it reads higher than wasted here.";

/// `264.3 MB in 12 layers, 8,123 files; wasted 18.2 MB (6.9%) in 3 files; efficiency 93.1%;
/// compressed 92.0 MB (gzip computed by dockbench)`.
pub fn summary_line(a: &Anatomy) -> String {
    let share = if a.size_bytes > 0 {
        a.wasted_bytes as f64 / a.size_bytes as f64
    } else {
        0.0
    };
    let mut line = format!(
        "{} in {} layer(s), {} files; wasted {} ({}) in {} file copies; efficiency {}",
        format_bytes(a.size_bytes as f64),
        a.layers.len(),
        a.files,
        format_bytes(a.wasted_bytes as f64),
        format_fraction(share),
        a.wasted.len(),
        format_fraction(a.efficiency)
    );
    // Results from before dockbench measured it have none.
    if a.compressed_source != CompressedSource::NotMeasured {
        line += &format!(
            "; compressed {} ({})",
            format_bytes(a.compressed_bytes as f64),
            a.compressed_source.describe()
        );
    }
    line
}

fn step_cell(a: &Anatomy, layer: usize) -> Cell {
    match a.layers.get(layer).map(|l| l.created_by.trim()) {
        Some("") | None => Cell::Text(format!("layer {} (base image)", layer + 1)),
        Some(step) => Cell::Code(tidy_created_by(step)),
    }
}

fn bytes_and_files(bytes: u64, files: u64) -> Cell {
    if files == 0 {
        Cell::Text("—".into())
    } else {
        Cell::Text(format!("{} ({files})", format_bytes(bytes as f64)))
    }
}

/// One row per layer, oldest first.
pub fn layers_table(a: &Anatomy) -> Table {
    Table {
        header: vec![
            "#".into(),
            "step".into(),
            "size".into(),
            "added (files)".into(),
            "modified (files)".into(),
            "removed (files)".into(),
        ],
        right_aligned: vec![true, false, true, true, true, true],
        rows: a
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                vec![
                    Cell::Text((i + 1).to_string()),
                    step_cell(a, i),
                    Cell::Text(format_bytes(l.size_bytes as f64)),
                    bytes_and_files(l.added_bytes, l.added_files),
                    bytes_and_files(l.modified_bytes, l.modified_files),
                    bytes_and_files(l.removed_bytes, l.removed_files),
                ]
            })
            .collect(),
    }
}

/// The largest directories of the final image.
pub fn dirs_table(a: &Anatomy) -> Table {
    let total = a.dirs.get("/").copied().unwrap_or(0).max(1) as f64;
    Table {
        header: vec!["directory".into(), "size".into(), "share".into()],
        right_aligned: vec![false, true, true],
        rows: a
            .largest_dirs
            .iter()
            .filter(|d| d.bytes > 0)
            .take(SHOWN)
            .map(|d| {
                vec![
                    Cell::Code(d.path.clone()),
                    Cell::Text(format_bytes(d.bytes as f64)),
                    Cell::Text(format_fraction(d.bytes as f64 / total)),
                ]
            })
            .collect(),
    }
}

/// The wasted copies, largest first; `None` when there are none.
pub fn wasted_table(a: &Anatomy) -> Option<(Table, String)> {
    if a.wasted.is_empty() {
        return None;
    }
    let rows = a
        .wasted
        .iter()
        .take(SHOWN)
        .map(|w| {
            vec![
                Cell::Code(w.path.clone()),
                Cell::Text(format_bytes(w.bytes as f64)),
                step_cell(a, w.written_in),
                step_cell(a, w.removed_in),
                Cell::Text(
                    if w.overwritten {
                        "overwritten"
                    } else {
                        "deleted"
                    }
                    .into(),
                ),
            ]
        })
        .collect();
    let note = if a.wasted.len() > SHOWN {
        format!(
            "{} more, {} in all",
            a.wasted.len() - SHOWN,
            format_bytes(a.wasted_bytes as f64)
        )
    } else {
        format!("{} in all", format_bytes(a.wasted_bytes as f64))
    };
    Some((
        Table {
            header: vec![
                "file".into(),
                "size".into(),
                "written by".into(),
                "removed by".into(),
                "how".into(),
            ],
            right_aligned: vec![false, true, false, false, false],
            rows,
        },
        note,
    ))
}

/// `/usr/local/lib/python3.11/site-packages +38.0 MB (12.3 MB → 50.3 MB)`, largest change
/// first; empty when nothing changed by 1 MB or more.
pub fn changes_against(reference: &Anatomy, other: &Anatomy) -> Vec<String> {
    dir_changes(&reference.dirs, &other.dirs)
        .iter()
        .map(|c| c.describe())
        .collect()
}

/// The reference variant's anatomy, when the run has one to compare with.
pub fn reference_anatomy(results: &RunResults) -> Option<(&str, &Anatomy)> {
    let name = crate::relative::reference_name(results, results.reference.as_deref())?;
    let v = results.variants.iter().find(|v| v.name == name)?;
    Some((name, v.anatomy.as_ref()?))
}

/// "What changed against <reference>", for a variant other than the reference.
pub fn change_lines(
    results: &RunResults,
    variant: &VariantResult,
) -> Option<(String, Vec<String>)> {
    let (reference, base) = reference_anatomy(results)?;
    if reference == variant.name {
        return None;
    }
    let anatomy = variant.anatomy.as_ref()?;
    Some((reference.to_string(), changes_against(base, anatomy)))
}
