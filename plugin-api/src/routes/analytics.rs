//! Supervision results (the guide's chapter 6), as the last analytics run stored them: compliance
//! scores, completion timeliness, records overdue, improvement alerts (acknowledge, resolve).
//! A seller sees its own, a supervisor the sellers registered in its jurisdiction, an admin all;
//! operators none.

use super::listings::{Page, next_cursor};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::ids::SellerId;
use suyuan_core::supervision::{AlertRule, AlertState, ScoreComponent, Severity};
use suyuan_core::tenancy::Principal;
use suyuan_store::analytics::{
    self as results, AlertEventRow, AlertFilter, AlertRow, OverdueRow, ResultScope, ScoreFilter,
    ScoreRow, TimelinessFilter, TimelinessRow,
};
use suyuan_web::AppState;
use suyuan_web::auth::AnyAuth;
use suyuan_web::error::{ApiError, FieldProblem};
use utoipa::{IntoParams, ToSchema};

fn scope_of(p: &Principal) -> Result<ResultScope, ApiError> {
    Ok(match p {
        Principal::Seller(id) => ResultScope::Seller(id.clone()),
        Principal::Supervisor { jurisdiction, .. } => {
            ResultScope::Jurisdiction(jurisdiction.clone())
        }
        Principal::Admin(_) => ResultScope::All,
        Principal::Operator(_) => return Err(ApiError::Forbidden),
    })
}

fn problem(field: &str, code: &str, zh: String, en: String) -> FieldProblem {
    FieldProblem::new(field, code, zh, en)
}

fn limit(l: Option<u64>) -> u64 {
    l.unwrap_or(100).clamp(1, 1000)
}

fn seller(problems: &mut Vec<FieldProblem>, s: &Option<String>) -> Option<String> {
    let s = s.as_deref()?;
    match SellerId::parse(s) {
        Ok(id) => Some(id.as_str().to_owned()),
        Err(e) => {
            problems.push(problem(
                "seller_id",
                "bad_id",
                format!("经营者编号无效：{e}"),
                format!("is not a seller id: {e}"),
            ));
            None
        }
    }
}

fn done(problems: Vec<FieldProblem>) -> Result<(), ApiError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(problems))
    }
}

/// `YYYY-MM` with a month 01-12.
fn is_period(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() == 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && matches!(p[5..].parse::<u8>(), Ok(1..=12))
        && b[5..].iter().all(u8::is_ascii_digit)
}

/// `YYYY-Www` with a week 01-53.
fn is_week(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() == 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && &b[4..6] == b"-W"
        && b[6..].iter().all(u8::is_ascii_digit)
        && matches!(w.get(6..).map(str::parse::<u8>), Some(Ok(1..=53)))
}

crate::openapi::string_pattern!(
    /// An alert id as `alert_id` reads it: `alr_` and a whole number. The pattern leaves out
    /// the 19-digit numbers the handler also reads (alert ids are far smaller).
    AlertIdParam = r"^alr_[+-]?0*[0-9]{1,18}$"
);

crate::openapi::string_enum!(
    /// The dimensions of completion timeliness (another is refused with 422).
    DimensionParam = ["seller", "category", "region"]
);

/// Query for the score list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoreQuery {
    /// Only this seller (`sel_…`).
    #[param(value_type = Option<SellerId>, inline)]
    pub seller_id: Option<String>,
    /// Only this month, `YYYY-MM` (month 01 to 12).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub period: Option<String>,
    /// At most this many (default 100); more than 1000 is taken as 1000, and 0 as 1.
    pub limit: Option<u64>,
}

/// A compliance score of a seller for a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreOut {
    /// The seller.
    pub seller_id: String,
    /// Its division.
    pub division: String,
    /// `YYYY-MM` (China time).
    pub period: String,
    /// 0 to 100.
    pub score: f64,
    /// `A` (low risk) to `D` (high risk).
    pub grade: String,
    /// Main category of the month.
    pub category_id: Option<String>,
    /// Rank in its province (1 = best).
    pub rank_province: i64,
    /// Rank in its division.
    pub rank_division: i64,
    /// Rank in its main category, nationally.
    pub rank_category: Option<i64>,
    /// Change against the previous month.
    pub change: Option<f64>,
    /// The components, the largest loss first: what to fix first.
    pub components: Vec<ScoreComponent>,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
}

