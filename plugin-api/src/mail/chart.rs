//! The score-trend chart of alert and digest mails: a line of compliance scores (0 to 100) over
//! days, drawn with `plotters` on a bitmap and encoded as PNG by the `image` crate. It draws no
//! text (so no font library is needed): the dates and scores are written in the mail beside it.

use chrono::NaiveDate;
use image::ImageEncoder as _;
use plotters::prelude::*;

/// Width and height of the chart, in pixels.
pub const SIZE: (u32, u32) = (560, 200);

const LINE: RGBColor = RGBColor(0x1a, 0x73, 0xe8);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const BAND: RGBColor = RGBColor(0xfd, 0xec, 0xea);

/// The chart of `scores` (date, score 0 to 100) as PNG bytes; `None` without at least one score.
/// The band under 60 (grade D) is shaded, and grid lines mark 60, 70, 80 and 90.
pub fn score_trend_png(scores: &[(NaiveDate, f64)]) -> Option<Vec<u8>> {
    let first = scores.iter().map(|(d, _)| *d).min()?;
    let last = scores.iter().map(|(d, _)| *d).max()?;
    let days = (last - first).num_days().max(1);
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; (w as usize) * (h as usize) * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let area = root.margin(12, 12, 12, 12);
        let mut chart = ChartBuilder::on(&area)
            .build_cartesian_2d(0f64..days as f64, 0f64..100f64)
            .ok()?;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, 0.0), (days as f64, 60.0)],
                BAND.filled(),
            )))
            .ok()?;
        for y in [60.0, 70.0, 80.0, 90.0] {
            chart
                .draw_series(LineSeries::new([(0.0, y), (days as f64, y)], &GRID))
                .ok()?;
        }
        let mut points: Vec<(f64, f64)> = scores
            .iter()
            .map(|(d, s)| ((*d - first).num_days() as f64, s.clamp(0.0, 100.0)))
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
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&rgb, w, h, image::ExtendedColorType::Rgb8)
        .ok()?;
    Some(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_score_series_becomes_a_png_of_the_chart_size_and_none_makes_no_chart() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap_or_default();
        let png = score_trend_png(&[(d(1), 82.0), (d(2), 75.5), (d(3), 64.0)]).unwrap_or_default();
        let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png);
        let img = img.map(|i| (i.width(), i.height())).ok();
        assert_eq!(img, Some(SIZE));
        assert_eq!(score_trend_png(&[]), None);
    }
}
