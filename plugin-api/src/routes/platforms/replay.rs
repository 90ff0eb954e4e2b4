//! Sending again: dead submissions replayed, and a platform registered late (or given a new rule)
//! backfilled with the records made before.

use crate::routes::field_errors;
use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use suyuan_store::submissions as store;
use suyuan_web::AppState;
use suyuan_web::auth::{AdminAuth, SellerOrAdmin};
use suyuan_web::error::ApiError;
use utoipa::{IntoParams, ToSchema};

/// How many dead submissions were queued again.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReplayedOut {
    /// The platform.
    pub platform_id: String,
    /// How many.
    pub replayed: u64,
}

/// Replays every dead submission to a platform: a seller's own, or (admin) every seller's.
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::PlatformId), Path, description = "the platform (`plt_…`)")),
    responses((status = 202, body = ReplayedOut), (status = 404, body = suyuan_web::error::Problem)))]
#[post("/platforms/{id}/replay")]
pub async fn replay_dead(
    auth: SellerOrAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let replayed = store::replay_dead(&state.db, auth.seller(), &id).await?;
    Ok(HttpResponse::Accepted().json(ReplayedOut {
        platform_id: id.into_inner(),
        replayed,
    }))
}

/// When a backfill starts.
#[derive(Debug, Deserialize, IntoParams)]
pub struct BackfillQuery {
    /// Only records recorded at or after this time (RFC 3339, or a date `YYYY-MM-DD` taken as
    /// noon China time), not in the future; default: all.
    pub since: Option<String>,
}

/// What a backfill sent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BackfilledOut {
    /// The platform.
    pub platform_id: String,
    /// Records looked at.
    pub events: u64,
    /// Submissions queued: records the platform matches and did not have.
    pub submissions: u64,
}

/// Sends a platform registered late (or given a new rule) the records made before: every
/// record its rules match that it does not have yet, oldest first per seller. Safe to repeat.
#[utoipa::path(tag = "platforms", security(("bearer" = [])),
    params(("id" = inline(suyuan_core::ids::PlatformId), Path, description = "the platform (`plt_…`)"), BackfillQuery),
    responses((status = 202, body = BackfilledOut), (status = 404, body = suyuan_web::error::Problem),
        (status = 422, body = suyuan_web::error::Problem)))]
#[post("/platforms/{id}/backfill")]
pub async fn backfill(
    _auth: AdminAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<BackfillQuery>,
) -> Result<HttpResponse, ApiError> {
    let since = match query.since.as_deref() {
        Some(raw) => Some(
            suyuan_core::receipt::parse_time("since", Some(raw), chrono::Utc::now())
                .map_err(|e| field_errors(vec![e]))?
                .with_timezone(&chrono::Utc),
        ),
        None => None,
    };
    let done = store::backfill(&state.db, &id, since).await?;
    Ok(HttpResponse::Accepted().json(BackfilledOut {
        platform_id: id.into_inner(),
        events: done.events,
        submissions: done.submissions,
    }))
}
