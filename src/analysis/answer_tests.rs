use super::*;
use crate::analysis::Analysis;
use crate::claims::ClaimSpec;
use crate::metric::Direction;
use crate::results::testdata::{failed, run_results, variant, with_targets};

fn claim(text: &str, metric: &str, expect: &str) -> ClaimSpec {
    ClaimSpec {
        text: text.into(),
        source: None,
        metric: metric.into(),
        from: "base".into(),
        to: "fast".into(),
        expect: expect.into(),
    }
}

fn texts(answer: &Answer) -> Vec<String> {
    answer
        .lines
        .iter()
        .map(|l| format!("{}{}", "  ".repeat(usize::from(l.level)), l.text))
        .collect()
}

/// A run whose answer is known: `fast` rebuilds 40 s faster than `base` (decided), is 2 kB
/// smaller (under the size floor: no finding), and misses its 10 MB image target; one claim
/// holds, one goes the other way, one has a failed variant; `broken` failed.
fn known_run() -> crate::results::RunResults {
    let base = with_targets(
        variant(
            "base",
            &[
                ("rebuild_s.source", &[50.0, 51.0, 50.5]),
                ("image_size_bytes", &[9e6; 3]),
                ("cache_hit_rate.source", &[0.4; 3]),
            ],
        ),
        &[("image_size_bytes", 10e6, "10MB", Direction::AtMost)],
    );
    let fast = with_targets(
        variant(
            "fast",
            &[
                ("rebuild_s.source", &[10.0, 10.2, 10.1]),
                ("image_size_bytes", &[11e6 - 2000.0; 3]),
                ("cache_hit_rate.source", &[0.8; 3]),
            ],
        ),
        &[
            ("image_size_bytes", 10e6, "10MB", Direction::AtMost),
            ("rebuild_s.source", 60.0, "1m", Direction::AtMost),
        ],
    );
    let mut run = run_results(vec![base, fast, failed("broken", "step 3 failed\nmore")]);
    run.reference = Some("base".into());
    run.claims = vec![
        claim("Faster rebuilds", "rebuild_s.source", "lower"),
        claim("A smaller image", "image_size_bytes", "lower"),
        claim("Broken rebuilds faster", "rebuild_s.source", "lower"),
    ];
    run.claims[2].to = "broken".into();
    run
}

#[test]
fn the_answer_tallies_claims_lists_misses_failures_and_ranks_findings_by_effect() {
    let analysis = Analysis::of(&known_run());
    assert_eq!(
        texts(&analysis.answer),
        [
            "Claims: 1 holds, 0 hold partly, 1 does not hold, 1 cannot tell.",
            "  does not hold: A smaller image: claimed lower, measured 9.00 MB → 11.0 MB \
             (+22%, exact) after 3 runs",
            "  cannot tell: Broken rebuilds faster: claimed lower, measured broken failed",
            "Targets: 1 missed in 1 variant, 2 met.",
            "  fast: image_size_bytes 11.0 MB (target ≤ 10MB)",
            "Failed: 1 variant.",
            "  broken: step 3 failed …",
            "Largest changes against base:",
            // The image crosses its target, so it leads though 2 MB weighs less than 40 s.
            "  fast: image size 2.00 MB larger than base (1.22×, exact, after 3 runs); misses its \
             target ≤ 10MB",
            "  fast: rebuild time after edit “source” 40.40 s faster than base \
             (5.00× [4.89–5.11×], after 3 runs)",
            "  fast: cache hit rate after edit “source” 80.0% against 40.0% for base \
             (+40.0 pp, after 3 runs)",
        ]
    );
    let tones: Vec<Tone> = analysis.answer.lines.iter().map(|l| l.tone).collect();
    assert_eq!(tones[0], Tone::Bad, "a claim does not hold");
    assert_eq!(tones[2], Tone::Unsure);
}

#[test]
fn all_good_reads_as_such() {
    let mut run = known_run();
    run.variants.truncate(1);
    run.claims.clear();
    let analysis = Analysis::of(&run);
    assert_eq!(texts(&analysis.answer), ["Targets: all 1 met."]);
    assert_eq!(analysis.answer.lines[0].tone, Tone::Good);
}

#[test]
fn a_long_answer_is_cut_to_fit_keeping_every_heading() {
    let line = |level, text: &str| Line {
        level,
        tone: Tone::Bad,
        text: text.into(),
    };
    let part = |name: &str, items: usize| {
        let mut lines = vec![line(0, name)];
        lines.extend((0..items).map(|i| line(1, &format!("{name} {i}"))));
        lines
    };
    let lines = fit(
        vec![part("claims", 12), part("targets", 6), part("failed", 1)],
        15,
    );
    let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(lines.len(), 15, "{text:#?}");
    assert_eq!(
        text,
        [
            "claims",
            "claims 0",
            "claims 1",
            "claims 2",
            "claims 3",
            "claims 4",
            "… and 7 more",
            "targets",
            "targets 0",
            "targets 1",
            "targets 2",
            "targets 3",
            "… and 2 more",
            "failed",
            "failed 0",
        ]
    );
    // Short enough: nothing is cut.
    assert_eq!(fit(vec![part("a", 2)], 15).len(), 3);
}
