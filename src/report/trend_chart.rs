//! Trend charts over the history of runs: one chart per (suite, metric), time across, the median
//! of each variant as a line over its min–max band, and the latest run's target as a dashed line.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{axis_title, axis_top, AxisUnit};
use super::canvas::{draw_error, file_stem, unique_stem, write_svg_and_png, Chart};
use super::draw::{self, Header, LegendItem};
use crate::format::format_value;
use crate::format::metric_title;
use crate::history::HistoryRow;
use crate::metric::{self, Direction};

const PLOT_WIDTH_PX: u32 = 900;
const PLOT_HEIGHT_PX: u32 = 420;
const Y_LABEL_AREA_PX: u32 = 70;
const X_LABEL_AREA_PX: u32 = 56;
const LEGEND_FONT_PX: f64 = 13.0;
const LEGEND_LINE_PX: i32 = 20;
/// Variant names in the legend are cut to this width.
const LEGEND_NAME_MAX_PX: u32 = 220;
/// A run that is alone on the time axis gets this much room either side.
const LONE_RUN_PAD_S: f64 = 3600.0;

/// Writes `out_dir/trend-<suite>-<metric>.svg` and `.png` for every (suite, metric) in `rows`.
/// Rows whose `started_at` is not RFC 3339 are left out. Returns the files written.
pub fn render_trends(rows: &[HistoryRow], out_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let mut groups: BTreeMap<(&str, &str), Vec<Point>> = BTreeMap::new();
    for row in rows {
        if let Some(point) = Point::from_row(row) {
            groups
                .entry((row.suite.as_str(), row.metric.as_str()))
                .or_default()
                .push(point);
        }
    }
    let mut written = Vec::new();
    let mut stems = HashSet::new();
    for ((suite, metric), points) in groups {
        let chart = TrendChart::new(suite, metric, points);
        let stem = format!("trend-{}-{}", file_stem(suite), file_stem(metric));
        let stem = unique_stem(&mut stems, stem);
        let files = write_svg_and_png(&chart, out_dir, &stem)?;
        written.push(files.svg_path);
        written.push(files.png_path);
    }
    Ok(written)
}

/// One variant's value in one run.
#[derive(Debug, Clone)]
struct Point {
    variant: String,
    at_s: f64,
    median: f64,
    min: f64,
    max: f64,
    target_limit: Option<f64>,
}

impl Point {
    fn from_row(row: &HistoryRow) -> Option<Point> {
        let at = DateTime::parse_from_rfc3339(&row.started_at).ok()?;
        Some(Point {
            variant: row.variant.clone(),
            at_s: at.timestamp() as f64,
            median: row.median,
            min: row.min,
            max: row.max,
            target_limit: row.target_limit,
        })
    }
}

/// A variant's points in time order, with its colour.
struct Series {
    variant: String,
    legend_name: String,
    colour: RGBColor,
    points: Vec<Point>,
}

/// A target line: the limit, and whose it is when variants differ.
struct TargetLine {
    limit: f64,
    label: String,
}

struct TrendChart {
    metric: String,
    header: Header,
    series: Vec<Series>,
    targets: Vec<TargetLine>,
    x_range_s: (f64, f64),
    y_top: f64,
    unit: AxisUnit,
    legend_width_px: u32,
}

