#!/usr/bin/env bash
# scripts/crosscheck.sh: compare dockbench's figures with independent tools on the same images.
#
# For each chosen variant of a suite (default: baseline and minimal-runtime of
# scenarios/python-api/suite.toml) this measures the same things two ways and prints how close
# they are:
#   image size     results.json image_size_bytes      vs `docker image inspect` Size of the kept
#                                                        image (must match exactly)
#   layer sizes    sum of results.json layers[]        vs the image size, and vs `docker history`
#   cold build     dockbench cold_build_s, builder     vs a timed `DOCKER_BUILDKIT=0 docker build
#                  "classic"                             --no-cache` of the same Dockerfile, args
#                                                        and context, interleaved run by run
#                                                        (skipped for BuildKit-only Dockerfiles)
#   startup        dockbench startup_s                 vs `docker start` + one Python process
#                                                        polling every 10 ms until the first
#                                                        HTTP 200
#   memory         dockbench memory_idle_bytes         vs `docker stats --no-stream` MEM USAGE at
#                                                        the end of the same settle period
#                  dockbench memory_peak_bytes         vs the cgroup's memory.max_usage_in_bytes
#                                                        (cgroup v1) read at the same moment
#   overhead       dockbench's wall time per variant   minus the phases it measured (builds,
#                                                        time to ready/healthy, settle)
#
# dockbench runs on derived suites written to a temporary folder: the same context, build args,
# builder and [run] settings, but no edits and no targets (so the kept image is the measured
# one), under a unique suite name. The independent container copies dockbench's container
# settings (published port on 127.0.0.1, no health checks while it runs, as dockbench has none
# when an HTTP probe measures startup; [run].env and command), so both measure the same thing.
#
# Everything the script creates is labelled (dockbench=1, dockbench.crosscheck=<id>, or the
# derived suite's dockbench.suite=<unique name>) and removed at exit, on error or Ctrl-C too.
# Nothing else is touched.
#
# Usage: scripts/crosscheck.sh [OUT_FILE] [--suite FILE] [--variants "a b"] [--runs N]
#   OUT_FILE     where the table goes as well (default /tmp/crosscheck.txt)
#   --suite      the suite file (default scenarios/python-api/suite.toml)
#   --variants   space-separated variant names (default "baseline minimal-runtime")
#   --runs       repetitions of each comparison (default 3)
# Environment: DOCKBENCH (the binary; default target/release/dockbench, built if missing).
# Needs: docker, python3 (3.11+, for tomllib); installs jq with apt-get if missing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=/tmp/crosscheck.txt
SUITE=$ROOT/scenarios/python-api/suite.toml
VARIANTS="baseline minimal-runtime"
RUNS=3
while [[ $# -gt 0 ]]; do
  case $1 in
    --suite) SUITE=$2; shift 2 ;;
    --variants) VARIANTS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "crosscheck: unknown option $1 (try --help)" >&2; exit 2 ;;
    *) OUT=$1; shift ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "crosscheck: --runs wants a positive number" >&2; exit 2; }
SUITE=$(cd "$(dirname "$SUITE")" && pwd)/$(basename "$SUITE")

log() { printf 'crosscheck: %s\n' "$*" >&2; }
die() { printf 'crosscheck: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Tools.
command -v docker >/dev/null || die "docker CLI not found (bash scripts/setup.sh installs it)"
command -v python3 >/dev/null || die "python3 not found"
python3 -c 'import tomllib' 2>/dev/null || die "python3 is older than 3.11 (no tomllib)"
if ! command -v jq >/dev/null; then
  log "installing jq"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get -o DPkg::Lock::Timeout=300 update && apt-get -o DPkg::Lock::Timeout=300 install -y jq; } >/dev/null 2>&1 \
    || die "could not install jq with apt-get"
