//! The trace badge: its input ([`Badge`]), status colours and sizes, and the SVG renderer.
//!
//! The SVG is self-contained: no external references, no scripts, no `style` elements or
//! attributes (only presentation attributes, so a strict Content-Security-Policy never blocks it),
//! and every piece of caller text is XML-escaped.

use std::fmt::{self, Write as _};
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::WidgetError;
use crate::qr::{QUIET_ZONE, QrMatrix};
use crate::text::{Weight, one_line, push_escaped, push_num, text_width, truncate_to_width};

/// The CSS font stack of badge text: system CJK fonts first, then the bundled Noto Sans CJK SC
/// (which is also the only font the PNG renderer knows), then any sans-serif.
pub const FONT_STACK: &str = r#""PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif"#;

/// Longest piece of caller text (seller or product name) kept in the accessible title, in
/// characters; the visible lines are cut much shorter, by width.
const TITLE_TEXT_MAX_CHARS: usize = 120;

/// Text colour of secondary lines (hint, labels, date): 6.4:1 on white.
const SECONDARY: &str = "#57606a";
/// Text colour of primary lines (product, seller): 15:1 on white.
const PRIMARY: &str = "#1f2328";

/// Trace status shown on a badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceStatus {
    /// 已追溯: every required record is in place.
    Traced,
    /// 待补录: some required records are missing or late.
    Incomplete,
    /// 已召回: the batch has been recalled.
    Recalled,
}

/// The colour pair of a status pill: a fill and the text/icon colour drawn on it.
///
/// Each pair has a contrast ratio of at least 4.5:1 (WCAG AA for normal text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusColours {
    /// Background of the status pill and colour of the badge border (`#rrggbb`).
    pub fill: &'static str,
    /// Text and icon colour on the pill (`#rrggbb`).
    pub text: &'static str,
}

impl TraceStatus {
    /// Every status, in display order.
    pub const ALL: [TraceStatus; 3] = [Self::Traced, Self::Incomplete, Self::Recalled];

    /// Stable machine name: `traced`, `incomplete`, `recalled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Traced => "traced",
            Self::Incomplete => "incomplete",
            Self::Recalled => "recalled",
        }
    }

    /// Chinese label: 已追溯, 待补录, 已召回.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Traced => "已追溯",
            Self::Incomplete => "待补录",
            Self::Recalled => "已召回",
        }
    }

    /// English label: Traced, Incomplete, Recalled.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Traced => "Traced",
            Self::Incomplete => "Incomplete",
            Self::Recalled => "Recalled",
        }
    }

    /// The label the badge shows: Chinese then English, e.g. `已追溯 Traced`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Traced => "已追溯 Traced",
            Self::Incomplete => "待补录 Incomplete",
            Self::Recalled => "已召回 Recalled",
        }
    }

    /// The status colours: green, amber, red.
    pub fn colours(self) -> StatusColours {
        match self {
            Self::Traced => StatusColours {
                fill: "#1a7f37",
                text: "#ffffff",
            },
            Self::Incomplete => StatusColours {
                fill: "#f0a000",
                text: "#241a00",
            },
            Self::Recalled => StatusColours {
                fill: "#c62828",
                text: "#ffffff",
            },
        }
    }
}

impl fmt::Display for TraceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TraceStatus {
    type Err = WidgetError;

    /// Parses `traced`, `incomplete` or `recalled` (ASCII case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| WidgetError::UnknownStatus {
                got: s.chars().take(40).collect(),
            })
    }
}

/// Badge size. Pixel sizes (width × height): small 360 × 132, medium 480 × 176, large
/// 720 × 264; a very long resolver URL makes the badge taller so the QR keeps whole pixels per
/// module (at least 3, 4 and 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BadgeSize {
    /// For listing sidebars; 3 px per QR module.
    #[serde(alias = "s")]
    Small,
    /// The default; 4 px per QR module.
    #[default]
    #[serde(alias = "m")]
    Medium,
    /// For print previews and large screens; 6 px per QR module.
    #[serde(alias = "l")]
    Large,
}

impl BadgeSize {
    /// Every size, small to large.
    pub const ALL: [BadgeSize; 3] = [Self::Small, Self::Medium, Self::Large];

