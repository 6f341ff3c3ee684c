#!/usr/bin/env bash
# scripts/test.sh: make the machine ready (scripts/setup.sh), then run every cargo test target.
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -- --nocapture`, or a test name).
# A failed setup fails the run: tests that need Docker must never skip silently.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Compiling the tests needs no Docker, and setup.sh on a fresh machine spends its minutes
# waiting on package mirrors and image builds: both go at once. The compile's own output is
# not shown; `cargo test` below prints any error again.
compile_log=$(mktemp)
trap 'rm -f "$compile_log"' EXIT
cargo test --all-targets --no-run >"$compile_log" 2>&1 &
compile=$!

if ! bash scripts/setup.sh; then
  kill "$compile" 2>/dev/null || true
  wait "$compile" 2>/dev/null || true
  echo "test.sh: scripts/setup.sh failed; not running the tests" >&2
  exit 1
fi
wait "$compile" || true
cargo test --all-targets "$@"