fi
timeout 20 docker info >/dev/null 2>&1 || die "no Docker engine answers (run scripts/setup.sh)"
DOCKBENCH=${DOCKBENCH:-$ROOT/target/release/dockbench}
if [[ ! -x $DOCKBENCH ]]; then
  log "building dockbench (cargo build --release)"
  (cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
fi

# ---------------------------------------------------------------------------------------------
# Clean-up of everything this script made, whatever happens.
XC_ID=xc$(date +%s)$$
TMP=$(mktemp -d /tmp/dockbench-crosscheck.XXXXXX)
XC_SUITE=""          # unique name of the derived suites: their images carry dockbench.suite=<it>
STAGE_IMAGES=$TMP/classic-stage-images   # stage images of our classic `docker build`s
: >"$STAGE_IMAGES"
cleanup() {
  local rc=$? ids
  trap - EXIT INT TERM
  ids=$(docker ps -aq --filter "label=dockbench.crosscheck=$XC_ID" 2>/dev/null || true)
  [[ -n $ids ]] && docker rm -f $ids >/dev/null 2>&1 || true
  if [[ -n $XC_SUITE ]]; then
    ids=$(docker ps -aq --filter "label=dockbench.suite=$XC_SUITE" 2>/dev/null || true)
    [[ -n $ids ]] && docker rm -f $ids >/dev/null 2>&1 || true
    ids=$(docker images -q --no-trunc --filter "label=dockbench.suite=$XC_SUITE" 2>/dev/null | sort -u || true)
    [[ -n $ids ]] && docker rmi -f $ids >/dev/null 2>&1 || true
  fi
  ids=$(docker images -q --no-trunc --filter "label=dockbench.crosscheck=$XC_ID" 2>/dev/null | sort -u || true)
  [[ -n $ids ]] && docker rmi -f $ids >/dev/null 2>&1 || true
  # Newest first, so that removing a stage's last image also prunes its untagged parents.
  if [[ -s $STAGE_IMAGES ]]; then
    tac "$STAGE_IMAGES" | while read -r id; do docker rmi "$id" >/dev/null 2>&1 || true; done
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# The suite, as seen by Python: resolved per-variant settings, and the derived suites.
XC_SUITE=xc-$(python3 -c 'import sys,tomllib; print(tomllib.load(open(sys.argv[1],"rb"))["name"])' "$SUITE")-$XC_ID
python3 - "$SUITE" "$TMP" "$XC_SUITE" $VARIANTS <<'EOF'
import json, os, sys, tomllib

suite_path, tmp, xc_name, *wanted = sys.argv[1:]
suite_dir = os.path.dirname(suite_path)
s = tomllib.load(open(suite_path, "rb"))
variants = {v["name"]: v for v in s.get("variant", [])}
missing = [w for w in wanted if w not in variants]
if missing:
    sys.exit(f"crosscheck: no variant {', '.join(missing)} in {suite_path}; it has {', '.join(variants)}")

def q(x):  # a TOML value from a Python one (strings, numbers, flat tables, arrays)
    if isinstance(x, bool): return "true" if x else "false"
    if isinstance(x, (int, float)): return repr(x)
    if isinstance(x, str): return json.dumps(x)
    if isinstance(x, list): return "[" + ", ".join(q(i) for i in x) + "]"
    if isinstance(x, dict): return "{ " + ", ".join(f"{json.dumps(k)} = {q(v)}" for k, v in x.items()) + " }"
    raise TypeError(x)

resolved = {}
for name in wanted:
    v = variants[name]
    ctx = os.path.normpath(os.path.join(suite_dir, v.get("context", s.get("context", "."))))
    args = dict(s.get("build_args", {})); args.update(v.get("build_args", {}))
    run = v.get("run", s.get("run"))
    resolved[name] = {
        "context": ctx,
        "dockerfile": v.get("dockerfile", "Dockerfile"),
        "builder": v.get("builder", s.get("builder", "buildkit")),
        "build_args": args,
        "run": run,
    }

def write_suite(path, builder_override, with_run):
    lines = [f"name = {q(xc_name)}", "runs = 1"]
    for name in wanted:
        r = resolved[name]
        if with_run and r["run"] is None:
            continue
        lines += ["", "[[variant]]", f"name = {q(name)}", f"context = {q(r['context'])}",
                  f"dockerfile = {q(r['dockerfile'])}",
                  f"builder = {q(builder_override or r['builder'])}",
                  f"build_args = {q(r['build_args'])}"]
        if with_run and r["run"]:
            lines.append(f"run = {q(r['run'])}")
    open(path, "w").write("\n".join(lines) + "\n")

write_suite(os.path.join(tmp, "suite-as-is.toml"), None, True)
write_suite(os.path.join(tmp, "suite-classic.toml"), "classic", False)
json.dump(resolved, open(os.path.join(tmp, "variants.json"), "w"), indent=1)
EOF
"$DOCKBENCH" validate "$TMP/suite-as-is.toml" "$TMP/suite-classic.toml" >/dev/null \
  || die "dockbench does not accept the derived suites in $TMP"

# Seconds with a fraction, for wall clocks.
now() { date +%s.%N; }
# A free TCP port on 127.0.0.1 (the independent container publishes on it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# "493.9MiB / 23.54GiB" -> bytes of the first figure.
mem_to_bytes() {
  python3 -c '
import re, sys
m = re.match(r"\s*([0-9.]+)\s*([A-Za-z]*)", sys.argv[1].split("/")[0])
units = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
         "kB": 10**3, "KB": 10**3, "MB": 10**6, "GB": 10**9}
print(int(float(m.group(1)) * units.get(m.group(2) or "B", 1)))' "$1"
}
# "3s", "1.5s", "250ms", "2m" or a number of seconds -> seconds.
to_seconds() { python3 -c '
import re, sys
v = sys.argv[1]
try:
  print(float(v)); sys.exit()
except ValueError: pass
total = 0.0
for n, u in re.findall(r"([0-9.]+)\s*(ms|s|m|h)", v):
  total += float(n) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[u]
print(total)' "$1"; }
vjson() { jq -r --arg v "$1" ".[\$v]$2" "$TMP/variants.json"; }

# The classic builder keeps an image per step, and the build's labels reach only the final
# stage's image: when dockbench removes its image, the other stages' images stay as dangling
# images without dockbench's run labels. Find the ones our build made (new since $1, and made by a line of
# our Dockerfile $2) and queue them for the clean-up.
LEFTOVER_STAGE_IMAGES=0
note_leftover_stage_images() {
  local id top
  for id in $(comm -13 <(printf '%s\n' "$1") <(docker images -q --no-trunc --filter dangling=true | sort -u)); do
    # (Stage images inherit the base image's labels, dockbench=1 included: no label check here.)
    top=$(docker history --no-trunc --format '{{.CreatedBy}}' "$id" 2>/dev/null | head -n1)
    top=${top#/bin/sh -c }
    top=${top#\#(nop) }
    top=$(printf '%s' "$top" | tr -s ' \t\\' ' ' | sed 's/^ *//; s/ *$//')
    [[ -n $top ]] || continue
    if tr -s ' \t\\\n' ' ' <"$2" | grep -qF -- "$top"; then
      echo "$id" >>"$STAGE_IMAGES"
      LEFTOVER_STAGE_IMAGES=$((LEFTOVER_STAGE_IMAGES + 1))
    fi
  done
}

# Rows: variant|check|dockbench|independent|comparison|how
ROWS=$TMP/rows
: >"$ROWS"
row() { printf '%s|%s|%s|%s|%s|%s\n' "$@" >>"$ROWS"; }
SAMPLES=$TMP/samples   # variant metric side value
: >"$SAMPLES"
sample() { printf '%s %s %s %s\n' "$@" >>"$SAMPLES"; }

# ---------------------------------------------------------------------------------------------
for V in $VARIANTS; do
  ctx=$(vjson "$V" .context)
  dockerfile=$(vjson "$V" .dockerfile)
  has_run=$(vjson "$V" '.run != null')
  port_in=$(vjson "$V" '.run.port // empty')
  probe_path=$(vjson "$V" '.run.http_probe // empty')
  settle=$(vjson "$V" '.run.settle // "2s"')
  timeout_s=$(vjson "$V" '.run.timeout // "60s"')
  settle_s=$(to_seconds "$settle")
  timeout_secs=$(to_seconds "$timeout_s")

  # --- 1. dockbench as the suite has it (BuildKit here), images kept ------------------------
  log "$V: dockbench run, $RUNS run(s), images kept"
  out=$TMP/as-is-$V
  t0=$(now)
  rc=0
  "$DOCKBENCH" run "$TMP/suite-as-is.toml" --variant "$V" --runs "$RUNS" --keep-images \
    --no-progress --out "$out" >"$TMP/as-is-$V.log" 2>&1 || rc=$?
  t1=$(now)
  wall=$(python3 -c "print($t1 - $t0)")
  status=$(jq -r --arg v "$V" '.variants[] | select(.name == $v) | .status' "$out/results.json" 2>/dev/null || echo missing)
  if [[ $status != ok ]]; then
    tail -n 30 "$TMP/as-is-$V.log" >&2
    die "$V: dockbench run failed (exit $rc, status $status)"
  fi
  res=$out/results.json
  metric() { jq -r --arg v "$V" --arg m "$1" \
    '.variants[] | select(.name == $v) | .metrics[$m].samples // [] | map(tostring) | join(" ")' "$res"; }
  tag=$(docker images --filter "label=dockbench.suite=$XC_SUITE" --filter "label=dockbench.variant=$V" \
        --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>' | head -n1)
  [[ -n $tag ]] || die "$V: the kept image (label dockbench.suite=$XC_SUITE) is missing"

  # --- 2. image size and layers -------------------------------------------------------------
  db_size=$(metric image_size_bytes | awk '{print $NF}')   # the last run's image is the kept one
  db_size=${db_size%.*}
  docker_size=$(docker image inspect -f '{{.Size}}' "$tag")
  if [[ $db_size == "$docker_size" ]]; then cmp="exact match"; else cmp="MISMATCH ($((db_size - docker_size)) B)"; fi
  row "$V" "image size (bytes)" "$db_size" "$docker_size" "$cmp" "results.json image_size_bytes vs docker image inspect .Size"
  layer_sum=$(jq -r --arg v "$V" '[.variants[] | select(.name == $v) | .layers[].size_bytes] | add' "$res")
  hist_sum=$(docker history --human=false --format '{{.Size}}' "$tag" | awk '{s += $1} END {printf "%d", s}')
  row "$V" "sum of layer sizes (bytes)" "$layer_sum" "$docker_size" \
    "$(python3 -c "import sys; a,b=map(int,sys.argv[1:]); print('equal' if a==b else f'{a-b:+d} B ({(a-b)/b:+.4%})')" "$layer_sum" "$docker_size")" \
    "results.json layers[] summed vs the image size"
  row "$V" "layer sizes vs docker history" "$layer_sum" "$hist_sum" \
    "$([[ $layer_sum == "$hist_sum" ]] && echo equal || echo "differ by $((layer_sum - hist_sum)) B")" \
    "docker history --human=false, summed"

  # --- 3. startup and memory against an external probe --------------------------------------
  if [[ $has_run == true && -n $probe_path && -n $port_in ]]; then
    mapfile -t envs < <(vjson "$V" '.run.env // {} | to_entries[] | "--env=\(.key)=\(.value)"')
    mapfile -t cmd < <(vjson "$V" '.run.command // [] | .[]')
    for i in $(seq 1 "$RUNS"); do
      log "$V: external startup/memory probe $i/$RUNS"
      port=$(free_port)
      cid=$(docker create --label dockbench=1 --label "dockbench.crosscheck=$XC_ID" \
              -p "127.0.0.1:$port:$port_in" --no-healthcheck "${envs[@]}" "$tag" "${cmd[@]}")
      # Both clocks start at the start call; the probe polls every 10 ms from then on, and
      # docker-proxy's early accepts do not count (only an HTTP 200 does). One Python process
      # does the polling: a shell loop that forks curl 100 times a second takes enough CPU on
      # 2 cores to slow the container it times (seen: +24% for the 4-worker baseline).
      probe=$(python3 - "$cid" "$port" "$probe_path" "$timeout_secs" <<'PY'
import http.client, subprocess, sys, time
cid, port, path, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
t0 = time.monotonic()
start = subprocess.Popen(["docker", "start", cid], stdout=subprocess.DEVNULL)
ready = None
while ready is None and time.monotonic() - t0 < timeout:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", path)
        if conn.getresponse().status == 200:
            ready = time.monotonic() - t0
    except (OSError, http.client.HTTPException):
        pass
    finally:
        conn.close()
    if ready is None:
        time.sleep(0.01)
start.wait()
print(f"{ready} {time.time() - (time.monotonic() - t0 - ready)}" if ready is not None else "none")
PY
)
      if [[ $probe == none ]]; then
        docker logs --tail 20 "$cid" >&2 || true
        die "$V: no HTTP 200 on $probe_path within $timeout_s"
      fi
      read -r startup ready <<<"$probe"
      sample "$V" startup_s ext "$startup"
      # Memory at the end of the same settle period, measured from the first 200.
      sleep "$(python3 -c "print(max(0.0, $ready + $settle_s - $(now)))")"
      full_id=$(docker inspect -f '{{.Id}}' "$cid")
      cg=/sys/fs/cgroup/memory/docker/$full_id
      if [[ -r $cg/memory.max_usage_in_bytes ]]; then
        sample "$V" memory_peak_bytes ext "$(cat "$cg/memory.max_usage_in_bytes")"
      fi
      sample "$V" memory_idle_bytes ext "$(mem_to_bytes "$(docker stats --no-stream --format '{{.MemUsage}}' "$cid")")"
      docker rm -f "$cid" >/dev/null
    done
    for m in startup_s memory_idle_bytes memory_peak_bytes; do
      for x in $(metric "$m"); do sample "$V" "$m" db "$x"; done
    done
  fi

  # --- 4. overhead of the dockbench run above -----------------------------------------------
  measured=$(jq -r --arg v "$V" --argjson settle "$settle_s" '
    .variants[] | select(.name == $v) | .metrics as $m
    | ([$m.cold_build_s.samples[]?, $m.warm_build_s.samples[]?] | add // 0)
      + ([range(0; ($m.warm_build_s.samples // []) | length)]
         | map([($m.startup_s.samples // [])[.] // 0, ($m.healthy_s.samples // [])[.] // 0] | max) | add // 0)
      + (if $m.startup_s or $m.healthy_s then ($m.warm_build_s.samples | length) * $settle else 0 end)' "$res")
  row "$V" "dockbench overhead" "$(printf '%.1f s wall' "$wall")" "$(printf '%.1f s measured' "$measured")" \
    "$(python3 -c "w,m=$wall,$measured; print(f'{w-m:.1f} s = {(w-m)/w:.1%} of the wall time')")" \
    "wall of 'dockbench run' minus its builds, time to ready/healthy and settle ($RUNS run(s), no edits)"

  # --- 5. cold build: dockbench (classic builder) vs docker build --no-cache -----------------
  if grep -qiE '^\s*RUN\s+.*--mount' "$ctx/$dockerfile"; then
    row "$V" "cold build, classic builder" "n/a" "n/a" "skipped" "the Dockerfile uses RUN --mount (BuildKit only)"
    continue
  fi
  mapfile -t bargs < <(vjson "$V" '.build_args | to_entries[] | "--build-arg=\(.key)=\(.value)"')
  for i in $(seq 1 "$RUNS"); do
    log "$V: cold build $i/$RUNS, dockbench (classic builder)"
    out=$TMP/classic-$V-$i
    dangling_before=$(docker images -q --no-trunc --filter dangling=true | sort -u)
    "$DOCKBENCH" run "$TMP/suite-classic.toml" --variant "$V" --runs 1 --no-progress --out "$out" \
      >"$out.log" 2>&1 || true
    note_leftover_stage_images "$dangling_before" "$ctx/$dockerfile"
    x=$(jq -r --arg v "$V" '.variants[] | select(.name == $v) | .metrics.cold_build_s.samples[0] // empty' "$out/results.json" 2>/dev/null || true)
    [[ -n $x ]] || { tail -n 30 "$out.log" >&2; die "$V: dockbench classic build failed"; }
    sample "$V" cold_build_s db "$x"
    log "$V: cold build $i/$RUNS, docker build --no-cache (classic builder)"
    # One retry: a build that fails on a passing network hiccup (a DNS error inside the build
    # container, say) is timed again rather than ending the whole comparison.
    for attempt in 1 2; do
      t0=$(now)
      rc=0
      DOCKER_BUILDKIT=0 docker build --no-cache --force-rm --label dockbench=1 --label "dockbench.crosscheck=$XC_ID" \
        -t "dockbench-crosscheck/$V:$XC_ID-$i" -f "$ctx/$dockerfile" "${bargs[@]}" "$ctx" \
        >"$TMP/docker-build-$V-$i.log" 2>&1 || rc=$?
      t1=$(now)
      # Every stage's images are ours (--no-cache): note the last image of each stage so that
      # the clean-up removes them (and with them their untagged parents) even when only the
      # final image carries our label.
      awk '/^Step [0-9]+\/[0-9]+ : /{ if (id != "" && !from) print id; id=""; from = (toupper($4) == "FROM") }
           /^ ---> [0-9a-f]+$/{ id=$2 } END { if (id != "" && !from) print id }' \
        "$TMP/docker-build-$V-$i.log" >>"$STAGE_IMAGES"
      [[ $rc -ne 0 && $attempt -eq 1 ]] || break
      tail -n 5 "$TMP/docker-build-$V-$i.log" >&2
      log "$V: docker build failed (exit $rc); trying once more"
    done
    [[ $rc -eq 0 ]] || { tail -n 30 "$TMP/docker-build-$V-$i.log" >&2; die "$V: docker build failed"; }
    sample "$V" cold_build_s ext "$(python3 -c "print($t1 - $t0)")"
    docker rmi "dockbench-crosscheck/$V:$XC_ID-$i" >/dev/null 2>&1 || true
  done
done

# ---------------------------------------------------------------------------------------------
# Sample comparisons: medians, ratio and spread.
python3 - "$SAMPLES" >>"$ROWS" <<'EOF'
import statistics, sys
from collections import defaultdict
data = defaultdict(list)
order = []
for line in open(sys.argv[1]):
    v, m, side, x = line.split()
    if (v, m) not in order:
        order.append((v, m))
    data[(v, m, side)].append(float(x))

def fmt(m, x):
    if m.endswith("_bytes"):
        return f"{x / 1e6:.1f} MB"
    return f"{x:.2f} s"

label = {"startup_s": "startup (start -> first 200)", "memory_idle_bytes": "memory at end of settle",
         "memory_peak_bytes": "memory peak", "cold_build_s": "cold build, classic builder"}
how = {"startup_s": "one Python process polling every 10 ms from `docker start`",
       "memory_idle_bytes": "docker stats --no-stream MEM USAGE",
       "memory_peak_bytes": "cgroup v1 memory.max_usage_in_bytes",
       "cold_build_s": "timed `docker build --no-cache` (DOCKER_BUILDKIT=0), interleaved"}
for v, m in order:
    db, ext = data.get((v, m, "db"), []), data.get((v, m, "ext"), [])
    if not db or not ext:
        continue
    def desc(xs):
        med = statistics.median(xs)
        return f"{fmt(m, med)} [{fmt(m, min(xs))}..{fmt(m, max(xs))}] n={len(xs)}"
    ratio = statistics.median(db) / statistics.median(ext)
    print(f"{v}|{label[m]}|{desc(db)}|{desc(ext)}|ratio {ratio:.3f} ({(ratio - 1):+.1%})|{how[m]}")
EOF

{
  echo "dockbench crosscheck: $(date -u +%Y-%m-%dT%H:%M:%SZ), suite $SUITE, $RUNS run(s) per comparison"
  echo "engine: $(docker version -f '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "figures: median [min..max] n=samples; ratio = dockbench / independent"
  if [[ $LEFTOVER_STAGE_IMAGES -gt 0 ]]; then
    echo "note: dockbench's classic-builder runs left $LEFTOVER_STAGE_IMAGES unlabelled dangling stage image(s); this script removed them"
  fi
  echo
  python3 - "$ROWS" <<'EOF'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
head = ["variant", "check", "dockbench", "independent", "comparison", "independent tool"]
w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
line = lambda r: "  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip()
print(line(head)); print(line(["-" * x for x in w]))
for r in rows: print(line(r))
EOF
} | tee "$OUT"
log "written to $OUT"
