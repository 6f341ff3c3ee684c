#!/usr/bin/env bash
# scripts/engines.sh: current container engines beside the machine's, to measure dockbench on.
#
# Why: the machine's engine is Debian bookworm's docker.io 20.10; engineers run Docker 26-28
# (BuildKit as the default builder, `docker save` as an OCI layout, optionally the containerd
# image store) or Podman. Each engine here is Debian's own package of another release, fetched
# with an apt of its own and unpacked into /opt/dockbench-engines/<suite> (never installed: the
# machine's packages and engine stay as they are), and runs as a daemon of dockbench's alone:
# its own data root, exec root, socket, pid file, log, containerd and bridge.
#
# Usage:
#   eval "$(bash scripts/engines.sh start NAME)"  # installs if needed, starts it (or finds it
#                                                 # running), prints `export DOCKER_HOST=...`
#   bash scripts/engines.sh images NAME           # dockbench's base images onto it (idempotent)
#   bash scripts/engines.sh check NAME            # info, a container, a build: does it work?
#   bash scripts/engines.sh status NAME           # exit 0 when it answers; prints its version
#   bash scripts/engines.sh stop NAME             # stops it; leaves no daemon, shim, mount,
#                                                 # bridge or iptables rule (data stays on disk)
#   bash scripts/engines.sh install NAME          # only fetch and unpack its packages
#   bash scripts/engines.sh list                  # the names
# NAMEs:
#   docker26             Debian trixie's docker.io 26.1 (containerd 1.7), overlay2
#   docker26-containerd  the same with the containerd image store
#   docker28             Debian sid's docker.io 28.5 (containerd 2.1), overlay2
#   docker28-containerd  the same with the containerd image store
#   podman               Debian bookworm's podman 4.3, its Docker-compatible API service
# `images` copies scripts/setup.sh's base images from the machine's engine (run
# `bash scripts/setup.sh` once, with no DOCKER_HOST, when it has none). Podman names them
# localhost/dockbench/...; a plain dockbench/... reference finds them. Podman builds with Buildah
# (no BuildKit) and runs no healthchecks here (they need systemd timers).
# Paths of engine NAME: data root /var/lib/dockbench-NAME, exec root /run/dockbench-NAME,
# socket /run/dockbench-NAME/docker.sock, log /var/log/dockbench-NAME.log. Remove an engine's
# images and cache with `rm -rf` of its data root once it is stopped.
#
# Environment (defaults in brackets):
#   DOCKBENCH_ENGINES_PREFIX   where the packages are unpacked [/opt/dockbench-engines]
#   DOCKBENCH_ENGINE_TIMEOUT   seconds to wait for an engine to answer or stop [60]
#   DOCKBENCH_IMAGES_FROM      the engine `images` copies base images from
#                              [unix:///var/run/docker.sock, the machine's; only read]
# Needs root, the kernel's overlay file system, iptables, the machine's runc (/usr/sbin/runc:
# sid's runc needs glibc 2.38) and its docker CLI (any version that speaks API 1.41+).
set -euo pipefail

