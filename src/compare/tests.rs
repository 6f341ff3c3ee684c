//! Comparison tests: rendered output (snapshots), the pairing of variants and metrics, input
//! errors, and the false-alarm rate on synthetic noise.

use super::*;
use crate::metric::Direction;
use crate::results::testdata::{environment, failed, run_at, variant, with_targets};
use crate::results::VariantResult;

/// A run started (and finished) at `started_at` on the "Test CPU" host.
pub(super) fn results(started_at: &str, variants: Vec<VariantResult>) -> RunResults {
    RunResults {
        environment: environment("Test CPU"),
        ..run_at(started_at, variants)
    }
}

/// A base and head with one of everything: each verdict, a broken, fixed, added, removed and
/// twice-failed variant, added and removed metrics, and targets, on one host.
fn pull_request() -> (RunResults, RunResults) {
    let base = results(
        "2026-11-23T07:41:05Z",
        vec![
            with_targets(
                variant(
                    "alpine",
                    &[
                        ("cold_build_s", &[12.1, 12.3, 12.2]),
                        ("warm_build_s", &[0.41, 0.38, 0.45]),
                        ("cache_hit_rate.source", &[0.875; 3]),
                        ("image_size_bytes", &[52_412_345.0; 3]),
                        ("startup_s", &[0.234, 0.221, 0.250]),
                    ],
                ),
                &[("cold_build_s", 14.0, "14s", Direction::AtMost)],
            ),
            variant(
                "debian",
                &[
                    ("cold_build_s", &[183.2, 185.24, 190.0]),
                    ("image_size_bytes", &[600_040_000.0; 3]),
                    ("memory_idle_bytes", &[61e6, 61.4e6, 60.9e6]),
                ],
            ),
            variant("broken", &[("cold_build_s", &[30.0, 31.0, 30.5])]),
            failed("legacy", "no such file: requirements.txt"),
            failed("fixed", "exit code: 1"),
            variant("old", &[("cold_build_s", &[1.0, 1.1, 1.0])]),
        ],
    );
    let head = results(
        "2026-11-24T09:00:00Z",
        vec![
            with_targets(
                variant(
                    "alpine",
                    &[
                        ("cold_build_s", &[15.0, 15.2, 14.9]),
                        ("warm_build_s", &[0.40, 0.44, 0.39]),
                        ("cache_hit_rate.source", &[0.875; 3]),
                        ("image_size_bytes", &[48_000_000.0; 3]),
                        ("startup_s", &[0.30, 0.18, 0.26]),
                    ],
                ),
                &[("cold_build_s", 14.0, "14s", Direction::AtMost)],
            ),
            variant(
                "debian",
                &[
                    ("cold_build_s", &[184.0, 186.1, 188.9]),
                    ("image_size_bytes", &[1_200_080_000.0; 3]),
                    ("rebuild_s.deps", &[44.0, 46.5, 45.1]),
                ],
            ),
            failed(
                "broken",
                "process \"/bin/sh -c npm ci\" did not complete successfully: exit code: 1\nnpm ERR!",
            ),
            failed("legacy", "no such file: requirements.txt"),
            variant("fixed", &[("cold_build_s", &[9.0, 9.1, 9.2])]),
            variant("new | shiny", &[("cold_build_s", &[2.0, 2.1, 2.0])]),
        ],
    );
    (base, head)
}

fn verdicts(c: &Comparison) -> Vec<(String, String, Verdict)> {
    c.rows
        .iter()
        .map(|r| (r.variant.clone(), r.metric.clone(), r.verdict))
        .collect()
}

