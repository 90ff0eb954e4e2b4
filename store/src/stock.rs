//! Stock, derived from the ledger: per GTIN and batch, received minus sold, plus returns, with
//! records declared wrong taken out. Also what is known of one unit code.

use super::StoreError;
use crate::entity::{trace_event, trace_event_code};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect,
    RelationTrait,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use suyuan_core::ids::SellerId;

/// One batch of a GTIN in a seller's stock.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchStock {
    /// GTIN-14.
    pub gtin: String,
    /// Batch (lot); `None` for goods recorded by unit code without a batch.
    pub batch: Option<String>,
    /// First received at (FIFO order).
    pub first_received: DateTime<Utc>,
    /// Received, plus returns.
    pub received: f64,
    /// Sold or shipped.
    pub sold: f64,
    /// What is left.
    pub available: f64,
    /// Unit of measure of quantities (UN/CEFACT), when recorded.
    pub uom: Option<String>,
    /// When some of it was last sold or shipped.
    pub last_sold_at: Option<DateTime<Utc>>,
    /// Turnover: the share of what was received that has been sold (0 to 1).
    pub sell_through: f64,
    /// Days since the batch first arrived (how long what is left has been on hand).
    pub age_days: i64,
}

/// A code row joined with its event.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct CodeRow {
    /// Event id (`evt_…`).
    pub event_id: String,
    /// `epc`, `quantity`, `parent`, `child`.
    pub role: String,
    /// GTIN-14, for GS1 codes.
    pub gtin: Option<String>,
    /// Batch.
    pub batch: Option<String>,
    /// Canonical code.
    pub code: String,
    /// Quantity (classes).
    pub quantity: Option<f64>,
    /// Unit of measure.
    pub uom: Option<String>,
    /// The seller.
    pub seller_id: String,
    /// Record kind of the event.
    pub record_kind: String,
    /// The record the event corrects or answers.
    pub corrects_id: Option<String>,
    /// When the event happened.
    pub event_time: DateTime<Utc>,
}

/// Code rows matching `filter`, with their events.
pub async fn code_rows(
    db: &impl ConnectionTrait,
    filter: Condition,
) -> Result<Vec<CodeRow>, StoreError> {
    Ok(trace_event_code::Entity::find()
        .select_only()
        .column(trace_event_code::Column::EventId)
        .column(trace_event_code::Column::Role)
        .column(trace_event_code::Column::Gtin)
        .column(trace_event_code::Column::Batch)
        .column(trace_event_code::Column::Code)
        .column(trace_event_code::Column::Quantity)
        .column(trace_event_code::Column::Uom)
        .column(trace_event_code::Column::SellerId)
        .column(trace_event::Column::RecordKind)
        .column(trace_event::Column::CorrectsId)
        .column(trace_event::Column::EventTime)
        .join(JoinType::InnerJoin, trace_event_code::Relation::Event.def())
        .filter(filter)
        .into_model::<CodeRow>()
        .all(db)
        .await?)
}

/// Events that a later error declaration says did not happen or were wrong (their data no
/// longer counts; a corrective event carries the right data).
pub async fn declared_events(
    db: &impl ConnectionTrait,
    seller: &SellerId,
) -> Result<HashSet<String>, StoreError> {
    let rows: Vec<Option<String>> = trace_event::Entity::find()
        .select_only()
        .column(trace_event::Column::CorrectsId)
        .filter(trace_event::Column::SellerId.eq(seller.as_str()))
        .filter(trace_event::Column::RecordKind.eq("correction"))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().flatten().collect())
}

/// The sign a record kind gives a quantity in stock.
fn direction(kind: &str) -> f64 {
    match kind {
        "receipt" | "return" => 1.0,
        "sale" | "shipment" => -1.0,
        _ => 0.0,
    }
}

/// A seller's stock of one GTIN, batch by batch, oldest first (the FIFO order).
pub async fn batches_for_gtin(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    gtin14: &str,
) -> Result<Vec<BatchStock>, StoreError> {
    let declared = declared_events(db, seller).await?;
    let rows = code_rows(
        db,
        Condition::all()
            .add(trace_event_code::Column::SellerId.eq(seller.as_str()))
            .add(trace_event_code::Column::Gtin.eq(gtin14)),
    )
    .await?;
    Ok(summarise(rows, &declared)
        .into_iter()
        .filter(|b| b.gtin == gtin14)
        .collect())
}