readonly PREFIX_BASE=${DOCKBENCH_ENGINES_PREFIX:-/opt/dockbench-engines}
readonly TIMEOUT=${DOCKBENCH_ENGINE_TIMEOUT:-60}
readonly IMAGES_FROM=${DOCKBENCH_IMAGES_FROM:-unix:///var/run/docker.sock}
readonly HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { printf 'engines: %s\n' "$*" >&2; }
die() { printf 'engines: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
# shellcheck source=lib/wait-dockerd.sh
source "$HERE/lib/wait-dockerd.sh"
# shellcheck source=lib/engine-net.sh
source "$HERE/lib/engine-net.sh"
# shellcheck source=lib/debian-prefix.sh
source "$HERE/lib/debian-prefix.sh"

# docker.io's Depends that run (runc and iptables are the machine's), the CLI and buildx. Its
# docker-init is tini's static build: package tini in trixie, tini-static in sid.
readonly DOCKER_PACKAGES=(docker.io docker-cli containerd docker-buildx)
# podman's Depends and the helpers it runs, less what the machine has (runc, iptables) and
# what a root engine on the kernel's overlay does not need (fuse-overlayfs, slirp4netns, uidmap).
# dnsname (with dnsmasq) answers a compose stack's service names on the networks dockbench makes:
# without it Podman's CNI networks have no DNS, and a service never reaches `db` by name.
# The libraries are bookworm's, the machine's own release: a fresh machine may lack them.
readonly PODMAN_PACKAGES=(podman conmon golang-github-containers-common
  golang-github-containers-image containernetworking-plugins catatonit
  golang-github-containernetworking-plugin-dnsname dnsmasq-base
  libgpgme11 libassuan0 libsubid4 libglib2.0-0 patchelf)

# NAME: suite, image store, bridge (at most 15 characters), bridge address. The subnets are
# 172.31.231-235.0/24: the private engine has 172.31.250.0/24, and the tests start engines of
# their own at 172.31.244-254 (tests/remote_engine.rs, tests/long_runs.rs, ...).
engine_spec() { # name -> sets SUITE STORE BRIDGE ADDRESS
  case $1 in
    docker26) SUITE=trixie STORE=overlay2 BRIDGE=dbk-d26 ADDRESS=172.31.231.1/24 ;;
    docker26-containerd) SUITE=trixie STORE=containerd BRIDGE=dbk-d26c ADDRESS=172.31.232.1/24 ;;
    docker28) SUITE=sid STORE=overlay2 BRIDGE=dbk-d28 ADDRESS=172.31.233.1/24 ;;
    docker28-containerd) SUITE=sid STORE=containerd BRIDGE=dbk-d28c ADDRESS=172.31.234.1/24 ;;
    podman) SUITE=bookworm STORE=podman BRIDGE=dbk-podman ADDRESS=172.31.235.1/24 ;;
    *) die "no engine '$1' (names: $(names | xargs))" ;;
  esac
}
names() { printf '%s\n' docker26 docker26-containerd docker28 docker28-containerd podman; }

setup_engine() { # name: every per-engine variable
  NAME=$1
  engine_spec "$NAME"
  # A Docker engine's own networks (a compose stack's) need their bridged traffic forwarded
  # (scripts/lib/engine-net.sh); Podman's carry CNI's firewall plugin, which adds rules itself.
  BRIDGED=0
  [[ $STORE == podman ]] || BRIDGED=1
  PREFIX=$PREFIX_BASE/$SUITE
  ROOT=$PREFIX/root
  DATA_ROOT=/var/lib/dockbench-$NAME
  EXEC_ROOT=/run/dockbench-$NAME
  SOCKET=$EXEC_ROOT/docker.sock
  PIDFILE=$EXEC_ROOT/daemon.pid
  LOG=/var/log/dockbench-$NAME.log
  TAG="dockbench engine $NAME"
  HOST=unix://$SOCKET
  if [[ $STORE == podman ]]; then DAEMON=podman; else DAEMON=dockerd; fi
}

install_engine() {
  if [[ $STORE == podman ]]; then
    prefix_install "$PREFIX" "$SUITE" "${PODMAN_PACKAGES[@]}" -- usr/bin/podman usr/bin/conmon \
      usr/bin/catatonit usr/lib/cni/bridge usr/lib/cni/host-local usr/lib/cni/portmap \
      usr/lib/cni/dnsname usr/sbin/dnsmasq usr/bin/patchelf
    podman_runpath
  else
    local tini=tini-static
    [[ $SUITE != trixie ]] || tini=tini
    prefix_install "$PREFIX" "$SUITE" "${DOCKER_PACKAGES[@]}" "$tini" -- usr/sbin/dockerd \
      usr/sbin/docker-proxy usr/bin/containerd usr/bin/containerd-shim-runc-v2 usr/bin/docker-init \
      usr/bin/docker usr/libexec/docker/cli-plugins/docker-buildx
  fi
}

