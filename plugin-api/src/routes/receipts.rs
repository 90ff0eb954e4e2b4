//! Incoming inspection (进货查验): `POST /api/v1/receipts` records a delivery and its checks and
//! answers the new stock; `GET /api/v1/stock` reads stock per GTIN and batch.

use super::field_errors;
use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use serde::Serialize;
pub use suyuan_core::receipt::{CertificateIn, InspectionIn, ItemIn, ReceiptIn, SupplierIn};
use suyuan_store::receipts;
use suyuan_store::stock;
use suyuan_web::AppState;
use suyuan_web::auth::SellerAuth;
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::ToSchema;

/// A recorded receipt.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptOut {
    /// The trace event (`evt_…`).
    pub event_id: String,
    /// Position in the seller's chain.
    pub seq: i64,
    /// Required data elements missing (the record is kept; the seller should complete it).
    pub missing_elements: Vec<String>,
    /// Against the registration deadline.
    pub timeliness: super::timeliness::Timeliness,
    /// Suspicious codes.
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<receipts::CodeWarning>,
    /// Stock of the received GTINs, after this receipt.
    #[schema(value_type = Vec<Object>)]
    pub stock: Vec<stock::BatchStock>,
}

/// Records a receipt with its certificate check and inspection.
#[utoipa::path(tag = "receipts", request_body = ReceiptIn, security(("bearer" = [])),
    responses((status = 201, body = ReceiptOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/receipts")]
pub async fn create_receipt(
    auth: SellerAuth,
    state: web::Data<AppState>,
    body: JsonBody<ReceiptIn>,
) -> Result<HttpResponse, ApiError> {
    let receipt = body
        .0
        .parse(&state.catalogue, Utc::now(), state.max_backdate)
        .map_err(field_errors)?;
    let recorded = receipts::record(&state.db, &state.catalogue, &auth.seller_id, receipt).await?;
    state
        .metrics
        .events_recorded
        .with_label_values(&["receipt"])
        .inc();
    Ok(HttpResponse::Created().json(ReceiptOut::from(recorded)))
}

impl From<receipts::RecordedReceipt> for ReceiptOut {
    fn from(recorded: receipts::RecordedReceipt) -> Self {
        ReceiptOut {
            event_id: recorded.stored.id.to_string(),
            seq: recorded.stored.seq,
            missing_elements: recorded
                .missing
                .iter()
                .map(|m| m.as_str().to_owned())
                .collect(),
            timeliness: super::timeliness::of_record(&recorded.stored.row, Utc::now()),
            warnings: recorded.warnings,
            stock: recorded.stock,
        }
    }
}

/// The seller's stock per GTIN and batch.
#[utoipa::path(tag = "receipts", security(("bearer" = [])), responses((status = 200, description = "stock per GTIN and batch")))]
#[get("/stock")]
pub async fn get_stock(
    auth: SellerAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let batches = stock::all_batches(&state.db, &auth.seller_id).await?;
    Ok(HttpResponse::Ok().json(batches))
}
