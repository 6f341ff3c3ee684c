#!/usr/bin/env bash
# scripts/bench-anatomy.sh: how fast, and in how much memory, dockbench reads an image's anatomy
# (issue 16's goal: a 300 MB image in under 5 s, in memory well below the image's size).
# Streams `docker save` of each IMAGE from the engine (DOCKER_HOST honoured) through the code
# `dockbench run` uses, three times, and prints the time and the peak resident memory of each.
#
# Usage: bash scripts/bench-anatomy.sh [IMAGE...]   (default: dockbench/python:3.11-slim)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --quiet --release --example anatomy
images=("$@")
[[ ${#images[@]} -gt 0 ]] || images=(dockbench/python:3.11-slim)
for image in "${images[@]}"; do
  for _ in 1 2 3; do
    ./target/release/examples/anatomy "$image"
  done
done
