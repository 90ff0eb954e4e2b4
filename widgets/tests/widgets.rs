//! Outcomes a shop visitor or an operator sees: badges that scan, parse and say the right thing,
//! snippets that cannot be turned into markup injection, and an embed script that keeps to CSP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use base64::Engine as _;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use suyuan_widgets::{
    Badge, BadgeSize, EMBED_PAGE_CSP, TraceStatus, WidgetError, embed_iframe_html, embed_js,
    etag_for, qr_png, qr_svg, render_png, render_png_scaled, render_svg, snippet_iframe,
    snippet_img, snippet_script,
};

const URL: &str = "https://trace.example.cn/01/09520001000010/21/YD2025000001";

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn badge(status: TraceStatus, size: BadgeSize) -> Badge {
    Badge::new(URL, status, "杭州示例电器专营店", date()).with_size(size)
}

/// Decodes a PNG into (width, height, luma per pixel), compositing alpha onto white.
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let luma = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|px| {
            let (r, g, b, a) = match channels {
                1 => (px[0], px[0], px[0], 255),
                2 => (px[0], px[0], px[0], px[1]),
                3 => (px[0], px[1], px[2], 255),
                _ => (px[0], px[1], px[2], px[3]),
            };
            let y = (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000;
            let a = u32::from(a);
            ((y * a + 255 * (255 - a)) / 255) as u8
        })
        .collect();
    (w, h, luma)
}

/// Every QR code an independent decoder finds in a PNG.
fn decode_qr(bytes: &[u8]) -> Vec<String> {
    let (w, h, luma) = decode_png(bytes);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * w + x]);
    img.detect_grids()
        .into_iter()
        .map(|grid| grid.decode().unwrap().1)
        .collect()
}

fn parse_svg(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("SVG is not XML: {e}\n{svg}"))
}

#[test]
fn every_png_badge_scans_to_exactly_the_resolver_url() {
    for size in BadgeSize::ALL {
        for status in TraceStatus::ALL {
            let png = render_png(&badge(status, size)).unwrap();
            assert_eq!(decode_qr(&png), vec![URL.to_owned()], "{size} {status}");
        }
    }
}

#[test]
fn a_high_density_png_badge_scans_too() {
    let png = render_png_scaled(&badge(TraceStatus::Traced, BadgeSize::Small), 2).unwrap();
    let (w, h, _) = decode_png(&png);
    assert_eq!((w, h), (720, 264));
    assert_eq!(decode_qr(&png), vec![URL.to_owned()]);
}

#[test]
fn png_badges_have_the_nominal_pixel_size() {
    for (size, dims) in [
        (BadgeSize::Small, (360, 132)),
        (BadgeSize::Medium, (480, 176)),
        (BadgeSize::Large, (720, 264)),
    ] {
        let (w, h, _) = decode_png(&render_png(&badge(TraceStatus::Traced, size)).unwrap());
        assert_eq!((w as u32, h as u32), dims, "{size}");
        assert_eq!(size.dimensions(), dims);
    }
}

#[test]
fn a_gs1_digital_link_with_reserved_characters_round_trips() {
    let url = "https://trace.example.cn/01/09520001000010/10/B%2F12%20A?17=271231";
    let b = Badge::new(url, TraceStatus::Incomplete, "Shop", date()).with_size(BadgeSize::Small);
    assert_eq!(decode_qr(&render_png(&b).unwrap()), vec![url.to_owned()]);
}

#[test]
fn a_very_long_url_makes_a_taller_badge_that_still_scans() {
    let url = format!("{URL}?ref={}", "x".repeat(180));
    let b =
        Badge::new(url.clone(), TraceStatus::Traced, "Shop", date()).with_size(BadgeSize::Small);
    let png = render_png(&b).unwrap();
    let (_, h, _) = decode_png(&png);
    assert!(h > 132);
    assert_eq!(decode_qr(&png), vec![url]);
}

