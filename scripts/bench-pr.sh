#!/usr/bin/env bash
# scripts/bench-pr.sh: benchmark a pull request against its base on this machine, interleaved,
# and write the comparison as a PR comment (markdown) for scripts/pr-comment.sh to post.
#
# Both commits are checked out as git worktrees and dockbench is built from each, so a PR that
# changes the suite's Dockerfiles or dockbench itself is measured as it would land. Then the
# suite runs in ROUNDS rounds of RUNS_PER_ROUND repetitions, alternating sides in an ABBA order:
#   base head | head base | base head | head base ...
# Machine drift (a noisy neighbour, thermal throttling, a filling disk cache) then falls on both
# sides alike: with an even number of rounds a linear drift cancels exactly, since each side's
# mean position in time is the same. Running all of base then all of head would book the whole
# drift as a difference between them. The rounds of each side are merged into one results folder
# (`dockbench merge`) and `dockbench compare BASE HEAD` judges them from the samples.
#
# The base's dockbench judges (when it has `compare`), so a PR cannot change the rules it is
# judged by.
#
# Usage: scripts/bench-pr.sh        (run from inside the repository's checkout)
# Environment:
#   BASE_REF         commit to compare against (required; CI: the merge commit's first parent)
#   HEAD_REF         commit to benchmark (default HEAD)
#   SUITE            suite file, relative to the repository root
#                    (default scenarios/python-api/suite.toml)
#   ROUNDS           rounds per side (default 4; even numbers cancel linear drift)
#   RUNS_PER_ROUND   `--runs` of each `dockbench run` (default 1)
#   THRESHOLD        `compare --threshold` (default: dockbench's own)
#   OUT_DIR          where the outputs go (default target/dockbench-pr), it must not hold a
#                    previous run:  comment.md, pr-number, base/ and head/ (merged results),
#                    rounds/{base,head}/NN/ (each run)
#   PR_NUMBER        written to OUT_DIR/pr-number for the comment workflow (digits only)
#   DOCKBENCH        a dockbench binary to use for both sides instead of building them
#   DOCKBENCH_BASE, DOCKBENCH_HEAD   the same, per side
#   CARGO_TARGET_DIR where both sides are built (default target/dockbench-pr-build), shared so
#                    the second build reuses the first one's dependencies
# Exit: 0 no regression, 1 regression (from compare), 2 unusable input or the benchmark failed,
# 130 interrupted. OUT_DIR/comment.md is written in every case after the arguments are checked.
set -euo pipefail

log() { printf 'bench-pr: %s\n' "$*" >&2; }
die() { printf 'bench-pr: error: %s\n' "$*" >&2; exit 2; }

REPO=$(git rev-parse --show-toplevel 2>/dev/null) || die "run this from inside the git repository"
readonly REPO
SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPTS
readonly SUITE=${SUITE:-scenarios/python-api/suite.toml}
readonly ROUNDS=${ROUNDS:-4} RUNS_PER_ROUND=${RUNS_PER_ROUND:-1}
readonly HEAD_REF=${HEAD_REF:-HEAD}
OUT_DIR=${OUT_DIR:-$REPO/target/dockbench-pr}