/// A seller's whole stock, by GTIN and batch.
pub async fn all_batches(
    db: &impl ConnectionTrait,
    seller: &SellerId,
) -> Result<Vec<BatchStock>, StoreError> {
    let declared = declared_events(db, seller).await?;
    let rows = code_rows(
        db,
        Condition::all()
            .add(trace_event_code::Column::SellerId.eq(seller.as_str()))
            .add(trace_event_code::Column::Gtin.is_not_null()),
    )
    .await?;
    Ok(summarise(rows, &declared))
}

fn summarise(rows: Vec<CodeRow>, declared: &HashSet<String>) -> Vec<BatchStock> {
    let mut map: BTreeMap<(String, Option<String>), BatchStock> = BTreeMap::new();
    for r in rows {
        if declared.contains(&r.event_id) || !matches!(r.role.as_str(), "epc" | "quantity") {
            continue;
        }
        let sign = direction(&r.record_kind);
        if sign == 0.0 {
            continue;
        }
        let Some(gtin) = r.gtin.clone() else { continue };
        let qty = r.quantity.unwrap_or(1.0);
        let entry = map
            .entry((gtin.clone(), r.batch.clone()))
            .or_insert_with(|| BatchStock {
                gtin,
                batch: r.batch.clone(),
                first_received: r.event_time,
                received: 0.0,
                sold: 0.0,
                available: 0.0,
                uom: r.uom.clone(),
                last_sold_at: None,
                sell_through: 0.0,
                age_days: 0,
            });
        if sign > 0.0 {
            entry.received += qty;
            if r.record_kind == "receipt" && r.event_time < entry.first_received {
                entry.first_received = r.event_time;
            }
        } else {
            entry.sold += qty;
            if entry.last_sold_at.is_none_or(|t| t < r.event_time) {
                entry.last_sold_at = Some(r.event_time);
            }
        }
        entry.available = entry.received - entry.sold;
        if entry.uom.is_none() {
            entry.uom = r.uom;
        }
    }
    let now = Utc::now();
    let mut out: Vec<BatchStock> = map
        .into_values()
        .map(|mut b| {
            b.sell_through = if b.received > 0.0 {
                (b.sold / b.received).clamp(0.0, 1.0)
            } else {
                0.0
            };
            b.age_days = (now - b.first_received).num_days().max(0);
            b
        })
        .collect();
    out.sort_by(|a, b| {
        a.first_received
            .cmp(&b.first_received)
            .then_with(|| a.batch.cmp(&b.batch))
    });
    out
}

/// What the ledger says of one unit code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UnitHistory {
    /// Sellers who recorded receiving it (a code received by two sellers is suspicious).
    pub received_by: Vec<String>,
    /// How many times this seller received it.
    pub received_here: usize,
    /// How many times this seller sold or shipped it (net of returns).
    pub sold_here: i64,
    /// How many sale or shipment records name it anywhere.
    pub sold_anywhere: usize,
}

/// The history of a unit code, from this seller's point of view.
pub async fn unit_history(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    code: &str,
) -> Result<UnitHistory, StoreError> {
    let declared = declared_events(db, seller).await?;
    let rows = code_rows(
        db,
        Condition::all().add(trace_event_code::Column::Code.eq(code)),
    )
    .await?;
    let mut h = UnitHistory::default();
    for r in rows {
        if r.seller_id == seller.as_str() && declared.contains(&r.event_id) {
            continue;
        }
        match r.record_kind.as_str() {
            "receipt" => {
                if !h.received_by.contains(&r.seller_id) {
                    h.received_by.push(r.seller_id.clone());
                }
                if r.seller_id == seller.as_str() {
                    h.received_here += 1;
                }
            }
            "sale" | "shipment" => {
                h.sold_anywhere += 1;
                if r.seller_id == seller.as_str() {
                    h.sold_here += 1;
                }
            }
            "return" if r.seller_id == seller.as_str() => h.sold_here -= 1,
            _ => {}
        }
    }
    Ok(h)
}
