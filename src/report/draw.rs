//! Drawing pieces shared by every chart: the palette, text in the bundled font, the title
//! block with its legend, whiskers, sample dots and dashed target lines.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::Ticked;
use super::canvas::draw_error;
use super::fonts;
use super::glyphs;
use super::labels;

/// Height of the title block (title, subtitle, legend) at the top of every chart.
pub const HEADER_PX: u32 = 92;

/// The smallest text size charts use. Plotters' SVG writes `font-size = size / 1.24`, so 14
/// is drawn at 11.3 px: the floor for text read at the chart's own size.
pub const TEXT_MIN_PX: f64 = 14.0;

/// The widest a chart is drawn. report.html shows SVGs at `max-width: 100%`, about 1170 px on a
/// 1280 px screen; a wider chart would be shrunk, and its smallest text with it below
/// [`TEXT_MIN_PX`].
pub const MAX_RENDERED_WIDTH_PX: u32 = 1160;

/// A bar that meets its target or has none.
pub const BAR: RGBColor = RGBColor(76, 120, 168);
/// A bar that misses a target: red, so a miss is seen before any number is read.
pub const MISS: RGBColor = RGBColor(228, 87, 86);
/// Darker red for text, which needs more contrast on white than a filled bar.
pub const MISS_TEXT: RGBColor = RGBColor(196, 30, 36);
pub const FAILED: RGBColor = RGBColor(170, 170, 170);
pub const CACHED: RGBColor = RGBColor(198, 208, 220);
pub const MUTED: RGBColor = RGBColor(110, 110, 110);
pub const GRID: RGBColor = RGBColor(228, 228, 228);
pub const INK: RGBColor = RGBColor(34, 34, 34);

/// Line colours for variants on a trend chart (Tableau 10: distinct, and readable on white).
pub const SERIES: [RGBColor; 10] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(89, 161, 79),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
];

/// Text in the bundled font, black, anchored at its top left.
pub fn font(size_px: f64) -> TextStyle<'static> {
    debug_assert!(
        size_px >= TEXT_MIN_PX,
        "chart text below the floor: {size_px}"
    );
    TextStyle::from((fonts::FAMILY, size_px).into_font()).color(&BLACK)
}

/// How wide `text` is drawn at `size_px`. Layout happens before any drawing, so this measures
/// with the bundled font directly, as the bitmap backend draws it.
pub fn text_width_px(text: &str, size_px: f64) -> u32 {
    glyphs::text_size_px(text, size_px).0
}

/// How tall a line of text is drawn at `size_px` (its em).
pub fn text_height_px(size_px: f64) -> u32 {
    glyphs::text_size_px("", size_px).1
}

/// `text`, cut with `…` until it is at most `max_px` wide.
pub fn fit_width(text: &str, max_px: u32, size_px: f64) -> String {
    let mut chars = text.chars().count();
    let mut fitted = labels::shorten(text, chars);
    while chars > 1 && text_width_px(&fitted, size_px) > max_px {
        chars -= 1;
        fitted = labels::shorten(text, chars);
    }
    fitted
}

pub fn text_at<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at_px: (i32, i32),
    style: &TextStyle,
) -> anyhow::Result<()> {
    root.draw(&Text::new(text, at_px, style.clone()))
        .map_err(draw_error)
}

/// Text right-aligned above `at_px` (its bottom-right corner) on a white box, so that a label
/// stays readable where it crosses bars, dots or grid lines.
pub fn boxed_label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at_px: (i32, i32),
    size_px: f64,
) -> anyhow::Result<()> {
    let (width, height) = glyphs::text_size_px(text, size_px);
    let (x, y) = at_px;
    let corners = [
        (x - width as i32 - 4, y - height as i32 - 2),
        (x + 2, y + 2),
    ];
    root.draw(&Rectangle::new(corners, WHITE.mix(0.85).filled()))
        .map_err(draw_error)?;
    let style = font(size_px).pos(Pos::new(HPos::Right, VPos::Bottom));
    text_at(root, text, (x, y), &style)
}