#[test]
fn the_svg_is_xml_with_an_accessible_title_and_the_status_in_both_languages() {
    for size in BadgeSize::ALL {
        let svg = render_svg(&badge(TraceStatus::Traced, size)).unwrap();
        let doc = parse_svg(&svg);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("role"), Some("img"));
        let label = root.attribute("aria-label").unwrap();
        for needle in ["已追溯", "Traced", "杭州示例电器专营店", "2026-11-25"] {
            assert!(label.contains(needle), "aria-label lacks {needle}: {label}");
        }
        let title = root
            .children()
            .find(|n| n.has_tag_name("title"))
            .and_then(|n| n.text())
            .unwrap();
        assert_eq!(title, label);
        let text: String = doc
            .descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect();
        assert!(text.contains("已追溯 Traced"));
        assert!(text.contains("更新 2026-11-25 Updated"));
    }
}

#[test]
fn the_svg_is_self_contained_and_has_no_script_style_or_external_reference() {
    let svg = render_svg(&badge(TraceStatus::Recalled, BadgeSize::Medium)).unwrap();
    let doc = parse_svg(&svg);
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name();
        assert!(
            !matches!(
                tag,
                "script" | "style" | "image" | "use" | "foreignObject" | "a"
            ),
            "unexpected <{tag}>"
        );
        for attr in node.attributes() {
            assert!(
                attr.name() != "style" && attr.name() != "href",
                "{}",
                attr.name()
            );
            assert!(
                !attr.name().starts_with("on"),
                "event handler {}",
                attr.name()
            );
        }
    }
    assert!(!svg.contains("url("));
}

#[test]
fn a_seller_name_with_markup_renders_as_text() {
    let hostile = r#"<script>alert(1)</script>"&'"#;
    let b = Badge::new(URL, TraceStatus::Traced, hostile, date())
        .with_product_name("<img src=x onerror=alert(2)>");
    let svg = render_svg(&b).unwrap();
    assert!(!svg.contains("<script"));
    assert!(!svg.contains("<img"));
    let doc = parse_svg(&svg);
    assert!(
        doc.descendants()
            .all(|n| !n.has_tag_name("script") && !n.has_tag_name("img"))
    );
    let text: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    assert!(text.contains("<script>alert(1)</script>"), "{text}");
    let label = doc.root_element().attribute("aria-label").unwrap();
    assert!(label.contains(hostile));
    // And the PNG of the same badge renders.
    assert!(!render_png(&b).unwrap().is_empty());
}

#[test]
fn a_recalled_badge_differs_from_a_traced_one_in_colour_and_text() {
    let traced = render_svg(&badge(TraceStatus::Traced, BadgeSize::Medium)).unwrap();
    let recalled = render_svg(&badge(TraceStatus::Recalled, BadgeSize::Medium)).unwrap();
    let (tc, rc) = (
        TraceStatus::Traced.colours(),
        TraceStatus::Recalled.colours(),
    );
    assert_ne!(tc.fill, rc.fill);
    assert!(traced.contains(tc.fill) && !traced.contains(rc.fill));
    assert!(recalled.contains(rc.fill) && !recalled.contains(tc.fill));
    assert!(traced.contains("已追溯 Traced") && !traced.contains("已召回"));
    assert!(recalled.contains("已召回 Recalled") && !recalled.contains("已追溯 Traced"));

    // The PNGs differ too: the recalled one has red pixels, the traced one green.
    let count = |png: &[u8], want: fn(u8, u8, u8) -> bool| {
        let mut decoder = png::Decoder::new(Cursor::new(png));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf[..info.buffer_size()]
            .chunks_exact(4)
            .filter(|p| p[3] == 255 && want(p[0], p[1], p[2]))
            .count()
    };
    let red = |r: u8, g: u8, b: u8| r > 180 && g < 70 && b < 70;
    let green = |r: u8, g: u8, b: u8| g > 110 && r < 60 && b < 90;
    let traced_png = render_png(&badge(TraceStatus::Traced, BadgeSize::Medium)).unwrap();
    let recalled_png = render_png(&badge(TraceStatus::Recalled, BadgeSize::Medium)).unwrap();
    assert!(count(&recalled_png, red) > 500 && count(&recalled_png, green) == 0);
    assert!(count(&traced_png, green) > 500 && count(&traced_png, red) == 0);
}