impl TrendChart {
    fn new(suite: &str, metric: &str, points: Vec<Point>) -> TrendChart {
        let series = series(points);
        let all: Vec<&Point> = series.iter().flat_map(|s| &s.points).collect();
        let targets = latest_targets(metric, &all);
        let max_value = all
            .iter()
            .map(|p| p.max)
            .chain(targets.iter().map(|t| t.limit))
            .fold(0.0, f64::max);
        let runs: HashSet<i64> = all.iter().map(|p| p.at_s as i64).collect();
        let legend_width_px = series
            .iter()
            .map(|s| draw::text_width_px(&s.legend_name, LEGEND_FONT_PX))
            .max()
            .unwrap_or(0)
            + 48;
        let mut legend = vec![
            LegendItem::Line(draw::INK, "median".to_string()),
            LegendItem::Box(draw::GRID, "min–max"),
        ];
        if !targets.is_empty() {
            legend.push(LegendItem::Dashed("latest target"));
        }
        TrendChart {
            metric: metric.to_string(),
            header: Header {
                title: format!("{} over time · {metric}", metric_title(metric)),
                subtitle: format!("suite {suite} · {} run(s)", runs.len()),
                legend,
            },
            x_range_s: x_range(&all),
            y_top: axis_top(max_value),
            unit: AxisUnit::for_metric(metric, max_value),
            series,
            targets,
            legend_width_px,
        }
    }
}

/// Series in order of each variant's first appearance, points in time order.
fn series(points: Vec<Point>) -> Vec<Series> {
    let mut series: Vec<Series> = Vec::new();
    for point in points {
        match series.iter_mut().find(|s| s.variant == point.variant) {
            Some(s) => s.points.push(point),
            None => {
                let colour = draw::SERIES[series.len() % draw::SERIES.len()];
                series.push(Series {
                    variant: point.variant.clone(),
                    legend_name: draw::fit_width(
                        &point.variant,
                        LEGEND_NAME_MAX_PX,
                        LEGEND_FONT_PX,
                    ),
                    colour,
                    points: vec![point],
                });
            }
        }
    }
    for s in &mut series {
        s.points.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    }
    series
}

/// The targets of the latest run: one line per distinct limit, named after its variants when
/// the variants do not all share it.
fn latest_targets(metric: &str, points: &[&Point]) -> Vec<TargetLine> {
    let Some(latest_s) = points.iter().map(|p| p.at_s).reduce(f64::max) else {
        return Vec::new();
    };
    let latest: Vec<&&Point> = points.iter().filter(|p| p.at_s == latest_s).collect();
    let mut limits: Vec<(f64, Vec<&str>)> = Vec::new();
    for point in &latest {
        let Some(limit) = point.target_limit else {
            continue;
        };
        match limits.iter_mut().find(|(l, _)| *l == limit) {
            Some((_, variants)) => variants.push(&point.variant),
            None => limits.push((limit, vec![&point.variant])),
        }
    }
    let sign = match metric::direction_of(metric) {
        Direction::AtMost => "≤",
        Direction::AtLeast => "≥",
    };
    let shared = limits.len() == 1 && limits[0].1.len() == latest.len();
    limits
        .into_iter()
        .map(|(limit, variants)| {
            let mut label = format!("target {sign} {}", format_value(metric, limit));
            if !shared {
                label.push_str(&format!(" ({})", variants.join(", ")));
            }
            TargetLine { limit, label }
        })
        .collect()
}

fn x_range(points: &[&Point]) -> (f64, f64) {
    let first = points.iter().map(|p| p.at_s).fold(f64::INFINITY, f64::min);
    let last = points
        .iter()
        .map(|p| p.at_s)
        .fold(f64::NEG_INFINITY, f64::max);
    if !first.is_finite() || last - first < 1.0 {
        let at = if first.is_finite() { first } else { 0.0 };
        return (at - LONE_RUN_PAD_S, at + LONE_RUN_PAD_S);
    }
    let pad = (last - first) * 0.05;
    (first - pad, last + pad)
}

/// Tick labels for run times: dates when runs span over a week (ticks are then at least a day
/// apart, so no two read the same), date and time of day otherwise.
fn time_label(at_s: f64, span_s: f64) -> String {
    let Some(time) = Utc.timestamp_opt(at_s as i64, 0).single() else {
        return String::new();
    };
    if span_s > 8.0 * 86_400.0 {
        time.format("%Y-%m-%d").to_string()
    } else {
        time.format("%m-%d %H:%M").to_string()
    }
}

