//! Trend charts: files per (suite, metric), targets, overlapping series and environment
//! changes.

use super::*;

fn row(started_at: &str, variant: &str, median: f64, limit: Option<f64>) -> HistoryRow {
    HistoryRow {
        started_at: started_at.into(),
        suite: "web".into(),
        variant: variant.into(),
        metric: "cold_build_s".into(),
        median,
        min: median * 0.9,
        max: median * 1.1,
        samples: 3,
        target_limit: limit,
        git_commit: "abc1234".into(),
        results_dir: "run".into(),
        environment: vec![("engine".into(), "Docker 28.5.2".into())],
    }
}

#[test]
fn latest_targets_name_their_variants_when_they_differ() {
    let rows = [
        row("2026-11-20T10:00:00Z", "a", 10.0, Some(30.0)),
        row("2026-11-21T10:00:00Z", "a", 12.0, Some(20.0)),
        row("2026-11-21T10:00:00Z", "b", 14.0, Some(25.0)),
    ];
    let points: Vec<Point> = rows.iter().filter_map(Point::from_row).collect();
    let refs: Vec<&Point> = points.iter().collect();
    let labels: Vec<String> = latest_targets("cold_build_s", &refs)
        .into_iter()
        .map(|t| t.label)
        .collect();
    assert_eq!(labels, ["target ≤ 20.00 s (a)", "target ≤ 25.00 s (b)"]);
}

#[test]
fn times_read_as_dates_or_times_of_day() {
    let at = 1_795_000_000.0;
    assert_eq!(time_label(at, 3600.0), "11-18 11:06");
    assert_eq!(time_label(at, 30.0 * 86_400.0), "2026-11-18");
}

#[test]
fn writes_a_chart_per_suite_and_metric() {
    let mut rows = vec![
        row("2026-11-20T10:00:00Z", "alpine", 40.0, Some(60.0)),
        row("2026-11-21T10:00:00Z", "alpine", 38.0, Some(60.0)),
        row("2026-11-22T10:00:00Z", "alpine", 45.0, Some(60.0)),
        row("2026-11-22T10:00:00Z", "debian", 95.0, Some(60.0)),
        row("2026-11-23T09:30:00Z", "debian", 90.0, Some(60.0)),
        row("2026-11-23T09:30:00Z", "alpine", 41.0, Some(60.0)),
        row("not a time", "debian", 1.0, None),
    ];
    let mut size = row("2026-11-22T10:00:00Z", "alpine", 52e6, None);
    size.metric = "image_size_bytes".into();
    rows.push(size);
    let dir = tempfile::tempdir().unwrap();
    let files = render_trends(&rows, dir.path()).unwrap();
    if let Ok(keep) = std::env::var("DOCKBENCH_KEEP_DIR") {
        for file in &files {
            std::fs::copy(file, Path::new(&keep).join(file.file_name().unwrap())).unwrap();
        }
    }
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "trend-web-cold_build_s.svg",
            "trend-web-cold_build_s.png",
            "trend-web-image_size_bytes.svg",
            "trend-web-image_size_bytes.png",
        ]
    );
    let svg = std::fs::read_to_string(&files[0]).unwrap();
    assert_eq!(
        svg.matches("target ≤ 1m 00.0s").count(),
        1,
        "one shared target line"
    );
    assert!(
        svg.contains("debian") && svg.contains("alpine"),
        "a legend entry per variant"
    );
}

fn chart_of(rows: &[HistoryRow]) -> TrendChart {
    let points: Vec<Point> = rows.iter().filter_map(Point::from_row).collect();
    TrendChart::new("web", "cold_build_s", points)
}

/// Issue 27: four variants that measure the same hid under one line.
#[test]
fn identical_series_are_drawn_distinguishably() {
    let mut rows = Vec::new();
    for day in 20..24 {
        for variant in ["a", "b", "c", "d"] {
            let at = format!("2026-11-{day}T10:00:00Z");
            rows.push(row(&at, variant, 5.0, Some(180.0)));
        }
    }
    let chart = chart_of(&rows);
    let styles: Vec<&style::SeriesStyle> = chart.series.iter().map(|s| &s.style).collect();
    assert_eq!(styles.len(), 4);
    for (i, a) in styles.iter().enumerate() {
        for b in &styles[i + 1..] {
            assert_ne!((a.colour, a.dash, a.marker), (b.colour, b.dash, b.marker));
            assert_ne!(a.dash, b.dash, "dash patterns tell coinciding lines apart");
            assert_ne!(
                a.marker, b.marker,
                "marker shapes tell coinciding runs apart"
            );
        }
    }
    let widths: Vec<u32> = styles.iter().map(|s| s.line_px).collect();
    assert_eq!(
        widths,
        [8, 6, 4, 2],
        "each line shows around the ones on top of it"
    );
    let svg = crate::report::canvas::render_svg(&chart).unwrap();
    for s in &styles {
        let colour = format!("#{:02X}{:02X}{:02X}", s.colour.0, s.colour.1, s.colour.2);
        // Each series' line is drawn at its own width: the widths nest.
        let stroke = format!("stroke=\"{colour}\" stroke-width=\"{}\"", s.line_px);
        assert!(svg.contains(&stroke), "{stroke} missing");
    }
    for name in ["a", "b", "c", "d"] {
        assert!(
            svg.contains(&format!("\n{name}\n</text>")),
            "legend names {name}"
        );
    }
    assert!(crate::report::canvas::smallest_rendered_text_px(&svg) >= 11.0);
}

