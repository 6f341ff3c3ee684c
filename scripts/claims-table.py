#!/usr/bin/env python3
"""Print the README's claims table from a python-api results folder.

Usage: python3 scripts/claims-table.py results/python-api/<timestamp>

Each variant of scenarios/python-api is the previous one plus the change it is named after, so a
claim about a change compares a variant with the one before it. The numbers come straight from
results.json (medians, with the min-max of the samples as the spread); nothing is typed by hand.

Verdicts, per claim: "holds" when the change goes the claimed way by at least the low end of the
claimed figure and the two variants' sample ranges do not overlap; "holds partly" when it goes the
claimed way by at least half the low end of a claimed figure, but by less than claimed or with
overlapping ranges; "does not hold" otherwise (a change under half the claimed figure is within
what this machine's run-to-run noise can make).
"""
import json
import sys


def load(folder):
    with open(f"{folder}/results.json") as f:
        results = json.load(f)
    return {v["name"]: v for v in results["variants"]}


# The `deps` edit adds the same library in every repetition: pip's output is byte for byte the
# same each time, so BuildKit serves repetitions 2 and 3 partly from the layers repetition 1 made
# (the install step re-runs, the copies of its output do not). Only repetition 1 is the case the
# claims are about, a dependency never built before, so for these metrics the table's figure is
# that sample; the range shown, and the one the verdict checks, is still all of them.
FIRST_REPETITION_ONLY = {"rebuild_s.deps"}


def first_repetition_reused(variants, metric):
    """Variants whose repetition 1 of this edit reused an earlier build's output (dockbench's
    notes say so), e.g. an earlier run's on the same engine: then repetition 1 is not the
    first-time case either, and the table must not present it as one."""
    edit = metric.split(".", 1)[1]
    prefix = f"edit `{edit}`, repetition 1:"
    return sorted(
        name for name, v in variants.items() if any(n.startswith(prefix) for n in v.get("notes", []))
    )


def stat(variants, name, metric):
    """(figure, min, max): the median, or repetition 1's sample (see above), and the range."""
    m = variants[name]["metrics"].get(metric)
    if m is None:
        return None
    figure = m["samples"][0] if metric in FIRST_REPETITION_ONLY else m["median"]
    return figure, m["min"], m["max"]


def fmt(metric, value):
    if metric.startswith("cache_hit_rate"):
        return f"{value * 100:.0f}%"
    if metric.endswith("_bytes"):
        return f"{value / 1e6:.0f} MB"
    return f"{value:.2f} s"


def cell(variants, name, metric):
    s = stat(variants, name, metric)
    if s is None:
        return "—"
    figure, lo, hi = s
    if metric in FIRST_REPETITION_ONLY:
        return f"{fmt(metric, figure)} (repetition 1; all {fmt(metric, lo)}–{fmt(metric, hi)})"
    return f"{fmt(metric, figure)} ({fmt(metric, lo)}–{fmt(metric, hi)})"


def change(variants, before, after, metric):
    """Relative change of the figure (median, or repetition 1), and whether the sample ranges are apart."""
    b, a = stat(variants, before, metric), stat(variants, after, metric)
    rel = (a[0] - b[0]) / b[0] if b[0] else float("inf")
    apart = a[2] < b[1] or a[1] > b[2]
    return rel, apart


def verdict(rel, apart, want_sign, want_low, after=None, want_level=None):
    """want_sign: -1 for a cut, +1 for a rise; want_low: the claimed figure's low end (0.20).
    want_level: for claims about a level ("to 90%"), the level the after-variant must reach."""
    if rel * want_sign <= 0:
        return "does not hold"
    if want_level is not None:
        return "holds" if after >= want_level and apart else "holds partly"
    if abs(rel) >= want_low and apart:
        return "holds"
    if abs(rel) < want_low / 2:
        return "does not hold"
    return "holds partly"


# (claim, source, claimed figure, before, after, metric, sign, low end of the claimed change)
CLAIMS = [
    ("Ordering the COPY lines raises the cache hit rate after a source change",
     "review of `baseline`", "65% → 90%", "baseline", "ordered-copy",
     "cache_hit_rate.source", +1, 90 / 65 - 1),
    ("Splitting dependency layers cuts image size", "review of `ordered-copy`", "−35 to −45%",
     "ordered-copy", "split-deps", "image_size_bytes", -1, 0.35),
    ("Splitting dependency layers cuts rebuilds (source edit)", "review of `ordered-copy`",
     "faster", "ordered-copy", "split-deps", "rebuild_s.source", -1, 0.0001),
    ("Splitting dependency layers cuts rebuilds (dependency edit)", "review of `ordered-copy`",
     "faster", "ordered-copy", "split-deps", "rebuild_s.deps", -1, 0.0001),
    ("Cache mounts cut a dependency-change rebuild", "review of `split-deps`", "−50 to −60%",
     "split-deps", "cache-mounts", "rebuild_s.deps", -1, 0.50),
    ("Precompiled bytecode cuts startup", "review of `cache-mounts`", "−20 to −25%",
     "cache-mounts", "bytecode", "startup_s", -1, 0.20),
    ("uvloop + httptools cut startup (with the dynamic worker count: see note)",
     "review of `bytecode`", "about −15%", "bytecode", "uvicorn-tuned", "startup_s", -1, 0.15),
    ("A dynamic worker count cuts memory (idle)", "review of `bytecode`", "−20 to −30%",
     "bytecode", "uvicorn-tuned", "memory_idle_bytes", -1, 0.20),
    ("A dynamic worker count cuts memory (peak)", "review of `bytecode`", "−20 to −30%",
     "bytecode", "uvicorn-tuned", "memory_peak_bytes", -1, 0.20),
    ("A README edit no longer invalidates the dependency layer (hit rate after a docs edit)",
     "review of `baseline`", "deps layer reused", "baseline", "ordered-copy",
     "cache_hit_rate.docs", +1, 0.0001),
    ("… and the docs-edit rebuild gets faster", "review of `baseline`", "deps layer reused",
     "baseline", "ordered-copy", "rebuild_s.docs", -1, 0.0001),
]


def main():
    variants = load(sys.argv[1])
    for metric in sorted(FIRST_REPETITION_ONLY):
        reused = first_repetition_reused(variants, metric)
        if reused:
            sys.exit(
                f"{sys.argv[1]}: repetition 1 of {metric} reused an earlier build's output in "
                f"{', '.join(reused)} (see the notes in results.json), so it is not a first-time "
                "rebuild; measure again on a build cache that has not seen this edit"
            )
    print("| claim | source | claimed | before | after | change | verdict |")
    print("|---|---|---|---|---|---|---|")
    for claim, source, claimed, before, after, metric, sign, low in CLAIMS:
        rel, apart = change(variants, before, after, metric)
        # The COPY-ordering claim is about levels (65% -> 90%): reaching 90% is what holds.
        level = 0.90 if metric == "cache_hit_rate.source" else None
        after_figure = stat(variants, after, metric)[0]
        print(
            f"| {claim} | {source} | {claimed} "
            f"| `{before}`: {cell(variants, before, metric)} "
            f"| `{after}`: {cell(variants, after, metric)} "
            f"| {rel * 100:+.0f}% | **{verdict(rel, apart, sign, low, after_figure, level)}** |"
        )


if __name__ == "__main__":
    main()