# podman and conmon find the prefix's libraries without LD_LIBRARY_PATH. Podman runs itself
# again when a container exits (conmon's exit command, `podman container cleanup`, which removes
# --rm containers and tears down their network) with an environment of its own making, without
# LD_LIBRARY_PATH: seen here, that podman died on a missing libsubid.so.4, so `docker run --rm`
# waited for ever and veths stayed. A RUNPATH relative to the binary ($ORIGIN) is the prefix's
# own business; nothing of the machine's loader configuration changes.
podman_runpath() {
  local lib bin want
  lib=$(find "$ROOT/usr/lib" -name 'libsubid.so.*' -printf '%h\n' | head -n 1)
  [[ -n $lib ]] || die "no libsubid in $ROOT"
  want='$ORIGIN/../'${lib#"$ROOT/usr/"}
  for bin in usr/bin/podman usr/bin/conmon; do
    [[ $("$ROOT/usr/bin/patchelf" --print-rpath "$ROOT/$bin") == "$want" ]] && continue
    "$ROOT/usr/bin/patchelf" --set-rpath "$want" "$ROOT/$bin"
  done
  env -i "$ROOT/usr/bin/podman" --version >/dev/null ||
    die "$ROOT/usr/bin/podman does not run without LD_LIBRARY_PATH"
}

answers() { timeout 10 docker -H "$HOST" version >/dev/null 2>&1; }

# PATH for the engine: the prefix's programs first (its containerd, shim, docker-init,
# docker-proxy), then the machine's, for runc and iptables. The prefix has no runc of its own.
engine_path() {
  printf '%s\n' "$ROOT/usr/bin:$ROOT/usr/sbin:$ROOT/usr/libexec/docker:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

# The prefix's library folders (podman's gpgme, subid), for programs run from the prefix.
engine_libs() { find "$ROOT" -name '*.so*' -printf '%h\n' 2>/dev/null | sort -u | paste -sd:; }

version_line() { # what answers on the socket, e.g. "Docker 28.5.2+dfsg4 (API 1.51; containerd
  # 2.1.9+unknown; runc 1.1.5+ds1; docker-init 0.19.0)" or "Podman 4.3.1 (API 1.41; ...)"
  docker -H "$HOST" version -f '{{json .Server}}' 2>/dev/null | python3 -c '
import json, re, sys
s = json.load(sys.stdin)
names = [c["Name"] for c in s.get("Components") or []]
product = "Podman" if "Podman Engine" in names else "Docker"
parts = ["API " + s.get("ApiVersion", "?")]
for c in s.get("Components") or []:
    if c["Name"] in ("Engine", "Podman Engine"):
        continue
    name = re.sub(r"^OCI Runtime \((.*)\)$", r"\1", c["Name"]).lower()
    m = re.search(r"version ([^\s,]+)", c["Version"])
    parts.append("%s %s" % (name, m.group(1) if m else c["Version"].splitlines()[0]))
print("%s %s (%s)" % (product, s["Version"], "; ".join(parts)))
'
}

start_dockerd() { # mtu
  local mtu=$1 config=$EXEC_ROOT/daemon.json store_args=()
  # A configuration of its own: the machine's /etc/docker/daemon.json (storage driver, data
  # root) is not ours.
  if [[ $STORE == containerd ]]; then
    echo '{"features": {"containerd-snapshotter": true}}' >"$config"
  else
    echo '{}' >"$config"
    store_args=(--storage-driver overlay2)
  fi
  wait_reaped
  log "starting $NAME's dockerd ($STORE store, data root $DATA_ROOT, log $LOG)"
  # No --containerd: dockerd starts a containerd of its own from PATH (the prefix's), with its
  # configuration, state and socket under the exec root and its content under the data root, so
  # it never meets the machine engine's containerd. It stops that containerd when it stops.
  # iptables=false: the machine's engine owns Docker's chains; two engines writing them fight.
  # Our NAT rule (bridge_up) does what ip-masq would; published ports on 127.0.0.1 go through
  # docker-proxy. ip6tables=false too: from Docker 27 it defaults to on. Never `--bridge none`:
  # a dockerd started so deletes the interface docker0, which is the machine engine's (seen).
  PATH=$(engine_path) setsid dockerd --config-file "$config" \
    --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" --pidfile "$PIDFILE" \
    -H "unix://$SOCKET" "${store_args[@]}" \
    --bridge "$BRIDGE" --mtu "$mtu" --iptables=false --ip6tables=false --ip-masq=false \
    >>"$LOG" 2>&1 </dev/null &
  DAEMON_PID=$!
}

# --- podman: its configuration files, all under the exec root, rewritten at each start -------
podman_env() { # the environment every podman of this engine runs with
  local conf=$EXEC_ROOT/conf
  printf '%s\n' \
    "PATH=$(engine_path)" \
    "LD_LIBRARY_PATH=$(engine_libs)" \
    "CONTAINERS_CONF=$conf/containers.conf" \
    "CONTAINERS_STORAGE_CONF=$conf/storage.conf" \
    "CONTAINERS_REGISTRIES_CONF=$conf/registries.conf" \
    "HOME=$conf/home"
}

write_podman_config() { # mtu
  local mtu=$1 conf=$EXEC_ROOT/conf net gateway
  net=$(subnet)
  gateway=${ADDRESS%/*}
  mkdir -p "$conf/networks" "$conf/home/.config/containers"
  cat >"$conf/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$DATA_ROOT/storage"
runroot = "$EXEC_ROOT/storage"
EOF
  # No registry is reachable here; no short name resolves to one.
  echo 'unqualified-search-registries = []' >"$conf/registries.conf"
  # containers/image reads $HOME/.config/containers/policy.json before /etc/containers'
  # (which the machine does not have): the package's own policy, accept anything local.
  cp "$ROOT/etc/containers/policy.json" "$conf/home/.config/containers/policy.json"
  # The containers' limits: the ones the service has, as Docker's containers get dockerd's.
  # Podman's own defaults are above the hard limits here, and runc then fails every container
  # with "error setting rlimit type 7 (then 6): operation not permitted". The service lowers its
  # own process limit to pid_max (seen: 32768 where the shell has 96370), so nproc is the lower.
  local nofile nproc pid_max
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  pid_max=$(cat /proc/sys/kernel/pid_max)
  [[ $nproc != unlimited ]] && ((nproc <= pid_max)) || nproc=$pid_max
  # cgroupfs and a file for events: there is no systemd. Its temporary and network state
  # under the exec root; the machine's runc; the prefix's conmon, catatonit and CNI plugins.
  # No static_dir or volume_path: they default to graphroot/libpod and graphroot/volumes, and
  # must, since conmon's exit command (`podman --root ... container cleanup`) derives them from
  # --root; with others, it looked in another database and never removed a --rm container.
  cat >"$conf/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
init_path = "$ROOT/usr/bin/catatonit"
seccomp_profile = "$ROOT/usr/share/containers/seccomp.json"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$EXEC_ROOT/events.log"
tmp_dir = "$EXEC_ROOT/libpod"
conmon_path = ["$ROOT/usr/bin/conmon"]
helper_binaries_dir = ["$ROOT/usr/lib/podman"]
runtime = "runc"

[engine.runtimes]
runc = ["/usr/sbin/runc"]

[network]
network_backend = "cni"
cni_plugin_dirs = ["$ROOT/usr/lib/cni"]
network_config_dir = "$conf/networks"
default_network = "podman"
default_subnet = "$net"
EOF
  # The default network, named "podman" as podman expects, on our bridge (made by bridge_up
  # with the fixed MAC, MTU and NAT rules). No ipMasq and no firewall plugin: our rules cover
  # both. portmap publishes ports (iptables DNAT in CNI-HOSTPORT-* chains, removed at stop).
  cat >"$conf/networks/podman.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "podman",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "mtu": $mtu,
      "ipam": {
        "type": "host-local",
        "routes": [{ "dst": "0.0.0.0/0" }],
        "ranges": [[{ "subnet": "$net", "gateway": "$gateway" }]],
        "dataDir": "$EXEC_ROOT/cni-ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
}

run_podman() { # args...: the prefix's podman with this engine's configuration
  local env=()
  mapfile -t env < <(podman_env)
  env "${env[@]}" "$ROOT/usr/bin/podman" "$@"
}

start_podman() { # mtu
  write_podman_config "$1"
  log "starting $NAME's podman service (data root $DATA_ROOT, log $LOG)"
  local env=()
  mapfile -t env < <(podman_env)
  # --time=0: serve until stopped, not only while clients come. Its own pid file: podman
  # writes none for the service.
  setsid env "${env[@]}" "$ROOT/usr/bin/podman" system service --time=0 "unix://$SOCKET" \
    >>"$LOG" 2>&1 </dev/null &
  DAEMON_PID=$!
  echo "$DAEMON_PID" >"$PIDFILE"
}

start() {
  [[ $(id -u) -eq 0 ]] || die "start needs root (it runs a daemon and adds a bridge and NAT rules)"
  command -v docker >/dev/null 2>&1 || die "no docker CLI (the machine's docker.io or docker-cli)"
  command -v iptables >/dev/null 2>&1 || die "no iptables"
  [[ -x /usr/sbin/runc ]] || die "no /usr/sbin/runc (the machine's runc package)"
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
    die "the kernel has no overlay file system, which these engines' stores need"
  install_engine
  mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
  local fs; fs=$(stat -f -c %T "$DATA_ROOT")
  case $fs in
    ext2/ext3|xfs|btrfs|tmpfs) ;;
    *) die "$DATA_ROOT is on $fs; overlay needs ext4, xfs, btrfs or tmpfs under it" ;;
  esac

  if [[ -n $(running_pid) ]] && answers; then
    log "$NAME already running (pid $(running_pid)): $(version_line)"
    echo "export DOCKER_HOST=$HOST"
    return 0
  fi
  [[ -z $(running_pid) ]] || die "$NAME's $DAEMON (pid $(running_pid)) runs but does not answer: stop it first (see $LOG)"

  local started=$SECONDS mtu
  mtu=$(uplink_mtu)
  bridge_up "$mtu"
  local DAEMON_PID
  if [[ $STORE == podman ]]; then start_podman "$mtu"; else start_dockerd "$mtu"; fi
  local waited
  wait_for_dockerd "$DAEMON_PID" "$LOG" "$TIMEOUT" answers
  check_store
  log "$NAME answers after $((SECONDS - started))s (pid $DAEMON_PID, bridge $BRIDGE mtu $mtu): $(version_line)"
  echo "export DOCKER_HOST=$HOST"
}

check_store() { # the engine came up with the store it should have
  local info
  case $STORE in
    overlay2)
      info=$(docker -H "$HOST" info -f '{{.Driver}}')
      [[ $info == overlay2 ]] || die "$NAME came up with storage driver $info, not overlay2 (see $LOG)" ;;
    containerd)
      info=$(docker -H "$HOST" info -f '{{.Driver}} {{json .DriverStatus}}')
      [[ $info == *io.containerd.snapshotter.v1* ]] ||
        die "$NAME came up without the containerd image store: $info (see $LOG)" ;;
    podman)
      info=$(docker -H "$HOST" info -f '{{.Driver}}')
      [[ $info == overlay ]] || die "$NAME came up with storage driver $info, not overlay (see $LOG)" ;;
  esac
}

# Pids of processes whose command line names this engine's exec root or data root: the daemon,
# its containerd, shims, conmons. "/run/dockbench-docker26/" is no prefix of
# "/run/dockbench-docker26-containerd/", so one engine never matches another's.
engine_processes() {
  local pid
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [[ $pid == "$$" ]] && continue
    # (a process may end between the listing and the read: no message for that)
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null |
      grep -qE "(^| |=)($EXEC_ROOT|$DATA_ROOT)(/| |$)" && echo "$pid"
  done
  return 0
}

wait_gone() { # pid...: until none is left, or TIMEOUT
  local waited=0 pid left
  while :; do
    left=()
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && ! is_zombie "$pid" && left+=("$pid"); done
    ((${#left[@]} == 0)) && return 0
    ((waited >= TIMEOUT)) && return 1
    sleep 1
    waited=$((waited + 1))
  done
}

# portmap's chains: CNI makes CNI-HOSTPORT-DNAT, -SETMARK and -MASQ (and the jumps to them from
# PREROUTING, OUTPUT and POSTROUTING) once, and leaves them when its last container goes; each
# container's own rules hang off CNI-HOSTPORT-DNAT. Once that chain is empty, no container of
# any CNI user publishes a port, and the chains are removed. (The iptables-nft warning about
# legacy tables is no news: stderr of the listings is dropped.)
readonly CNI_CHAINS='^CNI-HOSTPORT-(DNAT|SETMARK|MASQ)$'
remove_cni_chains() {
  local chain numbers n
  iptables -t nat -S CNI-HOSTPORT-DNAT >/dev/null 2>&1 || return 0
  if iptables -t nat -S CNI-HOSTPORT-DNAT 2>/dev/null | grep -q '^-A '; then
    log "CNI-HOSTPORT-DNAT still holds rules of running containers: portmap's chains stay"
    return 0
  fi
  for chain in PREROUTING OUTPUT POSTROUTING; do
    # Rule numbers of the jumps, highest first, so that each deletion leaves the others' numbers.
    numbers=$(iptables -t nat -L "$chain" -n --line-numbers 2>/dev/null |
      awk -v re="$CNI_CHAINS" '$1 ~ /^[0-9]+$/ && $2 ~ re { print $1 }' | sort -rn)
    for n in $numbers; do iptables -t nat -D "$chain" "$n"; done
  done
  for chain in CNI-HOSTPORT-DNAT CNI-HOSTPORT-SETMARK CNI-HOSTPORT-MASQ; do
    iptables -t nat -S "$chain" >/dev/null 2>&1 || continue
    iptables -t nat -F "$chain"
    iptables -t nat -X "$chain"
  done
}

stop() {
  [[ $(id -u) -eq 0 ]] || die "stop needs root"
  local pid
  if [[ $STORE == podman && -x $ROOT/usr/bin/podman && -f $EXEC_ROOT/conf/containers.conf ]]; then
    # Podman's containers outlive its service (each has a conmon of its own): stop them first.
    local ids
    ids=$(run_podman ps -q 2>/dev/null || true)
    if [[ -n $ids ]]; then
      log "stopping $(wc -l <<<"$ids") podman container(s)"
      # shellcheck disable=SC2086
      run_podman stop -t 10 $ids >/dev/null 2>>"$LOG" || true
    fi
    # And what exited containers still hold (network namespace, veth, mounts) when their own
    # cleanup did not run.
    run_podman container cleanup --all >/dev/null 2>>"$LOG" || true
  fi
  pid=$(running_pid)
  if [[ -n $pid ]]; then
    log "stopping $NAME's $DAEMON (pid $pid)"
    kill -TERM "$pid"
    # dockerd stops its containers (10 s each at most) and its containerd before it exits.
    wait_gone "$pid" || die "$DAEMON (pid $pid) still runs after ${TIMEOUT}s"
  fi
  local left
  mapfile -t left < <(engine_processes)
  if ((${#left[@]} > 0)); then
    log "ending what it left running: $(for p in "${left[@]}"; do printf '%s(%s) ' "$(cat "/proc/$p/comm" 2>/dev/null)" "$p"; done)"
    kill -TERM "${left[@]}" 2>/dev/null || true
    wait_gone "${left[@]}" || { kill -KILL "${left[@]}" 2>/dev/null || true; sleep 1; }
  fi
  unmount_under "$DATA_ROOT" "$EXEC_ROOT"
  bridge_down
  [[ $STORE != podman ]] || remove_cni_chains
  rm -f "$PIDFILE" "$SOCKET"
  log "$NAME stopped; images and build cache stay in $DATA_ROOT"
}

status() {
  if [[ -n $(running_pid) ]] && answers; then
    echo "running: DOCKER_HOST=$HOST (pid $(running_pid), data root $DATA_ROOT): $(version_line)"
  else
    echo "not running ($NAME, data root $DATA_ROOT)"
    return 1
  fi
}

# --- base images -----------------------------------------------------------------------------
# dockbench's base images (label dockbench.role=base, made by scripts/setup.sh) copied from
# another engine with `docker save | docker load`: seconds, where setup.sh's debootstrap and
# builds take minutes, and the same image bytes on every engine. Only the images whose
# dockbench.base-version differs (or that are missing) are copied, in one archive so that the
# layers they share travel once. The source is only read.
label_on() { # host image label
  docker -H "$1" image inspect -f "{{index .Config.Labels \"$3\"}}" "$2" 2>/dev/null || true
}

# The images scripts/setup.sh makes (its defaults): only these. Tests label images of their own
# dockbench.role=base too (seen: dockbench/session-test:*), which are not ours to copy.
readonly BASE_IMAGES=(dockbench/busybox:latest dockbench/python:3.11-slim dockbench/postgres:15
  dockbench/redis:7)

images() {
  answers || die "$NAME does not answer: start it first (bash scripts/engines.sh start $NAME)"
  local wanted=() copy=() image have want started=$SECONDS
  for image in "${BASE_IMAGES[@]}"; do
    [[ -n $(label_on "$IMAGES_FROM" "$image" dockbench.base-version) ]] && wanted+=("$image")
  done
  printf '%s\n' "${wanted[@]}" | grep -qx 'dockbench/busybox:latest' ||
    die "$IMAGES_FROM has no dockbench/busybox:latest: run \`bash scripts/setup.sh\` (no DOCKER_HOST) to make the base images there first"
  ((${#wanted[@]} == ${#BASE_IMAGES[@]})) ||
    log "$IMAGES_FROM has only ${wanted[*]} of setup.sh's base images; copying those"
  for image in "${wanted[@]}"; do
    want=$(label_on "$IMAGES_FROM" "$image" dockbench.base-version)
    have=$(label_on "$HOST" "$image" dockbench.base-version)
    [[ -n $have && $have == "$want" ]] || copy+=("$image")
  done
  if ((${#copy[@]} == 0)); then
    log "$NAME has the base images already: ${wanted[*]}"
    return 0
  fi
  log "copying ${copy[*]} from $IMAGES_FROM to $NAME"
  docker -H "$IMAGES_FROM" save "${copy[@]}" | docker -H "$HOST" load -q >/dev/null ||
    die "docker save | docker load of ${copy[*]} into $NAME failed"
  for image in "${copy[@]}"; do
    [[ $(label_on "$HOST" "$image" dockbench.base-version) == "$(label_on "$IMAGES_FROM" "$image" dockbench.base-version)" ]] ||
      die "$image did not arrive on $NAME with its labels"
  done
  log "copied ${#copy[@]} image(s) to $NAME in $((SECONDS - started))s"
}

# --- check: does it really work? --------------------------------------------------------------
check() {
  answers || die "$NAME does not answer: start it first (bash scripts/engines.sh start $NAME)"
  local started=$SECONDS image=dockbench/busybox:latest
  log "$NAME: $(version_line)"
  log "store: $(docker -H "$HOST" info -f '{{.Driver}} {{json .DriverStatus}}')"
  check_store
  docker -H "$HOST" image inspect "$image" >/dev/null 2>&1 ||
    die "$NAME has no $image: run bash scripts/engines.sh images $NAME"
  docker -H "$HOST" run --rm "$image" true || die "docker run --rm $image true failed on $NAME"
  log "a container runs"

  # The network the way a build's RUN step uses it: out through the bridge to the Debian mirror.
  local mirror
  mirror=$(bash "$HERE/lib/mirrors.sh" debian-mirror)
  docker -H "$HOST" run --rm "$image" wget -q -O /dev/null "$mirror/dists/bookworm/Release" ||
    die "a container on $NAME cannot reach $mirror"
  log "a container reaches $mirror"

  # A published port on 127.0.0.1, the way dockbench probes a service.
  local id port ok=0 i
  id=$(docker -H "$HOST" run -d -p 127.0.0.1::8080 "$image" httpd -f -p 8080 -h /)
  port=$(docker -H "$HOST" port "$id" 8080/tcp | head -n 1 | sed 's/.*://')
  for i in $(seq 1 20); do
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" | grep -q '^[1-5]'; then ok=1; break; fi
    sleep 0.25
  done
  docker -H "$HOST" rm -f "$id" >/dev/null
  ((ok)) || die "no HTTP answer on 127.0.0.1:$port published by $NAME"
  log "a published port answers (127.0.0.1:$port)"

  # A build: BuildKit through this engine's own buildx plugin for Docker, Buildah for Podman.
  local ctx
  ctx=$(mktemp -d /var/tmp/dockbench-engines-check.XXXXXX)
  printf 'FROM %s\nRUN echo built >/built\nCOPY Dockerfile /\n' "$image" >"$ctx/Dockerfile"
  if [[ $STORE == podman ]]; then
    # (the CLI's notice that the classic builder is deprecated is no news here: Podman has no
    # BuildKit; its output is shown only when the build fails)
    docker -H "$HOST" build -q -t dockbench-engines-check:latest "$ctx" >"$ctx.out" 2>&1 ||
      { cat "$ctx.out" >&2; rm -rf "$ctx" "$ctx.out"; die "docker build on $NAME failed"; }
    rm -f "$ctx.out"
  else
    # A docker CLI configuration of our own that finds the prefix's buildx (the machine's CLI
    # has none), so the build goes through BuildKit's session as `docker buildx build` does.
    mkdir -p "$ctx/config"
    printf '{"cliPluginsExtraDirs": ["%s"]}\n' "$ROOT/usr/libexec/docker/cli-plugins" >"$ctx/config/config.json"
    log "buildx $(docker --config "$ctx/config" buildx version 2>/dev/null | awk '{print $2}')"
    DOCKER_HOST=$HOST docker --config "$ctx/config" buildx build -q --load \
      -t dockbench-engines-check:latest "$ctx" -f "$ctx/Dockerfile" >/dev/null ||
      { rm -rf "$ctx"; die "docker buildx build on $NAME failed"; }
  fi
  rm -rf "$ctx"
  [[ $(docker -H "$HOST" run --rm dockbench-engines-check:latest cat /built) == built ]] ||
    die "the image built on $NAME lacks its RUN step's file"
  docker -H "$HOST" rmi dockbench-engines-check:latest >/dev/null
  log "$NAME builds ($([[ $STORE == podman ]] && echo Buildah || echo BuildKit)); checked in $((SECONDS - started))s"
}

main() {
  local cmd=${1:-}
  case $cmd in
    list) names; return 0 ;;
    -h|--help) usage; return 0 ;;
    start|stop|status|install|images|check) ;;
    *) usage >&2; return 2 ;;
  esac
  [[ $# -eq 2 ]] || { usage >&2; return 2; }
  setup_engine "$2"
  case $cmd in
    install) install_engine; prefix_versions "$PREFIX" ;;
    *) "$cmd" ;;
  esac
}

main "$@"
