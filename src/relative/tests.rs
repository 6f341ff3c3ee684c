use super::*;
use crate::results::testdata::{failed, run_results, variant};
use crate::results::VariantResult;
use crate::stats::synthetic::Rng;

const MIB: f64 = 1024.0 * 1024.0;

fn table(variants: Vec<VariantResult>, reference: &str) -> RelativeTable {
    relative_table(
        &run_results(variants),
        reference,
        &CompareSettings::default(),
    )
    .unwrap()
}

fn row<'a>(t: &'a RelativeTable, variant: &str, metric: &str) -> &'a RelativeRow {
    t.rows
        .iter()
        .find(|r| r.variant == variant && r.metric == metric)
        .unwrap_or_else(|| panic!("no row {variant} {metric}"))
}

#[test]
fn a_layer_of_50_mib_more_is_worse_exactly() {
    let base = 2_000_000.0;
    let t = table(
        vec![
            variant("small", &[("image_size_bytes", &[base, base])]),
            variant("big", &[("image_size_bytes", &[base + 50.0 * MIB; 2])]),
        ],
        "small",
    );
    let r = row(&t, "big", "image_size_bytes");
    assert_eq!(r.test, TestUsed::Exact);
    assert_eq!(r.change, Some(50.0 * MIB / base));
    assert_eq!(r.interval, None);
    assert_eq!(r.relation, Relation::Worse);
    // A size is told in bytes (three significant figures), the ratio after it.
    assert_eq!(change_with_interval(r), "+52.4 MB (exact)");
    assert_eq!(change_cell(r), "+52.4 MB worse");
    assert_eq!(
        finding_line(r, "small"),
        "big: image size 52.4 MB larger than small (27.21×, exact, after 2 runs)"
    );
}

#[test]
fn any_exact_difference_counts_and_none_is_same() {
    let t = table(
        vec![
            variant(
                "a",
                &[
                    ("image_size_bytes", &[100e6]),
                    ("cache_hit_rate.src", &[0.5; 3]),
                ],
            ),
            variant(
                "b",
                &[
                    ("image_size_bytes", &[101e6]),
                    ("cache_hit_rate.src", &[0.5; 3]),
                ],
            ),
            variant(
                "c",
                &[
                    ("image_size_bytes", &[100e6]),
                    ("cache_hit_rate.src", &[0.75; 3]),
                ],
            ),
        ],
        "a",
    );
    assert_eq!(row(&t, "b", "image_size_bytes").relation, Relation::Worse);
    assert_eq!(row(&t, "b", "cache_hit_rate.src").relation, Relation::Same);
    assert_eq!(row(&t, "c", "image_size_bytes").relation, Relation::Same);
    let hit = row(&t, "c", "cache_hit_rate.src");
    assert_eq!(
        hit.relation,
        Relation::Better,
        "a higher hit rate is better"
    );
    assert_eq!(
        finding_line(hit, "a"),
        "c: cache hit rate after edit “src” 75.0% against 50.0% for a (+25.0 pp, after 3 runs)"
    );
    assert_eq!(change_with_interval(hit), "+25.0 pp (exact)");
}

#[test]
fn noisy_metrics_get_an_interval_and_a_verdict() {
    let t = table(
        vec![
            variant("base", &[("rebuild_s.src", &[11.0, 11.3, 10.8])]),
            variant("fast", &[("rebuild_s.src", &[6.3, 6.4, 6.5])]),
            variant("wild", &[("rebuild_s.src", &[9.5, 12.5, 11.0])]),
            variant("twin", &[("rebuild_s.src", &[11.1, 10.9, 11.2])]),
        ],
        "base",
    );
    let fast = row(&t, "fast", "rebuild_s.src");
    assert_eq!(fast.relation, Relation::Better);
    let i = fast.interval.unwrap();
    let c = fast.change.unwrap();
    assert!(i.low < c && c < i.high && i.high < 0.0, "{i:?} {c}");
    assert!(
        (c - (6.4 / 11.0 - 1.0)).abs() < 1e-12,
        "the ratio of the medians: {c}"
    );
    assert!(finding_line(fast, "base")
        .starts_with("fast: rebuild time after edit “src” 4.60 s faster than base (1.72× ["));

    let wild = row(&t, "wild", "rebuild_s.src");
    assert_eq!(wild.relation, Relation::CannotTell);
    assert_eq!(relation_text(wild, 0.05), "cannot tell");
    assert_eq!(wild.runs, Runs { base: 3, head: 3 });
    let n = wild.runs_for_5_percent.unwrap();
    assert!(n > 3, "{n}");
    assert_eq!(
        runs_hint(wild).unwrap(),
        format!("{n} runs per variant would narrow it to ±5% at this spread")
    );

    let twin = row(&t, "twin", "rebuild_s.src");
    assert!(
        matches!(twin.relation, Relation::Same | Relation::CannotTell),
        "{twin:?}"
    );
    assert_eq!(runs_hint(fast), None, "only undecided rows get a hint");
}

