#!/usr/bin/env bash
# scripts/bench-scheduled.sh: run a suite, append the run to the history kept on a git branch,
# redraw the trend charts, and commit (and optionally push) it all to that branch.
#
# The history branch (default `dockbench-history`) shares no commits with the code. It holds
#   results/<suite>/<UTC timestamp>/   every run's data: results.json, samples.csv,
#                                      environment.json and report.md (the full report, with
#                                      report.html and its charts, stays in REPORT_ROOT for the
#                                      workflow's artifact: at ~1 MB a run it would bloat git)
#   trends/history.csv, trends/charts/ `dockbench history results --out trends`
#   README.md, index.html, .nojekyll   a page showing the trend charts: GitHub shows README.md
#                                      when browsing the branch, and GitHub Pages can serve the
#                                      branch as it is (index.html)
# Each scheduled run adds one commit. Results folders never collide, and the trend files are
# regenerated from all of them, so the branch is the whole record and the charts can be redrawn.
#
# Sharded, for a CI matrix where each runner measures some of the variants (docs/ci.md), the
# same run is split in two steps:
#   SHARD=K/N scripts/bench-scheduled.sh   runs `dockbench run --shard K/N` into SHARD_DIR and
#                                          records nothing: SHARD_DIR gets results/ (dockbench's
#                                          folder), shard (K/N), exit-code (dockbench run's) and
#                                          bin/dockbench (the build that measured)
#   scripts/bench-scheduled.sh merge SHARD_DIR...
#                                          `dockbench merge`s the shards' results into one folder
#                                          and records it exactly like an unsharded run: one
#                                          results folder, one commit. Every shard 1..N must be
#                                          there and usable (exit 0 or 1), or nothing is recorded.
#
# Usage: scripts/bench-scheduled.sh [merge SHARD_DIR...]   (run from inside the repository's checkout)
# Environment:
#   SUITE            suite file (default scenarios/python-api/suite.toml), relative to the
#                    repository root or absolute
#   RUNS             `--runs` for dockbench run (default: the suite's own)
#   SHARD            K/N: run shard K of N only (see above)
#   SHARD_DIR        where SHARD puts its outputs (default REPORT_ROOT/shard-K-of-N); it must
#                    not hold a previous run
#   BALANCE_FROM     SHARD: a results root holding earlier runs (the history branch's
#                    results/): `dockbench run --balance-from` deals the variants out by their
#                    last measured durations. Every shard must read the same one. Ignored when
#                    it is not a folder (the first scheduled run has no history yet)
#   DOCKBENCH        the dockbench binary (default: merge: the first shard's bin/dockbench;
#                    otherwise built here with cargo build --release)
#   HISTORY_DIR      where the history branch is checked out as a git worktree (default
#                    target/dockbench-history); an existing worktree of the branch is reused
#   HISTORY_BRANCH   default dockbench-history; created (as an orphan branch) when missing
#   HISTORY_REMOTE   default origin: the branch is fetched from there when it exists
#   HISTORY_TOKEN    a token for HISTORY_REMOTE over https (CI: the workflow's GITHUB_TOKEN, as
#                    its checkout keeps no credentials); given to git's remote commands only,
#                    through scripts/lib/git-credential-token.sh, never to dockbench
#   PUSH             1 to push the new commit to HISTORY_REMOTE (default 0: commit only)
#   REPORT_ROOT      where `dockbench run` writes the full results folder, under the same
#                    results/<suite>/<timestamp> path (default target/dockbench-scheduled)
#   GITHUB_OUTPUT    if set (GitHub Actions), gets results_dir=<the full results folder> and
#                    history_dir=... (SHARD: shard_dir=...)
# Exit: dockbench run's code once the run is recorded (0 all targets met, 1 a variant failed or
# a target was missed; merge: the highest of the shards'); 2 when nothing could be recorded
# (merge: a shard missing), or the history or push failed; a shard's own code (3, 130, ...) when
# it was unusable (nothing recorded); 130 interrupted (nothing recorded). SHARD: dockbench run's.
set -euo pipefail

log() { printf 'bench-scheduled: %s\n' "$*" >&2; }
die() { printf 'bench-scheduled: error: %s\n' "$*" >&2; exit 2; }

REPO=$(git rev-parse --show-toplevel 2>/dev/null) || die "run this from inside the git repository"
readonly REPO
SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPTS

# The history remote's token leaves the environment at once: only remote_git below hands it on,
# to git's credential helper, so it is never on a command line or in .git/config, and neither
# dockbench nor the builds it starts can read it.
GIT_TOKEN=${HISTORY_TOKEN:-}
unset HISTORY_TOKEN
readonly GIT_TOKEN

