//! One drawing, two files: every chart is drawn once into an SVG (crisp, inlined in
//! `report.html`) and once into a PNG (what markdown viewers show), from the same code.

use std::collections::HashSet;
use std::fmt::Display;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::fonts;
use super::glyphs::TextBitmap;

/// A chart that can draw itself on any plotters backend.
pub trait Chart {
    fn size_px(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()>;
}

/// The files written for one chart, and the SVG text so that HTML can inline it without
/// reading the file back.
#[derive(Debug, Clone)]
pub struct WrittenChart {
    pub svg_path: PathBuf,
    pub png_path: PathBuf,
    pub svg: String,
}

/// Plotters' errors are generic over the backend and not always `'static`, so they are
/// flattened to text.
pub fn draw_error(error: impl Display) -> anyhow::Error {
    anyhow!("drawing a chart: {error}")
}

/// Writes `dir/<stem>.svg` and `dir/<stem>.png`. The stem is a name, not a path, because metric
/// stems contain dots (`rebuild_s.c`) that `Path::with_extension` would take for an extension.
pub fn write_svg_and_png(
    chart: &impl Chart,
    dir: &Path,
    stem: &str,
) -> anyhow::Result<WrittenChart> {
    let svg = render_svg(chart)?;
    let svg_path = dir.join(format!("{stem}.svg"));
    fs::write(&svg_path, &svg).with_context(|| format!("writing {}", svg_path.display()))?;
    let png_path = dir.join(format!("{stem}.png"));
    let (width, height) = chart.size_px();
    let rgb = render_rgb(chart)?;
    write_png(&png_path, width, height, &rgb)?;
    Ok(WrittenChart {
        svg_path,
        png_path,
        svg,
    })
}

pub fn render_svg(chart: &impl Chart) -> anyhow::Result<String> {
    fonts::ensure_registered()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, chart.size_px()).into_drawing_area();
        chart.draw(&root)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// The chart as 8-bit RGB pixels, row by row.
pub fn render_rgb(chart: &impl Chart) -> anyhow::Result<Vec<u8>> {
    fonts::ensure_registered()?;
    let (width, height) = chart.size_px();
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = TextBitmap::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        chart.draw(&root)?;
        root.present().map_err(draw_error)?;
    }
    Ok(rgb)
}

/// Encodes with the png crate directly rather than plotters' `image` encoder: `Fast` compresses
/// flat chart colours well at a fraction of the time, which matters for reports of many
/// variants.
fn write_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> anyhow::Result<()> {
    let file = fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder
        .write_header()
        .with_context(|| format!("writing {}", path.display()))?;
    writer
        .write_image_data(rgb)
        .and_then(|()| writer.finish())
        .with_context(|| format!("writing {}", path.display()))
}

/// A file name made from a variant or metric name: letters, digits, `.`, `_` and `-` are kept,
/// anything else (spaces, slashes) becomes `-`, so a name can never leave the charts folder.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    // `..` or a leading dot would make a hidden or parent-looking name.
    let stem = stem.trim_start_matches('.');
    if stem.is_empty() {
        "unnamed".to_string()
    } else {
        stem.to_string()
    }
}

/// Two names can make one file name (`a b` and `a/b` are both `a-b`): later ones get `-2`, `-3`.
pub fn unique_stem(used: &mut HashSet<String>, stem: String) -> String {
    let mut candidate = stem.clone();
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{stem}-{n}");
        n += 1;
    }
    candidate
}

/// The smallest text an SVG draws, at the size report.html shows it: SVGs wider than the page's
/// content are shrunk to fit, and their text with them.
#[cfg(test)]
pub(crate) fn smallest_rendered_text_px(svg: &str) -> f64 {
    let width: f64 = svg
        .split("width=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|w| w.parse().ok())
        .expect("an SVG width");
    let shrink = (super::draw::MAX_RENDERED_WIDTH_PX as f64 / width).min(1.0);
    let smallest = svg
        .split("font-size=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().parse::<f64>().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert!(smallest.is_finite(), "an SVG with text");
    smallest * shrink
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_stay_in_the_folder() {
        assert_eq!(file_stem("rebuild_s.deps"), "rebuild_s.deps");
        assert_eq!(file_stem("node 20/alpine"), "node-20-alpine");
        assert_eq!(file_stem("../x"), "-x");
        assert_eq!(file_stem(".."), "unnamed");
        assert_eq!(file_stem("é"), "-");
    }

    #[test]
    fn colliding_stems_are_numbered() {
        let mut used = HashSet::new();
        assert_eq!(unique_stem(&mut used, "steps-a-b".into()), "steps-a-b");
        assert_eq!(unique_stem(&mut used, "steps-a-b".into()), "steps-a-b-2");
        assert_eq!(unique_stem(&mut used, "steps-a-b".into()), "steps-a-b-3");
    }
}
