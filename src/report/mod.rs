//! Reports rendered from results: the terminal summary table, and the number formatting and
//! metric ordering that every report format shares.

pub mod anatomy;
pub mod axis;
pub mod canvas;
pub mod charts;
pub mod document;
pub mod draw;
pub mod fonts;
pub mod glyphs;
pub mod harness;
pub mod html;
pub mod labels;
pub mod layer_chart;
pub mod markdown;
pub mod paint;
pub mod render;
pub mod sections;
pub mod step_chart;
pub mod table;
#[cfg(test)]
pub(crate) mod testdata;
pub mod treemap;
pub mod trend_chart;

pub use crate::format::{
    format_against_limits, format_bytes, format_fraction, format_seconds, format_spread,
    format_value, metric_title,
};
pub use crate::results::metric_columns;
pub use render::render_report;
pub use table::{heading, painted_summary, summary_table, terminal_width, DEFAULT_WIDTH};
pub use trend_chart::render_trends;