impl TryFrom<ScoreRow> for ScoreOut {
    type Error = ApiError;
    fn try_from(r: ScoreRow) -> Result<Self, ApiError> {
        let components = results::score_components(&r)?;
        Ok(ScoreOut {
            seller_id: r.seller_id,
            division: r.division,
            period: r.period,
            score: r.score,
            grade: r.grade,
            category_id: r.category_id,
            rank_province: r.rank_province,
            rank_division: r.rank_division,
            rank_category: r.rank_category,
            change: r.change,
            components,
            computed_at: r.computed_at,
        })
    }
}

/// Lists compliance scores in the caller's scope, newest month first, best score first.
#[utoipa::path(tag = "analytics", security(("bearer" = [])), params(ScoreQuery),
    responses((status = 200, body = Page<ScoreOut>), (status = 422, body = suyuan_web::error::Problem)))]
#[get("/analytics/scores")]
pub async fn list_scores(
    auth: AnyAuth,
    state: web::Data<AppState>,
    q: web::Query<ScoreQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth.0)?;
    let mut problems = Vec::new();
    let seller_id = seller(&mut problems, &q.seller_id);
    if let Some(p) = &q.period
        && !is_period(p)
    {
        problems.push(problem(
            "period",
            "bad_period",
            format!("月份应为 YYYY-MM：{p}"),
            format!("`{p}` is not a month YYYY-MM"),
        ));
    }
    done(problems)?;
    let rows = results::list_scores(
        &state.db,
        &scope,
        &ScoreFilter {
            seller_id,
            period: q.period.clone(),
            limit: limit(q.limit),
        },
    )
    .await?;
    let items = rows
        .into_iter()
        .map(ScoreOut::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(Page { items, next: None }))
}

/// Query for the timeliness list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelinessQuery {
    /// Only this seller (`sel_…`).
    #[param(value_type = Option<SellerId>, inline)]
    pub seller_id: Option<String>,
    /// Only this ISO week, `YYYY-Www` (week 01 to 53).
    #[param(pattern = r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    pub week: Option<String>,
    /// Only `seller`, `category` or `region`.
    #[param(value_type = Option<DimensionParam>, inline)]
    pub dimension: Option<String>,
    /// At most this many (default 100); more than 1000 is taken as 1000, and 0 as 1.
    pub limit: Option<u64>,
}

/// Completion timeliness of a seller for an ISO week, along one dimension.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelinessOut {
    /// The seller.
    pub seller_id: String,
    /// Its division.
    pub division: String,
    /// ISO week of the events (China time).
    pub week: String,
    /// `seller` (all its records), `category` or `region` (province of the record).
    pub dimension: String,
    /// Category id or province code ("" for `seller`).
    pub key: String,
    /// Records whose clock has started.
    pub records: i64,
    /// Registered.
    pub completed: i64,
    /// Registered within the deadline.
    pub within_deadline: i64,
    /// Overdue at the run.
    pub overdue: i64,
    /// Within deadline / (registered + overdue).
    pub share_within_deadline: Option<f64>,
    /// Median delay from event to registration, seconds.
    pub delay_p50_s: Option<f64>,
    /// 90th percentile, seconds.
    pub delay_p90_s: Option<f64>,
    /// Longest, seconds.
    pub delay_max_s: Option<f64>,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
}

impl From<TimelinessRow> for TimelinessOut {
    fn from(r: TimelinessRow) -> Self {
        TimelinessOut {
            seller_id: r.seller_id,
            division: r.division,
            week: r.week,
            dimension: r.dimension,
            key: r.key,
            records: r.records,
            completed: r.completed,
            within_deadline: r.within_deadline,
            overdue: r.overdue,
            share_within_deadline: r.share_within_deadline,
            delay_p50_s: r.delay_p50_s,
            delay_p90_s: r.delay_p90_s,
            delay_max_s: r.delay_max_s,
            computed_at: r.computed_at,
        }
    }
}

/// Lists completion timeliness in the caller's scope, newest week first.
#[utoipa::path(tag = "analytics", security(("bearer" = [])), params(TimelinessQuery),
    responses((status = 200, body = Page<TimelinessOut>), (status = 422, body = suyuan_web::error::Problem)))]
