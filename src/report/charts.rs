//! One bar chart per metric (`charts/<metric>.svg` and `.png`): the variants side by side, each
//! bar its median with a min–max whisker and every run as a dot, so that a reader sees the spread
//! and not only a number. Targets are a dashed line; a bar that misses its target is red and
//! marked ✗.
//!
//! A target far above the data (more than [`FAR_TARGET_RATIO`] times the largest value) is not
//! scaled to: a 3-minute target on 5-second bars would squash them to a few pixels. It is
//! written at the top edge instead (`target ≤ 3 min ↑`), over the bars it applies to.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{axis_title, Scale, Ticked};
use super::canvas::{draw_error, Chart};
use super::draw::{self, Header, LegendItem};
use super::labels;
use crate::format::format_against_limits;
use crate::format::metric_title;
use crate::results::metric_columns;
use crate::results::{RunResults, Status};
use crate::stats::Summary;
use crate::targets::TargetCheck;

/// Width given to each variant when there is room; the chart grows to `MAX_WIDTH_PX`, then
/// slots shrink and labels turn on their side.
const SLOT_PX: u32 = 110;
const MIN_WIDTH_PX: u32 = 760;
const MAX_WIDTH_PX: u32 = draw::MAX_RENDERED_WIDTH_PX;
const PLOT_HEIGHT_PX: u32 = 420;
const Y_LABEL_AREA_PX: u32 = 70;
/// Left and right chart margins together.
const MARGINS_PX: u32 = 36;
/// Below this slot width, values are not written on bars (only ✗ marks misses).
const VALUE_LABEL_MIN_SLOT_PX: u32 = 70;
const LABEL_FONT_PX: f64 = draw::TEXT_MIN_PX;
const LABEL_LINE_PX: u32 = 17;
const MAX_LABEL_LINES: usize = 3;
/// A target more than this many times the largest value drawn is shown at the chart's top edge
/// instead of being scaled to. At 3x, bars keep at least a quarter of the plot's height (the
/// axis also leaves 18% headroom); a target within 3x is still close enough to be read on the
/// same axis.
pub const FAR_TARGET_RATIO: f64 = 3.0;
/// Sideways labels longer than this are cut with `…`.
const ROTATED_LABEL_MAX_PX: u32 = 220;

/// One variant's bar.
struct Bar<'a> {
    /// The variant's name; the reference variant's says so.
    name: std::borrow::Cow<'a, str>,
    failed: bool,
    summary: Option<&'a Summary>,
    checks: Vec<&'a TargetCheck>,
}

impl Bar<'_> {
    fn misses(&self) -> bool {
        self.checks.iter().any(|c| !c.pass)
    }
}

/// How variant names fit under their bars.
enum XLabels {
    /// Wrapped lines per variant, horizontal.
    Wrapped(Vec<Vec<String>>),
    /// One line per variant, turned 90° (read bottom to top).
    Rotated(Vec<String>),
}

pub struct MetricChart<'a> {
    metric: &'a str,
    header: Header,
    bars: Vec<Bar<'a>>,
    scale: Scale,
    width_px: u32,
    x_labels: XLabels,
}

/// The metrics that get a chart: every report column with at least one value.
pub fn charted_metrics(results: &RunResults) -> Vec<String> {
    metric_columns(&results.variants)
        .into_iter()
        .filter(|m| results.variants.iter().any(|v| v.metrics.contains_key(m)))
        .collect()
}

