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
# Usage: scripts/bench-scheduled.sh     (run from inside the repository's checkout)
# Environment:
#   SUITE            suite file (default scenarios/python-api/suite.toml), relative to the
#                    repository root or absolute
#   RUNS             `--runs` for dockbench run (default: the suite's own)
#   DOCKBENCH        the dockbench binary (default: built here with cargo build --release)
#   HISTORY_DIR      where the history branch is checked out as a git worktree (default
#                    target/dockbench-history); an existing worktree of the branch is reused
#   HISTORY_BRANCH   default dockbench-history; created (as an orphan branch) when missing
#   HISTORY_REMOTE   default origin: the branch is fetched from there when it exists
#   PUSH             1 to push the new commit to HISTORY_REMOTE (default 0: commit only)
#   REPORT_ROOT      where `dockbench run` writes the full results folder, under the same
#                    results/<suite>/<timestamp> path (default target/dockbench-scheduled)
#   GITHUB_OUTPUT    if set (GitHub Actions), gets results_dir=<the full results folder> and
#                    history_dir=...
# Exit: dockbench run's code once the run is recorded (0 all targets met, 1 a variant failed or
# a target was missed); 2 when nothing could be recorded, or the history or push failed;
# 130 interrupted (nothing recorded).
set -euo pipefail

log() { printf 'bench-scheduled: %s\n' "$*" >&2; }
die() { printf 'bench-scheduled: error: %s\n' "$*" >&2; exit 2; }

