//! The public trace page a consumer or seller sees after scanning a code (Seller Operation Guide
//! 5.7, 线上展示追溯码), and the two error pages of the same route: code not registered (404) and
//! input that is not a code (400).
//!
//! The pages are plain HTML: no script, no inline style, one stylesheet ([`trace_css`], served at
//! `{public}/assets/trace.css`), so they keep to [`PAGE_CSP`]. Chinese is the default language,
//! English on request ([`Lang::negotiate`]); a link on every page switches between the two by
//! `?lang=`, keeping the path. The HTML is built with maud, which escapes every piece of caller
//! text; only our own markup is trusted. A caller URL is only ever put in an `href` when it is
//! `http(s)` or relative.
//!
//! The view ([`TracePageView`]) carries no personal data, by design: the chain of custody names
//! businesses only, and a counterpart is never shown on a sale to a consumer (PIPL).

mod lang;
mod parts;
mod trace;
mod view;

use maud::html;

pub use lang::Lang;
pub(crate) use lang::tr;
pub(crate) use parts::{DOCTYPE, top_bar};
pub use view::{
    AuthenticityView, CertificateView, ClaimView, CustodyStep, LinkView, PartyView, ProductView,
    RecallView, SellerActions, StepKind, TracePageView,
};

use crate::badge::TraceStatus;
use crate::text::one_line;
use parts::{
    clip, document, footer, has_localized, localized, non_empty, report_fake_section,
    unknown_status,
};

/// The `Content-Security-Policy` to send with every page of this module: nothing runs, only the
/// service's own stylesheet and images load, and no other site may frame the page.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Longest caller input echoed back on an error page, in characters.
const ECHO_MAX_CHARS: usize = 200;

/// The contents of `assets/trace.css`, to serve at `{public}/assets/trace.css` as
/// `text/css; charset=utf-8`. The status colours are those of the badges
/// ([`TraceStatus::colours`]), as classes `.status-traced`, `.status-incomplete` and
/// `.status-recalled`.
pub fn trace_css() -> &'static str {
    include_str!("../../assets/trace.css")
}

/// Renders the public trace page of one code in `lang`, its stylesheet linked from
/// `{public_url}/assets/trace.css`. Serve it with [`PAGE_CSP`].
///
/// A recall banner (`role="alert"`) opens `<main>` when the view has a recall. Then come the
/// status, the product, the producer, the certificates, the chain of custody, the authenticity
/// hint, the seller's actions (only with [`SellerActions`]), further links, and a footer with the
/// data source and the update date.
pub fn render_trace_page(view: &TracePageView, lang: Lang, public_url: &str) -> String {
    let status = if view.recall.is_some() {
        TraceStatus::Recalled
    } else {
        view.status
    };
    let name = non_empty(view.product.name.as_deref());

    let mut title = String::new();
    if status == TraceStatus::Recalled {
        title.push_str(tr(lang, "【已召回】", "[Recalled] "));
    }
    title.push_str(&clip(&one_line(name.unwrap_or(&view.code)), 80));
    title.push_str(tr(lang, " · 溯源追溯", " · Suyuan trace"));

    let content = html! {
        @if let Some(r) = &view.recall {
            (trace::recall(lang, r))
        }
        (top_bar(lang))
        (trace::status(lang, status, view.recall.is_some()))
        (trace::product(lang, view, name))
        (trace::producer(lang, view.producer.as_ref()))
        (trace::certificates(lang, &view.certificates))
        (trace::custody(lang, &view.custody))
        @if !view.claims.is_empty() {
            (trace::claims(lang, &view.claims))
        }
        (trace::authenticity(lang, &view.authenticity))
        @if let Some(actions) = &view.seller_actions {
            (trace::seller(lang, actions))
        }
        (trace::links(lang, &view.links))
    };
    document(
        lang,
        &title,
        public_url,
        false,
        content,
        footer(lang, true, view.updated),
    )
}

