//! The recall flow as one recursive query on the ledger (SQLite and PostgreSQL): the answer
//! when no columnar mirror exists, and the yardstick for the in-memory index of
//! `suyuan-analytics` (same selector, same rows, same gap rule from `suyuan_core::recall`).
//!
//! The events naming the product (less voided records and the declarations voiding them) give
//! the holders; claimed transfers whose shipment or claimed receipt names the product are the
//! edges; a holder nobody transferred the product to is tier 1, and `WITH RECURSIVE` walks the
//! edges tier by tier (at most 64 deep, which also ends a cycle of claims). Each holder's tier is
//! joined from one grouped `tier_of`, not looked up per row: a correlated subquery made
//! PostgreSQL's planner cost the query high enough to JIT-compile it, 3 s for a batch of a few
//! thousand records instead of 20 ms.

use crate::StoreError;
use crate::placeholders;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Statement, Value};
use suyuan_core::division::Jurisdiction;
use suyuan_core::recall::{FlowRow, Gap, RecallFlow, Selector};

/// The `WHERE` condition on `trace_event_codes c` for a selector, with its values.
fn condition(selector: &Selector) -> (String, Vec<Value>) {
    let mut sql = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    match selector {
        Selector::Gtin(g) => {
            sql.push("c.gtin = ?");
            values.push(g.clone().into());
        }
        Selector::Batch { gtin, batch } => {
            sql.push("c.batch = ?");
            values.push(batch.clone().into());
            if let Some(g) = gtin {
                sql.push("c.gtin = ?");
                values.push(g.clone().into());
            }
        }
        Selector::Serial { gtin, serial } => {
            sql.push("c.serial = ?");
            values.push(serial.clone().into());
            if let Some(g) = gtin {
                sql.push("c.gtin = ?");
                values.push(g.clone().into());
            }
        }
        Selector::Code(code) => {
            sql.push("c.code = ?");
            values.push(code.clone().into());
        }
    }
    (sql.join(" AND "), values)
}

/// The recall flow of what `selector` names, traced through every seller; with a jurisdiction,
/// only the records of sellers registered inside it are returned (the tiers are still those of
/// the whole chain).
pub async fn trace(
    db: &impl ConnectionTrait,
    selector: &Selector,
    jurisdiction: Option<&Jurisdiction>,
) -> Result<RecallFlow, StoreError> {
    let (cond, values) = condition(selector);
    let sql = format!(
        r#"WITH RECURSIVE
m AS (
  SELECT e.id AS event_id, e.seller_id AS seller_id, e.record_kind AS record_kind,
         e.event_time AS event_time, e.region AS region, e.buyer_type AS buyer_type,
         SUM(COALESCE(c.quantity, 1.0)) AS quantity
  FROM trace_event_codes c
  JOIN trace_events e ON e.id = c.event_id
  WHERE {cond}
    AND e.record_kind <> 'correction'
    AND NOT EXISTS (SELECT 1 FROM trace_events d
                    WHERE d.corrects_id = e.id AND d.record_kind = 'correction')
  GROUP BY e.id, e.seller_id, e.record_kind, e.event_time, e.region, e.buyer_type
),
edge AS (
  SELECT DISTINCT t.from_seller_id AS from_id, t.claimed_by AS to_id
  FROM transfers t
  WHERE t.status = 'claimed' AND t.claimed_by IS NOT NULL
    AND (t.sale_event_id IN (SELECT event_id FROM m)
         OR t.claimed_event_id IN (SELECT event_id FROM m))
),
tiers(seller_id, tier) AS (
  SELECT DISTINCT m.seller_id, 1 FROM m
  WHERE m.seller_id NOT IN (SELECT to_id FROM edge WHERE to_id <> from_id)
  UNION
  SELECT edge.to_id, tiers.tier + 1 FROM tiers JOIN edge ON edge.from_id = tiers.seller_id
  WHERE tiers.tier < 64
),
tier_of AS (SELECT seller_id, MIN(tier) AS tier FROM tiers GROUP BY seller_id)
SELECT CAST(COALESCE(tier_of.tier, 1) AS INTEGER) AS tier,
       m.seller_id, s.name AS seller_name, s.credit_code, s.division_code,
       m.event_id, m.record_kind, m.event_time, m.region, m.buyer_type, m.quantity,
       t.status AS transfer_status, t.claimed_by
FROM m
JOIN sellers s ON s.id = m.seller_id
LEFT JOIN tier_of ON tier_of.seller_id = m.seller_id
LEFT JOIN transfers t ON t.sale_event_id = m.event_id"#
    );
    let backend = db.get_database_backend();
    let stmt = Statement::from_sql_and_values(backend, placeholders(backend, &sql), values);
    let mut rows = Vec::new();
    for r in db.query_all_raw(stmt).await? {
        let division: String = r.try_get("", "division_code")?;
        if let Some(j) = jurisdiction
            && !division.starts_with(j.as_prefix())
        {
            continue;
        }
        let kind: String = r.try_get("", "record_kind")?;
        let region: Option<String> = r.try_get("", "region")?;
        let status: Option<String> = r.try_get("", "transfer_status")?;
        let claimed_by: Option<String> = r.try_get("", "claimed_by")?;
        let claimed = status
            .as_ref()
            .map(|s| s == "claimed" && claimed_by.is_some());
        let buyer_type: Option<String> = r.try_get("", "buyer_type")?;
        let outgoing = matches!(kind.as_str(), "sale" | "shipment");
        let time: DateTime<Utc> = r.try_get("", "event_time")?;
        let tier: i32 = r.try_get("", "tier")?;
        rows.push(FlowRow {
            tier: u32::try_from(tier).unwrap_or(1),
            seller_id: r.try_get("", "seller_id")?,
            seller_name: Some(r.try_get("", "seller_name")?),
            credit_code: Some(r.try_get("", "credit_code")?),
            seller_division: Some(division),
            event_id: r.try_get("", "event_id")?,
            gap: Gap::of(&kind, region.is_some(), claimed),
            record_kind: kind,
            event_time_ms: time.timestamp_millis(),
            province: region.as_ref().and_then(|r| r.get(..2)).map(str::to_owned),
            city: region.as_ref().and_then(|r| r.get(..4)).map(str::to_owned),
            region,
            customer_type: if outgoing { buyer_type } else { None },
            quantity: r.try_get("", "quantity")?,
            next_seller_id: if claimed == Some(true) {
                claimed_by
            } else {
                None
            },
        });
    }
    let mut flow = RecallFlow { rows };
    flow.sort();
    Ok(flow)
}
