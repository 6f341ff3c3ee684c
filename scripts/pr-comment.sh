#!/usr/bin/env bash
# scripts/pr-comment.sh: post or update ("upsert") dockbench's comparison comment on a pull request.
#
# Usage: scripts/pr-comment.sh PR_NUMBER COMMENT_FILE
#
# COMMENT_FILE is the markdown `dockbench compare --format markdown` wrote. Its first line is a
# hidden marker (`<!-- dockbench-compare ... -->`); the PR's comment whose body starts with that
# marker is updated (PATCH), or a new comment is posted when there is none. So each PR carries
# one dockbench comment, rewritten by every run, and nobody else's comment is ever touched.
#
# Uses the GitHub CLI (`gh`, authenticated by GH_TOKEN in CI) and python3 (to read JSON).
# The body goes to gh as a file (`-F body=@FILE`), never through the shell, so backticks, `$(...)`,
# quotes and the like in the comment are posted as they are.
#
# Environment:
#   GH_REPO or GITHUB_REPOSITORY   owner/name of the repository (required)
#   DOCKBENCH_COMMENT_MARKER       the marker to look for (default `<!-- dockbench-compare`);
#                                  set it to a longer prefix to keep one comment per suite
#   DOCKBENCH_EXPECT_HEAD_SHA      if set, the PR's head commit must be this one, or nothing is
#                                  posted: the PR number comes from an artifact a fork's code
#                                  wrote, and this stops it from pointing at another PR
# Exit: 0 posted or updated, 1 GitHub refused or failed, 2 bad arguments or environment.
set -euo pipefail

readonly MARKER=${DOCKBENCH_COMMENT_MARKER:-<!-- dockbench-compare}
# GitHub rejects comment bodies over 65,536 characters; keep a margin for the truncation note.
readonly MAX_BODY_CHARS=60000

log() { printf 'pr-comment: %s\n' "$*" >&2; }
usage_error() { printf 'pr-comment: error: %s\nusage: %s PR_NUMBER COMMENT_FILE\n' "$1" "$0" >&2; exit 2; }
die() { printf 'pr-comment: error: %s\n' "$*" >&2; exit 1; }

[[ $# -eq 2 ]] || usage_error "expected 2 arguments, got $#"
readonly PR=$1 COMMENT_FILE=$2

# The number reaches us from an artifact; it goes into an API path, so only digits pass.
[[ $PR =~ ^[1-9][0-9]{0,9}$ ]] || usage_error "PR_NUMBER must be a positive integer, got '$PR'"
[[ -f $COMMENT_FILE && -r $COMMENT_FILE ]] || usage_error "COMMENT_FILE '$COMMENT_FILE' is not a readable file"
[[ -s $COMMENT_FILE ]] || usage_error "COMMENT_FILE '$COMMENT_FILE' is empty"

REPO=${GH_REPO:-${GITHUB_REPOSITORY:-}}
[[ -n $REPO ]] || usage_error "set GH_REPO (or GITHUB_REPOSITORY) to owner/name"
[[ $REPO =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || usage_error "GH_REPO '$REPO' is not owner/name"
readonly REPO
command -v gh >/dev/null 2>&1 || usage_error "the GitHub CLI (gh) is not on PATH"
command -v python3 >/dev/null 2>&1 || usage_error "python3 is not on PATH"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The body must start with the marker, or the next run could not find this comment again and
# every run would add one more.
first_line=$(head -n 1 "$COMMENT_FILE" | tr -d '\r')
[[ ${first_line#"${first_line%%[![:space:]]*}"} == "$MARKER"* ]] \
  || usage_error "COMMENT_FILE does not start with the marker '$MARKER' (is it dockbench compare --format markdown output?)"

# Over-long bodies are cut at a line boundary, with a note, rather than rejected by GitHub.
BODY=$TMP/body.md
python3 - "$COMMENT_FILE" "$BODY" "$MAX_BODY_CHARS" <<'PY'
import sys
src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(src, encoding="utf-8", errors="replace", newline="").read()
if len(text) > limit:
    cut = text.rfind("\n", 0, limit)
    text = text[: cut if cut > 0 else limit] + (
        "\n\n_(comment truncated: see the workflow run's artifacts for the full comparison)_\n"
    )
open(dst, "w", encoding="utf-8", newline="").write(text)
PY

if [[ -n ${DOCKBENCH_EXPECT_HEAD_SHA:-} ]]; then
  gh api "repos/$REPO/pulls/$PR" >"$TMP/pull.json" \
    || die "could not read PR #$PR of $REPO (gh exit $?)"
  head_sha=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["head"]["sha"])' "$TMP/pull.json") \
    || die "unexpected answer for PR #$PR of $REPO (no head.sha)"
  [[ $head_sha == "$DOCKBENCH_EXPECT_HEAD_SHA" ]] \
    || die "PR #$PR's head is $head_sha, but the benchmark ran on $DOCKBENCH_EXPECT_HEAD_SHA: not commenting (wrong PR number in the artifact, or the PR moved on; a newer run will comment)"
fi

# --paginate follows every page (100 comments each); gh prints the pages' arrays one after
# another, which the reader below takes as a stream of JSON values.
gh api --paginate "repos/$REPO/issues/$PR/comments?per_page=100" >"$TMP/comments.json" \
  || die "could not list the comments of PR #$PR in $REPO (gh exit $?)"
python3 - "$TMP/comments.json" "$MARKER" >"$TMP/ids" <<'PY' || die "could not read the comment list gh returned"
import json, sys
text, marker = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
decoder, pos = json.JSONDecoder(), 0
while True:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos == len(text):
        break
    page, pos = decoder.raw_decode(text, pos)
    if not isinstance(page, list):
        sys.exit(f"pr-comment: error: expected a list of comments, got: {str(page)[:200]}")
    for comment in page:
        if (comment.get("body") or "").lstrip().startswith(marker):
            print(comment["id"])
PY
mapfile -t ids <"$TMP/ids"

if [[ ${#ids[@]} -eq 0 ]]; then
  gh api --method POST "repos/$REPO/issues/$PR/comments" -F "body=@$BODY" >/dev/null \
    || die "could not post a comment on PR #$PR in $REPO (gh exit $?)"
  log "posted a new comment on PR #$PR"
else
  [[ ${ids[0]} =~ ^[0-9]+$ ]] || die "unexpected comment id '${ids[0]}'"
  # Several marked comments only happen after a race between two runs; the oldest keeps its
  # place in the conversation and the others are left as they are.
  [[ ${#ids[@]} -eq 1 ]] || log "${#ids[@]} comments carry the marker; updating the oldest (${ids[0]})"
  gh api --method PATCH "repos/$REPO/issues/comments/${ids[0]}" -F "body=@$BODY" >/dev/null \
    || die "could not update comment ${ids[0]} on PR #$PR in $REPO (gh exit $?)"
  log "updated comment ${ids[0]} on PR #$PR"
fi
