//! What the dashboards share: the page shell (Chinese first, English with `?lang=en`), the
//! stylesheet, links that keep the language, the scope of a signed-in person, the landing page of
//! each role, sortable table headers and the 422 page naming a bad field.

pub mod charts;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, get};
use maud::{DOCTYPE, Markup, html};
use suyuan_core::dashboard::{BadField, Sort, SortKey};
use suyuan_core::tenancy::{Principal, Role};
use suyuan_store::analytics::ResultScope;
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_widgets::{APP_CSP, Lang};

/// `GET /assets/dash.css`.
#[get("/assets/dash.css")]
pub async fn dash_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../assets/dash.css"))
}

/// Where a role lands after signing in.
pub fn landing(role: Role) -> &'static str {
    match role {
        Role::Seller => "/seller",
        Role::Operator => "/operator",
        Role::Supervisor | Role::Admin => "/supervise",
    }
}

/// Chinese or English.
pub fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// `path` with its query `params` (empty values left out) and `lang=en` on English pages.
pub fn href(lang: Lang, path: &str, params: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    if lang == Lang::En {
        q.append_pair("lang", "en");
    }
    let q = q.finish();
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    }
}

/// What a supervisor (its jurisdiction) or an admin (everyone) may read.
pub fn scope_of(p: &Principal) -> Result<ResultScope, ApiError> {
    Ok(match p {
        Principal::Seller(id) => ResultScope::Seller(id.clone()),
        Principal::Supervisor { jurisdiction, .. } => {
            ResultScope::Jurisdiction(jurisdiction.clone())
        }
        Principal::Admin(_) => ResultScope::All,
        Principal::Operator(_) => return Err(ApiError::Forbidden),
    })
}

/// The section of the site a page belongs to (its navigation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    /// Supervisors and admins; the current tab.
    Supervise(&'static str),
    /// A seller.
    Seller,
    /// An operator.
    Operator,
    /// No navigation (problem pages).
    None,
}

fn nav(lang: Lang, n: Nav) -> Markup {
    let tabs: &[(&str, &str, &str)] = match n {
        Nav::Supervise(_) => &[
            ("/supervise", "概览", "Overview"),
            ("/supervise/sellers", "销售者排名", "Sellers"),
            ("/supervise/alerts", "提醒", "Alerts"),
            ("/supervise/recall", "召回流向", "Recall flow"),
        ],
        Nav::Seller => &[
            ("/seller", "我的合规", "My compliance"),
            ("/app/scan", "扫码收货", "Scan goods in"),
            ("/app/transfers", "转移与认领", "Transfers"),
        ],
        Nav::Operator => &[("/operator", "徽章覆盖", "Badge coverage")],
        Nav::None => &[],
    };
    let current = match n {
        Nav::Supervise(c) => c,
        Nav::Seller => "/seller",
        Nav::Operator => "/operator",
        Nav::None => "",
    };
    html! {
        @if !tabs.is_empty() {
            nav.tabs aria-label=(t(lang, "导航", "Navigation")) {
                @for (path, zh, en) in tabs {
                    @if *path == current {
                        a href=(href(lang, path, &[])) aria-current="page" { (t(lang, zh, en)) }
                    } @else {
                        a href=(href(lang, path, &[])) { (t(lang, zh, en)) }
                    }
                }
            }
        }
    }
}

/// A role's name, as the page header shows who is signed in.
fn role_name(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Seller => t(lang, "销售者", "Seller"),
        Role::Supervisor => t(lang, "监管人员", "Supervisor"),
        Role::Operator => t(lang, "平台运营方", "Operator"),
        Role::Admin => t(lang, "管理员", "Administrator"),
    }
}

/// A dashboard page: the shell around `body`, served with the pages' CSP and never cached.
pub fn page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    lang: Lang,
    title: &str,
    section: Nav,
    body: Markup,
) -> HttpResponse {
    let base = state.public_url.trim_end_matches('/');
    let other = lang.other();
    // The language switch keeps the page and its query.
    let mut q: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k != "lang")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    q.push(("lang".into(), other.query_value().into()));
    let switch = format!(
        "{}?{}",
        req.path(),
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(q)
            .finish()
    );
    // Who is signed in, and a way out (a form: signing out changes state, so it carries the
    // CSRF token).
    let who = req
        .extensions()
        .get::<suyuan_web::session::SignedInAs>()
        .cloned();
    let csrf = who.as_ref().map(|_| suyuan_web::csrf::token(state, req));
    let html = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                meta name="referrer" content="same-origin";
                meta name="robots" content="noindex";
                title { (title) " · 溯源" }
                link rel="stylesheet" href={ (base) "/assets/trace.css" };
                link rel="stylesheet" href={ (base) "/assets/app.css" };
                link rel="stylesheet" href={ (base) "/assets/dash.css" };
            }
            body {
                main.app.dash {
                    header.top {
                        a.brand href=(href(lang, "/", &[])) { "溯源 " span lang="en" { "Suyuan" } }
                        a.lang-switch href=(switch) hreflang=(other.code()) lang=(other.code()) {
                            (t(other, "中文", "English"))
                        }
                    }
                    @if let (Some(who), Some(csrf)) = (&who, &csrf) {
                        div.signed-in #signed-in {
                            span.who { (role_name(lang, who.role)) "：" (who.email) }
                            " "
                            a href=(href(lang, "/account/tokens", &[])) { (t(lang, "账号与令牌", "Account and tokens")) }
                            form method="post" action=(href(lang, "/signout", &[])) {
                                input type="hidden" name=(suyuan_web::csrf::CSRF_FIELD) value=(csrf.token);
                                button.button.button-secondary type="submit" #signout { (t(lang, "退出登录", "Sign out")) }
                            }
                        }
                    }
                    (nav(lang, section))
                    h1 #h-page { (title) }
                    (body)
                }
            }
        }
    };
    let mut res = HttpResponse::build(status);
    if let Some(cookie) = csrf.and_then(|c| c.cookie) {
        res.cookie(cookie);
    }
    res.content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", APP_CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Referrer-Policy", "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html.into_string())
}

