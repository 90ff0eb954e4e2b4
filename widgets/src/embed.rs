//! Embedding a badge in someone else's page: the public URL shapes, `embed.js`, the paste-in
//! snippets (script, iframe, plain image) and the tiny HTML page the iframe shows.
//!
//! URL shapes, all under `SUYUAN_PUBLIC_URL` (`{public}`), ids and codes percent-encoded as one
//! path segment:
//!
//! | what | URL |
//! |---|---|
//! | badge of a listing | `{public}/badge/listing/{id}.svg` (or `.png`), `?size=s` or `?size=l` when not medium |
//! | badge of a code | `{public}/badge/code/{code}.svg` (or `.png`), same `size` query |
//! | trace page of a listing | `{public}/l/{id}` |
//! | trace page of a code | `{public}/t/{code}` |
//! | iframe page of a listing | `{public}/embed/listing/{id}`, same `size` query |
//! | the script | `{public}/embed.js` |

use maud::{PreEscaped, html};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::badge::{Badge, BadgeSize, render_svg};
use crate::error::WidgetError;
use crate::page::DOCTYPE;

/// Everything but the unreserved characters of RFC 3986 is encoded: what `embed.js` does with
/// `encodeURIComponent` plus `!'()*`, so the script and the server build identical URLs.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The alternative text of an embedded badge image.
pub const BADGE_ALT: &str = "溯源追溯标识 Suyuan trace badge";

/// The `<style>` of [`embed_iframe_html`]; [`EMBED_PAGE_CSP`] allows exactly this text by hash.
const EMBED_PAGE_STYLE: &str = "html,body{margin:0;padding:0;background:transparent}a{display:block;line-height:0;width:max-content;max-width:100%}svg{display:block;max-width:100%;height:auto}";

/// The `Content-Security-Policy` to send with [`embed_iframe_html`]: nothing may load, no script
/// runs, only the page's own `<style>` applies (by hash). It names no `frame-ancestors`, since the
/// page exists to be framed by any shop.
pub const EMBED_PAGE_CSP: &str = "default-src 'none'; style-src 'sha256-0QU8hCpd+8tvT5RAJB8y86gHkB/zim31YSED+VK1kaU='; img-src data:; base-uri 'none'; form-action 'none'";

/// The contents of `assets/embed.js`, to serve at `{public}/embed.js` as
/// `text/javascript; charset=utf-8`.
///
/// A dependency-free script (no `eval`, no `innerHTML`, no inline styles, ASCII only) that turns
/// every `<div data-suyuan-listing="ID">` or `<div data-suyuan-code="CODE">` into a link to the
/// trace page holding the badge image, with `data-suyuan-size="s|m|l"` picking the size. It reads
/// the service URL from its own `src`, is idempotent, and also handles elements added later.
pub fn embed_js() -> &'static str {
    include_str!("../assets/embed.js")
}

/// Image format of a badge URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BadgeFormat {
    /// `image/svg+xml`, `.svg`.
    Svg,
    /// `image/png`, `.png`.
    Png,
}

impl BadgeFormat {
    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Svg => "svg",
            Self::Png => "png",
        }
    }

    /// Media type for `Content-Type`.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Svg => "image/svg+xml",
            Self::Png => "image/png",
        }
    }
}

/// `public_url` without surrounding spaces and trailing slashes.
fn base(public_url: &str) -> &str {
    public_url.trim().trim_end_matches('/')
}

/// Percent-encodes `value` as one URL path segment.
pub fn path_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

fn size_query(out: &mut String, size: BadgeSize) {
    if size != BadgeSize::Medium {
        out.push_str("?size=");
        out.push_str(size.code());
    }
}

/// `{public}/badge/listing/{id}.{svg|png}[?size=s|l]`.
pub fn badge_url_for_listing(
    public_url: &str,
    listing_id: &str,
    size: BadgeSize,
    format: BadgeFormat,
) -> String {
    let mut u = format!(
        "{}/badge/listing/{}.{}",
        base(public_url),
        path_segment(listing_id),
        format.extension()
    );
    size_query(&mut u, size);
    u
}

/// `{public}/badge/code/{code}.{svg|png}[?size=s|l]`, the code percent-encoded as a segment.
pub fn badge_url_for_code(
    public_url: &str,
    code: &str,
    size: BadgeSize,
    format: BadgeFormat,
) -> String {
    let mut u = format!(
        "{}/badge/code/{}.{}",
        base(public_url),
        path_segment(code),
        format.extension()
    );
    size_query(&mut u, size);
    u
}

/// `{public}/l/{id}`: the public trace page of a listing.
pub fn trace_url_for_listing(public_url: &str, listing_id: &str) -> String {
    format!("{}/l/{}", base(public_url), path_segment(listing_id))
}

