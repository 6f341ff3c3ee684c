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
# Sharded, for a CI matrix where each runner measures some of the variants (docs/ci.md):
#   SHARD=K/N scripts/bench-pr.sh     measures shard K of N only: `run --shard K/N` on both
#                                     sides, interleaved as above, and stops there. OUT_DIR gets
#                                     rounds/{base,head}/NN/, bin/ (both sides' dockbench, so the
#                                     merge step judges with the same builds), and the files
#                                     `shard` (K/N), `commits` and `status` for the merge step.
#                                     Each variant's base and head samples come from one runner.
#   scripts/bench-pr.sh merge SHARD_OUT_DIR...
#                                     merges every shard's rounds into OUT_DIR/base and
#                                     OUT_DIR/head and compares them: the same outputs, comment
#                                     and exit codes as an unsharded run. Every shard 1..N must
#                                     have finished, on the same commits.
# A dockbench that predates `--shard` (on either side) cannot split the suite: then shard 1
# measures every variant and the other shards measure nothing (status `skipped`), so the PR is
# still judged, on one runner as before.
#
# Usage: scripts/bench-pr.sh [merge SHARD_OUT_DIR...]   (run from inside the repository's checkout)
# Environment:
#   BASE_REF         commit to compare against (required; CI: the merge commit's first parent)
#   HEAD_REF         commit to benchmark (default HEAD)
#   SUITE            suite file, relative to the repository root
#                    (default scenarios/python-api/suite.toml)
#   ROUNDS           rounds per side (default 4; even numbers cancel linear drift)
#   RUNS_PER_ROUND   `--runs` of each `dockbench run` (default 1)
#   SHARD            K/N: measure only shard K of N (see above)
#   THRESHOLD        `compare --threshold` (default: dockbench's own)
#   OUT_DIR          where the outputs go (default target/dockbench-pr), it must not hold a
#                    previous run:  comment.md, pr-number, base/ and head/ (merged results),
#                    rounds/{base,head}/NN/ (each run)
#   PR_NUMBER        written to OUT_DIR/pr-number for the comment workflow (digits only)
#   DOCKBENCH        a dockbench binary to use for both sides instead of building them (merge:
#                    default the first shard's bin/)
#   DOCKBENCH_BASE, DOCKBENCH_HEAD   the same, per side
#   CARGO_TARGET_DIR where both sides are built (default target/dockbench-pr-build), shared so
#                    the second build reuses the first one's dependencies
# Exit: 0 no regression, 1 regression (from compare), 2 unusable input or the benchmark failed,
# 130 interrupted. OUT_DIR/comment.md is written in every case after the arguments are checked
# (with SHARD: OUT_DIR/status instead, and exit 0 once the shard's rounds ran).
set -euo pipefail

log() { printf 'bench-pr: %s\n' "$*" >&2; }
die() { printf 'bench-pr: error: %s\n' "$*" >&2; exit 2; }

REPO=$(git rev-parse --show-toplevel 2>/dev/null) || die "run this from inside the git repository"
readonly REPO
readonly SUITE=${SUITE:-scenarios/python-api/suite.toml}
readonly ROUNDS=${ROUNDS:-4} RUNS_PER_ROUND=${RUNS_PER_ROUND:-1}
readonly HEAD_REF=${HEAD_REF:-HEAD}
OUT_DIR=${OUT_DIR:-$REPO/target/dockbench-pr}

