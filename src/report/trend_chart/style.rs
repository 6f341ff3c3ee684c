//! How the lines of a trend chart stay apart when they coincide: variants that measure the
//! same (four identical Dockerfiles, or a metric no variant changes) draw one line over another.
//! Each series gets its own colour, dash pattern and marker shape, and the earlier a series is
//! drawn the wider its line and the larger its (hollow) marker: where lines coincide, each shows
//! as a band of its colour around the next, and each marker as a ring around the next one.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::canvas::draw_error;
use crate::report::draw;

/// The shape drawn at each run of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
}

const MARKERS: [Marker; 5] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
    Marker::TriangleDown,
];

/// Dash patterns in pixels, on and off in turn; empty is a solid line.
const DASHES: [&[f64]; 5] = [
    &[],
    &[12.0, 6.0],
    &[3.0, 4.0],
    &[14.0, 4.0, 3.0, 4.0],
    &[7.0, 7.0],
];

/// A series is widened for at most this many series on top of it: more would make it a heavy
/// bar.
const NESTED: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesStyle {
    pub colour: RGBColor,
    pub dash: &'static [f64],
    pub marker: Marker,
    pub line_px: u32,
    /// The marker's half size.
    pub marker_px: i32,
}

/// The style of series `index` (series are drawn in index order) that has `covering` series
/// drawn after it on the same line, which it must show around.
pub fn style(index: usize, covering: usize) -> SeriesStyle {
    let outside = covering.min(NESTED) as u32;
    SeriesStyle {
        colour: draw::SERIES[index % draw::SERIES.len()],
        dash: DASHES[index % DASHES.len()],
        // Shifted every five so that (dash, marker) pairs do not repeat with the dashes.
        marker: MARKERS[(index + index / MARKERS.len()) % MARKERS.len()],
        line_px: 2 + 2 * outside,
        marker_px: 5 + 3 * outside as i32,
    }
}

/// The "on" pieces of a polyline under a dash pattern, the pattern running on across corners.
pub fn dash_pieces(points: &[(i32, i32)], pattern: &[f64]) -> Vec<Vec<(i32, i32)>> {
    if pattern.is_empty() || points.len() < 2 {
        return vec![points.to_vec()];
    }
    let mut pieces = Vec::new();
    let mut current: Vec<(i32, i32)> = Vec::new();
    let (mut k, mut left) = (0, pattern[0]);
    let px = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    for pair in points.windows(2) {
        let (a, b) = (
            (pair[0].0 as f64, pair[0].1 as f64),
            (pair[1].0 as f64, pair[1].1 as f64),
        );
        let length = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let at = |t: f64| {
            px(
                a.0 + (b.0 - a.0) * t / length,
                a.1 + (b.1 - a.1) * t / length,
            )
        };
        let mut t = 0.0;
        while t < length {
            let step = left.min(length - t);
            if k % 2 == 0 {
                if current.is_empty() {
                    current.push(at(t));
                }
                current.push(at(t + step));
            }
            t += step;
            left -= step;
            if left <= 1e-9 {
                if k % 2 == 0 && current.len() > 1 {
                    pieces.push(std::mem::take(&mut current));
                }
                current.clear();
                k = (k + 1) % pattern.len();
                left = pattern[k];
            }
        }
    }
    if current.len() > 1 {
        pieces.push(current);
    }
    pieces
}

/// A series' median line through `points` (pixels).
pub fn line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    points: &[(i32, i32)],
    style: &SeriesStyle,
    line_px: u32,
) -> anyhow::Result<()> {
    let stroke = style.colour.stroke_width(line_px);
    for piece in dash_pieces(points, style.dash) {
        root.draw(&PathElement::new(piece, stroke))
            .map_err(draw_error)?;
    }
    Ok(())
}

/// A hollow marker (white inside, so that a smaller one drawn later shows within it).
pub fn marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    shape: Marker,
    half_px: i32,
    colour: RGBColor,
) -> anyhow::Result<()> {
    let (x, y) = at;
    let r = half_px;
    let corners: Vec<(i32, i32)> = match shape {
        Marker::Circle => {
            root.draw(&Circle::new(at, r, WHITE.filled()))
                .map_err(draw_error)?;
            return root
                .draw(&Circle::new(at, r, colour.stroke_width(2)))
                .map_err(draw_error);
        }
        Marker::Square => vec![
            (x - r, y - r),
            (x + r, y - r),
            (x + r, y + r),
            (x - r, y + r),
        ],
        Marker::TriangleUp => vec![(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)],
        Marker::TriangleDown => vec![(x, y + r + 1), (x + r + 1, y - r), (x - r - 1, y - r)],
        Marker::Diamond => vec![
            (x, y - r - 1),
            (x + r + 1, y),
            (x, y + r + 1),
            (x - r - 1, y),
        ],
    };
    root.draw(&Polygon::new(corners.clone(), WHITE.filled()))
        .map_err(draw_error)?;
    let mut outline = corners.clone();
    outline.push(corners[0]);
    root.draw(&PathElement::new(outline, colour.stroke_width(2)))
        .map_err(draw_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_series_differ_in_colour_dash_and_marker() {
        // Four series on one line: each has the ones after it on top.
        let styles: Vec<SeriesStyle> = (0..4).map(|i| style(i, 3 - i)).collect();
        for (i, a) in styles.iter().enumerate() {
            for b in &styles[i + 1..] {
                assert_ne!(a.colour, b.colour);
                assert_ne!(a.dash, b.dash);
                assert_ne!(a.marker, b.marker);
                assert!(
                    a.line_px > b.line_px,
                    "earlier lines show around later ones"
                );
                assert!(a.marker_px > b.marker_px);
            }
        }
        assert_eq!(style(0, 0).line_px, 2, "a series on its own is not widened");
    }

    #[test]
    fn dash_and_marker_pairs_do_not_repeat_over_ten_series() {
        let pairs: Vec<(&[f64], Marker)> = (0..10)
            .map(|i| style(i, 0))
            .map(|s| (s.dash, s.marker))
            .collect();
        for (i, a) in pairs.iter().enumerate() {
            assert!(!pairs[i + 1..].contains(a), "series {i} repeats {a:?}");
        }
    }

    #[test]
    fn dashes_follow_the_pattern_across_corners() {
        let pieces = dash_pieces(&[(0, 0), (30, 0)], &[10.0, 5.0]);
        assert_eq!(pieces, [vec![(0, 0), (10, 0)], vec![(15, 0), (25, 0)]]);
        // A dash that turns a corner stays one piece.
        let pieces = dash_pieces(&[(0, 0), (6, 0), (6, 10)], &[10.0, 5.0]);
        assert_eq!(pieces[0], [(0, 0), (6, 0), (6, 4)]);
        assert_eq!(dash_pieces(&[(0, 0), (9, 9)], &[]), [vec![(0, 0), (9, 9)]]);
    }
}
