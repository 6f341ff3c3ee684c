//! Size by path (`charts/paths-<variant>.svg` and `.png`): a treemap of the final image's
//! directories. Each top-level directory gets a share of the width as large as its share of
//! the bytes, its subdirectories a share of its height, theirs of the width again, and so on
//! (slice and dice, which keeps the order readable: largest first). The grey part of a box is
//! what lies directly in that directory, or in subdirectories too small or too deep to draw.
//! Each top-level directory has its own colour, named in the legend below the map, so that a
//! box too narrow to be labelled is still told apart.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{draw_error, Chart};
use super::draw::{self, Header, LegendItem};
use crate::anatomy::Anatomy;
use crate::format::format_bytes;

const WIDTH_PX: u32 = 960;
const MAP_HEIGHT_PX: u32 = 520;
/// Levels below `/` that are drawn.
const MAX_DEPTH: usize = 4;
/// The part of a box that is no subdirectory drawn.
const OWN: RGBColor = RGBColor(236, 236, 236);
/// Boxes smaller than this are not labelled.
const LABEL_MIN_W: i32 = 70;
const LABEL_MIN_H: i32 = 30;

/// One drawn box.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub dir: String,
    pub bytes: u64,
    /// Left, top, right, bottom, in pixels of the map area.
    pub rect: (i32, i32, i32, i32),
    pub depth: usize,
    /// Which top-level directory it lies in (its colour).
    pub top: usize,
    /// The bytes directly in `dir`, or in subdirectories too small to draw (grey).
    pub own: bool,
    /// The name written on it: the path below the parent box, several levels when they hold
    /// (almost) the same bytes (`local/lib/python3.11/site-packages`).
    pub label: String,
}

/// A directory holding at least this share of its parent's bytes, as its parent's only large
/// subdirectory, is drawn in its parent's place.
const PASS_THROUGH: f64 = 0.98;

/// The children of `dir` in `dirs`, largest first.
fn children_of<'a>(dirs: &'a BTreeMap<String, u64>, dir: &str) -> Vec<(&'a String, u64)> {
    let prefix = if dir == "/" {
        "/".to_string()
    } else {
        format!("{dir}/")
    };
    let mut children: Vec<(&String, u64)> = dirs
        .range(prefix.clone()..)
        .take_while(|(d, _)| d.starts_with(&prefix))
        .filter(|(d, _)| d.len() > prefix.len() && !d[prefix.len()..].contains('/'))
        .map(|(d, b)| (d, *b))
        .collect();
    children.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    children
}

pub struct Treemap {
    tiles: Vec<Tile>,
    header: Header,
    /// Below the map: what each colour is.
    legend: Vec<LegendItem>,
}

impl Treemap {
    pub fn new(variant: &str, anatomy: &Anatomy) -> Treemap {
        let total = anatomy.dirs.get("/").copied().unwrap_or(0);
        let tiles = layout(&anatomy.dirs, (0, 0, WIDTH_PX as i32, MAP_HEIGHT_PX as i32));
        Treemap {
            legend: legend(&tiles),
            tiles,
            header: Header {
                title: format!("Size by path · {variant}"),
                subtitle: format!(
                    "{} shipped in the image's layers, by directory (directories of at least \
                     100 kB)",
                    format_bytes(total as f64)
                ),
                legend: Vec::new(),
            },
        }
    }
}

/// A box per top-level directory's colour, named with its path and size, then the grey.
fn legend(tiles: &[Tile]) -> Vec<LegendItem> {
    let mut items: Vec<LegendItem> = tiles
        .iter()
        .filter(|t| t.depth == 1 && !t.own)
        .map(|t| {
            let text = format!("{} {}", t.dir, format_bytes(t.bytes as f64));
            LegendItem::NamedBox(colour_of(t), text)
        })
        .collect();
    if tiles.iter().any(|t| t.own) {
        items.push(LegendItem::NamedBox(
            OWN,
            "files directly in a directory, and its smaller subdirectories".to_string(),
        ));
    }
    items
}

/// A tile's fill: its top-level directory's colour, lighter at each level down; grey for the
/// part of a directory that is no subdirectory drawn.
fn colour_of(tile: &Tile) -> RGBColor {
    if tile.own {
        return OWN;
    }
    let base = draw::SERIES[tile.top % draw::SERIES.len()];
    let mix = |c: u8| {
        let t = (0.22 * (tile.depth - 1) as f64).min(0.8);
        (c as f64 + (255.0 - c as f64) * t).round() as u8
    };
    RGBColor(mix(base.0), mix(base.1), mix(base.2))
}

