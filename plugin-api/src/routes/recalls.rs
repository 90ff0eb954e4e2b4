//! Recall notices: a supervisor (or admin) recalls a GTIN, a batch or a unit; trace pages show
//! the banner and badges turn to the recalled state.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::codes::Gtin;
use suyuan_core::division::Jurisdiction;
use suyuan_core::recall::{FlowRow, Selector, SelectorError};
use suyuan_core::validation::{self, Errors, FieldError};
use suyuan_store::entity::recall;
use suyuan_store::recalls::{self, RecallScope, RecallUpdate};
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
    /// Why, in Chinese: 1 to 2,000 characters, not blank, without control characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason_zh: String,
    /// Why, in English.
    pub reason_en: Option<String>,
    /// What holders should do, in Chinese (default: stop using it and contact the seller).
    pub action_zh: Option<String>,
    /// What holders should do, in English.
    pub action_en: Option<String>,
    /// The jurisdiction (division-code prefix) the recall is for: a supervisor's own or one
    /// inside it (default: the supervisor's; national for an admin).
    pub jurisdiction: Option<String>,
}

/// A change to an active recall (fields left out stay as they are).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecallPatch {
    /// Why, in Chinese. Each text, when given: 1 to 2,000 characters, not blank, without
    /// control characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason_zh: Option<String>,
    /// Why, in English.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason_en: Option<String>,
    /// What holders should do, in Chinese.
    #[schema(min_length = 1, max_length = 2000)]
    pub action_zh: Option<String>,
    /// What holders should do, in English.
    #[schema(min_length = 1, max_length = 2000)]
    pub action_en: Option<String>,
}

/// Why a recall is withdrawn.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawIn {
    /// The reason (kept in the recall's history): 1 to 2,000 characters, not blank, without
    /// control characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// One change in a recall's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecallChangeOut {
    /// `issued`, `updated` or `withdrawn`.
    pub action: String,
    /// Who (`sup_…` or `adm_…`).
    pub changed_by: String,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// The recall before (absent for the issue).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The recall after.
    #[schema(value_type = Object)]
    pub after: serde_json::Value,
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
    /// `active` or `withdrawn`.
    pub status: String,
    /// The jurisdiction (division-code prefix) it is for; absent for a national recall.
    pub jurisdiction: Option<String>,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// When it was withdrawn.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Why it was withdrawn.
    pub withdrawn_reason: Option<String>,
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
        status: r.status,
        jurisdiction: r.jurisdiction,
        updated_at: r.updated_at,
        withdrawn_at: r.withdrawn_at,
        withdrawn_reason: r.withdrawn_reason,
    }
}

/// The caller's recall scope: a supervisor's jurisdiction, or national for an admin.
fn scope_of(auth: &SupervisorOrAdmin) -> RecallScope {
    match auth {
        SupervisorOrAdmin::Supervisor { jurisdiction, .. } => {
            RecallScope::Jurisdiction(jurisdiction.clone())
        }
        SupervisorOrAdmin::Admin { .. } => RecallScope::National,
    }
}

fn bounded(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    value
        .map(|v| validation::bounded_text(field, &v, max))
        .transpose()
        .map_err(|e| super::field_errors(vec![e]))
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

/// Issues a recall (supervisor within its jurisdiction, or admin nationally); a supervisor
/// asking for a jurisdiction outside its own is refused with 403.
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
    let asked = match input.jurisdiction.as_deref() {
        None => None,
        Some(j) => errors.check(Jurisdiction::parse(j).map_err(|e| {
            FieldError::new("jurisdiction", "invalid", e.message_zh(), e.to_string())
        })),
    };
    errors.finish().map_err(super::field_errors)?;
    let scope = match (scope_of(&auth), asked) {
        (scope, None) => scope,
        (RecallScope::National, Some(j)) => RecallScope::Jurisdiction(j),
        (RecallScope::Jurisdiction(own), Some(j)) if own.covers_jurisdiction(&j) => {
            RecallScope::Jurisdiction(j)
        }
        (RecallScope::Jurisdiction(_), Some(_)) => return Err(ApiError::Forbidden),
    };
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
    let notices = crate::mail::notices::Notices {
        public_url: state.public_url.clone(),
    };
    let (row, notified) = recalls::issue(&state.db, &scope, new, Utc::now(), &notices).await?;
    state.badge_cache.clear();
    state.page_cache.clear();
    tracing::info!(
        recall_id = %row.id,
        gtin = %row.gtin,
        sellers_notified = notified.sellers,
        operator_deliveries = notified.operator_deliveries,
        "recall issued"
    );
    Ok(HttpResponse::Created().json(out(row)))
}