/// "Same" on a noisy metric is a decision with its margin, distinct from "cannot tell"; on an
/// exact metric it is the same value.
#[test]
fn same_says_within_which_margin() {
    let t = table(
        vec![
            variant(
                "base",
                &[
                    ("startup_s", &[2.00, 2.01, 1.99, 2.00, 2.01]),
                    ("image_size_bytes", &[100e6; 5]),
                ],
            ),
            variant(
                "twin",
                &[
                    ("startup_s", &[2.00, 1.99, 2.01, 2.00, 2.00]),
                    ("image_size_bytes", &[100e6; 5]),
                ],
            ),
        ],
        "base",
    );
    let noisy = row(&t, "twin", "startup_s");
    assert_eq!(noisy.relation, Relation::Same, "{noisy:?}");
    assert_eq!(relation_text(noisy, 0.05), "same within ±5%");
    assert_eq!(
        relation_text(row(&t, "twin", "image_size_bytes"), 0.05),
        "same"
    );
    assert_eq!(margin_text(0.025), "±2.5%");
}

#[test]
fn percents_keep_small_changes_visible() {
    assert_eq!(percent(0.0), "0%");
    assert_eq!(percent(0.25), "+25%");
    assert_eq!(percent(-0.042), "-4.2%");
    assert_eq!(percent(2556.0 / 264_313_876.0), "+0.00097%");
    assert_eq!(percent(-0.0004), "-0.040%");
}

#[test]
fn one_sample_cannot_tell() {
    let t = table(
        vec![
            variant("a", &[("startup_s", &[1.0])]),
            variant("b", &[("startup_s", &[2.0])]),
        ],
        "a",
    );
    let r = row(&t, "b", "startup_s");
    assert_eq!(r.test, TestUsed::TooFewSamples);
    assert_eq!(r.relation, Relation::CannotTell);
    assert_eq!(relation_text(r, 0.05), "cannot tell");
    assert_eq!(r.runs.after_text(), "after 1 run");
    assert_eq!(change_with_interval(r), "+100%");
    assert_eq!(
        runs_hint(r).unwrap(),
        "a spread needs at least 2 runs per variant"
    );
}

#[test]
fn the_adjustment_spans_the_whole_table() {
    // p ≈ 0.03 alone; among 20 null rows it no longer counts.
    let mut variants = vec![variant("ref", &[("startup_s", &[1.00, 1.05, 0.98])])];
    variants.push(variant("edge", &[("startup_s", &[1.12, 1.17, 1.10])]));
    let alone = table(variants.clone(), "ref");
    let edge = |t: &RelativeTable| row(t, "edge", "startup_s").test;
    let TestUsed::Welch { p_value, .. } = edge(&alone) else {
        panic!()
    };
    assert!(p_value < 0.05, "{p_value}");
    for i in 0..20 {
        variants.push(variant(
            &format!("same{i}"),
            &[("startup_s", &[1.0, 1.05, 0.98])],
        ));
    }
    let crowded = table(variants, "ref");
    let TestUsed::Welch { adjusted_p, .. } = edge(&crowded) else {
        panic!()
    };
    assert!(adjusted_p > 0.05, "{adjusted_p}");
}

#[test]
fn failed_variants_and_references() {
    let t = table(
        vec![
            variant("a", &[("startup_s", &[1.0, 1.1])]),
            failed("b", "build failed"),
        ],
        "a",
    );
    assert!(t.rows.is_empty());
    assert_eq!(t.notes, ["b failed, so it has no figures to compare"]);
    let results = run_results(vec![failed("a", "x"), variant("b", &[])]);
    let settings = CompareSettings::default();
    assert_eq!(
        relative_table(&results, "a", &settings),
        Err(NoTable::ReferenceFailed("a".into()))
    );
    assert_eq!(
        relative_table(&results, "z", &settings)
            .unwrap_err()
            .to_string(),
        "reference variant `z` is not in this run (variants: a, b)"
    );
    assert_eq!(reference_name(&results, None), Some("a"));
    assert_eq!(reference_name(&results, Some("b")), Some("b"));
}

