//! What a person who scans a code sees on the public trace page: the recall first, the status
//! in the badge's colours, the chain of custody in order, caller text as text, no script and no
//! inline style, both languages, and helpful 404 / 400 pages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use scraper::{ElementRef, Html, Selector};
use suyuan_widgets::{
    AuthenticityView, CertificateView, ClaimView, CustodyStep, Lang, LinkView, PAGE_CSP, PartyView,
    ProductView, RecallView, SellerActions, StepKind, TracePageView, TraceStatus,
    render_bad_code_page, render_not_found_page, render_trace_page, trace_css,
};

const PUBLIC: &str = "https://trace.example.cn/";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn step(date: NaiveDate, step: StepKind, party: &str) -> CustodyStep {
    CustodyStep {
        date,
        step,
        party: Some(party.into()),
        region_zh: Some("浙江省杭州市".into()),
        region_en: Some("Hangzhou, Zhejiang".into()),
        counterpart: None,
        corrected: false,
        backdate_reason: None,
    }
}

/// A traced batch of cable: no recall, no seller signed in.
fn batch_view() -> TracePageView {
    TracePageView {
        code: "(01)09520001000010(10)B2026-07".into(),
        code_kind: "gs1".into(),
        digital_link: Some("https://trace.example.cn/01/09520001000010/10/B2026-07".into()),
        status: TraceStatus::Traced,
        product: ProductView {
            name: Some("BV 2.5mm² 铜芯聚氯乙烯绝缘电线".into()),
            model: Some("BV-2.5".into()),
            gtin: Some("09520001000010".into()),
            batch: Some("B2026-07".into()),
            category_id: Some("wire_cable".into()),
            category_zh: Some("电线电缆".into()),
            category_en: Some("Wires and cables".into()),
            ..ProductView::default()
        },
        producer: Some(PartyView {
            name: "示例线缆有限公司".into(),
            credit_code: Some("91350100M000100Y43".into()),
            region_zh: Some("福建省福州市".into()),
            region_en: Some("Fuzhou, Fujian".into()),
        }),
        certificates: vec![CertificateView {
            kind: "ccc".into(),
            number: "2021010105123456".into(),
            check: Some("valid".into()),
        }],
        claims: vec![],
        custody: vec![
            step(d(2026, 7, 1), StepKind::Produced, "示例线缆有限公司"),
            CustodyStep {
                counterpart: Some("杭州示例五金批发部".into()),
                ..step(d(2026, 7, 3), StepKind::Shipped, "示例线缆有限公司")
            },
            step(d(2026, 7, 5), StepKind::Received, "杭州示例五金批发部"),
            CustodyStep {
                corrected: true,
                ..step(
                    d(2026, 7, 9),
                    StepKind::SoldToConsumer,
                    "杭州示例五金批发部",
                )
            },
        ],
        recall: None,
        authenticity: AuthenticityView {
            unit_level: false,
            times_sold: 40,
            times_scanned: 120,
            times_received_by_sellers: 3,
            suspicious: false,
        },
        seller_actions: None,
        links: vec![LinkView {
            rel: "gs1:pip".into(),
            href: "https://producer.example.cn/bv25".into(),
            title_zh: "产品说明".into(),
            title_en: "Product information".into(),
        }],
        updated: Some(d(2026, 7, 9)),
    }
}

