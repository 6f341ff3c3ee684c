#!/usr/bin/env bash
# scripts/ci-merge-results.sh: merge the results folders of several `dockbench run`s of one suite
# (the rounds of an interleaved benchmark, see scripts/bench-pr.sh) into one results folder, as if
# a single run had measured all their repetitions.
#
# Usage: scripts/ci-merge-results.sh OUT_DIR RESULTS_DIR...
#
# - results.json: each metric's raw samples are concatenated in round order, and the summary
#   (median, mean, stddev, min, max) is recomputed from them exactly as dockbench's stats module
#   does; targets are judged again on the new median; `runs` is the sum; a variant failed in any
#   round is failed (the first failure's error is kept, naming its round).
# - samples.csv: rows concatenated, `run` renumbered so repetitions stay 1..N.
# - environment.json: the first round's (the rounds ran on one machine).
# Reports are not copied: `dockbench report OUT_DIR` renders them from the merged data.
# Needs python3 (standard library only). Exit 0 merged, 2 unusable input.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 OUT_DIR RESULTS_DIR..." >&2
  exit 2
fi

exec python3 - "$@" <<'PY'
import csv, json, os, shutil, sys

def fail(msg):
    print(f"ci-merge-results: error: {msg}", file=sys.stderr)
    sys.exit(2)

def summarize(samples, old):
    # Same arithmetic, in the same order, as src/stats: left-to-right sums, n - 1 stddev.
    xs = sorted(samples)
    n = len(xs)
    mean = 0.0
    for x in samples:
        mean += x
    mean /= n
    ss = 0.0
    for x in samples:
        ss += (x - mean) * (x - mean)
    summary = dict(old)
    summary.update(
        median=xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2,
        mean=mean,
        stddev=(ss / (n - 1)) ** 0.5 if n > 1 else 0.0,
        min=xs[0],
        max=xs[-1],
        samples=list(samples),
    )
    return summary

def merge_variant(rounds):
    """rounds: [(round_number, variant dict or None)]"""
    present = [(r, v) for r, v in rounds if v is not None]
    base = next((v for _, v in present if v.get("status") == "ok"), present[0][1])
    merged = dict(base)
    names = []
    for _, v in present:
        for m in v.get("metrics") or {}:
            if m not in names:
                names.append(m)
    metrics = {}
    for m in names:
        samples = [x for _, v in present for x in ((v.get("metrics") or {}).get(m) or {}).get("samples", [])]
        old = next(v["metrics"][m] for _, v in present if m in (v.get("metrics") or {}))
        if samples:
            metrics[m] = summarize(samples, old)
    merged["metrics"] = metrics
    # Start times stay parallel to the samples: concatenated in the same order.
    times = {}
    for m in metrics:
        ts = [t for _, v in present for t in (v.get("started_at") or {}).get(m, [])]
        if len(ts) == len(metrics[m]["samples"]):
            times[m] = ts
    merged.pop("started_at", None)
    if times:
        merged["started_at"] = times
    missing = [r for r, v in rounds if v is None]
    failed = [(r, v) for r, v in present if v.get("status") != "ok"]
    if failed:
        r, v = failed[0]
        merged["status"] = v.get("status", "failed")
        merged["error"] = f"round {r}: {v.get('error') or 'failed'}"
    elif missing:
        merged["status"] = "failed"
        merged["error"] = f"not measured in round(s) {', '.join(map(str, missing))}"
    targets = []
    for t in base.get("targets") or []:
        t = dict(t)
        summary = metrics.get(t.get("metric"))
        t["value"] = summary["median"] if summary else None
        if summary is None:
            t["pass"] = False
        elif t.get("direction") == "at_least":
            t["pass"] = t["value"] >= t["limit"]
        else:
            t["pass"] = t["value"] <= t["limit"]
        targets.append(t)
    merged["targets"] = targets
    return merged

def main(out_dir, in_dirs):
    runs = []
    for d in in_dirs:
        try:
            with open(os.path.join(d, "results.json"), encoding="utf-8") as f:
                runs.append(json.load(f))
        except (OSError, ValueError) as e:
            fail(f"{d}: cannot read results.json: {e}")
    suites = {r.get("suite") for r in runs}
    if len(suites) != 1:
        fail(f"the folders hold different suites: {sorted(map(str, suites))}")
    if os.path.exists(out_dir) and os.listdir(out_dir):
        fail(f"{out_dir} exists and is not empty")
    os.makedirs(out_dir, exist_ok=True)

    merged = dict(runs[0])
    merged["runs"] = sum(int(r.get("runs", 0)) for r in runs)
    finished = [r.get("finished_at") for r in runs]
    merged["finished_at"] = finished[-1] if all(finished) else None
    order = []
    for r in runs:
        for v in r.get("variants", []):
            if v["name"] not in order:
                order.append(v["name"])
    by_round = [{v["name"]: v for v in r.get("variants", [])} for r in runs]
    merged["variants"] = [
        merge_variant([(i + 1, rv.get(name)) for i, rv in enumerate(by_round)]) for name in order
    ]
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as f:
        json.dump(merged, f, indent=2)
        f.write("\n")

    header, rows, offset = None, [], 0
    for d, r in zip(in_dirs, runs):
        path = os.path.join(d, "samples.csv")
        if os.path.exists(path):
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                h = next(reader, None)
                if h is not None:
                    if header is None:
                        header = h
                    elif h != header:
                        fail(f"{path}: header {h} differs from {header}")
                    col = h.index("run")
                    for row in reader:
                        row[col] = str(offset + int(row[col]))
                        rows.append(row)
        offset += int(r.get("runs", 0))
    if header is not None:
        with open(os.path.join(out_dir, "samples.csv"), "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)

    env = os.path.join(in_dirs[0], "environment.json")
    if os.path.exists(env):
        shutil.copyfile(env, os.path.join(out_dir, "environment.json"))
    print(f"ci-merge-results: {len(in_dirs)} runs, {merged['runs']} repetitions -> {out_dir}", file=sys.stderr)

main(sys.argv[1], sys.argv[2:])
PY
