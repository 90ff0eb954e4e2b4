//! CSRF protection of the people's pages (double-submit cookie): every form carries a token equal
//! to the `suyuan_csrf` cookie (HttpOnly, SameSite=Strict, Secure when the public URL is https),
//! scripts send it in `X-CSRF-Token`, and a cross-site `Origin` is refused.
//!
//! A page that renders a form takes a [`CsrfToken`]; a form post takes a [`CsrfForm`] (refused
//! with the "request refused" page) and a script's post a [`CsrfHeader`] (refused with 403
//! problem+json). Pages that answer a refusal their own way call [`verify`].

use crate::AppState;
use crate::error::ApiError;
use crate::page::{data_of, lang_of, page_response, state_of};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use base64::Engine as _;
use futures_util::future::LocalBoxFuture;
use rand::RngCore as _;
use std::collections::HashMap;
use std::future::{Ready, ready};
use suyuan_widgets::{AppPage, Bi, Lang, Notice, NoticeKind};

/// The CSRF cookie.
pub const CSRF_COOKIE: &str = "suyuan_csrf";
/// The form field that carries the token.
pub const CSRF_FIELD: &str = "csrf";
/// The header a script sends the token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The request's CSRF token for the forms of a page, and the cookie to set when it is new.
#[derive(Debug, Clone)]
pub struct CsrfToken {
    /// The token to put in the page's forms.
    pub token: String,
    /// The `suyuan_csrf` cookie to set, when the request had none (or a short one).
    pub cookie: Option<Cookie<'static>>,
}

/// The request's CSRF token: the cookie's when it has one, else a new random one (24 bytes,
/// URL-safe base64) with the cookie to set.
pub fn token(state: &AppState, req: &HttpRequest) -> CsrfToken {
    if let Some(c) = req.cookie(CSRF_COOKIE)
        && c.value().len() >= 32
    {
        return CsrfToken {
            token: c.value().to_owned(),
            cookie: None,
        };
    }
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let cookie = Cookie::build(CSRF_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .secure(state.secure_cookies())
        .same_site(SameSite::Strict)
        .finish();
    CsrfToken {
        token,
        cookie: Some(cookie),
    }
}

/// True when a same-origin form (or script) sent `given`: it equals the CSRF cookie, and any
/// `Origin` header names this service.
pub fn verify(state: &AppState, req: &HttpRequest, given: Option<&str>) -> bool {
    let Some(cookie) = req.cookie(CSRF_COOKIE) else {
        return false;
    };
    let Some(given) = given else { return false };
    let same = subtle::ConstantTimeEq::ct_eq(cookie.value().as_bytes(), given.as_bytes());
    if !bool::from(same) || given.len() < 32 {
        return false;
    }
    match req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(origin) => {
            let own = url::Url::parse(&state.public_url)
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_default();
            let host = req.connection_info().host().to_owned();
            origin == own
                || origin == format!("http://{host}")
                || origin == format!("https://{host}")
        }
    }
}

impl FromRequest for CsrfToken {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(state_of(req).map(|state| token(state, req)))
    }
}

/// A posted form (`application/x-www-form-urlencoded`, field by field) whose `csrf` field
/// passed [`verify`]. A form that does not is refused with [`CsrfRefused`].
#[derive(Debug, Clone)]
pub struct CsrfForm(pub HashMap<String, String>);

impl FromRequest for CsrfForm {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<HashMap<String, String>>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let form = form.await?.into_inner();
            let state = data_of(&req)?;
            let given = form
                .get(CSRF_FIELD)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty());
            if !verify(&state, &req, given) {
                return Err(CsrfRefused {
                    lang: lang_of(&req),
                    state,
                }
                .into());
            }
            Ok(CsrfForm(form))
        })
    }
}

/// A form refused for its CSRF token: answered with a 403 page asking to reload and try again.
pub struct CsrfRefused {
    lang: Lang,
    state: web::Data<AppState>,
}

impl std::fmt::Debug for CsrfRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfRefused")
    }
}

impl std::fmt::Display for CsrfRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the form's CSRF token or origin is not this service's")
    }
}

impl ResponseError for CsrfRefused {
    fn status_code(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }

    fn error_response(&self) -> HttpResponse {
        page_response(
            StatusCode::FORBIDDEN,
            &self.state,
            &AppPage {
                title: Bi::new("请求已拒绝", "Request refused"),
                notices: vec![Notice {
                    kind: NoticeKind::Error,
                    text: Bi::new(
                        "表单已过期或来自其他网站，请返回上一页刷新后重试。",
                        "The form expired or came from another site: go back, reload and try again.",
                    ),
                }],
                ..Default::default()
            },
            self.lang,
            vec![],
        )
    }
}

/// A script's post whose `X-CSRF-Token` header passed [`verify`]; otherwise refused with 403.
#[derive(Debug, Clone, Copy)]
pub struct CsrfHeader;

impl FromRequest for CsrfHeader {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(state_of(req).and_then(|state| {
            let given = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if verify(state, req, given) {
                Ok(CsrfHeader)
            } else {
                Err(ApiError::Forbidden)
            }
        }))
    }
}