/// Lists recalls, newest first (public information).
#[utoipa::path(tag = "recalls", responses((status = 200, body = Vec<RecallOut>)))]
#[get("/recalls")]
pub async fn list_recalls(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = recalls::list(&state.db).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(out).collect::<Vec<_>>()))
}

/// What to trace, and how to answer.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FlowQuery {
    /// A GTIN (alone: every batch and unit of it; with `batch` or `serial`: narrows them).
    pub gtin: Option<String>,
    /// A batch/lot.
    pub batch: Option<String>,
    /// A unit's serial.
    pub serial: Option<String>,
    /// A trace code in any form (GS1 element string, Digital Link, ...).
    pub code: Option<String>,
    /// `json` (default), `csv` (UTF-8 with BOM, one column per data element) or `xlsx` (one
    /// sortable sheet with the same columns, and a summary sheet).
    #[param(value_type = Option<FlowFormatParam>, inline)]
    pub format: Option<String>,
}

crate::openapi::string_enum!(
    /// The answer formats of the recall flow (another is refused with 422).
    FlowFormatParam = ["json", "csv", "xlsx"]
);

fn selector_of(q: &FlowQuery) -> Result<Selector, FieldError> {
    let bad = |e: SelectorError| {
        let field = match &e {
            SelectorError::Gtin(_) => "gtin",
            SelectorError::Code(_) => "code",
            SelectorError::Empty(f) => f,
        };
        FieldError::new(field, "invalid", format!("无法识别：{e}"), e.to_string())
    };
    match (q.gtin.as_deref(), &q.batch, &q.serial, &q.code) {
        (_, Some(_), Some(_), _) | (_, Some(_), _, Some(_)) | (_, _, Some(_), Some(_)) => {
            Err(FieldError::new(
                "code",
                "conflict",
                "batch、serial 与 code 只能给一个",
                "give one of batch, serial and code",
            ))
        }
        (Some(_), None, None, Some(_)) => Err(FieldError::new(
            "code",
            "conflict",
            "code 已含 GTIN，不能再给 gtin",
            "a code carries its GTIN: give code or gtin, not both",
        )),
        (g, Some(b), None, None) => Selector::batch(g, b).map_err(bad),
        (g, None, Some(s), None) => Selector::serial(g, s).map_err(bad),
        (None, None, None, Some(c)) => Selector::code(c).map_err(bad),
        (Some(g), None, None, None) => Selector::gtin(g).map_err(bad),
        (None, None, None, None) => Err(FieldError::new(
            "gtin",
            "required",
            "请给出 gtin、batch、serial 或 code",
            "give a gtin, batch, serial or code",
        )),
    }
}

/// The recall flow of a GTIN, batch, unit or code: every record of every seller it reached,
/// tier by tier, with region, customer type, quantity and gaps. A supervisor sees the records
/// of sellers in its jurisdiction (the tiers are those of the whole chain); an admin sees all.
/// Traced by a recursive query on the ledger.
#[utoipa::path(tag = "recalls", params(FlowQuery), security(("bearer" = [])),
    responses((status = 200, description = "JSON, CSV with format=csv, XLSX with format=xlsx", content(
                  (RecallFlowOut = "application/json"),
                  (String = "text/csv"),
                  (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 403, body = suyuan_web::error::Problem),
              (status = 422, body = suyuan_web::error::Problem)))]
