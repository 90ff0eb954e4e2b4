//! The one-click unsubscribe link of alert and digest mails (RFC 8058), `/mail/unsubscribe?t=`.
//!
//! The token names the recipient and the mail topic and is signed with a key derived from
//! `SUYUAN_SECRET_KEY` (`suyuan_core::mail`), so no sign-in is needed: `GET` shows a page that
//! asks to confirm (a link scanner following the URL changes nothing), `POST` (what a mail client
//! sends for `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and what the page's button
//! sends) turns the topic off. A token that does not verify answers 400 problem+json naming `t`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post};
use suyuan_core::mail::{self as rules, TokenError, Unsubscribe};
use suyuan_store::mail_recipients;
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_web::page::{lang_of, page_response};
use suyuan_widgets::{AppPage, Bi, FormView, Notice, NoticeKind};

/// The token of the request's `t`, verified.
fn verified(state: &AppState, req: &HttpRequest) -> Result<(Unsubscribe, String), ApiError> {
    let token = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "t")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if token.is_empty() {
        return Err(ApiError::field(
            "t",
            "required",
            "缺少退订凭证",
            "the unsubscribe token is missing",
        ));
    }
    let key = state.secret_key.derive(rules::UNSUBSCRIBE_KEY_PURPOSE);
    let (zh, en) = match rules::verify_unsubscribe(&key, &token) {
        Ok(u) => return Ok((u, token)),
        Err(TokenError::Malformed) => ("退订凭证格式不正确", "the unsubscribe token is malformed"),
        Err(TokenError::BadSignature) => (
            "退订凭证签名不符（链接被改动或已失效）",
            "the unsubscribe token's signature does not match (the link was altered)",
        ),
        Err(TokenError::Mandatory) => (
            "此类邮件不能退订",
            "this kind of e-mail cannot be turned off",
        ),
    };
    Err(ApiError::Malformed {
        detail_zh: zh.to_owned(),
        detail_en: en.to_owned(),
        field: Some("t".to_owned()),
    })
}

fn topic_names(u: &Unsubscribe) -> Bi {
    let (zh, en) = u.topic.names();
    Bi::new(zh, en)
}

/// The confirmation page: what the link turns off, and a button that does it.
#[get("/mail/unsubscribe")]
pub async fn unsubscribe_page(
    state: actix_web::web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (u, token) = verified(&state, &req)?;
    let lang = lang_of(&req);
    let names = topic_names(&u);
    let page = AppPage {
        title: Bi::new("退订邮件", "Unsubscribe"),
        intro: vec![Bi::new(
            format!("确认后将不再向您发送{}。召回通知不受影响。", names.zh),
            format!(
                "After you confirm, you will no longer receive {}. Recall notices are not affected.",
                names.en
            ),
        )],
        forms: vec![FormView {
            id: "unsubscribe".into(),
            action: format!("/mail/unsubscribe?t={token}"),
            heading: None,
            csrf: String::new(),
            fields: Vec::new(),
            submit: Bi::new("确认退订", "Unsubscribe"),
        }],
        ..AppPage::default()
    };
    Ok(page_response(
        StatusCode::OK,
        &state,
        &page,
        lang,
        Vec::new(),
    ))
}

/// One-click unsubscribe: turns the token's topic off for its recipient (safe to repeat).
#[post("/mail/unsubscribe")]
pub async fn unsubscribe(
    state: actix_web::web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (u, _) = verified(&state, &req)?;
    mail_recipients::set_subscribed(&state.db, &u.recipient, u.topic, false, chrono::Utc::now())
        .await?;
    tracing::info!(topic = %u.topic, "mail topic turned off by unsubscribe link");
    let lang = lang_of(&req);
    let names = topic_names(&u);
    let page = AppPage {
        title: Bi::new("已退订", "Unsubscribed"),
        notices: vec![Notice {
            kind: NoticeKind::Success,
            text: Bi::new(
                format!("已退订{}。", names.zh),
                format!("You will no longer receive {}.", names.en),
            ),
        }],
        ..AppPage::default()
    };
    Ok(page_response(
        StatusCode::OK,
        &state,
        &page,
        lang,
        Vec::new(),
    ))
}
