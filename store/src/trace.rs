//! What the ledger knows of one code, for the public trace page, badges and recall look-ups:
//! the events naming it (or its batch), at the level of businesses, the active recall, scan
//! counts and the signs of a cloned code. No consumer data is read.

use super::StoreError;
use crate::entity::{code_scan, recall, seller, trace_event, trace_event_code};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use suyuan_core::codes::TraceCode;
use suyuan_core::custody::{self, CustodyKind, CustodyRecord, Misfit, Standing};

/// The most events a page shows.
pub const MAX_EVENTS: u64 = 200;

/// One event about the code, with its seller.
#[derive(Clone, Debug)]
pub struct CodeEvent {
    /// The stored event.
    pub row: trace_event::Model,
    /// The EPCIS event as JSON.
    pub json: serde_json::Value,
    /// The seller who recorded it.
    pub seller: seller::Model,
    /// Whether a later error declaration corrected it.
    pub corrected: bool,
    /// For a unit code: why this record does not fit the unit's chain of custody (see
    /// [`suyuan_core::custody`]); `None` for the chain's own records.
    pub misfit: Option<Misfit>,
}

/// Everything public about a code.
#[derive(Clone, Debug)]
pub struct CodeFacts {
    /// The code.
    pub code: TraceCode,
    /// Events, oldest first (declarations themselves left out).
    pub events: Vec<CodeEvent>,
    /// The active recall that covers the code, if any.
    pub recall: Option<recall::Model>,
    /// Times the public page of this code was opened.
    pub scans: u64,
    /// Sales to consumers naming this unit (not corrected).
    pub consumer_sales: u32,
    /// Sales and shipments naming this unit (not corrected).
    pub times_sold: u32,
    /// Sellers who recorded receiving this unit.
    pub receiving_sellers: u32,
    /// Shipments between businesses naming this unit.
    pub shipments: u32,
}

impl CodeFacts {
    /// Signs of a cloned unit code: sold to consumers more than once, received by more
    /// sellers than shipments explain, or records that do not fit its chain of custody.
    pub fn suspicious(&self) -> bool {
        self.code.is_unit_level()
            && (self.consumer_sales > 1
                || self.receiving_sellers > self.shipments + 1
                || self.events.iter().any(|e| e.misfit.is_some()))
    }

    /// Whether anything is known of the code.
    pub fn is_registered(&self) -> bool {
        !self.events.is_empty() || self.recall.is_some()
    }

    /// The newest event time.
    pub fn updated(&self) -> Option<DateTime<Utc>> {
        self.events.iter().map(|e| e.row.record_time).max()
    }
}

fn code_condition(code: &TraceCode) -> Condition {
    let canonical = code.to_string();
    match (code.gtin(), code.batch(), code.serial()) {
        // A unit: its own rows, and its batch's quantity rows.
        (Some(g), batch, Some(_)) => {
            let mut c = Condition::any().add(trace_event_code::Column::Code.eq(canonical));
            if let Some(b) = batch {
                c = c.add(
                    Condition::all()
                        .add(trace_event_code::Column::Gtin.eq(g.to_gtin14()))
                        .add(trace_event_code::Column::Batch.eq(b))
                        .add(trace_event_code::Column::Serial.is_null()),
                );
            }
            c
        }
        (Some(g), Some(b), None) => Condition::all()
            .add(trace_event_code::Column::Gtin.eq(g.to_gtin14()))
            .add(trace_event_code::Column::Batch.eq(b)),
        (Some(g), None, None) => {
            Condition::all().add(trace_event_code::Column::Gtin.eq(g.to_gtin14()))
        }
        _ => Condition::all().add(trace_event_code::Column::Code.eq(canonical)),
    }
}

/// The active recall covering a code (GTIN-wide, its batch, or the unit itself).
pub async fn active_recall(
    db: &impl ConnectionTrait,
    code: &TraceCode,
) -> Result<Option<recall::Model>, StoreError> {
    let Some(gtin) = code.gtin() else {
        return Ok(None);
    };
    let recalls = recall::Entity::find()
        .filter(recall::Column::Gtin.eq(gtin.to_gtin14()))
        .filter(recall::Column::Status.eq("active"))
        .order_by_desc(recall::Column::IssuedAt)
        .all(db)
        .await?;
    Ok(recalls.into_iter().find(|r| {
        let batch_ok = match (&r.batch, code.batch()) {
            (None, _) => true,
            (Some(rb), Some(cb)) => rb == cb,
            (Some(_), None) => code.serial().is_none(),
        };
        let serial_ok = match (&r.serial, code.serial()) {
            (None, _) => true,
            (Some(rs), Some(cs)) => rs == cs,
            (Some(_), None) => false,
        };
        batch_ok && serial_ok
    }))
}

