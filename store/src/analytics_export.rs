//! Reading the ledger and the few mutable tables analytics mirrors, in pages, as plain rows.
//!
//! The columnar mirror (`suyuan-analytics`) reads the store only through these functions, so no
//! sea-orm type reaches it. Every read is a keyset page (`WHERE id > :after ORDER BY id LIMIT
//! :n`, on the primary key's index): no `OFFSET`, so the last page of ten million events costs
//! what the first does. This is an operator's whole-installation read (the mirror is not served
//! to tenants as is), like `suyuan verify` and `suyuan purge`.
//!
//! Event ids are ULIDs (`evt_<ULID>`), generated when an event is prepared: their order is the
//! order of creation, which is what lets the mirror append "everything after the last id it
//! holds" ([`events_page`] with `before`, see there).

use crate::StoreError;
use crate::entity::{
    code_flag, listing, recall, sale, sale_line, seller, submission, trace_event, trace_event_code,
    transfer,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

/// One trace event, with the columns analytics reads (not the EPCIS document or the hashes).
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct EventRow {
    /// Event id (`evt_<ULID>`).
    pub id: String,
    /// The seller whose chain holds it.
    pub seller_id: String,
    /// Position in that chain.
    pub seq: i64,
    /// `receipt`, `sale`, `shipment`, `return`, `correction`, …
    pub record_kind: String,
    /// When it happened.
    pub event_time: DateTime<Utc>,
    /// When it was registered.
    pub record_time: DateTime<Utc>,
    /// Registration deadline.
    pub deadline_at: Option<DateTime<Utc>>,
    /// Catalogue category.
    pub category_id: Option<String>,
    /// Six-digit division code where it happened.
    pub region: Option<String>,
    /// `consumer` or `business`.
    pub buyer_type: Option<String>,
    /// The event a correction corrects.
    pub corrects_id: Option<String>,
    /// JSON array of missing required data elements.
    pub missing_elements: String,
}

/// One code an event names.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct EventCodeRow {
    /// The event.
    pub event_id: String,
    /// Its seller.
    pub seller_id: String,
    /// The code as registered.
    pub code: String,
    /// GTIN it carries.
    pub gtin: Option<String>,
    /// Batch.
    pub batch: Option<String>,
    /// Serial.
    pub serial: Option<String>,
    /// Quantity (null for a unit code: one).
    pub quantity: Option<f64>,
}

/// A page of events and the codes they name.
#[derive(Debug, Default)]
pub struct EventsPage {
    /// Events in id order.
    pub events: Vec<EventRow>,
    /// Their codes, in event order.
    pub codes: Vec<EventCodeRow>,
}

/// The next page of events with `after < id < before` in id order, at most `limit`, and their
/// codes. `after` is the last id the caller holds (none: from the start). `before` bounds the
/// read to ids created before a moment (`before_id`), so an event prepared earlier but
/// committed later than the read cannot be skipped: the caller passes a moment older than any
/// transaction still open.
pub async fn events_page<C: ConnectionTrait>(
    db: &C,
    after: Option<&str>,
    before: Option<&str>,
    limit: u64,
) -> Result<EventsPage, StoreError> {
    let mut query = trace_event::Entity::find()
        .select_only()
        .columns([
            trace_event::Column::Id,
            trace_event::Column::SellerId,
            trace_event::Column::Seq,
            trace_event::Column::RecordKind,
            trace_event::Column::EventTime,
            trace_event::Column::RecordTime,
            trace_event::Column::DeadlineAt,
            trace_event::Column::CategoryId,
            trace_event::Column::Region,
            trace_event::Column::BuyerType,
            trace_event::Column::CorrectsId,
            trace_event::Column::MissingElements,
        ])
        .order_by_asc(trace_event::Column::Id)
        .limit(limit.max(1));
    if let Some(after) = after {
        query = query.filter(trace_event::Column::Id.gt(after));
    }
    if let Some(before) = before {
        query = query.filter(trace_event::Column::Id.lt(before));
    }
    let events = query.into_model::<EventRow>().all(db).await?;
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        return Ok(EventsPage::default());
    };
    let codes = trace_event_code::Entity::find()
        .select_only()
        .columns([
            trace_event_code::Column::EventId,
            trace_event_code::Column::SellerId,
            trace_event_code::Column::Code,
            trace_event_code::Column::Gtin,
            trace_event_code::Column::Batch,
            trace_event_code::Column::Serial,
            trace_event_code::Column::Quantity,
        ])
        .filter(trace_event_code::Column::EventId.gte(first.id.as_str()))
        .filter(trace_event_code::Column::EventId.lte(last.id.as_str()))
        .order_by_asc(trace_event_code::Column::EventId)
        .order_by_asc(trace_event_code::Column::Id)
        .into_model::<EventCodeRow>()
        .all(db)
        .await?;
    Ok(EventsPage { events, codes })
}