#[get("/recalls/flow")]
pub async fn recall_flow(
    auth: SupervisorOrAdmin,
    state: web::Data<AppState>,
    query: web::Query<FlowQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let format = match q.format.as_deref() {
        None | Some("json") => "json",
        Some("csv") => "csv",
        Some("xlsx") => "xlsx",
        Some(_) => {
            return Err(super::field_errors(vec![FieldError::new(
                "format",
                "invalid",
                "format 只能是 json、csv 或 xlsx",
                "format must be json, csv or xlsx",
            )]));
        }
    };
    let selector = selector_of(&q).map_err(|e| super::field_errors(vec![e]))?;
    let jurisdiction = match &auth {
        SupervisorOrAdmin::Supervisor { jurisdiction, .. } => Some(jurisdiction.clone()),
        SupervisorOrAdmin::Admin { .. } => None,
    };
    let flow =
        suyuan_store::recall_trace::trace(&state.db, &selector, jurisdiction.as_ref()).await?;
    if format == "xlsx" {
        let body = crate::recall_export::xlsx(&flow)
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("recall XLSX: {e}")))?;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header((
                "content-disposition",
                "attachment; filename=\"recall-flow.xlsx\"",
            ))
            .body(body));
    }
    if format == "csv" {
        let mut body = Vec::new();
        crate::recall_export::csv(&flow, &mut body)
            .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("recall CSV: {e}")))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "content-disposition",
                "attachment; filename=\"recall-flow.csv\"",
            ))
            .body(body));
    }
    Ok(HttpResponse::Ok().json(RecallFlowOut {
        sellers: flow.sellers().len(),
        tiers: flow.depth(),
        gaps: flow.gaps().count(),
        rows: flow.rows.iter().map(FlowRowOut::from).collect(),
    }))
}

/// A recall flow.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecallFlowOut {
    /// Sellers reached.
    pub sellers: usize,
    /// The deepest tier.
    pub tiers: u32,
    /// Records that are gaps.
    pub gaps: usize,
    /// Every record, by tier, seller and time.
    pub rows: Vec<FlowRowOut>,
}

/// One record of a recall flow.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowRowOut {
    /// 1 for the first holder, n+1 for a seller who claimed from tier n.
    pub tier: u32,
    /// Seller id.
    pub seller_id: String,
    /// Seller name.
    pub seller_name: Option<String>,
    /// Its unified social credit code.
    pub credit_code: Option<String>,
    /// Record (event) id.
    pub event_id: String,
    /// `receipt`, `sale`, `shipment`, `return`, ...
    pub record_kind: String,
    /// When it happened.
    pub event_time: Option<DateTime<Utc>>,
    /// Province code (two digits).
    pub province: Option<String>,
    /// City prefix (four digits).
    pub city: Option<String>,
    /// Division code where the goods went (sales) or are (receipts).
    pub region: Option<String>,
    /// `consumer`, `distributor`, `agent` (sales and shipments).
    pub customer_type: Option<String>,
    /// Units (or the class quantity).
    pub quantity: f64,
    /// For a claimed shipment: the next-tier seller.
    pub next_seller_id: Option<String>,
    /// `unclaimed_transfer`, `no_transfer` or `no_region`.
    pub gap: Option<String>,
    /// The gap in Chinese.
    pub gap_zh: Option<String>,
}

impl From<&FlowRow> for FlowRowOut {
    fn from(r: &FlowRow) -> FlowRowOut {
        FlowRowOut {
            tier: r.tier,
            seller_id: r.seller_id.clone(),
            seller_name: r.seller_name.clone(),
            credit_code: r.credit_code.clone(),
            event_id: r.event_id.clone(),
            record_kind: r.record_kind.clone(),
            event_time: DateTime::from_timestamp_millis(r.event_time_ms),
            province: r.province.clone(),
            city: r.city.clone(),
            region: r.region.clone(),
            customer_type: r.customer_type.clone(),
            quantity: r.quantity,
            next_seller_id: r.next_seller_id.clone(),
            gap: r.gap.map(|g| g.as_str().to_owned()),
            gap_zh: r.gap.map(|g| g.label_zh().to_owned()),
        }
    }
}

/// A recall the caller may change, or 403 when it was issued outside the caller's scope.
async fn in_scope(
    state: &AppState,
    auth: &SupervisorOrAdmin,
    id: &str,
) -> Result<RecallScope, ApiError> {
    let scope = scope_of(auth);
    let row = recalls::get(&state.db, id).await?;
    if !scope.covers(row.jurisdiction.as_deref()) {
        return Err(ApiError::Forbidden);
    }
    Ok(scope)
}

