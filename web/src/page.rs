//! Answers of the people's pages: the language a request asks for, an HTML page with the pages'
//! security headers, and a 303 to the next page.

use crate::AppState;
use actix_web::cookie::Cookie;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use suyuan_widgets::{APP_CSP, AppPage, Lang};

/// The page language: `?lang=`, then `Accept-Language`, else Chinese.
pub fn lang_of(req: &HttpRequest) -> Lang {
    let q = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned());
    Lang::negotiate(
        q.as_deref(),
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// `?lang=en` for English pages (so form posts and redirects keep the language), else "".
pub fn lang_query(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "?lang=en",
        Lang::Zh => "",
    }
}

/// An HTML page response with the seller pages' headers (their CSP, no sniffing, same-origin
/// referrers, never cached), setting `cookies`.
pub fn page_response(
    status: StatusCode,
    state: &AppState,
    page: &AppPage,
    lang: Lang,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", APP_CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Referrer-Policy", "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    for c in cookies {
        res.cookie(c);
    }
    res.body(suyuan_widgets::render_app_page(
        page,
        lang,
        &state.public_url,
    ))
}

/// A 303 to `location`, setting `cookies`.
pub fn see_other(location: &str, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, location.to_owned()))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    for c in cookies {
        res.cookie(c);
    }
    res.finish()
}

/// The path and query of the request, e.g. `/app/receive?code=…`: where a page asks to come back.
pub fn current_path(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    }
}

/// The application state of a request, for extractors (handlers take `web::Data<AppState>`).
pub(crate) fn state_of(req: &HttpRequest) -> Result<&AppState, crate::error::ApiError> {
    req.app_data::<actix_web::web::Data<AppState>>()
        .map(|d| d.get_ref())
        .ok_or_else(missing_state)
}

/// [`state_of`], shared: for extractors whose futures outlive the request borrow.
pub(crate) fn data_of(
    req: &HttpRequest,
) -> Result<actix_web::web::Data<AppState>, crate::error::ApiError> {
    req.app_data::<actix_web::web::Data<AppState>>()
        .cloned()
        .ok_or_else(missing_state)
}

fn missing_state() -> crate::error::ApiError {
    crate::error::ApiError::Unexpected(anyhow::anyhow!("AppState missing from app data"))
}
