//! Bitmap text that reads well. Plotters' ab_glyph text drops each glyph's left side bearing, so
//! letters collide (`cl` reads as `d`). [`TextBitmap`] wraps the bitmap backend and places every
//! glyph where the font says, at the size and baseline the SVG backend writes, so the PNG and
//! the SVG of a chart match. Everything but text is passed through.

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, Glyph, PxScale, ScaleFont};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use super::fonts;

/// Plotters' SVG backend writes `font-size = size / 1.24`; text here uses the same em.
const EM_PER_SIZE: f64 = 1.0 / 1.24;

fn face() -> Option<&'static FontRef<'static>> {
    static FACE: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FACE.get_or_init(|| FontRef::try_from_slice(fonts::DEJAVU_SANS).ok())
        .as_ref()
}

/// Glyphs of `text` laid out on a baseline at y = 0, starting at x = 0, and the advance width.
fn layout(font: &FontRef<'static>, size: f64, text: &str) -> (Vec<Glyph>, f32) {
    let em_px = (size * EM_PER_SIZE) as f32;
    // ab_glyph scales by the font's height (ascent - descent), not by the em.
    let units_per_em = font.units_per_em().unwrap_or(2048.0);
    let scale = PxScale::from(em_px * font.height_unscaled() / units_per_em);
    let scaled = font.as_scaled(scale);
    let mut caret = 0.0f32;
    let mut previous = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            caret += scaled.kern(previous, id);
        }
        glyphs.push(id.with_scale_and_position(scale, point(caret, 0.0)));
        caret += scaled.h_advance(id);
        previous = Some(id);
    }
    (glyphs, caret)
}

/// Width and height in pixels of `text` at plotters font size `size`.
pub fn text_size_px(text: &str, size: f64) -> (u32, u32) {
    let height = (size * EM_PER_SIZE).ceil() as u32;
    match face() {
        Some(font) => (layout(font, size, text).1.ceil() as u32, height),
        None => ((text.chars().count() as f64 * size * 0.5) as u32, height),
    }
}

/// A bitmap backend whose text is drawn by [`draw_text`](DrawingBackend::draw_text) below.
pub struct TextBitmap<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> TextBitmap<'a> {
    pub fn with_buffer(rgb: &'a mut [u8], size_px: (u32, u32)) -> TextBitmap<'a> {
        TextBitmap {
            inner: BitMapBackend::with_buffer(rgb, size_px),
        }
    }
}

type DrawResult<E> = Result<(), DrawingErrorKind<E>>;

impl<'a> DrawingBackend for TextBitmap<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> DrawResult<Self::ErrorType> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> DrawResult<Self::ErrorType> {
        self.inner.present()
    }
    fn draw_pixel(&mut self, at: BackendCoord, color: BackendColor) -> DrawResult<Self::ErrorType> {
        self.inner.draw_pixel(at, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> DrawResult<Self::ErrorType> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> DrawResult<Self::ErrorType> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> DrawResult<Self::ErrorType> {
        self.inner.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> DrawResult<Self::ErrorType> {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> DrawResult<Self::ErrorType> {
        self.inner.fill_polygon(vertices, style)
    }
    fn blit_bitmap(
        &mut self,
        at: BackendCoord,
        size: (u32, u32),
        rgb: &[u8],
    ) -> DrawResult<Self::ErrorType> {
        self.inner.blit_bitmap(at, size, rgb)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        Ok(text_size_px(text, style.size()))
    }

    /// Anchors like the SVG backend: `Top` puts the baseline 0.76 em below the point,
    /// `Center` 0.5 ex below, `Bottom` 0.5 ex above.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        at: BackendCoord,
    ) -> DrawResult<Self::ErrorType> {
        let color = style.color();
        let Some(font) = face() else {
            return Err(DrawingErrorKind::FontError(
                "the bundled font is unreadable".into(),
            ));
        };
        if color.alpha == 0.0 {
            return Ok(());
        }
        let (glyphs, width) = layout(font, style.size(), text);
        let em = (style.size() * EM_PER_SIZE) as f32;
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let half_ex = 0.27 * em;
        let baseline = match style.anchor().v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => half_ex,
            VPos::Bottom => -half_ex,
        };
        let transform = style.transform();
        for glyph in glyphs {
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let mut result = Ok(());
            outline.draw(|x, y, coverage| {
                let px = (bounds.min.x + x as f32 + dx).round() as i32;
                let py = (bounds.min.y + y as f32 + baseline).round() as i32;
                let (tx, ty) = transform.transform(px, py);
                let ink = BackendColor {
                    alpha: color.alpha * f64::from(coverage.min(1.0)),
                    rgb: color.rgb,
                };
                if result.is_ok() {
                    result = self.inner.draw_pixel((at.0 + tx, at.1 + ty), ink);
                }
            });
            result?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_with_the_bundled_font() {
        let (narrow, height) = text_size_px("il", 20.0);
        let (wide, _) = text_size_px("WM", 20.0);
        assert!(narrow < wide, "{narrow} < {wide}");
        assert_eq!(height, 17);
        assert_eq!(text_size_px("", 20.0).0, 0);
    }
}
