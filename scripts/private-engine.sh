#!/usr/bin/env bash
# scripts/private-engine.sh: a Docker engine of dockbench's own, beside the machine's, on overlay2.
#
# Why: a machine's engine may use a slow storage driver that is the machine's setting, not ours
# to change (its /etc/docker/daemon.json, and other people's images live in it). On the
# fuse-overlayfs engine of our CI machines every build step costs ~1 s more than on overlay2,
# Docker's default driver, which is what most engineers' builds run on. This starts a second
# dockerd that is dockbench's alone: its own data root, sockets, bridge and NAT rule, and none of
# the machine's daemon.json. Nothing of the machine's engine is read or changed.
#
# Usage:
#   eval "$(bash scripts/private-engine.sh start)"   # starts it (or finds it running) and
#                                                     # prints `export DOCKER_HOST=...`
#   bash scripts/setup.sh                             # its base images (DOCKER_HOST is honoured)
#   cargo run --release -- run scenarios/python-api/suite.toml
#   bash scripts/private-engine.sh stop               # stops it; images and cache stay on disk
#   bash scripts/private-engine.sh status             # exit 0 when it answers
# To reach it as a remote engine (over TCP, with TLS), give it an address and certificates:
#   DOCKBENCH_ENGINE_TCP=127.0.0.1:2376 DOCKBENCH_ENGINE_TLS_DIR=/path/to/server \
#     bash scripts/private-engine.sh start
#   DOCKER_HOST=tcp://127.0.0.1:2376 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=/path/to/client dockbench doctor
# The data root (images, build cache) stays after `stop`; remove it with `rm -rf` of the path
# `status` prints once the engine is stopped.
#
# Environment (defaults in brackets):
#   DOCKBENCH_ENGINE_NAME     names its paths and log [dockbench-engine]
#   DOCKBENCH_ENGINE_BRIDGE   its network bridge, at most 15 characters [dockbench0]
#   DOCKBENCH_ENGINE_ADDRESS  the bridge's address and prefix [172.31.250.1/24]
#   DOCKBENCH_ENGINE_TIMEOUT  seconds to wait for it to answer [60]
#   DOCKBENCH_ENGINE_TCP      also listen on this HOST:PORT, with TLS only [none]
#   DOCKBENCH_ENGINE_TLS_DIR  the engine's TLS files for DOCKBENCH_ENGINE_TCP: ca.pem (the CA
#                             whose client certificates it accepts), cert.pem and key.pem (its
#                             own certificate, for HOST, with extendedKeyUsage serverAuth)
# Needs root, the kernel's overlay file system, iptables and dockerd (Debian's docker.io).
set -euo pipefail

readonly NAME=${DOCKBENCH_ENGINE_NAME:-dockbench-engine}
readonly BRIDGE=${DOCKBENCH_ENGINE_BRIDGE:-dockbench0}
readonly ADDRESS=${DOCKBENCH_ENGINE_ADDRESS:-172.31.250.1/24}
readonly TIMEOUT=${DOCKBENCH_ENGINE_TIMEOUT:-60}
readonly TCP=${DOCKBENCH_ENGINE_TCP:-}
readonly TLS_DIR=${DOCKBENCH_ENGINE_TLS_DIR:-}
readonly DATA_ROOT=/var/lib/$NAME
readonly EXEC_ROOT=/run/$NAME
readonly SOCKET=$EXEC_ROOT/docker.sock
readonly PIDFILE=$EXEC_ROOT/dockerd.pid
readonly LOG=/var/log/$NAME.log
# Every iptables rule we add carries this comment, so `stop` removes ours and only ours.
readonly TAG="dockbench private engine $NAME"

