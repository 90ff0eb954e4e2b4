//! Trace badges, QR codes and the embed script of Suyuan (溯源).
//!
//! A badge shows a QR code of a code's resolver URL, the trace status in Chinese and English
//! (已追溯 Traced, 待补录 Incomplete, 已召回 Recalled, each in its own colour and with its own
//! icon), the seller's name and the date of the last update, in three sizes. It renders as a
//! self-contained SVG ([`render_svg`]) or as a PNG with a bundled CJK font ([`render_png`]).
//!
//! ```
//! use chrono::NaiveDate;
//! use suyuan_widgets::{Badge, BadgeSize, TraceStatus, render_svg};
//!
//! let badge = Badge::new(
//!     "https://trace.example.cn/01/09520001000010/21/YD2025000001",
//!     TraceStatus::Traced,
//!     "杭州示例电器专营店",
//!     NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default(),
//! )
//! .with_size(BadgeSize::Small);
//! let svg = render_svg(&badge)?;
//! assert!(svg.contains("已追溯 Traced"));
//! # Ok::<(), suyuan_widgets::WidgetError>(())
//! ```
//!
//! Rendering is CPU work: call it from `web::block` / `spawn_blocking`, and cache by
//! [`etag_for`].

mod app;
mod badge;
pub mod chart;
mod embed;
mod error;
mod etag;
mod page;
mod qr;
mod raster;
pub mod recall_export;
mod text;

pub use app::{
    APP_CSP, AppPage, Bi, Entry, EntryList, FieldKind, FormField, FormView, Notice, NoticeKind,
    ScannerView, app_css, render_app_page, scan_js,
};
pub use badge::{Badge, BadgeSize, FONT_STACK, StatusColours, TraceStatus, render_svg};
pub use embed::{
    BADGE_ALT, BadgeFormat, EMBED_PAGE_CSP, badge_url_for_code, badge_url_for_listing,
    embed_iframe_html, embed_js, embed_url_for_listing, path_segment, snippet_iframe, snippet_img,
    snippet_script, trace_url_for_code, trace_url_for_listing,
};
pub use error::WidgetError;
pub use etag::etag_for;
pub use page::{
    AuthenticityView, CertificateView, ClaimView, CustodyStep, Lang, LinkView, PAGE_CSP, PartyView,
    ProductView, RecallView, SellerActions, StepKind, TracePageView, render_bad_code_page,
    render_not_found_page, render_trace_page, trace_css,
};
pub use qr::{MAX_MODULE_PX, QUIET_ZONE, qr_png, qr_svg};
pub use raster::{FONT_FAMILY, MAX_PNG_SCALE, render_png, render_png_scaled};
pub use text::escape_xml;
