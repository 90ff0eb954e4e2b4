//! The seller's phone pages: every piece of caller text shows as text (markup and quotes
//! included), forms keep their names and CSRF fields, and the page parses as HTML5.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scraper::{ElementRef, Html, Selector};
use suyuan_widgets::{
    AppPage, Bi, Entry, EntryList, FieldKind, FormField, FormView, Lang, Notice, NoticeKind,
    render_app_page,
};

const EVIL: &str = r#"<script>alert("x")</script>"#;

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(el: ElementRef<'_>) -> String {
    el.text().collect()
}

fn one(doc: &Html, css: &str) -> String {
    text(
        doc.select(&sel(css))
            .next()
            .unwrap_or_else(|| panic!("no {css}")),
    )
}

/// A page with hostile text in every place a caller fills in.
fn hostile_page() -> AppPage {
    let evil = || Bi::new(EVIL, EVIL);
    AppPage {
        title: evil(),
        signed_in_as: Some(EVIL.into()),
        notices: vec![Notice {
            kind: NoticeKind::Error,
            text: evil(),
        }],
        intro: vec![evil()],
        facts: vec![(evil(), EVIL.into())],
        items: Some((evil(), vec![EVIL.into()])),
        qr: Some(("/claim/\"x\"/qr.svg".into(), evil())),
        scanner: None,
        forms: vec![FormView {
            id: "receive".into(),
            action: "/app/receive".into(),
            heading: Some(evil()),
            csrf: EVIL.into(),
            fields: vec![
                FormField::new("next", Bi::default(), FieldKind::Hidden).value(Some(EVIL)),
                FormField::new("note", evil(), FieldKind::TextArea)
                    .value(Some(EVIL))
                    .hint(evil()),
                FormField::new(
                    "category",
                    evil(),
                    FieldKind::Select(vec![
                        ("ebike".into(), Bi::new("电动自行车", "E-bike")),
                        (EVIL.into(), evil()),
                    ]),
                )
                .value(Some(EVIL))
                .required(),
                FormField {
                    error: Some(evil()),
                    ..FormField::new("quantity", evil(), FieldKind::Number).value(Some(EVIL))
                },
            ],
            submit: evil(),
        }],
        lists: vec![EntryList {
            id: "sent".into(),
            heading: evil(),
            empty: evil(),
            entries: vec![Entry {
                title: EVIL.into(),
                status: Some(("pending\"><b>".into(), evil())),
                lines: vec![evil()],
                link: Some(("/claim/\"x\"".into(), evil())),
            }],
        }],
        links: vec![("/app?x=\"y\"".into(), evil())],
    }
}

#[test]
fn caller_text_with_markup_and_quotes_is_shown_as_text_on_an_app_page() {
    for lang in [Lang::Zh, Lang::En] {
        let html = render_app_page(&hostile_page(), lang, "https://t.example/");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
        let doc = Html::parse_document(&html);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        assert_eq!(doc.select(&sel("script, b")).count(), 0);

        assert!(one(&doc, "title").starts_with(EVIL));
        for css in [
            "h1",
            ".who",
            ".notice-error",
            "dl.facts dt",
            "dl.facts dd",
            "#items li",
            "figcaption",
            "form h2",
            "#receive-note",
            ".hint",
            ".field-error",
            "#sent h2",
            ".entry-head strong",
            ".entry-head .status",
            ".entry p.muted",
            ".entry a",
            "a.button-secondary",
            "button[type=submit]",
        ] {
            assert!(one(&doc, css).ends_with(EVIL), "{css}: {}", one(&doc, css));
        }

        let attr = |css: &str, name: &str| {
            doc.select(&sel(css))
                .next()
                .unwrap_or_else(|| panic!("no {css}"))
                .attr(name)
                .unwrap()
                .to_owned()
        };
        assert_eq!(attr("input[name=csrf]", "value"), EVIL);
        assert_eq!(attr("input[name=next]", "value"), EVIL);
        assert_eq!(attr("#receive-quantity", "value"), EVIL);
        assert_eq!(attr("#receive-quantity", "inputmode"), "decimal");
        assert_eq!(attr("#receive-quantity", "aria-invalid"), "true");
        assert_eq!(attr("figure.qr img", "src"), "/claim/\"x\"/qr.svg");
        assert_eq!(attr("figure.qr img", "alt"), EVIL);
        assert_eq!(attr(".entry a", "href"), "/claim/\"x\"");
        assert_eq!(attr("a.button-secondary", "href"), "/app?x=\"y\"");
        // The status token keeps only what a class name may hold.
        assert_eq!(
            attr(".entry-head .status", "class"),
            "status status-pendingb"
        );

        let selected: Vec<_> = doc
            .select(&sel("#receive-category option[selected]"))
            .map(|o| o.attr("value").unwrap().to_owned())
            .collect();
        assert_eq!(selected, [EVIL]);
        assert!(
            doc.select(&sel("#receive-category[required]"))
                .next()
                .is_some()
        );
    }
}

#[test]
fn an_app_page_keeps_its_form_names_and_csrf_field_and_the_language_switch() {
    let page = AppPage {
        title: Bi::new("收货", "Receive"),
        forms: vec![FormView {
            id: "receive".into(),
            action: "/app/receive".into(),
            heading: None,
            csrf: "tok".into(),
            fields: vec![
                FormField::new(
                    "received_on",
                    Bi::new("收货日期", "Received on"),
                    FieldKind::Date,
                )
                .required(),
                FormField::new("email", Bi::new("邮箱", "E-mail"), FieldKind::Email),
            ],
            submit: Bi::new("登记", "Register"),
        }],
        ..AppPage::default()
    };
    let html = render_app_page(&page, Lang::En, "https://t.example");
    let doc = Html::parse_document(&html);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let form = doc.select(&sel("form#receive")).next().unwrap();
    assert_eq!(form.attr("method"), Some("post"));
    assert_eq!(form.attr("action"), Some("/app/receive"));
    assert_eq!(form.attr("accept-charset"), Some("utf-8"));
    let names: Vec<_> = form
        .select(&sel("input, select, textarea"))
        .map(|i| {
            (
                i.attr("name").unwrap().to_owned(),
                i.attr("type").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("csrf".to_owned(), "hidden".to_owned()),
            ("received_on".to_owned(), "date".to_owned()),
            ("email".to_owned(), "email".to_owned()),
        ]
    );
    assert_eq!(one(&doc, "label[for=receive-received_on]"), "Received on *");
    assert!(html.contains(r#"<label for="receive-email">E-mail</label>"#));
    let switch = doc.select(&sel("a.lang-switch")).next().unwrap();
    assert_eq!(switch.attr("href"), Some("?lang=zh"));
    assert_eq!(switch.attr("lang"), Some("zh-CN"));
    assert_eq!(
        one(&doc, "footer"),
        "Suyuan: quality and safety tracing of key industrial products."
    );
}
