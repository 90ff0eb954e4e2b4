//! Trace events: the caller's events as an EPCIS 2.0 document, or as a list with chain details.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::epcis::EpcisDocument;
use suyuan_core::tenancy::Principal;
use suyuan_store::ledger::{self, EventScope};
use suyuan_web::AppState;
use suyuan_web::auth::AnyAuth;
use suyuan_web::error::ApiError;
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
#[utoipa::path(tag = "events", security(("bearer" = [])),
    responses((status = 200, description = "EPCIS 2.0 document (application/ld+json)"), (status = 403, body = suyuan_web::error::Problem)))]
#[get("/events/epcis")]
pub async fn export_epcis(
    auth: AnyAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth.0)?;
    let stored = ledger::events_in_scope(&state.db, &scope, None).await?;
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
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// At most this many (default 100); more than 1000 is taken as 1000, and 0 as 1.
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
    /// Category (null when none).
    pub category: Option<String>,
    /// Required data elements the record lacks.
    pub missing_elements: Vec<String>,
    /// Against the registration deadline (with the catalogue version the deadline came from).
    pub timeliness: super::timeliness::Timeliness,
    /// The record it corrects.
    pub corrects_id: Option<String>,
    /// Chain hash (hex).
    pub hash: String,
    /// The EPCIS event.
    #[schema(value_type = Object)]
    pub epcis: serde_json::Value,
}

/// Lists the caller's events, oldest first.
#[utoipa::path(tag = "events", security(("bearer" = [])), params(ListQuery), responses((status = 200, body = Vec<EventOut>)))]
#[get("/events")]
pub async fn list_events(
    auth: AnyAuth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth.0)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let stored = ledger::events_in_scope(&state.db, &scope, Some(limit)).await?;
    let now = Utc::now();
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
            category: s.row.category_id.clone(),
            missing_elements: serde_json::from_str(&s.row.missing_elements).unwrap_or_default(),
            timeliness: super::timeliness::of_record(&s.row, now),
            corrects_id: s.row.corrects_id.clone(),
            hash: s.hash,
            epcis: s.event.to_json(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// A correction of one record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionIn {
    /// Why (kept with the error declaration): 1 to 1,000 characters, not blank, without
    /// control characters (surrounding spaces are trimmed).
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
    /// Fields to change (Suyuan extensions such as `region`, `buyerName`, `shippingMethod`,
    /// `trackingNumber`, `certificate`); leave out to void the record (it did not occur).
    #[schema(value_type = Object)]
    pub changes: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

impl CorrectionIn {
    /// The reason and the changes (without nulls), naming the first bad field: a change may
    /// name any extension field but `seller`, and a new `region` must be a division code.
    fn parse(
        self,
    ) -> Result<
        (
            String,
            std::collections::BTreeMap<String, serde_json::Value>,
        ),
        ApiError,
    > {
        let reason = suyuan_core::validation::bounded_text("reason", &self.reason, 1000)
            .map_err(|e| super::field_errors(vec![e]))?;
        let mut changes = self.changes.unwrap_or_default();
        if let Some(key) = changes.keys().find(|key| {
            key.is_empty()
                || key.len() > 64
                || !key.chars().all(|c| c.is_ascii_alphanumeric())
                || key.as_str() == "seller"
        }) {
            return Err(ApiError::field(
                format!("changes.{key}"),
                "invalid_field",
                "不能更改此字段",
                "this field cannot be changed",
            ));
        }
        if let Some(r) = changes.get("region")
            && r.as_str()
                .is_none_or(|r| suyuan_core::division::DivisionCode::parse(r).is_err())
        {
            return Err(ApiError::field(
                "changes.region",
                "invalid_division",
                "地区须为 6 位行政区划代码",
                "must be a 6-digit division code",
            ));
        }
        changes.retain(|_, v| !v.is_null());
        Ok((reason, changes))
    }
}

/// What a correction stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionOut {
    /// The error declaration (`evt_…`).
    pub declaration_id: String,
    /// The corrected record, for an amendment.
    pub corrective_id: Option<String>,
    /// `did_not_occur` (void) or `incorrect_data` (amend).
    pub reason: String,
}

/// Voids or amends one of the seller's records (差错补救). The original stays; an EPCIS error
/// declaration and, for an amendment, the corrected event are appended.
#[utoipa::path(tag = "events", request_body = CorrectionIn, security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::EventId), Path, description = "the record (`evt_…`)")),
    responses((status = 201, body = CorrectionOut), (status = 404, body = suyuan_web::error::Problem), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/events/{id}/corrections")]
pub async fn correct_event(
    auth: suyuan_web::auth::SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: suyuan_web::extract::JsonBody<CorrectionIn>,
) -> Result<HttpResponse, ApiError> {
    let (reason, changes) = body.0.parse()?;
    let done = suyuan_store::corrections::correct(
        &state.db,
        &state.catalogue,
        &auth.seller_id,
        &id,
        &reason,
        changes.clone(),
    )
    .await?;
    state
        .metrics
        .events_recorded
        .with_label_values(&["correction"])
        .inc();
    Ok(HttpResponse::Created().json(CorrectionOut {
        declaration_id: done.declaration.id.to_string(),
        corrective_id: done.corrective.map(|c| c.id.to_string()),
        reason: if changes.is_empty() {
            "did_not_occur"
        } else {
            "incorrect_data"
        }
        .to_owned(),
    }))
}