MODE=whole
SHARD_DIRS=()
if [[ ${1:-} == merge ]]; then
  MODE=merge
  shift
  [[ $# -gt 0 ]] || die "merge needs the shards' folders: bench-scheduled.sh merge SHARD_DIR..."
  [[ -z ${SHARD:-} ]] || die "SHARD and merge do not go together: each shard runs with SHARD, then one merge"
  SHARD_DIRS=("$@")
elif [[ $# -gt 0 ]]; then
  die "unexpected argument '$1' (usage: bench-scheduled.sh [merge SHARD_DIR...])"
elif [[ -n ${SHARD:-} ]]; then
  MODE=shard
  if [[ ! $SHARD =~ ^([1-9][0-9]*)/([1-9][0-9]*)$ ]] || (( BASH_REMATCH[1] > BASH_REMATCH[2] )); then
    die "SHARD must be K/N with 1 <= K <= N, like 2/4; got '$SHARD'"
  fi
fi
readonly MODE SHARD_DIRS

SUITE=${SUITE:-scenarios/python-api/suite.toml}
[[ $SUITE == /* ]] || SUITE=$REPO/$SUITE
readonly SUITE
readonly HISTORY_BRANCH=${HISTORY_BRANCH:-dockbench-history}
readonly HISTORY_REMOTE=${HISTORY_REMOTE:-origin}
readonly PUSH=${PUSH:-0}
HISTORY_DIR=${HISTORY_DIR:-$REPO/target/dockbench-history}
REPORT_ROOT=${REPORT_ROOT:-$REPO/target/dockbench-scheduled}

# merge reads the suite from the shards' results; the file itself is not needed there.
[[ $MODE == merge || -f $SUITE ]] || die "suite file $SUITE not found"
[[ -z ${RUNS:-} || $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
git check-ref-format --branch "$HISTORY_BRANCH" >/dev/null 2>&1 || die "'$HISTORY_BRANCH' is not a valid branch name"

# Sets DOCKBENCH: the one given, else the build a shard measured with (merge), else a build here.
resolve_dockbench() {
  local shard_bin=${1:-}
  if [[ -n ${DOCKBENCH:-} ]]; then
    [[ -x $DOCKBENCH ]] || DOCKBENCH=$(command -v "$DOCKBENCH") || die "DOCKBENCH '$DOCKBENCH' is not an executable"
  elif [[ -n $shard_bin && -f $shard_bin ]]; then
    # Artifacts drop the executable bit; the copy gets it back.
    BIN_COPY=$(mktemp -d)
    trap 'rm -rf "$BIN_COPY"' EXIT
    DOCKBENCH=$BIN_COPY/dockbench
    cp "$shard_bin" "$DOCKBENCH"
    chmod +x "$DOCKBENCH"
  else
    log "building dockbench (cargo build --release)"
    (cd "$REPO" && cargo build --release --locked --quiet) || die "dockbench does not build"
    DOCKBENCH=${CARGO_TARGET_DIR:-$REPO/target}/release/dockbench
  fi
  readonly DOCKBENCH
}

# ls-remote, fetch and push: with HISTORY_TOKEN, through a credential helper that reads it from
# this one git process's environment. The empty helper first clears any configured ones.
remote_git() {
  if [[ -z $GIT_TOKEN ]]; then
    git "$@"
    return
  fi
  local helper
  helper="!bash $(printf '%q' "$SCRIPTS/lib/git-credential-token.sh")"
  DOCKBENCH_GIT_TOKEN=$GIT_TOKEN git -c credential.helper= -c "credential.helper=$helper" "$@"
}

# --- the history worktree ---------------------------------------------------------------------
prepare_history() {
  git -C "$REPO" worktree prune
  if [[ -e $HISTORY_DIR ]]; then
    local branch
    branch=$(git -C "$HISTORY_DIR" symbolic-ref --short -q HEAD 2>/dev/null) \
      || die "$HISTORY_DIR exists but is not a checkout of a branch"
    [[ $branch == "$HISTORY_BRANCH" ]] || die "$HISTORY_DIR has branch '$branch' checked out, not '$HISTORY_BRANCH'"
    log "using the existing history worktree $HISTORY_DIR"
  elif remote_git -C "$REPO" ls-remote --exit-code --heads "$HISTORY_REMOTE" "$HISTORY_BRANCH" >/dev/null 2>&1; then
    log "checking out $HISTORY_REMOTE/$HISTORY_BRANCH into $HISTORY_DIR"
    remote_git -C "$REPO" fetch --quiet "$HISTORY_REMOTE" \
      "+refs/heads/$HISTORY_BRANCH:refs/remotes/$HISTORY_REMOTE/$HISTORY_BRANCH"
    git -C "$REPO" worktree add --quiet -B "$HISTORY_BRANCH" "$HISTORY_DIR" "$HISTORY_REMOTE/$HISTORY_BRANCH"
  elif git -C "$REPO" show-ref --verify --quiet "refs/heads/$HISTORY_BRANCH"; then
    git -C "$REPO" worktree add --quiet "$HISTORY_DIR" "$HISTORY_BRANCH"
  else
    log "creating the history branch $HISTORY_BRANCH (orphan) in $HISTORY_DIR"
    git -C "$REPO" worktree add --quiet --detach "$HISTORY_DIR"
    git -C "$HISTORY_DIR" checkout --quiet --orphan "$HISTORY_BRANCH"
    git -C "$HISTORY_DIR" rm -rfq --ignore-unmatch .
  fi
  HISTORY_DIR=$(cd "$HISTORY_DIR" && pwd)
  readonly HISTORY_DIR
}

# The results folder is named like dockbench's own default: <suite name>/<UTC start>.
suite_name() {
  local name
  name=$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["name"])' "$SUITE" 2>/dev/null) \
    || name=$(basename "$(dirname "$SUITE")")
  printf '%s' "$name"
}
# Sets rel (results/<name>/<stamp>, free in the history and in REPORT_ROOT), RESULTS_DIR and
# HISTORY_RESULTS.
choose_results_folder() {
  local name=$1 n=2
  name=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_')
  case $name in "" | . | ..) name=suite ;; esac
  rel=results/$name/$stamp
  while [[ -e $HISTORY_DIR/$rel || -e $REPORT_ROOT/$rel ]]; do
    rel=results/$name/$stamp-$n
    n=$((n + 1))
  done
  mkdir -p "$REPORT_ROOT"
  REPORT_ROOT=$(cd "$REPORT_ROOT" && pwd)
  readonly REPORT_ROOT RESULTS_DIR=$REPORT_ROOT/$rel HISTORY_RESULTS=$HISTORY_DIR/$rel
}

# --- recording a run --------------------------------------------------------------------------
html_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
write_index() {
  local charts=() chart latest_report=$rel
  [[ -f $HISTORY_RESULTS/report.md ]] && latest_report=$rel/report.md
  if [[ -d $HISTORY_DIR/trends/charts ]]; then
    # SVG where there is one (sharp at any size), PNG otherwise.
    while IFS= read -r chart; do charts+=("$chart"); done < <(
      cd "$HISTORY_DIR" && find trends/charts -maxdepth 1 -name 'trend-*.svg' | sort
    )
    if [[ ${#charts[@]} -eq 0 ]]; then
      while IFS= read -r chart; do charts+=("$chart"); done < <(
        cd "$HISTORY_DIR" && find trends/charts -maxdepth 1 -name 'trend-*.png' | sort
      )
    fi
  fi
  {
    echo "# dockbench history"
    echo
    echo "Written by \`scripts/bench-scheduled.sh\`; the latest run is [$rel]($latest_report)."
    echo "Every run's results folder is under [results/](results); all points are in"
    echo "[trends/history.csv](trends/history.csv)."
    echo
    for chart in "${charts[@]}"; do echo "![$(basename "$chart" | sed 's/\.[a-z]*$//')]($chart)"; echo; done
  } >"$HISTORY_DIR/README.md"
  {
    echo '<!doctype html><html><head><meta charset="utf-8"><title>dockbench history</title></head><body>'
    echo '<h1>dockbench history</h1>'
    printf '<p>Latest run: <a href="%s">%s</a>. Data: <a href="trends/history.csv">history.csv</a>.</p>\n' \
      "$(html_escape <<<"$latest_report")" "$(html_escape <<<"$rel")"
    for chart in "${charts[@]}"; do
      printf '<p><img src="%s" alt="%s"></p>\n' "$(html_escape <<<"$chart")" "$(basename "$chart" | html_escape)"
    done
    echo '</body></html>'
  } >"$HISTORY_DIR/index.html"
  # Serve the files as they are if Pages publishes this branch (no Jekyll build).
  : >"$HISTORY_DIR/.nojekyll"
}

# Copies RESULTS_DIR's data into the history, redraws the trends, commits and (PUSH=1) pushes;
# exits with run_rc, or 2 when the history failed. $2 goes into the commit message.
record() {
  local run_rc=$1 note=$2 f
  # The data, not the rendered report, goes into the history.
  mkdir -p "$HISTORY_RESULTS"
  for f in results.json samples.csv environment.json report.md; do
    [[ -f $RESULTS_DIR/$f ]] && cp "$RESULTS_DIR/$f" "$HISTORY_RESULTS/"
  done
  if [[ ! -f $HISTORY_RESULTS/results.json ]]; then
    rm -rf "$HISTORY_RESULTS"
    die "dockbench exited with $run_rc but wrote no $RESULTS_DIR/results.json"
  fi
  if [[ -n ${GITHUB_STEP_SUMMARY:-} && -f $RESULTS_DIR/report.md ]]; then
    cat "$RESULTS_DIR/report.md" >>"$GITHUB_STEP_SUMMARY"
  fi

  # Drawn into a fresh folder that replaces the old one only on success: a failed redraw keeps
  # the previous charts rather than committing half of them.
  local history_rc=0 trends_new=$HISTORY_DIR/.trends.new
  rm -rf "$trends_new"
  "$DOCKBENCH" history "$HISTORY_DIR/results" --out "$trends_new" || history_rc=$?
  if [[ $history_rc -eq 0 ]]; then
    rm -rf "$HISTORY_DIR/trends"
    mv "$trends_new" "$HISTORY_DIR/trends"
  else
    rm -rf "$trends_new"
    log "error: dockbench history exited with $history_rc; committing the run with the previous trends"
  fi
  write_index

  local source_commit identity=()
  source_commit=$(git -C "$REPO" rev-parse --short HEAD)
  git -C "$HISTORY_DIR" add -A
  if [[ -z $(git -C "$HISTORY_DIR" config user.email || true) ]]; then
    identity=(-c "user.name=github-actions[bot]" -c "user.email=41898282+github-actions[bot]@users.noreply.github.com")
  fi
  git -C "$HISTORY_DIR" "${identity[@]}" commit --quiet \
    -m "dockbench: $(basename "$(dirname "$rel")") $stamp (exit $run_rc, code $source_commit$note)"
  log "recorded $rel on $HISTORY_BRANCH"
  if [[ $PUSH == 1 ]]; then
    # A concurrency group in the workflow keeps runs from racing; if the branch moved anyway,
    # say so rather than merge generated files.
    remote_git -C "$HISTORY_DIR" push --quiet "$HISTORY_REMOTE" "HEAD:refs/heads/$HISTORY_BRANCH" \
      || die "pushing $HISTORY_BRANCH to $HISTORY_REMOTE failed (did the branch move? run again)"
    log "pushed $HISTORY_BRANCH to $HISTORY_REMOTE"
  fi
  [[ $history_rc -eq 0 ]] || exit 2
  exit "$run_rc"
}

# An unusable suite, an unreachable engine or Ctrl-C: partial data would only mislead the trend
# charts, so nothing is recorded.
refuse_unusable() {
  local rc=$1 what=$2
  case $rc in
    0) ;;
    1) log "$what: a variant failed or missed a target; recording the run all the same" ;;
    *)
      log "$what: dockbench run exited with $rc: nothing recorded"
      exit "$rc"
      ;;
  esac
}

# --- the three modes --------------------------------------------------------------------------
run_whole() {
  resolve_dockbench
  prepare_history
  stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
  choose_results_folder "$(suite_name)"
  local args=(run "$SUITE" --out "$RESULTS_DIR" --no-progress) run_rc=0
  [[ -n ${RUNS:-} ]] && args+=(--runs "$RUNS")
  log "dockbench ${args[*]}"
  "$DOCKBENCH" "${args[@]}" || run_rc=$?
  # Whatever the run left is the workflow's artifact, recorded or not.
  if [[ -n ${GITHUB_OUTPUT:-} && -d $RESULTS_DIR ]]; then
    printf 'results_dir=%s\nhistory_dir=%s\n' "$RESULTS_DIR" "$HISTORY_DIR" >>"$GITHUB_OUTPUT"
  fi
  refuse_unusable "$run_rc" "the run"
  record "$run_rc" ""
}

run_shard() {
  local dir=${SHARD_DIR:-$REPORT_ROOT/shard-${SHARD%/*}-of-${SHARD#*/}} run_rc=0
  [[ ! -e $dir || -z $(ls -A "$dir") ]] || die "SHARD_DIR $dir is not empty (remove it, or set SHARD_DIR)"
  resolve_dockbench
  mkdir -p "$dir/bin"
  dir=$(cd "$dir" && pwd)
  printf '%s\n' "$SHARD" >"$dir/shard"
  # The merge step records with the build that measured.
  cp "$DOCKBENCH" "$dir/bin/dockbench"
  local args=(run "$SUITE" --out "$dir/results" --no-progress --shard "$SHARD")
  [[ -n ${RUNS:-} ]] && args+=(--runs "$RUNS")
  if [[ -n ${BALANCE_FROM:-} && -d $BALANCE_FROM ]]; then
    args+=(--balance-from "$BALANCE_FROM")
  elif [[ -n ${BALANCE_FROM:-} ]]; then
    log "BALANCE_FROM $BALANCE_FROM is not a folder (no history yet?): shards split by name"
  fi
  log "dockbench ${args[*]}"
  "$DOCKBENCH" "${args[@]}" || run_rc=$?
  # The merge step decides from this whether the shard is usable.
  printf '%s\n' "$run_rc" >"$dir/exit-code"
  [[ -z ${GITHUB_OUTPUT:-} ]] || printf 'shard_dir=%s\n' "$dir" >>"$GITHUB_OUTPUT"
  log "shard $SHARD done (exit $run_rc) in $dir; record the shards with: bench-scheduled.sh merge DIR..."
  exit "$run_rc"
}

# Every shard 1..N once, each usable; sets BY_SHARD (its folders in shard order) and MERGED_RC
# (the highest exit code, 0 or 1).
check_shards() {
  local dir line k n="" code
  BY_SHARD=() MERGED_RC=0
  for dir in "${SHARD_DIRS[@]}"; do
    line=$(head -n 1 "$dir/shard" 2>/dev/null) || line=""
    [[ $line =~ ^([1-9][0-9]*)/([1-9][0-9]*)$ ]] \
      || die "$dir holds no shard (no shard file, did its job upload it?): nothing recorded"
    k=${BASH_REMATCH[1]}
    [[ -z $n || $n == "${BASH_REMATCH[2]}" ]] || die "the shards disagree on their number ($line and $k of $n): nothing recorded"
    n=${BASH_REMATCH[2]}
    [[ -z ${BY_SHARD[k]:-} ]] || die "shard $line given twice ($dir and ${BY_SHARD[k]}): nothing recorded"
    BY_SHARD[k]=$(cd "$dir" && pwd)
    code=$(head -n 1 "$dir/exit-code" 2>/dev/null) || code=""
    [[ $code =~ ^[0-9]+$ ]] || die "shard $line did not finish (no exit code in $dir): nothing recorded"
    refuse_unusable "$code" "shard $line"
    if (( code > MERGED_RC )); then MERGED_RC=$code; fi
  done
  for ((k = 1; k <= n; k++)); do
    [[ -n ${BY_SHARD[k]:-} ]] || die "shard $k/$n is missing: nothing recorded (the history would lack its variants)"
  done
  BY_SHARD=("${BY_SHARD[@]}")
}

merge_shards() {
  check_shards
  resolve_dockbench "${BY_SHARD[0]}/bin/dockbench"
  prepare_history
  # Named after the suite the shards ran, stamped with the earliest shard's start.
  local name_start
  name_start=$(python3 - "${BY_SHARD[@]}" <<'PY'
import json, sys
runs = [json.load(open(f"{d}/results/results.json", encoding="utf-8")) for d in sys.argv[1:]]
print(runs[0]["suite"], min(r["started_at"] for r in runs).replace(":", "-"))
PY
  ) || die "cannot read the shards' results.json: nothing recorded"
  stamp=${name_start#* }
  [[ $stamp =~ ^[0-9T:Z.-]+$ ]] || stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
  choose_results_folder "${name_start%% *}"
  local inputs=("${BY_SHARD[@]/%//results}")
  log "dockbench merge --out $RESULTS_DIR ${inputs[*]}"
  "$DOCKBENCH" merge --out "$RESULTS_DIR" "${inputs[@]}" || die "dockbench merge failed: nothing recorded"
  "$DOCKBENCH" report "$RESULTS_DIR" >/dev/null || log "warning: dockbench report failed; recording the data without report.md"
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    printf 'results_dir=%s\nhistory_dir=%s\n' "$RESULTS_DIR" "$HISTORY_DIR" >>"$GITHUB_OUTPUT"
  fi
  record "$MERGED_RC" ", ${#BY_SHARD[@]} shards"
}

case $MODE in
  whole) run_whole ;;
  shard) run_shard ;;
  merge) merge_shards ;;
esac
