#!/usr/bin/env bash
# scripts/lib/git-credential-token.sh: a git credential helper answering with the token in
# DOCKBENCH_GIT_TOKEN, as GitHub's `x-access-token` user. scripts/bench-scheduled.sh sets that
# variable for its remote git commands only (ls-remote, fetch, push of the history branch), so
# the token is never on a command line, in .git/config, or in the environment of anything else.
# Used as: git -c credential.helper= -c 'credential.helper=!bash scripts/lib/git-credential-token.sh' push ...
set -euo pipefail
# git calls a helper with get, store or erase; only get has an answer.
[[ ${1:-} == get ]] || exit 0
# git writes the request (protocol, host, ...) to stdin; the token is for the one remote the
# calling script talks to, so the request is read and not used.
cat >/dev/null
[[ -n ${DOCKBENCH_GIT_TOKEN:-} ]] || exit 0
printf 'username=x-access-token\npassword=%s\n' "$DOCKBENCH_GIT_TOKEN"