    /// One-letter code used in URLs and `data-suyuan-size`: `s`, `m`, `l`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Small => "s",
            Self::Medium => "m",
            Self::Large => "l",
        }
    }

    /// Full name: `small`, `medium`, `large`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Small => "small",
            Self::Medium => "medium",
            Self::Large => "large",
        }
    }

    /// Nominal `(width, height)` in CSS pixels, for `<img>`/`<iframe>` attributes.
    pub fn dimensions(self) -> (u32, u32) {
        let l = Layout::for_size(self);
        (l.width, l.height)
    }
}

impl fmt::Display for BadgeSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BadgeSize {
    type Err = WidgetError;

    /// Parses `s|m|l|small|medium|large` (ASCII case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|size| {
                size.code().eq_ignore_ascii_case(t) || size.as_str().eq_ignore_ascii_case(t)
            })
            .ok_or_else(|| WidgetError::UnknownSize {
                got: s.chars().take(40).collect(),
            })
    }
}

/// Everything a badge shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Badge {
    /// The URL the QR code encodes, already built by the caller: the code's resolver URL on
    /// `SUYUAN_PUBLIC_URL`, a GS1 Digital Link path for GS1 codes (for example
    /// `https://trace.example.cn/01/09520001000010/21/YD2025000001`). Must be absolute http(s).
    pub resolver_url: String,
    /// The trace status.
    pub status: TraceStatus,
    /// The seller's name, any text; escaped, put on one line and cut with an ellipsis to fit.
    pub seller_name: String,
    /// Date of the last update of the trace record.
    pub updated: NaiveDate,
    /// Badge size.
    pub size: BadgeSize,
    /// Optional product or listing title, shown above the seller; escaped and cut like the name.
    pub product_name: Option<String>,
}

impl Badge {
    /// A medium badge without a product line.
    pub fn new(
        resolver_url: impl Into<String>,
        status: TraceStatus,
        seller_name: impl Into<String>,
        updated: NaiveDate,
    ) -> Self {
        Self {
            resolver_url: resolver_url.into(),
            status,
            seller_name: seller_name.into(),
            updated,
            size: BadgeSize::Medium,
            product_name: None,
        }
    }

    /// The same badge at another size.
    #[must_use]
    pub fn with_size(mut self, size: BadgeSize) -> Self {
        self.size = size;
        self
    }

    /// The same badge with a product line.
    #[must_use]
    pub fn with_product_name(mut self, product_name: impl Into<String>) -> Self {
        self.product_name = Some(product_name.into());
        self
    }

    /// The accessible name of the badge, in Chinese then English, e.g.
    /// `溯源追溯标识：已追溯，商家：某某店，更新于 2026-11-25。Suyuan trace badge: Traced, seller: 某某店, updated 2026-11-25.`
    ///
    /// Unescaped; the renderers escape it.
    pub fn accessible_title(&self) -> String {
        let seller = clip_chars(&one_line(&self.seller_name), TITLE_TEXT_MAX_CHARS);
        let product = self
            .product_name
            .as_deref()
            .map(|p| clip_chars(&one_line(p), TITLE_TEXT_MAX_CHARS))
            .filter(|p| !p.is_empty());
        let date = self.updated.format("%Y-%m-%d");
        let mut t = String::with_capacity(160 + 2 * seller.len());
        let _ = write!(t, "溯源追溯标识：{}", self.status.label_zh());
        if let Some(p) = &product {
            let _ = write!(t, "，产品：{p}");
        }
        let _ = write!(
            t,
            "，商家：{seller}，更新于 {date}。Suyuan trace badge: {}",
            self.status.label_en()
        );
        if let Some(p) = &product {
            let _ = write!(t, ", product: {p}");
        }
        let _ = write!(t, ", seller: {seller}, updated {date}.");
        t
    }
}

/// Accepts an absolute `http`/`https` URL with a host and no whitespace or control characters.
pub(crate) fn check_url(url: &str) -> Result<(), WidgetError> {
    let scheme_ok = url
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
        || url
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("http://"));
    let host_present = url
        .split_once("://")
        .is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'));
    if scheme_ok && host_present && !url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Ok(())
    } else {
        Err(WidgetError::invalid_url(url))
    }
}

fn clip_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push(crate::text::ELLIPSIS);
        out
    }
}

/// Pixel layout of one badge size.
#[derive(Debug, Clone, Copy)]
struct Layout {
    width: u32,
    height: u32,
    min_module: u32,
    pad: f32,
    font_small: f32,
    font_status: f32,
    font_body: f32,
    pill_h: f32,
    radius: f32,
    border: f32,
}

