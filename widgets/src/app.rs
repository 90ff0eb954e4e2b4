//! The seller's phone pages: sign-in, claiming a B2B transfer (with sign-up), receiving and
//! selling one scanned code, and the barcode-scanner page. One page shape ([`AppPage`]) covers
//! them all: a heading, notices, facts, a list of codes, an optional QR image, the scanner box,
//! and forms.
//!
//! Like the trace page they are plain HTML under a strict CSP ([`APP_CSP`]): no inline script
//! or style; the stylesheets are `trace.css` and `app.css`, and the scanner's behaviour is the
//! same-origin `scan.js` (DOM APIs only). Forms post `application/x-www-form-urlencoded` to the
//! service with a CSRF token in a hidden field. Chinese first, English with `?lang=en`. The HTML
//! is built with maud, so every caller text is escaped. They work from 360 px wide.

use maud::{Markup, html};

use crate::page::{DOCTYPE, Lang, top_bar, tr};

/// The `Content-Security-Policy` of the seller pages: the service's own styles, images and
/// scripts only, requests to the service only, forms posting to the service only.
pub const APP_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The contents of `assets/app.css`, to serve at `{public}/assets/app.css`.
pub fn app_css() -> &'static str {
    include_str!("../assets/app.css")
}

/// The contents of `assets/scan.js`, to serve at `{public}/assets/scan.js`.
pub fn scan_js() -> &'static str {
    include_str!("../assets/scan.js")
}

/// Text in both languages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bi {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Bi {
    /// Text in Chinese and English.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// How a notice looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// Done.
    Success,
    /// Something to know.
    Info,
    /// Refused or failed.
    Error,
}

/// A message at the top of a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// How it looks.
    pub kind: NoticeKind,
    /// What it says.
    pub text: Bi,
}

/// What kind of input a field is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// A date (`YYYY-MM-DD`).
    Date,
    /// An e-mail address.
    Email,
    /// A number.
    Number,
    /// Several lines.
    TextArea,
    /// One of these `(value, label)`.
    Select(Vec<(String, Bi)>),
    /// Not shown.
    Hidden,
    /// A password: masked, never pre-filled.
    Password,
}

/// One form field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormField {
    /// The form name.
    pub name: String,
    /// Its label.
    pub label: Bi,
    /// What kind of input.
    pub kind: FieldKind,
    /// The pre-filled value.
    pub value: Option<String>,
    /// Must be filled in.
    pub required: bool,
    /// A hint under the field.
    pub hint: Option<Bi>,
    /// Why the last submission's value was refused.
    pub error: Option<Bi>,
}

impl FormField {
    /// A field.
    pub fn new(name: &str, label: Bi, kind: FieldKind) -> Self {
        Self {
            name: name.to_owned(),
            label,
            kind,
            value: None,
            required: false,
            hint: None,
            error: None,
        }
    }

    /// With a pre-filled value.
    pub fn value(mut self, v: Option<impl Into<String>>) -> Self {
        self.value = v.map(Into::into);
        self
    }

    /// Required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// With a hint.
    pub fn hint(mut self, hint: Bi) -> Self {
        self.hint = Some(hint);
        self
    }
}

/// A form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormView {
    /// Its `id` (for tests and labels).
    pub id: String,
    /// Where it posts (a same-origin path).
    pub action: String,
    /// A heading above it.
    pub heading: Option<Bi>,
    /// The CSRF token for the hidden field `csrf`.
    pub csrf: String,
    /// Its fields.
    pub fields: Vec<FormField>,
    /// The submit button.
    pub submit: Bi,
}

/// The scanner box of the scanner page (enhanced by `scan.js`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScannerView {
    /// Where each code is checked (same-origin path, JSON).
    pub check_url: String,
    /// The CSRF token, sent as `X-CSRF-Token`.
    pub csrf: String,
}

