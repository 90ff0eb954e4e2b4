//! The public trace page a consumer or seller sees after scanning a code (Seller Operation Guide
//! 5.7, 线上展示追溯码), and the two error pages of the same route: code not registered (404) and
//! input that is not a code (400).
//!
//! The pages are plain HTML: no script, no inline style, one stylesheet ([`trace_css`], served at
//! `{public}/assets/trace.css`), so they keep to [`PAGE_CSP`]. Chinese is the default language,
//! English on request ([`Lang::negotiate`]); a link on every page switches between the two by
//! `?lang=`, keeping the path. Every piece of caller text is HTML-escaped, and a caller URL is
//! only ever put in an `href` when it is `http(s)` or relative.
//!
//! The view ([`TracePageView`]) carries no personal data, by design: the chain of custody names
//! businesses only, and a counterpart is never shown on a sale to a consumer (PIPL).

use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::badge::TraceStatus;
use crate::text::{ELLIPSIS, one_line, push_escaped};

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
    include_str!("../assets/trace.css")
}

/// Language of a page: Chinese by default, English on request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Simplified Chinese (`zh-CN`), the default.
    #[default]
    Zh,
    /// English (`en`).
    En,
}

impl Lang {
    /// Picks the page language: from `?lang=` first (`zh`, `en`, `zh-CN`, `en_US`, … by their
    /// primary subtag), then from the `Accept-Language` header (the highest q-value among `zh*`
    /// and `en*` wins, the first on a tie; `q=0` and malformed q-values are ignored), else Chinese.
    pub fn negotiate(query_lang: Option<&str>, accept_language: Option<&str>) -> Lang {
        query_lang
            .and_then(Self::from_tag)
            .or_else(|| accept_language.and_then(Self::from_accept_language))
            .unwrap_or_default()
    }

    /// The BCP 47 tag for `<html lang>` and `Content-Language`: `zh-CN` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    /// The value of `?lang=` that selects this language: `zh` or `en`.
    pub fn query_value(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// The other language: the target of the language switch.
    pub fn other(self) -> Lang {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }

    /// The language of one tag (`zh`, `zh-Hans-CN`, `EN_us`), by its primary subtag; `None`
    /// for any other language or for garbage.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("zh") {
            Some(Self::Zh)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Self::En)
        } else {
            None
        }
    }

    /// The preferred one of Chinese and English in an `Accept-Language` value, if it names either.
    fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        // A real header has a handful of entries; a hostile one gets no more than 32 looked at.
        for item in header.split(',').take(32) {
            let (tag, params) = item.split_once(';').unwrap_or((item, ""));
            let mut q = 1.0_f32;
            for param in params.split(';') {
                if let Some((k, v)) = param.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = match v.trim().parse::<f32>() {
                        Ok(v) if (0.0..=1.0).contains(&v) => v,
                        _ => 0.0,
                    };
                }
            }
            if q <= 0.0 {
                continue;
            }
            let Some(lang) = Self::from_tag(tag) else {
                continue;
            };
            if best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }
}

/// The default status of a [`TracePageView`] built with `Default`: [`TraceStatus::Traced`].
impl Default for TraceStatus {
    fn default() -> Self {
        Self::Traced
    }
}

/// Everything the public trace page of one code shows. It holds no personal data, and must not.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TracePageView {
    /// The canonical text of the code, e.g. `(01)09520001000010(21)YD2025000001`.
    pub code: String,
    /// Kind of code: `gs1`, `ecode`, `handle` or `opaque`.
    pub code_kind: String,
    /// The code's GS1 Digital Link on our resolver, when it has one.
    pub digital_link: Option<String>,
    /// Trace status; a page with a [`RecallView`] always shows [`TraceStatus::Recalled`].
    pub status: TraceStatus,
    /// The product.
    pub product: ProductView,
    /// The producer, when known.
    pub producer: Option<PartyView>,
    /// Certificates of the product (CCC, production licence) and their check results.
    pub certificates: Vec<CertificateView>,
    /// The chain of custody at the level of businesses, oldest first.
    pub custody: Vec<CustodyStep>,
    /// The recall notice, when the product is recalled: shown as a banner at the top.
    pub recall: Option<RecallView>,
    /// Sale and scan counts for the authenticity hint.
    pub authenticity: AuthenticityView,
    /// Receive / sell links, only for a signed-in seller.
    pub seller_actions: Option<SellerActions>,
    /// Further links (GS1 link types such as `gs1:pip`, `gs1:traceability`).
    pub links: Vec<LinkView>,
    /// Date of the latest record.
    pub updated: Option<NaiveDate>,
}