#[get("/analytics/timeliness")]
pub async fn list_timeliness(
    auth: AnyAuth,
    state: web::Data<AppState>,
    q: web::Query<TimelinessQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth.0)?;
    let mut problems = Vec::new();
    let seller_id = seller(&mut problems, &q.seller_id);
    if let Some(w) = &q.week
        && !is_week(w)
    {
        problems.push(problem(
            "week",
            "bad_week",
            format!("周应为 YYYY-Www（ISO 周）：{w}"),
            format!("`{w}` is not an ISO week YYYY-Www"),
        ));
    }
    if let Some(d) = &q.dimension
        && !matches!(d.as_str(), "seller" | "category" | "region")
    {
        problems.push(problem(
            "dimension",
            "unknown_dimension",
            format!("没有这种维度：{d}（seller、category、region）"),
            format!("`{d}` is not one of seller, category, region"),
        ));
    }
    done(problems)?;
    let rows = results::list_timeliness(
        &state.db,
        &scope,
        &TimelinessFilter {
            seller_id,
            week: q.week.clone(),
            dimension: q.dimension.clone(),
            limit: limit(q.limit),
        },
    )
    .await?;
    let items: Vec<TimelinessOut> = rows.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(Page { items, next: None }))
}

/// Query for the overdue list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverdueQuery {
    /// Only this seller (`sel_…`).
    #[param(value_type = Option<SellerId>, inline)]
    pub seller_id: Option<String>,
    /// At most this many (default 100); more than 1000 is taken as 1000, and 0 as 1.
    pub limit: Option<u64>,
}

/// A record not registered and past its deadline (at the last run).
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueOut {
    /// The sale or event id.
    pub record_id: String,
    /// `sale`, `receipt`, `shipment`, `return`.
    pub record_kind: String,
    /// The seller.
    pub seller_id: String,
    /// Its division.
    pub division: String,
    /// Category.
    pub category_id: Option<String>,
    /// Where.
    pub region: Option<String>,
    /// When the clock started.
    pub started_at: DateTime<Utc>,
    /// The deadline passed.
    pub deadline_at: DateTime<Utc>,
}

impl From<OverdueRow> for OverdueOut {
    fn from(r: OverdueRow) -> Self {
        OverdueOut {
            record_id: r.record_id,
            record_kind: r.record_kind,
            seller_id: r.seller_id,
            division: r.division,
            category_id: r.category_id,
            region: r.region,
            started_at: r.started_at,
            deadline_at: r.deadline_at,
        }
    }
}

/// Lists the records overdue in the caller's scope, longest overdue first.
#[utoipa::path(tag = "analytics", security(("bearer" = [])), params(OverdueQuery),
    responses((status = 200, body = Page<OverdueOut>), (status = 422, body = suyuan_web::error::Problem)))]
#[get("/analytics/overdue")]
pub async fn list_overdue(
    auth: AnyAuth,
    state: web::Data<AppState>,
    q: web::Query<OverdueQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth.0)?;
    let mut problems = Vec::new();
    let seller_id = seller(&mut problems, &q.seller_id);
    done(problems)?;
    let rows =
        results::list_overdue(&state.db, &scope, seller_id.as_deref(), limit(q.limit)).await?;
    let items: Vec<OverdueOut> = rows.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(Page { items, next: None }))
}

/// Query for the alert list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Only this seller (`sel_…`).
    #[param(value_type = Option<SellerId>, inline)]
    pub seller_id: Option<String>,
    /// Only `open`, `acknowledged` or `resolved`.
    #[param(value_type = Option<AlertState>, inline)]
    pub state: Option<String>,
    /// Only `warning` or `critical`.
    #[param(value_type = Option<Severity>, inline)]
    pub severity: Option<String>,
    /// The `next` of the previous page (an alert id, `alr_…`).
    #[param(value_type = Option<AlertIdParam>, inline)]
    pub after: Option<String>,
    /// At most this many (default 100); more than 1000 is taken as 1000, and 0 as 1.
    pub limit: Option<u64>,
}

