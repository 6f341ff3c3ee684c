//! Reports rendered from results: the terminal summary table, and the number formatting and
//! metric ordering that every report format shares.

pub mod columns;
pub mod format;
pub mod table;

pub use columns::metric_columns;
pub use format::{
    format_against_limits, format_bytes, format_fraction, format_seconds, format_spread,
    format_value,
};
pub use table::summary_table;
