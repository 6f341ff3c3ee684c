//! Where an image's bytes come from (`charts/layers-<variant>.svg` and `.png`): one row per
//! layer, oldest at the top as the Dockerfile runs, a bar of the bytes the layer added, the
//! bytes of files it modified (new copies over lower ones), and the bytes it removed
//! (whiteouts: what it hid of the layers below, which still ship).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::Scale;
use super::canvas::{draw_error, Chart};
use super::draw::{self, Header, LegendItem};
use super::sections::tidy_created_by;
use crate::anatomy::Anatomy;
use crate::format::format_bytes;
use crate::metric;

pub const ADDED: RGBColor = RGBColor(76, 120, 168);
pub const MODIFIED: RGBColor = RGBColor(242, 142, 43);
pub const REMOVED: RGBColor = RGBColor(228, 87, 86);

const ROW_PX: u32 = 28;
const MIN_ROWS: usize = 3;
const LABEL_FONT_PX: f64 = draw::TEXT_MIN_PX;
const LABEL_MAX_PX: u32 = 440;
const RIGHT_MARGIN_PX: u32 = 110;
const BAR_AREA_PX: u32 = 560;
const X_AXIS_PX: u32 = 56;

pub struct LayerChart<'a> {
    anatomy: &'a Anatomy,
    labels: Vec<String>,
    label_area_px: u32,
    header: Header,
    /// The x axis: 1-2-5 ticks of one unit.
    scale: Scale,
}

impl<'a> LayerChart<'a> {
    pub fn new(variant: &str, anatomy: &'a Anatomy) -> LayerChart<'a> {
        let labels: Vec<String> = anatomy
            .layers
            .iter()
            .map(|l| {
                let text = if l.created_by.trim().is_empty() {
                    "(base image layer)".to_string()
                } else {
                    tidy_created_by(&l.created_by)
                };
                draw::fit_width(&text, LABEL_MAX_PX, LABEL_FONT_PX)
            })
            .collect();
        let widest = labels
            .iter()
            .map(|l| draw::text_width_px(l, LABEL_FONT_PX))
            .max()
            .unwrap_or(0);
        let longest = anatomy
            .layers
            .iter()
            .map(|l| (l.added_bytes + l.modified_bytes + l.removed_bytes) as f64)
            .fold(0.0, f64::max);
        let x_top = if longest > 0.0 { longest * 1.05 } else { 1.0 };
        let subtitle = format!(
            "{} in {} layer(s) · {} files · wasted {} · efficiency {:.1}%",
            format_bytes(anatomy.size_bytes as f64),
            anatomy.layers.len(),
            anatomy.files,
            format_bytes(anatomy.wasted_bytes as f64),
            anatomy.efficiency * 100.0
        );
        LayerChart {
            anatomy,
            labels,
            label_area_px: widest.max(120) + 16,
            header: Header {
                title: format!("Image layers · {variant}"),
                subtitle,
                legend: vec![
                    LegendItem::Box(ADDED, "added"),
                    LegendItem::Box(MODIFIED, "modified"),
                    LegendItem::Box(REMOVED, "removed (still shipped below)"),
                ],
            },
            scale: Scale::new(metric::IMAGE_SIZE_BYTES, x_top),
        }
    }

    fn rows(&self) -> usize {
        self.anatomy.layers.len().max(MIN_ROWS)
    }
}

impl Chart for LayerChart<'_> {
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
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .label_style(draw::font(LABEL_FONT_PX))
            .axis_desc_style(draw::font(draw::TEXT_MIN_PX))
            .bold_line_style(draw::GRID)
            .light_line_style(TRANSPARENT)
            .x_label_formatter(&tick)
            .x_desc(format!("bytes ({})", unit.suffix))
            .draw()
            .map_err(draw_error)?;
        for (i, layer) in self.anatomy.layers.iter().enumerate() {
            let y = rows - i as f64 - 0.5;
            let (axis_x, label_y) = chart.backend_coord(&(0.0, y));
            let name_style = draw::font(LABEL_FONT_PX).pos(Pos::new(HPos::Right, VPos::Center));
            draw::text_at(root, &self.labels[i], (axis_x - 8, label_y), &name_style)?;
            let mut x = 0.0;
            for (bytes, colour) in [
                (layer.added_bytes, ADDED),
                (layer.modified_bytes, MODIFIED),
                (layer.removed_bytes, REMOVED),
            ] {
                if bytes == 0 {
                    continue;
                }
                let end = x + bytes as f64;
                let bar = Rectangle::new([(x, y - 0.32), (end, y + 0.32)], colour.filled());
                chart.plotting_area().draw(&bar).map_err(draw_error)?;
                x = end;
            }
            let (end_x, _) = chart.backend_coord(&(x, y));
            let note = match (layer.size_bytes, layer.removed_bytes) {
                (0, 0) => "empty".to_string(),
                (size, 0) => format_bytes(size as f64),
                (size, removed) => format!(
                    "{} · hides {}",
                    format_bytes(size as f64),
                    format_bytes(removed as f64)
                ),
            };
            let note_style = draw::font(draw::TEXT_MIN_PX)
                .color(&draw::MUTED)
                .pos(Pos::new(HPos::Left, VPos::Center));
            draw::text_at(root, &note, (end_x + 6, label_y), &note_style)?;
        }
        Ok(())
    }
}