impl Layout {
    fn for_size(size: BadgeSize) -> Self {
        match size {
            BadgeSize::Small => Self {
                width: 360,
                height: 132,
                min_module: 3,
                pad: 10.0,
                font_small: 11.0,
                font_status: 15.0,
                font_body: 13.0,
                pill_h: 26.0,
                radius: 8.0,
                border: 1.5,
            },
            BadgeSize::Medium => Self {
                width: 480,
                height: 176,
                min_module: 4,
                pad: 14.0,
                font_small: 13.0,
                font_status: 19.0,
                font_body: 16.0,
                pill_h: 34.0,
                radius: 10.0,
                border: 2.0,
            },
            BadgeSize::Large => Self {
                width: 720,
                height: 264,
                min_module: 6,
                pad: 20.0,
                font_small: 19.0,
                font_status: 28.0,
                font_body: 24.0,
                pill_h: 50.0,
                radius: 14.0,
                border: 3.0,
            },
        }
    }
}

/// Where the QR code sits in a badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QrPlacement {
    /// Side of the white square holding the QR and its quiet zone, in pixels.
    pub(crate) box_side: u32,
    /// Pixels per module.
    pub(crate) module_px: u32,
    /// Top-left pixel of the first module (inside the quiet zone).
    pub(crate) origin: u32,
}

fn place_qr(layout: &Layout, matrix: &QrMatrix) -> QrPlacement {
    let modules = u32::try_from(matrix.width_with_quiet_zone()).unwrap_or(u32::MAX / 64);
    let fitted = layout.height / modules.max(1);
    let module_px = fitted.max(layout.min_module);
    let needed = modules.saturating_mul(module_px);
    let box_side = layout.height.max(needed);
    let quiet = u32::try_from(QUIET_ZONE).unwrap_or(4);
    let origin = (box_side - needed) / 2 + quiet * module_px;
    QrPlacement {
        box_side,
        module_px,
        origin,
    }
}

/// Renders the badge as a self-contained SVG document (UTF-8, no XML declaration).
///
/// # Errors
/// [`WidgetError::InvalidUrl`] when `resolver_url` is not an absolute http(s) URL;
/// [`WidgetError::QrEncode`] when it is too long for a QR code.
pub fn render_svg(badge: &Badge) -> Result<String, WidgetError> {
    Ok(render_svg_placed(badge)?.0)
}