/// An improvement alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertOut {
    /// `alr_<n>`.
    pub id: String,
    /// Stable rule slug.
    pub rule: String,
    /// What it means and what to do (Chinese).
    pub message: String,
    /// The same in English.
    pub message_en: String,
    /// The seller who should act.
    pub seller_id: String,
    /// Its division.
    pub division: String,
    /// What it is about (a period, listing, `gtin/batch`, code, recall or transfer).
    pub subject: String,
    /// `warning` or `critical` (critical alerts are mailed at once).
    pub severity: String,
    /// `open`, `acknowledged` or `resolved`.
    pub state: String,
    /// What the last run found.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// First raised.
    pub first_raised_at: DateTime<Utc>,
    /// Last found by a run.
    pub last_found_at: DateTime<Utc>,
    /// Acknowledged.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// `run` when resolved by itself, else who resolved it.
    pub resolved_by: Option<String>,
}

impl From<AlertRow> for AlertOut {
    fn from(r: AlertRow) -> Self {
        let rule = AlertRule::parse(&r.rule);
        AlertOut {
            id: format!("alr_{}", r.id),
            message: rule.map(|x| x.message_zh()).unwrap_or_default().to_owned(),
            message_en: rule.map(|x| x.message_en()).unwrap_or_default().to_owned(),
            rule: r.rule,
            seller_id: r.seller_id,
            division: r.division,
            subject: r.subject,
            severity: r.severity,
            state: r.state,
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
            first_raised_at: r.first_raised_at,
            last_found_at: r.last_found_at,
            acknowledged_at: r.acknowledged_at,
            resolved_at: r.resolved_at,
            resolved_by: r.resolved_by,
        }
    }
}

fn alert_id(field: &str, s: &str) -> Result<i64, ApiError> {
    s.strip_prefix("alr_")
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::Invalid(vec![problem(
                field,
                "bad_id",
                format!("提醒编号无效：{s}"),
                format!("`{s}` is not an alert id (alr_<n>)"),
            )])
        })
}

/// Lists improvement alerts in the caller's scope, newest first.
#[utoipa::path(tag = "analytics", security(("bearer" = [])), params(AlertQuery),
    responses((status = 200, body = Page<AlertOut>), (status = 422, body = suyuan_web::error::Problem)))]
#[get("/analytics/alerts")]
pub async fn list_alerts(
    auth: AnyAuth,
    state: web::Data<AppState>,
    q: web::Query<AlertQuery>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth.0)?;
    let mut problems = Vec::new();
    let seller_id = seller(&mut problems, &q.seller_id);
    let st = q.state.as_deref().and_then(|s| {
        let p = AlertState::parse(s);
        if p.is_none() {
            problems.push(problem(
                "state",
                "unknown_state",
                format!("没有这种状态：{s}（open、acknowledged、resolved）"),
                format!("`{s}` is not one of open, acknowledged, resolved"),
            ));
        }
        p
    });
    let severity = q.severity.as_deref().and_then(|s| {
        let p = Severity::parse(s);
        if p.is_none() {
            problems.push(problem(
                "severity",
                "unknown_severity",
                format!("没有这种级别：{s}（warning、critical）"),
                format!("`{s}` is not one of warning, critical"),
            ));
        }
        p
    });
    let before_id = match q.after.as_deref().map(|a| alert_id("after", a)) {
        Some(Ok(n)) => Some(n),
        Some(Err(ApiError::Invalid(mut p))) => {
            problems.append(&mut p);
            None
        }
        _ => None,
    };
    done(problems)?;
    let filter = AlertFilter {
        seller_id,
        state: st,
        severity,
        before_id,
        limit: limit(q.limit),
    };
    let rows = results::list_alerts(&state.db, &scope, &filter).await?;
    let items: Vec<AlertOut> = rows.into_iter().map(Into::into).collect();
    let next = next_cursor(&items, filter.limit, |a| &a.id);
    Ok(HttpResponse::Ok().json(Page { items, next }))
}

/// One change of an alert's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertEventOut {
    /// When.
    pub at: DateTime<Utc>,
    /// From (absent when raised).
    pub from_state: Option<String>,
    /// To.
    pub to_state: String,
    /// `run`, or who.
    pub actor: String,
    /// A person's note: why the state changed, or a comment (the state unchanged).
    pub note: Option<String>,
}

/// An alert with its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDetailOut {
    /// The alert.
    pub alert: AlertOut,
    /// Its changes of state, oldest first.
    pub history: Vec<AlertEventOut>,
}

