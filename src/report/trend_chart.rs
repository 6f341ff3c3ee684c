//! Trend charts over the history of runs: one chart per (suite, metric), time across, the median
//! of each variant as a line over its min–max band, and the latest run's target as a dashed line.
//! A run whose machine differs from the run before (engine, kernel, CPU, storage, dockbench
//! version) gets a dashed vertical line saying what changed: a step there is the machine's.

mod changes;
mod style;

use changes::{environment_changes, label_row, EnvChange};

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{axis_title, Scale, Ticked};
use super::canvas::{draw_error, file_stem, unique_stem, write_svg_and_png, Chart};
use super::charts::is_far_target;
use super::draw::{self, Header, LegendItem};
use crate::format::format_value;
use crate::format::metric_title;
use crate::history::HistoryRow;
use crate::metric::{self, Direction};

/// The whole chart: as wide as report.html shows at its natural size.
const WIDTH_PX: u32 = draw::MAX_RENDERED_WIDTH_PX;
const PLOT_HEIGHT_PX: u32 = 420;
const Y_LABEL_AREA_PX: u32 = 70;
const X_LABEL_AREA_PX: u32 = 56;
const LEGEND_FONT_PX: f64 = draw::TEXT_MIN_PX;
const LEGEND_LINE_PX: i32 = 24;
/// The legend's line sample before each variant's name.
const SWATCH_PX: i32 = 36;
/// Variant names in the legend are cut to this width.
const LEGEND_NAME_MAX_PX: u32 = 220;
/// An environment change's label is cut to this width.
const CHANGE_LABEL_MAX_PX: u32 = 240;
const CHANGE: RGBColor = draw::MUTED;
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
    /// `(what, value)` of the run's machine (`HistoryRow::environment`).
    environment: Vec<(String, String)>,
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
            environment: row.environment.clone(),
        })
    }
}

/// A variant's points in time order, with how its line is drawn.
struct Series {
    variant: String,
    legend_name: String,
    style: style::SeriesStyle,
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
    changes: Vec<EnvChange>,
    x_range_s: (f64, f64),
    scale: Scale,
    legend_width_px: u32,
}

impl TrendChart {
    fn new(suite: &str, metric: &str, points: Vec<Point>) -> TrendChart {
        let mut series = series(points);
        let all: Vec<&Point> = series.iter().flat_map(|s| &s.points).collect();
        let targets = latest_targets(metric, &all);
        let changes = environment_changes(&all);
        let data_max = all.iter().map(|p| p.max).fold(0.0, f64::max);
        // A target far above the data is an edge marker, as on bar charts.
        let max_value = targets
            .iter()
            .map(|t| t.limit)
            .filter(|&limit| !is_far_target(limit, data_max))
            .fold(data_max, f64::max);
        let scale = Scale::with_headroom(metric, max_value);
        let x_range_s = x_range(&all);
        let runs: HashSet<i64> = all.iter().map(|p| p.at_s as i64).collect();
        let legend_width_px = series
            .iter()
            .map(|s| draw::text_width_px(&s.legend_name, LEGEND_FONT_PX))
            .max()
            .unwrap_or(0)
            + SWATCH_PX as u32
            + 28;
        let mut legend = vec![
            LegendItem::Line(draw::INK, "median of each run".to_string()),
            LegendItem::Box(draw::GRID, "min–max, in the variant's colour"),
        ];
        if targets.iter().any(|t| t.limit <= scale.top) {
            legend.push(LegendItem::Dashed("latest target"));
        }
        if !changes.is_empty() {
            legend.push(LegendItem::VDashed(CHANGE, "environment changed"));
        }
        let key = if metric_title(metric) == metric {
            String::new()
        } else {
            format!(" · metric {metric}")
        };
        TrendChart {
            metric: metric.to_string(),
            header: Header {
                title: format!("{} across runs", metric_title(metric)),
                subtitle: format!("suite {suite} · {} run(s){key}", runs.len()),
                legend,
            },
            x_range_s,
            series: {
                // Lines within 1% of the axis of each other at every shared run coincide.
                assign_styles(&mut series, scale.top * 0.01);
                series
            },
            scale,
            targets,
            changes,
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
            None => series.push(Series {
                variant: point.variant.clone(),
                legend_name: draw::fit_width(&point.variant, LEGEND_NAME_MAX_PX, LEGEND_FONT_PX),
                style: style::style(0, 0),
                points: vec![point],
            }),
        }
    }
    for s in &mut series {
        s.points.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    }
    series
}

