//! Exports of results for other tools: CSV, markdown, github-action-benchmark, Bencher.