REPO=$(git rev-parse --show-toplevel 2>/dev/null) || die "run this from inside the git repository"
readonly REPO
SUITE=${SUITE:-scenarios/python-api/suite.toml}
[[ $SUITE == /* ]] || SUITE=$REPO/$SUITE
readonly SUITE
readonly HISTORY_BRANCH=${HISTORY_BRANCH:-dockbench-history}
readonly HISTORY_REMOTE=${HISTORY_REMOTE:-origin}
readonly PUSH=${PUSH:-0}
HISTORY_DIR=${HISTORY_DIR:-$REPO/target/dockbench-history}
REPORT_ROOT=${REPORT_ROOT:-$REPO/target/dockbench-scheduled}

[[ -f $SUITE ]] || die "suite file $SUITE not found"
[[ -z ${RUNS:-} || $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
git check-ref-format --branch "$HISTORY_BRANCH" >/dev/null 2>&1 || die "'$HISTORY_BRANCH' is not a valid branch name"

if [[ -n ${DOCKBENCH:-} ]]; then
  [[ -x $DOCKBENCH ]] || DOCKBENCH=$(command -v "$DOCKBENCH") || die "DOCKBENCH '$DOCKBENCH' is not an executable"
else
  log "building dockbench (cargo build --release)"
  (cd "$REPO" && cargo build --release --locked --quiet) || die "dockbench does not build"
  DOCKBENCH=${CARGO_TARGET_DIR:-$REPO/target}/release/dockbench
fi
readonly DOCKBENCH

# --- the history worktree ---------------------------------------------------------------------
prepare_history() {
  git -C "$REPO" worktree prune
  if [[ -e $HISTORY_DIR ]]; then
    local branch
    branch=$(git -C "$HISTORY_DIR" symbolic-ref --short -q HEAD 2>/dev/null) \
      || die "$HISTORY_DIR exists but is not a checkout of a branch"
    [[ $branch == "$HISTORY_BRANCH" ]] || die "$HISTORY_DIR has branch '$branch' checked out, not '$HISTORY_BRANCH'"
    log "using the existing history worktree $HISTORY_DIR"
  elif git -C "$REPO" ls-remote --exit-code --heads "$HISTORY_REMOTE" "$HISTORY_BRANCH" >/dev/null 2>&1; then
    log "checking out $HISTORY_REMOTE/$HISTORY_BRANCH into $HISTORY_DIR"
    git -C "$REPO" fetch --quiet "$HISTORY_REMOTE" \
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
}
prepare_history
HISTORY_DIR=$(cd "$HISTORY_DIR" && pwd)
readonly HISTORY_DIR

# The results folder is named like dockbench's own default: <suite name>/<UTC start>.
suite_name() {
  local name
  name=$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["name"])' "$SUITE" 2>/dev/null) \
    || name=$(basename "$(dirname "$SUITE")")
  name=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_')
  case $name in "" | . | ..) name=suite ;; esac
  printf '%s' "$name"
}
stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
rel=results/$(suite_name)/$stamp
n=2
while [[ -e $HISTORY_DIR/$rel || -e $REPORT_ROOT/$rel ]]; do
  rel=results/$(suite_name)/$stamp-$n
  n=$((n + 1))
done
mkdir -p "$REPORT_ROOT"
REPORT_ROOT=$(cd "$REPORT_ROOT" && pwd)
readonly REPORT_ROOT RESULTS_DIR=$REPORT_ROOT/$rel HISTORY_RESULTS=$HISTORY_DIR/$rel

# --- run ----------------------------------------------------------------------------------------
args=(run "$SUITE" --out "$RESULTS_DIR" --no-progress)
[[ -n ${RUNS:-} ]] && args+=(--runs "$RUNS")
log "dockbench ${args[*]}"
run_rc=0
"$DOCKBENCH" "${args[@]}" || run_rc=$?
# Whatever the run left is the workflow's artifact, recorded or not.
if [[ -n ${GITHUB_OUTPUT:-} && -d $RESULTS_DIR ]]; then
  printf 'results_dir=%s\nhistory_dir=%s\n' "$RESULTS_DIR" "$HISTORY_DIR" >>"$GITHUB_OUTPUT"
fi
case $run_rc in
  0) ;;
  1) log "a variant failed or missed a target; recording the run all the same" ;;
  *)
    # An unusable suite, an unreachable engine or Ctrl-C: partial data would only mislead the
    # trend charts, so nothing is recorded.
    log "dockbench run exited with $run_rc: nothing recorded"
    exit "$run_rc"
    ;;
esac
# The data, not the rendered report, goes into the history.
mkdir -p "$HISTORY_RESULTS"
for f in results.json samples.csv environment.json report.md; do
  [[ -f $RESULTS_DIR/$f ]] && cp "$RESULTS_DIR/$f" "$HISTORY_RESULTS/"
done
if [[ ! -f $HISTORY_RESULTS/results.json ]]; then
  rm -rf "$HISTORY_RESULTS"
  die "dockbench run exited with $run_rc but wrote no $RESULTS_DIR/results.json"
fi
if [[ -n ${GITHUB_STEP_SUMMARY:-} && -f $RESULTS_DIR/report.md ]]; then
  cat "$RESULTS_DIR/report.md" >>"$GITHUB_STEP_SUMMARY"
fi

# --- trends and the page showing them -----------------------------------------------------------
# Drawn into a fresh folder that replaces the old one only on success: a failed redraw keeps
# the previous charts rather than committing half of them.
history_rc=0
trends_new=$HISTORY_DIR/.trends.new
rm -rf "$trends_new"
"$DOCKBENCH" history "$HISTORY_DIR/results" --out "$trends_new" || history_rc=$?
if [[ $history_rc -eq 0 ]]; then
  rm -rf "$HISTORY_DIR/trends"
  mv "$trends_new" "$HISTORY_DIR/trends"
else
  rm -rf "$trends_new"
  log "error: dockbench history exited with $history_rc; committing the run with the previous trends"
fi

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
write_index

# --- commit and push ----------------------------------------------------------------------------
source_commit=$(git -C "$REPO" rev-parse --short HEAD)
git -C "$HISTORY_DIR" add -A
identity=()
if [[ -z $(git -C "$HISTORY_DIR" config user.email || true) ]]; then
  identity=(-c "user.name=github-actions[bot]" -c "user.email=41898282+github-actions[bot]@users.noreply.github.com")
fi
git -C "$HISTORY_DIR" "${identity[@]}" commit --quiet \
  -m "dockbench: $(basename "$(dirname "$rel")") $stamp (exit $run_rc, code $source_commit)"
log "recorded $rel on $HISTORY_BRANCH"
if [[ $PUSH == 1 ]]; then
  # A concurrency group in the workflow keeps runs from racing; if the branch moved anyway,
  # say so rather than merge generated files.
  git -C "$HISTORY_DIR" push --quiet "$HISTORY_REMOTE" "HEAD:refs/heads/$HISTORY_BRANCH" \
    || die "pushing $HISTORY_BRANCH to $HISTORY_REMOTE failed (did the branch move? run again)"
  log "pushed $HISTORY_BRANCH to $HISTORY_REMOTE"
fi
[[ $history_rc -eq 0 ]] || exit 2
exit "$run_rc"
