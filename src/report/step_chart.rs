//! Where a cold build spends its time (`charts/steps-<variant>.svg` and `.png`): one horizontal
//! bar per Dockerfile step, in build order, as long as the step took. Cached steps are pale.
//!
//! The classic builder reports no per-step times; its chart lists the steps with that note
//! instead of drawing zero-length bars that would read as "instant".

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Scale, Ticked};
use super::canvas::{draw_error, Chart};
use super::draw::{self, Header, LegendItem};
use crate::driver::BuildStep;
use crate::format::{format_seconds, format_value};
use crate::metric;
use crate::results::VariantResult;

const ROW_PX: u32 = 28;
/// A chart of one or two steps still gets this many rows of height, so it is not a sliver.
const MIN_ROWS: usize = 3;
const LABEL_FONT_PX: f64 = draw::TEXT_MIN_PX;
/// Step names are cut to this width (a long `RUN` line would otherwise squeeze the bars).
const LABEL_MAX_PX: u32 = 440;
/// Room for the duration written after the longest bar.
const RIGHT_MARGIN_PX: u32 = 90;
const BAR_AREA_PX: u32 = 560;
/// The x axis and its title.
const X_AXIS_PX: u32 = 56;

/// Said on the chart (and in report.md) when no step has a time.
pub const NO_STEP_TIMES: &str = "classic builder reports no per-step times";

pub struct StepChart<'a> {
    steps: &'a [BuildStep],
    labels: Vec<String>,
    label_area_px: u32,
    header: Header,
    /// Whether any step has a duration (BuildKit).
    timed: bool,
    /// The x axis: 1-2-5 ticks of one unit.
    scale: Scale,
}

/// A variant gets a step chart when its cold build reported steps.
pub fn has_step_chart(variant: &VariantResult) -> bool {
    !variant.cold_build_steps.is_empty()
}

/// Whether any step of the cold build has a time (false for the classic builder).
pub fn has_step_times(variant: &VariantResult) -> bool {
    variant
        .cold_build_steps
        .iter()
        .any(|s| s.duration_s.is_some())
}

impl<'a> StepChart<'a> {
    pub fn new(variant: &'a VariantResult) -> StepChart<'a> {
        let steps = &variant.cold_build_steps[..];
        let labels: Vec<String> = steps
            .iter()
            .map(|s| draw::fit_width(&s.name, LABEL_MAX_PX, LABEL_FONT_PX))
            .collect();
        let widest = labels
            .iter()
            .map(|l| draw::text_width_px(l, LABEL_FONT_PX))
            .max()
            .unwrap_or(0);
        let longest_s = steps
            .iter()
            .filter_map(|s| s.duration_s)
            .fold(0.0, f64::max);
        let x_top_s = if longest_s > 0.0 {
            longest_s * 1.05
        } else {
            1.0
        };
        StepChart {
            steps,
            labels,
            label_area_px: widest.max(120) + 16,
            header: header(variant),
            timed: has_step_times(variant),
            scale: Scale::new(metric::COLD_BUILD_S, x_top_s),
        }
    }
}

fn header(variant: &VariantResult) -> Header {
    let steps = &variant.cold_build_steps;
    let cached = steps.iter().filter(|s| s.cached).count();
    let mut subtitle = format!(
        "{} builder · {} · {} step(s), {cached} cached",
        variant.builder,
        variant.dockerfile,
        steps.len()
    );
    if has_step_times(variant) {
        let total_s: f64 = steps.iter().filter_map(|s| s.duration_s).sum();
        subtitle.push_str(&format!(" · steps add up to {}", format_seconds(total_s)));
    }
    if let Some(cold) = variant.metrics.get(metric::COLD_BUILD_S) {
        let median = format_value(metric::COLD_BUILD_S, cold.median);
        subtitle.push_str(&format!(" · cold build median {median}"));
    }
    Header {
        title: format!("Cold build steps · {}", variant.name),
        subtitle,
        legend: vec![
            LegendItem::Box(draw::BAR, "built"),
            LegendItem::Box(draw::CACHED, "cached"),
        ],
    }
}

type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked, RangedCoordf64>>;

impl Chart for StepChart<'_> {
    fn size_px(&self) -> (u32, u32) {
        let width = self.label_area_px + BAR_AREA_PX + RIGHT_MARGIN_PX;
        let height = draw::HEADER_PX + self.rows() as u32 * ROW_PX + X_AXIS_PX + 16;
        (width.max(760), height)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        root.fill(&WHITE).map_err(draw_error)?;
        draw::header(root, &self.header)?;
        let (_, body) = root.split_vertically(draw::HEADER_PX);
        let rows = self.rows() as f64;
        let mut chart = ChartBuilder::on(&body)
            .margin_right(RIGHT_MARGIN_PX)
            .margin_bottom(8)
            .x_label_area_size(X_AXIS_PX)
            .y_label_area_size(self.label_area_px)
            .build_cartesian_2d(self.scale.range(), 0f64..rows)
            .map_err(draw_error)?;
        let unit = self.scale.unit;
        let tick = |v: &f64| unit.tick(*v);
        let mut mesh = chart.configure_mesh();
        mesh.disable_y_mesh()
            .y_labels(0)
            .label_style(draw::font(LABEL_FONT_PX))
            .axis_desc_style(draw::font(draw::TEXT_MIN_PX))
            .bold_line_style(draw::GRID)
            .light_line_style(TRANSPARENT);
        if self.timed {
            mesh.x_label_formatter(&tick)
                .x_desc(format!("step duration ({})", unit.suffix));
        } else {
            mesh.x_labels(0);
        }
        mesh.draw().map_err(draw_error)?;
        for (i, step) in self.steps.iter().enumerate() {
            self.draw_step(&chart, root, i, step)?;
        }
        if !self.timed {
            self.draw_untimed_note(&chart, root)?;
        }
        Ok(())
    }
}