log() { printf 'private-engine: %s\n' "$*" >&2; }
die() { printf 'private-engine: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=lib/wait-dockerd.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/wait-dockerd.sh"
# shellcheck source=lib/engine-net.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/engine-net.sh"
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

answers() { timeout 10 docker -H "unix://$SOCKET" info >/dev/null 2>&1; }

# The dockerd options for TCP with TLS, into the array tcp_args (empty without
# DOCKBENCH_ENGINE_TCP).
set_tcp_args() {
  tcp_args=()
  [[ -n $TCP ]] || return 0
  # Without --tlsverify, anyone who reaches the port runs anything as root on this machine.
  [[ -n $TLS_DIR ]] || die "DOCKBENCH_ENGINE_TCP needs DOCKBENCH_ENGINE_TLS_DIR: no engine of ours listens on TCP without TLS"
  local f
  for f in ca.pem cert.pem key.pem; do
    [[ -r $TLS_DIR/$f ]] || die "no $TLS_DIR/$f (DOCKBENCH_ENGINE_TLS_DIR needs ca.pem, cert.pem and key.pem)"
  done
  tcp_args=(--tlsverify --tlscacert "$TLS_DIR/ca.pem" --tlscert "$TLS_DIR/cert.pem"
    --tlskey "$TLS_DIR/key.pem" -H "tcp://$TCP")
}

listens_on_tcp() { # the running dockerd PID was started with -H tcp://$TCP
  tr '\0' '\n' <"/proc/$1/cmdline" | grep -qxF "tcp://$TCP"
}

start() {
  [[ $(id -u) -eq 0 ]] || die "start needs root (it runs dockerd and adds a bridge and NAT rules)"
  command -v dockerd >/dev/null 2>&1 || die "no dockerd: run scripts/setup.sh first (it installs docker.io)"
  command -v iptables >/dev/null 2>&1 || die "no iptables (Debian's docker.io depends on it)"
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
    die "the kernel has no overlay file system, which overlay2 needs"
  mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
  local fs; fs=$(stat -f -c %T "$DATA_ROOT")
  case $fs in
    ext2/ext3|xfs|btrfs|tmpfs) ;;
    *) die "$DATA_ROOT is on $fs; overlay2 needs ext4, xfs, btrfs or tmpfs under it" ;;
  esac

  local tcp_args
  set_tcp_args

  if [[ -n $(running_pid) ]] && answers; then
    if [[ -n $TCP ]] && ! listens_on_tcp "$(running_pid)"; then
      die "already running (pid $(running_pid)), but not on tcp://$TCP: stop it first"
    fi
    log "already running (pid $(running_pid), data root $DATA_ROOT)"
    echo "export DOCKER_HOST=unix://$SOCKET"
    return 0
  fi

  local mtu; mtu=$(uplink_mtu)
  bridge_up "$mtu"

  local config="$EXEC_ROOT/daemon.json"
  # An empty configuration: the machine's /etc/docker/daemon.json (storage driver, data root)
  # is not ours.
  echo '{}' >"$config"
  local pid
  pid=$(running_pid)
  if [[ -z $pid ]]; then
    wait_reaped
    log "starting dockerd on overlay2 (data root $DATA_ROOT, log $LOG)"
    # iptables=false: the machine's engine owns Docker's chains; two engines writing them fight.
    # Our NAT rule above does what ip-masq would. Never `--bridge none`: a dockerd started so
    # deletes the interface docker0, which is the machine engine's (seen here).
    setsid dockerd --config-file "$config" \
      --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" --pidfile "$PIDFILE" \
      -H "unix://$SOCKET" "${tcp_args[@]}" --storage-driver overlay2 \
      --bridge "$BRIDGE" --mtu "$mtu" --iptables=false --ip-masq=false \
      >>"$LOG" 2>&1 </dev/null &
    pid=$!
  fi
  local waited
  wait_for_dockerd "$pid" "$LOG" "$TIMEOUT" answers
  local driver
  driver=$(docker -H "unix://$SOCKET" info -f '{{.Driver}}')
  [[ $driver == overlay2 ]] || die "the engine came up with storage driver $driver, not overlay2 (see $LOG)"
  log "answers after ${waited}s (pid $pid, overlay2, bridge $BRIDGE mtu $mtu)"
  [[ -z $TCP ]] || log "also on tcp://$TCP, TLS only (certificates in $TLS_DIR)"
  echo "export DOCKER_HOST=unix://$SOCKET"
}

stop() {
  [[ $(id -u) -eq 0 ]] || die "stop needs root"
  local pid waited=0
  pid=$(running_pid)
  if [[ -n $pid ]]; then
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    # dockerd stops its containers (10 s each at most) and its containerd before it exits.
    while kill -0 "$pid" 2>/dev/null; do
      (( waited >= TIMEOUT )) && die "dockerd (pid $pid) still runs after ${TIMEOUT}s"
      sleep 1
      waited=$((waited + 1))
    done
  fi
  unmount_under "$DATA_ROOT" "$EXEC_ROOT"
  bridge_down
  log "stopped; images and build cache stay in $DATA_ROOT"
}

status() {
  if [[ -n $(running_pid) ]] && answers; then
    echo "running: DOCKER_HOST=unix://$SOCKET (pid $(running_pid), data root $DATA_ROOT)"
  else
    echo "not running (data root $DATA_ROOT)"
    return 1
  fi
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  -h|--help) usage ;;
  *) usage >&2; exit 2 ;;
esac