impl<'a> MetricChart<'a> {
    pub fn new(results: &'a RunResults, metric: &'a str) -> MetricChart<'a> {
        // The bar every relative figure is against, when there is more than one.
        let reference = crate::relative::reference_name(results, results.reference.as_deref())
            .filter(|_| results.variants.len() > 1);
        let bars: Vec<Bar> = results
            .variants
            .iter()
            .map(|v| Bar {
                name: if reference == Some(v.name.as_str()) {
                    format!("{} (reference)", v.name).into()
                } else {
                    v.name.as_str().into()
                },
                failed: v.status == Status::Failed,
                summary: v.metrics.get(metric),
                checks: v.targets.iter().filter(|t| t.metric == metric).collect(),
            })
            .collect();
        let max_value = axis_max(&bars);
        let n = bars.len().max(1) as u32;
        let width_px =
            (Y_LABEL_AREA_PX + MARGINS_PX + n * SLOT_PX).clamp(MIN_WIDTH_PX, MAX_WIDTH_PX);
        let slot_px = (width_px - Y_LABEL_AREA_PX - MARGINS_PX) / n;
        let x_labels = fit_x_labels(&bars, slot_px);
        let scale = Scale::with_headroom(metric, max_value);
        let header = header(results, metric, &bars, scale.top);
        MetricChart {
            metric,
            header,
            scale,
            bars,
            width_px,
            x_labels,
        }
    }

    fn slot_px(&self) -> u32 {
        (self.width_px - Y_LABEL_AREA_PX - MARGINS_PX) / self.bars.len().max(1) as u32
    }

    fn x_label_area_px(&self) -> u32 {
        match &self.x_labels {
            XLabels::Wrapped(lines) => {
                let most = lines.iter().map(Vec::len).max().unwrap_or(1) as u32;
                // One more line for a `failed` tag.
                (most + 1) * LABEL_LINE_PX + 12
            }
            XLabels::Rotated(names) => {
                let widest = names
                    .iter()
                    .map(|n| draw::text_width_px(n, LABEL_FONT_PX))
                    .max()
                    .unwrap_or(0);
                widest + 16
            }
        }
    }
}

/// The largest value the axis must show: every run, and every target near enough to the data
/// (see [`FAR_TARGET_RATIO`]).
fn axis_max(bars: &[Bar]) -> f64 {
    let data_max = bars
        .iter()
        .filter_map(|b| b.summary.map(|s| s.max))
        .fold(0.0, f64::max);
    bars.iter()
        .flat_map(|b| &b.checks)
        .map(|c| c.limit)
        .filter(|&limit| !is_far_target(limit, data_max))
        .fold(data_max, f64::max)
}

/// Whether a target at `limit` is too far above data reaching `data_max` to share its axis.
/// With no data above 0 any positive target is: there is nothing to keep in proportion.
pub fn is_far_target(limit: f64, data_max: f64) -> bool {
    limit > FAR_TARGET_RATIO * data_max.max(0.0)
}

/// The title block; `top` is the axis top, above which targets are edge markers, which say
/// what they are themselves and need no legend entry.
fn header(results: &RunResults, metric: &str, bars: &[Bar], top: f64) -> Header {
    let mut legend = vec![LegendItem::Box(draw::BAR, "median")];
    if bars.iter().any(Bar::misses) {
        legend.push(LegendItem::Box(draw::MISS, "misses its target"));
    }
    if bars.iter().any(|b| b.failed && b.summary.is_some()) {
        legend.push(LegendItem::Box(draw::FAILED, "failed variant"));
    }
    legend.push(LegendItem::Whisker("min–max"));
    legend.push(LegendItem::Dot("each run"));
    if bars.iter().flat_map(|b| &b.checks).any(|c| c.limit <= top) {
        legend.push(LegendItem::Dashed("target"));
    }
    Header {
        title: metric_title(metric),
        subtitle: format!(
            "suite {} · {} per variant · {}{}",
            results.suite,
            super::sections::runs_text(results),
            labels::short_time(&results.started_at),
            metric_key(metric)
        ),
        legend,
    }
}

/// ` · metric image_size_bytes`: the key that names the chart's file and the CSV columns, for
/// the subtitle; nothing when the title is the key itself (a metric with no human title).
fn metric_key(metric: &str) -> String {
    if metric_title(metric) == metric {
        String::new()
    } else {
        format!(" · metric {metric}")
    }
}

