//! B2B transfers (指引下一级): the sender's list, the buyer's incoming list, one transfer,
//! cancelling, and claiming by token (the JSON twin of the claim page).

use super::field_errors;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
pub use suyuan_core::transfer::{ClaimIn, received_date};
use suyuan_store::transfers::{self, Transfer, TransferError};
use suyuan_web::AppState;
use suyuan_web::auth::{ClaimantAuth, SellerAuth};
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::{IntoParams, ToSchema};

/// A party of a transfer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PartyOut {
    /// `distributor` or `agent` for the buyer; `seller` for the sender.
    pub kind: String,
    /// Registered name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: String,
}

/// One item of a transfer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TransferItemOut {
    /// The code.
    pub code: String,
    /// Quantity, for batch codes.
    pub quantity: Option<f64>,
    /// Unit of measure.
    pub unit: Option<String>,
}

/// A transfer as its sender or buyer sees it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TransferOut {
    /// Id (`trf_…`).
    pub id: String,
    /// `pending`, `claimed`, `expired` or `cancelled`.
    pub status: String,
    /// Who shipped.
    pub sender: PartyOut,
    /// Who is to claim.
    pub buyer: PartyOut,
    /// The sender's shipment event.
    pub sale_event_id: String,
    /// Catalogue category.
    pub category: String,
    /// Voucher (invoice or delivery note) number.
    pub voucher_number: Option<String>,
    /// Shipping method.
    pub shipping_method: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// When sold.
    pub sold_at: DateTime<Utc>,
    /// What was shipped.
    pub items: Vec<TransferItemOut>,
    /// Product name (from the sender's receipt).
    pub product_name: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Producer.
    pub producer: Option<String>,
    /// Certificate number.
    pub certificate_number: Option<String>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// The claim link stops working at.
    pub expires_at: DateTime<Utc>,
    /// Claimed at.
    pub claimed_at: Option<DateTime<Utc>>,
    /// The buyer's receipt event, once claimed.
    pub claimed_event_id: Option<String>,
    /// Reminders recorded so far.
    pub reminders_sent: i32,
    /// Last reminder.
    pub last_reminder_at: Option<DateTime<Utc>>,
}

impl From<Transfer> for TransferOut {
    fn from(t: Transfer) -> Self {
        let status = t.status_at(Utc::now()).to_owned();
        let r = t.row;
        TransferOut {
            id: r.id,
            status,
            sender: PartyOut {
                kind: "seller".into(),
                name: t.sender.name,
                credit_code: t.sender.credit_code,
            },
            buyer: PartyOut {
                kind: r.buyer_kind,
                name: r.buyer_name,
                credit_code: r.buyer_credit_code,
            },
            sale_event_id: r.sale_event_id,
            category: r.category_id,
            voucher_number: r.voucher_number,
            shipping_method: r.shipping_method,
            tracking_number: r.tracking_number,
            sold_at: r.sold_at,
            items: t
                .items
                .into_iter()
                .map(|i| TransferItemOut {
                    code: i.code,
                    quantity: i.quantity,
                    unit: i.uom,
                })
                .collect(),
            product_name: r.product_name,
            model: r.model,
            producer: r.producer,
            certificate_number: r.certificate_number,
            created_at: r.created_at,
            expires_at: r.expires_at,
            claimed_at: r.claimed_at,
            claimed_event_id: r.claimed_event_id,
            reminders_sent: r.reminders_sent,
            last_reminder_at: r.last_reminder_at,
        }
    }
}

/// Maps a transfer refusal to a problem naming it, Chinese first.
pub fn transfer_error(e: TransferError) -> ApiError {
    match e {
        TransferError::NotFound => ApiError::NotFound("transfer"),
        TransferError::WrongParty { buyer_name } => ApiError::Conflict {
            slug: "not-the-buyer",
            detail_zh: format!("此货品是发给“{buyer_name}”的，您的统一社会信用代码与买方不符，不能认领"),
            detail_en: format!(
                "these goods were shipped to “{buyer_name}”; your credit code is not the buyer's, so you cannot claim them"
            ),
        },
        TransferError::AlreadyClaimed => ApiError::Conflict {
            slug: "already-claimed",
            detail_zh: "此货品已被认领，收货记录已登记，不能重复认领".into(),
            detail_en: "these goods have already been claimed; the receipt is recorded and cannot be claimed twice".into(),
        },
        TransferError::Expired => ApiError::Conflict {
            slug: "transfer-expired",
            detail_zh: "认领链接已过期，请联系发货方重新发送".into(),
            detail_en: "the claim link has expired; ask the sender to send it again".into(),
        },
        TransferError::Cancelled => ApiError::Conflict {
            slug: "transfer-cancelled",
            detail_zh: "发货方已取消此次转移".into(),
            detail_en: "the sender cancelled this transfer".into(),
        },
        TransferError::AwaitingVerification { .. } => ApiError::AwaitingVerification,
        TransferError::Store(e) => e.into(),
    }
}

crate::openapi::string_enum!(
    /// The states a transfer list can be filtered by (another is refused with 422).
    TransferStatusParam = ["pending", "claimed", "expired", "cancelled"]
);

