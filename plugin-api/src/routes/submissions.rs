//! The submission list: per record and platform, whether it was submitted, accepted or failed
//! and why; and replay of failed submissions.

use super::listings::Page;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use suyuan_core::ids::SellerId;
use suyuan_core::tenancy::Principal;
use suyuan_store::entity::{platform, submission};
use suyuan_store::submissions::{self as store, LedgerFilter, status};
use suyuan_web::AppState;
use suyuan_web::auth::AnyAuth;
use suyuan_web::error::ApiError;
use utoipa::{IntoParams, ToSchema};

/// One record's submission to one platform.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubmissionOut {
    /// Id (for replay).
    pub id: i64,
    /// The record (`evt_…`).
    pub event_id: String,
    /// Whose record.
    pub seller_id: String,
    /// What the record is (`receipt`, `sale`, `correction`, …).
    pub record_kind: String,
    /// The platform (`plt_…`).
    pub platform_id: String,
    /// The platform's code.
    pub platform_code: String,
    /// The platform's name, in Chinese.
    pub platform_name: String,
    /// The platform's name, in English.
    pub platform_name_en: String,
    /// `rule` (a routing rule matched), `correction` (the platform had the corrected record) or
    /// `backfill` (an operator sent the platform the records made before it was registered).
    pub routed_by: String,
    /// The `Idempotency-Key` the platform receives.
    pub idempotency_key: String,
    /// `pending`, `sending`, `needs_credentials`, `accepted`, `rejected` or `dead`.
    pub status: String,
    /// The state, in Chinese.
    pub status_label: String,
    /// The state, in English.
    pub status_label_en: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (pending ones).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why it failed (the platform's own text when it gave one), or why it waits.
    pub reason: Option<String>,
    /// The HTTP status of a refusal.
    pub http_status: Option<i32>,
    /// The platform's capture id or record id, once accepted.
    pub receipt: Option<String>,
    /// When it was routed.
    pub created_at: DateTime<Utc>,
    /// When the platform took it.
    pub accepted_at: Option<DateTime<Utc>>,
}

fn labels(s: &str) -> (&'static str, &'static str) {
    match s {
        status::PENDING => ("待提交", "waiting to be submitted"),
        status::SENDING => ("提交中", "being submitted"),
        status::NEEDS_CREDENTIALS => ("待填写平台凭证", "waiting for your platform credentials"),
        status::ACCEPTED => ("平台已接收", "accepted by the platform"),
        status::REJECTED => ("平台已拒收", "refused by the platform"),
        status::DEAD => ("多次重试失败", "failed after every retry"),
        _ => ("未知", "unknown"),
    }
}

fn out(s: submission::Model, platforms: &HashMap<String, platform::Model>) -> SubmissionOut {
    let (zh, en) = labels(&s.status);
    let p = platforms.get(&s.platform_id);
    SubmissionOut {
        platform_code: p.map(|p| p.code.clone()).unwrap_or_default(),
        platform_name: p.map(|p| p.name_zh.clone()).unwrap_or_default(),
        platform_name_en: p.map(|p| p.name_en.clone()).unwrap_or_default(),
        next_attempt_at: (s.status == status::PENDING).then_some(s.next_attempt_at),
        status_label: zh.to_owned(),
        status_label_en: en.to_owned(),
        id: s.id,
        event_id: s.event_id,
        seller_id: s.seller_id,
        record_kind: s.record_kind,
        platform_id: s.platform_id,
        routed_by: s.routed_by,
        idempotency_key: s.idempotency_key,
        status: s.status,
        attempts: s.attempts,
        reason: s.last_error,
        http_status: s.last_http_status,
        receipt: s.receipt,
        created_at: s.created_at,
        accepted_at: s.accepted_at,
    }
}

async fn outs(
    state: &AppState,
    rows: Vec<submission::Model>,
) -> Result<Vec<SubmissionOut>, ApiError> {
    let platforms: HashMap<String, platform::Model> = store::list_platforms(&state.db)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    Ok(rows.into_iter().map(|s| out(s, &platforms)).collect())
}

