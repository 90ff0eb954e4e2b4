//! QR codes: the module matrix (error correction level M), one compact SVG path for it, and the
//! plain `qr_svg` / `qr_png` helpers used for claim links and bare codes.

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

use crate::error::WidgetError;
use crate::text::push_escaped;

/// Width of the quiet zone around a QR code, in modules (the QR specification asks for 4).
pub const QUIET_ZONE: usize = 4;

/// Largest pixel size of one module that [`qr_png`] accepts.
pub const MAX_MODULE_PX: u32 = 32;

/// The dark/light modules of one QR code, without its quiet zone.
#[derive(Debug, Clone)]
pub(crate) struct QrMatrix {
    /// Modules per side.
    width: usize,
    /// Row-major, `true` for a dark module.
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `data` (any URL or text) at error correction level M.
    pub(crate) fn encode(data: &str) -> Result<Self, WidgetError> {
        let code =
            QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(|source| {
                WidgetError::QrEncode {
                    len: data.len(),
                    reason: source.to_string(),
                }
            })?;
        Ok(Self {
            width: code.width(),
            dark: code
                .into_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// Modules per side, without the quiet zone.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// Modules per side including the quiet zone on both sides.
    pub(crate) fn width_with_quiet_zone(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// Whether the module at column `x`, row `y` is dark (`false` outside the code).
    pub(crate) fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width
            && y < self.width
            && self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// Appends SVG path data drawing every dark module as part of a horizontal run, one unit per
    /// module, origin at the top-left module (no quiet zone).
    pub(crate) fn push_path_data(&self, out: &mut String) {
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.width && self.is_dark(x, y) {
                    x += 1;
                }
                let run = x - start;
                let _ = write!(out, "M{start} {y}h{run}v1h-{run}z");
            }
        }
    }
}

/// Renders `data` (usually a URL) as a standalone SVG QR code with a white quiet zone.
///
/// The SVG scales freely (it has a `viewBox` in module units) and defaults to 4 px per module.
/// Its accessible name is the encoded text.
///
/// # Errors
/// [`WidgetError::QrEncode`] when the data does not fit a QR code (over about 2 300 bytes).
pub fn qr_svg(data: &str) -> Result<String, WidgetError> {
    let matrix = QrMatrix::encode(data)?;
    let side = matrix.width_with_quiet_zone();
    let mut out = String::with_capacity(512 + matrix.width() * matrix.width() / 2);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="{px}" height="{px}" role="img" aria-label=""#,
        px = side * 4
    );
    out.push_str("QR: ");
    push_escaped(&mut out, data);
    out.push_str(r#""><title>"#);
    push_escaped(&mut out, data);
    let _ = write!(
        out,
        r##"</title><rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" shape-rendering="crispEdges" transform="translate({QUIET_ZONE} {QUIET_ZONE})" d=""##
    );
    matrix.push_path_data(&mut out);
    out.push_str(r#""/></svg>"#);
    Ok(out)
}

/// Renders `data` (usually a URL) as a black-on-white 1-bit PNG QR code with `module_px` pixels
/// per module and a 4-module quiet zone, so that every module is a whole number of pixels.
///
/// # Errors
/// [`WidgetError::QrEncode`] when the data does not fit a QR code;
/// [`WidgetError::ModuleSize`] when `module_px` is 0 or above [`MAX_MODULE_PX`];
/// [`WidgetError::PngEncode`] if the encoder fails.
pub fn qr_png(data: &str, module_px: u32) -> Result<Vec<u8>, WidgetError> {
    if module_px == 0 || module_px > MAX_MODULE_PX {
        return Err(WidgetError::ModuleSize {
            got: module_px,
            max: MAX_MODULE_PX,
        });
    }
    let matrix = QrMatrix::encode(data)?;
    let m = module_px as usize;
    let side_px = matrix.width_with_quiet_zone() * m;
    let row_bytes = side_px.div_ceil(8);
    // 1 = white, 0 = black; start all white and clear the bits of dark modules.
    let mut pixels = vec![0xFF_u8; row_bytes * side_px];
    for (py, row) in pixels.chunks_exact_mut(row_bytes).enumerate() {
        let my = py / m;
        if my < QUIET_ZONE || my >= QUIET_ZONE + matrix.width() {
            continue;
        }
        for px in QUIET_ZONE * m..(QUIET_ZONE + matrix.width()) * m {
            if matrix.is_dark(px / m - QUIET_ZONE, my - QUIET_ZONE)
                && let Some(byte) = row.get_mut(px / 8)
            {
                *byte &= !(0x80 >> (px % 8));
            }
        }
    }
    let side = u32::try_from(side_px).map_err(|_| WidgetError::PngEncode {
        reason: "image too large".to_owned(),
    })?;
    let mut buf = Vec::with_capacity(pixels.len() / 4 + 128);
    {
        let mut encoder = png::Encoder::new(&mut buf, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().map_err(WidgetError::from_png)?;
        writer
            .write_image_data(&pixels)
            .map_err(WidgetError::from_png)?;
        writer.finish().map_err(WidgetError::from_png)?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typical_resolver_url_fits_version_4_or_5() {
        let m =
            QrMatrix::encode("https://trace.example.cn/01/09520001000010/21/YD2025000001").unwrap();
        assert!(matches!(m.width(), 33 | 37), "width {}", m.width());
    }

    #[test]
    fn path_data_covers_every_dark_module_once() {
        let m = QrMatrix::encode("https://example.cn/t/1").unwrap();
        let mut d = String::new();
        m.push_path_data(&mut d);
        let dark = (0..m.width())
            .flat_map(|y| (0..m.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| m.is_dark(x, y))
            .count();
        let covered: usize = d
            .split('h')
            .skip(1)
            .step_by(2)
            .map(|run| run.split('v').next().unwrap().parse::<usize>().unwrap())
            .sum();
        assert_eq!(dark, covered);
    }

    #[test]
    fn oversized_data_is_an_error_not_a_panic() {
        let err = qr_svg(&"x".repeat(5000)).unwrap_err();
        assert!(matches!(err, WidgetError::QrEncode { len: 5000, .. }));
    }

    #[test]
    fn module_size_zero_is_rejected() {
        assert!(matches!(
            qr_png("https://example.cn", 0),
            Err(WidgetError::ModuleSize { got: 0, .. })
        ));
    }
}