/// One record in an [`EntryList`]: a title, a status, lines of detail and a link.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// The record's name (a buyer, a supplier).
    pub title: String,
    /// Its state: a CSS token (`pending`, `claimed`, `expired`, `cancelled`) and the label.
    pub status: Option<(String, Bi)>,
    /// Details, one per line.
    pub lines: Vec<Bi>,
    /// What to do with it `(href, label)`: a same-origin path.
    pub link: Option<(String, Bi)>,
}

/// Records under a heading, one card (transfers sent, transfers to claim).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryList {
    /// Its `id`.
    pub id: String,
    /// The heading.
    pub heading: Bi,
    /// Said when there is no record.
    pub empty: Bi,
    /// The records.
    pub entries: Vec<Entry>,
}

/// One of the seller pages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppPage {
    /// The `<title>` and the heading.
    pub title: Bi,
    /// Who is signed in.
    pub signed_in_as: Option<String>,
    /// Messages, first on the page.
    pub notices: Vec<Notice>,
    /// Paragraphs under the heading.
    pub intro: Vec<Bi>,
    /// Facts as a definition list.
    pub facts: Vec<(Bi, String)>,
    /// A list of codes (with quantities), under a heading.
    pub items: Option<(Bi, Vec<String>)>,
    /// A QR image (same-origin URL) and its caption.
    pub qr: Option<(String, Bi)>,
    /// The scanner box.
    pub scanner: Option<ScannerView>,
    /// Forms.
    pub forms: Vec<FormView>,
    /// Lists of records, after the forms.
    pub lists: Vec<EntryList>,
    /// Links at the end `(href, label)`; same-origin paths or http(s) URLs.
    pub links: Vec<(String, Bi)>,
}

/// `public_url` without trailing slashes.
fn base(public_url: &str) -> &str {
    public_url.trim_end_matches('/')
}

/// `href` if it is a same-origin path or an http(s) URL.
fn safe_href(href: &str) -> Option<&str> {
    let h = href.trim();
    if h.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    if (h.starts_with('/') && !h.starts_with("//"))
        || h.starts_with("https://")
        || h.starts_with("http://")
        || h.starts_with('?')
    {
        Some(h)
    } else {
        None
    }
}

/// Renders a seller page. Serve it with [`APP_CSP`], `no-store`.
pub fn render_app_page(page: &AppPage, lang: Lang, public_url: &str) -> String {
    let base = base(public_url);
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                meta name="referrer" content="same-origin";
                meta name="robots" content="noindex";
                meta name="color-scheme" content="light";
                title { (page.title.get(lang)) " · 溯源" }
                link rel="stylesheet" href={ (base) "/assets/trace.css" };
                link rel="stylesheet" href={ (base) "/assets/app.css" };
                @if page.scanner.is_some() {
                    script src={ (base) "/assets/scan.js" } defer {}
                }
            }
            body {
                main.app {
                    // Top bar: brand, language switch (a relative `?lang=` link keeps the path).
                    (top_bar(lang))
                    @if let Some(who) = &page.signed_in_as {
                        p.muted.who { (tr(lang, "当前登录：", "Signed in as ")) (who) }
                    }
                    @for n in &page.notices {
                        (notice(lang, n))
                    }
                    (heading_card(lang, page))
                    @if let Some(sc) = &page.scanner {
                        (scanner(lang, sc))
                    }
                    @for f in &page.forms {
                        (form(lang, f))
                    }
                    @for list in &page.lists {
                        (entry_list(lang, list))
                    }
                    @if !page.links.is_empty() {
                        p.actions.links {
                            @for (href, label) in &page.links {
                                @if let Some(h) = safe_href(href) {
                                    a.button.button-secondary href=(h) { (label.get(lang)) }
                                    " "
                                }
                            }
                        }
                    }
                }
                footer.foot {
                    p {
                        (tr(
                            lang,
                            "溯源（Suyuan）：重点工业产品质量安全追溯。",
                            "Suyuan: quality and safety tracing of key industrial products.",
                        ))
                    }
                }
            }
        }
    }
    .into_string()
}

