//! `history.csv`: the history rows as one long-form table, for spreadsheets and plotting
//! tools. Numbers are in the metric's unit (named in the `unit` column), written as the shortest
//! text that reads back to the same value; an absent target is an empty cell.

use std::path::Path;

use anyhow::Context;

use super::HistoryRow;
use crate::metric;

pub const HISTORY_CSV: &str = "history.csv";

pub const HEADER: [&str; 12] = [
    "started_at",
    "suite",
    "variant",
    "metric",
    "unit",
    "median",
    "min",
    "max",
    "samples",
    "target_limit",
    "git_commit",
    "results_dir",
];

/// Writes `rows` to `path` (normally `<root>/history.csv`), atomically: a temp file beside it,
/// renamed over it, so a chart tool never reads half a file.
pub fn write_csv(rows: &[HistoryRow], path: &Path) -> anyhow::Result<()> {
    let bytes = to_csv(rows)?;
    crate::results::write_atomic(path, &bytes)
        .with_context(|| format!("writing {}", path.display()))
}

pub fn to_csv(rows: &[HistoryRow]) -> anyhow::Result<Vec<u8>> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for row in rows {
        let numbers = [row.median, row.min, row.max].map(|x| x.to_string());
        let target = row.target_limit.map(|x| x.to_string()).unwrap_or_default();
        writer.write_record([
            row.started_at.as_str(),
            &row.suite,
            &row.variant,
            &row.metric,
            metric::unit_of(&row.metric).label(),
            &numbers[0],
            &numbers[1],
            &numbers[2],
            &row.samples.to_string(),
            &target,
            &row.git_commit,
            &row.results_dir,
        ])?;
    }
    Ok(writer.into_inner()?)
}
