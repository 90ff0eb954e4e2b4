//! A seller's listings: read with filters and pagination, override the category, attach codes.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use suyuan_core::catalogue::CategoryId;
use suyuan_core::codes::TraceCode;
use suyuan_store::entity::listing;
use suyuan_store::listings::{self, ListingFilter, TraceState};
use suyuan_web::AppState;
use suyuan_web::auth::SellerAuth;
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::{IntoParams, ToSchema};

/// A listing as the seller sees it. Marketplace ids are strings (they exceed 2^53).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ListingOut {
    /// Id (`lst_…`).
    pub id: String,
    /// Store connection it came from.
    pub store_id: Option<String>,
    /// The marketplace (`shopify`, `woocommerce`, `youzan`, `douyin`, `standard`).
    pub platform: String,
    /// The marketplace's id for it.
    pub external_id: String,
    /// Title.
    pub title: String,
    /// Public URL on the marketplace.
    pub url: Option<String>,
    /// Whether the URL is used for the GS1 resolver's product page redirect and the trace
    /// page's product link: `on_proven_domain` (used), `shop_domain_not_proven` (kept, not used
    /// until the shop's domain is proven: `POST /api/v1/stores/{id}/domain`), or
    /// `not_on_proven_domain` (kept, never used: it is on another domain).
    pub url_status: Option<String>,
    /// Why, in Chinese and English, when the URL is not used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_note: Option<[String; 2]>,
    /// `active`, `draft`, `archived` or `deleted`.
    pub status: String,
    /// Variants (sku, barcode, title).
    #[schema(value_type = Vec<Object>)]
    pub variants: serde_json::Value,
    /// Catalogue category, if the listing falls under the catalogue.
    pub category: Option<String>,
    /// The rule that matched (or "seller override").
    pub classification_rule: Option<String>,
    /// Confidence of the match, 0..1.
    pub classification_confidence: Option<f64>,
    /// For a category whose codes aggregate parts, the part the listing sells, each with its own
    /// code (一车一池一充一码): `vehicle`, `battery` or `charger` of an e-bike. Absent for other
    /// categories and when the seller set the category.
    pub part: Option<String>,
    /// Whether the seller set the category.
    pub category_overridden: bool,
    /// Whether the seller should confirm the category (or that the listing is outside the
    /// catalogue): the learned title model and the catalogue's rules read the title differently,
    /// or the category is the model's. Setting the category (`PATCH /api/v1/listings/{id}`,
    /// the same one to confirm it) clears it.
    pub needs_confirmation: bool,
    /// What to confirm, in Chinese and English, when `needs_confirmation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation_note: Option<[String; 2]>,
    /// Trace identity (GS1 Digital Link) from a GTIN barcode.
    pub trace_code: Option<String>,
    /// Codes the seller attached.
    pub attached_codes: Vec<String>,
    /// `traced`, `needs_code` or `not_required`.
    pub trace_state: TraceStateOut,
    /// What to do when a code is needed, in Chinese and English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub todo: Option<[String; 2]>,
    /// Last change on the marketplace.
    pub external_updated_at: Option<DateTime<Utc>>,
    /// Last change here.
    pub updated_at: DateTime<Utc>,
}

/// A listing's trace state.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TraceStateOut {
    /// Has a trace identity.
    Traced,
    /// A catalogue product without a code.
    NeedsCode,
    /// Not a catalogue product.
    NotRequired,
}

/// The proven domain of each of the seller's stores that has one, by store id.
async fn proven_domains(
    state: &AppState,
    seller: &suyuan_core::ids::SellerId,
) -> Result<HashMap<String, String>, ApiError> {
    Ok(suyuan_store::shops::list(&state.db, seller)
        .await?
        .into_iter()
        .filter_map(|s| Some((s.id, s.proven_domain?)))
        .collect())
}

fn url_note(status: &str) -> Option<[String; 2]> {
    match status {
        "shop_domain_not_proven" => Some([
            "店铺域名尚未验证：此链接已保存，但在验证前不会用于商品页跳转".to_owned(),
            "the shop's domain is not proven yet: the URL is kept but not used for product-page redirects until it is".to_owned(),
        ]),
        "not_on_proven_domain" => Some([
            "此链接不在店铺已验证的域名上，不会用于商品页跳转".to_owned(),
            "the URL is not on the shop's proven domain, so it is never used for product-page redirects".to_owned(),
        ]),
        _ => None,
    }
}