impl From<AlertEventRow> for AlertEventOut {
    fn from(r: AlertEventRow) -> Self {
        AlertEventOut {
            at: r.at,
            from_state: r.from_state,
            to_state: r.to_state,
            actor: r.actor,
            note: r.note,
        }
    }
}

/// One alert in the caller's scope, with its history (404 outside the scope).
#[utoipa::path(tag = "analytics", security(("bearer" = [])), params(("id" = inline(AlertIdParam), Path, description = "the alert (`alr_…`)")),
    responses((status = 200, body = AlertDetailOut), (status = 404, body = suyuan_web::error::Problem)))]
#[get("/analytics/alerts/{id}")]
pub async fn get_alert(
    auth: AnyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth.0)?;
    let id = alert_id("id", &id)?;
    let (row, events) = results::alert_history(&state.db, &scope, id).await?;
    Ok(HttpResponse::Ok().json(AlertDetailOut {
        alert: row.into(),
        history: events.into_iter().map(Into::into).collect(),
    }))
}

async fn change(
    auth: AnyAuth,
    state: web::Data<AppState>,
    id: &str,
    to: AlertState,
) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth.0)?;
    let id = alert_id("id", id)?;
    let row = results::change_alert(
        &state.db,
        &scope,
        id,
        to,
        auth.0.subject(),
        None,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(AlertOut::from(row)))
}

/// Acknowledges an open alert in the caller's scope (404 outside it, 409 when not open).
#[utoipa::path(tag = "analytics", security(("bearer" = [])), params(("id" = inline(AlertIdParam), Path, description = "the alert (`alr_…`)")),
    responses((status = 200, body = AlertOut), (status = 404, body = suyuan_web::error::Problem), (status = 409, body = suyuan_web::error::Problem)))]
#[post("/analytics/alerts/{id}/acknowledge")]
pub async fn acknowledge_alert(
    auth: AnyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change(auth, state, &id, AlertState::Acknowledged).await
}

/// Resolves an alert in the caller's scope (404 outside it, 409 when already resolved). If the
/// next run still finds its cause, it is opened again.
#[utoipa::path(tag = "analytics", security(("bearer" = [])), params(("id" = inline(AlertIdParam), Path, description = "the alert (`alr_…`)")),
    responses((status = 200, body = AlertOut), (status = 404, body = suyuan_web::error::Problem), (status = 409, body = suyuan_web::error::Problem)))]
#[post("/analytics/alerts/{id}/resolve")]
pub async fn resolve_alert(
    auth: AnyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change(auth, state, &id, AlertState::Resolved).await
}

/// A comment on an alert.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AlertCommentIn {
    /// The comment: 1 to 1,000 characters, not blank, without control characters but line
    /// breaks and tabs (surrounding spaces are trimmed).
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
}

/// Comments on an alert in the caller's scope (404 outside it): the comment joins the alert's
/// history, its state unchanged.
#[utoipa::path(tag = "analytics", request_body = AlertCommentIn, security(("bearer" = [])), params(("id" = inline(AlertIdParam), Path, description = "the alert (`alr_…`)")),
    responses((status = 201, body = AlertEventOut), (status = 404, body = suyuan_web::error::Problem), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/analytics/alerts/{id}/comments")]
pub async fn comment_alert(
    auth: AnyAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: suyuan_web::extract::JsonBody<AlertCommentIn>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope_of(&auth.0)?;
    let id = alert_id("id", &id)?;
    let note = suyuan_core::dashboard::alert_note(Some(&body.0.note), true)
        .map_err(|b| ApiError::Invalid(vec![problem(b.field, "bad_note", b.zh, b.en)]))?;
    let note = note.unwrap_or_default();
    let row =
        results::comment_alert(&state.db, &scope, id, auth.0.subject(), &note, Utc::now()).await?;
    Ok(HttpResponse::Created().json(AlertEventOut::from(row)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_weeks_are_read_strictly() {
        assert!(is_period("2026-11"));
        assert!(!is_period("2026-13"));
        assert!(!is_period("2026-1"));
        assert!(!is_period("2026-+1"));
        assert!(is_week("2026-W49"));
        assert!(!is_week("2026-W54"));
        assert!(!is_week("2026-49"));
        // A multi-byte character where the week's digits go is refused, not a panic.
        assert!(!is_week("2026-é1"));
        assert!(!is_week("2026-Wé"));
        assert!(!is_period("2026-é"));
    }
}
