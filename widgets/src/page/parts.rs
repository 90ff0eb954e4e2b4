//! The pieces every page is made of: the document shell, the top bar with the language switch,
//! the footer, the icons, definition-list rows, dates, text in one language or the other, and
//! the checks that keep a caller's URL out of an `href` unless it is safe.

use chrono::NaiveDate;
use maud::{Markup, PreEscaped, Render, display, html};

use super::lang::{Lang, tr};
use crate::text::{ELLIPSIS, one_line};

/// The doctype every page starts with, lower-case as it always was (maud's `DOCTYPE` is
/// upper-case; browsers accept both).
pub(crate) const DOCTYPE: PreEscaped<&str> = PreEscaped("<!doctype html>");

/// The whole document of a public page (trace page or error page): the head with the
/// stylesheet from `{public_url}/assets/trace.css`, then `<main>` holding `content`, then
/// `footer`.
pub(super) fn document(
    lang: Lang,
    title: &str,
    public_url: &str,
    noindex: bool,
    content: Markup,
    footer: Markup,
) -> String {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                meta name="referrer" content="strict-origin-when-cross-origin";
                meta name="format-detection" content="telephone=no";
                meta name="color-scheme" content="light";
                @if noindex {
                    meta name="robots" content="noindex";
                }
                title { (one_line(title)) }
                link rel="stylesheet" href={ (base(public_url)) "/assets/trace.css" };
            }
            body {
                main { (content) }
                (footer)
            }
        }
    }
    .into_string()
}

/// The brand and the language switch: a relative `?lang=` link, so the path is kept. The seller
/// pages use it too.
pub(crate) fn top_bar(lang: Lang) -> Markup {
    let other = lang.other();
    html! {
        header.top {
            span.brand { "溯源 " span lang="en" { "Suyuan" } }
            a.lang-switch href={ "?lang=" (other.query_value()) } hreflang=(other.code())
                lang=(other.code()) { (tr(other, "中文", "English")) }
        }
    }
}

/// The footer: on a trace page the data source and the update date, on an error page only
/// what the service is.
pub(super) fn footer(lang: Lang, trace_page: bool, updated: Option<NaiveDate>) -> Markup {
    html! {
        footer.foot {
            @if trace_page {
                p {
                    (tr(
                        lang,
                        "数据来源：生产者和各级销售者登记的追溯记录，由溯源（Suyuan）汇总。流通记录只显示企业，不含消费者个人信息。",
                        "Source: trace records registered by the producer and each seller, compiled by Suyuan. The chain of custody shows businesses only, never consumers' personal data.",
                    ))
                }
                @if let Some(d) = updated {
                    p { (tr(lang, "更新于 ", "Updated ")) (date(d)) }
                }
            } @else {
                p {
                    (tr(
                        lang,
                        "溯源（Suyuan）：重点工业产品质量安全追溯查询。",
                        "Suyuan: quality and safety tracing of key industrial products.",
                    ))
                }
            }
        }
    }
}

/// A card with a second-level heading: `<section class="card {class}">` labelled by its `<h2>`.
pub(super) fn card(
    lang: Lang,
    id: &str,
    class: &str,
    heading: (&'static str, &'static str),
    body: Markup,
) -> Markup {
    html! {
        section.card.(class) aria-labelledby=(id) {
            h2 id=(id) { (tr(lang, heading.0, heading.1)) }
            (body)
        }
    }
}

/// How to report a suspected fake, shared by the error pages.
pub(super) fn report_fake_section(lang: Lang) -> Markup {
    let steps = html! {
        ol.steps {
            li {
                (tr(
                    lang,
                    "保留商品上的原码（不要撕下或涂改）和购物凭证（发票、小票或订单截图）。",
                    "Keep the original code on the product (do not remove or alter it) and your proof of purchase (invoice, receipt or order screenshot).",
                ))
            }
            li {
                (tr(
                    lang,
                    "联系销售者或生产者核实。",
                    "Ask the seller or the producer to confirm the product.",
                ))
            }
            li {
                @match lang {
                    Lang::Zh => {
                        "向市场监管部门投诉举报：拨打 " (tel_12315()) "，或登录全国12315平台 "
                        (site_12315()) "。"
                    }
                    Lang::En => {
                        "Report it to China's market regulator: call " (tel_12315())
                        " or use the national 12315 platform, " (site_12315()) "."
                    }
                }
            }
        }
    };
    card(
        lang,
        "h-report",
        "report",
        ("怀疑买到假冒产品？", "Suspect a fake?"),
        steps,
    )
}

/// The market regulator's complaints line, as a `tel:` link.
pub(super) fn tel_12315() -> Markup {
    html! { a href="tel:12315" { "12315" } }
}

/// The national 12315 complaints platform, as a link.
pub(super) fn site_12315() -> Markup {
    html! { a href="https://www.12315.cn/" { "www.12315.cn" } }
}

