//! Charts drawn with `plotters` on any backend: the mails draw them on a bitmap (PNG), the
//! dashboards as SVG. They draw no text (no font library is needed): pages and mails write the
//! labels and values beside them, which also keeps them readable without the picture.

use plotters::coord::Shift;
use plotters::prelude::*;

/// The line's colour.
pub const LINE: RGBColor = RGBColor(0x1a, 0x73, 0xe8);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
/// The band under 60 (grade D).
pub const BAND: RGBColor = RGBColor(0xfd, 0xec, 0xea);
/// Bars of a bad share (late, overdue).
pub const BAD: RGBColor = RGBColor(0xd9, 0x30, 0x25);

/// Draws a line of values on 0 to `max` over `x` positions (any unit, e.g. days or months
/// since the first); with `band_below` the band under that value is shaded, and grid lines
/// mark `grid`. `None` when there is nothing to draw or the backend failed.
pub fn draw_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    points: &[(f64, f64)],
    max: f64,
    band_below: Option<f64>,
    grid: &[f64],
) -> Option<()> {
    let last = points.iter().map(|p| p.0).fold(f64::NAN, f64::max);
    if points.is_empty() || !last.is_finite() {
        return None;
    }
    let span = last.max(1.0);
    root.fill(&WHITE).ok()?;
    let area = root.margin(12, 12, 12, 12);
    let mut chart = ChartBuilder::on(&area)
        .build_cartesian_2d(0f64..span, 0f64..max)
        .ok()?;
    if let Some(b) = band_below {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, 0.0), (span, b)],
                BAND.filled(),
            )))
            .ok()?;
    }
    for y in grid {
        chart
            .draw_series(LineSeries::new([(0.0, *y), (span, *y)], &GRID))
            .ok()?;
    }
    let mut points: Vec<(f64, f64)> = points
        .iter()
        .map(|(x, y)| (*x, y.clamp(0.0, max)))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    chart
        .draw_series(LineSeries::new(
            points.iter().copied(),
            LINE.stroke_width(3),
        ))
        .ok()?;
    chart
        .draw_series(points.iter().map(|p| Circle::new(*p, 4, LINE.filled())))
        .ok()?;
    root.present().ok()?;
    Some(())
}

/// Draws bars of `values` (0 to `max`, one bar per value, left to right); a bar whose value is
/// under `bad_below` is drawn in [`BAD`]. `None` when there is nothing to draw.
pub fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    values: &[f64],
    max: f64,
    bad_below: Option<f64>,
    grid: &[f64],
) -> Option<()> {
    if values.is_empty() || max <= 0.0 {
        return None;
    }
    root.fill(&WHITE).ok()?;
    let area = root.margin(12, 12, 12, 12);
    let n = values.len() as f64;
    let mut chart = ChartBuilder::on(&area)
        .build_cartesian_2d(0f64..n, 0f64..max)
        .ok()?;
    for y in grid {
        chart
            .draw_series(LineSeries::new([(0.0, *y), (n, *y)], &GRID))
            .ok()?;
    }
    chart
        .draw_series(values.iter().enumerate().map(|(i, v)| {
            let colour = match bad_below {
                Some(b) if *v < b => BAD,
                _ => LINE,
            };
            let x = i as f64;
            Rectangle::new(
                [(x + 0.15, 0.0), (x + 0.85, v.clamp(0.0, max))],
                colour.filled(),
            )
        }))
        .ok()?;
    root.present().ok()?;
    Some(())
}