type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl Chart for TrendChart {
    fn size_px(&self) -> (u32, u32) {
        let width = Y_LABEL_AREA_PX + PLOT_WIDTH_PX + self.legend_width_px + 24;
        (
            width,
            draw::HEADER_PX + PLOT_HEIGHT_PX + X_LABEL_AREA_PX + 16,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        root.fill(&WHITE).map_err(draw_error)?;
        draw::header(root, &self.header)?;
        let (_, body) = root.split_vertically(draw::HEADER_PX);
        let (from_s, to_s) = self.x_range_s;
        let mut chart = ChartBuilder::on(&body)
            .margin_left(12)
            .margin_right(self.legend_width_px + 12)
            .margin_bottom(12)
            .x_label_area_size(X_LABEL_AREA_PX)
            .y_label_area_size(Y_LABEL_AREA_PX)
            .build_cartesian_2d(from_s..to_s, 0f64..self.y_top)
            .map_err(draw_error)?;
        let unit = self.unit;
        let span_s = to_s - from_s;
        chart
            .configure_mesh()
            .x_labels(6)
            .x_label_formatter(&|v| time_label(*v, span_s))
            .x_desc("run started (UTC)")
            .y_labels(8)
            .y_label_formatter(&|v| unit.tick(*v))
            .y_desc(axis_title(&self.metric, unit))
            .label_style(draw::font(13.0))
            .axis_desc_style(draw::font(14.0))
            .bold_line_style(draw::GRID)
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(draw_error)?;
        for series in &self.series {
            draw_series(&chart, series)?;
        }
        self.draw_targets(&chart, root)?;
        self.draw_legend(&chart, root)
    }
}

/// The min–max band (or a whisker for a lone run), the median line and a dot per run.
fn draw_series<DB: DrawingBackend>(chart: &Plot<DB>, series: &Series) -> anyhow::Result<()> {
    let area = chart.plotting_area();
    let points = &series.points;
    if points.len() > 1 {
        let band: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.at_s, p.max))
            .chain(points.iter().rev().map(|p| (p.at_s, p.min)))
            .collect();
        area.draw(&Polygon::new(band, series.colour.mix(0.18).filled()))
            .map_err(draw_error)?;
    } else if let Some(p) = points.first() {
        let style = series.colour.stroke_width(2);
        area.draw(&PathElement::new(
            vec![(p.at_s, p.min), (p.at_s, p.max)],
            style,
        ))
        .map_err(draw_error)?;
    }
    let line: Vec<(f64, f64)> = points.iter().map(|p| (p.at_s, p.median)).collect();
    area.draw(&PathElement::new(line, series.colour.stroke_width(2)))
        .map_err(draw_error)?;
    for p in points {
        let dot = Circle::new((p.at_s, p.median), 4, series.colour.filled());
        area.draw(&dot).map_err(draw_error)?;
    }
    Ok(())
}

impl TrendChart {
    fn draw_targets<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
    ) -> anyhow::Result<()> {
        let (from_s, to_s) = self.x_range_s;
        for target in &self.targets {
            let from = chart.backend_coord(&(from_s, target.limit));
            let to = chart.backend_coord(&(to_s, target.limit));
            draw::dashed_hline(root, from.0, to.0, from.1)?;
            draw::boxed_label(root, &target.label, (to.0 - 2, to.1 - 5), 13.0)?;
        }
        Ok(())
    }

    /// Variant names down the right of the plot, each after a swatch of its line colour.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
    ) -> anyhow::Result<()> {
        let (right, top) = chart.backend_coord(&(self.x_range_s.1, self.y_top));
        let x = right + 16;
        let style = draw::font(LEGEND_FONT_PX).pos(Pos::new(HPos::Left, VPos::Center));
        for (i, series) in self.series.iter().enumerate() {
            let y = top + 8 + i as i32 * LEGEND_LINE_PX;
            let swatch = PathElement::new(vec![(x, y), (x + 20, y)], series.colour.stroke_width(3));
            root.draw(&swatch).map_err(draw_error)?;
            draw::text_at(root, &series.legend_name, (x + 26, y), &style)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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
}
