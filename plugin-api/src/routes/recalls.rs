//! Recall notices: a supervisor (or admin) recalls a GTIN, a batch or a unit; trace pages show
//! the banner and badges turn to the recalled state.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::codes::Gtin;
use suyuan_core::validation::{self, Errors, FieldError};
use suyuan_store::entity::recall;
use suyuan_store::recalls;
use suyuan_web::AppState;
use suyuan_web::auth::SupervisorOrAdmin;
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::ToSchema;

/// A recall to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecallIn {
    /// The product's GTIN.
    pub gtin: String,
    /// Only this batch (lot).
    pub batch: Option<String>,
    /// Only this unit (serial).
    pub serial: Option<String>,
    /// Why, in Chinese.
    pub reason_zh: String,
    /// Why, in English.
    pub reason_en: Option<String>,
    /// What holders should do, in Chinese (default: stop using it and contact the seller).
    pub action_zh: Option<String>,
    /// What holders should do, in English.
    pub action_en: Option<String>,
}

/// A recall notice.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecallOut {
    /// Id (`rcl_…`).
    pub id: String,
    /// GTIN-14.
    pub gtin: String,
    /// Batch, when limited to one.
    pub batch: Option<String>,
    /// Serial, when limited to one unit.
    pub serial: Option<String>,
    /// Why (Chinese).
    pub reason_zh: String,
    /// Why (English).
    pub reason_en: Option<String>,
    /// What to do (Chinese).
    pub action_zh: String,
    /// What to do (English).
    pub action_en: String,
    /// Issued at.
    pub issued_at: DateTime<Utc>,
}

fn out(r: recall::Model) -> RecallOut {
    RecallOut {
        id: r.id,
        gtin: r.gtin,
        batch: r.batch,
        serial: r.serial,
        reason_zh: r.reason_zh,
        reason_en: r.reason_en,
        action_zh: r.action_zh,
        action_en: r.action_en,
        issued_at: r.issued_at,
    }
}

fn ai_text(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.len() <= 20 && v.chars().all(|c| c.is_ascii_graphic()) => {
            Ok(Some(v.to_owned()))
        }
        Some(_) => Err(FieldError::new(
            field,
            "invalid",
            "最多 20 个可见 ASCII 字符",
            "at most 20 visible ASCII characters",
        )),
    }
}

/// Issues a recall (supervisor or admin).
#[utoipa::path(tag = "recalls", request_body = RecallIn, security(("bearer" = [])),
    responses((status = 201, body = RecallOut), (status = 403, body = suyuan_web::error::Problem), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/recalls")]
pub async fn create_recall(
    auth: SupervisorOrAdmin,
    state: web::Data<AppState>,
    body: JsonBody<RecallIn>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let mut errors = Errors::default();
    let gtin = errors.check(
        Gtin::parse(&input.gtin)
            .map_err(|e| FieldError::new("gtin", e.code(), e.message_zh(), e.to_string())),
    );
    let batch = errors.check(ai_text("batch", input.batch.as_deref()));
    let serial = errors.check(ai_text("serial", input.serial.as_deref()));
    let reason_zh = errors.check(validation::bounded_text(
        "reason_zh",
        &input.reason_zh,
        2000,
    ));
    errors.finish().map_err(super::field_errors)?;
    let (Some(gtin), Some(batch), Some(serial), Some(reason_zh)) = (gtin, batch, serial, reason_zh)
    else {
        return Err(ApiError::Unexpected(anyhow::anyhow!(
            "validated recall incomplete"
        )));
    };
    let new = recalls::NewRecall {
        gtin: gtin.to_gtin14(),
        batch,
        serial,
        reason_zh,
        reason_en: input.reason_en,
        action_zh: input
            .action_zh
            .unwrap_or_else(|| "请立即停止使用，联系购买商家办理退换或维修。".to_owned()),
        action_en: input.action_en.unwrap_or_else(|| {
            "Stop using it now and contact the seller for a refund, exchange or repair.".to_owned()
        }),
        issued_by: auth.subject().to_owned(),
    };
    let row = recalls::issue(&state.db, new, Utc::now()).await?;
    state.badge_cache.clear();
    state.page_cache.clear();
    tracing::info!(recall_id = %row.id, gtin = %row.gtin, "recall issued");
    Ok(HttpResponse::Created().json(out(row)))
}

/// Lists recalls, newest first (public information).
#[utoipa::path(tag = "recalls", responses((status = 200, body = Vec<RecallOut>)))]
#[get("/recalls")]
pub async fn list_recalls(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = recalls::list(&state.db).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(out).collect::<Vec<_>>()))
}