/// Whether the segment after `/recalls/` is shaped like a recall id: `PATCH /recalls/flow` is
/// then no route of its own, and is answered 405 with `Allow: GET` (the flow takes only GET),
/// not taken as an update of a recall named `flow`.
fn names_a_recall(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    let path = ctx.head().uri.path();
    path.split_once("/recalls/")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(""))
        .and_then(|id| id.strip_prefix(suyuan_core::ids::RecallId::PREFIX))
        .is_some_and(|rest| rest.starts_with('_'))
}

/// Updates an active recall's reason or advice (a supervisor whose jurisdiction covers the
/// recall's, or an admin); the change is kept in its history.
#[utoipa::path(tag = "recalls", request_body = RecallPatch, security(("bearer" = [])),
    params(("id" = inline(suyuan_core::ids::RecallId), Path, description = "Recall id (`rcl_…`)")),
    responses((status = 200, body = RecallOut), (status = 403, body = suyuan_web::error::Problem),
              (status = 404, body = suyuan_web::error::Problem), (status = 409, body = suyuan_web::error::Problem),
              (status = 422, body = suyuan_web::error::Problem)))]
#[patch("/recalls/{id}", guard = "names_a_recall")]
pub async fn update_recall(
    auth: SupervisorOrAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<RecallPatch>,
) -> Result<HttpResponse, ApiError> {
    let p = body.0;
    let change = RecallUpdate {
        reason_zh: bounded("reason_zh", p.reason_zh, 2000)?,
        reason_en: bounded("reason_en", p.reason_en, 2000)?,
        action_zh: bounded("action_zh", p.action_zh, 2000)?,
        action_en: bounded("action_en", p.action_en, 2000)?,
    };
    let scope = in_scope(&state, &auth, &id).await?;
    let row = recalls::update(&state.db, &scope, &id, auth.subject(), change, Utc::now()).await?;
    state.badge_cache.clear();
    state.page_cache.clear();
    tracing::info!(recall_id = %row.id, "recall updated");
    Ok(HttpResponse::Ok().json(out(row)))
}

/// Withdraws an active recall (same scope rule as an update): trace pages and badges stop
/// showing it; the recall and its history stay.
#[utoipa::path(tag = "recalls", request_body = WithdrawIn, security(("bearer" = [])),
    params(("id" = inline(suyuan_core::ids::RecallId), Path, description = "Recall id (`rcl_…`)")),
    responses((status = 200, body = RecallOut), (status = 403, body = suyuan_web::error::Problem),
              (status = 404, body = suyuan_web::error::Problem), (status = 409, body = suyuan_web::error::Problem),
              (status = 422, body = suyuan_web::error::Problem)))]
#[post("/recalls/{id}/withdraw")]
pub async fn withdraw_recall(
    auth: SupervisorOrAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<WithdrawIn>,
) -> Result<HttpResponse, ApiError> {
    let reason = validation::bounded_text("reason", &body.0.reason, 2000)
        .map_err(|e| super::field_errors(vec![e]))?;
    let scope = in_scope(&state, &auth, &id).await?;
    let row = recalls::withdraw(&state.db, &scope, &id, auth.subject(), reason, Utc::now()).await?;
    state.badge_cache.clear();
    state.page_cache.clear();
    tracing::info!(recall_id = %row.id, "recall withdrawn");
    Ok(HttpResponse::Ok().json(out(row)))
}

/// A recall's history: its issue, each update and its withdrawal, oldest first (public
/// information, like the recall).
#[utoipa::path(tag = "recalls", params(("id" = inline(suyuan_core::ids::RecallId), Path, description = "Recall id (`rcl_…`)")),
    responses((status = 200, body = Vec<RecallChangeOut>), (status = 404, body = suyuan_web::error::Problem)))]
#[get("/recalls/{id}/history")]
pub async fn recall_history(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    recalls::get(&state.db, &id).await?;
    let rows = recalls::history(&state.db, &id).await?;
    let parse = |s: &str| serde_json::from_str(s).unwrap_or(serde_json::Value::Null);
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|c| RecallChangeOut {
                action: c.action,
                changed_by: c.changed_by,
                changed_at: c.changed_at,
                before: c.before.as_deref().map(parse),
                after: parse(&c.after),
            })
            .collect::<Vec<_>>(),
    ))
}
