//! Where a trend's machine changed: the runs whose environment differs from the run before,
//! and rows for their labels so that changes a few runs apart do not write over each other.

use super::{Point, CHANGE_LABEL_MAX_PX};
use crate::report::draw;

/// A run whose machine differs from the run before it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct EnvChange {
    pub(super) at_s: f64,
    /// `engine → Docker 28.5.2`, or `engine, storage changed` when several things did.
    pub(super) label: String,
}

/// Each run (in time order) whose machine differs from the run before it in a field both
/// recorded. A field one run did not record is not a change, as in `compare`.
pub(super) fn environment_changes(points: &[&Point]) -> Vec<EnvChange> {
    let mut runs: Vec<&Point> = Vec::new();
    for &point in points {
        if !runs.iter().any(|r| r.at_s == point.at_s) {
            runs.push(point);
        }
    }
    runs.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    runs.windows(2)
        .filter_map(|pair| {
            let (before, after) = (&pair[0].environment, &pair[1].environment);
            let changed: Vec<&(String, String)> = after
                .iter()
                .filter(|(what, value)| before.iter().any(|(w, v)| w == what && v != value))
                .collect();
            let label = match changed.as_slice() {
                [] => return None,
                [(what, value)] => format!("{what} → {value}"),
                many => {
                    let names: Vec<&str> = many.iter().map(|(w, _)| w.as_str()).collect();
                    format!("{} changed", names.join(", "))
                }
            };
            Some(EnvChange {
                at_s: pair[1].at_s,
                label: draw::fit_width(&label, CHANGE_LABEL_MAX_PX, draw::TEXT_MIN_PX),
            })
        })
        .collect()
}

/// Rows of change labels at most: below them the lines are left to the data.
const CHANGE_LABEL_ROWS: usize = 4;

/// The first row whose last label ends before `left`, taking it up to `right`; a new row while
/// there are fewer than [`CHANGE_LABEL_ROWS`]; else the row that frees up first.
pub(super) fn label_row(row_ends: &mut Vec<i32>, left: i32, right: i32) -> usize {
    const GAP_PX: i32 = 8;
    let row = match row_ends.iter().position(|&end| end + GAP_PX <= left) {
        Some(row) => row,
        None if row_ends.len() < CHANGE_LABEL_ROWS => {
            row_ends.push(i32::MIN);
            row_ends.len() - 1
        }
        None => (0..row_ends.len())
            .min_by_key(|&r| row_ends[r])
            .unwrap_or(0),
    };
    row_ends[row] = right;
    row
}
