//! B2B transfers (指引下一级). A sale to a distributor or agent creates a transfer in the same
//! transaction: the goods, the product facts the sender recorded on receipt, and an unguessable
//! claim token of which only the SHA-256 is stored. The buyer (the seller whose credit code is
//! the buyer's) claims it exactly once, which records a pre-filled receipt (channel `claim`) in
//! the buyer's chain. Pending transfers are reminded and expire.

use super::ledger;
use super::receipts::{self, Channel, NewReceipt, ReceivedItem};
use super::{StoreError, stock};
use crate::entity::{seller, trace_event, trace_event_code, transfer};
use base64::Engine as _;
use chrono::{DateTime, FixedOffset, Utc};
use rand::RngCore as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use suyuan_core::catalogue::{Catalogue, CategoryId};
use suyuan_core::codes::TraceCode;
use suyuan_core::credit_code::CreditCode;
use suyuan_core::ids::SellerId;
use suyuan_core::secrets::SecretKey;

pub use suyuan_core::sale::{DEFAULT_VALID_FOR_DAYS, TransferTerms};
pub use suyuan_core::transfer::ClaimInput;

/// The id prefix of transfers (`trf_…`).
pub const ID_PREFIX: &str = suyuan_core::ids::TransferId::PREFIX;

/// One item of a transfer: a unit code, or a class code with its quantity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransferItem {
    /// The code, canonical.
    pub code: String,
    /// For a class (GTIN + batch): how many.
    pub quantity: Option<f64>,
    /// Unit of measure (UN/CEFACT rec 20).
    pub uom: Option<String>,
}

/// A transfer as just created: the only time the claim token is known.
#[derive(Clone, Debug)]
pub struct CreatedTransfer {
    /// Id (`trf_…`).
    pub id: String,
    /// The claim token (goes into the claim URL; never stored).
    pub token: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// What is needed to create a transfer (inside the sale's transaction).
#[derive(Clone, Debug)]
pub struct NewTransfer<'a> {
    /// The sender.
    pub from: &'a SellerId,
    /// The sale (shipment) event.
    pub sale_event_id: &'a str,
    /// Catalogue category.
    pub category: &'a CategoryId,
    /// `distributor` or `agent`.
    pub buyer_kind: &'a str,
    /// Buyer's name.
    pub buyer_name: &'a str,
    /// Buyer's credit code.
    pub buyer_credit_code: &'a CreditCode,
    /// Voucher number of the sale.
    pub voucher_number: Option<&'a str>,
    /// Shipping method.
    pub shipping_method: Option<&'a str>,
    /// Tracking number.
    pub tracking_number: Option<&'a str>,
    /// When sold.
    pub sold_at: DateTime<FixedOffset>,
    /// What was sold.
    pub items: Vec<TransferItem>,
    /// Contact e-mail and validity.
    pub terms: &'a TransferTerms,
}

/// A new random claim token and its stored hash.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

/// The stored form of a claim token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Product facts the sender recorded when it received these goods, for the buyer's receipt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductFacts {
    /// Product name.
    pub product_name: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Producer.
    pub producer: Option<String>,
    /// Certificate number.
    pub certificate_number: Option<String>,
    /// Who supplied the sender.
    pub supplier_name: Option<String>,
    /// The supplier's credit code.
    pub supplier_credit_code: Option<String>,
}