/// The coloured status box of the error pages: a question mark and `label`.
pub(super) fn unknown_status(lang: Lang, label: (&'static str, &'static str)) -> Markup {
    html! {
        div.status.status-unknown {
            p.status-label { (Icon::Unknown) (tr(lang, label.0, label.1)) }
        }
    }
}

/// The icons of the pages, in a 20×20 box, drawn with the text colour and hidden from screen
/// readers (the text next to them says the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Icon {
    /// A tick in a circle: traced.
    Tick,
    /// A clock: incomplete.
    Clock,
    /// A cross in a circle: recalled.
    Cross,
    /// A question mark in a circle: the error pages.
    Unknown,
    /// A warning triangle: the recall banner and the clone warning.
    Warning,
}

impl Render for Icon {
    fn render_to(&self, buffer: &mut String) {
        let (ring, paths): (bool, &[&str]) = match self {
            Self::Tick => (true, &["M5.5 10.5l3 3 6-7"]),
            Self::Clock => (true, &["M10 5v5l3.5 2.5"]),
            Self::Cross => (true, &["M6.5 6.5l7 7M13.5 6.5l-7 7"]),
            Self::Unknown => (
                true,
                &["M7.5 7.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5V12M10 14.8v.2"],
            ),
            Self::Warning => (false, &["M10 2.5l8 14.5H2z", "M10 8v4M10 14.5v.2"]),
        };
        html! {
            svg.icon viewBox="0 0 20 20" aria-hidden="true" focusable="false" {
                @if ring {
                    circle cx="10" cy="10" r="9" {}
                }
                @for d in paths {
                    path d=(d) {}
                }
            }
        }
        .render_to(buffer);
    }
}

/// A date as `<time datetime="YYYY-MM-DD">YYYY-MM-DD</time>`.
pub(super) fn date(d: NaiveDate) -> Markup {
    html! { time datetime=(display(d)) { (display(d)) } }
}

/// A definition-list row: the label in the page's language, then `value`.
pub(super) fn row(lang: Lang, label: (&'static str, &'static str), value: impl Render) -> Markup {
    html! {
        dt { (tr(lang, label.0, label.1)) }
        dd { (value) }
    }
}

/// A row of caller text, left out when the text is missing or blank.
pub(super) fn row_text(
    lang: Lang,
    label: (&'static str, &'static str),
    value: Option<&str>,
) -> Markup {
    html! {
        @if let Some(v) = non_empty(value) {
            (row(lang, label, v))
        }
    }
}

/// A row of a code (`<code class="code">`), left out when the code is missing or blank.
pub(super) fn row_code(
    lang: Lang,
    label: (&'static str, &'static str),
    value: Option<&str>,
) -> Markup {
    html! {
        @if let Some(v) = non_empty(value) {
            (row(lang, label, html! { code.code { (v) } }))
        }
    }
}

/// Whether caller text exists in at least one of the two languages.
pub(super) fn has_localized(zh: Option<&str>, en: Option<&str>) -> bool {
    non_empty(zh).is_some() || non_empty(en).is_some()
}

/// Caller text in the page's language, else in the other one (marked with its `lang`).
pub(super) fn localized(lang: Lang, zh: Option<&str>, en: Option<&str>) -> Markup {
    let (zh, en) = (non_empty(zh), non_empty(en));
    let (mine, other) = match lang {
        Lang::Zh => (zh, en),
        Lang::En => (en, zh),
    };
    html! {
        @if let Some(text) = mine {
            (text)
        } @else if let Some(text) = other {
            span lang=(lang.other().code()) { (text) }
        }
    }
}

/// Caller text that may be Chinese on an English page (a scope such as `批次 B123`): marked
/// `lang="zh-CN"` there.
pub(super) fn zh_text(lang: Lang, text: &str) -> Markup {
    html! {
        @match lang {
            Lang::Zh => { (text) }
            Lang::En => { span lang=(Lang::Zh.code()) { (text) } }
        }
    }
}

/// `value` trimmed, or `None` when missing or blank.
pub(super) fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// `text` cut to `max` characters, ending with an ellipsis when cut.
pub(super) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push(ELLIPSIS);
        out
    }
}

/// `url` when it may go into an `href`: an absolute `http`/`https` URL or a relative reference,
/// without whitespace or control characters (which browsers strip, so `java\tscript:` would
/// otherwise slip through). Anything with another scheme (`javascript:`, `data:`, …) is `None`.
pub(super) fn safe_href(url: &str) -> Option<&str> {
    let url = url.trim();
    if url.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    match url.find([':', '/', '?', '#']) {
        Some(i) if url[i..].starts_with(':') => {
            let scheme = &url[..i];
            (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
                .then_some(url)
        }
        _ => Some(url),
    }
}

/// `public_url` without surrounding spaces and trailing slashes.
fn base(public_url: &str) -> &str {
    public_url.trim().trim_end_matches('/')
}
