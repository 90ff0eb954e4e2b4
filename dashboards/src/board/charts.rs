//! The dashboards' charts as inline SVG, drawn on the server by `suyuan_widgets::chart` (the
//! same drawing as the mails' PNG chart) on plotters' SVG backend. They hold no text: each page
//! writes the values in a table beside the chart, so they read without the picture (and
//! without JavaScript), and no seller-supplied text ever enters an SVG.

use maud::{Markup, PreEscaped, html};
use plotters::prelude::*;

/// Width and height of a chart (it scales to the page width).
const SIZE: (u32, u32) = (560, 200);

fn svg_of(
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Option<()>,
) -> Option<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw(&root)?;
    }
    Some(svg)
}

/// A figure around an SVG this module drew, labelled for screen readers.
fn figure(svg: Option<String>, label: &str) -> Markup {
    match svg {
        Some(svg) => {
            // `label` is the page's own text; escape it anyway before it goes into an attribute.
            let label = maud::html! { (label) }.into_string();
            let svg = svg.replacen(
                "<svg ",
                &format!("<svg role=\"img\" aria-label=\"{label}\" "),
                1,
            );
            html! { figure.chart { (PreEscaped(svg)) } }
        }
        None => html! {},
    }
}

/// A line chart of values 0 to `max`, one point per step, the band under `band_below` shaded.
pub fn line(values: &[f64], max: f64, band_below: Option<f64>, label: &str) -> Markup {
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64, *v))
        .collect();
    let grid: Vec<f64> = (1..5).map(|i| max * f64::from(i) / 5.0).collect();
    figure(
        svg_of(|root| suyuan_widgets::chart::draw_line(root, &points, max, band_below, &grid)),
        label,
    )
}

/// A bar chart of values 0 to `max`, bars under `bad_below` in red.
pub fn bars(values: &[f64], max: f64, bad_below: Option<f64>, label: &str) -> Markup {
    let grid: Vec<f64> = (1..5).map(|i| max * f64::from(i) / 5.0).collect();
    figure(
        svg_of(|root| suyuan_widgets::chart::draw_bars(root, values, max, bad_below, &grid)),
        label,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_and_bars_are_inline_svg_with_a_label_and_nothing_draws_nothing() {
        let l = line(&[80.0, 70.0, 90.0], 100.0, Some(60.0), "score \"trend\"").into_string();
        assert!(
            l.contains("<svg role=\"img\" aria-label=\"score &quot;trend&quot;\""),
            "{l}"
        );
        assert!(l.contains("</svg>"));
        let b = bars(&[0.5, 1.0], 1.0, Some(0.9), "share").into_string();
        assert!(b.contains("<rect"), "{b}");
        assert_eq!(line(&[], 100.0, None, "x").into_string(), "");
    }
}