/// Renders the SVG and reports where the QR landed (the PNG renderer checks its pixels).
pub(crate) fn render_svg_placed(badge: &Badge) -> Result<(String, QrPlacement), WidgetError> {
    check_url(&badge.resolver_url)?;
    let matrix = QrMatrix::encode(&badge.resolver_url)?;
    let layout = Layout::for_size(badge.size);
    let qr = place_qr(&layout, &matrix);
    let height = qr.box_side;
    let width = layout.width + (qr.box_side - layout.height);
    let (w, h) = (width as f32, height as f32);
    let colours = badge.status.colours();
    let title = badge.accessible_title();

    let mut s = String::with_capacity(4096 + matrix.width() * matrix.width() / 2);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label=""#
    );
    push_escaped(&mut s, &title);
    s.push_str(r#""><title>"#);
    push_escaped(&mut s, &title);
    s.push_str("</title>");

    // Card: white, rounded, bordered in the status colour.
    let inset = layout.border / 2.0;
    s.push_str(r#"<rect x=""#);
    push_num(&mut s, inset);
    s.push_str(r#"" y=""#);
    push_num(&mut s, inset);
    s.push_str(r#"" width=""#);
    push_num(&mut s, w - layout.border);
    s.push_str(r#"" height=""#);
    push_num(&mut s, h - layout.border);
    s.push_str(r#"" rx=""#);
    push_num(&mut s, layout.radius);
    let _ = write!(
        s,
        r##"" fill="#ffffff" stroke="{}" stroke-width=""##,
        colours.fill
    );
    push_num(&mut s, layout.border);
    s.push_str(r#""/>"#);

    // QR code: one path in module units, scaled to whole pixels.
    let _ = write!(
        s,
        r##"<path fill="#000000" shape-rendering="crispEdges" transform="translate({o} {o}) scale({m})" d=""##,
        o = qr.origin,
        m = qr.module_px
    );
    matrix.push_path_data(&mut s);
    s.push_str(r#""/>"#);

    // Text column.
    let x0 = qr.box_side as f32 + 2.0;
    let max_text = w - x0 - layout.pad;
    let gap = (layout.pad * 0.5).round();
    let line_small = layout.font_small * 1.3;
    let line_body = layout.font_body * 1.3;
    let product = badge
        .product_name
        .as_deref()
        .map(one_line)
        .filter(|p| !p.is_empty());
    let mut total = line_small + gap + layout.pill_h + gap + line_body + line_small;
    if product.is_some() {
        total += line_body;
    }
    let mut y = ((h - total) / 2.0).max(layout.pad / 2.0);

    let _ = write!(s, r#"<g font-family='{FONT_STACK}'>"#);

    // Hint line.
    text_open(
        &mut s,
        x0,
        y + layout.font_small,
        layout.font_small,
        SECONDARY,
        false,
    );
    s.push_str("溯源·扫码查验 Scan to verify</text>");
    y += line_small + gap;

    // Status pill with an icon, so the state does not rest on colour alone.
    let label = badge.status.label();
    let pad_x = (layout.pill_h * 0.35).round();
    let icon = layout.font_status * 0.9;
    let icon_gap = (layout.font_status * 0.35).round();
    let pill_w =
        (pad_x + icon + icon_gap + text_width(label, layout.font_status, Weight::Bold) + pad_x)
            .min(max_text)
            .ceil();
    s.push_str(r#"<rect x=""#);
    push_num(&mut s, x0);
    s.push_str(r#"" y=""#);
    push_num(&mut s, y);
    s.push_str(r#"" width=""#);
    push_num(&mut s, pill_w);
    s.push_str(r#"" height=""#);
    push_num(&mut s, layout.pill_h);
    s.push_str(r#"" rx=""#);
    push_num(&mut s, layout.pill_h / 2.0);
    let _ = write!(s, r#"" fill="{}"/>"#, colours.fill);
    push_icon(
        &mut s,
        badge.status,
        x0 + pad_x,
        y + (layout.pill_h - icon) / 2.0,
        icon,
        colours.text,
    );
    text_open(
        &mut s,
        x0 + pad_x + icon + icon_gap,
        y + layout.pill_h / 2.0 + layout.font_status * 0.36,
        layout.font_status,
        colours.text,
        true,
    );
    s.push_str(label);
    s.push_str("</text>");
    y += layout.pill_h + gap;

    // Product line (optional).
    if let Some(p) = &product {
        let shown = truncate_to_width(p, layout.font_body, max_text, Weight::Regular);
        text_open(
            &mut s,
            x0,
            y + layout.font_body,
            layout.font_body,
            PRIMARY,
            false,
        );
        push_escaped(&mut s, &shown);
        s.push_str("</text>");
        y += line_body;
    }

    // Seller line: a grey label, then the name cut to the room left.
    let seller_label = "商家 ";
    let label_w = text_width(seller_label, layout.font_body, Weight::Regular);
    let seller = truncate_to_width(
        &one_line(&badge.seller_name),
        layout.font_body,
        max_text - label_w,
        Weight::Regular,
    );
    text_open(
        &mut s,
        x0,
        y + layout.font_body,
        layout.font_body,
        PRIMARY,
        false,
    );
    let _ = write!(s, r#"<tspan fill="{SECONDARY}">{seller_label}</tspan>"#);
    push_escaped(&mut s, &seller);
    s.push_str("</text>");
    y += line_body;

    // Date line.
    text_open(
        &mut s,
        x0,
        y + layout.font_small,
        layout.font_small,
        SECONDARY,
        false,
    );
    let _ = write!(
        s,
        "更新 {} Updated</text>",
        badge.updated.format("%Y-%m-%d")
    );

    s.push_str("</g></svg>");
    Ok((s, qr))
}

fn text_open(s: &mut String, x: f32, baseline: f32, size: f32, fill: &str, bold: bool) {
    s.push_str(r#"<text x=""#);
    push_num(s, x);
    s.push_str(r#"" y=""#);
    push_num(s, baseline);
    s.push_str(r#"" font-size=""#);
    push_num(s, size);
    let _ = write!(s, r#"" fill="{fill}""#);
    if bold {
        s.push_str(r#" font-weight="700""#);
    }
    s.push('>');
}

/// A status icon in a `size` square at (`x`, `y`): a tick, a clock, a cross.
fn push_icon(s: &mut String, status: TraceStatus, x: f32, y: f32, size: f32, colour: &str) {
    s.push_str(r#"<g fill="none" stroke=""#);
    s.push_str(colour);
    // Drawn in a 20 × 20 box, so the stroke width (2) is a tenth of the icon.
    s.push_str(r#"" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" transform="translate("#);
    push_num(s, x);
    s.push(' ');
    push_num(s, y);
    s.push_str(") scale(");
    let _ = write!(s, "{:.3}", size / 20.0);
    s.push_str(r#")">"#);
    let inner = match status {
        TraceStatus::Traced => r#"<circle cx="10" cy="10" r="9"/><path d="M5.5 10.5l3 3 6-7"/>"#,
        TraceStatus::Incomplete => r#"<circle cx="10" cy="10" r="9"/><path d="M10 5v5l3.5 2.5"/>"#,
        TraceStatus::Recalled => {
            r#"<circle cx="10" cy="10" r="9"/><path d="M6.5 6.5l7 7M13.5 6.5l-7 7"/>"#
        }
    };
    s.push_str(inner);
    s.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relative_luminance(hex: &str) -> f64 {
        let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
        let channel = |c: u32| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel((v >> 16) & 0xFF)
            + 0.7152 * channel((v >> 8) & 0xFF)
            + 0.0722 * channel(v & 0xFF)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (la, lb) = (relative_luminance(a), relative_luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn every_status_pill_meets_wcag_aa_contrast() {
        for st in TraceStatus::ALL {
            let c = st.colours();
            let ratio = contrast(c.fill, c.text);
            assert!(ratio >= 4.5, "{st}: {ratio:.2}");
        }
        assert!(contrast(SECONDARY, "#ffffff") >= 4.5);
    }

    #[test]
    fn status_colours_are_distinct() {
        let fills: std::collections::HashSet<_> =
            TraceStatus::ALL.iter().map(|s| s.colours().fill).collect();
        assert_eq!(fills.len(), 3);
    }

    #[test]
    fn sizes_parse_from_short_and_long_names() {
        for (text, size) in [
            ("s", BadgeSize::Small),
            ("M", BadgeSize::Medium),
            ("large", BadgeSize::Large),
            (" Small ", BadgeSize::Small),
        ] {
            assert_eq!(text.parse::<BadgeSize>().unwrap(), size);
        }
        assert!("xl".parse::<BadgeSize>().is_err());
    }

    #[test]
    fn statuses_parse_and_print() {
        for st in TraceStatus::ALL {
            assert_eq!(st.to_string().parse::<TraceStatus>().unwrap(), st);
        }
        assert!("unknown".parse::<TraceStatus>().is_err());
    }

    #[test]
    fn a_typical_url_keeps_the_nominal_size_with_the_minimum_module() {
        let m =
            QrMatrix::encode("https://trace.example.cn/01/09520001000010/21/YD2025000001").unwrap();
        for (size, px) in [
            (BadgeSize::Small, 3),
            (BadgeSize::Medium, 4),
            (BadgeSize::Large, 6),
        ] {
            let l = Layout::for_size(size);
            let q = place_qr(&l, &m);
            assert_eq!(q.box_side, l.height, "{size}");
            assert!(q.module_px >= px, "{size}");
        }
    }

    #[test]
    fn a_long_url_grows_the_badge_instead_of_shrinking_modules() {
        let url = format!("https://trace.example.cn/t/{}", "A1b2".repeat(60));
        let m = QrMatrix::encode(&url).unwrap();
        let l = Layout::for_size(BadgeSize::Small);
        let q = place_qr(&l, &m);
        assert_eq!(q.module_px, 3);
        assert!(q.box_side > l.height);
    }

    #[test]
    fn relative_or_odd_urls_are_rejected() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for url in [
            "/t/1",
            "ftp://x",
            "https://",
            "https:///x",
            "https://a b",
            "javascript:alert(1)",
        ] {
            let b = Badge::new(url, TraceStatus::Traced, "店", d);
            assert!(
                matches!(render_svg(&b), Err(WidgetError::InvalidUrl { .. })),
                "{url}"
            );
        }
    }
}
