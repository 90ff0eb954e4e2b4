//! Suspicious codes (可疑码): a seller sees its own, a supervisor those of sellers registered in
//! its jurisdiction, an admin all.

use super::listings::Page;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::tenancy::Principal;
use suyuan_store::flags::{self, FlagFilter, FlagReason, FlagScope};
use suyuan_web::AppState;
use suyuan_web::auth::AnyAuth;
use suyuan_web::error::{ApiError, FieldProblem};
use utoipa::{IntoParams, ToSchema};

crate::openapi::string_enum!(
    /// The reasons a code is suspicious, as `FlagReason::parse` reads them.
    FlagReasonParam = [
        "received_twice",
        "received_by_another_seller",
        "sold_never_received",
        "already_sold",
        "outside_custody_chain",
    ]
);

crate::openapi::string_pattern!(
    /// A flag list cursor: `flg_` and a whole number, as the `next` of a page has it. The
    /// pattern leaves out the 19-digit numbers the handler also reads (flag ids are far
    /// smaller).
    FlagCursorParam = r"^flg_[+-]?0*[0-9]{1,18}$"
);

/// Query for the flag list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlagQuery {
    /// Only this reason: `received_twice`, `received_by_another_seller`, `sold_never_received`,
    /// `already_sold`, `outside_custody_chain`.
    #[param(value_type = Option<FlagReasonParam>, inline)]
    pub reason: Option<String>,
    /// Only this code (compared as given).
    pub code: Option<String>,
    /// The `next` of the previous page (`flg_…`).
    #[param(value_type = Option<FlagCursorParam>, inline)]
    pub after: Option<String>,
    /// At most this many (default 100); more than 1000 is taken as 1000, and 0 as 1.
    pub limit: Option<u64>,
}

/// One suspicious code.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagOut {
    /// Flag id.
    pub id: String,
    /// The seller who saw it.
    pub seller_id: String,
    /// The code.
    pub code: String,
    /// Its GTIN-14.
    pub gtin: Option<String>,
    /// Stable reason.
    pub reason: String,
    /// What it means and what to do (Chinese).
    pub message: String,
    /// The same in English.
    pub message_en: String,
    /// Where it was last seen: `receipt`, `sale`, `packing`, `import`.
    pub source: String,
    /// The stored record that carried it.
    pub event_id: Option<String>,
    /// The other seller involved (supervisors and admins only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_seller_id: Option<String>,
    /// How often it was seen.
    pub occurrences: i64,
    /// First seen.
    pub first_seen_at: DateTime<Utc>,
    /// Last seen.
    pub last_seen_at: DateTime<Utc>,
}

impl FlagQuery {
    /// The filter this query asks for, naming every bad parameter.
    fn parse(&self) -> Result<FlagFilter, ApiError> {
        let mut problems = Vec::new();
        let reason = self.reason.as_deref().and_then(|r| {
            let parsed = FlagReason::parse(r);
            if parsed.is_none() {
                problems.push(FieldProblem::new(
                    "reason",
                    "unknown_reason",
                    format!("没有这种可疑原因：{r}"),
                    format!("`{r}` is not a flag reason"),
                ));
            }
            parsed
        });
        let before_id = self.after.as_deref().and_then(|a| {
            let n = a.strip_prefix("flg_").and_then(|n| n.parse::<i64>().ok());
            if n.is_none() {
                problems.push(FieldProblem::new(
                    "after",
                    "bad_cursor",
                    "翻页游标无效",
                    "is not a cursor from a previous page",
                ));
            }
            n
        });
        if !problems.is_empty() {
            return Err(ApiError::Invalid(problems));
        }
        Ok(FlagFilter {
            reason,
            code: self.code.clone(),
            before_id,
            limit: self.limit.unwrap_or(100).clamp(1, 1000),
        })
    }
}

impl FlagOut {
    /// A stored flag as the caller sees it: the other seller only for supervisors and admins.
    fn new(r: suyuan_store::entity::code_flag::Model, show_other: bool) -> FlagOut {
        let reason = FlagReason::parse(&r.reason);
        FlagOut {
            id: format!("flg_{}", r.id),
            seller_id: r.seller_id,
            code: r.code,
            gtin: r.gtin,
            message: reason
                .map(|x| x.message_zh())
                .unwrap_or_default()
                .to_owned(),
            message_en: reason
                .map(|x| x.message_en())
                .unwrap_or_default()
                .to_owned(),
            reason: r.reason,
            source: r.source,
            event_id: r.event_id,
            other_seller_id: r.other_seller_id.filter(|_| show_other),
            occurrences: r.occurrences,
            first_seen_at: r.first_seen_at,
            last_seen_at: r.last_seen_at,
        }
    }
}

/// Lists suspicious codes in the caller's scope, newest first.
#[utoipa::path(tag = "flags", security(("bearer" = [])), params(FlagQuery),
    responses((status = 200, body = Page<FlagOut>), (status = 422, body = suyuan_web::error::Problem)))]
#[get("/flags")]
pub async fn list_flags(
    auth: AnyAuth,
    state: web::Data<AppState>,
    q: web::Query<FlagQuery>,
) -> Result<HttpResponse, ApiError> {
    let (scope, show_other) = match &auth.0 {
        Principal::Seller(id) => (FlagScope::Seller(id.clone()), false),
        Principal::Supervisor { jurisdiction, .. } => {
            (FlagScope::Jurisdiction(jurisdiction.clone()), true)
        }
        Principal::Admin(_) => (FlagScope::All, true),
        Principal::Operator(_) => return Err(ApiError::Forbidden),
    };
    let filter = q.parse()?;
    let rows = flags::list(&state.db, &scope, &filter).await?;
    let items: Vec<FlagOut> = rows
        .into_iter()
        .map(|r| FlagOut::new(r, show_other))
        .collect();
    let next = super::listings::next_cursor(&items, filter.limit, |f| &f.id);
    Ok(HttpResponse::Ok().json(Page { items, next }))
}