/// A message at the top of the page; errors are announced at once (`role="alert"`).
fn notice(lang: Lang, n: &Notice) -> Markup {
    let (kind, role) = match n.kind {
        NoticeKind::Success => ("notice-ok", "status"),
        NoticeKind::Info => ("notice-info", "status"),
        NoticeKind::Error => ("notice-error", "alert"),
    };
    html! {
        p.notice.(kind) role=(role) { (n.text.get(lang)) }
    }
}

/// The first card: the heading, the intro, the facts, the list of codes and the QR image.
fn heading_card(lang: Lang, page: &AppPage) -> Markup {
    html! {
        section.card {
            h1 #h-page { (page.title.get(lang)) }
            @for p in &page.intro {
                p { (p.get(lang)) }
            }
            @if !page.facts.is_empty() {
                dl.facts {
                    @for (k, v) in &page.facts {
                        dt { (k.get(lang)) }
                        dd { (v) }
                    }
                }
            }
            @if let Some((heading, items)) = &page.items {
                h2 { (heading.get(lang)) }
                ul.codes #items {
                    @for i in items {
                        li { code { (i) } }
                    }
                }
            }
            @if let Some((src, caption)) = &page.qr {
                @if let Some(src) = safe_href(src) {
                    figure.qr {
                        img src=(src) width="200" height="200" alt=(caption.get(lang));
                        figcaption { (caption.get(lang)) }
                    }
                }
            }
        }
    }
}

/// The scanner box; `scan.js` reads its `data-` attributes.
fn scanner(lang: Lang, sc: &ScannerView) -> Markup {
    html! {
        section.card.scanner #scanner data-check-url=(sc.check_url) data-csrf=(sc.csrf)
            data-lang=(lang.query_value()) {
            h2 { (tr(lang, "扫码", "Scan")) }
            label for="scan-input" {
                (tr(
                    lang,
                    "用扫码枪扫描（或输入后按回车）：",
                    "Scan with the barcode scanner (or type and press Enter):",
                ))
            }
            input.scan-input #scan-input type="text" autocomplete="off" autocapitalize="off"
                spellcheck="false" enterkeyhint="done" autofocus;
            p.count aria-live="polite" {
                (tr(lang, "已扫：", "Scanned: "))
                strong #scan-count { "0" }
            }
            ul.codes #scan-good {}
            ul.scan-errors #scan-errors aria-live="assertive" {}
        }
    }
}

/// A card of records, or what to say when there is none.
fn entry_list(lang: Lang, list: &EntryList) -> Markup {
    html! {
        section.card id=(list.id) {
            h2 { (list.heading.get(lang)) }
            @if list.entries.is_empty() {
                p.muted.empty { (list.empty.get(lang)) }
            } @else {
                ul.entries {
                    @for e in &list.entries {
                        (entry(lang, e))
                    }
                }
            }
        }
    }
}

/// One record of an [`EntryList`].
fn entry(lang: Lang, e: &Entry) -> Markup {
    html! {
        li.entry {
            p.entry-head {
                strong { (e.title) }
                @if let Some((token, label)) = &e.status {
                    " "
                    span.status.{ "status-" (css_token(token)) } { (label.get(lang)) }
                }
            }
            @for line in &e.lines {
                p.muted { (line.get(lang)) }
            }
            @if let Some((href, label)) = &e.link {
                @if let Some(h) = safe_href(href) {
                    p { a href=(h) { (label.get(lang)) } }
                }
            }
        }
    }
}