/// White on dark fills, ink on light ones (the palette's yellow and orange need ink).
fn text_colour(fill: RGBColor) -> RGBColor {
    let luminance = 0.299 * fill.0 as f64 + 0.587 * fill.1 as f64 + 0.114 * fill.2 as f64;
    if luminance < 150.0 {
        WHITE
    } else {
        draw::INK
    }
}

/// The tiles of `dirs` (bytes below each directory) in `area`.
pub fn layout(dirs: &BTreeMap<String, u64>, area: (i32, i32, i32, i32)) -> Vec<Tile> {
    let mut tiles = Vec::new();
    let total = dirs.get("/").copied().unwrap_or(0);
    if total == 0 {
        return tiles;
    }
    split(dirs, "/", total, area, 1, true, None, &mut tiles);
    tiles
}

#[allow(clippy::too_many_arguments)]
fn split(
    dirs: &BTreeMap<String, u64>,
    parent: &str,
    parent_bytes: u64,
    area: (i32, i32, i32, i32),
    depth: usize,
    across: bool,
    top: Option<usize>,
    tiles: &mut Vec<Tile>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let children = children_of(dirs, parent);
    let (left, upper, right, lower) = area;
    let span = if across { right - left } else { lower - upper };
    let mut at: f64 = 0.0;
    for (i, (dir, bytes)) in children.into_iter().enumerate() {
        let share = bytes as f64 / parent_bytes as f64 * span as f64;
        let (from, to) = (at.round() as i32, (at + share).round() as i32);
        at += share;
        if to - from < 2 {
            continue;
        }
        let rect = if across {
            (left + from, upper, left + to, lower)
        } else {
            (left, upper + from, right, upper + to)
        };
        let top = top.unwrap_or(i);
        // Down through directories that only pass their bytes on.
        let mut shown = (dir.clone(), bytes);
        while let Some((child, child_bytes)) = children_of(dirs, &shown.0).first().copied() {
            if (child_bytes as f64) < PASS_THROUGH * shown.1 as f64 {
                break;
            }
            shown = (child.clone(), child_bytes);
        }
        let label = match parent {
            "/" => shown.0.trim_start_matches('/').to_string(),
            _ => shown.0[parent.len() + 1..].to_string(),
        };
        tiles.push(Tile {
            dir: shown.0.clone(),
            bytes: shown.1,
            rect,
            depth,
            top,
            own: false,
            label,
        });
        // Inside, below a label line.
        let inner = (rect.0 + 3, rect.1 + 18, rect.2 - 3, rect.3 - 3);
        if inner.2 > inner.0 + 4 && inner.3 > inner.1 + 4 {
            split(
                dirs,
                &shown.0,
                shown.1,
                inner,
                depth + 1,
                !across,
                Some(top),
                tiles,
            );
        }
    }
    // What the drawn subdirectories leave: files directly here, and small subdirectories.
    let from = at.round() as i32;
    let drawn: u64 = (at / span as f64 * parent_bytes as f64).round() as u64;
    if span - from >= 2 && parent_bytes > drawn {
        let rect = if across {
            (left + from, upper, right, lower)
        } else {
            (left, upper + from, right, lower)
        };
        tiles.push(Tile {
            dir: parent.to_string(),
            bytes: parent_bytes - drawn,
            rect,
            depth,
            top: top.unwrap_or(0),
            own: true,
            label: format!(
                "rest of {}",
                parent
                    .rsplit('/')
                    .next()
                    .filter(|n| !n.is_empty())
                    .unwrap_or("/")
            ),
        });
    }
}