/// Maps a stored listing; `proven` holds the proven domains of the seller's stores.
pub fn out(
    row: listing::Model,
    attached_codes: Vec<String>,
    proven: &HashMap<String, String>,
) -> ListingOut {
    let url_status = suyuan_core::domain_proof::url_status(
        row.url.as_deref(),
        row.store_id
            .as_ref()
            .and_then(|id| proven.get(id))
            .map(String::as_str),
    );
    let state = match listings::trace_state(&row) {
        TraceState::Traced => TraceStateOut::Traced,
        TraceState::NeedsCode => TraceStateOut::NeedsCode,
        TraceState::NotRequired => TraceStateOut::NotRequired,
    };
    let todo = (state == TraceStateOut::NeedsCode).then(|| {
        [
            "该商品属于重点工业产品目录，但没有追溯码：请在商品条码中填写 GTIN，或通过接口 POST /api/v1/listings/{id}/codes 关联生产者赋予的追溯码。".to_owned(),
            "This product is in the catalogue but has no trace code: put its GTIN in the variant barcode, or attach the producer's codes with POST /api/v1/listings/{id}/codes.".to_owned(),
        ]
    });
    ListingOut {
        variants: serde_json::from_str(&row.variants).unwrap_or(serde_json::Value::Array(vec![])),
        id: row.id,
        store_id: row.store_id,
        platform: row.platform,
        external_id: row.external_id,
        title: row.title,
        url: row.url,
        url_status: url_status.map(str::to_owned),
        url_note: url_status.and_then(url_note),
        status: row.status,
        category: row.category_id,
        classification_rule: row.classification_rule,
        classification_confidence: row.classification_confidence,
        part: row.classification_part,
        category_overridden: row.category_overridden,
        needs_confirmation: row.classification_needs_confirmation,
        confirmation_note: row.classification_needs_confirmation.then(|| {
            [
                "商品类目由标题模型与目录规则判断不一致，请确认：类目正确时以同一类目确认，不正确时改为正确类目（PATCH /api/v1/listings/{id}）。".to_owned(),
                "The title model and the catalogue's rules read this title differently: confirm the category (set the same one) or set the right one with PATCH /api/v1/listings/{id}.".to_owned(),
            ]
        }),
        trace_code: row.trace_code,
        attached_codes,
        trace_state: state,
        todo,
        external_updated_at: row.external_updated_at,
        updated_at: row.updated_at,
    }
}

/// Filters and pagination. The text filters are compared as given: a value that names nothing
/// gives an empty page, not an error.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListingQuery {
    /// `active`, `draft`, `archived`, `deleted`.
    pub status: Option<String>,
    /// A category id.
    pub category: Option<String>,
    /// Only listings that need a code.
    pub needs_code: Option<bool>,
    /// Only listings whose category the seller should confirm (`true`), or the others.
    pub needs_confirmation: Option<bool>,
    /// Only this store.
    pub store_id: Option<String>,
    /// Continue after this listing id (the `next` of the previous page; any text, compared with
    /// the ids as text).
    pub after: Option<String>,
    /// Page size (default 100); more than 500 is taken as 500, and 0 as 1.
    pub limit: Option<u64>,
}

/// A page of results.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// The `after` cursor of the next page: the last id when the page is full.
pub fn next_cursor<T>(rows: &[T], limit: u64, id: impl Fn(&T) -> &String) -> Option<String> {
    if rows.len() as u64 == limit {
        rows.last().map(|r| id(r).clone())
    } else {
        None
    }
}