/// The product part of a [`TracePageView`]; every field is optional and shown only when present.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductView {
    /// Product name.
    pub name: Option<String>,
    /// Model (型号).
    pub model: Option<String>,
    /// GTIN (商品条码).
    pub gtin: Option<String>,
    /// Batch or lot (批次).
    pub batch: Option<String>,
    /// Serial number (序列号).
    pub serial: Option<String>,
    /// Expiry date (有效期至).
    pub expiry: Option<NaiveDate>,
    /// Catalogue category id, shown when neither name is known.
    pub category_id: Option<String>,
    /// Category name in Chinese.
    pub category_zh: Option<String>,
    /// Category name in English.
    pub category_en: Option<String>,
}

/// A business (the producer) as the public page shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyView {
    /// Registered business name.
    pub name: String,
    /// Unified social credit code (统一社会信用代码).
    pub credit_code: Option<String>,
    /// Region in Chinese, e.g. `浙江省杭州市`.
    pub region_zh: Option<String>,
    /// Region in English, e.g. `Hangzhou, Zhejiang`.
    pub region_en: Option<String>,
}

/// A certificate of the product and the result of checking it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    /// `ccc`, `production_licence`, or another kind shown as given.
    pub kind: String,
    /// Certificate number.
    pub number: String,
    /// Check result: `valid`, `invalid`, `expired`, `revoked`, `unchecked`, … (`None`: not
    /// checked).
    pub check: Option<String>,
}

/// One step of the chain of custody: a business did something with the product on a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyStep {
    /// Date of the event.
    pub date: NaiveDate,
    /// What happened.
    pub step: StepKind,
    /// The business that recorded the step (a business name only, never a person).
    pub party: Option<String>,
    /// Region of the step in Chinese.
    pub region_zh: Option<String>,
    /// Region of the step in English.
    pub region_en: Option<String>,
    /// The business on the other side (supplier or distributor), never a consumer; it is not
    /// shown on a [`StepKind::SoldToConsumer`] step even when set.
    pub counterpart: Option<String>,
    /// The record was later corrected (the page marks it 已更正 Corrected).
    pub corrected: bool,
}

/// Kind of a chain-of-custody step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Made and released by the producer.
    Produced,
    /// Received into a seller's stock after incoming inspection.
    Received,
    /// Shipped to the next business in the chain.
    Shipped,
    /// Sold to a consumer.
    SoldToConsumer,
    /// Sold to a business (distributor, agent, installer).
    SoldToBusiness,
    /// Returned.
    Returned,
    /// Recalled.
    Recalled,
}

impl StepKind {
    /// Every step kind.
    pub const ALL: [StepKind; 7] = [
        Self::Produced,
        Self::Received,
        Self::Shipped,
        Self::SoldToConsumer,
        Self::SoldToBusiness,
        Self::Returned,
        Self::Recalled,
    ];

    /// Stable machine name, as serialised: `produced`, `sold_to_consumer`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Produced => "produced",
            Self::Received => "received",
            Self::Shipped => "shipped",
            Self::SoldToConsumer => "sold_to_consumer",
            Self::SoldToBusiness => "sold_to_business",
            Self::Returned => "returned",
            Self::Recalled => "recalled",
        }
    }

    /// Chinese label: 生产出厂, 进货验收, 发货, 销售给消费者, 销售给企业, 退货, 召回.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Produced => "生产出厂",
            Self::Received => "进货验收",
            Self::Shipped => "发货",
            Self::SoldToConsumer => "销售给消费者",
            Self::SoldToBusiness => "销售给企业",
            Self::Returned => "退货",
            Self::Recalled => "召回",
        }
    }

    /// English label: Produced, Received, Shipped, Sold to a consumer, Sold to a business,
    /// Returned, Recalled.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Produced => "Produced",
            Self::Received => "Received",
            Self::Shipped => "Shipped",
            Self::SoldToConsumer => "Sold to a consumer",
            Self::SoldToBusiness => "Sold to a business",
            Self::Returned => "Returned",
            Self::Recalled => "Recalled",
        }
    }

    /// The label in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.pick(self.label_zh(), self.label_en())
    }
}

/// A recall notice (EU GPSR art. 19 asks for the identifiers concerned and what to do).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallView {
    /// Why the product is recalled, in Chinese.
    pub reason_zh: String,
    /// Why, in English (the Chinese text is shown when missing).
    pub reason_en: Option<String>,
    /// Date the recall was issued.
    pub issued_at: NaiveDate,
    /// Which products are concerned, e.g. `批次 B123`.
    pub scope_zh: String,
    /// What the consumer should do, in Chinese.
    pub action_zh: String,
    /// What the consumer should do, in English.
    pub action_en: String,
    /// Whom to contact (phone number or address of the recall desk).
    pub contact: Option<String>,
}

