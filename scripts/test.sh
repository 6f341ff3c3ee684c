#!/usr/bin/env bash
# scripts/test.sh: check formatting, lints and the workflows' security audit, make the machine
# ready (scripts/setup.sh), then run every cargo test target, then the engine known-answer tests
# again on Docker 28 with the containerd image store and on Podman (scripts/engines.sh starts
# each beside the machine's engine, from Debian's packages, and stops it after).
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -- --nocapture`, or a test name).
# A failed setup fails the run: tests that need Docker must never skip silently.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Style first: it takes a second and fails fast.
cargo fmt --check

# The scripted engine for the integration tests that run suites without Docker (tests/runner.rs
# requires it, and `cargo test` skips it without). Every cargo call below names the same
# features, so the crate is compiled once.
readonly FEATURES=(--features fake-engine)

# Compiling the tests and the lints need no Docker, and setup.sh on a fresh machine spends its
# minutes waiting on package mirrors and image builds: they go at once. The compile's own
# output is not shown (`cargo test` below prints any error again); clippy's is, when it fails.
compile_log=$(mktemp)
lint_log=$(mktemp)
trap 'rm -f "$compile_log" "$lint_log"' EXIT
(
  cargo test "${FEATURES[@]}" --all-targets --no-run >"$compile_log" 2>&1 || true
  cargo clippy "${FEATURES[@]}" --all-targets -- -D warnings >"$lint_log" 2>&1
) &
compile=$!

# The current engines people run, beside the machine's (below): Docker 28 with the containerd
# image store, and Podman. Only when no test was named: `scripts/test.sh NAME` runs NAME on the
# machine's engine. DOCKBENCH_TEST_ENGINES names others (scripts/engines.sh list), or none ("").
engines=()
[[ $# -ne 0 ]] || read -r -a engines <<<"${DOCKBENCH_TEST_ENGINES-docker28-containerd podman}"

# Each engine's packages and base images (copied from the machine's engine once setup.sh has
# made them) are fetched while the tests still compile; each is stopped again until its turn.
prepare_engines() {
  local engine
  for engine in "${engines[@]}"; do
    bash scripts/engines.sh start "$engine" >/dev/null &&
      bash scripts/engines.sh images "$engine" &&
      bash scripts/engines.sh stop "$engine" || return 1
  done
}
# Headless Chromium for the report layout test (tests/report_layout.rs), from Debian's archive.
if ! bash scripts/setup.sh || ! bash scripts/browser.sh install >/dev/null || ! prepare_engines; then
  kill "$compile" 2>/dev/null || true
  wait "$compile" 2>/dev/null || true
  for engine in "${engines[@]}"; do bash scripts/engines.sh stop "$engine" || true; done
  echo "test.sh: scripts/setup.sh, scripts/browser.sh or an engine's preparation failed; not running the tests" >&2
  exit 1
fi
if ! wait "$compile"; then
  cat "$lint_log" >&2
  echo "test.sh: cargo clippy ${FEATURES[*]} --all-targets -- -D warnings failed" >&2
  exit 1
fi
# The workflows' security audit (zizmor, from PyPI, in a throwaway virtualenv).
bash scripts/lint-workflows.sh

# The heavy suites run on one engine only. The compose stacks (tests/stack.rs), the
# same-code comparison (tests/compare_engine.rs) and the bundled python-api build run on
# Docker 28 with the containerd store (below) when it is in the list: on the machine's
# fuse-overlayfs engine every build step costs up to a second more. Everything else, every
# known answer included, runs on the machine's engine too.
readonly HEAVY_ENGINE=docker28-containerd
readonly HEAVY_TESTS=(stack compare_engine)
readonly HEAVY_ENGINE_TESTS=(bundled_python_api_baseline_builds_and_serves)
heavy_elsewhere=0
if [[ $# -eq 0 ]] && printf '%s\n' "${engines[@]}" | grep -qx "$HEAVY_ENGINE"; then
  heavy_elsewhere=1
fi
if ((heavy_elsewhere)); then
  targets=()
  for file in tests/*.rs; do
    name=$(basename "$file" .rs)
    printf '%s\n' "${HEAVY_TESTS[@]}" | grep -qx "$name" || targets+=(--test "$name")
  done
  skips=()
  for name in "${HEAVY_ENGINE_TESTS[@]}"; do skips+=(--skip "$name"); done
  cargo test "${FEATURES[@]}" --lib --bins --examples "${targets[@]}" -- "${skips[@]}"
  # Criterion's benchmarks, once each as tests (they take no libtest flags). Named one by one:
  # `--benches` would run the library's unit tests a second time.
  benches=()
  for file in benches/*.rs; do benches+=(--bench "$(basename "$file" .rs)"); done
  cargo test "${FEATURES[@]}" "${benches[@]}"
else
  cargo test "${FEATURES[@]}" --all-targets "$@"
fi

# The same known answers on the current engines people run (scripts/engines.sh starts each
# beside the machine's, from Debian's packages).
for engine in "${engines[@]}"; do
  echo "test.sh: the engine tests on $engine" >&2
  host=$(bash scripts/engines.sh start "$engine")
  bash scripts/engines.sh images "$engine"
  # host is `export DOCKER_HOST=...`, as engines.sh prints it.
  # The BuildKit session's own test needs BuildKit, which Podman has not. Compose stacks run
  # differently on Podman (dockbench runs the health checks, dnsname answers service names):
  # tests/stack.rs runs there too. The heavy suites run on HEAVY_ENGINE (above).
  extra=(--test session)
  [[ $engine != podman ]] || extra=(--test stack)
  heavy=()
  if ((heavy_elsewhere)) && [[ $engine == "$HEAVY_ENGINE" ]]; then
    for name in "${HEAVY_TESTS[@]}"; do extra+=(--test "$name"); done
    heavy=(same_code_twice "${HEAVY_ENGINE_TESTS[@]}")
  fi
  if ! (eval "$host" && cargo test "${FEATURES[@]}" --test engine "${extra[@]}" -- \
    build_fixtures_give_known_answers_with_both_builders run_fixtures_give_known_answers \
    image_anatomy_gives_known_answers modern_dockerfiles_build_or_say_why \
    repetitions_do_not_feed_each_other the_sleep_is_decided_after_the_minimum_of_rounds \
    a_cpu_hog_beside_one_repetition_is_flagged_and_the_others_are_not \
    doctor_reports_each_capability_as_measured session dependencies_start_first \
    a_dependency_never_healthy ctrl_c_in_a_stack "${heavy[@]}"); then
    bash scripts/engines.sh stop "$engine"
    echo "test.sh: the engine tests failed on $engine" >&2
    exit 1
  fi
  bash scripts/engines.sh stop "$engine"
done