/// Lists the seller's listings.
#[utoipa::path(tag = "listings", security(("bearer" = [])), params(ListingQuery), responses((status = 200, body = Page<ListingOut>)))]
#[get("/listings")]
pub async fn list_listings(
    auth: SellerAuth,
    state: web::Data<AppState>,
    q: web::Query<ListingQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let rows = listings::list(
        &state.db,
        &auth.seller_id,
        &ListingFilter {
            status: q.status,
            category: q.category,
            needs_code: q.needs_code,
            needs_confirmation: q.needs_confirmation,
            store_id: q.store_id,
            after: q.after,
            limit,
        },
    )
    .await?;
    let next = next_cursor(&rows, limit, |r| &r.id);
    let proven = proven_domains(&state, &auth.seller_id).await?;
    let mut codes =
        listings::attached_codes_many(&state.db, rows.iter().map(|r| r.id.clone()).collect())
            .await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let attached = codes.remove(&row.id).unwrap_or_default();
            out(row, attached, &proven)
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page { items, next }))
}

/// Reads one listing.
#[utoipa::path(tag = "listings", security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::ListingId), Path, description = "the listing (`lst_…`)")), responses((status = 200, body = ListingOut), (status = 404, body = suyuan_web::error::Problem)))]
#[get("/listings/{id}")]
pub async fn get_listing(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = listings::get(&state.db, &auth.seller_id, &id).await?;
    let codes = listings::attached_codes(&state.db, &row.id).await?;
    let proven = proven_domains(&state, &auth.seller_id).await?;
    Ok(HttpResponse::Ok().json(out(row, codes, &proven)))
}

/// A category override.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingPatch {
    /// A catalogue category id, or `null` to return to automatic classification.
    pub category: Option<String>,
}

/// Overrides (or clears) a listing's category.
#[utoipa::path(tag = "listings", request_body = ListingPatch, security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::ListingId), Path, description = "the listing (`lst_…`)")), responses((status = 200, body = ListingOut), (status = 422, body = suyuan_web::error::Problem)))]
#[patch("/listings/{id}")]
pub async fn patch_listing(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<ListingPatch>,
) -> Result<HttpResponse, ApiError> {
    let category = match body.0.category.as_deref() {
        Some(raw) => {
            let id = CategoryId::parse(raw).map_err(|e| {
                ApiError::field(
                    "category",
                    "invalid_category",
                    e.message_zh(),
                    e.to_string(),
                )
            })?;
            if state.catalogue.get(&id).is_none() {
                return Err(ApiError::field(
                    "category",
                    "unknown_category",
                    format!("目录中没有类别 {raw}"),
                    format!("`{raw}` is not a catalogue category"),
                ));
            }
            Some(id)
        }
        None => None,
    };
    let row =
        listings::override_category(&state.db, &auth.seller_id, &id, category.as_ref()).await?;
    let codes = listings::attached_codes(&state.db, &row.id).await?;
    let proven = proven_domains(&state, &auth.seller_id).await?;
    Ok(HttpResponse::Ok().json(out(row, codes, &proven)))
}

/// Codes to attach.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodesIn {
    /// 1 to 1000 trace codes in any supported form (GS1 element string, Digital Link, GTIN,
    /// Ecode, industrial-internet id).
    #[schema(min_items = 1, max_items = 1000)]
    pub codes: Vec<String>,
}

/// Attaches trace codes to a listing.
#[utoipa::path(tag = "listings", request_body = CodesIn, security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::ListingId), Path, description = "the listing (`lst_…`)")), responses((status = 200, body = ListingOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/listings/{id}/codes")]
pub async fn attach_codes(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<CodesIn>,
) -> Result<HttpResponse, ApiError> {
    if body.0.codes.is_empty() || body.0.codes.len() > 1000 {
        return Err(ApiError::field(
            "codes",
            "count",
            "请提供 1 到 1000 个追溯码",
            "give 1 to 1000 codes",
        ));
    }
    let mut problems = Vec::new();
    let mut codes = Vec::new();
    for (i, raw) in body.0.codes.iter().enumerate() {
        match TraceCode::parse(raw) {
            Ok(c) => codes.push(c),
            Err(e) => problems.push(suyuan_web::error::FieldProblem::new(
                format!("codes[{i}]"),
                e.code(),
                e.message_zh(),
                e.to_string(),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    let row = listings::attach_codes(&state.db, &auth.seller_id, &id, &codes).await?;
    let attached = listings::attached_codes(&state.db, &row.id).await?;
    let proven = proven_domains(&state, &auth.seller_id).await?;
    Ok(HttpResponse::Ok().json(out(row, attached, &proven)))
}
