#!/usr/bin/env bash
# scripts/lint-workflows.sh: audit the GitHub workflows (.github/workflows/) with zizmor, the
# static analyser for GitHub Actions: actions not pinned by commit SHA, checkouts that persist
# credentials, `${{ }}` template injection, excessive permissions, dangerous triggers, ...
#
# zizmor is installed, at the version pinned below, into a throwaway virtualenv that is removed
# afterwards (it needs python3 with venv, and PyPI). Findings are shown as zizmor prints them.
# The one intentional finding (the `workflow_run` trigger of dockbench-pr-comment.yml) carries an
# inline `# zizmor: ignore[...]` comment; docs/ci.md says why it is safe.
#
# Usage: scripts/lint-workflows.sh
# Environment:
#   ZIZMOR_ONLINE   1 to run zizmor's online audits too (do the pinned SHAs exist, match their
#                   version comments, have known vulnerabilities?); they need a GitHub token in
#                   GH_TOKEN. Default: offline audits only, so the result depends on the files alone.
# Exit: 0 no findings, 1 findings, 2 zizmor could not be installed or could not run.
set -euo pipefail

# Bump deliberately: a new zizmor can add audits, and so findings.
readonly ZIZMOR_VERSION=1.32.0

log() { printf 'lint-workflows: %s\n' "$*" >&2; }
die() { printf 'lint-workflows: error: %s\n' "$*" >&2; exit 2; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=$(mktemp -d)
trap 'rm -rf "$VENV"' EXIT

log "installing zizmor $ZIZMOR_VERSION into a throwaway virtualenv"
python3 -m venv "$VENV" || die "python3 -m venv failed (install python3-venv?)"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "zizmor==$ZIZMOR_VERSION" \
  || die "pip could not install zizmor==$ZIZMOR_VERSION"

args=(--no-progress)
[[ ${ZIZMOR_ONLINE:-0} == 1 ]] || args+=(--offline)
rc=0
"$VENV/bin/zizmor" "${args[@]}" .github/workflows/ || rc=$?
# zizmor exits 10 + the highest severity found (11-14), and 1 or 2 when it failed itself.
case $rc in
  0) log "no findings" ;;
  1[0-9]) log "findings: see above"; exit 1 ;;
  *) die "zizmor failed (exit $rc)" ;;
esac