/// Gathers the public facts of a code.
pub async fn facts(db: &impl ConnectionTrait, code: &TraceCode) -> Result<CodeFacts, StoreError> {
    let canonical = code.to_string();
    let code_rows = trace_event_code::Entity::find()
        .filter(code_condition(code))
        .order_by_desc(trace_event_code::Column::Id)
        .limit(MAX_EVENTS * 4)
        .all(db)
        .await?;
    let event_ids: BTreeSet<String> = code_rows.iter().map(|r| r.event_id.clone()).collect();
    let rows = if event_ids.is_empty() {
        vec![]
    } else {
        trace_event::Entity::find()
            .filter(trace_event::Column::Id.is_in(event_ids.iter().cloned()))
            .order_by_asc(trace_event::Column::EventTime)
            .all(db)
            .await?
    };
    let declared: HashSet<String> = rows
        .iter()
        .filter(|r| r.record_kind == "correction")
        .filter_map(|r| r.corrects_id.clone())
        .collect();
    // Declarations found through their own code rows, plus ones pointing at our events.
    let more_declared: Vec<Option<String>> = if rows.is_empty() {
        vec![]
    } else {
        trace_event::Entity::find()
            .select_only()
            .column(trace_event::Column::CorrectsId)
            .filter(trace_event::Column::RecordKind.eq("correction"))
            .filter(trace_event::Column::CorrectsId.is_in(rows.iter().map(|r| r.id.clone())))
            .into_tuple()
            .all(db)
            .await?
    };
    let declared: HashSet<String> = declared
        .into_iter()
        .chain(more_declared.into_iter().flatten())
        .collect();
    let seller_ids: BTreeSet<String> = rows.iter().map(|r| r.seller_id.clone()).collect();
    let sellers: HashMap<String, seller::Model> = if seller_ids.is_empty() {
        HashMap::new()
    } else {
        seller::Entity::find()
            .filter(seller::Column::Id.is_in(seller_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect()
    };
    let unit_rows: HashSet<&str> = code_rows
        .iter()
        .filter(|r| r.code == canonical)
        .map(|r| r.event_id.as_str())
        .collect();
    let mut facts = CodeFacts {
        code: code.clone(),
        events: vec![],
        recall: active_recall(db, code).await?,
        scans: code_scan::Entity::find()
            .filter(code_scan::Column::Code.eq(canonical.as_str()))
            .count(db)
            .await?,
        consumer_sales: 0,
        times_sold: 0,
        receiving_sellers: 0,
        shipments: 0,
    };
    let mut receivers = HashSet::new();
    for row in rows
        .into_iter()
        .rev()
        .take(usize::try_from(MAX_EVENTS).unwrap_or(200))
        .rev()
    {
        if row.record_kind == "correction" {
            continue;
        }
        let corrected = declared.contains(&row.id);
        if !corrected && unit_rows.contains(row.id.as_str()) {
            match row.record_kind.as_str() {
                "sale" => {
                    facts.times_sold += 1;
                    facts.consumer_sales += 1;
                }
                "shipment" => {
                    facts.times_sold += 1;
                    facts.shipments += 1;
                }
                "receipt" => {
                    receivers.insert(row.seller_id.clone());
                }
                _ => {}
            }
        }
        let Some(seller) = sellers.get(&row.seller_id).cloned() else {
            continue;
        };
        let json =
            serde_json::from_str(&row.document).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        facts.events.push(CodeEvent {
            row,
            json,
            seller,
            corrected,
            misfit: None,
        });
    }
    facts.receiving_sellers = u32::try_from(receivers.len()).unwrap_or(u32::MAX);
    if code.is_unit_level() {
        mark_misfits(&mut facts.events, &unit_rows);
    }
    Ok(facts)
}

/// The buyer a shipment names: the credit code of its owning-party destination.
fn shipped_to(json: &serde_json::Value) -> Option<String> {
    json["destinationList"].as_array()?.iter().find_map(|d| {
        d["destination"]
            .as_str()?
            .strip_prefix("urn:suyuan:party:")
            .map(str::to_owned)
    })
}

/// The custody rule's view of one stored record.
pub fn custody_record(
    row: &trace_event::Model,
    json: &serde_json::Value,
    seller_credit_code: &str,
    corrected: bool,
) -> CustodyRecord {
    CustodyRecord {
        id: row.id.clone(),
        seller_id: row.seller_id.clone(),
        seller_credit_code: seller_credit_code.to_owned(),
        kind: match row.record_kind.as_str() {
            "receipt" => CustodyKind::Receipt,
            "shipment" => CustodyKind::Shipment {
                to: shipped_to(json),
            },
            _ => CustodyKind::Other,
        },
        event_time: row.event_time,
        corrected,
    }
}

/// Runs the custody rule over the records naming the unit itself, in the order they were
/// recorded, and marks the ones that do not fit.
fn mark_misfits(events: &mut [CodeEvent], unit_rows: &HashSet<&str>) {
    let mut order: Vec<usize> = (0..events.len())
        .filter(|&i| unit_rows.contains(events[i].row.id.as_str()))
        .collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&events[a].row, &events[b].row);
        (a.record_time, &a.id).cmp(&(b.record_time, &b.id))
    });
    let records: Vec<CustodyRecord> = order
        .iter()
        .map(|&i| {
            let e = &events[i];
            custody_record(&e.row, &e.json, &e.seller.credit_code, e.corrected)
        })
        .collect();
    for (standing, i) in custody::classify(&records).into_iter().zip(order) {
        if let Standing::Misfit(m) = standing {
            events[i].misfit = Some(m);
        }
    }
}