#[test]
fn an_incomplete_badge_says_so_in_amber() {
    let svg = render_svg(&badge(TraceStatus::Incomplete, BadgeSize::Small)).unwrap();
    assert!(svg.contains("待补录 Incomplete"));
    assert!(svg.contains(TraceStatus::Incomplete.colours().fill));
}

#[test]
fn long_seller_names_are_cut_with_an_ellipsis_and_kept_whole_in_the_title() {
    let long = "深圳市示例电子科技有限公司天猫官方旗舰店华南区域第一分销中心";
    for size in BadgeSize::ALL {
        let b = Badge::new(URL, TraceStatus::Traced, long, date()).with_size(size);
        let svg = render_svg(&b).unwrap();
        let doc = parse_svg(&svg);
        let seller_line = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.descendants().filter_map(|t| t.text()).collect::<String>())
            .find(|t| t.starts_with("商家"))
            .unwrap();
        assert!(seller_line.ends_with('…'), "{size}: {seller_line}");
        let shown = seller_line
            .trim_start_matches("商家 ")
            .trim_end_matches('…');
        assert!(
            long.starts_with(shown) && shown.chars().count() >= 8,
            "{size}: {shown}"
        );
        assert!(
            doc.root_element()
                .attribute("aria-label")
                .unwrap()
                .contains(long)
        );
    }
    let latin = "Hangzhou Example Electrical Appliances Flagship Store International Ltd.";
    let svg = render_svg(&Badge::new(URL, TraceStatus::Traced, latin, date())).unwrap();
    assert!(svg.contains("Hangzhou Example") && svg.contains('…'));
}

#[test]
fn names_outside_the_font_subset_render_without_panicking() {
    // A rare hanzi beyond GB2312 level 1, a supplementary-plane hanzi, emoji, Arabic, Thai,
    // combining marks, control characters and a lone BOM.
    let odd = "𠀋龘 🛵🔋 متجر ร้านค้า e\u{301}\u{0}\u{1b}[31m\u{feff}\u{200b}店";
    for size in BadgeSize::ALL {
        let b = Badge::new(URL, TraceStatus::Incomplete, odd, date())
            .with_size(size)
            .with_product_name(odd);
        let svg = render_svg(&b).unwrap();
        parse_svg(&svg);
        let png = render_png(&b).unwrap();
        assert_eq!(decode_qr(&png), vec![URL.to_owned()]);
    }
    let empty = Badge::new(URL, TraceStatus::Traced, "", date());
    parse_svg(&render_svg(&empty).unwrap());
    render_png(&empty).unwrap();
}

#[test]
fn a_badge_without_an_absolute_url_is_refused_in_both_languages() {
    let b = Badge::new("javascript:alert(1)", TraceStatus::Traced, "x", date());
    let err = render_png(&b).unwrap_err();
    assert!(matches!(err, WidgetError::InvalidUrl { .. }));
    assert!(err.to_string().contains("absolute http(s) URL"));
    assert!(err.message_zh().contains("追溯地址"));
}

#[test]
fn the_plain_qr_helpers_encode_the_url() {
    let url = "https://trace.example.cn/claim/clm_01JABCDEF";
    let png = qr_png(url, 4).unwrap();
    assert_eq!(decode_qr(&png), vec![url.to_owned()]);
    let (w, h, luma) = decode_png(&png);
    assert_eq!(w, h);
    assert_eq!(w % 4, 0);
    assert!(luma.iter().all(|&v| v == 0 || v == 255), "1-bit, crisp");
    let svg = qr_svg(url).unwrap();
    let doc = parse_svg(&svg);
    assert_eq!(
        doc.root_element().attribute("aria-label"),
        Some(&*format!("QR: {url}"))
    );
}

