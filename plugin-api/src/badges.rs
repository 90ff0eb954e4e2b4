//! Trace badges (SVG and PNG, three sizes) with ETag and Cache-Control, and the embed script.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;
use serde::Deserialize;
use suyuan_core::codes::TraceCode;
use suyuan_store::listings::{self, TraceState};
use suyuan_store::tenants;
use suyuan_store::trace;
use suyuan_web::AppState;
use suyuan_web::cache::Rendered;
use suyuan_web::error::ApiError;
use suyuan_widgets::{Badge, BadgeFormat, BadgeSize, TraceStatus};

/// Badge options.
#[derive(Debug, Deserialize)]
pub struct BadgeQuery {
    /// `s`, `m` or `l` (default `m`).
    pub size: Option<String>,
}

fn split_file(file: &str) -> Result<(String, BadgeFormat), ApiError> {
    let decoded = percent_encoding::percent_decode_str(file)
        .decode_utf8_lossy()
        .into_owned();
    if let Some(stem) = decoded.strip_suffix(".svg") {
        Ok((stem.to_owned(), BadgeFormat::Svg))
    } else if let Some(stem) = decoded.strip_suffix(".png") {
        Ok((stem.to_owned(), BadgeFormat::Png))
    } else {
        Err(ApiError::NotFound("badge format (use .svg or .png)"))
    }
}

fn size_of(q: &BadgeQuery) -> Result<BadgeSize, ApiError> {
    match q.size.as_deref() {
        None => Ok(BadgeSize::Medium),
        Some(s) => s.parse().map_err(|_| {
            ApiError::field(
                "size",
                "invalid_size",
                "尺寸须为 s、m 或 l",
                "size must be s, m or l",
            )
        }),
    }
}

async fn render(badge: Badge, format: BadgeFormat) -> Result<Rendered, ApiError> {
    let body = web::block(move || match format {
        BadgeFormat::Svg => suyuan_widgets::render_svg(&badge).map(String::into_bytes),
        BadgeFormat::Png => suyuan_widgets::render_png(&badge),
    })
    .await
    .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("badge rendering: {e}")))?
    .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("badge rendering: {e}")))?;
    Ok(Rendered {
        etag: suyuan_widgets::etag_for(&body),
        content_type: format.media_type(),
        body: body.into(),
    })
}

fn respond(req: &HttpRequest, r: &Rendered) -> HttpResponse {
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == r.etag || t.trim() == "*"));
    let mut res = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, r.etag.clone()))
        .insert_header((
            header::CACHE_CONTROL,
            "public, max-age=60, stale-while-revalidate=300",
        ))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    if matches {
        res.finish()
    } else {
        res.content_type(r.content_type).body(r.body.clone())
    }
}

/// What a listing's badge shows (medium size), and the listing's title: recalled when its code is
/// under an active recall, traced when it has a trace identity, incomplete when it needs a code.
async fn listing_badge_input(state: &AppState, id: &str) -> Result<(Badge, String), ApiError> {
    let row = listings::public_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("listing"))?;
    let state_now = listings::trace_state(&row);
    if state_now == TraceState::NotRequired || row.status == "deleted" {
        return Err(ApiError::NotFound("traced listing"));
    }
    let code = listings::trace_code_of(&state.db, &row).await?;
    let recalled = match &code {
        Some(c) => trace::active_recall(&state.db, c).await?.is_some(),
        None => false,
    };
    let status = if recalled {
        TraceStatus::Recalled
    } else if state_now == TraceState::Traced {
        TraceStatus::Traced
    } else {
        TraceStatus::Incomplete
    };
    let seller_name = tenants::seller_name(&state.db, &row.seller_id)
        .await?
        .unwrap_or_default();
    let url = suyuan_widgets::trace_url_for_listing(&state.public_url, &row.id);
    Ok((
        Badge::new(url, status, seller_name, row.updated_at.date_naive()),
        row.title,
    ))
}

/// A listing's badge.
#[get("/badge/listing/{file}")]
pub async fn listing_badge(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
    q: web::Query<BadgeQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, format) = split_file(&file)?;
    let size = size_of(&q)?;
    let key = format!("l|{id}|{}|{}", size.code(), format.extension());
    if let Some(hit) = state.badge_cache.get(&key) {
        return Ok(respond(&req, &hit));
    }
    let (badge, title) = listing_badge_input(&state, &id).await?;
    let badge = badge.with_size(size).with_product_name(title);
    let rendered = render(badge, format).await?;
    state.badge_cache.put(key, rendered.clone());
    Ok(respond(&req, &rendered))
}

/// A code's badge.
#[get("/badge/code/{file}")]
pub async fn code_badge(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
    q: web::Query<BadgeQuery>,
) -> Result<HttpResponse, ApiError> {
    let (raw, format) = split_file(&file)?;
    let size = size_of(&q)?;
    let code = TraceCode::parse(&raw)
        .map_err(|e| ApiError::field("code", e.code(), e.message_zh(), e.to_string()))?;
    let key = format!("c|{code}|{}|{}", size.code(), format.extension());
    if let Some(hit) = state.badge_cache.get(&key) {
        return Ok(respond(&req, &hit));
    }
    let facts = trace::facts(&state.db, &code).await?;
    if !facts.is_registered() {
        return Err(ApiError::NotFound("registered code"));
    }
    let status = if facts.recall.is_some() {
        TraceStatus::Recalled
    } else {
        TraceStatus::Traced
    };
    let seller_name = facts
        .events
        .last()
        .map(|e| e.seller.name.clone())
        .unwrap_or_default();
    let updated = facts.updated().unwrap_or_else(Utc::now).date_naive();
    let badge = Badge::new(
        suyuan_web::links::resolver_url(&state.public_url, &code),
        status,
        seller_name,
        updated,
    )
    .with_size(size);
    let rendered = render(badge, format).await?;
    state.badge_cache.put(key, rendered.clone());
    Ok(respond(&req, &rendered))
}

/// The embed script.
#[get("/embed.js")]
pub async fn embed_js(req: HttpRequest) -> HttpResponse {
    let js = suyuan_widgets::embed_js();
    let r = Rendered {
        etag: suyuan_widgets::etag_for(js.as_bytes()),
        content_type: "application/javascript; charset=utf-8",
        body: js.into(),
    };
    respond(&req, &r)
}

/// The page an `<iframe>` snippet shows: the badge as a link to the trace page.
#[get("/embed/listing/{id}")]
pub async fn embed_listing(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<BadgeQuery>,
) -> Result<HttpResponse, ApiError> {
    let size = size_of(&q)?;
    let (badge, _) = listing_badge_input(&state, &id).await?;
    let badge = badge.with_size(size);
    let trace_url = badge.resolver_url.clone();
    let html = suyuan_widgets::embed_iframe_html(&badge, &trace_url)
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("{e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", suyuan_widgets::EMBED_PAGE_CSP))
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .body(html))
}