/// Counts behind the authenticity hint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthenticityView {
    /// The code names one unit (一物一码), not a batch.
    pub unit_level: bool,
    /// Sales to consumers or businesses recorded for the code.
    pub times_sold: u32,
    /// Public scans of the code.
    pub times_scanned: u32,
    /// Receipts into sellers' stock recorded for the code.
    pub times_received_by_sellers: u32,
    /// The caller's verdict: a unit code sold more than once, or received by more than one
    /// seller. Only unit-level codes show the warning.
    pub suspicious: bool,
}

/// Links for a signed-in seller to act on the scanned code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerActions {
    /// The seller the user is signed in as.
    pub seller_name: String,
    /// Where 接收入库 (receive into stock) leads.
    pub receive_url: String,
    /// Where 登记销售 (register a sale) leads.
    pub sell_url: String,
}

/// A further link about the product.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    /// GS1 link type, e.g. `gs1:pip` or `gs1:traceability`.
    pub rel: String,
    /// Target: `http(s)` or relative; any other link is left out.
    pub href: String,
    /// Title in Chinese.
    pub title_zh: String,
    /// Title in English.
    pub title_en: String,
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
        title.push_str(lang.pick("【已召回】", "[Recalled] "));
    }
    title.push_str(&clip(&one_line(name.unwrap_or(&view.code)), 80));
    title.push_str(lang.pick(" · 溯源追溯", " · Suyuan trace"));

    let mut o = Out::new(lang);
    o.head(&title, public_url, false);
    if let Some(recall) = &view.recall {
        o.recall(recall);
    }
    o.top_bar();
    o.status(status, view.recall.is_some());
    o.product(view, name);
    o.producer(view.producer.as_ref());
    o.certificates(&view.certificates);
    o.custody(&view.custody);
    o.authenticity(&view.authenticity);
    if let Some(actions) = &view.seller_actions {
        o.seller(actions);
    }
    o.links(&view.links);
    o.raw("</main>\n");
    o.footer(true, view.updated);
    o.finish()
}