/// `token` reduced to what may stand in a class name: ASCII letters, digits, `-` and `_`.
fn css_token(token: &str) -> String {
    token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// A form in its own card: the CSRF field first, the fields, the submit button.
fn form(lang: Lang, f: &FormView) -> Markup {
    html! {
        section.card {
            form method="post" id=(f.id) action=(safe_href(&f.action).unwrap_or(""))
                accept-charset="utf-8" {
                @if let Some(h) = &f.heading {
                    h2 { (h.get(lang)) }
                }
                input type="hidden" name="csrf" value=(f.csrf);
                @for field in &f.fields {
                    (form_field(lang, &f.id, field))
                }
                button.button type="submit" { (f.submit.get(lang)) }
            }
        }
    }
}

/// One field of a form: its label, its control, why it was refused and a hint; a hidden field
/// is only its `<input>`. The control's id is `{form id}-{name}`.
fn form_field(lang: Lang, form_id: &str, field: &FormField) -> Markup {
    let id = format!("{form_id}-{}", field.name);
    let value = field.value.as_deref().unwrap_or("");
    let invalid = field.error.is_some().then_some("true");
    html! {
        @if field.kind == FieldKind::Hidden {
            input type="hidden" name=(field.name) id=(id) value=(value);
        } @else {
            div.field.field-invalid[field.error.is_some()] {
                label for=(id) {
                    (field.label.get(lang))
                    @if field.required {
                        " "
                        span.req aria-hidden="true" { "*" }
                    }
                }
                @match &field.kind {
                    FieldKind::TextArea => {
                        textarea rows="4" name=(field.name) id=(id) required[field.required]
                            aria-invalid=[invalid] { (value) }
                    }
                    FieldKind::Select(options) => {
                        select name=(field.name) id=(id) required[field.required]
                            aria-invalid=[invalid] {
                            @for (option, label) in options {
                                option value=(option)
                                    selected[field.value.as_deref() == Some(option.as_str())] {
                                    (label.get(lang))
                                }
                            }
                        }
                    }
                    FieldKind::Password => {
                        input type="password" autocomplete="current-password" name=(field.name)
                            id=(id) required[field.required] aria-invalid=[invalid];
                    }
                    kind => {
                        @let (input_type, inputmode) = match kind {
                            FieldKind::Date => ("date", None),
                            FieldKind::Email => ("email", None),
                            FieldKind::Number => ("text", Some("decimal")),
                            _ => ("text", None),
                        };
                        input type=(input_type) inputmode=[inputmode] name=(field.name) id=(id)
                            required[field.required] aria-invalid=[invalid] value=(value);
                    }
                }
                @if let Some(e) = &field.error {
                    p.field-error { (e.get(lang)) }
                }
                @if let Some(h) = &field.hint {
                    p.hint.muted { (h.get(lang)) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_text_is_escaped_and_no_inline_script_or_style_appears() {
        let page = AppPage {
            title: Bi::new("认领", "Claim"),
            facts: vec![(Bi::new("发货方", "Sender"), "<script>x</script>".into())],
            forms: vec![FormView {
                id: "f".into(),
                action: "javascript:alert(1)".into(),
                heading: None,
                csrf: "\"><b>".into(),
                fields: vec![
                    FormField::new("n", Bi::new("名", "Name"), FieldKind::Text)
                        .value(Some("\"onfocus=x")),
                ],
                submit: Bi::new("提交", "Submit"),
            }],
            ..Default::default()
        };
        let html = render_app_page(&page, Lang::Zh, "https://t.example");
        assert!(!html.contains("<script>x"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("\"onfocus"));
        assert!(!html.contains("style="));
        assert!(html.contains("lang=\"zh-CN\""));
    }

    #[test]
    fn the_scanner_page_loads_its_script_from_the_service_only() {
        let page = AppPage {
            title: Bi::new("扫码入库", "Scan in"),
            scanner: Some(ScannerView {
                check_url: "/app/scan/check".into(),
                csrf: "t".into(),
            }),
            ..Default::default()
        };
        let html = render_app_page(&page, Lang::En, "https://t.example");
        assert!(html.contains(r#"<script src="https://t.example/assets/scan.js" defer></script>"#));
        assert!(html.contains("id=\"scan-input\""));
        assert!(html.contains("Scanned: "));
    }
}