/// The smallest event id created at or after `moment` (ULIDs sort by their time part): ids
/// below it were created before `moment`.
pub fn before_id(moment: DateTime<Utc>) -> String {
    let ms = u64::try_from(moment.timestamp_millis()).unwrap_or(0);
    format!("evt_{}", ulid::Ulid::from_parts(ms, 0))
}

/// One sale, with what analytics derives from its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct SaleRow {
    /// Sale id.
    pub id: String,
    /// Seller.
    pub seller_id: String,
    /// Marketplace, or `offline`.
    pub platform: String,
    /// Order status.
    pub status: String,
    /// `consumer` or `business`.
    pub buyer_type: String,
    /// Delivery region.
    pub region: Option<String>,
    /// Category of the first traced line.
    pub category_id: Option<String>,
    /// When ordered.
    pub ordered_at: Option<DateTime<Utc>>,
    /// When it was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// When registered.
    pub completed_at: Option<DateTime<Utc>>,
    /// Deadline.
    pub deadline_at: Option<DateTime<Utc>>,
    /// Its trace event.
    pub event_id: Option<String>,
    /// Units sold less refunds.
    pub quantity: i64,
}

#[derive(FromQueryResult)]
struct SaleCols {
    id: String,
    seller_id: String,
    platform: String,
    status: String,
    buyer_type: String,
    region: Option<String>,
    ordered_at: Option<DateTime<Utc>>,
    paid_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    deadline_at: Option<DateTime<Utc>>,
    event_id: Option<String>,
}

/// The next page of sales after `after` (sale id), with category and quantity from their lines.
pub async fn sales_page<C: ConnectionTrait>(
    db: &C,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<SaleRow>, StoreError> {
    let mut query = sale::Entity::find()
        .select_only()
        .columns([
            sale::Column::Id,
            sale::Column::SellerId,
            sale::Column::Platform,
            sale::Column::Status,
            sale::Column::BuyerType,
            sale::Column::Region,
            sale::Column::OrderedAt,
            sale::Column::PaidAt,
            sale::Column::CompletedAt,
            sale::Column::DeadlineAt,
            sale::Column::EventId,
        ])
        .order_by_asc(sale::Column::Id)
        .limit(limit.clamp(1, 1000));
    if let Some(after) = after {
        query = query.filter(sale::Column::Id.gt(after));
    }
    let sales = query.into_model::<SaleCols>().all(db).await?;
    let ids: Vec<&str> = sales.iter().map(|s| s.id.as_str()).collect();
    let lines: Vec<(String, Option<String>, i32, i32)> = if ids.is_empty() {
        Vec::new()
    } else {
        sale_line::Entity::find()
            .select_only()
            .columns([
                sale_line::Column::SaleId,
                sale_line::Column::CategoryId,
                sale_line::Column::Quantity,
                sale_line::Column::RefundedQuantity,
            ])
            .filter(sale_line::Column::SaleId.is_in(ids))
            .order_by_asc(sale_line::Column::Id)
            .into_tuple()
            .all(db)
            .await?
    };
    let mut per_sale: HashMap<String, (Option<String>, i64)> = HashMap::new();
    for (sale_id, category, quantity, refunded) in lines {
        let entry = per_sale.entry(sale_id).or_default();
        if entry.0.is_none() {
            entry.0 = category;
        }
        entry.1 += i64::from(quantity) - i64::from(refunded);
    }
    Ok(sales
        .into_iter()
        .map(|s| {
            let (category_id, quantity) = per_sale.remove(&s.id).unwrap_or_default();
            SaleRow {
                id: s.id,
                seller_id: s.seller_id,
                platform: s.platform,
                status: s.status,
                buyer_type: s.buyer_type,
                region: s.region,
                category_id,
                ordered_at: s.ordered_at,
                paid_at: s.paid_at,
                completed_at: s.completed_at,
                deadline_at: s.deadline_at,
                event_id: s.event_id,
                quantity,
            }
        })
        .collect())
}

/// One B2B transfer.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct TransferRow {
    /// Transfer id.
    pub id: String,
    /// Selling seller.
    pub from_seller_id: String,
    /// The sale event.
    pub sale_event_id: String,
    /// Category.
    pub category_id: String,
    /// `pending`, `claimed`, `expired`, `cancelled`.
    pub status: String,
    /// When sold.
    pub sold_at: DateTime<Utc>,
    /// Claiming seller.
    pub claimed_by: Option<String>,
    /// When claimed.
    pub claimed_at: Option<DateTime<Utc>>,
    /// The claim's receipt event.
    pub claimed_event_id: Option<String>,
    /// Reminders sent.
    pub reminders_sent: i32,
    /// Last reminder.
    pub last_reminder_at: Option<DateTime<Utc>>,
}