[[ -n ${BASE_REF:-} ]] || die "set BASE_REF to the commit to compare against"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"
[[ $RUNS_PER_ROUND =~ ^[1-9][0-9]*$ ]] || die "RUNS_PER_ROUND must be a positive integer, got '$RUNS_PER_ROUND'"
[[ -z ${PR_NUMBER:-} || $PR_NUMBER =~ ^[1-9][0-9]{0,9}$ ]] || die "PR_NUMBER must be a positive integer, got '$PR_NUMBER'"
[[ $SUITE != /* && $SUITE != *..* ]] || die "SUITE must be a path inside the repository, got '$SUITE'"
(( ROUNDS % 2 == 0 )) || log "warning: an odd ROUNDS ($ROUNDS) leaves one side a round later: drift cancels less"
base_sha=$(git -C "$REPO" rev-parse --verify --quiet "$BASE_REF^{commit}") || die "BASE_REF '$BASE_REF' is not a commit here (fetch it first?)"
head_sha=$(git -C "$REPO" rev-parse --verify --quiet "$HEAD_REF^{commit}") || die "HEAD_REF '$HEAD_REF' is not a commit here"

if [[ -e $OUT_DIR && -n $(ls -A "$OUT_DIR") ]]; then
  die "OUT_DIR $OUT_DIR is not empty (remove it, or set OUT_DIR)"
fi
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
readonly OUT_DIR COMMENT=$OUT_DIR/comment.md
[[ -z ${PR_NUMBER:-} ]] || printf '%s\n' "$PR_NUMBER" >"$OUT_DIR/pr-number"

WORK=$(mktemp -d)
# When anything fails before compare has written the comment, the PR still hears about it
# (the comment workflow posts whatever comment.md says).
FAILURE="The benchmark stopped unexpectedly."
# shellcheck disable=SC2329 # invoked by the EXIT trap
cleanup() {
  local rc=$?
  if [[ ! -s $COMMENT ]]; then
    write_failure_comment "$FAILURE"
  fi
  for side in base head; do
    if [[ -d $WORK/$side ]]; then
      git -C "$REPO" worktree remove --force "$WORK/$side" >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$WORK"
  git -C "$REPO" worktree prune >/dev/null 2>&1 || true
  exit "$rc"
}
write_failure_comment() {
  local run_url=""
  if [[ -n ${GITHUB_RUN_ID:-} ]]; then
    run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/$GITHUB_RUN_ID"
  fi
  {
    echo "<!-- dockbench-compare status=error -->"
    echo "### dockbench: no comparison"
    echo
    echo "$1"
    echo
    echo "Base \`${base_sha:0:12}\`, head \`${head_sha:0:12}\`, suite \`$SUITE\`.${run_url:+ See [the workflow run]($run_url) for the log.}"
  } >"$COMMENT"
}
trap cleanup EXIT

# --- the two trees and their dockbench --------------------------------------------------------
# Sets BIN_<SIDE> to the side's dockbench: the override if given, else one built from its tree.
prepare_side() {
  local side=$1 sha=$2 override=$3 var
  var=BIN_${side^^}
  git -C "$REPO" worktree add --detach --quiet "$WORK/$side" "$sha" \
    || { FAILURE="Could not check out the $side commit."; exit 2; }
  if [[ -n $override ]]; then
    # A bare name is looked up on PATH; a path is made absolute (the runs start elsewhere).
    [[ $override == */* ]] || override=$(command -v "$override") || override=/nonexistent/$override
    [[ -x $override ]] || { FAILURE="The $side dockbench binary '$override' is not executable."; exit 2; }
    override=$(cd "$(dirname "$override")" && pwd)/$(basename "$override")
    printf -v "$var" '%s' "$override"
    return
  fi
  log "building dockbench at the $side commit (${sha:0:12})"
  local target=${CARGO_TARGET_DIR:-$REPO/target/dockbench-pr-build}
  (cd "$WORK/$side" && CARGO_TARGET_DIR=$target cargo build --release --locked --quiet) \
    || { FAILURE="dockbench does not build at the $side commit."; exit 2; }
  mkdir -p "$WORK/bin"
  cp "$target/release/dockbench" "$WORK/bin/dockbench-$side"
  printf -v "$var" '%s' "$WORK/bin/dockbench-$side"
}
prepare_side base "$base_sha" "${DOCKBENCH_BASE:-${DOCKBENCH:-}}"
prepare_side head "$head_sha" "${DOCKBENCH_HEAD:-${DOCKBENCH:-}}"
readonly BIN_BASE BIN_HEAD

