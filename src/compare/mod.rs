//! Comparison of two results folders: per (variant, metric) verdicts recomputed from raw samples.
