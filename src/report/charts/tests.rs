//! Bar charts: the reference bar, far and near targets, titles, legends and text size.

use super::*;
use crate::metric::Direction;
use crate::report::canvas::{render_svg, smallest_rendered_text_px};
use crate::results::testdata::{run_results, variant, with_targets};

/// Two variants building in about 5 s, both with a cold build target of `limit_s`.
fn five_second_builds(limit_s: f64, limit_text: &str) -> RunResults {
    let target = [("cold_build_s", limit_s, limit_text, Direction::AtMost)];
    run_results(vec![
        with_targets(variant("a", &[("cold_build_s", &[4.8, 5.0, 5.2])]), &target),
        with_targets(variant("b", &[("cold_build_s", &[4.0, 4.1, 4.2])]), &target),
    ])
}

/// Issue 27: a 3-minute target squashed 5 s bars to 3% of the chart's height.
#[test]
fn a_far_target_is_an_edge_marker_and_leaves_the_axis_to_the_data() {
    let run = five_second_builds(180.0, "3 min");
    let chart = MetricChart::new(&run, "cold_build_s");
    assert!(
        chart.scale.top < 2.0 * 5.2,
        "the axis stays near the data: top {}",
        chart.scale.top
    );
    assert_eq!(chart.scale.unit.suffix, "s");
    let svg = render_svg(&chart).unwrap();
    assert_eq!(
        svg.matches("target ≤ 3 min ↑").count(),
        1,
        "one marker for both"
    );
    assert!(
        !svg.contains("\ntarget ≤ 3 min\n"),
        "no line drawn at the far target"
    );
}

#[test]
fn a_near_target_shares_the_axis() {
    // 2.9x the largest run: within FAR_TARGET_RATIO.
    let run = five_second_builds(15.0, "15 s");
    let chart = MetricChart::new(&run, "cold_build_s");
    assert!(chart.scale.top >= 15.0);
    let svg = render_svg(&chart).unwrap();
    assert!(svg.contains("\ntarget ≤ 15 s\n"));
    assert!(!svg.contains('↑'));
    assert!(is_far_target(15.7, 5.2) && !is_far_target(15.5, 5.2));
    assert!(is_far_target(1.0, 0.0), "nothing to keep in proportion");
}

/// Issue 27: `Wasted bytes in the image · image_wasted_bytes`.
#[test]
fn the_title_is_the_metric_in_words_once() {
    let run = run_results(vec![variant("a", &[("image_wasted_bytes", &[1e6])])]);
    let header = MetricChart::new(&run, "image_wasted_bytes").header;
    assert_eq!(header.title, "Wasted bytes in the image");
    assert_eq!(
        format!("{} {}", header.title, header.subtitle)
            .matches("image_wasted_bytes")
            .count(),
        1,
        "the key once, in the subtitle"
    );
    let run = run_results(vec![variant("a", &[("custom_s", &[1.0])])]);
    let header = MetricChart::new(&run, "custom_s").header;
    assert_eq!(header.title, "custom_s");
    assert!(!header.subtitle.contains("custom_s"));
}

/// Every colour a bar is drawn in has its legend entry.
#[test]
fn every_bar_colour_is_in_the_legend() {
    let mut run = five_second_builds(4.5, "4.5 s");
    let mut failed = variant("c", &[("cold_build_s", &[3.0])]);
    failed.status = Status::Failed;
    run.variants.push(failed);
    let chart = MetricChart::new(&run, "cold_build_s");
    let in_legend = |colour: RGBColor| {
        chart
            .header
            .legend
            .iter()
            .any(|item| matches!(item, LegendItem::Box(c, _) if *c == colour))
    };
    let colours = [draw::BAR, draw::MISS, draw::FAILED];
    assert!(colours.iter().all(|&c| in_legend(c)));
    let svg = render_svg(&chart).unwrap();
    assert!(svg.contains("misses its target"));
}

#[test]
fn text_is_at_least_11_px_as_shown() {
    let run = five_second_builds(180.0, "3 min");
    let svg = render_svg(&MetricChart::new(&run, "cold_build_s")).unwrap();
    assert!(smallest_rendered_text_px(&svg) >= 11.0);
    // Forty variants: the chart stops at the width the report shows unshrunk.
    let many = (0..40)
        .map(|i| variant(&format!("variant-{i}"), &[("startup_s", &[1.0])]))
        .collect();
    let svg = render_svg(&MetricChart::new(&run_results(many), "startup_s")).unwrap();
    assert!(smallest_rendered_text_px(&svg) >= 11.0);
}

#[test]
fn the_reference_bar_says_so() {
    let mut run = run_results(vec![
        variant("a", &[("startup_s", &[1.0])]),
        variant("b", &[("startup_s", &[2.0])]),
    ]);
    let names = |run: &RunResults| -> Vec<String> {
        let chart = MetricChart::new(run, "startup_s");
        chart.bars.iter().map(|b| b.name.to_string()).collect()
    };
    assert_eq!(names(&run), ["a (reference)", "b"], "the first by default");
    run.reference = Some("b".into());
    assert_eq!(names(&run), ["a", "b (reference)"]);
    let alone = run_results(vec![variant("a", &[("startup_s", &[1.0])])]);
    assert_eq!(names(&alone), ["a"], "nothing to refer to");
}