/// Issue 27: environment changes were not marked on trends.
#[test]
fn an_environment_change_is_marked_at_its_run() {
    let days = ["20", "21", "22", "23", "24"];
    let mut rows: Vec<HistoryRow> = days
        .iter()
        .map(|d| row(&format!("2026-11-{d}T10:00:00Z"), "a", 10.0, None))
        .collect();
    // Run 3 onwards ran on a newer engine.
    for r in &mut rows[2..] {
        r.environment = vec![("engine".into(), "Docker 29.0.0".into())];
    }
    // A run that did not record its engine is no change.
    rows[4].environment.clear();
    let chart = chart_of(&rows);
    let run3 = Point::from_row(&rows[2]).unwrap().at_s;
    assert_eq!(
        chart.changes,
        [EnvChange {
            at_s: run3,
            label: "engine → Docker 29.0.0".into()
        }]
    );
    let svg = crate::report::canvas::render_svg(&chart).unwrap();
    assert!(svg.contains("engine → Docker 29.0.0"));
    assert!(
        svg.contains("environment changed"),
        "the legend explains the line"
    );

    rows[1].environment.push(("kernel".into(), "6.1".into()));
    rows[2].environment.push(("kernel".into(), "6.12".into()));
    let labels: Vec<String> = chart_of(&rows)
        .changes
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert_eq!(labels, ["engine, kernel changed"]);
    let same: Vec<HistoryRow> = rows[..2].to_vec();
    assert!(chart_of(&same).changes.is_empty(), "no change, no line");
}

/// Issue 27: a title said the metric twice (`Cold build time over time · cold_build_s`).
#[test]
fn titles_are_human_and_say_nothing_twice() {
    let chart = chart_of(&[row("2026-11-20T10:00:00Z", "a", 10.0, None)]);
    assert_eq!(chart.header.title, "Cold build time across runs");
    assert!(chart.header.subtitle.ends_with("metric cold_build_s"));
}

#[test]
fn only_coinciding_lines_are_widened() {
    let mut rows = Vec::new();
    for day in 20..23 {
        let at = format!("2026-11-{day}T10:00:00Z");
        rows.push(row(&at, "a", 10.0, None));
        rows.push(row(&at, "b", 20.0, None));
        rows.push(row(&at, "c", 10.0, None));
    }
    let chart = chart_of(&rows);
    let widths: Vec<u32> = chart.series.iter().map(|s| s.style.line_px).collect();
    assert_eq!(widths, [4, 2, 2], "a lies under c; b is alone");
}

/// The 3-minute target of the python-api suite squashed its trends too.
#[test]
fn a_far_target_is_an_edge_marker_on_trends() {
    let rows: Vec<HistoryRow> = ["20", "21"]
        .iter()
        .map(|d| row(&format!("2026-11-{d}T10:00:00Z"), "a", 5.0, Some(180.0)))
        .collect();
    let chart = chart_of(&rows);
    assert!(chart.scale.top < 10.0, "top {}", chart.scale.top);
    let svg = crate::report::canvas::render_svg(&chart).unwrap();
    assert!(svg.contains("target ≤ 3m 00.0s ↑"));
    assert!(!svg.contains("latest target"), "no line to explain");
}

#[test]
fn change_labels_take_the_first_row_they_clear() {
    let mut rows = Vec::new();
    assert_eq!(label_row(&mut rows, 0, 100), 0);
    assert_eq!(label_row(&mut rows, 50, 150), 1, "overlaps row 0");
    assert_eq!(label_row(&mut rows, 120, 200), 0, "clears row 0");
    assert_eq!(label_row(&mut rows, 130, 140), 2);
    assert_eq!(label_row(&mut rows, 130, 140), 3);
    assert_eq!(
        label_row(&mut rows, 130, 140),
        2,
        "four rows at most: the one ending first"
    );
}