#[test]
fn pairs_and_verdicts() {
    let (base, head) = pull_request();
    let c = compare(&base, &head, &CompareSettings::default());
    let got = verdicts(&c);
    let want = [
        ("alpine", "cold_build_s", Verdict::Regressed),
        // Not significant, and the interval is wider than ±5 %: the one rule calls it
        // "cannot tell" (shown as within noise), never "unchanged".
        ("alpine", "warm_build_s", Verdict::WithinNoise),
        ("alpine", "cache_hit_rate.source", Verdict::Unchanged),
        ("alpine", "image_size_bytes", Verdict::Improved),
        ("alpine", "startup_s", Verdict::WithinNoise),
        // Its 95 % interval alone lies within ±5 %, but the family's FCR-adjusted interval
        // (the one shown, at 1 − α/m) does not: too wide to call it the same.
        ("debian", "cold_build_s", Verdict::WithinNoise),
        ("debian", "image_size_bytes", Verdict::Regressed),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(v, m, verdict)| (v.to_string(), m.to_string(), *verdict))
        .collect();
    assert_eq!(got, want);
    let kinds: Vec<(&str, VariantChangeKind)> = c
        .variant_changes
        .iter()
        .map(|v| (v.variant.as_str(), v.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("broken", VariantChangeKind::Broke),
            ("legacy", VariantChangeKind::FailedInBoth),
            ("fixed", VariantChangeKind::Fixed),
            ("new | shiny", VariantChangeKind::Added),
            ("old", VariantChangeKind::Removed),
        ]
    );
    assert_eq!(c.added_metrics[0].metric, "rebuild_s.deps");
    assert_eq!(c.removed_metrics[0].metric, "memory_idle_bytes");
    assert_eq!((c.regressions(), c.improvements()), (3, 2));
    assert!(c.has_regression());
    assert_eq!(c.headline(), "3 regressions, 2 improvements");
    assert!(!c.rows[0].targets[0].pass, "head misses ≤ 14s");
}

#[test]
fn markdown_pull_request_comment() {
    let (base, head) = pull_request();
    let text = render_markdown(&compare(&base, &head, &CompareSettings::default()));
    assert!(text.starts_with("<!-- dockbench-compare suite=web -->\n"));
    insta::assert_snapshot!(text);
}

#[test]
fn text_for_a_terminal() {
    let (base, head) = pull_request();
    insta::assert_snapshot!(render_text(&compare(
        &base,
        &head,
        &CompareSettings::default()
    )));
}

#[test]
fn json_document() {
    let (base, head) = pull_request();
    let json = render_json(&compare(&base, &head, &CompareSettings::default()));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["has_regression"], true);
    assert_eq!(value["headline"], "3 regressions, 2 improvements");
    assert_eq!(value["rows"][0]["verdict"], "regressed");
    assert_eq!(value["rows"][0]["test"]["kind"], "welch");
    assert_eq!(value["rows"][3]["test"]["kind"], "exact");
    assert_eq!(value["variant_changes"][0]["kind"], "broke");
    // Rounded, so that the last bits of a platform's `ln` cannot fail the snapshot.
    insta::assert_snapshot!(serde_json::to_string_pretty(&rounded(value)).unwrap());
}

/// Every float to 6 significant digits.
fn rounded(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap();
            let text = format!("{x:.5e}");
            Value::from(text.parse::<f64>().unwrap())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(rounded).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, rounded(v))).collect())
        }
        other => other,
    }
}

#[test]
fn same_run_twice_changes_nothing() {
    let (base, _) = pull_request();
    let c = compare(&base, &base, &CompareSettings::default());
    assert!(!c.has_regression());
    // Identical samples: exact metrics are unchanged; a noisy one is unchanged only where its
    // interval is narrow enough to say so (within ±5 %, or within 50 ms for a timing).
    for r in &c.rows {
        if crate::compare::is_deterministic(&r.metric) {
            assert_eq!(r.verdict, Verdict::Unchanged, "{} {}", r.variant, r.metric);
        } else {
            assert!(
                matches!(r.verdict, Verdict::Unchanged | Verdict::WithinNoise),
                "{} {}: {:?}",
                r.variant,
                r.metric,
                r.verdict
            );
        }
    }
    assert_eq!(c.headline(), "No regressions");
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    let kinds: Vec<_> = c.variant_changes.iter().map(|v| v.kind).collect();
    assert_eq!(
        kinds,
        [
            VariantChangeKind::FailedInBoth,
            VariantChangeKind::FailedInBoth
        ]
    );
}

#[test]
fn headlines() {
    let (base, head) = pull_request();
    let mut c = compare(&base, &head, &CompareSettings::default());
    c.variant_changes.clear();
    c.rows.retain(|r| r.verdict == Verdict::Improved);
    assert_eq!(c.headline(), "No regressions, 1 improvement");
    c.rows.clear();
    assert_eq!(c.headline(), "No regressions");
}