/// The next page of transfers after `after`.
pub async fn transfers_page<C: ConnectionTrait>(
    db: &C,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<TransferRow>, StoreError> {
    let mut query = transfer::Entity::find()
        .select_only()
        .columns([
            transfer::Column::Id,
            transfer::Column::FromSellerId,
            transfer::Column::SaleEventId,
            transfer::Column::CategoryId,
            transfer::Column::Status,
            transfer::Column::SoldAt,
            transfer::Column::ClaimedBy,
            transfer::Column::ClaimedAt,
            transfer::Column::ClaimedEventId,
            transfer::Column::RemindersSent,
            transfer::Column::LastReminderAt,
        ])
        .order_by_asc(transfer::Column::Id)
        .limit(limit.max(1));
    if let Some(after) = after {
        query = query.filter(transfer::Column::Id.gt(after));
    }
    Ok(query.into_model::<TransferRow>().all(db).await?)
}

/// One listing.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct ListingRow {
    /// Listing id.
    pub id: String,
    /// Seller.
    pub seller_id: String,
    /// Category.
    pub category_id: Option<String>,
    /// Shop status (`active`, …).
    pub status: String,
    /// The trace code it shows.
    pub trace_code: Option<String>,
}

/// The next page of listings after `after`.
pub async fn listings_page<C: ConnectionTrait>(
    db: &C,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<ListingRow>, StoreError> {
    let mut query = listing::Entity::find()
        .select_only()
        .columns([
            listing::Column::Id,
            listing::Column::SellerId,
            listing::Column::CategoryId,
            listing::Column::Status,
            listing::Column::TraceCode,
        ])
        .order_by_asc(listing::Column::Id)
        .limit(limit.max(1));
    if let Some(after) = after {
        query = query.filter(listing::Column::Id.gt(after));
    }
    Ok(query.into_model::<ListingRow>().all(db).await?)
}

/// One seller.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct SellerRow {
    /// Seller id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Division code.
    pub division_code: String,
    /// Seller type.
    pub seller_type: String,
}

/// The next page of sellers after `after`.
pub async fn sellers_page<C: ConnectionTrait>(
    db: &C,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<SellerRow>, StoreError> {
    let mut query = seller::Entity::find()
        .select_only()
        .columns([
            seller::Column::Id,
            seller::Column::Name,
            seller::Column::DivisionCode,
            seller::Column::SellerType,
        ])
        .order_by_asc(seller::Column::Id)
        .limit(limit.max(1));
    if let Some(after) = after {
        query = query.filter(seller::Column::Id.gt(after));
    }
    Ok(query.into_model::<SellerRow>().all(db).await?)
}

/// One trace-platform submission.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct SubmissionRow {
    /// Row id (the keyset).
    pub id: i64,
    /// Seller.
    pub seller_id: String,
    /// Event.
    pub event_id: String,
    /// Status.
    pub status: String,
}

