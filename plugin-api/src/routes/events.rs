//! Trace events: the caller's events as an EPCIS 2.0 document, or as a list with chain details.

use super::store_error;
use crate::auth::AnyAuth;
use crate::error::ApiError;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::epcis::EpcisDocument;
use suyuan_core::store::ledger::{self, EventScope};
use suyuan_core::tenancy::Principal;
use utoipa::{IntoParams, ToSchema};

/// The event scope a caller may read: its own (seller), its jurisdiction (supervisor), all (admin).
pub fn scope_of(p: &Principal) -> Result<EventScope, ApiError> {
    match p {
        Principal::Seller(id) => Ok(EventScope::Seller(id.clone())),
        Principal::Supervisor { jurisdiction, .. } => {
            Ok(EventScope::Jurisdiction(jurisdiction.clone()))
        }
        Principal::Admin(_) => Ok(EventScope::All),
        Principal::Operator(_) => Err(ApiError::Forbidden),
    }
}

/// Exports the caller's events as an EPCIS 2.0 JSON-LD document.
#[utoipa::path(context_path = "/api/v1", tag = "events", security(("bearer" = [])),
    responses((status = 200, description = "EPCIS 2.0 document (application/ld+json)"), (status = 403, body = crate::error::Problem)))]
#[get("/events/epcis")]
pub async fn export_epcis(
    auth: AnyAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth.0)?;
    let stored = ledger::events_in_scope(&state.db, &scope, None)
        .await
        .map_err(store_error)?;
    let events = stored.into_iter().map(|s| s.event).collect();
    let doc = EpcisDocument::new(events, Utc::now());
    Ok(HttpResponse::Ok()
        .content_type("application/ld+json")
        .insert_header((
            "Content-Disposition",
            "inline; filename=\"suyuan-epcis.jsonld\"",
        ))
        .json(doc.to_json()))
}

/// Query for the event list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u64>,
}

/// An event with its chain position and business facts.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// Our id (`evt_…`).
    pub id: String,
    /// Whose.
    pub seller_id: String,
    /// Position in the seller's chain.
    pub seq: i64,
    /// `receipt`, `sale`, `shipment`, `return`, `correction`, `aggregation` or `recall`.
    pub record_kind: String,
    /// EPCIS event type.
    pub event_type: String,
    /// When it happened.
    pub event_time: DateTime<Utc>,
    /// When it was recorded.
    pub record_time: DateTime<Utc>,
    /// Deadline for registration.
    pub deadline_at: Option<DateTime<Utc>>,
    /// The record it corrects.
    pub corrects_id: Option<String>,
    /// Chain hash (hex).
    pub hash: String,
    /// The EPCIS event.
    #[schema(value_type = Object)]
    pub epcis: serde_json::Value,
}

/// Lists the caller's events, oldest first.
#[utoipa::path(context_path = "/api/v1", tag = "events", security(("bearer" = [])), params(ListQuery), responses((status = 200, body = Vec<EventOut>)))]
#[get("/events")]
pub async fn list_events(
    auth: AnyAuth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth.0)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let stored = ledger::events_in_scope(&state.db, &scope, Some(limit))
        .await
        .map_err(store_error)?;
    let out: Vec<EventOut> = stored
        .into_iter()
        .map(|s| EventOut {
            id: s.id.to_string(),
            seller_id: s.seller_id.to_string(),
            seq: s.seq,
            record_kind: s.row.record_kind.clone(),
            event_type: s.row.event_type.clone(),
            event_time: s.row.event_time,
            record_time: s.row.record_time,
            deadline_at: s.row.deadline_at,
            corrects_id: s.row.corrects_id.clone(),
            hash: s.hash,
            epcis: s.event.to_json(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}