#[test]
fn findings_are_the_decided_changes_with_the_largest_effect() {
    // By the change in the metric's own terms, not by ratio: a build 2 s slower (1.2×) comes
    // before a startup 1 s faster (2×).
    let results = run_results(vec![
        variant(
            "a",
            &[
                ("startup_s", &[2.0, 2.02, 1.98]),
                ("cold_build_s", &[10.0, 10.1, 9.9]),
            ],
        ),
        variant(
            "b",
            &[
                ("startup_s", &[1.0, 1.01, 0.99]),
                ("cold_build_s", &[12.0, 12.1, 11.9]),
            ],
        ),
        variant(
            "c",
            &[
                ("startup_s", &[2.0, 2.5, 1.5]),
                ("cold_build_s", &[10.0, 10.1, 9.9]),
            ],
        ),
    ]);
    let t = relative_table(&results, "a", &CompareSettings::default()).unwrap();
    let lines = findings(&t, &results, 5);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("b: cold build time 2.00 s slower than a (1.20× ["),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("b: startup time 1.00 s faster than a (2.00× ["),
        "{lines:?}"
    );
    assert_eq!(findings(&t, &results, 1).len(), 1);
}

/// Identical variants, drawn from one distribution: the share of suites in which any row is
/// called better or worse.
fn false_verdict_rate(seed: u64, suites: usize, shape: (usize, usize, usize), cv: f64) -> f64 {
    let (variants, metrics, runs) = shape;
    let mut rng = Rng(seed);
    let alarms = (0..suites)
        .filter(|_| {
            let built: Vec<VariantResult> = (0..variants)
                .map(|v| {
                    let mut result = variant(&format!("v{v}"), &[]);
                    for m in 0..metrics {
                        let samples = rng.timings(runs, 10.0 + m as f64, cv, true);
                        result.metrics.insert(
                            format!("rebuild_s.e{m}"),
                            Summary::from_samples(&samples).unwrap(),
                        );
                    }
                    result
                })
                .collect();
            table(built, "v0")
                .rows
                .iter()
                .any(|r| matches!(r.relation, Relation::Better | Relation::Worse))
        })
        .count();
    alarms as f64 / suites as f64
}

#[test]
fn identical_variants_are_rarely_called_different() {
    // The known answer: over 20 suites of identical variants, a false better/worse in
    // at most 5 % of them (at most 1 of 20), for a python-api-sized table (7 variants, 9
    // timing metrics, 3 runs) at this machine's noise. The true rate, from 400 suites a seed,
    // is 1–2 % (seeds 1–5, 3–10 % noise), so a batch of 20 still shows 2 false verdicts about
    // once in 16 seeds (seed 3 does); the 200-suite checks below are the firmer guarantee.
    for cv in [0.05, 0.10] {
        let rate = false_verdict_rate(1, 20, (7, 9, 3), cv);
        assert!(rate <= 0.05, "cv={cv}: {rate}");
    }
    // And over many more suites, so that the 5 % is not luck of 20 draws.
    for (shape, cv) in [((7, 9, 3), 0.10), ((3, 4, 5), 0.05), ((2, 1, 3), 0.10)] {
        let rate = false_verdict_rate(17, 200, shape, cv);
        assert!(rate <= 0.05, "{shape:?} cv={cv}: {rate}");
    }
}

// --- merges of shards: same-machine figures only ------------------------------------------

/// One shard's results folder: `samples` per variant as (variant, cold build seconds), the
/// image size the same everywhere.
fn shard_input(index: u32, variants: &[(&str, &[f64])]) -> crate::results::merge::Input {
    use crate::results::Sample;
    let shard = crate::scenario::shard::Shard { index, count: 2 };
    let mut samples = Vec::new();
    for (name, xs) in variants {
        for (i, x) in xs.iter().enumerate() {
            for (metric, value) in [("cold_build_s", *x), ("image_size_bytes", 5e6)] {
                samples.push(Sample {
                    variant: name.to_string(),
                    metric: metric.into(),
                    run: i as u32 + 1,
                    value,
                    started_at: None,
                    others_cpu_share: None,
                    load_1m: None,
                });
            }
        }
    }
    let mut results = run_results(variants.iter().map(|(n, _)| variant(n, &[])).collect());
    results.runs = 4;
    results.reference = Some("base".into());
    results.shard = Some(shard);
    crate::results::merge::Input {
        dir: format!("/nonexistent/shard-{index}").into(),
        results,
        samples,
    }
}

const BASE_1: [f64; 4] = [10.0, 10.2, 9.8, 10.1];

fn merged_shards(second_base: &[f64], b: &[f64]) -> RunResults {
    let (merged, _) = crate::results::merge::merge(vec![
        shard_input(1, &[("base", &BASE_1), ("a", &[5.0, 5.1, 4.9, 5.05])]),
        shard_input(2, &[("base", second_base), ("b", b)]),
    ])
    .unwrap();
    merged
}