#[test]
fn markdown_with_nothing_in_common() {
    let base = results("2026-11-23T07:41:05Z", vec![variant("a", &[])]);
    let head = results("2026-11-24T07:41:05Z", vec![failed("b", "")]);
    insta::assert_snapshot!(render_markdown(&compare(
        &base,
        &head,
        &CompareSettings::default()
    )));
}

#[test]
fn stored_summaries_are_ignored() {
    let base = results("t0", vec![variant("a", &[("cold_build_s", &[10.0; 3])])]);
    let mut head = results("t1", vec![variant("a", &[("cold_build_s", &[10.0; 3])])]);
    // A tampered summary must not move the verdict: only the samples count.
    head.variants[0]
        .metrics
        .get_mut("cold_build_s")
        .unwrap()
        .median = 99.0;
    // Written with its samples and read back, as `dockbench compare` reads a folder.
    let dir = tempfile::tempdir().unwrap();
    crate::results::testdata::write_folder(dir.path(), &head);
    let head = crate::results::ResultsStore::load(dir.path()).unwrap();
    let c = compare(&base, &head, &CompareSettings::default());
    assert_eq!(c.rows[0].head.median, 10.0);
    assert_eq!(c.rows[0].verdict, Verdict::Unchanged);
}

#[test]
fn interrupted_runs_and_single_samples_are_noted() {
    let base = results("t0", vec![variant("a", &[("cold_build_s", &[10.0])])]);
    let mut head = results("t1", vec![variant("a", &[("cold_build_s", &[30.0])])]);
    head.finished_at = None;
    let c = compare(&base, &head, &CompareSettings::default());
    assert_eq!(c.rows[0].verdict, Verdict::WithinNoise);
    assert!(!c.has_regression(), "one sample cannot show significance");
    assert_eq!(c.notes.len(), 2, "{:?}", c.notes);
    assert!(c.notes[0].contains("head run did not finish"));
    assert!(c.notes[1].contains("fewer than 2 samples"));
}

fn write_results(dir: &Path, results: &RunResults) {
    crate::results::testdata::write_folder(dir, results);
}

#[test]
fn compare_dirs_refuses_different_suites() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, mut head) = pull_request();
    head.suite = "api".into();
    write_results(&tmp.path().join("a"), &base);
    write_results(&tmp.path().join("b"), &head);
    let err = compare_dirs(
        &tmp.path().join("a"),
        &tmp.path().join("b"),
        &CompareSettings::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "base is a run of suite `web` but head is a run of suite `api`: only runs of the same \
         suite can be compared"
    );
    write_results(&tmp.path().join("b"), &pull_request().1);
    let c = compare_dirs(
        &tmp.path().join("a"),
        &tmp.path().join("b"),
        &CompareSettings::default(),
    )
    .unwrap();
    assert!(c.has_regression());
}

#[test]
fn compare_dirs_says_which_side_is_unreadable() {
    let tmp = tempfile::tempdir().unwrap();
    write_results(
        &tmp.path().join("root/web/2026-11-23T07-41-05Z"),
        &pull_request().0,
    );
    let settings = CompareSettings::default();
    let missing = tmp.path().join("nowhere");
    let err = compare_dirs(
        &tmp.path().join("root/web/2026-11-23T07-41-05Z"),
        &missing,
        &settings,
    )
    .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.starts_with("head results "), "{msg}");
    assert!(msg.ends_with("nowhere: no such folder"), "{msg}");
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = compare_dirs(&empty, &missing, &settings).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.starts_with("base results "), "{msg}");
    assert!(msg.contains("results.json"), "{msg}");
    let err = compare_dirs(&tmp.path().join("root"), &missing, &settings).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.starts_with("base results "), "{msg}");
    assert!(msg.contains("pass one run's folder"), "{msg}");
    assert!(msg.contains("2026-11-23T07-41-05Z"), "{msg}");
    std::fs::write(tmp.path().join("garbage.json"), "{not json").unwrap();
    let err = compare_dirs(&tmp.path().join("garbage.json"), &missing, &settings).unwrap_err();
    assert!(format!("{err:#}").contains("parsing"), "{err:#}");
}