/// Renders the 404 page for a code that is not registered with Suyuan: the code (escaped), the
/// likely reasons, and how to report a suspected fake (keep the original code and the proof of
/// purchase; the market regulator's line 12315 or the 全国12315平台 www.12315.cn). It carries
/// no detail of the lookup. Serve it with status 404 and [`PAGE_CSP`].
pub fn render_not_found_page(code: &str, lang: Lang, public_url: &str) -> String {
    let content = html! {
        (top_bar(lang))
        (unknown_status(lang, ("未登记", "Not registered")))
        section.card aria-labelledby="h-page" {
            h1 #h-page {
                (tr(lang, "此码未在溯源登记", "This code is not registered with Suyuan"))
            }
            p {
                (tr(lang, "您查询的码：", "The code you looked up: "))
                code.code { (clip(code, ECHO_MAX_CHARS)) }
            }
            p {
                (tr(
                    lang,
                    "可能的原因：生产者尚未登记此码；码输错或没有扫全；或者这是仿冒的码。",
                    "Perhaps the producer has not registered it yet, the code was mistyped or only partly scanned, or the code is fake.",
                ))
            }
        }
        (report_fake_section(lang))
    };
    document(
        lang,
        tr(
            lang,
            "未登记的追溯码 · 溯源",
            "Code not registered · Suyuan",
        ),
        public_url,
        true,
        content,
        footer(lang, false, None),
    )
}

/// Renders the 400 page for input that is not a trace code: the input and the parse error
/// (`error_zh` or `error_en`, by `lang`), both escaped, and what codes are understood. Serve it
/// with status 400 and [`PAGE_CSP`].
pub fn render_bad_code_page(
    input: &str,
    error_zh: &str,
    error_en: &str,
    lang: Lang,
    public_url: &str,
) -> String {
    let content = html! {
        (top_bar(lang))
        (unknown_status(lang, ("无法识别", "Not recognised")))
        section.card aria-labelledby="h-page" {
            h1 #h-page { (tr(lang, "这不是有效的追溯码", "This is not a valid trace code")) }
            p {
                (tr(lang, "您输入的内容：", "You entered: "))
                code.code { (clip(input, ECHO_MAX_CHARS)) }
            }
            @if has_localized(Some(error_zh), Some(error_en)) {
                p.error {
                    strong { (tr(lang, "问题：", "Problem: ")) }
                    (localized(lang, Some(error_zh), Some(error_en)))
                }
            }
            p {
                (tr(
                    lang,
                    "请检查是否输入完整，或用手机直接扫描商品上的二维码。可识别：GS1 商品条码与二维码、GS1 数字链接、Ecode、工业互联网标识。",
                    "Check that the whole code was entered, or scan the QR code on the product with your phone. Understood: GS1 barcodes and QR codes, GS1 Digital Link, Ecode, industrial-internet handles.",
                ))
            }
        }
    };
    document(
        lang,
        tr(lang, "无法识别的追溯码 · 溯源", "Not a trace code · Suyuan"),
        public_url,
        true,
        content,
        footer(lang, false, None),
    )
}

#[cfg(test)]
mod tests {
    use super::parts::{clip, safe_href};
    use super::*;
    use crate::text::ELLIPSIS;

    #[test]
    fn hrefs_keep_http_and_relative_links_only() {
        assert_eq!(
            safe_href(" https://a.example/x "),
            Some("https://a.example/x")
        );
        assert_eq!(safe_href("HTTP://a.example"), Some("HTTP://a.example"));
        assert_eq!(
            safe_href("/seller/receive?code=1"),
            Some("/seller/receive?code=1")
        );
        assert_eq!(safe_href("?lang=en"), Some("?lang=en"));
        assert_eq!(safe_href("a/b:c"), Some("a/b:c"));
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(safe_href("JavaScript:alert(1)"), None);
        assert_eq!(safe_href("java\tscript:alert(1)"), None);
        assert_eq!(safe_href("data:text/html,x"), None);
        assert_eq!(safe_href("vbscript:x"), None);
        assert_eq!(safe_href(""), None);
    }

    #[test]
    fn long_echoes_are_clipped() {
        let long = "8".repeat(500);
        let c = clip(&long, ECHO_MAX_CHARS);
        assert_eq!(c.chars().count(), ECHO_MAX_CHARS);
        assert!(c.ends_with(ELLIPSIS));
    }
}
