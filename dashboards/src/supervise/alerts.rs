//! `/supervise/alerts`: the improvement alerts of the jurisdiction, acknowledged or resolved
//! with a form post (CSRF-checked, `PersonForm`).

use super::supervisor;
use crate::board::{self, Nav, href, t};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use suyuan_core::dashboard::{ALERT_PAGE, before_id};
use suyuan_core::supervision::{AlertRule, AlertState};
use suyuan_store::analytics::{self as results, AlertEventRow, AlertFilter, AlertRow};
use suyuan_store::tenants::Seller;
use suyuan_web::AppState;
use suyuan_web::csrf::{CSRF_FIELD, CsrfToken};
use suyuan_web::error::ApiError;
use suyuan_web::page::{lang_of, lang_query, see_other};
use suyuan_web::session::{PersonForm, PersonSession};
use suyuan_widgets::Lang;

/// Query of the alert list.
#[derive(Debug, Default, Deserialize)]
pub struct AlertQuery {
    /// `open`, `acknowledged` or `resolved`; all when absent.
    pub state: Option<String>,
    /// Continue below this alert id (the next page, older alerts); from the newest when absent.
    pub before: Option<String>,
    /// The page language.
    pub lang: Option<String>,
}

fn state_name(lang: Lang, s: &str) -> &'static str {
    match s {
        "open" => t(lang, "待处理", "open"),
        "acknowledged" => t(lang, "已确认", "acknowledged"),
        "resolved" => t(lang, "已解决", "resolved"),
        _ => "",
    }
}

/// A table of alerts; with `names`, the seller's name links to its page; with `csrf`, each
/// alert gets a note field and its buttons (acknowledge and resolve where the state allows,
/// comment always); `notes` are shown under their alert.
pub fn alert_table(
    lang: Lang,
    alerts: &[AlertRow],
    names: Option<&HashMap<String, Seller>>,
    csrf: Option<&str>,
    notes: &HashMap<i64, Vec<AlertEventRow>>,
) -> Markup {
    let columns = 4 + usize::from(names.is_some()) + usize::from(csrf.is_some());
    html! {
        @if alerts.is_empty() {
            p.muted { (t(lang, "没有提醒。", "No alerts.")) }
        } @else {
            div.table-wrap { table.alerts {
                thead { tr {
                    @if names.is_some() { th scope="col" { (t(lang, "销售者", "Seller")) } }
                    th scope="col" { (t(lang, "提醒", "Alert")) }
                    th scope="col" { (t(lang, "级别", "Severity")) }
                    th scope="col" { (t(lang, "状态", "State")) }
                    th scope="col" { (t(lang, "首次", "First raised")) }
                    @if csrf.is_some() { th scope="col" { (t(lang, "处理", "Action")) } }
                } }
                tbody { @for a in alerts { tr #{ "alert-" (a.id) } {
                    @if let Some(names) = names {
                        td { a href=(href(lang, &format!("/supervise/sellers/{}", a.seller_id), &[])) {
                            (names.get(&a.seller_id).map_or(a.seller_id.as_str(), |s| s.name.as_str()))
                        } }
                    }
                    td {
                        @match AlertRule::parse(&a.rule) {
                            Some(r) => (match lang { Lang::Zh => r.message_zh(), Lang::En => r.message_en() }),
                            None => (a.rule),
                        }
                        @if !a.subject.is_empty() { " · " code { (a.subject) } }
                    }
                    td.bad[a.severity == "critical"] { (a.severity) }
                    td { (state_name(lang, &a.state)) }
                    td { (a.first_raised_at.format("%Y-%m-%d")) }
                    @if let Some(csrf) = csrf {
                        td {
                            form.alert-action method="post" action={ "/supervise/alerts/" (a.id) "/comment" (lang_query(lang)) } {
                                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                                label.visually-hidden for={ "note-" (a.id) } { (t(lang, "备注", "Note")) }
                                input type="text" name="note" id={ "note-" (a.id) } maxlength="1000"
                                    placeholder=(t(lang, "备注（可选）", "Note (optional)"));
                                " "
                                @if a.state == "open" {
                                    button.button.button-secondary type="submit" formaction={ "/supervise/alerts/" (a.id) "/acknowledge" (lang_query(lang)) } { (t(lang, "确认", "Acknowledge")) }
                                    " "
                                }
                                @if a.state != "resolved" {
                                    button.button.button-secondary type="submit" formaction={ "/supervise/alerts/" (a.id) "/resolve" (lang_query(lang)) } { (t(lang, "解决", "Resolve")) }
                                    " "
                                }
                                button.button.button-secondary type="submit" { (t(lang, "评论", "Comment")) }
                            }
                        }
                    }
                }
                @if let Some(list) = notes.get(&a.id).filter(|l| !l.is_empty()) {
                    tr.alert-notes #{ "alert-" (a.id) "-notes" } { td colspan=(columns) {
                        ul.records { @for n in list { li {
                            (n.at.format("%Y-%m-%d %H:%M")) " · " (n.actor) " · "
                            @if n.from_state.as_deref() != Some(n.to_state.as_str()) {
                                (state_name(lang, &n.to_state)) "："
                            }
                            (n.note.as_deref().unwrap_or_default())
                        } } }
                    } }
                }
                } }
            } }
        }
    }
}

/// The sellers these alerts name, by id (those the person may see).
async fn sellers_named(
    state: &AppState,
    who: &suyuan_core::tenancy::Principal,
    alerts: &[AlertRow],
) -> Result<HashMap<String, Seller>, ApiError> {
    let mut ids: Vec<String> = alerts.iter().map(|a| a.seller_id.clone()).collect();
    ids.sort();
    ids.dedup();
    Ok(suyuan_store::tenants::sellers_among(&state.db, who, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id.as_str().to_owned(), s))
        .collect())
}

