//! `POST /webhooks/{platform}/{store_id}`: verify on the raw bytes, store, acknowledge.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use futures_util::StreamExt as _;
use std::sync::Arc;
use suyuan_core::marketplace::{self, Credentials, Headers, Marketplace, SignatureError, Verified};
use suyuan_store::inbox::NewDelivery;
use suyuan_store::shops::{self, ShopCredentials};
use suyuan_web::AppState;
use suyuan_web::error::ApiError;

/// The largest delivery accepted (1 MiB).
pub const WEBHOOK_LIMIT: usize = 1024 * 1024;

async fn read_limited(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::Malformed {
            detail_zh: "请求内容读取失败".to_owned(),
            detail_en: e.to_string(),
            field: None,
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn credentials(
    state: &AppState,
    store_id: &str,
) -> Result<Option<Arc<ShopCredentials>>, ApiError> {
    if let Some(hit) = state.shop_cache.get(store_id) {
        return Ok(hit);
    }
    let found = shops::credentials(&state.db, &state.secret_key, store_id, Utc::now())
        .await?
        .map(Arc::new);
    state.shop_cache.put(store_id, found.clone());
    Ok(found)
}

/// Receives one delivery from a connected store.
#[utoipa::path(tag = "webhooks", params(("platform" = inline(Marketplace), Path, description = "shopify, woocommerce, youzan, douyin or standard (read ignoring case and surrounding whitespace; another answers 404)"),
        ("store_id" = inline(suyuan_core::ids::StoreId), Path, description = "the store connection (`sto_…`; another answers 404)")),
    responses((status = 200, description = "stored (or a repeat of a stored delivery)"), (status = 401, body = suyuan_web::error::Problem),
        (status = 404, body = suyuan_web::error::Problem), (status = 413, body = suyuan_web::error::Problem)))]
#[post("/webhooks/{platform}/{store_id}")]
pub async fn receive(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (platform, store_id) = path.into_inner();
    let platform: Marketplace = platform
        .parse()
        .map_err(|_| ApiError::NotFound("platform"))?;
    let creds = credentials(&state, &store_id)
        .await?
        .filter(|c| c.store.platform == platform.as_str())
        .ok_or(ApiError::NotFound("store"))?;
    let body = read_limited(payload, WEBHOOK_LIMIT).await?;
    let headers = Headers::new(
        req.headers()
            .iter()
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_owned(), v.to_owned()))
            })
            .collect(),
    );
    let adapter = marketplace::adapter(platform);
    let secrets: Vec<&[u8]> = creds.secrets.iter().map(Vec::as_slice).collect();
    let mut credentials =
        Credentials::new(secrets).with_replay_window(state.webhooks.replay_window);
    credentials.app_key = creds.store.app_key.as_deref();
    let verified = adapter
        .verify(&headers, &body, &credentials, Utc::now())
        .map_err(|e| {
            state.metrics.webhooks.with_label_values(&[platform.as_str(), "rejected"]).inc();
            tracing::warn!(store_id = %store_id, platform = platform.as_str(), reason = e.code(), "webhook refused");
            match &e {
                // Signed, but a field outside the signature does not fit the signed body: the
                // problem names that field.
                SignatureError::DoesNotFit { field, .. } => {
                    ApiError::field(*field, e.code(), e.message_zh(), e.to_string())
                }
                _ => ApiError::BadSignature { code: e.code(), detail_zh: e.message_zh(), detail_en: e.to_string() },
            }
        })?;
    let (success, content_type) = adapter.success_body();
    let envelope = match verified {
        Verified::Ping | Verified::Verification => {
            state
                .metrics
                .webhooks
                .with_label_values(&[platform.as_str(), "ping"])
                .inc();
            return Ok(HttpResponse::Ok().content_type(content_type).body(success));
        }
        Verified::Delivery(envelope) => envelope,
    };
    let fresh = state
        .inbox_writer
        .store(NewDelivery {
            store_id: creds.store.id.clone(),
            seller_id: creds.store.seller_id.clone(),
            platform: platform.as_str().to_owned(),
            idempotency_key: envelope.idempotency_key,
            topic: envelope.topic,
            content_digest: Some(envelope.content_digest),
            body,
            received_at: Utc::now(),
        })
        .await
        .map_err(ApiError::Unavailable)?;
    let outcome = if fresh { "accepted" } else { "duplicate" };
    state
        .metrics
        .webhooks
        .with_label_values(&[platform.as_str(), outcome])
        .inc();
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("x-suyuan-delivery", outcome))
        .body(success))
}
