//! The seller's dead-lettered webhook deliveries: what could not be processed and why, and replay.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_store::inbox;
use suyuan_web::AppState;
use suyuan_web::auth::SellerAuth;
use suyuan_web::error::ApiError;
use utoipa::ToSchema;

/// A delivery that could not be processed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeadLetterOut {
    /// Delivery id (for replay).
    pub id: i64,
    /// Store connection.
    pub store_id: String,
    /// The marketplace (`shopify`, `woocommerce`, `youzan`, `douyin`, `standard`).
    pub platform: String,
    /// Topic.
    pub topic: String,
    /// The platform's delivery key.
    pub idempotency_key: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Attempts made.
    pub attempts: i32,
    /// Why it failed.
    pub reason: Option<String>,
    /// Body size in bytes (the body itself is not shown: it may hold personal data).
    pub body_bytes: usize,
}

/// Lists the seller's dead-lettered deliveries, newest first.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), responses((status = 200, body = Vec<DeadLetterOut>)))]
#[get("/deliveries/dead")]
pub async fn dead_letters(
    auth: SellerAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let rows = inbox::dead_letters(&state.db, &auth.seller_id, 500).await?;
    let out: Vec<DeadLetterOut> = rows
        .into_iter()
        .map(|r| DeadLetterOut {
            body_bytes: r.body.len(),
            id: r.id,
            store_id: r.store_id,
            platform: r.platform,
            topic: r.topic,
            idempotency_key: r.idempotency_key,
            received_at: r.received_at,
            attempts: r.attempts,
            reason: r.last_error,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Puts a dead-lettered delivery back in the queue.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = i64, Path)), responses((status = 202), (status = 404, body = suyuan_web::error::Problem)))]
#[post("/deliveries/{id}/replay")]
pub async fn replay(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    inbox::replay(&state.db, &auth.seller_id, *id, Utc::now()).await?;
    state.inbox_notify.notify_one();
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "id": *id, "status": "pending" })))
}