/// The next page of submissions after row `after`.
pub async fn submissions_page<C: ConnectionTrait>(
    db: &C,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<SubmissionRow>, StoreError> {
    let mut query = submission::Entity::find()
        .select_only()
        .columns([
            submission::Column::Id,
            submission::Column::SellerId,
            submission::Column::EventId,
            submission::Column::Status,
        ])
        .order_by_asc(submission::Column::Id)
        .limit(limit.max(1));
    if let Some(after) = after {
        query = query.filter(submission::Column::Id.gt(after));
    }
    Ok(query.into_model::<SubmissionRow>().all(db).await?)
}

/// One suspicious-code flag.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct FlagRow {
    /// Row id (the keyset).
    pub id: i64,
    /// Seller.
    pub seller_id: String,
    /// Code.
    pub code: String,
    /// Reason.
    pub reason: String,
    /// Event that raised it.
    pub event_id: Option<String>,
}

/// The next page of flags after row `after`.
pub async fn flags_page<C: ConnectionTrait>(
    db: &C,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<FlagRow>, StoreError> {
    let mut query = code_flag::Entity::find()
        .select_only()
        .columns([
            code_flag::Column::Id,
            code_flag::Column::SellerId,
            code_flag::Column::Code,
            code_flag::Column::Reason,
            code_flag::Column::EventId,
        ])
        .order_by_asc(code_flag::Column::Id)
        .limit(limit.max(1));
    if let Some(after) = after {
        query = query.filter(code_flag::Column::Id.gt(after));
    }
    Ok(query.into_model::<FlagRow>().all(db).await?)
}

/// One recall.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct RecallRow {
    /// Recall id.
    pub id: String,
    /// GTIN.
    pub gtin: String,
    /// Batch.
    pub batch: Option<String>,
    /// Serial.
    pub serial: Option<String>,
    /// Status.
    pub status: String,
}

/// The next page of recalls after `after`.
pub async fn recalls_page<C: ConnectionTrait>(
    db: &C,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<RecallRow>, StoreError> {
    let mut query = recall::Entity::find()
        .select_only()
        .columns([
            recall::Column::Id,
            recall::Column::Gtin,
            recall::Column::Batch,
            recall::Column::Serial,
            recall::Column::Status,
        ])
        .order_by_asc(recall::Column::Id)
        .limit(limit.max(1));
    if let Some(after) = after {
        query = query.filter(recall::Column::Id.gt(after));
    }
    Ok(query.into_model::<RecallRow>().all(db).await?)
}

/// Takes (or renews) the lease `name` for `holder` until `now + ttl` when nobody else holds it
/// past `now`; answers whether `holder` holds it. One statement each, so two instances racing
/// for it cannot both win (the row's update is atomic on both engines).
pub async fn try_lease<C: ConnectionTrait>(
    db: &C,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> Result<bool, StoreError> {
    use sea_orm::{DbBackend, Statement, Value};
    let backend = db.get_database_backend();
    let (insert, update) = match backend {
        DbBackend::Postgres => (
            "INSERT INTO analytics_leases (name, holder, leased_until) VALUES ($1, NULL, NULL) \
             ON CONFLICT (name) DO NOTHING",
            "UPDATE analytics_leases SET holder = $1, leased_until = $2 \
             WHERE name = $3 AND (leased_until IS NULL OR leased_until < $4 OR holder = $5)",
        ),
        _ => (
            "INSERT INTO analytics_leases (name, holder, leased_until) VALUES (?, NULL, NULL) \
             ON CONFLICT (name) DO NOTHING",
            "UPDATE analytics_leases SET holder = ?, leased_until = ? \
             WHERE name = ? AND (leased_until IS NULL OR leased_until < ? OR holder = ?)",
        ),
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        insert,
        [Value::from(name)],
    ))
    .await?;
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            update,
            [
                Value::from(holder),
                Value::from(now + ttl),
                Value::from(name),
                Value::from(now),
                Value::from(holder),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the lease `name` back if `holder` holds it.
pub async fn release_lease<C: ConnectionTrait>(
    db: &C,
    name: &str,
    holder: &str,
) -> Result<(), StoreError> {
    use sea_orm::{DbBackend, Statement, Value};
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE analytics_leases SET holder = NULL, leased_until = NULL WHERE name = $1 AND holder = $2"
        }
        _ => {
            "UPDATE analytics_leases SET holder = NULL, leased_until = NULL WHERE name = ? AND holder = ?"
        }
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [Value::from(name), Value::from(holder)],
    ))
    .await?;
    Ok(())
}
