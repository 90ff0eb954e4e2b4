//! `/app/signin` and `/app/signout`, from before people's accounts: `GET /app/signin` now sends
//! to `/signin` (keeping `next`); a device may still sign in by posting a seller's API token
//! here (the form at the end of `/signin`), which becomes the older `suyuan_token` cookie.
//! Signing out ends a people's session server-side too.

use super::forms::field;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use suyuan_core::tenancy::Principal;
use suyuan_web::AppState;
use suyuan_web::auth::Tokens;
use suyuan_web::csrf::{self, CsrfForm};
use suyuan_web::page::{lang_of, lang_query, page_response, see_other};
use suyuan_web::session::{seller_for_token, session_cookie};
use suyuan_widgets::{AppPage, Bi, FieldKind, FormField, FormView, Lang, Notice, NoticeKind};

/// A `next` target that stays on this service ("" when none: the role's own page then).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => String::new(),
    }
}

/// Who `token` signs in: a seller whose account still counts, or any other valid token's
/// principal (supervisors, operators and admins have no account standing to check).
async fn principal_for_token(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
) -> Result<Option<Principal>, suyuan_web::error::ApiError> {
    let Some(tokens) = req.app_data::<web::Data<Tokens>>() else {
        return Ok(None);
    };
    match tokens.verify(token) {
        Ok(Principal::Seller(id)) => Ok(seller_for_token(state, req, token)
            .await?
            .map(|_| Principal::Seller(id))),
        Ok(other) => Ok(Some(other)),
        Err(_) => Ok(None),
    }
}

fn signin_page(csrf: String, next: &str, lang: Lang, error: Option<Notice>) -> AppPage {
    AppPage {
        title: Bi::new("销售者登录", "Seller sign-in"),
        notices: error.into_iter().collect(),
        intro: vec![Bi::new(
            "粘贴溯源为贵司签发的 API 令牌（管理员用 `suyuan token` 生成）。登录后可在手机上接收入库、登记销售和认领货品。",
            "Paste the API token Suyuan issued to your business (an administrator makes one with `suyuan token`). Signed in, you can receive, sell and claim goods from your phone.",
        )],
        forms: vec![FormView {
            id: "signin".into(),
            action: format!("/app/signin{}", lang_query(lang)),
            heading: None,
            csrf,
            fields: vec![
                FormField::new("next", Bi::default(), FieldKind::Hidden).value(Some(next)),
                FormField::new(
                    "token",
                    Bi::new("API 令牌", "API token"),
                    FieldKind::TextArea,
                )
                .required(),
            ],
            submit: Bi::new("登录", "Sign in"),
        }],
        ..Default::default()
    }
}

/// Query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    /// Where to go after signing in.
    pub next: Option<String>,
}

/// `GET /app/signin?next=…`: the sign-in page moved to `/signin` (303, keeping `next`).
#[get("/app/signin")]
pub async fn signin_form(req: HttpRequest, q: web::Query<NextQuery>) -> HttpResponse {
    let lang = lang_of(&req);
    let mut to = format!("/signin{}", lang_query(lang));
    if let Some(next) = q.next.as_deref().filter(|n| !n.is_empty()) {
        to.push(if to.contains('?') { '&' } else { '?' });
        to.push_str("next=");
        to.push_str(&url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
    }
    see_other(&to, vec![])
}

/// `POST /app/signin`: checks the token and sets the session cookie.
#[post("/app/signin")]
pub async fn signin(
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm,
) -> HttpResponse {
    let lang = lang_of(&req);
    let next = safe_next(field(&form, "next"));
    let token = field(&form, "token").unwrap_or_default().to_owned();
    let signed_in = match principal_for_token(&state, &req, &token).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "reading the account of a sign-in failed");
            None
        }
    };
    let Some(who) = signed_in else {
        let refused = Notice {
            kind: NoticeKind::Error,
            text: Bi::new("令牌无效或已过期", "The token is invalid or expired"),
        };
        let page = signin_page(csrf::token(&state, &req).token, &next, lang, Some(refused));
        return page_response(StatusCode::UNAUTHORIZED, &state, &page, lang, vec![]);
    };
    // Without a page to come back to, each role lands on its own page.
    let next = if next.is_empty() {
        format!("{}{}", crate::board::landing(who.role()), lang_query(lang))
    } else {
        next
    };
    see_other(&next, vec![session_cookie(&state, token)])
}

/// `POST /app/signout`: ends the session server-side and clears the session cookies.
#[post("/app/signout")]
pub async fn signout(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: CsrfForm,
) -> Result<HttpResponse, suyuan_web::error::ApiError> {
    crate::signin::end_session(&state, &req).await
}