/// Stores many anonymous scans in one statement.
pub async fn record_scans(
    db: &impl ConnectionTrait,
    scans: &[(TraceCode, DateTime<Utc>)],
) -> Result<(), StoreError> {
    for chunk in scans.chunks(500) {
        let rows = chunk.iter().map(|(code, at)| code_scan::ActiveModel {
            code: Set(code.to_string()),
            gtin: Set(code.gtin().map(|g| g.to_gtin14())),
            scanned_at: Set(*at),
            ..Default::default()
        });
        code_scan::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Counts one anonymous scan of a code's public page (time only).
pub async fn record_scan(db: &impl ConnectionTrait, code: &TraceCode) -> Result<(), StoreError> {
    code_scan::ActiveModel {
        code: Set(code.to_string()),
        gtin: Set(code.gtin().map(|g| g.to_gtin14())),
        scanned_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Codes whose trace pages exist (registered by some seller), most recently recorded first, at
/// most `limit` and each once: examples for the home page.
pub async fn recent_codes(
    db: &impl ConnectionTrait,
    limit: usize,
) -> Result<Vec<TraceCode>, StoreError> {
    use sea_orm::{EntityTrait as _, QueryOrder as _, QuerySelect as _};
    let rows: Vec<String> = trace_event_code::Entity::find()
        .select_only()
        .column(trace_event_code::Column::Code)
        .order_by_desc(trace_event_code::Column::Id)
        .limit(200)
        .into_tuple()
        .all(db)
        .await?;
    let mut seen = HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|c| seen.insert(c.clone()))
        .filter_map(|c| TraceCode::parse(&c).ok())
        .take(limit)
        .collect())
}

/// The custody rule's records of a unit code: the stored records naming the unit itself, in the
/// order they were recorded, each marked when a later declaration corrected it. Runs on the
/// caller's connection or transaction (a receipt checks itself against them before it is
/// appended).
pub async fn custody_records(
    db: &impl ConnectionTrait,
    code: &TraceCode,
) -> Result<Vec<CustodyRecord>, StoreError> {
    let ids: Vec<String> = trace_event_code::Entity::find()
        .select_only()
        .column(trace_event_code::Column::EventId)
        .filter(trace_event_code::Column::Code.eq(code.to_string()))
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let rows = trace_event::Entity::find()
        .filter(trace_event::Column::Id.is_in(ids.iter().cloned()))
        .filter(trace_event::Column::RecordKind.ne("correction"))
        .order_by_asc(trace_event::Column::RecordTime)
        .order_by_asc(trace_event::Column::Id)
        .all(db)
        .await?;
    let declared: HashSet<String> = trace_event::Entity::find()
        .select_only()
        .column(trace_event::Column::CorrectsId)
        .filter(trace_event::Column::RecordKind.eq("correction"))
        .filter(trace_event::Column::CorrectsId.is_in(rows.iter().map(|r| r.id.clone())))
        .into_tuple::<Option<String>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let credit: HashMap<String, String> = seller::Entity::find()
        .filter(seller::Column::Id.is_in(rows.iter().map(|r| r.seller_id.clone())))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.credit_code))
        .collect();
    rows.iter()
        .map(|row| {
            let json: serde_json::Value = serde_json::from_str(&row.document)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(custody_record(
                row,
                &json,
                credit.get(&row.seller_id).map_or("", String::as_str),
                declared.contains(&row.id),
            ))
        })
        .collect()
}