impl StepChart<'_> {
    fn rows(&self) -> usize {
        self.steps.len().max(MIN_ROWS)
    }

    /// Row `i` counted from the top, as a y value at the middle of its row.
    fn row_y(&self, i: usize) -> f64 {
        self.rows() as f64 - i as f64 - 0.5
    }

    fn draw_step<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
        i: usize,
        step: &BuildStep,
    ) -> anyhow::Result<()> {
        let y = self.row_y(i);
        let (axis_x, label_y) = chart.backend_coord(&(0.0, y));
        let name_style = draw::font(LABEL_FONT_PX).pos(Pos::new(HPos::Right, VPos::Center));
        draw::text_at(root, &self.labels[i], (axis_x - 8, label_y), &name_style)?;
        let colour = if step.cached { draw::CACHED } else { draw::BAR };
        let duration_s = step.duration_s.unwrap_or(0.0);
        if duration_s > 0.0 {
            let bar = Rectangle::new([(0.0, y - 0.32), (duration_s, y + 0.32)], colour.filled());
            chart.plotting_area().draw(&bar).map_err(draw_error)?;
        }
        let (end_x, _) = chart.backend_coord(&(duration_s, y));
        let note_style = draw::font(draw::TEXT_MIN_PX)
            .color(&draw::MUTED)
            .pos(Pos::new(HPos::Left, VPos::Center));
        draw::text_at(root, &step_note(step), (end_x + 6, label_y), &note_style)
    }

    /// Without times, a note where the bars would be, so that an empty chart is not read as
    /// a build that took no time.
    fn draw_untimed_note<DB: DrawingBackend>(
        &self,
        chart: &Plot<DB>,
        root: &DrawingArea<DB, Shift>,
    ) -> anyhow::Result<()> {
        let middle = (self.scale.top * 0.6, self.rows() as f64 / 2.0);
        let (x, y) = chart.backend_coord(&middle);
        let style = draw::font(15.0)
            .color(&draw::MUTED)
            .pos(Pos::new(HPos::Center, VPos::Center));
        draw::text_at(root, NO_STEP_TIMES, (x, y), &style)
    }
}

/// Written after a step's bar: `1.23 s`, `cached`, or (classic) `built` / `cached`.
fn step_note(step: &BuildStep) -> String {
    match (step.duration_s, step.cached) {
        (Some(s), true) if s > 0.0 => format!("cached · {}", format_seconds(s)),
        (_, true) => "cached".to_string(),
        (Some(s), false) => format_seconds(s),
        (None, false) => "built".to_string(),
    }
}