/// An image whose apt lists are gone and which gained a package: the PR comment says which
/// directories changed, collapsed, and the JSON carries the same.
#[test]
fn markdown_names_the_directories_that_changed() {
    let both = crate::report::testdata::anatomy_run();
    let mut base = both.clone();
    base.variants.truncate(1);
    let mut head = base.clone();
    head.variants[0].anatomy = both.variants[1].anatomy.clone();
    let comparison = compare(&base, &head, &CompareSettings::default());
    assert_eq!(comparison.path_changes.len(), 1);
    let md = render_markdown(&comparison);
    let block = &md[md.find("<summary>What changed by directory").unwrap()..];
    assert!(block.contains("**fat**"), "{md}");
    assert!(
        block.contains("- `/var/lib/apt/lists` −2.00 MB (2.00 MB → 0 B)"),
        "{md}"
    );
    assert!(
        block.contains(
            "- `/usr/local/lib/python3.11/site-packages/pandas` +1.50 MB (0 B → 1.50 MB)"
        ),
        "{md}"
    );
    // Nothing changed: no block.
    let same = render_markdown(&compare(&base, &base, &CompareSettings::default()));
    assert!(!same.contains("What changed by directory"));
}

/// Two runs of the same files on different CPUs: every timing is a comparison of machines.
#[test]
fn a_changed_machine_judges_no_timing_and_is_never_green() {
    let (base, mut head) = pull_request();
    head.environment = environment("Other CPU");
    let c = compare(&base, &head, &CompareSettings::default());
    let change = c.machine_change.as_ref().expect("the CPU changed");
    assert_eq!(change.differences, ["CPU: Test CPU → Other CPU"]);
    for r in &c.rows {
        if crate::compare::is_deterministic(&r.metric) {
            assert_ne!(r.verdict, Verdict::NotJudged, "{}", r.metric);
        } else {
            assert_eq!(r.verdict, Verdict::NotJudged, "{} {}", r.variant, r.metric);
        }
    }
    // The image sizes are still judged: debian's grew, which is a regression on any machine.
    let size = |v: &str| {
        c.rows
            .iter()
            .find(|r| r.variant == v && r.metric == "image_size_bytes")
            .unwrap()
            .verdict
    };
    assert_eq!(size("debian"), Verdict::Regressed);
    assert!(c
        .headline()
        .starts_with("Timings not judged: the machine changed; "));
    let markdown = render_markdown(&c);
    assert!(markdown.contains("The machine changed: base and head ran on different machines (CPU: Test CPU → Other CPU)"), "{markdown}");
    assert!(!markdown.contains("✅"), "no green headline: {markdown}");
    let text = render_text(&c);
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("warning: The machine changed"),
        "{text}"
    );
}

/// The committed runs' situation: same host fields, but every variant (the unchanged
/// reference included) 60 % faster. Variants whose files did not change cannot have got
/// faster by themselves.
#[test]
fn unchanged_variants_that_moved_reveal_a_changed_machine() {
    let files = |run: &mut RunResults, dir: &str, fast_digest: &str| {
        run.suite_file = "bench/suite.toml".into();
        run.suite_files = [
            ("suite.toml", "s1"),
            ("Dockerfile.slow", "d-slow"),
            ("Dockerfile.fast", fast_digest),
            ("app/main.py", "m1"),
        ]
        .into_iter()
        .map(|(path, digest)| (format!("{dir}/bench/{path}"), digest.to_string()))
        .collect();
    };
    let variant_of = |name: &str, scale: f64| {
        let mut v = variant(
            name,
            &[
                ("cold_build_s", &[10.0 * scale, 10.2 * scale, 9.9 * scale]),
                ("startup_s", &[1.0 * scale, 1.02 * scale, 0.99 * scale]),
                ("image_size_bytes", &[50e6; 3]),
            ],
        );
        v.dockerfile = format!("Dockerfile.{name}");
        v
    };
    let mut base = results(
        "2026-11-23T07:41:05Z",
        vec![variant_of("slow", 1.0), variant_of("fast", 1.0)],
    );
    let mut head = results(
        "2026-11-24T07:41:05Z",
        vec![variant_of("slow", 0.4), variant_of("fast", 0.4)],
    );
    // Other checkouts, and `fast`'s Dockerfile changed: only `slow` is known unchanged.
    files(&mut base, "/home/a", "d-fast-1");
    files(&mut head, "/runner/work", "d-fast-2");
    let c = compare(&base, &head, &CompareSettings::default());
    let change = c
        .machine_change
        .as_ref()
        .expect("slow moved without a change");
    assert!(change.differences.is_empty(), "{:?}", change.differences);
    assert_eq!(change.unchanged_variants, ["slow"]);
    assert_eq!(change.unchanged_moved, 2);
    let median = change.unchanged_median_change.unwrap();
    assert!((median + 0.6).abs() < 1e-9, "{median}");
    assert!(
        change
            .statement()
            .contains("moved by -60% (median), 2 of them beyond noise"),
        "{}",
        change.statement()
    );
    assert!(!c.has_regression());
    assert_eq!(c.improvements(), 0, "a faster runner is no improvement");

    // The same files, timings as before: nothing changed.
    let (mut same_base, mut same_head) = (base.clone(), base.clone());
    files(&mut same_base, "/home/a", "d-fast-1");
    files(&mut same_head, "/runner/work", "d-fast-1");
    same_head.started_at = "2026-11-24T07:41:05Z".into();
    let c = compare(&same_base, &same_head, &CompareSettings::default());
    assert_eq!(c.machine_change, None);
}