if [[ ! -f $WORK/head/$SUITE ]]; then
  FAILURE="The suite \`$SUITE\` does not exist at the head commit."
  exit 2
fi
if [[ ! -f $WORK/base/$SUITE ]]; then
  write_failure_comment "The suite \`$SUITE\` is new in this PR: there is no base to compare with."
  log "the suite does not exist at the base commit; nothing to compare"
  exit 0
fi

# --- interleaved rounds -----------------------------------------------------------------------
# Flags a dockbench build may predate are passed only when its `run --help` lists them.
run_flags() {
  local bin=$1 help
  help=$("$bin" run --help 2>/dev/null || true)
  printf '%s\n' --no-progress
  [[ $help == *--no-report* ]] && printf '%s\n' --no-report
  return 0
}
mapfile -t FLAGS_BASE < <(run_flags "$BIN_BASE")
mapfile -t FLAGS_HEAD < <(run_flags "$BIN_HEAD")

run_side() {
  local side=$1 round=$2 bin flags rc=0 out
  out=$OUT_DIR/rounds/$side/$(printf '%02d' "$round")
  if [[ $side == base ]]; then bin=$BIN_BASE; flags=("${FLAGS_BASE[@]}"); else bin=$BIN_HEAD; flags=("${FLAGS_HEAD[@]}"); fi
  log "round $round/$ROUNDS: $side"
  mkdir -p "$(dirname "$out")"
  "$bin" run "$WORK/$side/$SUITE" --runs "$RUNS_PER_ROUND" --out "$out" "${flags[@]}" || rc=$?
  case $rc in
    0) ;;
    1) log "$side, round $round: a variant failed or missed a target (compare will show it)" ;;
    130) FAILURE="Interrupted during round $round ($side)."; exit 130 ;;
    *) FAILURE="\`dockbench run\` failed for the $side commit in round $round (exit $rc)."; exit 2 ;;
  esac
}
for ((round = 1; round <= ROUNDS; round++)); do
  if (( round % 2 == 1 )); then order=(base head); else order=(head base); fi
  for side in "${order[@]}"; do run_side "$side" "$round"; done
done

for side in base head; do
  rounds=("$OUT_DIR/rounds/$side"/*)
  # The head's dockbench merges: `merge` is newer than some bases.
  "$BIN_HEAD" merge "$OUT_DIR/$side" "${rounds[@]}" \
    || { FAILURE="Merging the $side rounds failed."; exit 2; }
done
# Reports of the merged folders, for the results artifact; optional (older builds lack `report`).
for side in base head; do
  bin=$BIN_HEAD; [[ $side == base ]] && bin=$BIN_BASE
  if "$bin" help report >/dev/null 2>&1; then
    "$bin" report "$OUT_DIR/$side" >/dev/null || log "warning: dockbench report failed for $side"
  fi
done

# --- verdict ----------------------------------------------------------------------------------
JUDGE=$BIN_BASE
if ! "$BIN_BASE" help compare >/dev/null 2>&1; then
  log "the base's dockbench has no compare command; the head's judges"
  JUDGE=$BIN_HEAD
fi
compare_args=(compare "$OUT_DIR/base" "$OUT_DIR/head" --format markdown)
[[ -n ${THRESHOLD:-} ]] && compare_args+=(--threshold "$THRESHOLD")
rc=0
"$JUDGE" "${compare_args[@]}" >"$WORK/comment.md" || rc=$?
case $rc in
  0 | 1)
    cp "$WORK/comment.md" "$COMMENT"
    if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then cat "$COMMENT" >>"$GITHUB_STEP_SUMMARY"; fi
    cat "$COMMENT"
    if [[ $rc -eq 1 ]]; then log "regression: see $COMMENT"; else log "no regression"; fi
    exit "$rc"
    ;;
  *)
    FAILURE="\`dockbench compare\` could not compare the results (exit $rc)."
    exit 2
    ;;
esac
