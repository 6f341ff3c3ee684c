# Sourced by setup.sh and private-engine.sh, after they define `die`.
#
# wait_for_dockerd PID LOG TIMEOUT_S CHECK...
#   Runs CHECK (a command) once a second until it succeeds. Dies with the end of LOG when dockerd
#   PID exits first or TIMEOUT_S seconds pass: a daemon that never answers must fail the script,
#   not hang it. Leaves the seconds it waited in `waited`.
wait_for_dockerd() {
  local pid=$1 log_file=$2 timeout_s=$3
  shift 3
  waited=0
  until "$@"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$log_file" >&2 || true
      die "dockerd exited before answering (see $log_file)"
    fi
    if (( waited >= timeout_s )); then
      tail -n 20 "$log_file" >&2 || true
      die "dockerd (pid $pid) did not answer within ${timeout_s}s (see $log_file)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
}