/// Renders the 404 page for a code that is not registered with Suyuan: the code (escaped), the
/// likely reasons, and how to report a suspected fake (keep the original code and the proof of
/// purchase; the market regulator's line 12315 or the 全国12315平台 www.12315.cn). It carries
/// no detail of the lookup. Serve it with status 404 and [`PAGE_CSP`].
pub fn render_not_found_page(code: &str, lang: Lang, public_url: &str) -> String {
    let mut o = Out::new(lang);
    o.head(
        lang.pick("未登记的追溯码 · 溯源", "Code not registered · Suyuan"),
        public_url,
        true,
    );
    o.top_bar();
    o.raw(r#"<div class="status status-unknown"><p class="status-label">"#);
    o.raw(ICON_UNKNOWN);
    o.tr("未登记", "Not registered");
    o.raw("</p></div>\n");

    o.raw(r#"<section class="card" aria-labelledby="h-page"><h1 id="h-page">"#);
    o.tr(
        "此码未在溯源登记",
        "This code is not registered with Suyuan",
    );
    o.raw("</h1>\n<p>");
    o.tr("您查询的码：", "The code you looked up: ");
    o.raw(r#"<code class="code">"#);
    o.text(&clip(code, ECHO_MAX_CHARS));
    o.raw("</code></p>\n<p>");
    o.tr(
        "可能的原因：生产者尚未登记此码；码输错或没有扫全；或者这是仿冒的码。",
        "Perhaps the producer has not registered it yet, the code was mistyped or only partly scanned, or the code is fake.",
    );
    o.raw("</p></section>\n");
    o.report_fake_section();
    o.raw("</main>\n");
    o.footer(false, None);
    o.finish()
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
    let mut o = Out::new(lang);
    o.head(
        lang.pick("无法识别的追溯码 · 溯源", "Not a trace code · Suyuan"),
        public_url,
        true,
    );
    o.top_bar();
    o.raw(r#"<div class="status status-unknown"><p class="status-label">"#);
    o.raw(ICON_UNKNOWN);
    o.tr("无法识别", "Not recognised");
    o.raw("</p></div>\n");

    o.raw(r#"<section class="card" aria-labelledby="h-page"><h1 id="h-page">"#);
    o.tr("这不是有效的追溯码", "This is not a valid trace code");
    o.raw("</h1>\n<p>");
    o.tr("您输入的内容：", "You entered: ");
    o.raw(r#"<code class="code">"#);
    o.text(&clip(input, ECHO_MAX_CHARS));
    o.raw("</code></p>\n");
    if o.has_localized(Some(error_zh), Some(error_en)) {
        o.raw(r#"<p class="error"><strong>"#);
        o.tr("问题：", "Problem: ");
        o.raw("</strong>");
        o.localized(Some(error_zh), Some(error_en));
        o.raw("</p>\n");
    }
    o.raw("<p>");
    o.tr(
        "请检查是否输入完整，或用手机直接扫描商品上的二维码。可识别：GS1 商品条码与二维码、GS1 数字链接、Ecode、工业互联网标识。",
        "Check that the whole code was entered, or scan the QR code on the product with your phone. Understood: GS1 barcodes and QR codes, GS1 Digital Link, Ecode, industrial-internet handles.",
    );
    o.raw("</p></section>\n</main>\n");
    o.footer(false, None);
    o.finish()
}

/// The status icons of the badges (tick, clock, cross), drawn with the text colour.
fn status_icon(status: TraceStatus) -> &'static str {
    match status {
        TraceStatus::Traced => {
            r#"<svg class="icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false"><circle cx="10" cy="10" r="9"/><path d="M5.5 10.5l3 3 6-7"/></svg>"#
        }
        TraceStatus::Incomplete => {
            r#"<svg class="icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false"><circle cx="10" cy="10" r="9"/><path d="M10 5v5l3.5 2.5"/></svg>"#
        }
        TraceStatus::Recalled => {
            r#"<svg class="icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false"><circle cx="10" cy="10" r="9"/><path d="M6.5 6.5l7 7M13.5 6.5l-7 7"/></svg>"#
        }
    }
}

/// A question mark in a circle, for the error pages.
const ICON_UNKNOWN: &str = r#"<svg class="icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false"><circle cx="10" cy="10" r="9"/><path d="M7.5 7.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5V12M10 14.8v.2"/></svg>"#;

/// A warning triangle, for the recall banner and the clone warning.
const ICON_WARNING: &str = r#"<svg class="icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false"><path d="M10 2.5l8 14.5H2z"/><path d="M10 8v4M10 14.5v.2"/></svg>"#;

/// `value` trimmed, or `None` when missing or blank.
fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// `text` cut to `max` characters, ending with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
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
fn safe_href(url: &str) -> Option<&str> {
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

/// Human label of a code kind.
fn code_kind_label(kind: &str, lang: Lang) -> Option<&str> {
    let kind = kind.trim();
    let label = match kind.to_ascii_lowercase().as_str() {
        "" => return None,
        "gs1" => "GS1",
        "ecode" => "Ecode",
        "handle" => lang.pick("工业互联网标识", "Industrial-internet handle"),
        "opaque" => lang.pick("平台码", "Platform code"),
        _ => kind,
    };
    Some(label)
}

/// Class and labels of a certificate check result; unknown results are shown as given.
fn check_label(check: Option<&str>) -> (&'static str, Option<(&'static str, &'static str)>) {
    match non_empty(check).map(str::to_ascii_lowercase).as_deref() {
        None | Some("unchecked" | "unknown" | "pending" | "not_checked") => {
            ("check check-none", Some(("未核验", "Not checked")))
        }
        Some("valid" | "ok") => ("check check-valid", Some(("核验有效", "Valid"))),
        Some("invalid") => ("check check-invalid", Some(("核验无效", "Invalid"))),
        Some("expired") => ("check check-invalid", Some(("已过期", "Expired"))),
        Some("revoked" | "withdrawn" | "cancelled") => {
            ("check check-invalid", Some(("已撤销", "Revoked")))
        }
        Some("suspended") => ("check check-invalid", Some(("已暂停", "Suspended"))),
        Some(_) => ("check check-none", None),
    }
}

/// The page being written, in one language.
struct Out {
    s: String,
    lang: Lang,
}

impl Out {
    fn new(lang: Lang) -> Self {
        Self {
            s: String::with_capacity(8 * 1024),
            lang,
        }
    }

    fn finish(self) -> String {
        self.s
    }

    /// Trusted markup or constant text.
    fn raw(&mut self, s: &str) {
        self.s.push_str(s);
    }

    /// Caller text, escaped.
    fn text(&mut self, s: &str) {
        push_escaped(&mut self.s, s);
    }

    /// A constant in the page's language (trusted: may hold markup).
    fn tr(&mut self, zh: &str, en: &str) {
        self.s.push_str(self.lang.pick(zh, en));
    }

    fn date(&mut self, d: NaiveDate) {
        let _ = write!(self.s, r#"<time datetime="{d}">{d}</time>"#);
    }

    fn has_localized(&self, zh: Option<&str>, en: Option<&str>) -> bool {
        non_empty(zh).is_some() || non_empty(en).is_some()
    }

    /// Caller text in the page's language, else in the other one (marked with its `lang`).
    fn localized(&mut self, zh: Option<&str>, en: Option<&str>) {
        let (zh, en) = (non_empty(zh), non_empty(en));
        let (mine, other) = match self.lang {
            Lang::Zh => (zh, en),
            Lang::En => (en, zh),
        };
        if let Some(text) = mine {
            self.text(text);
        } else if let Some(text) = other {
            let _ = write!(self.s, r#"<span lang="{}">"#, self.lang.other().code());
            self.text(text);
            self.raw("</span>");
        }
    }

    /// Caller text that may be Chinese on an English page (a scope such as `批次 B123`).
    fn zh_text(&mut self, text: &str) {
        if self.lang == Lang::Zh {
            self.text(text);
        } else {
            self.raw(r#"<span lang="zh-CN">"#);
            self.text(text);
            self.raw("</span>");
        }
    }

    fn row_start(&mut self, zh: &str, en: &str) {
        self.raw("<dt>");
        self.tr(zh, en);
        self.raw("</dt><dd>");
    }

    fn row_text(&mut self, zh: &str, en: &str, value: Option<&str>) {
        if let Some(v) = non_empty(value) {
            self.row_start(zh, en);
            self.text(v);
            self.raw("</dd>\n");
        }
    }

    fn row_code(&mut self, zh: &str, en: &str, value: Option<&str>) {
        if let Some(v) = non_empty(value) {
            self.row_start(zh, en);
            self.raw(r#"<code class="code">"#);
            self.text(v);
            self.raw("</code></dd>\n");
        }
    }

    fn head(&mut self, title: &str, public_url: &str, noindex: bool) {
        let _ = write!(
            self.s,
            "<!doctype html>\n<html lang=\"{}\">\n",
            self.lang.code()
        );
        self.raw(concat!(
            r#"<head><meta charset="utf-8">"#,
            r#"<meta name="viewport" content="width=device-width,initial-scale=1">"#,
            r#"<meta name="referrer" content="strict-origin-when-cross-origin">"#,
            r#"<meta name="format-detection" content="telephone=no">"#,
            r#"<meta name="color-scheme" content="light">"#,
        ));
        if noindex {
            self.raw(r#"<meta name="robots" content="noindex">"#);
        }
        self.raw("\n<title>");
        self.text(&one_line(title));
        self.raw("</title>\n");
        self.raw(r#"<link rel="stylesheet" href=""#);
        self.text(base(public_url));
        self.raw("/assets/trace.css\">\n</head>\n<body>\n<main>\n");
    }

    /// The brand and the language switch: a relative `?lang=` link, so the path is kept.
    fn top_bar(&mut self) {
        let other = self.lang.other();
        self.raw(
            r#"<header class="top"><span class="brand">溯源 <span lang="en">Suyuan</span></span>"#,
        );
        let _ = write!(
            self.s,
            r#"<a class="lang-switch" href="?lang={}" hreflang="{code}" lang="{code}">{}</a></header>"#,
            other.query_value(),
            other.pick("中文", "English"),
            code = other.code(),
        );
        self.raw("\n");
    }

    fn recall(&mut self, r: &RecallView) {
        self.raw(
            r#"<section class="recall" role="alert" aria-labelledby="h-recall"><h2 id="h-recall">"#,
        );
        self.raw(ICON_WARNING);
        self.tr("产品召回：请停止使用", "Product recall: stop using it");
        self.raw("</h2>\n");
        if self.has_localized(Some(&r.action_zh), Some(&r.action_en)) {
            self.raw(r#"<p class="recall-action"><strong>"#);
            self.tr("请您：", "What to do: ");
            self.raw("</strong>");
            self.localized(Some(&r.action_zh), Some(&r.action_en));
            self.raw("</p>\n");
        }
        self.raw("<dl>");
        if let Some(scope) = non_empty(Some(&r.scope_zh)) {
            self.row_start("召回范围", "Products concerned");
            self.zh_text(scope);
            self.raw("</dd>\n");
        }
        if self.has_localized(Some(&r.reason_zh), r.reason_en.as_deref()) {
            self.row_start("召回原因", "Reason");
            self.localized(Some(&r.reason_zh), r.reason_en.as_deref());
            self.raw("</dd>\n");
        }
        self.row_start("发布日期", "Issued");
        self.date(r.issued_at);
        self.raw("</dd>\n");
        self.row_text("联系方式", "Contact", r.contact.as_deref());
        self.raw("</dl></section>\n");
    }

    fn status(&mut self, status: TraceStatus, has_recall_notice: bool) {
        let _ = write!(
            self.s,
            r#"<div class="status status-{}"><p class="status-label">"#,
            status.as_str()
        );
        self.raw(status_icon(status));
        self.tr(status.label_zh(), status.label_en());
        self.raw(r#"</p><p class="status-note">"#);
        match status {
            TraceStatus::Traced => self.tr(
                "生产和流通记录完整。",
                "Production and distribution records are complete.",
            ),
            TraceStatus::Incomplete => self.tr(
                "部分流通记录尚未登记。",
                "Some records have not been registered yet.",
            ),
            TraceStatus::Recalled if has_recall_notice => {
                self.tr("详见上方召回通知。", "See the recall notice above.");
            }
            TraceStatus::Recalled => self.tr("此产品已被召回。", "This product has been recalled."),
        }
        self.raw("</p></div>\n");
    }

    fn product(&mut self, view: &TracePageView, name: Option<&str>) {
        let p = &view.product;
        self.raw(
            r#"<section class="card product" aria-labelledby="h-product"><h1 id="h-product">"#,
        );
        match name {
            Some(name) => self.text(name),
            None => self.tr("产品追溯信息", "Product trace"),
        }
        self.raw("</h1>\n<dl>");
        self.row_code("追溯码", "Trace code", Some(&view.code));
        if let Some(kind) = code_kind_label(&view.code_kind, self.lang) {
            self.row_start("码制", "Code type");
            self.text(kind);
            self.raw("</dd>\n");
        }
        self.row_text("型号", "Model", p.model.as_deref());
        self.row_code("商品条码", "GTIN", p.gtin.as_deref());
        self.row_code("批次", "Batch", p.batch.as_deref());
        self.row_code("序列号", "Serial", p.serial.as_deref());
        if let Some(expiry) = p.expiry {
            self.row_start("有效期至", "Expiry");
            self.date(expiry);
            self.raw("</dd>\n");
        }
        if self.has_localized(p.category_zh.as_deref(), p.category_en.as_deref()) {
            self.row_start("产品类别", "Category");
            self.localized(p.category_zh.as_deref(), p.category_en.as_deref());
            self.raw("</dd>\n");
        } else {
            self.row_code("产品类别", "Category", p.category_id.as_deref());
        }
        if let Some(href) = view.digital_link.as_deref().and_then(safe_href) {
            self.row_start("数字链接", "Digital Link");
            self.raw(r#"<a class="code" href=""#);
            self.text(href);
            self.raw(r#"">"#);
            self.text(href);
            self.raw("</a></dd>\n");
        }
        self.raw("</dl></section>\n");
    }

    fn section_start(&mut self, id: &str, class: &str, zh: &str, en: &str) {
        let _ = write!(
            self.s,
            r#"<section class="card {class}" aria-labelledby="{id}"><h2 id="{id}">"#
        );
        self.tr(zh, en);
        self.raw("</h2>\n");
    }

    fn producer(&mut self, producer: Option<&PartyView>) {
        self.section_start("h-producer", "producer", "生产者", "Producer");
        match producer.filter(|p| non_empty(Some(&p.name)).is_some()) {
            Some(p) => {
                self.raw("<dl>");
                self.row_text("名称", "Name", Some(&p.name));
                self.row_code("统一社会信用代码", "Credit code", p.credit_code.as_deref());
                if self.has_localized(p.region_zh.as_deref(), p.region_en.as_deref()) {
                    self.row_start("地区", "Region");
                    self.localized(p.region_zh.as_deref(), p.region_en.as_deref());
                    self.raw("</dd>\n");
                }
                self.raw("</dl>");
            }
            None => {
                self.raw(r#"<p class="muted">"#);
                self.tr(
                    "生产者信息尚未登记。",
                    "The producer has not been recorded yet.",
                );
                self.raw("</p>");
            }
        }
        self.raw("</section>\n");
    }

    fn certificates(&mut self, certs: &[CertificateView]) {
        if certs.is_empty() {
            return;
        }
        self.section_start("h-certs", "certs", "证书", "Certificates");
        self.raw(r#"<ul class="plain">"#);
        for c in certs {
            self.raw(r#"<li><span class="cert-kind">"#);
            match c.kind.trim().to_ascii_lowercase().as_str() {
                "ccc" => self.tr("CCC 认证证书", "CCC certificate"),
                "production_licence" | "production_license" => {
                    self.tr("生产许可证", "Production licence");
                }
                _ => self.text(&c.kind),
            }
            self.raw(r#"</span> <code class="code">"#);
            self.text(&c.number);
            self.raw("</code> ");
            let (class, label) = check_label(c.check.as_deref());
            let _ = write!(self.s, r#"<span class="{class}">"#);
            match label {
                Some((zh, en)) => self.tr(zh, en),
                None => self.text(c.check.as_deref().unwrap_or_default()),
            }
            self.raw("</span></li>\n");
        }
        self.raw("</ul></section>\n");
    }

    fn custody(&mut self, steps: &[CustodyStep]) {
        self.section_start("h-custody", "custody", "流通记录", "Chain of custody");
        if steps.is_empty() {
            self.raw(r#"<p class="muted">"#);
            self.tr("暂无流通记录。", "No records yet.");
            self.raw("</p></section>\n");
            return;
        }
        self.raw(r#"<ol class="timeline">"#);
        for st in steps {
            let _ = write!(
                self.s,
                r#"<li class="step step-{}{}"><p class="step-head">"#,
                st.step.as_str(),
                if st.corrected { " is-corrected" } else { "" }
            );
            self.date(st.date);
            self.raw(r#" <span class="step-label">"#);
            self.raw(st.step.label(self.lang));
            self.raw("</span>");
            if st.corrected {
                self.raw(r#" <span class="corrected">"#);
                self.tr("已更正", "Corrected");
                self.raw("</span>");
            }
            self.raw("</p>");
            if let Some(party) = non_empty(st.party.as_deref()) {
                self.raw(r#"<p class="party">"#);
                self.text(party);
                self.raw("</p>");
            }
            if self.has_localized(st.region_zh.as_deref(), st.region_en.as_deref()) {
                self.raw(r#"<p class="region">"#);
                self.localized(st.region_zh.as_deref(), st.region_en.as_deref());
                self.raw("</p>");
            }
            // A counterpart is a business; on a sale to a consumer it would be a person.
            if st.step != StepKind::SoldToConsumer
                && let Some(cp) = non_empty(st.counterpart.as_deref())
            {
                self.raw(r#"<p class="counterpart">"#);
                match st.step {
                    StepKind::Received | StepKind::Returned => self.tr("来自：", "From: "),
                    _ => self.tr("发往：", "To: "),
                }
                self.text(cp);
                self.raw("</p>");
            }
            self.raw("</li>\n");
        }
        self.raw("</ol></section>\n");
    }

    fn authenticity(&mut self, a: &AuthenticityView) {
        self.section_start("h-auth", "authenticity", "真伪提示", "Authenticity");
        if a.unit_level {
            self.raw("<p>");
            match self.lang {
                Lang::Zh => {
                    let _ = write!(
                        self.s,
                        "此码已售出 <strong>{}</strong> 次、被扫描 <strong>{}</strong> 次。",
                        a.times_sold, a.times_scanned
                    );
                }
                Lang::En => {
                    let _ = write!(
                        self.s,
                        "This code has been sold <strong>{}</strong> {} and scanned <strong>{}</strong> {}.",
                        a.times_sold,
                        times(a.times_sold),
                        a.times_scanned,
                        times(a.times_scanned)
                    );
                }
            }
            self.raw("</p>\n");
            if a.suspicious {
                self.raw(r#"<div class="warning"><p class="warning-title">"#);
                self.raw(ICON_WARNING);
                self.tr("可能是仿冒码", "This may be a cloned code");
                self.raw("</p><p>");
                self.tr(
                    "一物一码的正品只应售出一次、由一家销售者入库。此码售出不止一次或被多家销售者入库，仿冒者复制的码会出现这种情况。",
                    "A genuine unit code is sold once and received by one seller. This one was sold more than once or received by more than one seller, which is what a cloned code shows.",
                );
                self.raw("</p><p>");
                self.tr(
                    "如果您刚买到此商品：保留商品上的原码和购物凭证，向销售者核实；怀疑假冒可拨打 <a href=\"tel:12315\">12315</a> 或登录全国12315平台 <a href=\"https://www.12315.cn/\">www.12315.cn</a> 投诉。",
                    "If you have just bought it: keep the original code and your proof of purchase and ask the seller; to report a suspected fake, call <a href=\"tel:12315\">12315</a> or use the national 12315 platform, <a href=\"https://www.12315.cn/\">www.12315.cn</a>.",
                );
                self.raw("</p></div>\n");
            } else {
                self.raw(r#"<p class="muted">"#);
                self.tr(
                    "这是一物一码：正品通常只售出一次。",
                    "This code names one unit: a genuine one is normally sold once.",
                );
                self.raw("</p>\n");
            }
        } else {
            self.raw(r#"<p class="muted">"#);
            self.tr(
                "这是批次码：同一批次的产品共用此码，多次售出和扫描属正常情况。",
                "This is a batch code: every product of the batch carries it, so many sales and scans are normal.",
            );
            self.raw("</p>\n");
        }
        self.raw("</section>\n");
    }

    fn seller(&mut self, actions: &SellerActions) {
        self.section_start("h-seller", "seller", "销售者操作", "For sellers");
        if let Some(name) = non_empty(Some(&actions.seller_name)) {
            self.raw(r#"<p class="muted">"#);
            self.tr("当前登录：", "Signed in as ");
            self.text(name);
            self.raw("</p>\n");
        }
        self.raw(r#"<p class="actions">"#);
        if let Some(href) = safe_href(&actions.receive_url) {
            self.raw(r#"<a class="button" href=""#);
            self.text(href);
            self.raw(r#"">"#);
            self.tr("接收入库", "Receive into stock");
            self.raw("</a> ");
        }
        if let Some(href) = safe_href(&actions.sell_url) {
            self.raw(r#"<a class="button" href=""#);
            self.text(href);
            self.raw(r#"">"#);
            self.tr("登记销售", "Register a sale");
            self.raw("</a>");
        }
        self.raw("</p></section>\n");
    }

    fn links(&mut self, links: &[LinkView]) {
        let usable: Vec<(&LinkView, &str)> = links
            .iter()
            .filter_map(|l| safe_href(&l.href).map(|h| (l, h)))
            .collect();
        if usable.is_empty() {
            return;
        }
        self.section_start("h-links", "links", "更多信息", "More information");
        self.raw(r#"<ul class="plain">"#);
        for (link, href) in usable {
            self.raw(r#"<li><a href=""#);
            self.text(href);
            self.raw(r#"">"#);
            if self.has_localized(Some(&link.title_zh), Some(&link.title_en)) {
                self.localized(Some(&link.title_zh), Some(&link.title_en));
            } else if let Some(rel) = non_empty(Some(&link.rel)) {
                self.text(rel);
            } else {
                self.text(href);
            }
            self.raw("</a></li>\n");
        }
        self.raw("</ul></section>\n");
    }

    /// Sections shared by the error pages: how to report a suspected fake.
    fn report_fake_section(&mut self) {
        self.section_start(
            "h-report",
            "report",
            "怀疑买到假冒产品？",
            "Suspect a fake?",
        );
        self.raw(r#"<ol class="steps"><li>"#);
        self.tr(
            "保留商品上的原码（不要撕下或涂改）和购物凭证（发票、小票或订单截图）。",
            "Keep the original code on the product (do not remove or alter it) and your proof of purchase (invoice, receipt or order screenshot).",
        );
        self.raw("</li><li>");
        self.tr(
            "联系销售者或生产者核实。",
            "Ask the seller or the producer to confirm the product.",
        );
        self.raw("</li><li>");
        self.tr(
            "向市场监管部门投诉举报：拨打 <a href=\"tel:12315\">12315</a>，或登录全国12315平台 <a href=\"https://www.12315.cn/\">www.12315.cn</a>。",
            "Report it to China's market regulator: call <a href=\"tel:12315\">12315</a> or use the national 12315 platform, <a href=\"https://www.12315.cn/\">www.12315.cn</a>.",
        );
        self.raw("</li></ol></section>\n");
    }

    /// The footer: on a trace page the data source and the update date, on an error page only
    /// what the service is.
    fn footer(&mut self, trace_page: bool, updated: Option<NaiveDate>) {
        self.raw(r#"<footer class="foot"><p>"#);
        if !trace_page {
            self.tr(
                "溯源（Suyuan）：重点工业产品质量安全追溯查询。",
                "Suyuan: quality and safety tracing of key industrial products.",
            );
            self.raw("</p></footer>\n</body>\n</html>\n");
            return;
        }
        self.tr(
            "数据来源：生产者和各级销售者登记的追溯记录，由溯源（Suyuan）汇总。流通记录只显示企业，不含消费者个人信息。",
            "Source: trace records registered by the producer and each seller, compiled by Suyuan. The chain of custody shows businesses only, never consumers' personal data.",
        );
        self.raw("</p>");
        if let Some(d) = updated {
            self.raw("<p>");
            self.tr("更新于 ", "Updated ");
            self.date(d);
            self.raw("</p>");
        }
        self.raw("</footer>\n</body>\n</html>\n");
    }
}

/// `time` or `times`.
fn times(n: u32) -> &'static str {
    if n == 1 { "time" } else { "times" }
}

#[cfg(test)]
mod tests {
    use super::*;

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
