use super::*;
use crate::results::testdata::{failed, run_results, variant};

fn claim(metric: &str, from: &str, to: &str, expect: &str) -> ClaimSpec {
    ClaimSpec {
        text: format!("{to} vs {from}"),
        source: None,
        metric: metric.into(),
        from: from.into(),
        to: to.into(),
        expect: expect.into(),
    }
}

fn judge(claims: &[ClaimSpec]) -> Vec<ClaimJudgement> {
    let results = run_results(vec![
        variant(
            "a",
            &[
                ("rebuild_s.deps", &[10.0, 10.2, 9.9]),
                ("cache_hit_rate.source", &[0.4; 3]),
                ("image_size_bytes", &[200e6]),
                ("startup_s", &[2.0]),
            ],
        ),
        variant(
            "b",
            &[
                ("rebuild_s.deps", &[6.0, 6.1, 5.9]),
                ("cache_hit_rate.source", &[0.64; 3]),
                ("image_size_bytes", &[200e6]),
                ("startup_s", &[1.0]),
            ],
        ),
        variant("c", &[("rebuild_s.deps", &[9.0, 12.0, 10.5])]),
        failed("broken", "build failed"),
    ]);
    judge_claims(&results, claims, &CompareSettings::default())
}

fn verdicts(claims: &[ClaimSpec]) -> Vec<ClaimVerdict> {
    judge(claims).iter().map(|j| j.verdict).collect()
}

use ClaimVerdict::*;

#[test]
fn a_40_percent_cut_against_each_kind_of_figure() {
    // a -> b: rebuild 10.0 s -> 6.0 s, -40 %, with a tight interval around it.
    let m = "rebuild_s.deps";
    let got = verdicts(&[
        claim(m, "a", "b", "-40%"),
        claim(m, "a", "b", "-60%"),
        claim(m, "a", "b", "-45%..-35%"),
        claim(m, "a", "b", "-70%..-55%"),
        claim(m, "a", "b", "at least -20%"),
        claim(m, "a", "b", "lower"),
        claim(m, "a", "b", "+10%"),
        claim(m, "a", "b", "10s -> 6s"),
        claim(m, "a", "b", "10s -> 3s"),
    ]);
    assert_eq!(
        got,
        [
            Holds,
            HoldsPartly,
            Holds,
            HoldsPartly,
            Holds,
            Holds,
            DoesNotHold,
            Holds,
            HoldsPartly
        ]
    );
}

#[test]
fn the_judgement_states_the_change_and_its_interval() {
    let j = &judge(&[claim("rebuild_s.deps", "a", "b", "-40%")])[0];
    assert_eq!((j.from_median, j.to_median), (Some(10.0), Some(6.0)));
    assert!((j.change.unwrap() + 0.4).abs() < 1e-12);
    let i = j.interval.unwrap();
    assert!(i.low < -0.4 && -0.4 < i.high && i.high < 0.0, "{i:?}");
    assert_eq!(j.samples, 3);
}

#[test]
fn levels_of_a_hit_rate_are_exact() {
    // 40 % -> 64 %: a real rise that does not reach the claimed 90 %.
    let m = "cache_hit_rate.source";
    let got = judge(&[
        claim(m, "a", "b", "65% -> 90%"),
        claim(m, "a", "b", "40% -> 60%"),
        claim(m, "a", "b", "+38%"),
        claim(m, "b", "a", "higher"),
    ]);
    let v: Vec<_> = got.iter().map(|j| j.verdict).collect();
    assert_eq!(v, [HoldsPartly, Holds, Holds, DoesNotHold]);
    assert_eq!(got[0].interval, None, "exact: no interval");
    assert_eq!(got[3].reason, "the other way");
}

#[test]
fn no_difference_does_not_hold_and_noise_cannot_tell() {
    let j = &judge(&[claim("image_size_bytes", "a", "b", "-45%..-35%")])[0];
    assert_eq!(j.verdict, DoesNotHold);
    assert_eq!(j.reason, "no change at all");
    assert_eq!(j.change, Some(0.0));
    // +5 % [-27 %, +48 %]: the interval holds the claimed -20 % and no change alike. Nothing
    // was shown either way, so the claim is not refuted.
    let noisy = &judge(&[claim("rebuild_s.deps", "a", "c", "-20%")])[0];
    assert_eq!(noisy.verdict, CannotTell, "{noisy:?}");
    let i = noisy.interval.unwrap();
    assert!(i.low < -0.20 && i.high > 0.0, "{i:?}");
    assert_eq!(
        noisy.reason,
        "not significant yet; about 5 runs per variant would decide it, if the change stays at +5.0%"
    );
}

