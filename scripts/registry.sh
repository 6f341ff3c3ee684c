#!/usr/bin/env bash
# scripts/registry.sh: a real image registry on this machine, for the CI and deploy path (push,
# a rebuild from a cache imported from the registry, a pull to a cold node).
#
# Why: dockbench never pulls from the internet, and a CI runner's cache lives in a registry. This
# is Debian bookworm's `docker-registry` (the CNCF distribution registry, 2.8), fetched with an
# apt of its own and unpacked into a prefix (never installed: no system service is added),
# serving on 127.0.0.1 only, its storage in a folder of its own. Docker treats 127.0.0.1 as an
# insecure registry by default, so no engine's configuration changes.
#
# Usage:
#   eval "$(bash scripts/registry.sh start)"   # installs if needed, starts it (or finds it
#                                              # running), prints `export DOCKBENCH_REGISTRY=
#                                              # 127.0.0.1:PORT`
#   bash scripts/registry.sh status            # exit 0 when it answers; prints its address
#   bash scripts/registry.sh stop              # stops it and deletes its storage
#   bash scripts/registry.sh install           # only fetch and unpack the package
#
# Paths: prefix $DOCKBENCH_ENGINES_PREFIX/registry, storage /var/lib/dockbench-registry, state
# (pid, port, configuration) /run/dockbench-registry, log /var/log/dockbench-registry.log.
#
# Environment (defaults in brackets):
#   DOCKBENCH_ENGINES_PREFIX   where packages are unpacked [/opt/dockbench-engines]
#   DOCKBENCH_REGISTRY_PORT    the port to serve on [the first free one from 5000]
# Needs root (the prefix, /run, /var/lib), and `ss` (iproute2) to find a free port.
set -euo pipefail

readonly PREFIX=${DOCKBENCH_ENGINES_PREFIX:-/opt/dockbench-engines}/registry
readonly STATE=/run/dockbench-registry
readonly STORAGE=/var/lib/dockbench-registry
readonly LOG=/var/log/dockbench-registry.log
readonly TIMEOUT=30
readonly HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { printf 'registry: %s\n' "$*" >&2; }
die() { printf 'registry: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
# shellcheck source=lib/debian-prefix.sh
source "$HERE/lib/debian-prefix.sh"

install() {
  prefix_install "$PREFIX" bookworm docker-registry -- usr/bin/docker-registry
}

address() { [[ -f $STATE/port ]] && echo "127.0.0.1:$(cat "$STATE/port")"; }

# The registry's own API root answers 200 with `{}` once it serves.
answers() {
  local addr
  addr=$(address) || return 1
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://$addr/v2/" 2>/dev/null) == 200 ]]
}

running_pid() {
  [[ -f $STATE/pid ]] || return 1
  local pid
  pid=$(cat "$STATE/pid")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

free_port() {
  local port=${DOCKBENCH_REGISTRY_PORT:-5000}
  while ss -Hltn "sport = :$port" | grep -q .; do
    [[ -z ${DOCKBENCH_REGISTRY_PORT:-} ]] || die "port $port is taken"
    port=$((port + 1))
  done
  echo "$port"
}

start() {
  if running_pid >/dev/null && answers; then
    echo "export DOCKBENCH_REGISTRY=$(address)"
    return 0
  fi
  install
  mkdir -p "$STATE" "$STORAGE"
  local port
  port=$(free_port)
  # Deletion on, so that `dockbench clean` can remove what a run pushed; no auth: it listens on
  # the loopback only.
  cat >"$STATE/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STORAGE
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  echo "$port" >"$STATE/port"
  "$PREFIX/root/usr/bin/docker-registry" serve "$STATE/config.yml" >>"$LOG" 2>&1 &
  echo $! >"$STATE/pid"
  local waited=0
  until answers; do
    running_pid >/dev/null || { tail -n 20 "$LOG" >&2; die "the registry exited; see $LOG"; }
    ((waited++ < TIMEOUT * 5)) || die "the registry did not answer in ${TIMEOUT}s; see $LOG"
    sleep 0.2
  done
  log "serving on $(address) ($(prefix_versions "$PREFIX" | head -n 1))"
  echo "export DOCKBENCH_REGISTRY=$(address)"
}

stop() {
  local pid
  if pid=$(running_pid); then
    kill "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
      ((waited++ < TIMEOUT * 5)) || { kill -9 "$pid"; break; }
      sleep 0.2
    done
  fi
  rm -rf "$STATE" "$STORAGE"
  log "stopped; storage removed"
}

status() {
  answers || die "no registry answers (bash scripts/registry.sh start)"
  address
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  install) install ;;
  *) usage; exit 2 ;;
esac
