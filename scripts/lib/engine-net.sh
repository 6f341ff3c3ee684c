# scripts/lib/engine-net.sh: the network and clean-up pieces every engine of dockbench's own
# shares (scripts/private-engine.sh, scripts/engines.sh). Sourced after `log` and `die` exist.
#
# The caller sets, before calling:
#   BRIDGE     the engine's bridge, at most 15 characters
#   ADDRESS    the bridge's address and prefix, e.g. 172.31.250.1/24
#   TAG        the comment every iptables rule of this engine carries, so that removing rules
#              removes ours and only ours
#   BRIDGED    (optional) 1: also forward what passes between two ports of one bridge, for
#              the networks the engine makes itself (a compose stack's)
# Functions:
#   bridge_up MTU        the bridge with ADDRESS, a fixed MAC and MTU, and the NAT/forward rules
#   bridge_down          the rules and the bridge gone (either may be absent already)
#   uplink_mtu           the MTU of the interface the default route leaves by
#   unmount_under DIR... what a killed daemon left mounted under DIRs, unmounted deepest first
#   is_zombie PID
#   running_pid          the daemon of PIDFILE (its program named DAEMON), or nothing
#   wait_reaped          until a killed daemon of PIDFILE is no longer a zombie

is_zombie() { [[ $(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) == Z ]]; }

running_pid() { # the engine's daemon pid, or nothing
  local pid
  [[ -s $PIDFILE ]] || return 0
  pid=$(cat "$PIDFILE")
  if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "${DAEMON:-dockerd}" ]] &&
    ! is_zombie "$pid"; then
    echo "$pid"
  fi
}

wait_reaped() { # a killed daemon of the pid file, until its zombie is gone (dockerd refuses to
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
  # The networks the engine makes itself (a compose stack's): an engine started with
  # --iptables=false adds no rule for them, and with the machine's FORWARD policy DROP and
  # bridged traffic passing iptables (bridge-nf-call-iptables), one container could not reach
  # another by its service name (seen on Docker 28: DNS answered, the connection hung). This
  # accepts only traffic between two ports of one bridge, which every engine allows on its own
  # networks anyway; traffic routed between two networks (their isolation) is untouched. (Not
  # a subnet pool of the engine's own: dockerd 28 started with --default-address-pool deleted
  # the machine engine's docker0, seen.)
  if [[ ${BRIDGED:-} == 1 ]]; then
    printf '%s\n' "filter FORWARD -m physdev --physdev-is-bridged -j ACCEPT"
  fi
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

bridge_up() { # mtu
  local mtu=$1
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
}

bridge_down() {
  remove_rules
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link delete "$BRIDGE" type bridge
  fi
}

unmount_under() { # dir...: what a killed daemon left mounted (layers, build roots, netns)
  local mounts dir awk_dirs=()
  for dir in "$@"; do awk_dirs+=("$dir"); done
  mounts=$(awk -v dirs="${awk_dirs[*]}" '
      BEGIN { n = split(dirs, d, " ") }
      { for (i = 1; i <= n; i++) if ($2 == d[i] || index($2, d[i] "/") == 1) { print $2; next } }
    ' /proc/mounts |
    awk '{ print gsub("/", "/"), $0 }' | sort -rn | cut -d' ' -f2-)
  [[ -n $mounts ]] || return 0
  log "unmounting $(wc -l <<<"$mounts") mount(s) left by a daemon that did not stop cleanly"
  while IFS= read -r m; do
    umount -l "$m" 2>/dev/null || true
  done <<<"$mounts"
}