/// `GET /supervise/alerts[?state=&before=]`: 50 alerts a page, newest first.
#[get("/supervise/alerts")]
pub async fn alerts_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: PersonSession,
    q: web::Query<AlertQuery>,
    CsrfToken { token, cookie }: CsrfToken,
) -> Result<HttpResponse, ApiError> {
    let who = supervisor(session)?;
    let lang = lang_of(&req);
    let only = match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match AlertState::parse(s) {
            Some(s) => Some(s),
            None => {
                return Ok(board::bad_fields(
                    &req,
                    &state,
                    lang,
                    &[suyuan_core::dashboard::BadField {
                        field: "state",
                        zh: "状态只能是 open、acknowledged 或 resolved".into(),
                        en: "state must be open, acknowledged or resolved".into(),
                    }],
                ));
            }
        },
    };
    let before = match before_id(q.before.as_deref()) {
        Ok(b) => b,
        Err(bad) => return Ok(board::bad_fields(&req, &state, lang, &[bad])),
    };
    let scope = board::scope_of(&who)?;
    // One more than a page says whether an older page follows.
    let mut alerts = results::list_alerts(
        &state.db,
        &scope,
        &AlertFilter {
            state: only,
            before_id: before,
            limit: ALERT_PAGE + 1,
            ..Default::default()
        },
    )
    .await?;
    let more = alerts.len() as u64 > ALERT_PAGE;
    alerts.truncate(ALERT_PAGE as usize);
    let names = sellers_named(&state, &who, &alerts).await?;
    let ids: Vec<i64> = alerts.iter().map(|a| a.id).collect();
    let mut notes: HashMap<i64, Vec<AlertEventRow>> = HashMap::new();
    for n in results::alert_notes(&state.db, &ids).await? {
        notes.entry(n.alert_id).or_default().push(n);
    }
    let state_param = only.map_or("", |s| s.as_str());
    let body = html! {
        section.card {
            p.links {
                a href=(href(lang, "/supervise/alerts", &[])) { (t(lang, "全部", "All")) } " · "
                @for s in ["open", "acknowledged", "resolved"] {
                    a href=(href(lang, "/supervise/alerts", &[("state", s)])) { (state_name(lang, s)) } " "
                }
            }
            (alert_table(lang, &alerts, Some(&names), Some(&token), &notes))
            @if before.is_some() || more {
                nav.pager aria-label=(t(lang, "分页", "Pages")) {
                    @if before.is_some() {
                        a href=(href(lang, "/supervise/alerts", &[("state", state_param)])) { (t(lang, "最新的提醒", "Newest alerts")) }
                    }
                    @if let (true, Some(last)) = (more, alerts.last()) {
                        @if before.is_some() { " · " }
                        a rel="next" href=(href(lang, "/supervise/alerts", &[("state", state_param), ("before", &last.id.to_string())])) { (t(lang, "更早的提醒", "Older alerts")) }
                    }
                }
            }
        }
    };
    let mut res = board::page(
        &req,
        &state,
        StatusCode::OK,
        lang,
        t(lang, "改进提醒", "Improvement alerts"),
        Nav::Supervise("/supervise/alerts"),
        body,
    );
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("csrf cookie: {e}")))?;
    }
    Ok(res)
}

/// What a person asked of an alert.
#[derive(Clone, Copy)]
enum Act {
    /// Move it to this state (with an optional note).
    To(AlertState),
    /// Comment on it (a note is needed).
    Comment,
}

async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: PersonForm,
    id: &str,
    act: Act,
) -> Result<HttpResponse, ApiError> {
    let who = form.principal;
    if !super::ROLES.contains(&who.role()) {
        return Err(ApiError::Forbidden);
    }
    let lang = lang_of(&req);
    let note = match suyuan_core::dashboard::alert_note(
        form.form.get("note").map(String::as_str),
        matches!(act, Act::Comment),
    ) {
        Ok(n) => n,
        Err(bad) => return Ok(board::bad_fields(&req, &state, lang, &[bad])),
    };
    let scope = board::scope_of(&who)?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound("alert"))?;
    match act {
        Act::To(to) => {
            results::change_alert(
                &state.db,
                &scope,
                id,
                to,
                who.subject(),
                note.as_deref(),
                Utc::now(),
            )
            .await?;
        }
        Act::Comment => {
            let note = note.unwrap_or_default();
            results::comment_alert(&state.db, &scope, id, who.subject(), &note, Utc::now()).await?;
        }
    }
    Ok(see_other(
        &format!("/supervise/alerts{}#alert-{id}", lang_query(lang)),
        vec![],
    ))
}

/// `POST /supervise/alerts/{id}/acknowledge` (`note` optional).
#[post("/supervise/alerts/{id}/acknowledge")]
pub async fn acknowledge(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: PersonForm,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change(req, state, form, &id, Act::To(AlertState::Acknowledged)).await
}

/// `POST /supervise/alerts/{id}/resolve` (`note` optional).
#[post("/supervise/alerts/{id}/resolve")]
pub async fn resolve(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: PersonForm,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change(req, state, form, &id, Act::To(AlertState::Resolved)).await
}

/// `POST /supervise/alerts/{id}/comment` (`note` required): a comment, the state unchanged.
#[post("/supervise/alerts/{id}/comment")]
pub async fn comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: PersonForm,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change(req, state, form, &id, Act::Comment).await
}