/// Sellers read their own submissions; admins read everyone's.
fn scope(p: &Principal) -> Result<Option<SellerId>, ApiError> {
    match p {
        Principal::Seller(s) => Ok(Some(s.clone())),
        Principal::Admin(_) => Ok(None),
        _ => Err(ApiError::Forbidden),
    }
}

crate::openapi::string_enum!(
    /// The states of a submission (another is refused with 422).
    SubmissionStatusParam = status::ALL
);

crate::openapi::string_pattern!(
    /// A submission list cursor: a whole number (the `next` of a page), or nothing. The pattern
    /// leaves out the 19-digit numbers the handler also reads (submission ids are far smaller).
    SubmissionCursorParam = r"^(?:[+-]?0*[0-9]{1,18})?$"
);

/// Filters and pagination of the ledger.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionQuery {
    /// Only this state.
    #[param(value_type = Option<SubmissionStatusParam>, inline)]
    pub status: Option<String>,
    /// Only this platform (compared as given).
    pub platform_id: Option<String>,
    /// Only this record (compared as given).
    pub event_id: Option<String>,
    /// Continue after this submission id (the `next` of the previous page).
    #[param(value_type = Option<SubmissionCursorParam>, inline)]
    pub after: Option<String>,
    /// Page size (default 100); more than 500 is taken as 500, and 0 as 1.
    pub limit: Option<u64>,
}

/// The submission list, oldest first: the seller's own (an admin: everyone's).
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(SubmissionQuery),
    responses((status = 200, body = Page<SubmissionOut>), (status = 422, body = suyuan_web::error::Problem)))]
#[get("/submissions")]
pub async fn list_submissions(
    auth: AnyAuth,
    state: web::Data<AppState>,
    q: web::Query<SubmissionQuery>,
) -> Result<HttpResponse, ApiError> {
    let seller = scope(&auth.0)?;
    let q = q.into_inner();
    if let Some(s) = &q.status
        && !status::ALL.contains(&s.as_str())
    {
        return Err(ApiError::field(
            "status",
            "unknown_status",
            format!("状态须为 {} 之一", status::ALL.join("、")),
            format!("`{s}` is not one of {}", status::ALL.join(", ")),
        ));
    }
    let after = match q.after.as_deref() {
        None | Some("") => None,
        Some(a) => Some(a.parse::<i64>().map_err(|_| {
            ApiError::field(
                "after",
                "invalid_cursor",
                "分页游标无效",
                "is not a cursor from a previous page",
            )
        })?),
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let rows = store::list(
        &state.db,
        &LedgerFilter {
            seller,
            status: q.status,
            platform_id: q.platform_id,
            event_id: q.event_id,
            after,
            limit,
        },
    )
    .await?;
    let next = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    let items = outs(&state, rows).await?;
    Ok(HttpResponse::Ok().json(Page { items, next }))
}

/// Where one record went: its submission to each platform.
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::EventId), Path, description = "the record (`evt_…`)")),
    responses((status = 200, body = Vec<SubmissionOut>), (status = 404, body = suyuan_web::error::Problem)))]
#[get("/events/{id}/submissions")]
pub async fn event_submissions(
    auth: AnyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let seller = scope(&auth.0)?;
    if !store::event_visible(&state.db, seller.as_ref(), &id).await? {
        return Err(ApiError::NotFound("record"));
    }
    let rows = store::list(
        &state.db,
        &LedgerFilter {
            seller,
            event_id: Some(id.into_inner()),
            limit: 1000,
            ..Default::default()
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(outs(&state, rows).await?))
}

/// Sends a dead or rejected submission again (same idempotency key), with a fresh retry budget.
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 202, body = SubmissionOut), (status = 404, body = suyuan_web::error::Problem)))]
#[post("/submissions/{id}/replay")]
pub async fn replay_submission(
    auth: AnyAuth,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let seller = scope(&auth.0)?;
    let row = store::replay_one(&state.db, seller.as_ref(), *id).await?;
    let mut items = outs(&state, vec![row]).await?;
    match items.pop() {
        Some(item) => Ok(HttpResponse::Accepted().json(item)),
        None => Err(ApiError::NotFound("submission")),
    }
}