/// A legend entry: the mark, then what it means.
pub enum LegendItem {
    Box(RGBColor, &'static str),
    /// A box whose meaning is built at run time (a treemap's directory).
    NamedBox(RGBColor, String),
    Line(RGBColor, String),
    Whisker(&'static str),
    Dot(&'static str),
    Dashed(&'static str),
    /// A dashed vertical line (an event at one point of the x axis).
    VDashed(RGBColor, &'static str),
}

impl LegendItem {
    fn text(&self) -> &str {
        match self {
            LegendItem::Box(_, t) | LegendItem::Whisker(t) | LegendItem::Dot(t) => t,
            LegendItem::Dashed(t) | LegendItem::VDashed(_, t) => t,
            LegendItem::Line(_, t) | LegendItem::NamedBox(_, t) => t,
        }
    }
}

pub struct Header {
    pub title: String,
    pub subtitle: String,
    pub legend: Vec<LegendItem>,
}

const LEGEND_FONT_PX: f64 = TEXT_MIN_PX;
const LEGEND_MARK_PX: i32 = 16;
const LEGEND_GAP_PX: i32 = 22;

/// Title, subtitle and a one-line legend, centred in the top `HEADER_PX`.
pub fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    header: &Header,
) -> anyhow::Result<()> {
    let width = root.dim_in_pixel().0 as i32;
    let centred = Pos::new(HPos::Center, VPos::Top);
    text_at(
        root,
        &header.title,
        (width / 2, 12),
        &font(22.0).pos(centred),
    )?;
    let subtitle = font(TEXT_MIN_PX).color(&MUTED).pos(centred);
    text_at(root, &header.subtitle, (width / 2, 42), &subtitle)?;
    legend(root, &header.legend, 72)?;
    Ok(())
}

/// Vertical distance between lines of a legend that wraps.
pub const LEGEND_LINE_PX: u32 = 22;

fn legend_item_width(item: &LegendItem) -> i32 {
    LEGEND_MARK_PX + 6 + text_width_px(item.text(), LEGEND_FONT_PX) as i32
}

/// The legend's items split into centred lines no wider than `width` (minus margins).
fn legend_lines(items: &[LegendItem], width: i32) -> Vec<&[LegendItem]> {
    let mut lines = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let w = legend_item_width(item) + LEGEND_GAP_PX;
        if i > start && used + w > width - 16 {
            lines.push(&items[start..i]);
            (start, used) = (i, 0);
        }
        used += w;
    }
    if start < items.len() {
        lines.push(&items[start..]);
    }
    lines
}

/// How many lines [`legend`] takes for `items` on a chart `width` pixels wide.
pub fn legend_line_count(items: &[LegendItem], width: u32) -> u32 {
    legend_lines(items, width as i32).len() as u32
}

/// The legend centred across the chart, its first line's middle at `y`, wrapping onto further
/// lines [`LEGEND_LINE_PX`] apart when it does not fit.
pub fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
    y: i32,
) -> anyhow::Result<()> {
    let width = root.dim_in_pixel().0 as i32;
    for (row, line) in legend_lines(items, width).into_iter().enumerate() {
        let total: i32 = line
            .iter()
            .map(|i| legend_item_width(i) + LEGEND_GAP_PX)
            .sum();
        let mut x = (width - total + LEGEND_GAP_PX).max(8) / 2;
        let y = y + row as i32 * LEGEND_LINE_PX as i32;
        for item in line {
            legend_mark(root, item, x, y)?;
            let style = font(LEGEND_FONT_PX).pos(Pos::new(HPos::Left, VPos::Center));
            text_at(root, item.text(), (x + LEGEND_MARK_PX + 6, y), &style)?;
            x += legend_item_width(item) + LEGEND_GAP_PX;
        }
    }
    Ok(())
}

/// The mark of a legend entry, centred vertically on `y`.
fn legend_mark<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    item: &LegendItem,
    x: i32,
    y: i32,
) -> anyhow::Result<()> {
    let right = x + LEGEND_MARK_PX;
    let result = match item {
        LegendItem::Box(colour, _) | LegendItem::NamedBox(colour, _) => {
            let corners = [(x, y - 6), (right, y + 6)];
            root.draw(&Rectangle::new(corners, colour.filled()))
                .map_err(draw_error)?;
            // A pale fill (a treemap's grey, a band) would not show on white without an edge.
            let light = colour.0.min(colour.1).min(colour.2) > 200;
            if !light {
                return Ok(());
            }
            root.draw(&Rectangle::new(corners, MUTED.stroke_width(1)))
        }
        LegendItem::Line(colour, _) => root.draw(&PathElement::new(
            vec![(x, y), (right, y)],
            colour.stroke_width(3),
        )),
        LegendItem::Whisker(_) => {
            let mid = x + LEGEND_MARK_PX / 2;
            let style = INK.stroke_width(2);
            root.draw(&PathElement::new(vec![(mid, y - 7), (mid, y + 7)], style))
                .and_then(|()| {
                    root.draw(&PathElement::new(
                        vec![(mid - 4, y - 7), (mid + 4, y - 7)],
                        style,
                    ))
                })
                .and_then(|()| {
                    root.draw(&PathElement::new(
                        vec![(mid - 4, y + 7), (mid + 4, y + 7)],
                        style,
                    ))
                })
        }
        LegendItem::Dot(_) => root.draw(&Circle::new((x + LEGEND_MARK_PX / 2, y), 3, dot_style())),
        LegendItem::Dashed(_) => return dashed_hline(root, x, right, y),
        LegendItem::VDashed(colour, _) => {
            return dashed_vline(root, x + LEGEND_MARK_PX / 2, y - 8, y + 8, *colour)
        }
    };
    result.map_err(draw_error)
}

fn dot_style() -> ShapeStyle {
    INK.mix(0.7).filled()
}

type Area<DB> = DrawingArea<DB, Cartesian2d<RangedCoordf64, Ticked>>;

/// A vertical min–max line with caps `cap_half` (in x units) either side.
pub fn whisker<DB: DrawingBackend>(
    area: &Area<DB>,
    x: f64,
    min: f64,
    max: f64,
    cap_half: f64,
) -> anyhow::Result<()> {
    let style = INK.stroke_width(2);
    let lines = [
        vec![(x, min), (x, max)],
        vec![(x - cap_half, min), (x + cap_half, min)],
        vec![(x - cap_half, max), (x + cap_half, max)],
    ];
    for line in lines {
        area.draw(&PathElement::new(line, style))
            .map_err(draw_error)?;
    }
    Ok(())
}

/// Every sample as a dot, spread evenly over `x ± spread` in run order so that repeated values
/// stay visible instead of piling onto one point.
pub fn dots<DB: DrawingBackend>(
    area: &Area<DB>,
    x: f64,
    spread: f64,
    samples: &[f64],
) -> anyhow::Result<()> {
    let n = samples.len();
    // Many runs would merge into a blob at full size and ink.
    let (radius_px, style) = if n > 10 {
        (2, INK.mix(0.45).filled())
    } else {
        (3, dot_style())
    };
    for (k, &value) in samples.iter().enumerate() {
        let offset = if n < 2 {
            0.0
        } else {
            -spread + 2.0 * spread * k as f64 / (n - 1) as f64
        };
        let dot = Circle::new((x + offset, value), radius_px, style);
        area.draw(&dot).map_err(draw_error)?;
    }
    Ok(())
}

/// A dashed horizontal line in pixels: dashes, because a target is a threshold, not data.
pub fn dashed_hline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    from_x: i32,
    to_x: i32,
    y: i32,
) -> anyhow::Result<()> {
    const DASH_PX: i32 = 9;
    const GAP_PX: i32 = 5;
    let style = INK.stroke_width(2);
    let mut x = from_x;
    while x < to_x {
        let end = (x + DASH_PX).min(to_x);
        root.draw(&PathElement::new(vec![(x, y), (end, y)], style))
            .map_err(draw_error)?;
        x = end + GAP_PX;
    }
    Ok(())
}

/// A dashed vertical line in pixels, from `from_y` down to `to_y`.
pub fn dashed_vline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: i32,
    from_y: i32,
    to_y: i32,
    colour: RGBColor,
) -> anyhow::Result<()> {
    const DASH_PX: i32 = 5;
    const GAP_PX: i32 = 4;
    let style = colour.stroke_width(2);
    let mut y = from_y;
    while y < to_y {
        let end = (y + DASH_PX).min(to_y);
        root.draw(&PathElement::new(vec![(x, y), (x, end)], style))
            .map_err(draw_error)?;
        y = end + GAP_PX;
    }
    Ok(())
}
