//! Marketplace operators: look up a listing's trace status and badge by platform and external id,
//! and subscribe to status changes (Standard Webhooks, signed).

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_store::entity::operator;
use suyuan_store::listings::{self, TraceState};
use suyuan_store::{operators, tenants};
use suyuan_web::AppState;
use suyuan_web::auth::OperatorAuth;
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use suyuan_widgets::{BadgeFormat, BadgeSize};
use utoipa::{IntoParams, ToSchema};

/// HTML an operator pastes into a listing page.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Snippets {
    /// `<div data-suyuan-listing>` plus the `embed.js` script.
    pub script: String,
    /// An `<iframe>` for pages that allow no script.
    pub iframe: String,
    /// A plain linked `<img>` for editors that allow neither.
    pub img: String,
}

/// A listing's trace status as an operator sees it (no personal data).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OperatorListingOut {
    /// Our listing id.
    pub listing_id: String,
    /// The marketplace (`shopify`, `woocommerce`, `youzan`, `douyin`, `standard`).
    pub platform: String,
    /// The marketplace's listing id.
    pub external_id: String,
    /// Title.
    pub title: String,
    /// Seller's registered name.
    pub seller_name: String,
    /// Catalogue category, if any.
    pub category: Option<String>,
    /// `traced`, `needs_code` or `not_required`.
    #[schema(value_type = String)]
    pub trace_state: TraceState,
    /// Trace identity (GS1 Digital Link).
    pub trace_code: Option<String>,
    /// Badge, SVG.
    pub badge_svg_url: String,
    /// Badge, PNG.
    pub badge_png_url: String,
    /// The public trace page.
    pub trace_url: String,
    /// Embedding snippets.
    pub snippets: Snippets,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Narrows a look-up when one platform's listing ids repeat across shops (WooCommerce).
#[derive(Debug, Deserialize, IntoParams)]
pub struct LookupQuery {
    /// The shop's domain or id as connected.
    pub shop: Option<String>,
}

async fn operator_of(state: &AppState, auth: &OperatorAuth) -> Result<operator::Model, ApiError> {
    operators::operator_row(&state.db, auth.operator_id.as_str())
        .await?
        .ok_or(ApiError::Forbidden)
}

/// Looks up a listing on the operator's own marketplace.
#[utoipa::path(tag = "operators", security(("bearer" = [])),
    params(("platform" = inline(suyuan_core::marketplace::Marketplace), Path, description = "the operator's own marketplace (another answers 404)"),
        ("external_id" = String, Path, description = "the marketplace's listing id"), LookupQuery),
    responses((status = 200, body = OperatorListingOut), (status = 404, body = suyuan_web::error::Problem)))]
#[get("/operator/listings/{platform}/{external_id}")]
pub async fn lookup_listing(
    auth: OperatorAuth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: web::Query<LookupQuery>,
) -> Result<HttpResponse, ApiError> {
    let (platform, external_id) = path.into_inner();
    let op = operator_of(&state, &auth).await?;
    if op.platform != platform {
        return Err(ApiError::NotFound("listing"));
    }
    let row = listings::find_on_marketplace(&state.db, &platform, &external_id, q.shop.as_deref())
        .await?
        .ok_or(ApiError::NotFound("listing"))?;
    let seller_name = tenants::seller_name(&state.db, &row.seller_id)
        .await?
        .unwrap_or_default();
    let public = &state.public_url;
    Ok(HttpResponse::Ok().json(OperatorListingOut {
        trace_state: listings::trace_state(&row),
        badge_svg_url: suyuan_widgets::badge_url_for_listing(
            public,
            &row.id,
            BadgeSize::Medium,
            BadgeFormat::Svg,
        ),
        badge_png_url: suyuan_widgets::badge_url_for_listing(
            public,
            &row.id,
            BadgeSize::Medium,
            BadgeFormat::Png,
        ),
        trace_url: suyuan_widgets::trace_url_for_listing(public, &row.id),
        snippets: Snippets {
            script: suyuan_widgets::snippet_script(public, &row.id),
            iframe: suyuan_widgets::snippet_iframe(public, &row.id),
            img: suyuan_widgets::snippet_img(public, &row.id),
        },
        listing_id: row.id,
        platform: row.platform,
        external_id: row.external_id,
        title: row.title,
        seller_name,
        category: row.category_id,
        trace_code: row.trace_code,
        updated_at: row.updated_at,
    }))
}

/// A subscription to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionIn {
    /// Where to POST notifications (https).
    pub url: String,
}

/// A subscription.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionOut {
    /// Id (`sub_…`).
    pub id: String,
    /// Target URL.
    pub url: String,
    /// `active` or `disabled`.
    pub status: String,
    /// The `whsec_` signing secret, shown once when created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Created at.
    pub created_at: DateTime<Utc>,
}

/// Subscribes to trace-status changes of listings on the operator's marketplace. Deliveries are
/// Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with type
/// `listing.trace_status_changed`.
#[utoipa::path(tag = "operators", request_body = SubscriptionIn, security(("bearer" = [])),
    responses((status = 201, body = SubscriptionOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/operator/subscriptions")]
pub async fn create_subscription(
    auth: OperatorAuth,
    state: web::Data<AppState>,
    body: JsonBody<SubscriptionIn>,
) -> Result<HttpResponse, ApiError> {
    operator_of(&state, &auth).await?;
    let url = crate::netpolicy::check_target(body.0.url.trim(), state.allow_private_targets)
        .await
        .map_err(|reason| {
            ApiError::field(
                "url",
                "invalid_target",
                format!("通知地址不可用：{reason}"),
                reason,
            )
        })?;
    let secret = super::shops::generate_whsec();
    let row = operators::create_subscription(
        &state.db,
        &state.secret_key,
        auth.operator_id.as_str(),
        url.as_str(),
        &secret,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(SubscriptionOut {
        id: row.id,
        url: row.url,
        status: row.status,
        secret: Some(secret),
        created_at: row.created_at,
    }))
}

/// Lists the operator's subscriptions.
#[utoipa::path(tag = "operators", security(("bearer" = [])), responses((status = 200, body = Vec<SubscriptionOut>)))]
#[get("/operator/subscriptions")]
pub async fn list_subscriptions(
    auth: OperatorAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let rows = operators::subscriptions(&state.db, auth.operator_id.as_str()).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|r| SubscriptionOut {
                id: r.id,
                url: r.url,
                status: r.status,
                secret: None,
                created_at: r.created_at,
            })
            .collect::<Vec<_>>(),
    ))
}

/// Deletes one of the operator's subscriptions.
#[utoipa::path(tag = "operators", security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::SubscriptionId), Path, description = "the subscription (`sub_…`)")), responses((status = 204), (status = 404, body = suyuan_web::error::Problem)))]
#[delete("/operator/subscriptions/{id}")]
pub async fn delete_subscription(
    auth: OperatorAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    operators::delete_subscription(&state.db, auth.operator_id.as_str(), id.as_str()).await?;
    Ok(HttpResponse::NoContent().finish())
}
