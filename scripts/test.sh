#!/usr/bin/env bash
# scripts/test.sh: make the machine ready (scripts/setup.sh), then run every cargo test target.
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -- --nocapture`, or a test name).
# A failed setup fails the run: tests that need Docker must never skip silently.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! bash scripts/setup.sh; then
  echo "test.sh: scripts/setup.sh failed; not running the tests" >&2
  exit 1
fi
exec cargo test --all-targets "$@"
