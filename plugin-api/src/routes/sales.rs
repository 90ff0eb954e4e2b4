//! A seller's sales (from marketplace orders): read with timeliness, and unit codes at packing.

use super::listings::Page;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
pub use suyuan_core::sale::{BuyerIn, SaleIn, SaleItemIn};
use suyuan_store::entity::{sale, sale_line};
use suyuan_store::sales;
use suyuan_web::AppState;
use suyuan_web::auth::SellerAuth;
use suyuan_web::error::{ApiError, FieldProblem};
use suyuan_web::extract::JsonBody;
use utoipa::{IntoParams, ToSchema};

pub use super::timeliness::Timeliness;

/// One line of a sale.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SaleLineOut {
    /// Line id (for unit codes).
    pub id: i64,
    /// The marketplace's line id.
    pub external_line_id: Option<String>,
    /// Our listing, when known.
    pub listing_id: Option<String>,
    /// The marketplace's product id.
    pub listing_external_id: Option<String>,
    /// SKU.
    pub sku: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Catalogue category (lines without one need no trace record).
    pub category: Option<String>,
    /// Quantity ordered.
    pub quantity: i32,
    /// Quantity refunded.
    pub refunded_quantity: i32,
    /// Batches allocated (FIFO), with `allocated` or `confirmed`.
    #[schema(value_type = Vec<Object>)]
    pub allocations: serde_json::Value,
    /// Unit codes scanned at packing.
    pub unit_codes: Vec<String>,
}

/// A sale.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SaleOut {
    /// Id (`sal_…`).
    pub id: String,
    /// Store connection.
    pub store_id: Option<String>,
    /// The marketplace (`shopify`, `woocommerce`, `youzan`, `douyin`, `standard`).
    pub platform: String,
    /// The marketplace's order id (a string: marketplace ids exceed 2^53).
    pub external_order_id: String,
    /// Order number as shoppers see it.
    pub order_number: Option<String>,
    /// `created`, `paid`, `fulfilled`, `partially_fulfilled`, `completed`, `cancelled`, `refunded`, `partially_refunded`.
    pub status: String,
    /// `consumer` or `business`.
    pub buyer_type: String,
    /// A business buyer's name.
    pub buyer_company: Option<String>,
    /// Destination division code (consumers: region only).
    pub region: Option<String>,
    /// Destination province, in Chinese.
    pub province: Option<String>,
    /// Destination country (ISO alpha-2).
    pub country_code: Option<String>,
    /// Shipping method.
    pub shipping_method: Option<String>,
    /// Tracking numbers.
    pub tracking_numbers: Vec<String>,
    /// When ordered.
    pub ordered_at: Option<DateTime<Utc>>,
    /// When paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// When fulfilled.
    pub fulfilled_at: Option<DateTime<Utc>>,
    /// When cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// When the sale became complete and was registered.
    pub completed_at: Option<DateTime<Utc>>,
    /// Registration deadline (set once the clock starts: payment).
    pub deadline_at: Option<DateTime<Utc>>,
    /// The catalogue version the deadline came from.
    pub catalogue_version: Option<String>,
    /// The registered trace event.
    pub event_id: Option<String>,
    /// Against the deadline.
    pub timeliness: Timeliness,
    /// Lines.
    pub lines: Vec<SaleLineOut>,
}

/// Timeliness of a sale at `now` (the rule is [`suyuan_core::timeliness`]).
pub fn timeliness(row: &sale::Model, traced: bool, now: DateTime<Utc>) -> Timeliness {
    super::timeliness::of_sale(row, traced, now)
}

/// The terms of the transfers sales create (claim-link validity, the key that seals the link
/// for reminders).
pub fn transfer_terms(state: &AppState) -> suyuan_core::sale::TransferTerms {
    suyuan_core::sale::TransferTerms {
        contact_email: None,
        valid_for: state.transfers.ttl,
        sealing_key: Some(state.secret_key.clone()),
    }
}

fn line_out(l: sale_line::Model) -> SaleLineOut {
    SaleLineOut {
        id: l.id,
        external_line_id: l.external_line_id,
        listing_id: l.listing_id,
        listing_external_id: l.listing_external_id,
        sku: l.sku,
        title: l.title,
        category: l.category_id,
        quantity: l.quantity,
        refunded_quantity: l.refunded_quantity,
        allocations: serde_json::from_str(&l.allocations)
            .unwrap_or(serde_json::Value::Array(vec![])),
        unit_codes: serde_json::from_str(&l.unit_codes).unwrap_or_default(),
    }
}