/// The facts of `seller`'s latest receipt naming `code` (or, failing that, its GTIN).
pub async fn product_facts(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    code: &TraceCode,
) -> Result<ProductFacts, StoreError> {
    let mut by_code = Condition::any().add(trace_event_code::Column::Code.eq(code.to_string()));
    if let Some(g) = code.gtin() {
        by_code = by_code.add(trace_event_code::Column::Gtin.eq(g.to_gtin14()));
    }
    let rows = stock::code_rows(
        db,
        Condition::all()
            .add(trace_event_code::Column::SellerId.eq(seller.as_str()))
            .add(trace_event::Column::RecordKind.eq("receipt"))
            .add(by_code),
    )
    .await?;
    let exact = code.to_string();
    let Some(best) = rows
        .iter()
        .max_by_key(|r| (r.code == exact, r.event_time))
        .map(|r| r.event_id.clone())
    else {
        return Ok(ProductFacts::default());
    };
    let Some(event) = trace_event::Entity::find_by_id(best).one(db).await? else {
        return Ok(ProductFacts::default());
    };
    let json: serde_json::Value =
        serde_json::from_str(&event.document).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let ext = |k: &str| {
        json.get(format!("suyuan:{k}"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    Ok(ProductFacts {
        product_name: ext("productName"),
        model: ext("model"),
        producer: ext("producer"),
        certificate_number: ext("certificate"),
        supplier_name: ext("supplierName"),
        supplier_credit_code: json["sourceList"]
            .as_array()
            .and_then(|l| l.iter().find_map(|s| s["source"].as_str()))
            .and_then(|s| s.strip_prefix("urn:suyuan:party:"))
            .map(str::to_owned),
    })
}

/// Creates a transfer (call inside the sale's transaction).
pub async fn create(
    txn: &impl ConnectionTrait,
    new: NewTransfer<'_>,
) -> Result<CreatedTransfer, StoreError> {
    let facts = match new
        .items
        .first()
        .and_then(|i| TraceCode::parse(&i.code).ok())
    {
        Some(code) => product_facts(txn, new.from, &code).await?,
        None => ProductFacts::default(),
    };
    let (token, token_hash) = new_token();
    let now = Utc::now();
    let id = String::from(suyuan_core::ids::TransferId::generate());
    let expires_at = now + new.terms.valid_for;
    let items =
        serde_json::to_string(&new.items).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    transfer::ActiveModel {
        id: Set(id.clone()),
        token_hash: Set(token_hash),
        token_sealed: Set(new
            .terms
            .sealing_key
            .as_ref()
            .map(|k| k.seal(token.as_bytes(), crate::sealed::transfer_token(&id)))),
        from_seller_id: Set(new.from.to_string()),
        sale_event_id: Set(new.sale_event_id.to_owned()),
        category_id: Set(new.category.to_string()),
        buyer_kind: Set(new.buyer_kind.to_owned()),
        buyer_name: Set(new.buyer_name.to_owned()),
        buyer_credit_code: Set(new.buyer_credit_code.to_string()),
        contact_email: Set(new.terms.contact_email.clone()),
        voucher_number: Set(new.voucher_number.map(str::to_owned)),
        shipping_method: Set(new.shipping_method.map(str::to_owned)),
        tracking_number: Set(new.tracking_number.map(str::to_owned)),
        sold_at: Set(new.sold_at.with_timezone(&Utc)),
        items: Set(items),
        product_name: Set(facts.product_name),
        model: Set(facts.model),
        producer: Set(facts.producer),
        certificate_number: Set(facts.certificate_number),
        status: Set("pending".to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        claimed_by: Set(None),
        claimed_at: Set(None),
        claimed_event_id: Set(None),
        cancelled_at: Set(None),
        reminders_sent: Set(0),
        last_reminder_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(CreatedTransfer {
        id,
        token,
        expires_at,
    })
}

/// A transfer with its sender, as its parties see it.
#[derive(Clone, Debug)]
pub struct Transfer {
    /// The row.
    pub row: transfer::Model,
    /// The items.
    pub items: Vec<TransferItem>,
    /// The sender.
    pub sender: seller::Model,
}

impl Transfer {
    /// `pending`, `claimed`, `expired` or `cancelled`, as of `now` (a pending transfer past its
    /// expiry is expired even before the worker marks it).
    pub fn status_at(&self, now: DateTime<Utc>) -> &str {
        if self.row.status == "pending" && self.row.expires_at <= now {
            "expired"
        } else {
            &self.row.status
        }
    }
}

async fn with_sender(
    db: &impl ConnectionTrait,
    rows: Vec<transfer::Model>,
) -> Result<Vec<Transfer>, StoreError> {
    let mut ids: Vec<String> = rows.iter().map(|r| r.from_seller_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let sellers = seller::Entity::find()
        .filter(seller::Column::Id.is_in(ids))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            let sender = sellers
                .iter()
                .find(|s| s.id == row.from_seller_id)
                .cloned()
                .ok_or(StoreError::NotFound("seller"))?;
            let items = serde_json::from_str(&row.items)
                .map_err(|e| StoreError::Corrupt(format!("transfer {}: items: {e}", row.id)))?;
            Ok(Transfer { row, items, sender })
        })
        .collect()
}

fn status_filter(status: Option<&str>, now: DateTime<Utc>) -> Condition {
    match status {
        Some("pending") => Condition::all()
            .add(transfer::Column::Status.eq("pending"))
            .add(transfer::Column::ExpiresAt.gt(now)),
        Some("expired") => Condition::any()
            .add(transfer::Column::Status.eq("expired"))
            .add(
                Condition::all()
                    .add(transfer::Column::Status.eq("pending"))
                    .add(transfer::Column::ExpiresAt.lte(now)),
            ),
        Some(other) => Condition::all().add(transfer::Column::Status.eq(other)),
        None => Condition::all(),
    }
}

/// Transfers `seller` sent, newest first, optionally of one status.
pub async fn list_sent(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    status: Option<&str>,
    limit: u64,
) -> Result<Vec<Transfer>, StoreError> {
    let rows = transfer::Entity::find()
        .filter(transfer::Column::FromSellerId.eq(seller.as_str()))
        .filter(status_filter(status, Utc::now()))
        .order_by_desc(transfer::Column::CreatedAt)
        .order_by_desc(transfer::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    with_sender(db, rows).await
}

async fn credit_code_of(
    db: &impl ConnectionTrait,
    seller_id: &SellerId,
) -> Result<seller::Model, StoreError> {
    seller::Entity::find_by_id(seller_id.as_str())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("seller"))
}

/// Transfers addressed to `seller` (by its credit code), newest first; for a provisional account,
/// only the transfer it was made from.
pub async fn list_incoming(
    db: &impl ConnectionTrait,
    seller_id: &SellerId,
    status: Option<&str>,
    limit: u64,
) -> Result<Vec<Transfer>, StoreError> {
    let me = credit_code_of(db, seller_id).await?;
    let mut query = transfer::Entity::find()
        .filter(transfer::Column::BuyerCreditCode.eq(me.credit_code.as_str()));
    if let Some(only) = crate::standing::provisional_scope(&me) {
        query = query.filter(transfer::Column::Id.eq(only));
    }
    let rows = query
        .filter(status_filter(status, Utc::now()))
        .order_by_desc(transfer::Column::CreatedAt)
        .order_by_desc(transfer::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    with_sender(db, rows).await
}

/// One transfer, if `seller` sent it or is its buyer (a provisional account: of the transfer it
/// was made from only); otherwise `NotFound`.
pub async fn get_for(
    db: &impl ConnectionTrait,
    seller_id: &SellerId,
    id: &str,
) -> Result<Transfer, StoreError> {
    let me = credit_code_of(db, seller_id).await?;
    let mut as_buyer =
        Condition::all().add(transfer::Column::BuyerCreditCode.eq(me.credit_code.as_str()));
    if let Some(only) = crate::standing::provisional_scope(&me) {
        as_buyer = as_buyer.add(transfer::Column::Id.eq(only));
    }
    let row = transfer::Entity::find_by_id(id)
        .filter(
            Condition::any()
                .add(transfer::Column::FromSellerId.eq(seller_id.as_str()))
                .add(as_buyer),
        )
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("transfer"))?;
    with_sender(db, vec![row])
        .await?
        .pop()
        .ok_or(StoreError::NotFound("transfer"))
}

/// The transfer a claim token opens (any status), or `None`.
pub async fn find_by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<Transfer>, StoreError> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let row = transfer::Entity::find()
        .filter(transfer::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?;
    match row {
        Some(row) => Ok(with_sender(db, vec![row]).await?.pop()),
        None => Ok(None),
    }
}

/// The claim token of a transfer, unsealed (for reminders), when it was sealed.
pub fn token_of(t: &Transfer, key: &SecretKey) -> Option<String> {
    let sealed = t.row.token_sealed.as_deref()?;
    key.open(sealed, crate::sealed::transfer_token(&t.row.id))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

/// Why a transfer cannot be cancelled or claimed.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// No such transfer (or not visible to the caller).
    #[error("transfer not found")]
    NotFound,
    /// The claimant's credit code is not the buyer's.
    #[error("this transfer is addressed to another business")]
    WrongParty {
        /// The buyer's name, to say whom it is for.
        buyer_name: String,
    },
    /// Already claimed.
    #[error("this transfer has already been claimed")]
    AlreadyClaimed,
    /// Past its expiry.
    #[error("this claim link has expired")]
    Expired,
    /// Cancelled by the sender.
    #[error("the sender cancelled this transfer")]
    Cancelled,
    /// The claimant's account is provisional (made from a claim link, awaiting review) and this
    /// is not the transfer it was made from, or a verified account holds its credit code.
    #[error("the account awaits verification and may claim only the transfer it was made from")]
    AwaitingVerification {
        /// A verified account already holds the credit code.
        held: bool,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for TransferError {
    fn from(e: sea_orm::DbErr) -> Self {
        TransferError::Store(StoreError::Db(e))
    }
}

fn refusal(t: &transfer::Model, now: DateTime<Utc>) -> Option<TransferError> {
    match t.status.as_str() {
        "claimed" => Some(TransferError::AlreadyClaimed),
        "cancelled" => Some(TransferError::Cancelled),
        "expired" => Some(TransferError::Expired),
        _ if t.expires_at <= now => Some(TransferError::Expired),
        _ => None,
    }
}

/// Cancels a pending transfer the caller sent (the claim link stops working).
pub async fn cancel(
    db: &DatabaseConnection,
    seller_id: &SellerId,
    id: &str,
) -> Result<Transfer, TransferError> {
    let now = Utc::now();
    let res = transfer::Entity::update_many()
        .col_expr(transfer::Column::Status, Expr::value("cancelled"))
        .col_expr(transfer::Column::CancelledAt, Expr::value(now))
        .filter(transfer::Column::Id.eq(id))
        .filter(transfer::Column::FromSellerId.eq(seller_id.as_str()))
        .filter(transfer::Column::Status.eq("pending"))
        .filter(transfer::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    let t = transfer::Entity::find_by_id(id)
        .filter(transfer::Column::FromSellerId.eq(seller_id.as_str()))
        .one(db)
        .await?
        .ok_or(TransferError::NotFound)?;
    if res.rows_affected == 0 {
        return Err(refusal(&t, now).unwrap_or(TransferError::NotFound));
    }
    with_sender(db, vec![t])
        .await?
        .pop()
        .ok_or(TransferError::NotFound)
}

/// Checks that `claimant` may claim `t` now (the buyer, pending, not expired).
pub fn check_claimable(
    t: &Transfer,
    claimant: &seller::Model,
    now: DateTime<Utc>,
) -> Result<(), TransferError> {
    if claimant.credit_code != t.row.buyer_credit_code {
        return Err(TransferError::WrongParty {
            buyer_name: t.row.buyer_name.clone(),
        });
    }
    match refusal(&t.row, now) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Checks that `claimant` may claim `t` now: [`check_claimable`], and, for a provisional
/// account, that `t` is the transfer it was made from and that no verified account holds its
/// credit code (the goods are then that account's to claim).
pub async fn may_claim(
    db: &impl ConnectionTrait,
    t: &Transfer,
    claimant: &seller::Model,
    now: DateTime<Utc>,
) -> Result<(), TransferError> {
    check_claimable(t, claimant, now)?;
    let Some(only) = crate::standing::provisional_scope(claimant) else {
        return Ok(());
    };
    if only != t.row.id {
        return Err(TransferError::AwaitingVerification { held: false });
    }
    let code = CreditCode::parse(&claimant.credit_code)
        .map_err(|e| StoreError::Corrupt(format!("seller {}: {e}", claimant.id)))?;
    if super::tenants::seller_by_credit_code(db, &code)
        .await?
        .is_some()
    {
        return Err(TransferError::AwaitingVerification { held: true });
    }
    Ok(())
}

/// The receipt a claim records: supplier = the sender, the sender's voucher, items and
/// product facts, and what the claimant adds.
pub fn receipt_for(t: &Transfer, input: ClaimInput) -> Result<NewReceipt, StoreError> {
    let category = CategoryId::parse(&t.row.category_id)
        .map_err(|e| StoreError::Corrupt(format!("transfer {}: category: {e}", t.row.id)))?;
    let items = t
        .items
        .iter()
        .map(|i| {
            TraceCode::parse(&i.code)
                .map(|code| ReceivedItem {
                    code,
                    quantity: i.quantity,
                    uom: i.uom.clone(),
                })
                .map_err(|e| StoreError::Corrupt(format!("transfer {}: code: {e}", t.row.id)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cst = suyuan_core::china_time::CHINA;
    Ok(NewReceipt {
        category,
        supplier_name: Some(t.sender.name.clone()),
        supplier_credit_code: CreditCode::parse(&t.sender.credit_code).ok(),
        voucher_number: t.row.voucher_number.clone(),
        received_at: input
            .received_at
            .unwrap_or_else(|| Utc::now().with_timezone(&cst)),
        product_name: t.row.product_name.clone(),
        model: t.row.model.clone(),
        producer: t.row.producer.clone(),
        certificate_number: input
            .certificate_number
            .or_else(|| t.row.certificate_number.clone()),
        certificate_result: input.certificate_result,
        inspection: input.inspection,
        inspection_notes: input.inspection_notes,
        inspector: input.inspector,
        channel: Channel::Claim,
        items,
        // A claim is dated by the sender's shipment, not back-dated by the buyer.
        backdate_reason: None,
    })
}

/// A claimed transfer and the receipt it became.
#[derive(Clone, Debug)]
pub struct Claimed {
    /// The transfer, now claimed.
    pub transfer: Transfer,
    /// The receipt recorded in the claimant's chain.
    pub receipt: receipts::RecordedReceipt,
}

/// Claims the transfer `token` opens for `claimant`: exactly once. The transfer is taken first
/// by a conditional update (pending → claimed), so of two concurrent claims one wins and the
/// other is told it was already claimed; the receipt is then recorded, and if recording fails
/// the transfer is handed back (pending again) so nothing is half-done.
pub async fn claim(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    claimant: &SellerId,
    token: &str,
    input: ClaimInput,
) -> Result<Claimed, TransferError> {
    let now = Utc::now();
    let t = find_by_token(db, token)
        .await?
        .ok_or(TransferError::NotFound)?;
    let me = seller::Entity::find_by_id(claimant.as_str())
        .one(db)
        .await?
        .ok_or(TransferError::Store(StoreError::NotFound("seller")))?;
    may_claim(db, &t, &me, now).await?;
    let receipt = receipt_for(&t, input)?;
    // One transaction: the transfer is claimed, its receipt recorded on the claimant's chain and
    // linked, or none of it happens.
    let txn = ledger::begin_for_seller(db, claimant).await?;
    let taken = transfer::Entity::update_many()
        .col_expr(transfer::Column::Status, Expr::value("claimed"))
        .col_expr(transfer::Column::ClaimedBy, Expr::value(claimant.as_str()))
        .col_expr(transfer::Column::ClaimedAt, Expr::value(now))
        .filter(transfer::Column::Id.eq(t.row.id.as_str()))
        .filter(transfer::Column::Status.eq("pending"))
        .filter(transfer::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if taken.rows_affected == 0 {
        txn.rollback().await?;
        let fresh = transfer::Entity::find_by_id(t.row.id.as_str())
            .one(db)
            .await?
            .ok_or(TransferError::NotFound)?;
        return Err(refusal(&fresh, now).unwrap_or(TransferError::AlreadyClaimed));
    }
    // Dropping the transaction on any error below rolls all of it back.
    let recorded = receipts::record_in(&txn, catalogue, claimant, receipt).await?;
    transfer::Entity::update_many()
        .col_expr(
            transfer::Column::ClaimedEventId,
            Expr::value(recorded.stored.id.to_string()),
        )
        .filter(transfer::Column::Id.eq(t.row.id.as_str()))
        .exec(&txn)
        .await?;
    let row = transfer::Entity::find_by_id(t.row.id.as_str())
        .one(&txn)
        .await?
        .ok_or(TransferError::NotFound)?;
    txn.commit().await?;
    Ok(Claimed {
        transfer: Transfer { row, ..t },
        receipt: recorded,
    })
}

/// Marks pending transfers past their expiry as expired; answers how many.
pub async fn expire_due(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(transfer::Entity::update_many()
        .col_expr(transfer::Column::Status, Expr::value("expired"))
        .filter(transfer::Column::Status.eq("pending"))
        .filter(transfer::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}

/// When reminders go out: the first `first_after` the sale, then every `every`.
#[derive(Clone, Copy, Debug)]
pub struct ReminderSchedule {
    /// Delay before the first reminder.
    pub first_after: chrono::Duration,
    /// Interval between later reminders.
    pub every: chrono::Duration,
}

/// Pending, unexpired transfers whose next reminder is due at `now`.
pub async fn due_reminders(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    schedule: ReminderSchedule,
    limit: u64,
) -> Result<Vec<Transfer>, StoreError> {
    let rows = transfer::Entity::find()
        .filter(transfer::Column::Status.eq("pending"))
        .filter(transfer::Column::ExpiresAt.gt(now))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(transfer::Column::RemindersSent.eq(0))
                        .add(transfer::Column::CreatedAt.lte(now - schedule.first_after)),
                )
                .add(transfer::Column::LastReminderAt.lte(now - schedule.every)),
        )
        .order_by_asc(transfer::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?;
    with_sender(db, rows).await
}

/// Records that a reminder for `t` goes out now; `false` when another worker already did (so a
/// reminder is sent at most once per round).
pub async fn mark_reminded(
    db: &impl ConnectionTrait,
    t: &Transfer,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = transfer::Entity::update_many()
        .col_expr(
            transfer::Column::RemindersSent,
            Expr::value(t.row.reminders_sent + 1),
        )
        .col_expr(transfer::Column::LastReminderAt, Expr::value(now))
        .filter(transfer::Column::Id.eq(t.row.id.as_str()))
        .filter(transfer::Column::RemindersSent.eq(t.row.reminders_sent))
        .filter(transfer::Column::Status.eq("pending"))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}
