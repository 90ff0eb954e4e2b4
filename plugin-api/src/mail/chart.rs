//! The score-trend chart of alert and digest mails: a line of compliance scores (0 to 100) over
//! days, drawn by `suyuan_widgets::chart` (shared with the dashboards' SVG charts) on a bitmap
//! and encoded as PNG by the `image` crate. It draws no text (so no font library is needed): the
//! dates and scores are written in the mail beside it.

use chrono::NaiveDate;
use image::ImageEncoder as _;
use plotters::prelude::*;

/// Width and height of the chart, in pixels.
pub const SIZE: (u32, u32) = (560, 200);

/// The chart of `scores` (date, score 0 to 100) as PNG bytes; `None` without at least one score.
/// The band under 60 (grade D) is shaded, and grid lines mark 60, 70, 80 and 90.
pub fn score_trend_png(scores: &[(NaiveDate, f64)]) -> Option<Vec<u8>> {
    let first = scores.iter().map(|(d, _)| *d).min()?;
    let points: Vec<(f64, f64)> = scores
        .iter()
        .map(|(d, s)| ((*d - first).num_days() as f64, *s))
        .collect();
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; (w as usize) * (h as usize) * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        suyuan_widgets::chart::draw_line(
            &root,
            &points,
            100.0,
            Some(60.0),
            &[60.0, 70.0, 80.0, 90.0],
        )?;
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