/// Maps a sale and its lines.
pub fn out(row: sale::Model, lines: Vec<sale_line::Model>) -> SaleOut {
    let traced = lines.iter().any(|l| l.category_id.is_some());
    let timeliness = timeliness(&row, traced, Utc::now());
    SaleOut {
        province: row
            .region
            .as_deref()
            .and_then(|r| suyuan_core::division::DivisionCode::parse(r).ok())
            .map(|d| d.province_name_zh().to_owned()),
        tracking_numbers: serde_json::from_str(&row.tracking_numbers).unwrap_or_default(),
        id: row.id,
        store_id: row.store_id,
        platform: row.platform,
        external_order_id: row.external_order_id,
        order_number: row.order_number,
        status: row.status,
        buyer_type: row.buyer_type,
        buyer_company: row.buyer_company,
        region: row.region,
        country_code: row.country_code,
        shipping_method: row.shipping_method,
        ordered_at: row.ordered_at,
        paid_at: row.paid_at,
        fulfilled_at: row.fulfilled_at,
        cancelled_at: row.cancelled_at,
        completed_at: row.completed_at,
        deadline_at: row.deadline_at,
        catalogue_version: row.catalogue_version,
        event_id: row.event_id,
        timeliness,
        lines: lines.into_iter().map(line_out).collect(),
    }
}

/// Filters and pagination.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SaleQuery {
    /// A status (compared as given: a value that names no status gives an empty page).
    pub status: Option<String>,
    /// Only registered (`true`) or not yet registered (`false`) sales.
    pub registered: Option<bool>,
    /// Continue after this sale id (the `next` of the previous page; any text, compared with the
    /// ids as text).
    pub after: Option<String>,
    /// Page size (default 100); more than 500 is taken as 500, and 0 as 1.
    pub limit: Option<u64>,
}

/// Lists the seller's sales.
#[utoipa::path(tag = "sales", security(("bearer" = [])), params(SaleQuery), responses((status = 200, body = Page<SaleOut>)))]
#[get("/sales")]
pub async fn list_sales(
    auth: SellerAuth,
    state: web::Data<AppState>,
    q: web::Query<SaleQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let rows = sales::list(
        &state.db,
        &auth.seller_id,
        &sales::SaleFilter {
            status: q.status,
            registered: q.registered,
            after: q.after,
            limit,
        },
    )
    .await?;
    let next = super::listings::next_cursor(&rows, limit, |r| &r.id);
    let mut lines =
        sales::lines_of_many(&state.db, rows.iter().map(|r| r.id.clone()).collect()).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let l = lines.remove(&row.id).unwrap_or_default();
            out(row, l)
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page { items, next }))
}

/// Reads one sale.
#[utoipa::path(tag = "sales", security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::SaleId), Path, description = "the sale (`sal_…`)")), responses((status = 200, body = SaleOut), (status = 404, body = suyuan_web::error::Problem)))]
#[get("/sales/{id}")]
pub async fn get_sale(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = sales::get(&state.db, &auth.seller_id, &id).await?;
    let lines = sales::lines_of(&state.db, &row.id).await?;
    Ok(HttpResponse::Ok().json(out(row, lines)))
}

/// Unit codes scanned at packing for one line.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitsIn {
    /// The sale line.
    pub line_id: i64,
    /// 1 to 1000 unit codes (with serials), as scanned.
    #[schema(min_items = 1, max_items = 1000)]
    pub codes: Vec<String>,
}

