//! Routing rules (admin): which records go to which platform, by category, the seller's
//! jurisdiction and record kind.

use crate::routes::field_errors;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::validation::{Errors, FieldError};
use suyuan_store::entity::routing_rule;
use suyuan_store::submissions::{self as store, NewRule};
use suyuan_web::AppState;
use suyuan_web::auth::AdminAuth;
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::{IntoParams, ToSchema};

/// Record kinds a routing rule may name.
pub const RECORD_KINDS: [&str; 7] = [
    "receipt",
    "sale",
    "shipment",
    "return",
    "correction",
    "aggregation",
    "recall",
];

crate::openapi::string_enum!(
    /// A record kind a routing rule may name (one of [`RECORD_KINDS`]).
    RecordKindParam = RECORD_KINDS
);

/// A routing rule to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleIn {
    /// The platform (`plt_…`).
    pub platform_id: String,
    /// A catalogue category id; leave out for any.
    pub category: Option<String>,
    /// A division-code prefix (2, 4 or 6 digits) of the seller's registered region; leave out
    /// for any.
    pub jurisdiction: Option<String>,
    /// Record kinds (`receipt`, `sale`, `shipment`, `return`, `correction`, `aggregation`,
    /// `recall`), at least one; leave out for any.
    #[schema(value_type = Option<Vec<RecordKindParam>>, inline, min_items = 1)]
    pub record_kinds: Option<Vec<String>>,
}

/// A routing rule.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RuleOut {
    /// Id (`rte_…`).
    pub id: String,
    /// The platform.
    pub platform_id: String,
    /// Category, or `null` for any.
    pub category: Option<String>,
    /// Jurisdiction prefix, or `null` for any.
    pub jurisdiction: Option<String>,
    /// Record kinds, or `null` for any.
    pub record_kinds: Option<Vec<String>>,
    /// Created at.
    pub created_at: DateTime<Utc>,
}

fn rule_out(r: routing_rule::Model) -> RuleOut {
    RuleOut {
        record_kinds: store::rule_kinds(&r),
        id: r.id,
        platform_id: r.platform_id,
        category: r.category_id,
        jurisdiction: r.jurisdiction,
        created_at: r.created_at,
    }
}

/// A rule to create, checked field by field: a known category, a valid jurisdiction, known
/// record kinds, an existing platform.
async fn new_rule(state: &AppState, input: RuleIn) -> Result<NewRule, ApiError> {
    let mut errors = Errors::default();
    let category = match input.category.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => {
            let known = suyuan_core::catalogue::CategoryId::parse(c)
                .ok()
                .and_then(|id| state.catalogue.get(&id).map(|_| id));
            if known.is_none() {
                errors.0.push(FieldError::new(
                    "category",
                    "unknown_category",
                    format!("目录中没有类别 {c}"),
                    format!("`{c}` is not a category of the catalogue"),
                ));
            }
            Some(c.to_owned())
        }
    };
    let jurisdiction = match input.jurisdiction.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(j) => errors
            .check(suyuan_core::division::Jurisdiction::parse(j).map_err(|e| {
                FieldError::new(
                    "jurisdiction",
                    "invalid_division",
                    e.message_zh(),
                    e.to_string(),
                )
            }))
            .map(|j| j.as_prefix().to_owned()),
    };
    if let Some(kinds) = &input.record_kinds {
        for (i, k) in kinds.iter().enumerate() {
            if !RECORD_KINDS.contains(&k.as_str()) {
                errors.0.push(FieldError::new(
                    format!("record_kinds[{i}]"),
                    "unknown_kind",
                    format!("记录类型须为 {} 之一", RECORD_KINDS.join("、")),
                    format!("`{k}` is not one of {}", RECORD_KINDS.join(", ")),
                ));
            }
        }
        if kinds.is_empty() {
            errors.0.push(FieldError::new(
                "record_kinds",
                "required",
                "不能为空列表（不限类型请省略此字段）",
                "must not be empty (leave it out for any kind)",
            ));
        }
    }
    if store::get_platform(&state.db, input.platform_id.trim())
        .await
        .is_err()
    {
        errors.0.push(FieldError::new(
            "platform_id",
            "unknown_platform",
            "没有这个平台",
            "no such platform",
        ));
    }
    errors.finish().map_err(field_errors)?;
    Ok(NewRule {
        platform_id: input.platform_id.trim().to_owned(),
        category_id: category,
        jurisdiction,
        record_kinds: input.record_kinds,
    })
}

/// Adds a routing rule (admin): records recorded from now on that match it go to the platform.
#[utoipa::path(tag = "platforms", request_body = RuleIn, security(("bearer" = [])),
    responses((status = 201, body = RuleOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/routing-rules")]
pub async fn create_rule(
    _auth: AdminAuth,
    state: web::Data<AppState>,
    body: JsonBody<RuleIn>,
) -> Result<HttpResponse, ApiError> {
    let row = store::create_rule(&state.db, new_rule(&state, body.0).await?).await?;
    Ok(HttpResponse::Created().json(rule_out(row)))
}

/// Which rules to list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RuleQuery {
    /// Only this platform's rules (compared as given: another value lists none).
    pub platform_id: Option<String>,
}

/// Lists routing rules (admin).
#[utoipa::path(tag = "platforms", security(("bearer" = [])), params(RuleQuery), responses((status = 200, body = Vec<RuleOut>)))]
#[get("/routing-rules")]
pub async fn list_rules(
    _auth: AdminAuth,
    state: web::Data<AppState>,
    q: web::Query<RuleQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = store::list_rules(&state.db, q.platform_id.as_deref()).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(rule_out).collect::<Vec<_>>()))
}

/// Deletes a routing rule (admin). Submissions already made stay and are still sent.
#[utoipa::path(tag = "platforms", security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::RoutingRuleId), Path, description = "the rule (`rte_…`)")), responses((status = 204), (status = 404, body = suyuan_web::error::Problem)))]
#[delete("/routing-rules/{id}")]
pub async fn delete_rule(
    _auth: AdminAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    store::delete_rule(&state.db, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