/// Wrapped under each bar when every name fits in a few lines, else sideways.
fn fit_x_labels(bars: &[Bar], slot_px: u32) -> XLabels {
    let width = |text: &str| draw::text_width_px(text, LABEL_FONT_PX);
    let wrapped: Option<Vec<Vec<String>>> = bars
        .iter()
        .map(|b| labels::wrap(&b.name, slot_px.saturating_sub(8), MAX_LABEL_LINES, width))
        .collect();
    if let Some(lines) = wrapped {
        return XLabels::Wrapped(lines);
    }
    let rotated = bars
        .iter()
        .map(|b| {
            let name = if b.failed {
                format!("{} (failed)", b.name)
            } else {
                b.name.to_string()
            };
            draw::fit_width(&name, ROTATED_LABEL_MAX_PX, LABEL_FONT_PX)
        })
        .collect();
    XLabels::Rotated(rotated)
}

impl Chart for MetricChart<'_> {
    fn size_px(&self) -> (u32, u32) {
        let height = draw::HEADER_PX + PLOT_HEIGHT_PX + self.x_label_area_px();
        (self.width_px, height)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        root.fill(&WHITE).map_err(draw_error)?;
        draw::header(root, &self.header)?;
        let (_, body) = root.split_vertically(draw::HEADER_PX);
        let n = self.bars.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&body)
            .margin_left(MARGINS_PX / 2)
            .margin_right(MARGINS_PX / 2)
            .x_label_area_size(self.x_label_area_px())
            .y_label_area_size(Y_LABEL_AREA_PX)
            .build_cartesian_2d(0f64..n, self.scale.range())
            .map_err(draw_error)?;
        let unit = self.scale.unit;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(self.scale.ticks.len())
            .y_label_formatter(&|v| unit.tick(*v))
            .y_desc(axis_title(self.metric, unit))
            .label_style(draw::font(LABEL_FONT_PX))
            .axis_desc_style(draw::font(15.0))
            .bold_line_style(draw::GRID)
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(draw_error)?;
        for (i, bar) in self.bars.iter().enumerate() {
            self.draw_bar(&chart, root, i as f64, bar)?;
        }
        self.draw_targets(&chart, root)?;
        self.draw_x_labels(&chart, root)
    }
}

type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Ticked>>;

