//! The seller pages' stylesheet and scanner script, served from this service (the pages' CSP
//! allows nothing else).

use actix_web::http::header;
use actix_web::{HttpResponse, get};

/// `GET /assets/app.css`.
#[get("/assets/app.css")]
pub async fn app_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(suyuan_widgets::app_css())
}

/// `GET /assets/scan.js`.
#[get("/assets/scan.js")]
pub async fn scan_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(suyuan_widgets::scan_js())
}