/// The 422 page for query values that cannot be read, naming each field.
pub fn bad_fields(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    bad: &[BadField],
) -> HttpResponse {
    let body = html! {
        section.card role="alert" {
            p { (t(lang, "以下查询条件无法识别：", "These query values cannot be read:")) }
            ul {
                @for b in bad {
                    li { code.field { (b.field) } "：" (match lang { Lang::Zh => &b.zh, Lang::En => &b.en }) }
                }
            }
            p { a href=(href(lang, req.path(), &[])) { (t(lang, "清除条件", "Clear the filters")) } }
        }
    };
    page(
        req,
        state,
        StatusCode::UNPROCESSABLE_ENTITY,
        lang,
        t(lang, "查询条件有误", "Bad query"),
        Nav::None,
        body,
    )
}

/// A sortable column header: a link to this table sorted by `key` (toggling the direction when
/// it already is), with `aria-sort` on the sorted column.
pub fn sort_header(
    lang: Lang,
    path: &str,
    params: &[(&str, &str)],
    current: Sort,
    key: SortKey,
    label: &str,
    numeric: bool,
) -> Markup {
    let next = current.toggle(key).as_query();
    let mut p: Vec<(&str, &str)> = params.to_vec();
    p.push(("sort", &next));
    let aria = (current.key == key).then_some(if current.desc {
        "descending"
    } else {
        "ascending"
    });
    let arrow = match aria {
        Some("descending") => " ↓",
        Some(_) => " ↑",
        None => "",
    };
    html! {
        th.num[numeric] scope="col" aria-sort=[aria] {
            a href=(href(lang, path, &p)) { (label) (arrow) }
        }
    }
}

/// A number with one decimal.
pub fn one(x: f64) -> String {
    format!("{x:.1}")
}

/// A share 0-1 as a percentage.
pub fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// A duration in seconds as hours (one decimal).
pub fn hours(s: Option<f64>) -> String {
    s.map(|s| format!("{:.1} h", s / 3600.0))
        .unwrap_or_else(|| "–".into())
}

/// The catalogue name of a category in the page language, or its id.
pub fn category_name(state: &AppState, lang: Lang, id: &str) -> String {
    suyuan_core::catalogue::CategoryId::parse(id)
        .ok()
        .and_then(|c| state.catalogue.get(&c))
        .map(|c| match lang {
            Lang::Zh => c.name_zh.clone(),
            Lang::En => c.name_en.clone(),
        })
        .unwrap_or_else(|| id.to_owned())
}

/// Whether a category id is in the catalogue.
pub fn known_category(state: &AppState, id: &str) -> bool {
    suyuan_core::catalogue::CategoryId::parse(id)
        .ok()
        .is_some_and(|c| state.catalogue.get(&c).is_some())
}

/// A region key's name: a province's name, otherwise its code.
pub fn region_name(lang: Lang, key: &str) -> String {
    if key.len() == 2
        && let Ok(d) = suyuan_core::division::DivisionCode::parse(&format!("{key}0000"))
    {
        let n = match lang {
            Lang::Zh => d.province_name_zh(),
            Lang::En => d.province_name_en(),
        };
        if !n.is_empty() {
            return n.to_owned();
        }
    }
    key.to_owned()
}

/// The name of a score component in the page language.
pub fn component_name(lang: Lang, c: &str) -> String {
    let (zh, en) = match c {
        "coverage" => ("追溯覆盖", "Coverage"),
        "completeness" => ("数据完整性", "Completeness"),
        "timeliness" => ("登记时效", "Timeliness"),
        "authenticity" => ("码的真实性", "Authenticity"),
        "corrections" => ("更正", "Corrections"),
        "submissions" => ("平台报送", "Submissions"),
        "claims" => ("下级认领", "Claims"),
        other => return other.to_owned(),
    };
    t(lang, zh, en).to_owned()
}

/// A figure of the overview: a label and a value.
pub fn figure(label: &str, value: String) -> Markup {
    html! { div.figure { dt { (label) } dd { (value) } } }
}
