//! The seller's phone pages: sign-in, claiming a B2B transfer (with sign-up), receiving and
//! selling one scanned code, and the barcode-scanner page. One page shape ([`AppPage`]) covers
//! them all: a heading, notices, facts, a list of codes, an optional QR image, the scanner box,
//! and forms.
//!
//! Like the trace page they are plain HTML under a strict CSP ([`APP_CSP`]): no inline script
//! or style; the stylesheets are `trace.css` and `app.css`, and the scanner's behaviour is the
//! same-origin `scan.js` (DOM APIs only). Forms post `application/x-www-form-urlencoded` to the
//! service with a CSRF token in a hidden field. Chinese first, English with `?lang=en`; every
//! caller text is escaped. They work from 360 px wide.

use std::fmt::Write as _;

use crate::page::Lang;
use crate::text::push_escaped;

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

struct Out {
    s: String,
    lang: Lang,
}

impl Out {
    fn raw(&mut self, s: &str) {
        self.s.push_str(s);
    }
    fn text(&mut self, s: &str) {
        push_escaped(&mut self.s, s);
    }
    fn bi(&mut self, b: &Bi) {
        let t = b.get(self.lang).to_owned();
        self.text(&t);
    }
    fn tr(&mut self, zh: &str, en: &str) {
        self.text(match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        });
    }
}

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
    let mut o = Out {
        s: String::with_capacity(8 * 1024),
        lang,
    };
    let _ = write!(o.s, "<!doctype html>\n<html lang=\"{}\">\n", lang.code());
    o.raw(concat!(
        r#"<head><meta charset="utf-8">"#,
        r#"<meta name="viewport" content="width=device-width,initial-scale=1">"#,
        r#"<meta name="referrer" content="same-origin">"#,
        r#"<meta name="robots" content="noindex">"#,
        r#"<meta name="color-scheme" content="light">"#,
        "\n<title>"
    ));
    o.bi(&page.title);
    o.raw(" · 溯源</title>\n<link rel=\"stylesheet\" href=\"");
    o.text(base(public_url));
    o.raw("/assets/trace.css\">\n<link rel=\"stylesheet\" href=\"");
    o.text(base(public_url));
    o.raw("/assets/app.css\">\n");
    if page.scanner.is_some() {
        o.raw("<script src=\"");
        o.text(base(public_url));
        o.raw("/assets/scan.js\" defer></script>\n");
    }
    o.raw("</head>\n<body>\n<main class=\"app\">\n");
    // Top bar: brand, who is signed in, language switch (keeps the path and the query).
    let other = lang.other();
    o.raw(r#"<header class="top"><span class="brand">溯源 <span lang="en">Suyuan</span></span>"#);
    let _ = write!(
        o.s,
        r#"<a class="lang-switch" href="?lang={}" hreflang="{code}" lang="{code}">{}</a></header>"#,
        other.query_value(),
        match other {
            Lang::Zh => "中文",
            Lang::En => "English",
        },
        code = other.code(),
    );
    o.raw("\n");
    if let Some(who) = &page.signed_in_as {
        o.raw(r#"<p class="muted who">"#);
        o.tr("当前登录：", "Signed in as ");
        o.text(who);
        o.raw("</p>\n");
    }
    for n in &page.notices {
        let (class, role) = match n.kind {
            NoticeKind::Success => ("notice notice-ok", "status"),
            NoticeKind::Info => ("notice notice-info", "status"),
            NoticeKind::Error => ("notice notice-error", "alert"),
        };
        let _ = write!(o.s, r#"<p class="{class}" role="{role}">"#);
        o.bi(&n.text);
        o.raw("</p>\n");
    }
    o.raw(r#"<section class="card"><h1 id="h-page">"#);
    o.bi(&page.title);
    o.raw("</h1>\n");
    for p in &page.intro {
        o.raw("<p>");
        o.bi(p);
        o.raw("</p>\n");
    }
    if !page.facts.is_empty() {
        o.raw(r#"<dl class="facts">"#);
        for (k, v) in &page.facts {
            o.raw("<dt>");
            o.bi(k);
            o.raw("</dt><dd>");
            o.text(v);
            o.raw("</dd>");
        }
        o.raw("</dl>\n");
    }
    if let Some((heading, items)) = &page.items {
        o.raw("<h2>");
        o.bi(heading);
        o.raw("</h2>\n<ul class=\"codes\" id=\"items\">");
        for i in items {
            o.raw("<li><code>");
            o.text(i);
            o.raw("</code></li>");
        }
        o.raw("</ul>\n");
    }
    if let Some((src, caption)) = &page.qr
        && let Some(src) = safe_href(src)
    {
        o.raw(r#"<figure class="qr"><img src=""#);
        o.text(src);
        o.raw(r#"" width="200" height="200" alt=""#);
        o.bi(caption);
        o.raw(r#""><figcaption>"#);
        o.bi(caption);
        o.raw("</figcaption></figure>\n");
    }
    o.raw("</section>\n");
    if let Some(sc) = &page.scanner {
        o.raw(r#"<section class="card scanner" id="scanner" data-check-url=""#);
        o.text(&sc.check_url);
        o.raw(r#"" data-csrf=""#);
        o.text(&sc.csrf);
        o.raw(r#"" data-lang=""#);
        o.raw(lang.query_value());
        o.raw(r#""><h2>"#);
        o.tr("扫码", "Scan");
        o.raw(r#"</h2><label for="scan-input">"#);
        o.tr(
            "用扫码枪扫描（或输入后按回车）：",
            "Scan with the barcode scanner (or type and press Enter):",
        );
        o.raw(r#"</label><input id="scan-input" class="scan-input" type="text" autocomplete="off" autocapitalize="off" spellcheck="false" enterkeyhint="done" autofocus>"#);
        o.raw(r#"<p class="count" aria-live="polite">"#);
        o.tr("已扫：", "Scanned: ");
        o.raw(r#"<strong id="scan-count">0</strong></p>"#);
        o.raw(r#"<ul class="codes" id="scan-good"></ul><ul class="scan-errors" id="scan-errors" aria-live="assertive"></ul>"#);
        o.raw("</section>\n");
    }
    for f in &page.forms {
        form(&mut o, f);
    }
    for list in &page.lists {
        entry_list(&mut o, list);
    }
    if !page.links.is_empty() {
        o.raw(r#"<p class="actions links">"#);
        for (href, label) in &page.links {
            if let Some(h) = safe_href(href) {
                o.raw(r#"<a class="button button-secondary" href=""#);
                o.text(h);
                o.raw(r#"">"#);
                o.bi(label);
                o.raw("</a> ");
            }
        }
        o.raw("</p>\n");
    }
    o.raw("</main>\n<footer class=\"foot\"><p>");
    o.tr(
        "溯源（Suyuan）：重点工业产品质量安全追溯。",
        "Suyuan: quality and safety tracing of key industrial products.",
    );
    o.raw("</p></footer>\n</body>\n</html>\n");
    o.s
}

fn entry_list(o: &mut Out, list: &EntryList) {
    o.raw(r#"<section class="card" id=""#);
    o.text(&list.id);
    o.raw(r#""><h2>"#);
    o.bi(&list.heading);
    o.raw("</h2>\n");
    if list.entries.is_empty() {
        o.raw(r#"<p class="muted empty">"#);
        o.bi(&list.empty);
        o.raw("</p>");
    } else {
        o.raw(r#"<ul class="entries">"#);
        for e in &list.entries {
            o.raw(r#"<li class="entry"><p class="entry-head"><strong>"#);
            o.text(&e.title);
            o.raw("</strong>");
            if let Some((token, label)) = &e.status {
                let token: String = token
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                let _ = write!(o.s, r#" <span class="status status-{token}">"#);
                o.bi(label);
                o.raw("</span>");
            }
            o.raw("</p>");
            for line in &e.lines {
                o.raw(r#"<p class="muted">"#);
                o.bi(line);
                o.raw("</p>");
            }
            if let Some((href, label)) = &e.link
                && let Some(h) = safe_href(href)
            {
                o.raw(r#"<p><a href=""#);
                o.text(h);
                o.raw(r#"">"#);
                o.bi(label);
                o.raw("</a></p>");
            }
            o.raw("</li>");
        }
        o.raw("</ul>");
    }
    o.raw("</section>\n");
}

fn form(o: &mut Out, f: &FormView) {
    o.raw(r#"<section class="card"><form method="post" id=""#);
    o.text(&f.id);
    o.raw(r#"" action=""#);
    o.text(safe_href(&f.action).unwrap_or(""));
    o.raw(r#"" accept-charset="utf-8">"#);
    if let Some(h) = &f.heading {
        o.raw("<h2>");
        o.bi(h);
        o.raw("</h2>");
    }
    o.raw(r#"<input type="hidden" name="csrf" value=""#);
    o.text(&f.csrf);
    o.raw("\">\n");
    for field in &f.fields {
        let id = format!("{}-{}", f.id, field.name);
        if field.kind == FieldKind::Hidden {
            o.raw(r#"<input type="hidden" name=""#);
            o.text(&field.name);
            o.raw(r#"" id=""#);
            o.text(&id);
            o.raw(r#"" value=""#);
            o.text(field.value.as_deref().unwrap_or(""));
            o.raw("\">\n");
            continue;
        }
        o.raw(if field.error.is_some() {
            r#"<div class="field field-invalid">"#
        } else {
            r#"<div class="field">"#
        });
        o.raw(r#"<label for=""#);
        o.text(&id);
        o.raw(r#"">"#);
        o.bi(&field.label);
        if field.required {
            o.raw(r#" <span class="req" aria-hidden="true">*</span>"#);
        }
        o.raw("</label>");
        let common = |o: &mut Out| {
            o.raw(r#" name=""#);
            o.text(&field.name);
            o.raw(r#"" id=""#);
            o.text(&id);
            o.raw("\"");
            if field.required {
                o.raw(" required");
            }
            if field.error.is_some() {
                o.raw(r#" aria-invalid="true""#);
            }
        };
        match &field.kind {
            FieldKind::TextArea => {
                o.raw("<textarea rows=\"4\"");
                common(o);
                o.raw(">");
                o.text(field.value.as_deref().unwrap_or(""));
                o.raw("</textarea>");
            }
            FieldKind::Select(options) => {
                o.raw("<select");
                common(o);
                o.raw(">");
                for (value, label) in options {
                    o.raw(r#"<option value=""#);
                    o.text(value);
                    o.raw("\"");
                    if field.value.as_deref() == Some(value.as_str()) {
                        o.raw(" selected");
                    }
                    o.raw(">");
                    o.bi(label);
                    o.raw("</option>");
                }
                o.raw("</select>");
            }
            kind => {
                let t = match kind {
                    FieldKind::Date => "date",
                    FieldKind::Email => "email",
                    FieldKind::Number => "text\" inputmode=\"decimal",
                    _ => "text",
                };
                let _ = write!(o.s, "<input type=\"{t}\"");
                common(o);
                o.raw(r#" value=""#);
                o.text(field.value.as_deref().unwrap_or(""));
                o.raw("\">");
            }
        }
        if let Some(e) = &field.error {
            o.raw(r#"<p class="field-error">"#);
            o.bi(e);
            o.raw("</p>");
        }
        if let Some(h) = &field.hint {
            o.raw(r#"<p class="hint muted">"#);
            o.bi(h);
            o.raw("</p>");
        }
        o.raw("</div>\n");
    }
    o.raw(r#"<button type="submit" class="button">"#);
    o.bi(&f.submit);
    o.raw("</button></form></section>\n");
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
