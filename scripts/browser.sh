#!/usr/bin/env bash
# scripts/browser.sh: headless Chromium for the report layout test (tests/report_layout.rs),
# which renders report.html at 1280 px and 390 px and checks that nothing overflows.
#
# Usage:
#   bash scripts/browser.sh install   # Debian's `chromium` from the machine's apt sources, if
#                                     # no Chromium is on PATH; prints the path of the binary
#   bash scripts/browser.sh path      # the binary the test will use; exit 1 when there is none
#
# Why Debian's package and not a downloaded build: it comes from the same signed archive as
# the rest of the machine and needs no network beyond the apt mirror. The test finds the binary
# through DOCKBENCH_CHROMIUM, which this script's `path` prints for test.sh to export.
set -euo pipefail

die() { printf 'browser: error: %s\n' "$*" >&2; exit 1; }

find_chromium() {
  local name
  for name in chromium chromium-browser google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

case ${1:-} in
  install)
    if ! find_chromium >/dev/null; then
      [[ $(id -u) -eq 0 ]] || die "installing chromium needs root (apt-get install chromium)"
      printf 'browser: installing Debian chromium (headless use only)\n' >&2
      # A fresh machine's package lists may be missing or old.
      apt-get -q update >/dev/null || die "apt-get update failed"
      DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null || die "apt-get install chromium failed"
    fi
    find_chromium || die "chromium installed but not on PATH"
    ;;
  path)
    find_chromium || die "no chromium on PATH: run bash scripts/browser.sh install"
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
    ;;
esac
