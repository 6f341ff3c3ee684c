//! Atomic, incremental writing of the results folder.

pub struct ResultsStore {}