/// The known answer: shard 2's machine is 30% slower. Its variant `b` measures exactly what its
/// own reference does, so against it `b` is the same; against the pooled reference (median
/// 11.55 s) it would read +12% worse, a difference of machines, not of Dockerfiles.
#[test]
fn shards_whose_machines_differ_by_30_percent_are_said_to_and_never_compared_across() {
    let base_2: Vec<f64> = BASE_1.iter().map(|x| x * 1.3).collect();
    let merged = merged_shards(&base_2, &base_2);
    assert_eq!(merged.shard_references.len(), 2);
    assert_eq!(merged.shard_references[1].variants, ["b"]);
    let t = relative_table(&merged, "base", &CompareSettings::default()).unwrap();

    let b = row(&t, "b", "cold_build_s");
    assert_eq!(
        b.reference.samples, base_2,
        "b against shard 2's reference only"
    );
    assert_eq!(b.change, Some(0.0));
    assert_eq!(b.relation, Relation::Same);
    let a = row(&t, "a", "cold_build_s");
    assert_eq!(a.reference.samples, BASE_1);
    assert_eq!(a.relation, Relation::Better);

    let machines = t.machines.as_ref().expect("a merge of shards");
    let cold = machines
        .rows
        .iter()
        .find(|r| r.metric == "cold_build_s")
        .unwrap();
    assert_eq!(cold.variant, "shard 2/2");
    assert!(
        (cold.change.unwrap() - 0.3).abs() < 1e-12,
        "{:?}",
        cold.change
    );
    assert_eq!(cold.relation, Relation::Worse);
    let size = machines
        .rows
        .iter()
        .find(|r| r.metric == "image_size_bytes")
        .unwrap();
    assert_eq!(
        size.relation,
        Relation::Same,
        "sizes are machine-independent"
    );

    let said = machines_statement(&t).unwrap();
    assert_eq!(
        said,
        "The shards' machines differ: the reference base measured cold build time 13.07 s on \
         shard 2/2 against 10.05 s on shard 1/2 (+30% [+26%, +34%], after 4 runs). So each variant is \
         compared with base as its own shard's machine measured it, never across machines."
    );

    // Claims: two variants of two machines are not compared; the reference is taken from the
    // other side's shard.
    let claim = |from: &str, to: &str| crate::claims::ClaimSpec {
        text: format!("{to} vs {from}"),
        source: None,
        metric: "cold_build_s".into(),
        from: from.into(),
        to: to.into(),
        expect: "-20%".into(),
    };
    let judged = crate::claims::judge_claims(
        &merged,
        &[claim("a", "b"), claim("base", "b")],
        &CompareSettings::default(),
    );
    assert_eq!(judged[0].verdict, crate::claims::ClaimVerdict::CannotTell);
    assert!(
        judged[0]
            .reason
            .contains("different machines (shards 1/2 and 2/2)"),
        "{}",
        judged[0].reason
    );
    assert_eq!(judged[1].from_median, Some(b.reference.median));
    assert_eq!(judged[1].change, Some(0.0));
}

#[test]
fn shards_that_measure_the_reference_alike_say_so() {
    let base_2 = [10.1, 9.9, 10.0, 10.2];
    let merged = merged_shards(&base_2, &[12.0, 12.1, 11.9, 12.05]);
    let t = relative_table(&merged, "base", &CompareSettings::default()).unwrap();
    let said = machines_statement(&t).unwrap();
    assert!(
        said.starts_with("Merged from 2 shards: their machines measured the reference alike"),
        "{said}"
    );
    assert_eq!(row(&t, "b", "cold_build_s").reference.samples, base_2);
    // Rounds of one machine (no shards) pool the reference, and say nothing about machines.
    assert!(machines_statement(&table(
        vec![
            variant("x", &[("cold_build_s", &[1.0, 1.1])]),
            variant("y", &[("cold_build_s", &[1.0, 1.1])])
        ],
        "x"
    ))
    .is_none());
}

/// A count's change reads as the two counts: 470 files against 469 is "+0.2%", not "1.00×".
#[test]
fn a_count_reads_as_both_values() {
    let t = table(
        vec![
            variant("a", &[("image_files", &[469.0])]),
            variant("b", &[("image_files", &[470.0])]),
        ],
        "a",
    );
    let r = row(&t, "b", "image_files");
    assert_eq!(r.relation, Relation::Worse);
    assert_eq!(
        finding_line(r, "a"),
        "b: files in the image 470 against 469 for a (+1, after 1 run)"
    );
}