/// Each verdict of the rule in docs/statistics.md, on synthetic samples whose answer is known:
/// a = 10 s ± 1 %, and each other variant a known change from it.
#[test]
fn each_verdict_by_where_the_interval_lies() {
    let a = [10.0, 10.1, 9.9, 10.05, 9.95];
    let scaled = |f: f64| a.map(|x| x * f);
    let results = run_results(vec![
        variant("a", &[("rebuild_s.deps", &a)]),
        // -40 %, tight.
        variant("cut", &[("rebuild_s.deps", &scaled(0.6))]),
        // Within ±1 % of a: the same within the 5 % margin.
        variant(
            "same",
            &[("rebuild_s.deps", &[10.02, 10.08, 9.93, 10.0, 9.97])],
        ),
        // +2 % with ±20 % noise: shows nothing either way.
        variant(
            "noisy",
            &[("rebuild_s.deps", &[8.0, 12.6, 10.2, 8.6, 11.9])],
        ),
        // +30 %, tight: the other way from a claimed cut.
        variant("slower", &[("rebuild_s.deps", &scaled(1.3))]),
    ]);
    let m = "rebuild_s.deps";
    let claims = [
        claim(m, "a", "cut", "-45%..-35%"),
        claim(m, "a", "cut", "-70%..-55%"),
        claim(m, "a", "cut", "-20%..-10%"),
        claim(m, "a", "same", "-30%"),
        claim(m, "a", "noisy", "-15%"),
        claim(m, "a", "slower", "lower"),
        claim(m, "a", "noisy", "-80%"),
    ];
    let got = judge_claims(&results, &claims, &CompareSettings::default());
    let v: Vec<_> = got.iter().map(|j| (j.verdict, j.reason.as_str())).collect();
    assert_eq!(v[0], (Holds, "significant"));
    assert_eq!(
        v[1],
        (HoldsPartly, "significant, short of the claimed figure")
    );
    assert_eq!(v[2], (Holds, "significant, more than claimed"));
    assert_eq!(v[3], (DoesNotHold, "no change beyond ±5%"));
    assert_eq!(v[4].0, CannotTell, "{:?}", got[4]);
    assert!(v[4].1.starts_with("not significant yet; "), "{}", v[4].1);
    assert_eq!(v[5], (DoesNotHold, "the other way"));
    assert_eq!(
        v[6],
        (
            DoesNotHold,
            "far less than claimed: the interval rules the figure out"
        ),
        "{:?}",
        got[6]
    );
    // Every interval shown is the family's FCR-adjusted one: 4 of the 7 are significant (the
    // three cuts and the slowdown), so 1 − 4 × 0.05 / 7.
    for j in &got {
        crate::stats::synthetic::close(
            j.interval_confidence.unwrap(),
            1.0 - 4.0 * 0.05 / 7.0,
            1e-9,
        );
    }
}

#[test]
fn too_few_samples_or_a_failed_variant_cannot_tell() {
    let got = judge(&[
        claim("startup_s", "a", "b", "-20%"),
        claim("rebuild_s.deps", "a", "broken", "-20%"),
        claim("rebuild_s.deps", "a", "gone", "-20%"),
        claim("startup_s", "a", "c", "-20%"),
    ]);
    let v: Vec<_> = got.iter().map(|j| j.verdict).collect();
    assert_eq!(v, [CannotTell; 4]);
    assert_eq!(got[0].reason, "1 sample(s): no spread to test");
    assert_eq!(got[1].reason, "broken failed");
    assert_eq!(got[2].reason, "gone is not in this run");
    assert_eq!(got[3].reason, "c has no startup_s");
    assert!(!any_refuted(&got));
    assert!(any_refuted(&judge(&[claim(
        "image_size_bytes",
        "a",
        "b",
        "-5%"
    )])));
}

#[test]
fn claims_are_adjusted_together() {
    // One noisy claim at p ≈ 0.03 holds alone; among many null claims it no longer counts.
    let results = |extra: usize| {
        let mut variants = vec![
            variant("ref", &[("startup_s", &[1.00, 1.05, 0.98])]),
            variant("edge", &[("startup_s", &[1.12, 1.17, 1.10])]),
        ];
        for i in 0..extra {
            variants.push(variant(
                &format!("same{i}"),
                &[("startup_s", &[1.0, 1.05, 0.98])],
            ));
        }
        run_results(variants)
    };
    let mut claims = vec![claim("startup_s", "ref", "edge", "higher")];
    let alone = judge_claims(&results(0), &claims, &CompareSettings::default());
    assert_eq!(alone[0].verdict, Holds);
    for i in 0..10 {
        claims.push(claim("startup_s", "ref", &format!("same{i}"), "higher"));
    }
    let many = judge_claims(&results(10), &claims, &CompareSettings::default());
    // Not significant among eleven, and its adjusted interval still reaches the claimed side
    // and no change: nothing shown either way, so "cannot tell", not "does not hold".
    assert_eq!(many[0].verdict, CannotTell, "{:?}", many[0]);
    let i = many[0].interval.unwrap();
    assert!(i.low < 0.0 && i.high > 0.0, "{i:?}");
    assert!(many[0].interval_confidence.unwrap() > alone[0].interval_confidence.unwrap());
}
