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
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

answers() { timeout 10 docker -H "unix://$SOCKET" info >/dev/null 2>&1; }

running_pid() { # the engine's dockerd pid, or nothing
  local pid
  [[ -s $PIDFILE ]] || return 0
  pid=$(cat "$PIDFILE")
  if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] &&
    ! is_zombie "$pid"; then
    echo "$pid"
  fi
}

is_zombie() { [[ $(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) == Z ]]; }

wait_reaped() { # a killed dockerd of the pid file, until its zombie is gone (dockerd refuses to
  # start while the pid in its pid file exists)
  local pid tries=0
  [[ -s $PIDFILE ]] || return 0
  pid=$(cat "$PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  while is_zombie "$pid" && ((tries < 50)); do
    sleep 0.2
    tries=$((tries + 1))
  done
}

subnet() { # the network of ADDRESS, e.g. 172.31.250.0/24
  python3 -c 'import ipaddress, sys; print(ipaddress.ip_interface(sys.argv[1]).network)' "$ADDRESS"
}

# The rules that give the bridge's containers (and BuildKit's RUN steps) the outside world:
# NAT out, and forwarding both ways past the machine engine's FORWARD policy.
rules() {
  local net; net=$(subnet)
  printf '%s\n' \
    "nat POSTROUTING -s $net ! -o $BRIDGE -j MASQUERADE" \
    "filter FORWARD -i $BRIDGE -j ACCEPT" \
    "filter FORWARD -o $BRIDGE -j ACCEPT"
}

add_rules() {
  local table chain spec
  while read -r table chain spec; do
    # shellcheck disable=SC2086 # spec is a list of iptables words
    iptables -t "$table" -C "$chain" $spec -m comment --comment "$TAG" 2>/dev/null ||
      iptables -t "$table" -I "$chain" 1 $spec -m comment --comment "$TAG"
  done < <(rules)
}

remove_rules() {
  local table chain spec
  while read -r table chain spec; do
    # shellcheck disable=SC2086
    while iptables -t "$table" -C "$chain" $spec -m comment --comment "$TAG" 2>/dev/null; do
      iptables -t "$table" -D "$chain" $spec -m comment --comment "$TAG"
    done
  done < <(rules)
}

bridge_mac() { # 02:42 and the bridge's IPv4 address, the way Docker derives a MAC from an IP
  local a b c d
  IFS=. read -r a b c d <<<"${ADDRESS%/*}"
  printf '02:42:%02x:%02x:%02x:%02x\n' "$a" "$b" "$c" "$d"
}

# The MTU of the interface the default route leaves by. A bridge with a larger MTU than the
# path out loses large packets: measured here (eth0 at 1400, bridge at 1500), pip downloads in
# builds stalled for tens of seconds or failed.
uplink_mtu() {
  local dev
  dev=$(ip -o route show default | awk '{for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit }}')
  [[ -n $dev ]] || die "no default route: the engine's builds could not reach a package index"
  cat "/sys/class/net/$dev/mtu"
}

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
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip route get "${ADDRESS%/*}" 2>/dev/null | grep -q '^local' &&
      die "$ADDRESS is already a local address; set DOCKBENCH_ENGINE_ADDRESS"
    ip link add name "$BRIDGE" type bridge
    ip addr add "$ADDRESS" dev "$BRIDGE"
  fi
  # A fixed MAC, as Docker gives the bridges it makes itself. A bridge without one takes the
  # lowest MAC of its ports and changes it as containers come and go; a build step running
  # beside another (BuildKit runs stages in parallel) then keeps the gateway's old MAC and loses
  # the network until its ARP entry expires: measured here, about half the suite's cold builds
  # stalled 30-50 s in pip downloads, and some failed.
  ip link set "$BRIDGE" address "$(bridge_mac)"

  ip link set "$BRIDGE" mtu "$mtu" up
  add_rules

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

unmount_leftovers() { # what a killed dockerd left mounted (layers, build roots, netns)
  local mounts
  mounts=$(awk -v d="$DATA_ROOT" -v e="$EXEC_ROOT" \
    '$2 == d || index($2, d "/") == 1 || $2 == e || index($2, e "/") == 1 { print $2 }' /proc/mounts |
    awk '{ print gsub("/", "/"), $0 }' | sort -rn | cut -d' ' -f2-)
  [[ -n $mounts ]] || return 0
  log "unmounting $(wc -l <<<"$mounts") mount(s) left by a dockerd that did not stop cleanly"
  while IFS= read -r m; do
    umount -l "$m" 2>/dev/null || true
  done <<<"$mounts"
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
  unmount_leftovers
  remove_rules
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link delete "$BRIDGE" type bridge
  fi
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
