#!/usr/bin/env bash
# The harness's own cost (issue 28): runs benches/overhead/suite.toml (a small image built cold,
# warm and after two edits, then run to ready, five times, with BuildKit and the classic
# builder) on the engine DOCKER_HOST names, and prints dockbench's own account of each
# variant-repetition's time outside its timed phases: own work and deliberate waits (median
# per repetition), the image anatomy apart. Needs dockbench/busybox:latest on that engine.
#
#   bash scripts/bench-overhead.sh [path/to/dockbench]     # default: target/release/dockbench
#
# The figures come from dockbench itself (results.json `overhead`, its "harness:" lines);
# this script only runs it and keeps those lines.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/dockbench}
out=$(mktemp -d /tmp/dockbench-bench-overhead.XXXXXX)
trap 'rm -rf "$out"' EXIT
"$bin" run benches/overhead/suite.toml --no-progress --no-report --out "$out/run" 2>&1 |
  grep -E '^harness: |^disturbed: ' || true