crate::openapi::string_pattern!(
    /// A claim token as Suyuan makes them: 32 random bytes in unpadded base64url (another
    /// finds nothing: 404).
    ClaimTokenParam = r"^[A-Za-z0-9_-]{43}$"
);

/// Filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    /// `pending`, `claimed`, `expired` or `cancelled`.
    #[param(value_type = Option<TransferStatusParam>, inline)]
    pub status: Option<String>,
    /// Page size (default 100); more than 500 is taken as 500, and 0 as 1.
    pub limit: Option<u64>,
}

fn check_status(q: &TransferQuery) -> Result<(), ApiError> {
    match q.status.as_deref() {
        None | Some("pending" | "claimed" | "expired" | "cancelled") => Ok(()),
        Some(other) => Err(ApiError::field(
            "status",
            "unknown_status",
            "状态须为 pending、claimed、expired 或 cancelled",
            format!("`{other}` is not pending, claimed, expired or cancelled"),
        )),
    }
}

/// Transfers the seller sent, newest first.
#[utoipa::path(tag = "transfers", security(("bearer" = [])), params(TransferQuery),
    responses((status = 200, body = Vec<TransferOut>)))]
#[get("/transfers")]
pub async fn list_transfers(
    auth: SellerAuth,
    state: web::Data<AppState>,
    q: web::Query<TransferQuery>,
) -> Result<HttpResponse, ApiError> {
    check_status(&q)?;
    let rows = transfers::list_sent(
        &state.db,
        &auth.seller_id,
        q.status.as_deref(),
        q.limit.unwrap_or(100).clamp(1, 500),
    )
    .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(TransferOut::from).collect::<Vec<_>>()))
}

/// Transfers addressed to the seller (its credit code is the buyer's), newest first. An account
/// awaiting verification sees only the transfer it was made from.
#[utoipa::path(tag = "transfers", security(("bearer" = [])), params(TransferQuery),
    responses((status = 200, body = Vec<TransferOut>)))]
#[get("/transfers/incoming")]
pub async fn incoming_transfers(
    auth: ClaimantAuth,
    state: web::Data<AppState>,
    q: web::Query<TransferQuery>,
) -> Result<HttpResponse, ApiError> {
    check_status(&q)?;
    let rows = transfers::list_incoming(
        &state.db,
        &auth.seller_id,
        q.status.as_deref(),
        q.limit.unwrap_or(100).clamp(1, 500),
    )
    .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(TransferOut::from).collect::<Vec<_>>()))
}

/// One transfer, to its sender or its buyer.
#[utoipa::path(tag = "transfers", security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::TransferId), Path, description = "the transfer (`trf_…`)")),
    responses((status = 200, body = TransferOut), (status = 404, body = suyuan_web::error::Problem)))]
#[get("/transfers/{id}")]
pub async fn get_transfer(
    auth: ClaimantAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let t = transfers::get_for(&state.db, &auth.seller_id, &id).await?;
    Ok(HttpResponse::Ok().json(TransferOut::from(t)))
}

/// Cancels a pending transfer (sender only): the claim link stops working.
#[utoipa::path(tag = "transfers", security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::TransferId), Path, description = "the transfer (`trf_…`)")),
    responses((status = 200, body = TransferOut), (status = 404, body = suyuan_web::error::Problem), (status = 409, body = suyuan_web::error::Problem)))]
#[post("/transfers/{id}/cancel")]
pub async fn cancel_transfer(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let t = transfers::cancel(&state.db, &auth.seller_id, &id)
        .await
        .map_err(transfer_error)?;
    Ok(HttpResponse::Ok().json(TransferOut::from(t)))
}

/// The receipt a claim recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimedOut {
    /// The transfer, now claimed.
    pub transfer: TransferOut,
    /// The receipt recorded in the claimant's chain.
    pub receipt: super::receipts::ReceiptOut,
}

/// Claims a transfer by its token: records the pre-filled receipt (channel `claim`) in the
/// caller's chain. Only the buyer (same credit code) may claim, once; a second claim is a 409.
/// An account awaiting verification may claim only the transfer it was made from (403 for any
/// other, and while a verified account holds its credit code).
#[utoipa::path(tag = "transfers", security(("bearer" = [])), request_body = ClaimIn, params(("token" = inline(ClaimTokenParam), Path, description = "the claim link's token")),
    responses((status = 201, body = ClaimedOut), (status = 404, body = suyuan_web::error::Problem), (status = 409, body = suyuan_web::error::Problem), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/transfers/claim/{token}")]
pub async fn claim_transfer(
    auth: ClaimantAuth,
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: JsonBody<ClaimIn>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0.parse(Utc::now()).map_err(field_errors)?;
    let done = transfers::claim(&state.db, &state.catalogue, &auth.seller_id, &token, input)
        .await
        .map_err(transfer_error)?;
    state
        .metrics
        .events_recorded
        .with_label_values(&["receipt"])
        .inc();
    Ok(HttpResponse::Created().json(ClaimedOut {
        transfer: TransferOut::from(done.transfer),
        receipt: super::receipts::ReceiptOut::from(done.receipt),
    }))
}