/// Records unit codes scanned at packing (e-bikes and other unit-level categories). Each code
/// must have been received by this seller and not sold before; the sale is registered once
/// every traced line has its codes.
#[utoipa::path(tag = "sales", request_body = UnitsIn, security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::SaleId), Path, description = "the sale (`sal_…`)")),
    responses((status = 200, body = SaleOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/sales/{id}/units")]
pub async fn add_units(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<UnitsIn>,
) -> Result<HttpResponse, ApiError> {
    if body.0.codes.is_empty() || body.0.codes.len() > 1000 {
        return Err(ApiError::field(
            "codes",
            "count",
            "请提供 1 到 1000 个单品码",
            "give 1 to 1000 unit codes",
        ));
    }
    let result = sales::record_unit_codes(
        &state.db,
        &state.catalogue,
        &auth.seller_id,
        &id,
        body.0.line_id,
        &body.0.codes,
        &transfer_terms(&state),
    )
    .await?;
    match result {
        Ok(row) => {
            let lines = sales::lines_of(&state.db, &row.id).await?;
            Ok(HttpResponse::Ok().json(out(row, lines)))
        }
        Err(problems) => {
            // Only the suspicious-code flags were written.
            Err(ApiError::Invalid(
                problems
                    .into_iter()
                    .map(|p| {
                        FieldProblem::new(
                            format!("codes[{}]", p.index),
                            p.reason,
                            p.message_zh,
                            p.message_en,
                        )
                    })
                    .collect(),
            ))
        }
    }
}

/// A registered sale.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredOut {
    /// The trace event (`evt_…`).
    pub event_id: String,
    /// `sale` (consumer) or `shipment` (distributor, agent).
    pub record_kind: String,
    /// Required data elements missing.
    pub missing_elements: Vec<String>,
    /// Registration deadline.
    pub deadline_at: Option<DateTime<Utc>>,
    /// Against the deadline.
    pub timeliness: Timeliness,
    /// For a distributor or agent: the transfer they claim (指引下一级).
    pub transfer: Option<TransferLinkOut>,
}

/// The claim link of a new transfer: give it (or its QR code) to the buyer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferLinkOut {
    /// Transfer id (`trf_…`).
    pub id: String,
    /// `pending`.
    pub status: String,
    /// The claim page: `{public}/claim/{token}`. Shown only now; it cannot be read back.
    pub claim_url: String,
    /// A QR code of the claim URL, SVG.
    pub qr_svg_url: String,
    /// A QR code of the claim URL, PNG.
    pub qr_png_url: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

impl TransferLinkOut {
    /// The links of a transfer just created.
    pub fn new(public_url: &str, t: &suyuan_store::transfers::CreatedTransfer) -> Self {
        let claim_url = suyuan_web::links::claim_url(public_url, &t.token);
        TransferLinkOut {
            id: t.id.clone(),
            status: "pending".to_owned(),
            qr_svg_url: format!("{claim_url}/qr.svg"),
            qr_png_url: format!("{claim_url}/qr.png"),
            claim_url,
            expires_at: t.expires_at,
        }
    }
}

/// Registers an offline or B2B sale (销售登记). Refused, item by item: codes never received or
/// already sold, and quantities beyond stock.
#[utoipa::path(tag = "sales", request_body = SaleIn, security(("bearer" = [])),
    responses((status = 201, body = RegisteredOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/sales")]
pub async fn register_sale(
    auth: SellerAuth,
    state: web::Data<AppState>,
    body: JsonBody<SaleIn>,
) -> Result<HttpResponse, ApiError> {
    use suyuan_store::offline;
    let sale = body
        .0
        .parse(
            &state.catalogue,
            state.transfers.ttl,
            Some(state.secret_key.clone()),
            Utc::now(),
        )
        .map_err(super::field_errors)?;
    match offline::register(&state.db, &state.catalogue, &auth.seller_id, sale).await? {
        Ok(done) => {
            state
                .metrics
                .events_recorded
                .with_label_values(&[done.stored.row.record_kind.as_str()])
                .inc();
            Ok(HttpResponse::Created().json(RegisteredOut {
                event_id: done.stored.id.to_string(),
                record_kind: done.stored.row.record_kind.clone(),
                missing_elements: done.missing.iter().map(|m| m.as_str().to_owned()).collect(),
                deadline_at: done.stored.row.deadline_at,
                timeliness: super::timeliness::of_record(&done.stored.row, Utc::now()),
                transfer: done
                    .transfer
                    .as_ref()
                    .map(|t| TransferLinkOut::new(&state.public_url, t)),
            }))
        }
        Err(problems) => Err(ApiError::Invalid(
            problems
                .into_iter()
                .map(|p| {
                    FieldProblem::new(
                        format!("items[{}]", p.index),
                        p.reason,
                        p.message_zh,
                        p.message_en,
                    )
                })
                .collect(),
        )),
    }
}