#[test]
fn snippets_escape_every_attribute() {
    let public = "https://trace.example.cn/";
    let id = r#"lst"><script>alert(1)</script>&'"#;
    for snippet in [
        snippet_script(public, id),
        snippet_iframe(public, id),
        snippet_img(public, id),
    ] {
        assert!(!snippet.contains("<script>alert"), "{snippet}");
        assert!(!snippet.contains(r#"lst">"#), "{snippet}");
    }
    let script = snippet_script(public, id);
    assert!(
        script.contains(r#"data-suyuan-listing="lst&quot;&gt;&lt;script&gt;"#),
        "{script}"
    );
    assert!(script.contains(r#"<script src="https://trace.example.cn/embed.js" async></script>"#));
    let iframe = snippet_iframe(public, id);
    assert!(
        iframe.contains(r#"src="https://trace.example.cn/embed/listing/lst%22%3E%3Cscript%3E"#),
        "{iframe}"
    );
    assert!(iframe.contains(r#"sandbox="allow-popups allow-popups-to-escape-sandbox""#));
    let img = snippet_img(public, "lst_01");
    assert_eq!(
        img,
        r#"<a href="https://trace.example.cn/l/lst_01" target="_blank" rel="noopener"><img src="https://trace.example.cn/badge/listing/lst_01.png" alt="溯源追溯标识 Suyuan trace badge" width="480" height="176"></a>"#
    );
}

#[test]
fn embed_js_keeps_to_a_strict_content_security_policy() {
    let js = embed_js();
    for banned in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "Function(",
        "setTimeout(\"",
        ".style",
        "\"style\"",
        "cssText",
        "import(",
    ] {
        assert!(!js.contains(banned), "embed.js uses {banned}");
    }
    assert!(
        js.is_ascii(),
        "embed.js must not depend on the page's charset"
    );
    for needed in [
        "document.currentScript",
        "data-suyuan-listing",
        "data-suyuan-code",
        "data-suyuan-size",
        "MutationObserver",
        "createElement",
        "setAttribute",
        "encodeURIComponent",
        "/badge/",
        "\"/l/\"",
        "\"/t/\"",
        "noopener",
    ] {
        assert!(js.contains(needed), "embed.js lacks {needed}");
    }
    // Its size table matches the badges'.
    for size in BadgeSize::ALL {
        let (w, h) = size.dimensions();
        assert!(
            js.contains(&format!("{}: [{w}, {h}]", size.code())),
            "{size}"
        );
    }
    assert!(js.len() < 8 * 1024);
}

#[test]
fn the_iframe_page_links_to_the_trace_page_and_its_csp_allows_its_only_style() {
    let b = badge(TraceStatus::Traced, BadgeSize::Medium).with_product_name("电动自行车 <TDR>");
    let html = embed_iframe_html(&b, "https://trace.example.cn/l/lst_01?a=1&b=2").unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains(
        r#"<a href="https://trace.example.cn/l/lst_01?a=1&amp;b=2" target="_blank" rel="noopener"><svg"#
    ));
    assert!(html.contains("电动自行车 &lt;TDR&gt;"));
    assert!(!html.contains("<script"));
    let style = html
        .split("<style>")
        .nth(1)
        .and_then(|s| s.split("</style>").next())
        .unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(style.as_bytes()));
    assert!(
        EMBED_PAGE_CSP.contains(&format!("'sha256-{hash}'")),
        "{hash}"
    );
    assert!(matches!(
        embed_iframe_html(&b, "javascript:alert(1)"),
        Err(WidgetError::InvalidUrl { .. })
    ));
}

#[test]
fn rendering_is_deterministic_so_etags_are_stable() {
    let b = badge(TraceStatus::Traced, BadgeSize::Small);
    assert_eq!(render_svg(&b).unwrap(), render_svg(&b).unwrap());
    let (p1, p2) = (render_png(&b).unwrap(), render_png(&b).unwrap());
    assert_eq!(etag_for(&p1), etag_for(&p2));
    let recalled = Badge {
        status: TraceStatus::Recalled,
        ..b
    };
    assert_ne!(etag_for(&p1), etag_for(&render_png(&recalled).unwrap()));
}

#[test]
fn badge_input_round_trips_through_json() {
    let b = badge(TraceStatus::Recalled, BadgeSize::Large);
    let json = serde_json::to_string(&b).unwrap();
    assert!(json.contains(r#""status":"recalled""#) && json.contains(r#""size":"large""#));
    assert_eq!(serde_json::from_str::<Badge>(&json).unwrap(), b);
    let short: BadgeSize = serde_json::from_str(r#""s""#).unwrap();
    assert_eq!(short, BadgeSize::Small);
}
