//! Measurement: runs the phases of one variant (cold, warm, edits, run) and turns them into samples.