impl Chart for Treemap {
    fn size_px(&self) -> (u32, u32) {
        let width = WIDTH_PX + 32;
        let legend = draw::legend_line_count(&self.legend, width) * draw::LEGEND_LINE_PX;
        (width, draw::HEADER_PX + MAP_HEIGHT_PX + 24 + legend)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        root.fill(&WHITE).map_err(draw_error)?;
        draw::header(root, &self.header)?;
        let (x0, y0) = (16, draw::HEADER_PX as i32);
        let outline = RGBColor(255, 255, 255);
        for tile in &self.tiles {
            let fill = colour_of(tile);
            let (l, t, r, b) = tile.rect;
            let rect = [(x0 + l, y0 + t), (x0 + r, y0 + b)];
            root.draw(&Rectangle::new(rect, fill.filled()))
                .map_err(draw_error)?;
            root.draw(&Rectangle::new(rect, outline.stroke_width(1)))
                .map_err(draw_error)?;
            if r - l >= LABEL_MIN_W && b - t >= LABEL_MIN_H {
                let text = format!("{} {}", tile.label, format_bytes(tile.bytes as f64));
                let text = draw::fit_width(&text, (r - l - 6) as u32, draw::TEXT_MIN_PX);
                let ink = text_colour(fill);
                let style = draw::font(draw::TEXT_MIN_PX)
                    .color(&ink)
                    .pos(Pos::new(HPos::Left, VPos::Top));
                draw::text_at(root, &text, (x0 + l + 4, y0 + t + 3), &style)?;
            }
        }
        let legend_y = y0 + MAP_HEIGHT_PX as i32 + 12 + draw::LEGEND_LINE_PX as i32 / 2;
        draw::legend(root, &self.legend, legend_y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::canvas::{render_svg, smallest_rendered_text_px};

    fn slim_treemap() -> Treemap {
        let run = crate::report::testdata::anatomy_run();
        let slim = run.variants.iter().find(|v| v.name == "slim").unwrap();
        Treemap::new("slim", slim.anatomy.as_ref().unwrap())
    }

    /// Issue 27: labels were 7 px, and a colour was explained nowhere.
    #[test]
    fn every_colour_is_named_and_text_is_readable() {
        let map = slim_treemap();
        let named: Vec<(RGBColor, &str)> = map
            .legend
            .iter()
            .filter_map(|item| match item {
                LegendItem::NamedBox(c, text) => Some((*c, text.as_str())),
                _ => None,
            })
            .collect();
        for tile in &map.tiles {
            // Deeper boxes are lighter shades of their top-level directory's colour.
            let top_colour = if tile.own {
                OWN
            } else {
                let top = map.tiles.iter().find(|t| t.depth == 1 && t.top == tile.top);
                colour_of(top.unwrap())
            };
            assert!(
                named.iter().any(|(c, _)| *c == top_colour),
                "{} has no legend entry",
                tile.dir
            );
        }
        assert!(named.iter().any(|(_, t)| t.starts_with("/usr ")));
        let svg = render_svg(&map).unwrap();
        assert!(smallest_rendered_text_px(&svg) >= 11.0);
        assert!(svg.contains("files directly in a directory"));
    }

    #[test]
    fn directories_that_only_pass_their_bytes_on_are_drawn_as_one_box() {
        let dirs: BTreeMap<String, u64> = [
            ("/", 1000),
            ("/usr", 1000),
            ("/usr/local", 995),
            ("/usr/local/lib", 990),
            ("/usr/local/lib/a", 600),
        ]
        .into_iter()
        .map(|(d, b)| (d.to_string(), b))
        .collect();
        let tiles = layout(&dirs, (0, 0, 400, 200));
        let boxes: Vec<(&str, &str)> = tiles
            .iter()
            .filter(|t| !t.own)
            .map(|t| (t.dir.as_str(), t.label.as_str()))
            .collect();
        assert_eq!(
            boxes,
            [
                ("/usr/local/lib", "usr/local/lib"),
                ("/usr/local/lib/a", "a")
            ]
        );
    }

    #[test]
    fn boxes_are_as_large_as_their_share_and_nest() {
        let dirs: BTreeMap<String, u64> =
            [("/", 1000), ("/usr", 750), ("/usr/lib", 500), ("/var", 250)]
                .into_iter()
                .map(|(d, b)| (d.to_string(), b))
                .collect();
        let tiles = layout(&dirs, (0, 0, 400, 200));
        let get = |d: &str| tiles.iter().find(|t| t.dir == d && !t.own).unwrap();
        assert_eq!(get("/usr").rect, (0, 0, 300, 200));
        assert_eq!(get("/var").rect, (300, 0, 400, 200));
        // /usr/lib: 2/3 of /usr's inner height (200 - 18 - 3 = 179).
        let lib = get("/usr/lib");
        assert_eq!((lib.rect.0, lib.rect.2), (3, 297));
        assert_eq!(lib.rect.3 - lib.rect.1, 119);
        assert_eq!((lib.depth, lib.top), (2, 0));
        assert_eq!(get("/var").top, 1);
        assert_eq!(get("/usr/lib").label, "lib");
        // /usr's other 250 bytes: the rest of its height, grey.
        let rest = tiles.iter().find(|t| t.dir == "/usr" && t.own).unwrap();
        assert_eq!((rest.bytes, rest.rect.1, rest.rect.3), (250, 18 + 119, 197));
    }
}
