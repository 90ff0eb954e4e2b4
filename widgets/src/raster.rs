//! PNG badges: the badge SVG rasterised by resvg with the bundled font subset.
//!
//! Only the fonts embedded in this crate are known to the renderer (no system fonts), so a PNG
//! looks the same on every machine. Characters outside the subset render as the font's
//! `.notdef` box.

use std::sync::{Arc, LazyLock};

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};

use crate::badge::{Badge, render_svg_placed};
use crate::error::WidgetError;

/// Noto Sans CJK SC Regular, subset to ASCII, Latin-1, punctuation and the 6 763 GB2312 hanzi
/// (SIL Open Font License 1.1, see `assets/fonts/OFL.txt`; rebuilt by `assets/fonts/subset.py`).
pub(crate) static FONT_REGULAR: &[u8] =
    include_bytes!("../assets/fonts/NotoSansCJKsc-Regular-subset.otf");

/// Noto Sans CJK SC Bold, subset to ASCII and the status words (SIL Open Font License 1.1).
pub(crate) static FONT_BOLD: &[u8] =
    include_bytes!("../assets/fonts/NotoSansCJKsc-Bold-subset.otf");

/// Family name of the bundled fonts.
pub const FONT_FAMILY: &str = "Noto Sans CJK SC";

/// Largest accepted scale factor of [`render_png_scaled`].
pub const MAX_PNG_SCALE: u32 = 4;

static FONT_DB: LazyLock<Arc<fontdb::Database>> = LazyLock::new(|| {
    let mut db = fontdb::Database::new();
    db.load_font_source(fontdb::Source::Binary(Arc::new(FONT_REGULAR)));
    db.load_font_source(fontdb::Source::Binary(Arc::new(FONT_BOLD)));
    db.set_sans_serif_family(FONT_FAMILY);
    Arc::new(db)
});

fn options() -> usvg::Options<'static> {
    let mut opt = usvg::Options {
        font_family: FONT_FAMILY.to_owned(),
        fontdb: Arc::clone(&FONT_DB),
        ..usvg::Options::default()
    };
    // The badge has no images; refuse to load any, from data URLs or from disk.
    opt.image_href_resolver = usvg::ImageHrefResolver {
        resolve_data: Box::new(|_, _, _| None),
        resolve_string: Box::new(|_, _| None),
    };
    opt
}

/// Renders the badge as a PNG at its nominal pixel size (see [`crate::BadgeSize`]).
///
/// The QR code keeps whole pixels per module (3 on small, 4 on medium, 6 on large, for a typical
/// resolver URL) with anti-aliasing off, so it scans.
///
/// # Errors
/// As [`crate::render_svg`], plus [`WidgetError::Rasterise`] / [`WidgetError::PngEncode`] if
/// rendering or encoding fails.
pub fn render_png(badge: &Badge) -> Result<Vec<u8>, WidgetError> {
    render_png_scaled(badge, 1)
}

/// Renders the badge as a PNG at `scale` times its nominal size (2 for high-density screens).
///
/// # Errors
/// As [`render_png`]; [`WidgetError::Rasterise`] when `scale` is 0 or above [`MAX_PNG_SCALE`].
pub fn render_png_scaled(badge: &Badge, scale: u32) -> Result<Vec<u8>, WidgetError> {
    if scale == 0 || scale > MAX_PNG_SCALE {
        return Err(WidgetError::Rasterise {
            reason: format!("scale must be 1 to {MAX_PNG_SCALE}, got {scale}"),
        });
    }
    let (svg, _) = render_svg_placed(badge)?;
    encode_rgba(rasterise(&svg, scale)?)
}

/// Rasterises an SVG made by this crate at `scale`.
fn rasterise(svg: &str, scale: u32) -> Result<Pixmap, WidgetError> {
    let tree = usvg::Tree::from_str(svg, &options()).map_err(|e| WidgetError::Rasterise {
        reason: e.to_string(),
    })?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale as f32)
        .ok_or_else(|| WidgetError::Rasterise {
            reason: "empty badge".to_owned(),
        })?;
    let mut pixmap =
        Pixmap::new(size.width(), size.height()).ok_or_else(|| WidgetError::Rasterise {
            reason: format!("cannot allocate {}x{} pixels", size.width(), size.height()),
        })?;
    let s = scale as f32;
    resvg::render(&tree, Transform::from_scale(s, s), &mut pixmap.as_mut());
    Ok(pixmap)
}

/// Encodes a pixmap as an 8-bit RGBA PNG with fast compression.
fn encode_rgba(pixmap: Pixmap) -> Result<Vec<u8>, WidgetError> {
    let (w, h) = (pixmap.width(), pixmap.height());
    let rgba = pixmap.take_demultiplied();
    let mut buf = Vec::with_capacity(rgba.len() / 8);
    {
        let mut encoder = png::Encoder::new(&mut buf, w, h);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().map_err(WidgetError::from_png)?;
        writer
            .write_image_data(&rgba)
            .map_err(WidgetError::from_png)?;
        writer.finish().map_err(WidgetError::from_png)?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::badge::{BadgeSize, TraceStatus};
    use crate::qr::QrMatrix;

    #[test]
    fn qr_modules_are_whole_uniform_pixels_without_anti_aliasing() {
        let url = "https://trace.example.cn/01/09520001000010/21/YD2025000001";
        let matrix = QrMatrix::encode(url).unwrap();
        for size in BadgeSize::ALL {
            let badge =
                Badge::new(url, TraceStatus::Traced, "店", NaiveDate::default()).with_size(size);
            let (svg, qr) = render_svg_placed(&badge).unwrap();
            let pixmap = rasterise(&svg, 1).unwrap();
            let m = qr.module_px as usize;
            assert!(m >= 3);
            let o = qr.origin as usize;
            let w = pixmap.width() as usize;
            let data = pixmap.data();
            // The modules, and one module of quiet zone around them.
            for py in o - m..o + (matrix.width() + 1) * m {
                for px in o - m..o + (matrix.width() + 1) * m {
                    let i = (py * w + px) * 4;
                    let rgb = &data[i..i + 3];
                    let dark = px >= o && py >= o && matrix.is_dark((px - o) / m, (py - o) / m);
                    let want = if dark { [0, 0, 0] } else { [255, 255, 255] };
                    assert_eq!(rgb, want, "{size} pixel ({px},{py})");
                }
            }
        }
    }

    #[test]
    fn both_bundled_faces_load_under_one_family() {
        let faces: Vec<_> = FONT_DB.faces().collect();
        assert_eq!(faces.len(), 2);
        assert!(
            faces
                .iter()
                .all(|f| f.families.iter().any(|(name, _)| name == FONT_FAMILY))
        );
    }
}
