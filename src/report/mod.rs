//! Reports rendered from results: the terminal summary table.