/// `{public}/t/{code}`: the public trace page of a code.
pub fn trace_url_for_code(public_url: &str, code: &str) -> String {
    format!("{}/t/{}", base(public_url), path_segment(code))
}

/// `{public}/embed/listing/{id}[?size=s|l]`: the page [`embed_iframe_html`] renders.
pub fn embed_url_for_listing(public_url: &str, listing_id: &str, size: BadgeSize) -> String {
    let mut u = format!(
        "{}/embed/listing/{}",
        base(public_url),
        path_segment(listing_id)
    );
    size_query(&mut u, size);
    u
}

/// The script snippet an operator pastes: a placeholder `<div>` and the `embed.js` tag.
///
/// Every attribute value is HTML-escaped.
pub fn snippet_script(public_url: &str, listing_id: &str) -> String {
    html! {
        div data-suyuan-listing=(listing_id) data-suyuan-size="m" {}
        "\n"
        script src={ (base(public_url)) "/embed.js" } async {}
    }
    .into_string()
}

/// The `<iframe>` snippet for platforms that allow frames but no script (medium size).
///
/// The frame is sandboxed (it needs no script); its link opens the trace page in a new tab.
pub fn snippet_iframe(public_url: &str, listing_id: &str) -> String {
    let (w, h) = BadgeSize::Medium.dimensions();
    html! {
        iframe src=(embed_url_for_listing(public_url, listing_id, BadgeSize::Medium))
            width=(w) height=(h) title=(BADGE_ALT) loading="lazy" frameborder="0"
            scrolling="no" sandbox="allow-popups allow-popups-to-escape-sandbox" {}
    }
    .into_string()
}

/// The plain `<img>` snippet (in a link to the trace page) for platforms that allow neither
/// script nor frames. It uses the PNG badge, which every rich-text editor accepts (medium size).
pub fn snippet_img(public_url: &str, listing_id: &str) -> String {
    let (w, h) = BadgeSize::Medium.dimensions();
    html! {
        a href=(trace_url_for_listing(public_url, listing_id)) target="_blank" rel="noopener" {
            img src=(badge_url_for_listing(public_url, listing_id, BadgeSize::Medium, BadgeFormat::Png))
                alt=(BADGE_ALT) width=(w) height=(h);
        }
    }
    .into_string()
}

/// The HTML page shown inside the `<iframe>` snippet: the badge SVG inline, inside a link to
/// `trace_url` that opens in a new tab (`target="_blank" rel="noopener"`).
///
/// Serve it with [`EMBED_PAGE_CSP`]; it has no script and loads nothing.
///
/// # Errors
/// As [`render_svg`]; [`WidgetError::InvalidUrl`] when `trace_url` is not an absolute http(s)
/// URL (so a `javascript:` link can never be made).
pub fn embed_iframe_html(badge: &Badge, trace_url: &str) -> Result<String, WidgetError> {
    crate::badge::check_url(trace_url)?;
    // Our own markup: the badge renderer escapes every piece of caller text in it.
    let svg = PreEscaped(render_svg(badge)?);
    Ok(html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                meta name="referrer" content="strict-origin-when-cross-origin";
                title { (badge.accessible_title()) }
                // Our own constant, allowed by its hash in EMBED_PAGE_CSP.
                style { (PreEscaped(EMBED_PAGE_STYLE)) }
            }
            body {
                a href=(trace_url) target="_blank" rel="noopener" { (svg) }
            }
        }
    }
    .into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_encode_slashes_spaces_and_non_ascii() {
        assert_eq!(path_segment("88.118.8/ab c"), "88.118.8%2Fab%20c");
        assert_eq!(path_segment("溯"), "%E6%BA%AF");
        assert_eq!(path_segment("A-b_c.~1"), "A-b_c.~1");
    }

    #[test]
    fn urls_follow_the_documented_shapes() {
        let p = "https://trace.example.cn/";
        assert_eq!(
            badge_url_for_listing(p, "lst_1", BadgeSize::Medium, BadgeFormat::Svg),
            "https://trace.example.cn/badge/listing/lst_1.svg"
        );
        assert_eq!(
            badge_url_for_code(p, "(01)09520001000010", BadgeSize::Small, BadgeFormat::Png),
            "https://trace.example.cn/badge/code/%2801%2909520001000010.png?size=s"
        );
        assert_eq!(
            trace_url_for_listing(p, "lst_1"),
            "https://trace.example.cn/l/lst_1"
        );
        assert_eq!(
            trace_url_for_code(p, "YD 1"),
            "https://trace.example.cn/t/YD%201"
        );
        assert_eq!(
            embed_url_for_listing(p, "lst_1", BadgeSize::Large),
            "https://trace.example.cn/embed/listing/lst_1?size=l"
        );
    }
}