MODE=whole
SHARD_DIRS=()
if [[ ${1:-} == merge ]]; then
  MODE=merge
  shift
  [[ $# -gt 0 ]] || die "merge needs the shards' output folders: bench-pr.sh merge DIR..."
  [[ -z ${SHARD:-} ]] || die "SHARD and merge do not go together: each shard runs with SHARD, then one merge"
  for dir in "$@"; do
    # A missing folder is the merge's to report (in the comment), not an argument error.
    if [[ -d $dir ]]; then SHARD_DIRS+=("$(cd "$dir" && pwd)"); else SHARD_DIRS+=("$dir"); fi
  done
elif [[ $# -gt 0 ]]; then
  die "unexpected argument '$1' (usage: bench-pr.sh [merge SHARD_OUT_DIR...])"
elif [[ -n ${SHARD:-} ]]; then
  MODE=shard
  if [[ ! $SHARD =~ ^([1-9][0-9]*)/([1-9][0-9]*)$ ]] || (( BASH_REMATCH[1] > BASH_REMATCH[2] )); then
    die "SHARD must be K/N with 1 <= K <= N, like 2/4; got '$SHARD'"
  fi
fi
readonly MODE SHARD_DIRS

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
if [[ $MODE == shard ]]; then
  printf '%s\n' "$SHARD" >"$OUT_DIR/shard"
  printf 'base %s\nhead %s\n' "$base_sha" "$head_sha" >"$OUT_DIR/commits"
fi

WORK=$(mktemp -d)
# When anything fails before compare has written the comment, the PR still hears about it
# (the comment workflow posts whatever comment.md says). A shard says it in its status file
# instead, which the merge step turns into the comment.
FAILURE="The benchmark stopped unexpectedly."
SHARD_STATE=ok
# shellcheck disable=SC2329 # invoked by the EXIT trap
cleanup() {
  local rc=$?
  if [[ $MODE == shard ]]; then
    if [[ $rc -eq 0 ]]; then
      printf '%s\n' "$SHARD_STATE" >"$OUT_DIR/status"
    else
      printf 'failed: %s\n' "$FAILURE" >"$OUT_DIR/status"
    fi
  elif [[ ! -s $COMMENT ]]; then
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
  # Actions sets all three; elsewhere there is no run to link to.
  if [[ -n ${GITHUB_RUN_ID:-} && -n ${GITHUB_SERVER_URL:-} && -n ${GITHUB_REPOSITORY:-} ]]; then
    run_url="$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
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
prepare_tree() {
  git -C "$REPO" worktree add --detach --quiet "$WORK/$1" "$2" \
    || { FAILURE="Could not check out the $1 commit."; exit 2; }
}
# Sets BIN_<SIDE> to the side's dockbench: the override if given, else (merge) the one a shard
# measured with, else one built from its tree.
prepare_bin() {
  local side=$1 sha=$2 override=$3 var
  var=BIN_${side^^}
  if [[ -n $override ]]; then
    # A bare name is looked up on PATH; a path is made absolute (the runs start elsewhere).
    [[ $override == */* ]] || override=$(command -v "$override") || override=/nonexistent/$override
    [[ -x $override ]] || { FAILURE="The $side dockbench binary '$override' is not executable."; exit 2; }
    override=$(cd "$(dirname "$override")" && pwd)/$(basename "$override")
    printf -v "$var" '%s' "$override"
    return
  fi
  mkdir -p "$WORK/bin"
  if [[ -n ${SHARD_BIN_DIR:-} && -f $SHARD_BIN_DIR/dockbench-$side ]]; then
    # Artifacts drop the executable bit; the copy gets it back.
    cp "$SHARD_BIN_DIR/dockbench-$side" "$WORK/bin/dockbench-$side"
    chmod +x "$WORK/bin/dockbench-$side"
    printf -v "$var" '%s' "$WORK/bin/dockbench-$side"
    return
  fi
  log "building dockbench at the $side commit (${sha:0:12})"
  local target=${CARGO_TARGET_DIR:-$REPO/target/dockbench-pr-build}
  (cd "$WORK/$side" && CARGO_TARGET_DIR=$target cargo build --release --locked --quiet) \
    || { FAILURE="dockbench does not build at the $side commit."; exit 2; }
  cp "$target/release/dockbench" "$WORK/bin/dockbench-$side"
  printf -v "$var" '%s' "$WORK/bin/dockbench-$side"
}
prepare_bins() {
  prepare_bin base "$base_sha" "${DOCKBENCH_BASE:-${DOCKBENCH:-}}"
  prepare_bin head "$head_sha" "${DOCKBENCH_HEAD:-${DOCKBENCH:-}}"
  readonly BIN_BASE BIN_HEAD
}

prepare_tree base "$base_sha"
prepare_tree head "$head_sha"
if [[ ! -f $WORK/head/$SUITE ]]; then
  FAILURE="The suite \`$SUITE\` does not exist at the head commit."
  exit 2
fi
if [[ ! -f $WORK/base/$SUITE ]]; then
  if [[ $MODE == shard ]]; then
    SHARD_STATE=skipped
  else
    write_failure_comment "The suite \`$SUITE\` is new in this PR: there is no base to compare with."
  fi
  log "the suite does not exist at the base commit; nothing to compare"
  exit 0
fi

# --- merge: the shards' rounds ----------------------------------------------------------------
# Every shard 1..N must have finished on these commits; sets ROUNDS_FROM (the folders whose
# rounds count) and SHARD_BIN_DIR.
ROUNDS_FROM=()
check_shards() {
  local dir line k n="" state
  local -a seen=()
  for dir in "${SHARD_DIRS[@]}"; do
    line=$(head -n 1 "$dir/shard" 2>/dev/null) || line=""
    [[ $line =~ ^([1-9][0-9]*)/([1-9][0-9]*)$ ]] \
      || { FAILURE="No shard's results in \`$dir\` (its job did not upload them?)."; exit 2; }
    k=${BASH_REMATCH[1]}
    [[ -z $n || $n == "${BASH_REMATCH[2]}" ]] \
      || { FAILURE="The shards disagree on their number: $line and $k of $n."; exit 2; }
    n=${BASH_REMATCH[2]}
    [[ -z ${seen[k]:-} ]] || { FAILURE="Shard $line was given twice."; exit 2; }
    seen[k]=$dir
    [[ $(cat "$dir/commits" 2>/dev/null) == "$(printf 'base %s\nhead %s' "$base_sha" "$head_sha")" ]] \
      || { FAILURE="Shard $line measured other commits than base \`${base_sha:0:12}\` and head \`${head_sha:0:12}\`."; exit 2; }
    state=$(head -n 1 "$dir/status" 2>/dev/null) || state=""
    case $state in
      ok | unsharded) ROUNDS_FROM+=("$dir") ;;
      skipped) ;;
      failed:*) FAILURE="Shard $line: ${state#failed: }"; exit 2 ;;
      *) FAILURE="Shard $line did not finish."; exit 2 ;;
    esac
  done
  for ((k = 1; k <= n; k++)); do
    [[ -n ${seen[k]:-} ]] || { FAILURE="Shard $k/$n is missing: its job did not finish or upload its results."; exit 2; }
  done
  [[ ${#ROUNDS_FROM[@]} -gt 0 ]] || { FAILURE="No shard measured anything."; exit 2; }
  SHARD_BIN_DIR=${ROUNDS_FROM[0]}/bin
}

# --- interleaved rounds -----------------------------------------------------------------------
# Flags a dockbench build may predate are passed only when its `run --help` lists them.
run_help() { "$1" run --help 2>/dev/null || true; }
run_flags() {
  local help
  help=$(run_help "$1")
  printf '%s\n' --no-progress
  [[ $help == *--no-report* ]] && printf '%s\n' --no-report
  [[ -n $SHARD_FLAG ]] && printf '%s\n' --shard "$SHARD_FLAG"
  return 0
}
# Both sides must measure the same variants, so both must know --shard, or neither shards.
choose_shard_flag() {
  SHARD_FLAG=""
  [[ $MODE == shard ]] || return 0
  if [[ $(run_help "$BIN_BASE") == *--shard* && $(run_help "$BIN_HEAD") == *--shard* ]]; then
    SHARD_FLAG=$SHARD
  elif [[ ${SHARD%%/*} == 1 ]]; then
    log "warning: a dockbench here predates --shard: shard 1 measures every variant, the other shards none"
    SHARD_STATE=unsharded
  else
    log "a dockbench here predates --shard: shard 1 measures every variant; nothing to do in shard $SHARD"
    SHARD_STATE=skipped
    exit 0
  fi
}

run_side() {
  local side=$1 round=$2 bin flags rc=0 out
  out=$OUT_DIR/rounds/$side/$(printf '%02d' "$round")
  if [[ $side == base ]]; then bin=$BIN_BASE; flags=("${FLAGS_BASE[@]}"); else bin=$BIN_HEAD; flags=("${FLAGS_HEAD[@]}"); fi
  log "round $round/$ROUNDS: $side${SHARD_FLAG:+ (shard $SHARD_FLAG)}"
  mkdir -p "$(dirname "$out")"
  "$bin" run "$WORK/$side/$SUITE" --runs "$RUNS_PER_ROUND" --out "$out" "${flags[@]}" || rc=$?
  case $rc in
    0) ;;
    1) log "$side, round $round: a variant failed or missed a target (compare will show it)" ;;
    130) FAILURE="Interrupted during round $round ($side)."; exit 130 ;;
    *) FAILURE="\`dockbench run\` failed for the $side commit in round $round (exit $rc)."; exit 2 ;;
  esac
}
run_rounds() {
  mapfile -t FLAGS_BASE < <(run_flags "$BIN_BASE")
  mapfile -t FLAGS_HEAD < <(run_flags "$BIN_HEAD")
  local round side order
  for ((round = 1; round <= ROUNDS; round++)); do
    if (( round % 2 == 1 )); then order=(base head); else order=(head base); fi
    for side in "${order[@]}"; do run_side "$side" "$round"; done
  done
}

if [[ $MODE == merge ]]; then
  check_shards
  prepare_bins
else
  prepare_bins
  choose_shard_flag
  run_rounds
  ROUNDS_FROM=("$OUT_DIR")
fi
if [[ $MODE == shard ]]; then
  # The merge step judges with the builds that measured.
  mkdir -p "$OUT_DIR/bin"
  cp "$BIN_BASE" "$OUT_DIR/bin/dockbench-base"
  cp "$BIN_HEAD" "$OUT_DIR/bin/dockbench-head"
  log "shard $SHARD measured; merge it with the others: bench-pr.sh merge DIR..."
  exit 0
fi

for side in base head; do
  rounds=()
  for dir in "${ROUNDS_FROM[@]}"; do rounds+=("$dir/rounds/$side"/*); done
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
