#!/usr/bin/env bash
# scripts/crosscheck-stack.sh: the stack suite's figures against the compose tool's own run.
#
# Starts scenarios/stack/compose.yaml's `api` with docker-compose v1 (the Python tool from
# Debian; it shares no code with dockbench), from IMAGE (the api image a
# `dockbench run scenarios/stack/suite.toml --variant healthy-deps --keep-images` built: the
# compose tool's classic builder cannot build the Dockerfile's cache mounts), waits for its /health to answer 200, lets it
# settle as the suite does, and prints, beside the medians of a dockbench results.json:
#   start order   which services the compose tool started before `api`, and whether `api`
#                 started only after `db` and `cache` were healthy (`docker inspect` StartedAt
#                 and the health logs)
#   memory        `docker stats --no-stream` MEM USAGE of db, cache and api  vs  dockbench's
#                 memory_idle_bytes.db, memory_idle_bytes.cache and memory_idle_bytes
# Timings are not compared: the compose tool waits for health on the file's 10 s interval, which
# dockbench replaces with 100 ms on purpose.
#
# Everything it starts carries dockbench=1 and dockbench.crosscheck=<id> (an override file adds
# them) and is removed at exit, on error or Ctrl-C too (`docker-compose down -v`); IMAGE stays.
#
# Usage: scripts/crosscheck-stack.sh RESULTS_JSON IMAGE [OUT_FILE]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage="usage: scripts/crosscheck-stack.sh RESULTS_JSON IMAGE [OUT_FILE]"
results=${1:?$usage}
image=${2:?$usage}
out=${3:-/tmp/crosscheck-stack.txt}
command -v docker-compose >/dev/null || { echo "needs docker-compose (apt-get install docker-compose)" >&2; exit 1; }
command -v jq >/dev/null || apt-get install -y -q jq >/dev/null

id=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
project=dockbench-xcheck-$id
override=$(mktemp --suffix=.yaml)
compose=(docker-compose -p "$project" -f scenarios/stack/compose.yaml -f "$override")
cleanup() {
  "${compose[@]}" down -v >/dev/null 2>&1 || true
  rm -f "$override"
}
trap cleanup EXIT INT TERM

labels="      dockbench: \"1\"
      dockbench.crosscheck: \"$id\""
cat >"$override" <<EOF
services:
  api: {image: "$image", labels: {dockbench: "1", dockbench.crosscheck: "$id"}}
  db: {labels: {dockbench: "1", dockbench.crosscheck: "$id"}}
  cache: {labels: {dockbench: "1", dockbench.crosscheck: "$id"}}
volumes:
  pgdata:
    labels:
$labels
networks:
  default:
    labels:
$labels
EOF

echo "starting the stack with docker-compose $(docker-compose version --short) (project $project)" >&2
"${compose[@]}" up -d --no-build api >/dev/null
deadline=$((SECONDS + 180))
until [[ $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/health || true) == 200 ]]; do
  (( SECONDS < deadline )) || { echo "api never answered 200 on /health" >&2; exit 1; }
  sleep 0.1
done
sleep 2 # the suite's settle

cid() { "${compose[@]}" ps -q "$1"; }
started() { docker inspect -f '{{.State.StartedAt}}' "$(cid "$1")"; }
first_healthy() { # the end of the first passing health check
  docker inspect "$(cid "$1")" | jq -r '[.[0].State.Health.Log[] | select(.ExitCode == 0)][0].End // "never"'
}
mem_bytes() { # docker stats' MEM USAGE, in bytes
  docker stats --no-stream --format '{{.MemUsage}}' "$(cid "$1")" | awk '{
    v = $1; u = v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+$/, "", v)
    m = (u == "GiB") ? 1073741824 : (u == "MiB") ? 1048576 : (u == "KiB") ? 1024 : 1
    printf "%d", v * m }'
}
median_of() { # variant metric
  jq -r --arg v "$1" --arg m "$2" '.variants[] | select(.name == $v) | .metrics[$m].median // "none"' "$results"
}

{
  echo "# The stack suite against docker-compose $(docker-compose version --short), $(date -u +%FT%TZ)"
  echo "dockbench results: $results (variant healthy-deps, medians)"
  echo
  echo "## Start order (compose tool)"
  for s in db cache api; do printf '%-6s started %s\n' "$s" "$(started "$s")"; done
  for s in db cache; do printf '%-6s first healthy check ended %s\n' "$s" "$(first_healthy "$s")"; done
  echo
  echo "## Idle memory after 2 s of settle"
  printf '%-6s %14s %14s %8s\n' service "docker stats" dockbench diff
  for pair in "db memory_idle_bytes.db" "cache memory_idle_bytes.cache" "api memory_idle_bytes"; do
    set -- $pair
    ours=$(median_of healthy-deps "$2")
    theirs=$(mem_bytes "$1")
    diff=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { if (b > 0) printf "%+.1f%%", (a - b) * 100 / b; else print "n/a" }')
    printf '%-6s %11.1f MiB %11.1f MiB %8s\n' "$1" "$(awk -v b="$theirs" 'BEGIN{print b/1048576}')" \
      "$(awk -v a="$ours" 'BEGIN{print a/1048576}')" "$diff"
  done
} | tee "$out"
