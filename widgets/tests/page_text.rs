//! Caller text on the public pages: markup and quotes show as text, and on an English page text
//! that exists only in Chinese is marked `lang="zh-CN"`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use scraper::{ElementRef, Html, Selector};
use suyuan_widgets::{
    CustodyStep, Lang, LinkView, PartyView, ProductView, RecallView, StepKind, TracePageView,
    render_bad_code_page, render_not_found_page, render_trace_page,
};

const PUBLIC: &str = "https://trace.example.cn/";
const EVIL: &str = r#"<script>alert("x")</script>"#;
const ESCAPED: &str = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;";

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(el: ElementRef<'_>) -> String {
    el.text().collect()
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 9, 1).unwrap()
}

/// A recalled product whose texts are Chinese only, with one custody step and one link.
fn chinese_only_view() -> TracePageView {
    TracePageView {
        code: "(01)09520001000027(21)YD2025000001".into(),
        code_kind: "gs1".into(),
        product: ProductView {
            name: Some("电动自行车 TDT-2025".into()),
            category_zh: Some("电动自行车".into()),
            ..ProductView::default()
        },
        producer: Some(PartyView {
            name: "示例车业有限公司".into(),
            region_zh: Some("广东省深圳市".into()),
            ..PartyView::default()
        }),
        custody: vec![CustodyStep {
            date: date(),
            step: StepKind::Produced,
            party: Some("示例车业有限公司".into()),
            region_zh: Some("浙江省杭州市".into()),
            region_en: None,
            counterpart: None,
            corrected: false,
            backdate_reason: None,
        }],
        recall: Some(RecallView {
            reason_zh: "电池组可能过热起火".into(),
            issued_at: date(),
            scope_zh: "批次 B123".into(),
            action_zh: "立即停止使用。".into(),
            ..RecallView::default()
        }),
        links: vec![LinkView {
            rel: "gs1:pip".into(),
            href: "/t/x/info".into(),
            title_zh: "产品说明".into(),
            title_en: "  ".into(),
        }],
        ..TracePageView::default()
    }
}

#[test]
fn script_tags_and_quotes_in_caller_text_are_escaped_on_every_public_page() {
    let mut view = chinese_only_view();
    view.product.name = Some(EVIL.into());
    view.custody[0].party = Some(EVIL.into());
    view.links[0].title_zh = EVIL.into();
    view.recall.as_mut().unwrap().scope_zh = EVIL.into();
    for lang in [Lang::Zh, Lang::En] {
        let html = render_trace_page(&view, lang, PUBLIC);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains(r#"("x")"#), "{html}");
        assert!(html.contains(ESCAPED), "{html}");
        let doc = Html::parse_document(&html);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        assert_eq!(text(doc.select(&sel("h1")).next().unwrap()), EVIL);
        assert_eq!(text(doc.select(&sel(".party")).next().unwrap()), EVIL);
        assert_eq!(text(doc.select(&sel(".links a")).next().unwrap()), EVIL);
    }
    for html in [
        render_not_found_page(EVIL, Lang::En, PUBLIC),
        render_bad_code_page(EVIL, EVIL, EVIL, Lang::Zh, PUBLIC),
    ] {
        assert!(
            !html.contains("<script") && html.contains(ESCAPED),
            "{html}"
        );
    }
}

#[test]
fn an_english_page_marks_every_chinese_only_caller_text_as_chinese() {
    let view = chinese_only_view();
    let doc = Html::parse_document(&render_trace_page(&view, Lang::En, PUBLIC));
    let marked: Vec<String> = doc
        .select(&sel("main span[lang=zh-CN]"))
        .map(text)
        .collect();
    assert_eq!(
        marked,
        [
            "立即停止使用。",
            "批次 B123",
            "电池组可能过热起火",
            "电动自行车",
            "广东省深圳市",
            "浙江省杭州市",
            "产品说明",
        ]
    );
    // On the Chinese page the same text needs no mark; only the brand's English name has one.
    let doc = Html::parse_document(&render_trace_page(&view, Lang::Zh, PUBLIC));
    let marked: Vec<String> = doc.select(&sel("main span[lang]")).map(text).collect();
    assert_eq!(marked, ["Suyuan"]);
}