/// Each series' style, widened by how many series drawn after it lie on it (medians within
/// `tolerance` at every run both have), so that lines are heavy only where they must show
/// around others.
fn assign_styles(series: &mut [Series], tolerance: f64) {
    let coincide = |a: &Series, b: &Series| {
        let mut shared = 0;
        for p in &a.points {
            if let Some(q) = b.points.iter().find(|q| q.at_s == p.at_s) {
                if (p.median - q.median).abs() > tolerance {
                    return false;
                }
                shared += 1;
            }
        }
        shared > 0
    };
    let covering: Vec<usize> = (0..series.len())
        .map(|i| {
            (i + 1..series.len())
                .filter(|&j| coincide(&series[i], &series[j]))
                .count()
        })
        .collect();
    for (i, s) in series.iter_mut().enumerate() {
        s.style = style::style(i, covering[i]);
    }
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

type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Ticked>>;

impl Chart for TrendChart {
    fn size_px(&self) -> (u32, u32) {
        (
            WIDTH_PX,
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
            .build_cartesian_2d(from_s..to_s, self.scale.range())
            .map_err(draw_error)?;
        let unit = self.scale.unit;
        let span_s = to_s - from_s;
        chart
            .configure_mesh()
            .x_labels(6)
            .x_label_formatter(&|v| time_label(*v, span_s))
            .x_desc("run started (UTC)")
            .y_labels(self.scale.ticks.len())
            .y_label_formatter(&|v| unit.tick(*v))
            .y_desc(axis_title(&self.metric, unit))
            .label_style(draw::font(draw::TEXT_MIN_PX))
            .axis_desc_style(draw::font(draw::TEXT_MIN_PX))
            .bold_line_style(draw::GRID)
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(draw_error)?;
        // Lines under the data, labels over everything.
        self.draw_changes(&chart, root, false)?;
        for series in &self.series {
            draw_band(&chart, series)?;
        }
        for series in &self.series {
            draw_line(&chart, root, series)?;
        }
        self.draw_targets(&chart, root)?;
        self.draw_changes(&chart, root, true)?;
        self.draw_legend(&chart, root)
    }
}

/// The min–max band, or a whisker for a lone run. Every band is drawn before any line, so no
/// band hides another series' line.
fn draw_band<DB: DrawingBackend>(chart: &Plot<DB>, series: &Series) -> anyhow::Result<()> {
    let area = chart.plotting_area();
    let points = &series.points;
    let colour = series.style.colour;
    if points.len() > 1 {
        let band: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.at_s, p.max))
            .chain(points.iter().rev().map(|p| (p.at_s, p.min)))
            .collect();
        area.draw(&Polygon::new(band, colour.mix(0.18).filled()))
            .map_err(draw_error)?;
    } else if let Some(p) = points.first() {
        area.draw(&PathElement::new(
            vec![(p.at_s, p.min), (p.at_s, p.max)],
            colour.stroke_width(2),
        ))
        .map_err(draw_error)?;
    }
    Ok(())
}

/// The median line in the series' dash pattern and width, and its marker at every run.
fn draw_line<DB: DrawingBackend>(
    chart: &Plot<DB>,
    root: &DrawingArea<DB, Shift>,
    series: &Series,
) -> anyhow::Result<()> {
    let pixels: Vec<(i32, i32)> = series
        .points
        .iter()
        .map(|p| chart.backend_coord(&(p.at_s, p.median)))
        .collect();
    let s = &series.style;
    style::line(root, &pixels, s, s.line_px)?;
    for &at in &pixels {
        style::marker(root, at, s.marker, s.marker_px, s.colour)?;
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
            if target.limit > self.scale.top {
                // Off the axis: its label against the top edge, pointing up.
                let (right, top) = chart.backend_coord(&(to_s, self.scale.top));
                let label = format!("{} ↑", target.label);
                let height = draw::text_height_px(draw::TEXT_MIN_PX) as i32;
                draw::boxed_label(
                    root,
                    &label,
                    (right - 2, top + height + 4),
                    draw::TEXT_MIN_PX,
                )?;
                continue;
            }
            let from = chart.backend_coord(&(from_s, target.limit));
            let to = chart.backend_coord(&(to_s, target.limit));
            draw::dashed_hline(root, from.0, to.0, from.1)?;
            draw::boxed_label(root, &target.label, (to.0 - 2, to.1 - 5), draw::TEXT_MIN_PX)?;
        }
        Ok(())
    }

    /// A dashed vertical line at each run whose machine changed, labelled near the top. Labels
    /// go on the first row where they clear the one before, so that changes a few runs apart
    /// do not write over each other.
    fn draw_changes<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
        labels: bool,
    ) -> anyhow::Result<()> {
        let line = draw::text_height_px(draw::TEXT_MIN_PX) as i32 + 6;
        let (plot_right, _) = chart.backend_coord(&(self.x_range_s.1, 0.0));
        let mut row_ends: Vec<i32> = Vec::new();
        // The first line under the top edge holds a far target's marker, when there is one.
        let below = i32::from(self.targets.iter().any(|t| t.limit > self.scale.top));
        for change in &self.changes {
            let (x, top) = chart.backend_coord(&(change.at_s, self.scale.top));
            let (_, bottom) = chart.backend_coord(&(change.at_s, 0.0));
            if !labels {
                draw::dashed_vline(root, x, top, bottom, CHANGE)?;
                continue;
            }
            let width = draw::text_width_px(&change.label, draw::TEXT_MIN_PX) as i32;
            // Right of the line, or left of it when it would run off the plot.
            let (left, right) = if x + 6 + width <= plot_right {
                (x + 6, x + 6 + width)
            } else {
                (x - 4 - width, x - 4)
            };
            let row = label_row(&mut row_ends, left, right);
            let y = top + line * (1 + below + row as i32);
            draw::boxed_label(root, &change.label, (right, y), draw::TEXT_MIN_PX)?;
        }
        Ok(())
    }

    /// Variant names down the right of the plot, each after a sample of its line: colour,
    /// dash pattern and marker.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
    ) -> anyhow::Result<()> {
        let (right, top) = chart.backend_coord(&(self.x_range_s.1, self.scale.top));
        let x = right + 16;
        let text = draw::font(LEGEND_FONT_PX).pos(Pos::new(HPos::Left, VPos::Center));
        for (i, series) in self.series.iter().enumerate() {
            let y = top + 12 + i as i32 * LEGEND_LINE_PX;
            let s = &series.style;
            style::line(root, &[(x, y), (x + SWATCH_PX, y)], s, 2)?;
            style::marker(root, (x + SWATCH_PX / 2, y), s.marker, 5, s.colour)?;
            draw::text_at(root, &series.legend_name, (x + SWATCH_PX + 8, y), &text)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