/// Issue 27: `compare --format text` fits the terminal, whatever its width, and the verdicts
/// stay on screen: a table as wide as fits, else one line per pair.
#[test]
fn issue_27_text_fits_the_width() {
    use crate::report::paint::{visible_width, Paint};
    let (base, head) = pull_request();
    let c = compare(&base, &head, &CompareSettings::default());
    for width in [60, 80, 120] {
        for paint in [Paint::PLAIN, Paint::new(true)] {
            let text = painted_text(&c, width, paint);
            assert!(visible_width(&text) <= width, "{width}:\n{text}");
            let plain = crate::report::paint::strip(&text);
            for verdict in ["regressed", "improved", "within noise", "unchanged"] {
                assert!(plain.contains(verdict), "{width}: no {verdict}:\n{plain}");
            }
            assert!(
                plain.contains("✗ ≤ 14s"),
                "{width}: the missed target:\n{plain}"
            );
        }
    }
    // The room is used: every column at 200, the test and p-value given up at 80.
    let wide = painted_text(&c, 200, Paint::PLAIN);
    assert!(
        wide.contains("│ variant ┆ metric") && wide.contains("Welch on logs"),
        "{wide}"
    );
    let narrow = painted_text(&c, 80, Paint::PLAIN);
    assert!(!narrow.contains('┆'), "{narrow}");
    assert!(
        narrow.contains(
            "alpine, after 3 runs:\n  regressed: cold_build_s 12.20 s → 15.00 s (+23.0%); target ✗ ≤ 14s\n"
        ),
        "{narrow}"
    );
    insta::assert_snapshot!(narrow);
}

/// Issue 27: with colour on, the verdicts and misses carry SGR codes and nothing else changes;
/// with colour off, there are none.
#[test]
fn issue_27_colour_marks_verdicts_only() {
    use crate::report::paint::{strip, Paint};
    let (base, head) = pull_request();
    let c = compare(&base, &head, &CompareSettings::default());
    for width in [80, 200] {
        let plain = painted_text(&c, width, Paint::PLAIN);
        assert!(!plain.contains('\x1b'), "{plain}");
        let coloured = painted_text(&c, width, Paint::new(true));
        assert_eq!(strip(&coloured), plain, "colour changes no character");
        for painted in [
            "\x1b[31mregressed\x1b[0m",
            "\x1b[32mimproved\x1b[0m",
            "\x1b[33mwithin noise\x1b[0m",
            "\x1b[31m✗\x1b[0m",
            "\x1b[31mweb: 3 regressions, 2 improvements\x1b[0m",
        ] {
            assert!(
                coloured.contains(painted),
                "{width}: {painted:?} in\n{coloured}"
            );
        }
        assert!(!coloured.contains("\x1b[31munchanged"), "{coloured}");
    }
    // A changed machine: a yellow headline, never a green one.
    let mut same_head = base.clone();
    same_head.environment = crate::results::testdata::environment("Other CPU");
    let moved = compare(&base, &same_head, &CompareSettings::default());
    let text = painted_text(&moved, 100, Paint::new(true));
    assert!(
        text.starts_with("\x1b[33mweb: Timings not judged"),
        "{text}"
    );
    assert!(
        text.contains("\x1b[33mwarning:\x1b[0m The machine changed"),
        "{text}"
    );
}