/// A recalled e-bike whose unit code was sold twice (a clone), scanned by a signed-in seller.
fn recalled_clone_view() -> TracePageView {
    TracePageView {
        code: "(01)09520001000027(21)YD2025000001".into(),
        code_kind: "gs1".into(),
        digital_link: Some("https://trace.example.cn/01/09520001000027/21/YD2025000001".into()),
        status: TraceStatus::Recalled,
        product: ProductView {
            name: Some("电动自行车 TDT-2025".into()),
            model: Some("TDT-2025".into()),
            gtin: Some("09520001000027".into()),
            batch: Some("B123".into()),
            serial: Some("YD2025000001".into()),
            category_zh: Some("电动自行车".into()),
            category_en: Some("Electric bicycles".into()),
            ..ProductView::default()
        },
        producer: Some(PartyView {
            name: "示例车业有限公司".into(),
            credit_code: Some("91440300708461136T".into()),
            region_zh: Some("广东省深圳市".into()),
            region_en: None,
        }),
        certificates: vec![CertificateView {
            kind: "ccc".into(),
            number: "2023011119000001".into(),
            check: Some("valid".into()),
        }],
        claims: vec![],
        custody: vec![
            step(d(2025, 3, 1), StepKind::Produced, "示例车业有限公司"),
            step(d(2025, 3, 10), StepKind::Received, "杭州示例电动车行"),
            step(d(2025, 4, 2), StepKind::SoldToConsumer, "杭州示例电动车行"),
            step(d(2025, 6, 20), StepKind::SoldToConsumer, "宁波某车行"),
            step(d(2025, 9, 1), StepKind::Recalled, "示例车业有限公司"),
        ],
        recall: Some(RecallView {
            reason_zh: "电池组可能过热起火".into(),
            reason_en: Some("The battery pack may overheat and catch fire".into()),
            issued_at: d(2025, 9, 1),
            scope_zh: "批次 B123".into(),
            action_zh: "立即停止充电和使用，联系销售者免费更换电池。".into(),
            action_en:
                "Stop charging and riding it now; the seller replaces the battery free of charge."
                    .into(),
            contact: Some("400-000-0000".into()),
        }),
        authenticity: AuthenticityView {
            unit_level: true,
            times_sold: 2,
            times_scanned: 7,
            times_received_by_sellers: 2,
            suspicious: true,
        },
        seller_actions: Some(SellerActions {
            seller_name: "杭州示例电动车行".into(),
            receive_url: "/seller/receive?code=YD2025000001".into(),
            sell_url: "/seller/sell?code=YD2025000001".into(),
        }),
        links: vec![],
        updated: Some(d(2025, 9, 1)),
    }
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn parse(html: &str) -> Html {
    Html::parse_document(html)
}

fn all_text(el: ElementRef<'_>) -> String {
    el.text().collect::<String>()
}

fn body_text(doc: &Html) -> String {
    all_text(doc.select(&sel("body")).next().unwrap())
}

fn every_page() -> Vec<String> {
    let mut pages = Vec::new();
    for lang in [Lang::Zh, Lang::En] {
        pages.push(render_trace_page(&batch_view(), lang, PUBLIC));
        pages.push(render_trace_page(&recalled_clone_view(), lang, PUBLIC));
        pages.push(render_trace_page(&TracePageView::default(), lang, PUBLIC));
        pages.push(render_not_found_page("(01)09520001000010", lang, PUBLIC));
        pages.push(render_bad_code_page(
            "abc",
            "校验位应为 3",
            "check digit should be 3",
            lang,
            PUBLIC,
        ));
    }
    pages
}

#[test]
fn a_recalled_product_opens_the_page_with_an_alert_banner_saying_what_to_do() {
    let doc = parse(&render_trace_page(&recalled_clone_view(), Lang::Zh, PUBLIC));

    let main = doc.select(&sel("main")).next().unwrap();
    let first = main.child_elements().next().unwrap();
    assert_eq!(first.attr("role"), Some("alert"));
    assert!(first.value().classes().any(|c| c == "recall"));
    let text = all_text(first);
    assert!(text.contains("立即停止充电和使用"), "{text}");
    assert!(text.contains("批次 B123"), "{text}");
    assert!(text.contains("2025-09-01"), "{text}");
    assert!(text.contains("电池组可能过热起火"), "{text}");
    assert!(text.contains("400-000-0000"), "{text}");
    // Nothing of the page comes before <main>.
    let body = doc.select(&sel("body")).next().unwrap();
    assert_eq!(body.child_elements().next().unwrap().value().name(), "main");
}

#[test]
fn a_page_without_a_recall_has_no_alert() {
    let doc = parse(&render_trace_page(&batch_view(), Lang::Zh, PUBLIC));
    assert_eq!(doc.select(&sel("[role=alert]")).count(), 0);
    assert_eq!(doc.select(&sel(".recall")).count(), 0);
}

#[test]
fn the_english_recall_banner_is_in_english_and_marks_chinese_scope_as_chinese() {
    let doc = parse(&render_trace_page(&recalled_clone_view(), Lang::En, PUBLIC));
    let banner = doc.select(&sel("main > [role=alert]")).next().unwrap();
    let text = all_text(banner);
    assert!(text.contains("Stop charging and riding it now"), "{text}");
    assert!(text.contains("overheat"), "{text}");
    let scope = banner.select(&sel("span[lang=zh-CN]")).next().unwrap();
    assert_eq!(all_text(scope), "批次 B123");
}

#[test]
fn a_recall_is_never_contradicted_by_a_green_status() {
    let view = TracePageView {
        status: TraceStatus::Traced,
        ..recalled_clone_view()
    };
    let doc = parse(&render_trace_page(&view, Lang::Zh, PUBLIC));
    assert_eq!(doc.select(&sel(".status-recalled")).count(), 1);
    assert_eq!(doc.select(&sel(".status-traced")).count(), 0);
}

#[test]
fn the_status_header_carries_the_status_class_and_label() {
    for (status, zh, en) in [
        (TraceStatus::Traced, "已追溯", "Traced"),
        (TraceStatus::Incomplete, "待补录", "Incomplete"),
        (TraceStatus::Recalled, "已召回", "Recalled"),
    ] {
        let view = TracePageView {
            status,
            ..batch_view()
        };
        for (lang, label) in [(Lang::Zh, zh), (Lang::En, en)] {
            let doc = parse(&render_trace_page(&view, lang, PUBLIC));
            let class = format!(".status.status-{}", status.as_str());
            let header = doc.select(&sel(&class)).next().unwrap();
            let shown = all_text(header.select(&sel(".status-label")).next().unwrap());
            assert_eq!(shown.trim(), label);
        }
    }
}

#[test]
fn the_stylesheet_gives_each_status_the_badge_colours_and_stays_small() {
    let css = trace_css();
    assert!(css.len() < 6 * 1024, "trace.css is {} bytes", css.len());
    for status in TraceStatus::ALL {
        let c = status.colours();
        let rule = format!(
            ".status-{}{{background:{};color:{}}}",
            status.as_str(),
            c.fill,
            c.text
        );
        assert!(css.contains(&rule), "missing {rule}");
    }
    assert!(css.contains("PingFang SC") && css.contains("Microsoft YaHei"));
}

#[test]
fn the_stylesheet_is_linked_under_the_public_url() {
    let doc = parse(&render_trace_page(&batch_view(), Lang::Zh, PUBLIC));
    let links: Vec<_> = doc
        .select(&sel("link[rel=stylesheet]"))
        .map(|l| l.attr("href").unwrap().to_owned())
        .collect();
    assert_eq!(links, ["https://trace.example.cn/assets/trace.css"]);
    let viewport = doc.select(&sel("meta[name=viewport]")).next().unwrap();
    assert!(
        viewport
            .attr("content")
            .unwrap()
            .contains("width=device-width")
    );
}

#[test]
fn the_chain_of_custody_lists_steps_oldest_first_and_marks_corrections() {
    let doc = parse(&render_trace_page(&batch_view(), Lang::Zh, PUBLIC));
    let items: Vec<_> = doc.select(&sel("ol.timeline > li")).collect();
    let labels: Vec<String> = items
        .iter()
        .map(|li| all_text(li.select(&sel(".step-label")).next().unwrap()))
        .collect();
    assert_eq!(labels, ["生产出厂", "发货", "进货验收", "销售给消费者"]);
    let dates: Vec<_> = items
        .iter()
        .map(|li| {
            li.select(&sel("time"))
                .next()
                .unwrap()
                .attr("datetime")
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        dates,
        ["2026-07-01", "2026-07-03", "2026-07-05", "2026-07-09"]
    );
    assert!(all_text(items[1]).contains("发往：杭州示例五金批发部"));
    assert!(all_text(items[2]).contains("浙江省杭州市"));

    let corrected: Vec<_> = items
        .iter()
        .map(|li| li.select(&sel(".corrected")).next().map(all_text))
        .collect();
    assert_eq!(corrected, [None, None, None, Some("已更正".to_owned())]);
}

#[test]
fn a_sale_to_a_consumer_never_shows_a_counterpart() {
    let mut view = batch_view();
    view.custody = vec![CustodyStep {
        counterpart: Some("张三 13800000000".into()),
        ..step(
            d(2026, 7, 9),
            StepKind::SoldToConsumer,
            "杭州示例五金批发部",
        )
    }];
    for lang in [Lang::Zh, Lang::En] {
        let html = render_trace_page(&view, lang, PUBLIC);
        assert!(!html.contains("张三"));
        assert!(!html.contains("13800000000"));
    }
}

#[test]
fn markup_in_caller_text_is_shown_as_text() {
    let evil = r#"<script>alert("x")</script><img src=x onerror=alert(1)>"#;
    let mut view = recalled_clone_view();
    view.code = evil.into();
    view.product.name = Some(evil.into());
    view.product.model = Some(evil.into());
    view.producer.as_mut().unwrap().name = evil.into();
    view.custody[1].party = Some(evil.into());
    view.recall.as_mut().unwrap().reason_zh = evil.into();
    view.recall.as_mut().unwrap().scope_zh = evil.into();
    view.certificates[0].kind = evil.into();
    view.certificates[0].check = Some(evil.into());
    view.seller_actions.as_mut().unwrap().seller_name = evil.into();
    view.links = vec![LinkView {
        rel: "gs1:pip".into(),
        href: "https://x.example/\"><script>".into(),
        title_zh: evil.into(),
        title_en: evil.into(),
    }];

    let html = render_trace_page(&view, Lang::Zh, PUBLIC);
    let doc = parse(&html);
    assert_eq!(doc.select(&sel("script")).count(), 0);
    assert_eq!(doc.select(&sel("img")).count(), 0);
    assert_eq!(doc.select(&sel("h1")).next().map(all_text).unwrap(), evil);
    assert!(
        doc.select(&sel("title"))
            .next()
            .map(all_text)
            .unwrap()
            .contains(evil)
    );
    let link = doc.select(&sel(".links a")).next().unwrap();
    assert_eq!(link.attr("href"), Some("https://x.example/\"><script>"));
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
}

#[test]
fn no_page_has_script_inline_style_or_event_handlers() {
    for html in every_page() {
        let doc = parse(&html);
        assert_eq!(doc.select(&sel("script, style, [style]")).count(), 0);
        for el in doc.root_element().descendent_elements() {
            for (name, _) in el.value().attrs() {
                assert!(!name.starts_with("on"), "event handler {name} in {html}");
            }
        }
    }
}

#[test]
fn every_page_parses_as_html5_without_errors() {
    for html in every_page() {
        let doc = parse(&html);
        assert!(doc.errors.is_empty(), "{:?}\n{html}", doc.errors);
        assert!(html.starts_with("<!doctype html>"));
    }
}

#[test]
fn links_that_are_not_http_or_relative_are_dropped() {
    let mut view = recalled_clone_view();
    view.digital_link = Some("javascript:alert(1)".into());
    view.seller_actions = Some(SellerActions {
        seller_name: "店".into(),
        receive_url: "JavaScript:alert(1)".into(),
        sell_url: "data:text/html,<b>x</b>".into(),
    });
    view.links = vec![
        LinkView {
            rel: "gs1:pip".into(),
            href: "java\tscript:alert(1)".into(),
            title_zh: "坏链接".into(),
            title_en: "bad".into(),
        },
        LinkView {
            rel: "gs1:traceability".into(),
            href: "/t/abc/events".into(),
            title_zh: "追溯事件".into(),
            title_en: "Trace events".into(),
        },
    ];
    let doc = parse(&render_trace_page(&view, Lang::Zh, PUBLIC));
    let hrefs: Vec<&str> = doc
        .select(&sel("[href]"))
        .map(|a| a.attr("href").unwrap())
        .collect();
    for href in &hrefs {
        let ok = href.starts_with("https://")
            || href.starts_with('/')
            || href.starts_with('?')
            || *href == "tel:12315";
        assert!(ok, "unexpected href {href}");
    }
    assert!(hrefs.contains(&"/t/abc/events"));
    assert!(!body_text(&doc).contains("坏链接"));
    assert_eq!(doc.select(&sel(".seller a")).count(), 0);
}

#[test]
fn the_language_switch_keeps_the_path_and_names_the_other_language() {
    let zh = parse(&render_trace_page(&batch_view(), Lang::Zh, PUBLIC));
    let html = zh.select(&sel("html")).next().unwrap();
    assert_eq!(html.attr("lang"), Some("zh-CN"));
    let switch = zh.select(&sel("a.lang-switch")).next().unwrap();
    assert_eq!(switch.attr("href"), Some("?lang=en"));
    assert_eq!(all_text(switch), "English");

    let en = parse(&render_trace_page(&batch_view(), Lang::En, PUBLIC));
    assert_eq!(
        en.select(&sel("html")).next().unwrap().attr("lang"),
        Some("en")
    );
    let switch = en.select(&sel("a.lang-switch")).next().unwrap();
    assert_eq!(switch.attr("href"), Some("?lang=zh"));
    assert_eq!(all_text(switch), "中文");

    for page in [
        render_not_found_page("x", Lang::En, PUBLIC),
        render_bad_code_page("x", "错", "wrong", Lang::En, PUBLIC),
    ] {
        let doc = parse(&page);
        let switch = doc.select(&sel("a.lang-switch")).next().unwrap();
        assert_eq!(switch.attr("href"), Some("?lang=zh"));
    }
}

#[test]
fn the_english_page_has_english_labels() {
    let doc = parse(&render_trace_page(&batch_view(), Lang::En, PUBLIC));
    let headings: Vec<String> = doc.select(&sel("h2")).map(all_text).collect();
    assert_eq!(
        headings,
        [
            "Producer",
            "Certificates",
            "Chain of custody",
            "Authenticity",
            "More information"
        ]
    );
    let terms: Vec<String> = doc.select(&sel(".product dt")).map(all_text).collect();
    assert_eq!(
        terms,
        [
            "Trace code",
            "Code type",
            "Model",
            "GTIN",
            "Batch",
            "Category",
            "Digital Link"
        ]
    );
    let labels: Vec<String> = doc.select(&sel(".step-label")).map(all_text).collect();
    assert_eq!(
        labels,
        ["Produced", "Shipped", "Received", "Sold to a consumer"]
    );
    let text = body_text(&doc);
    assert!(text.contains("Wires and cables"));
    assert!(text.contains("Fuzhou, Fujian"));
    assert!(text.contains("Corrected"));
    assert!(text.contains("Product information"));
    assert!(text.contains("Updated 2026-07-09"));
    assert!(!text.contains("流通记录"));
}

#[test]
fn an_english_page_marks_chinese_fallback_text_with_its_language() {
    // The producer of the recalled bike has no English region.
    let doc = parse(&render_trace_page(&recalled_clone_view(), Lang::En, PUBLIC));
    let region = doc
        .select(&sel(".producer dd span[lang=zh-CN]"))
        .next()
        .unwrap();
    assert_eq!(all_text(region), "广东省深圳市");
}

#[test]
fn a_unit_code_shows_its_counts_and_warns_of_a_clone_only_when_suspicious() {
    let doc = parse(&render_trace_page(&recalled_clone_view(), Lang::Zh, PUBLIC));
    let auth = all_text(doc.select(&sel(".authenticity")).next().unwrap());
    assert!(auth.contains("此码已售出 2 次、被扫描 7 次"), "{auth}");
    let warning = doc.select(&sel(".authenticity .warning")).next().unwrap();
    let warning = all_text(warning);
    assert!(warning.contains("可能是仿冒码"), "{warning}");
    assert!(warning.contains("12315"), "{warning}");

    let mut honest = recalled_clone_view();
    honest.authenticity.suspicious = false;
    honest.authenticity.times_sold = 1;
    let doc = parse(&render_trace_page(&honest, Lang::En, PUBLIC));
    assert_eq!(doc.select(&sel(".warning")).count(), 0);
    let auth = all_text(doc.select(&sel(".authenticity")).next().unwrap());
    assert!(auth.contains("sold 1 time and scanned 7 times"), "{auth}");
}

#[test]
fn a_batch_code_gets_a_neutral_note_and_no_clone_warning() {
    let mut view = batch_view();
    view.authenticity.suspicious = true;
    let doc = parse(&render_trace_page(&view, Lang::Zh, PUBLIC));
    assert_eq!(doc.select(&sel(".warning")).count(), 0);
    let auth = all_text(doc.select(&sel(".authenticity")).next().unwrap());
    assert!(auth.contains("批次码"), "{auth}");
    assert!(!auth.contains("已售出"), "{auth}");
}

#[test]
fn seller_actions_appear_only_for_a_signed_in_seller() {
    let doc = parse(&render_trace_page(&recalled_clone_view(), Lang::Zh, PUBLIC));
    let actions: Vec<(String, String)> = doc
        .select(&sel(".seller a.button"))
        .map(|a| (all_text(a), a.attr("href").unwrap().to_owned()))
        .collect();
    assert_eq!(
        actions,
        [
            (
                "接收入库".to_owned(),
                "/seller/receive?code=YD2025000001".to_owned()
            ),
            (
                "登记销售".to_owned(),
                "/seller/sell?code=YD2025000001".to_owned()
            ),
        ]
    );
    assert!(all_text(doc.select(&sel(".seller")).next().unwrap()).contains("杭州示例电动车行"));

    let doc = parse(&render_trace_page(&batch_view(), Lang::Zh, PUBLIC));
    assert_eq!(doc.select(&sel(".seller")).count(), 0);
    assert!(!body_text(&doc).contains("接收入库"));
}

#[test]
fn missing_details_leave_no_empty_rows() {
    let view = TracePageView {
        code: "88.118.8/ABC-1".into(),
        code_kind: "handle".into(),
        product: ProductView {
            name: Some("安全帽".into()),
            batch: Some("  ".into()),
            ..ProductView::default()
        },
        ..TracePageView::default()
    };
    let doc = parse(&render_trace_page(&view, Lang::Zh, PUBLIC));
    let terms: Vec<String> = doc.select(&sel(".product dt")).map(all_text).collect();
    assert_eq!(terms, ["追溯码", "码制"]);
    let text = body_text(&doc);
    assert!(text.contains("工业互联网标识"));
    assert!(text.contains("生产者信息尚未登记"));
    assert!(text.contains("暂无流通记录"));
    assert_eq!(
        doc.select(&sel(".certs, .links, .seller, .recall")).count(),
        0
    );
}

#[test]
fn the_not_found_page_explains_how_to_report_a_fake_and_escapes_the_code() {
    let code = "<b>FAKE</b>&1";
    for (lang, must) in [
        (
            Lang::Zh,
            [
                "此码未在溯源登记",
                "保留商品上的原码",
                "购物凭证",
                "全国12315平台",
            ],
        ),
        (
            Lang::En,
            [
                "not registered with Suyuan",
                "original code",
                "proof of purchase",
                "12315",
            ],
        ),
    ] {
        let html = render_not_found_page(code, lang, PUBLIC);
        let doc = parse(&html);
        assert_eq!(doc.select(&sel("b")).count(), 0);
        let shown = doc
            .select(&sel("h1 ~ p code"))
            .next()
            .map(all_text)
            .unwrap();
        assert_eq!(shown, code);
        let text = body_text(&doc);
        for m in must {
            assert!(text.contains(m), "{m} missing from {text}");
        }
        assert!(doc.select(&sel("a[href='tel:12315']")).next().is_some());
        assert!(
            doc.select(&sel("a[href='https://www.12315.cn/']"))
                .next()
                .is_some()
        );
        assert!(
            doc.select(&sel("meta[name=robots][content=noindex]"))
                .next()
                .is_some()
        );
        assert!(!text.to_lowercase().contains("error"));
    }
}

#[test]
fn the_bad_code_page_shows_the_escaped_parse_error_in_the_page_language() {
    let err_zh = "GTIN 校验位应为 3，实际为 <4>";
    let err_en = "GTIN check digit should be 3, got <4>";
    let zh = parse(&render_bad_code_page(
        "0695<i>x</i>",
        err_zh,
        err_en,
        Lang::Zh,
        PUBLIC,
    ));
    assert_eq!(zh.select(&sel("i")).count(), 0);
    assert!(all_text(zh.select(&sel(".error")).next().unwrap()).contains(err_zh));
    assert!(body_text(&zh).contains("0695<i>x</i>"));

    let en = parse(&render_bad_code_page(
        "0695",
        err_zh,
        err_en,
        Lang::En,
        PUBLIC,
    ));
    let shown = all_text(en.select(&sel(".error")).next().unwrap());
    assert!(shown.contains(err_en), "{shown}");
    assert!(!shown.contains("校验位"));
}

#[test]
fn a_very_long_input_is_echoed_clipped() {
    let long = "9".repeat(5000);
    let html = render_bad_code_page(&long, "太长", "too long", Lang::Zh, PUBLIC);
    assert!(html.len() < 8000, "{} bytes", html.len());
    assert!(html.contains('…'));
}

#[test]
fn the_csp_allows_no_script_and_no_framing() {
    assert_eq!(
        PAGE_CSP,
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    assert!(!PAGE_CSP.contains("script-src"));
}

#[test]
fn the_view_round_trips_through_json_with_snake_case_names() {
    let view = recalled_clone_view();
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["status"], "recalled");
    assert_eq!(json["custody"][2]["step"], "sold_to_consumer");
    assert_eq!(json["recall"]["issued_at"], "2025-09-01");
    let back: TracePageView = serde_json::from_value(json).unwrap();
    assert_eq!(back, view);
    // Missing fields take their defaults.
    let minimal: TracePageView = serde_json::from_str(r#"{"code":"X"}"#).unwrap();
    assert_eq!(minimal.status, TraceStatus::Traced);
    assert!(minimal.custody.is_empty());
    assert_eq!(serde_json::to_value(Lang::En).unwrap(), "en");
}

#[test]
fn every_step_kind_has_labels_in_both_languages() {
    for kind in StepKind::ALL {
        assert!(!kind.label_zh().is_empty());
        assert!(kind.label_en().is_ascii());
        assert_eq!(kind.label(Lang::Zh), kind.label_zh());
        assert_eq!(kind.label(Lang::En), kind.label_en());
        let json = serde_json::to_value(kind).unwrap();
        assert_eq!(json, kind.as_str());
    }
}

#[test]
fn the_language_is_negotiated_from_the_query_then_the_header() {
    let cases: &[(Option<&str>, Option<&str>, Lang)] = &[
        (None, None, Lang::Zh),
        (None, Some("en-US,en;q=0.9"), Lang::En),
        (None, Some("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh),
        (None, Some("fr, en;q=0.5"), Lang::En),
        (None, Some("fr-FR,fr;q=0.9,de;q=0.8"), Lang::Zh),
        (None, Some("en;q=0.4,zh-TW;q=0.6"), Lang::Zh),
        (None, Some("zh;q=0, en"), Lang::En),
        (None, Some("en;q=0.5,zh;q=0.5"), Lang::En),
        (None, Some("zh;q=abc, en;q=0.1"), Lang::En),
        (None, Some("*"), Lang::Zh),
        (None, Some(";;;,,,=q=="), Lang::Zh),
        (None, Some(""), Lang::Zh),
        (Some("en"), Some("zh-CN"), Lang::En),
        (Some("zh"), Some("en-US,en;q=0.9"), Lang::Zh),
        (Some("zh-CN"), Some("en"), Lang::Zh),
        (Some("EN_us"), None, Lang::En),
        (Some("klingon"), Some("en-GB"), Lang::En),
        (Some("<script>"), None, Lang::Zh),
        (Some(""), Some("en"), Lang::En),
    ];
    for (query, header, want) in cases {
        assert_eq!(
            Lang::negotiate(*query, *header),
            *want,
            "query {query:?}, header {header:?}"
        );
    }
    assert_eq!(Lang::Zh.code(), "zh-CN");
    assert_eq!(Lang::En.code(), "en");
}

#[test]
fn claims_that_do_not_fit_the_chain_are_shown_apart_with_their_reason_escaped() {
    let mut view = batch_view();
    view.claims = vec![ClaimView {
        date: d(2000, 1, 1),
        step: StepKind::Received,
        party: Some("冒名商行".into()),
        product_name: Some("<b>FAKE</b>".into()),
        reason: "not_shipped_to_claimant".into(),
        reason_zh: "此码的持有者从未向该企业发货或销售".into(),
        reason_en: "the unit's holder never shipped or sold it to this business".into(),
        backdate_reason: Some("补录".into()),
    }];
    let zh = render_trace_page(&view, Lang::Zh, PUBLIC);
    let doc = Html::parse_document(&zh);
    let claims = doc
        .select(&Selector::parse("section.claims").unwrap())
        .next()
        .expect("a claims section");
    let text: String = claims.text().collect();
    assert!(text.contains("可疑声明"), "{text}");
    assert!(
        text.contains("冒名商行") && text.contains("<b>FAKE</b>"),
        "{text}"
    );
    assert!(text.contains("从未向该企业发货或销售") && text.contains("补录原因：补录"));
    assert!(!zh.contains("<b>FAKE</b>"), "caller text is escaped");
    let en = render_trace_page(&view, Lang::En, PUBLIC);
    assert!(en.contains("Suspicious claims") && en.contains("never shipped or sold it"));
    // Without claims there is no such section.
    let plain = render_trace_page(&batch_view(), Lang::Zh, PUBLIC);
    assert!(!plain.contains("可疑声明"));
}