impl MetricChart<'_> {
    fn draw_bar<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
        x: f64,
        bar: &Bar,
    ) -> anyhow::Result<()> {
        let center = x + 0.5;
        let Some(summary) = bar.summary else {
            return self.draw_no_value(chart, root, center, bar);
        };
        let colour = if bar.misses() {
            draw::MISS
        } else if bar.failed {
            draw::FAILED
        } else {
            draw::BAR
        };
        let area = chart.plotting_area();
        let rect = Rectangle::new(
            [(x + 0.18, 0.0), (x + 0.82, summary.median)],
            colour.filled(),
        );
        area.draw(&rect).map_err(draw_error)?;
        draw::whisker(area, center, summary.min, summary.max, 0.1)?;
        draw::dots(area, center, 0.22, &summary.samples)?;
        self.draw_value_label(chart, root, center, summary, bar)
    }

    /// The median over the whisker, `✗` first (and in red) for a miss. Narrow slots get only the
    /// `✗`, since a value would spill onto the next bar.
    fn draw_value_label<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
        center: f64,
        summary: &Summary,
        bar: &Bar,
    ) -> anyhow::Result<()> {
        let limits: Vec<f64> = bar.checks.iter().map(|c| c.limit).collect();
        let value = format_against_limits(self.metric, summary.median, &limits);
        let text = match (bar.misses(), self.slot_px() >= VALUE_LABEL_MIN_SLOT_PX) {
            (true, true) => format!("✗ {value}"),
            (true, false) => "✗".to_string(),
            (false, true) => value,
            (false, false) => return Ok(()),
        };
        let colour = if bar.misses() { draw::MISS_TEXT } else { BLACK };
        let (px, py) = chart.backend_coord(&(center, summary.max));
        let style = draw::font(draw::TEXT_MIN_PX)
            .color(&colour)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        draw::text_at(root, &text, (px, py - 6), &style)
    }

    /// A variant with no value for this metric keeps its slot, saying why it is empty.
    fn draw_no_value<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
        center: f64,
        bar: &Bar,
    ) -> anyhow::Result<()> {
        // A failed variant already says so under its name.
        let (text, colour) = if bar.misses() {
            ("✗ no value", draw::MISS_TEXT)
        } else {
            ("no value", draw::MUTED)
        };
        let (px, py) = chart.backend_coord(&(center, 0.0));
        let style = draw::font(draw::TEXT_MIN_PX)
            .color(&colour)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        draw::text_at(root, text, (px, py - 6), &style)
    }

    /// A dashed line at each target, over the bars it applies to: one line across the chart
    /// when all variants share a limit, shorter ones where limits differ per variant. Each line
    /// is labelled once, at its right end.
    fn draw_targets<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
    ) -> anyhow::Result<()> {
        for run in target_runs(&self.bars) {
            if run.check.limit > self.scale.top {
                self.draw_far_target(chart, root, &run)?;
                continue;
            }
            let from = chart.backend_coord(&(run.first as f64 + 0.04, run.check.limit));
            let to = chart.backend_coord(&(run.last as f64 + 0.96, run.check.limit));
            draw::dashed_hline(root, from.0, to.0, from.1)?;
            let label = format!("target {}", run.check.limit_label());
            draw::boxed_label(root, &label, (to.0 - 2, to.1 - 5), draw::TEXT_MIN_PX)?;
        }
        Ok(())
    }

    /// A target above the axis: its label against the top edge over the bars it applies to,
    /// with an arrow saying the line lies further up.
    fn draw_far_target<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
        run: &TargetRun,
    ) -> anyhow::Result<()> {
        let (_, top) = chart.backend_coord(&(0.0, self.scale.top));
        let (right, _) = chart.backend_coord(&(run.last as f64 + 0.96, self.scale.top));
        let label = far_target_label(run.check);
        let height = draw::text_height_px(draw::TEXT_MIN_PX) as i32;
        draw::boxed_label(
            root,
            &label,
            (right - 2, top + height + 4),
            draw::TEXT_MIN_PX,
        )
    }

    fn draw_x_labels<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
    ) -> anyhow::Result<()> {
        for (i, bar) in self.bars.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            let top = y + 8;
            match &self.x_labels {
                XLabels::Wrapped(lines) => {
                    let style = draw::font(LABEL_FONT_PX).pos(Pos::new(HPos::Center, VPos::Top));
                    let mut line_y = top;
                    for line in &lines[i] {
                        draw::text_at(root, line, (x, line_y), &style)?;
                        line_y += LABEL_LINE_PX as i32;
                    }
                    if bar.failed {
                        let failed = style.color(&draw::MISS_TEXT);
                        draw::text_at(root, "(failed)", (x, line_y), &failed)?;
                    }
                }
                XLabels::Rotated(names) => {
                    let style = draw::font(LABEL_FONT_PX)
                        .transform(FontTransform::Rotate270)
                        .pos(Pos::new(HPos::Right, VPos::Center));
                    draw::text_at(root, &names[i], (x, top), &style)?;
                }
            }
        }
        Ok(())
    }
}

/// `target ≤ 3 min ↑`: a target off the top of the axis.
fn far_target_label(check: &TargetCheck) -> String {
    format!("target {} ↑", check.limit_label())
}

/// Neighbouring bars that share a target limit, drawn as one line.
struct TargetRun<'a> {
    first: usize,
    last: usize,
    check: &'a TargetCheck,
}

fn target_runs<'a>(bars: &[Bar<'a>]) -> Vec<TargetRun<'a>> {
    let mut runs: Vec<TargetRun<'a>> = Vec::new();
    for (i, bar) in bars.iter().enumerate() {
        for &check in &bar.checks {
            let extends = runs.iter_mut().rev().find(|r| {
                r.last + 1 == i
                    && r.check.limit == check.limit
                    && r.check.direction == check.direction
            });
            match extends {
                Some(run) => run.last = i,
                None => runs.push(TargetRun {
                    first: i,
                    last: i,
                    check,
                }),
            }
        }
    }
    runs
}

#[cfg(test)]
mod tests;