/// Issue 27: the PR comment opens with what a reviewer must act on. Regressions (pairs and
/// broken variants) come first, in the open; improvements, the other pairs and long lists are
/// folded away.
#[test]
fn issue_27_markdown_puts_regressions_first_and_folds_the_rest() {
    let (base, head) = pull_request();
    let md = render_markdown(&compare(&base, &head, &CompareSettings::default()));
    let at = |needle: &str| md.find(needle).unwrap_or_else(|| panic!("{needle}:\n{md}"));
    let regressions = at("#### 🔴 Regressions");
    let improvements = at("<summary>🟢 2 improvements</summary>");
    let others = at("<summary>4 other pairs: 1 unchanged, 3 within noise</summary>");
    assert!(regressions < improvements && improvements < others, "{md}");
    // Both regressed pairs and the broken variant are above the first fold.
    let open = &md[..md.find("<details>").unwrap()];
    assert!(open.contains("| alpine | cold_build_s |"), "{open}");
    assert!(open.contains("| debian | image_size_bytes |"), "{open}");
    assert!(open.contains("variant broken: failed in head"), "{open}");
    assert!(!open.contains("🟢 improved"), "{open}");
    assert!(!open.contains("| alpine | warm_build_s |"), "{open}");

    // Many variants that do not pair up: folded too.
    let mut many = head.clone();
    for i in 0..6 {
        many.variants
            .push(variant(&format!("extra-{i}"), &[("cold_build_s", &[1.0])]));
    }
    let md = render_markdown(&compare(&base, &many, &CompareSettings::default()));
    let fold = md
        .find("<summary>11 variants and metrics that do not pair up</summary>")
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        md[fold..].contains("- extra-5: added (only in head)"),
        "{md}"
    );

    // Nothing regressed: no regressions section, and the headline says so.
    let same = render_markdown(&compare(&base, &base, &CompareSettings::default()));
    assert!(!same.contains("Regressions"), "{same}");
    assert!(
        same.contains("### ✅ dockbench compare `web`: No regressions"),
        "{same}"
    );
}

/// A variant cut short (Ctrl-C) or still running has measured what its finished rounds hold:
/// it is compared on those, and is no variant change (only a failure is).
#[test]
fn an_interrupted_variant_is_compared_on_its_kept_rounds() {
    for status in [
        crate::results::Status::Interrupted,
        crate::results::Status::Running,
    ] {
        let base = results(
            "2026-11-23T07:41:05Z",
            vec![variant("app", &[("cold_build_s", &[10.0, 10.1, 9.9])])],
        );
        let mut cut = variant("app", &[("cold_build_s", &[20.0, 20.2])]);
        cut.status = status;
        cut.completed_runs = vec![1, 2];
        let head = results("2026-11-24T09:00:00Z", vec![cut]);
        let c = compare(&base, &head, &CompareSettings::default());
        assert!(c.variant_changes.is_empty(), "{status:?}");
        assert_eq!(
            verdicts(&c),
            [(
                "app".to_string(),
                "cold_build_s".to_string(),
                Verdict::Regressed
            )],
            "{status:?}"
        );
    }
}

/// Base and head may have had different numbers of runs (`runs = "auto"` stops each run when
/// it is decided): every verdict says both, in the text table, the pair lines and the comment.
#[test]
fn each_verdict_says_the_runs_of_both_sides() {
    let base = results(
        "2026-11-23T07:41:05Z",
        vec![variant("app", &[("cold_build_s", &[10.0, 10.1, 9.9])])],
    );
    let head = results(
        "2026-11-24T07:41:05Z",
        vec![variant(
            "app",
            &[("cold_build_s", &[12.0, 12.1, 11.9, 12.05, 11.95])],
        )],
    );
    let c = compare(&base, &head, &CompareSettings::default());
    assert_eq!(c.rows[0].runs, Runs { base: 3, head: 5 });
    let table = crate::compare::render_text(&c);
    assert!(
        table.contains(" runs ┆") && table.contains("┆ 3 vs 5 ┆"),
        "{table}"
    );
    let listed = painted_text(&c, 60, crate::report::paint::Paint::PLAIN);
    assert!(listed.contains("app, after 3 vs 5 runs:"), "{listed}");
    let comment = crate::compare::render_markdown(&c);
    assert!(comment.contains("| 🔴 regressed | 3 vs 5 |"), "{comment}");
}
