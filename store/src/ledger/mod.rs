//! The trace ledger: each seller's events, append-only and hash-chained.
//!
//! Every event stores the SHA-256 of the previous event's hash and its own canonical EPCIS JSON,
//! so an edit made directly in the database breaks the chain at that event, and [`verify`] names
//! it. The database refuses `UPDATE` and `DELETE` on these tables by trigger; corrections are new
//! events (EPCIS error declarations), never edits.

use super::StoreError;
use crate::entity::{seller, trace_event, trace_event_code};
use crate::scope::SellerScoped;
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, NotSet, QueryFilter, QueryOrder, Set, Statement, TransactionTrait,
    Value,
};
use suyuan_core::codes::TraceCode;
use suyuan_core::division::DivisionCode;
use suyuan_core::epcis::facts::RecordFacts;
use suyuan_core::epcis::{GENESIS_HASH, TraceEvent, canonical_json, chain_hash};
use suyuan_core::ids::{EventId, SellerId};

pub use suyuan_core::record::RecordKind;

/// The role a code plays in an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeRole {
    /// An instance (unit) code in `epcList`.
    Epc,
    /// A class (GTIN + batch) with a quantity.
    Quantity,
    /// The parent of an aggregation.
    Parent,
    /// A child of an aggregation.
    Child,
}

impl CodeRole {
    fn as_str(self) -> &'static str {
        match self {
            CodeRole::Epc => "epc",
            CodeRole::Quantity => "quantity",
            CodeRole::Parent => "parent",
            CodeRole::Child => "child",
        }
    }
}

/// A code an event names, indexed for look-ups by code, GTIN and batch.
#[derive(Clone, Debug)]
pub struct CodeEntry {
    /// Its role.
    pub role: CodeRole,
    /// The code.
    pub code: TraceCode,
    /// For a class: how many.
    pub quantity: Option<f64>,
    /// For a class: unit of measure (UN/CEFACT rec 20).
    pub uom: Option<String>,
}

/// The codes an event names: its EPCs as units, its quantity list as classes with quantities.
pub fn codes_of(event: &TraceEvent) -> Vec<CodeEntry> {
    let mut codes: Vec<CodeEntry> = event
        .epc_list()
        .iter()
        .filter_map(|uri| TraceCode::parse(uri).ok())
        .map(|code| CodeEntry {
            role: CodeRole::Epc,
            code,
            quantity: None,
            uom: None,
        })
        .collect();
    codes.extend(event.quantity_list().iter().filter_map(|q| {
        TraceCode::parse(q.epc_class()).ok().map(|code| CodeEntry {
            role: CodeRole::Quantity,
            code,
            quantity: Some(q.quantity()),
            uom: q.uom().map(|u| u.as_str().to_owned()),
        })
    }));
    codes
}

/// The business facts stored beside an event for queries and scoring.
#[derive(Clone, Debug)]
pub struct RecordMeta {
    /// What the record is.
    pub kind: RecordKind,
    /// Catalogue category, when known.
    pub category: Option<String>,
    /// The region the goods went to (sales) or are at (receipts).
    pub region: Option<DivisionCode>,
    /// `consumer`, `distributor` or `agent`, for sales.
    pub buyer_type: Option<String>,
    /// The record this one corrects.
    pub corrects: Option<EventId>,
    /// When the record had to be registered by.
    pub deadline_at: Option<DateTime<Utc>>,
    /// Required data elements this record lacks.
    pub missing_elements: Vec<String>,
    /// The catalogue version the deadline came from.
    pub catalogue_version: Option<String>,
    /// The codes it names.
    pub codes: Vec<CodeEntry>,
}

/// A stored event.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    /// Our id.
    pub id: EventId,
    /// Whose.
    pub seller_id: SellerId,
    /// Position in the seller's chain, from 1.
    pub seq: i64,
    /// The chain hash, hex.
    pub hash: String,
    /// The event.
    pub event: TraceEvent,
    /// The row (for the columns stored beside the event).
    pub row: trace_event::Model,
}

/// Begins a transaction that holds the seller's chain lock from its first statement.
///
/// The lock is a no-op `UPDATE` of the seller row: on PostgreSQL it takes the row lock, on
/// SQLite it takes the write lock before anything is read, so two appends for one seller can
/// never read the same chain head.
pub async fn begin_for_seller(
    db: &DatabaseConnection,
    seller: &SellerId,
) -> Result<DatabaseTransaction, StoreError> {
    let txn = db.begin().await?;
    lock_chain(&txn, seller).await?;
    Ok(txn)
}

/// [`begin_for_seller`] on PostgreSQL, as a transaction that can also `COPY` rows in
/// ([`copy_batch`]).
pub async fn begin_copy_for_seller(
    db: &DatabaseConnection,
    seller: &SellerId,
) -> Result<crate::pg::PgTxn, StoreError> {
    let txn = crate::pg::PgTxn::begin(db).await?;
    lock_chain(&txn, seller).await?;
    Ok(txn)
}

/// Takes the seller's chain lock (a no-op `UPDATE` of the seller row).
async fn lock_chain(txn: &impl ConnectionTrait, seller: &SellerId) -> Result<(), StoreError> {
    let res = seller::Entity::update_many()
        .col_expr(
            seller::Column::UpdatedAt,
            Expr::col(seller::Column::UpdatedAt),
        )
        .filter(seller::Column::Id.eq(seller.as_str()))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound("seller"));
    }
    Ok(())
}

/// Appends an event to the seller's chain inside a transaction from [`begin_for_seller`].
pub async fn append(
    txn: &DatabaseTransaction,
    seller: &SellerId,
    event: &TraceEvent,
    meta: RecordMeta,
) -> Result<StoredEvent, StoreError> {
    let (seq, prev) = chain_head(txn, seller).await?;
    let prepared = prepare(seller, seq, prev, event, meta)?;
    let row = prepared.row.insert(txn).await?;
    if !prepared.codes.is_empty() {
        trace_event_code::Entity::insert_many(prepared.codes)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(StoredEvent {
        id: prepared.id,
        seller_id: seller.clone(),
        seq,
        hash: prepared.hash,
        event: event.clone(),
        row,
    })
}

/// One event appended by [`append_batch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendedEvent {
    /// Our id.
    pub id: EventId,
    /// Position in the seller's chain.
    pub seq: i64,
    /// The chain hash, hex.
    pub hash: String,
}

/// Bind parameters one multi-row statement may use: under SQLite's 32,766 and PostgreSQL's
/// 65,535, with room to spare.
const MAX_PARAMS_PER_STATEMENT: usize = 30_000;
/// Rows per multi-row statement, whatever the parameter count allows.
const MAX_ROWS_PER_STATEMENT: usize = 1_000;

/// Appends many events, in order, to the seller's chain inside a transaction from
/// [`begin_for_seller`]: the head is read once, the chain is computed in memory, and events and
/// codes go in with multi-row `INSERT`s. Each stored row is exactly what [`append`] would have
/// stored for the same event, so [`verify`] cannot tell the two apart.
pub async fn append_batch(
    txn: &DatabaseTransaction,
    seller: &SellerId,
    events: Vec<(TraceEvent, RecordMeta)>,
) -> Result<Vec<AppendedEvent>, StoreError> {
    let head = head_of(txn, seller).await?;
    let batch = chain_batch(seller, head, events)?;
    insert_batch(txn, batch).await
}

/// Where a seller's chain stands: the next sequence number and the hash to link to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainHead {
    /// The sequence number the next event gets.
    pub next_seq: i64,
    /// The hash the next event links to.
    pub prev_hash: [u8; 32],
}

/// Reads the seller's chain head inside a transaction from [`begin_for_seller`] (which holds
/// the chain lock, so the head cannot move until it ends), or [`begin_copy_for_seller`].
pub async fn head_of(
    txn: &impl ConnectionTrait,
    seller: &SellerId,
) -> Result<ChainHead, StoreError> {
    let (next_seq, prev_hash) = chain_head(txn, seller).await?;
    Ok(ChainHead {
        next_seq,
        prev_hash,
    })
}

/// The `trace_events` columns a batch writes, in order.
const EVENT_COLUMNS: [trace_event::Column; 22] = {
    use trace_event::Column as C;
    [
        C::Id,
        C::SellerId,
        C::Seq,
        C::EpcisEventId,
        C::EventType,
        C::RecordKind,
        C::Action,
        C::BizStep,
        C::Disposition,
        C::EventTime,
        C::EventTimeZoneOffset,
        C::RecordTime,
        C::CategoryId,
        C::Region,
        C::BuyerType,
        C::CorrectsId,
        C::DeadlineAt,
        C::MissingElements,
        C::Document,
        C::PrevHash,
        C::Hash,
        C::CatalogueVersion,
    ]
};
/// Where the chain's own values sit in [`EVENT_COLUMNS`].
const SEQ_AT: usize = 2;
const DOCUMENT_AT: usize = 18;
const PREV_HASH_AT: usize = 19;
const HASH_AT: usize = 20;

/// The `trace_event_codes` columns a batch writes (the id is the database's).
const CODE_COLUMNS: [trace_event_code::Column; 10] = {
    use trace_event_code::Column as C;
    [
        C::EventId,
        C::SellerId,
        C::Role,
        C::Code,
        C::CodeKind,
        C::Gtin,
        C::Batch,
        C::Serial,
        C::Quantity,
        C::Uom,
    ]
};

/// The values of `columns`, taken out of a row.
fn take_values<A: ActiveModelTrait>(
    mut row: A,
    columns: &[<A::Entity as EntityTrait>::Column],
) -> Vec<Value> {
    columns
        .iter()
        .map(|c| row.take(*c).into_value().unwrap_or(Value::String(None)))
        .collect()
}

/// An event serialised for the ledger (canonical document, columns, code rows) but not yet
/// placed in a chain: the expensive, head-independent part of an append, which can run on any
/// thread ahead of the transaction that links and writes it ([`link`]).
pub struct UnlinkedEvent {
    id: EventId,
    document: String,
    values: Vec<Value>,
    codes: Vec<Vec<Value>>,
}

impl UnlinkedEvent {
    /// Serialises `event` for `seller`'s chain.
    pub fn new(
        seller: &SellerId,
        event: &TraceEvent,
        meta: RecordMeta,
    ) -> Result<UnlinkedEvent, StoreError> {
        let s = serialise(seller, event, meta)?;
        let values = take_values(s.row, &EVENT_COLUMNS);
        let codes = s
            .codes
            .into_iter()
            .map(|c| take_values(c, &CODE_COLUMNS))
            .collect();
        Ok(UnlinkedEvent {
            id: s.id,
            document: s.document,
            values,
            codes,
        })
    }
}

/// Events chained in memory after a head, ready for [`insert_batch`].
pub struct ChainedBatch {
    rows: Vec<Vec<Value>>,
    codes: Vec<Vec<Value>>,
    appended: Vec<AppendedEvent>,
}

impl ChainedBatch {
    /// The head after this batch.
    pub fn head_after(&self, before: ChainHead) -> ChainHead {
        match self.appended.last() {
            Some(last) => ChainHead {
                next_seq: last.seq + 1,
                prev_hash: decode_hash(&last.hash).unwrap_or(before.prev_hash),
            },
            None => before,
        }
    }

    /// How many events the batch holds.
    pub fn len(&self) -> usize {
        self.appended.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.appended.is_empty()
    }
}

/// Places serialised events in the chain after `head`: sequence numbers, links and hashes. One
/// SHA-256 per event; the rest was done by [`UnlinkedEvent::new`].
pub fn link(head: ChainHead, events: Vec<UnlinkedEvent>) -> ChainedBatch {
    let mut prev = head.prev_hash;
    let mut rows = Vec::with_capacity(events.len());
    let mut codes = Vec::new();
    let mut appended = Vec::with_capacity(events.len());
    for (seq, mut e) in (head.next_seq..).zip(events) {
        let hash_bytes = chain_hash(&prev, e.document.as_bytes());
        let hash = hex::encode(hash_bytes);
        e.values[SEQ_AT] = seq.into();
        e.values[PREV_HASH_AT] = hex::encode(prev).into();
        e.values[HASH_AT] = hash.clone().into();
        e.values[DOCUMENT_AT] = e.document.into();
        appended.push(AppendedEvent {
            id: e.id,
            seq,
            hash,
        });
        rows.push(e.values);
        codes.extend(e.codes);
        prev = hash_bytes;
    }
    ChainedBatch {
        rows,
        codes,
        appended,
    }
}

/// Computes the chain for `events` after `head`: canonical documents, hashes, rows. Pure CPU
/// work (it may run on a blocking thread); [`insert_batch`] writes the result.
pub fn chain_batch(
    seller: &SellerId,
    head: ChainHead,
    events: Vec<(TraceEvent, RecordMeta)>,
) -> Result<ChainedBatch, StoreError> {
    let unlinked = events
        .into_iter()
        .map(|(event, meta)| UnlinkedEvent::new(seller, &event, meta))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(link(head, unlinked))
}

/// Writes a batch from [`chain_batch`] or [`link`] with multi-row `INSERT`s, inside the
/// transaction whose head it was chained after.
pub async fn insert_batch(
    txn: &DatabaseTransaction,
    batch: ChainedBatch,
) -> Result<Vec<AppendedEvent>, StoreError> {
    use sea_orm::{EntityName as _, IdenStatic as _};
    let events: Vec<&str> = EVENT_COLUMNS.iter().map(|c| c.as_str()).collect();
    let codes: Vec<&str> = CODE_COLUMNS.iter().map(|c| c.as_str()).collect();
    let (event_table, code_table) = (
        trace_event::Entity.table_name(),
        trace_event_code::Entity.table_name(),
    );
    insert_rows(txn, event_table, &events, batch.rows).await?;
    insert_rows(txn, code_table, &codes, batch.codes).await?;
    Ok(batch.appended)
}

/// [`insert_batch`] on PostgreSQL with `COPY` (see [`crate::pg`]), inside the transaction from
/// [`begin_copy_for_seller`] whose head it was chained after.
pub async fn copy_batch(
    txn: &crate::pg::PgTxn,
    batch: ChainedBatch,
) -> Result<Vec<AppendedEvent>, StoreError> {
    use sea_orm::{EntityName as _, IdenStatic as _};
    let events: Vec<&str> = EVENT_COLUMNS.iter().map(|c| c.as_str()).collect();
    let codes: Vec<&str> = CODE_COLUMNS.iter().map(|c| c.as_str()).collect();
    copy_rows(txn, trace_event::Entity.table_name(), &events, &batch.rows).await?;
    copy_rows(
        txn,
        trace_event_code::Entity.table_name(),
        &codes,
        &batch.codes,
    )
    .await?;
    Ok(batch.appended)
}

/// `COPY "table" ("a", "b") FROM STDIN` with the rows in COPY's text format.
async fn copy_rows(
    txn: &crate::pg::PgTxn,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    let statement = format!("COPY \"{table}\" ({}) FROM STDIN", quoted.join(", "));
    let mut data = Vec::with_capacity(rows.len() * 256);
    for row in rows {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                data.push(b'\t');
            }
            crate::pg::copy_field(&mut data, value)?;
        }
        data.push(b'\n');
    }
    let copied = txn.copy_in(&statement, data).await?;
    if copied != rows.len() as u64 {
        return Err(StoreError::Corrupt(format!(
            "COPY into {table} took {copied} rows of {}",
            rows.len()
        )));
    }
    Ok(())
}

/// Inserts rows of values with as few multi-row statements as the bind-parameter limits allow.
async fn insert_rows(
    txn: &DatabaseTransaction,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<(), StoreError> {
    let backend = txn.get_database_backend();
    let per_statement =
        (MAX_PARAMS_PER_STATEMENT / columns.len().max(1)).clamp(1, MAX_ROWS_PER_STATEMENT);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(per_statement).collect();
        let sql = multi_row_insert(backend, table, columns, chunk.len());
        let stmt = Statement::from_sql_and_values(backend, sql, chunk.into_iter().flatten());
        txn.execute_raw(stmt).await?;
    }
    Ok(())
}

/// `INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?)…` with the backend's placeholders.
fn multi_row_insert(backend: DbBackend, table: &str, columns: &[&str], rows: usize) -> String {
    use std::fmt::Write as _;
    let mut sql = String::with_capacity(64 + columns.len() * (24 + rows * 6));
    let _ = write!(sql, "INSERT INTO \"{table}\" (");
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let _ = write!(sql, "\"{c}\"");
    }
    sql.push_str(") VALUES ");
    let mut n = 0usize;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for i in 0..columns.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            n += 1;
            match backend {
                DbBackend::Postgres => {
                    let _ = write!(sql, "${n}");
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

/// The next sequence number and the hash to link to, from the seller's chain head.
async fn chain_head(
    txn: &impl ConnectionTrait,
    seller: &SellerId,
) -> Result<(i64, [u8; 32]), StoreError> {
    let head = trace_event::Entity::secure_find(seller)
        .order_by_desc(trace_event::Column::Seq)
        .one(txn)
        .await?;
    Ok(match &head {
        Some(h) => (h.seq + 1, decode_hash(&h.hash)?),
        None => (1, GENESIS_HASH),
    })
}

/// An event made ready for insertion at a given place in the chain.
struct Prepared {
    id: EventId,
    hash: String,
    row: trace_event::ActiveModel,
    codes: Vec<trace_event_code::ActiveModel>,
}

/// The rows [`append`] stores for one event at `seq`, linked to `prev`.
fn prepare(
    seller: &SellerId,
    seq: i64,
    prev: [u8; 32],
    event: &TraceEvent,
    meta: RecordMeta,
) -> Result<Prepared, StoreError> {
    let Serialised {
        id,
        document,
        mut row,
        codes,
    } = serialise(seller, event, meta)?;
    let hash_bytes = chain_hash(&prev, document.as_bytes());
    let hash = hex::encode(hash_bytes);
    row.seq = Set(seq);
    row.prev_hash = Set(hex::encode(prev));
    row.hash = Set(hash.clone());
    row.document = Set(document);
    Ok(Prepared {
        id,
        hash,
        row,
        codes,
    })
}

/// An event's rows before it has a place in a chain: `seq`, `prev_hash`, `hash` and
/// `document` are left unset in `row`; the canonical document is beside it.
struct Serialised {
    id: EventId,
    document: String,
    row: trace_event::ActiveModel,
    codes: Vec<trace_event_code::ActiveModel>,
}

/// The head-independent part of storing an event: its canonical document, the columns read
/// from it, and the code rows.
fn serialise(
    seller: &SellerId,
    event: &TraceEvent,
    meta: RecordMeta,
) -> Result<Serialised, StoreError> {
    let json = event.to_json();
    let document =
        String::from_utf8(canonical_json(&json)).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let id = EventId::generate();
    let cols = Columns::of(&json)?;
    // The facts columns are what the document says (the verifier re-derives them with the same
    // function); the writer's own values count only where the rule lets a record inherit them.
    let facts = RecordFacts::columns(
        event,
        None,
        &RecordFacts {
            kind: Some(meta.kind),
            category: meta.category,
            region: meta.region.map(|r| r.to_string()),
            buyer_type: meta.buyer_type,
        },
    );
    let row = trace_event::ActiveModel {
        id: Set(id.to_string()),
        seller_id: Set(seller.to_string()),
        seq: NotSet,
        epcis_event_id: Set(cols.event_id),
        event_type: Set(cols.event_type),
        record_kind: Set(facts.kind.unwrap_or(meta.kind).as_str().to_owned()),
        action: Set(cols.action),
        biz_step: Set(cols.biz_step),
        disposition: Set(cols.disposition),
        event_time: Set(cols.event_time),
        event_time_zone_offset: Set(cols.offset),
        record_time: Set(cols.record_time),
        category_id: Set(facts.category),
        region: Set(facts.region),
        buyer_type: Set(facts.buyer_type),
        corrects_id: Set(meta.corrects.map(|c| c.to_string())),
        deadline_at: Set(meta.deadline_at),
        missing_elements: Set(
            serde_json::to_string(&meta.missing_elements).unwrap_or_else(|_| "[]".into())
        ),
        document: NotSet,
        prev_hash: NotSet,
        hash: NotSet,
        catalogue_version: Set(meta.catalogue_version),
    };
    let codes = meta
        .codes
        .iter()
        .map(|c| trace_event_code::ActiveModel {
            event_id: Set(id.to_string()),
            seller_id: Set(seller.to_string()),
            role: Set(c.role.as_str().to_owned()),
            code: Set(c.code.to_string()),
            code_kind: Set(c.code.kind().as_str().to_owned()),
            gtin: Set(c.code.gtin().map(|g| g.to_gtin14())),
            batch: Set(c.code.batch().map(str::to_owned)),
            serial: Set(c.code.serial().map(str::to_owned)),
            quantity: Set(c.quantity),
            uom: Set(c.uom.clone()),
            ..Default::default()
        })
        .collect();
    Ok(Serialised {
        id,
        document,
        row,
        codes,
    })
}

/// Appends one event in its own transaction.
pub async fn append_one(
    db: &DatabaseConnection,
    seller: &SellerId,
    event: &TraceEvent,
    meta: RecordMeta,
) -> Result<StoredEvent, StoreError> {
    let txn = begin_for_seller(db, seller).await?;
    let stored = append(&txn, seller, event, meta).await?;
    txn.commit().await?;
    Ok(stored)
}

fn decode_hash(hex_hash: &str) -> Result<[u8; 32], StoreError> {
    let bytes = hex::decode(hex_hash)
        .map_err(|e| StoreError::Corrupt(format!("hash `{hex_hash}`: {e}")))?;
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("hash `{hex_hash}` is not 32 bytes")))
}

/// The columns stored beside the document, read from the EPCIS JSON itself so that `verify`
/// can re-derive and compare them.
#[derive(Debug, PartialEq, Eq)]
struct Columns {
    event_id: String,
    event_type: String,
    action: Option<String>,
    biz_step: Option<String>,
    disposition: Option<String>,
    event_time: DateTime<Utc>,
    offset: String,
    record_time: DateTime<Utc>,
}

impl Columns {
    fn of(json: &serde_json::Value) -> Result<Columns, StoreError> {
        let s = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let req = |k: &str| s(k).ok_or_else(|| StoreError::Corrupt(format!("event has no `{k}`")));
        let time = |k: &str| -> Result<DateTime<Utc>, StoreError> {
            let raw = req(k)?;
            DateTime::parse_from_rfc3339(&raw)
                .map(|t| t.with_timezone(&Utc).trunc_subsecs(6))
                .map_err(|e| StoreError::Corrupt(format!("`{k}` {raw}: {e}")))
        };
        Ok(Columns {
            event_id: req("eventID")?,
            event_type: req("type")?,
            action: s("action"),
            biz_step: s("bizStep"),
            disposition: s("disposition"),
            event_time: time("eventTime")?,
            offset: req("eventTimeZoneOffset")?,
            record_time: time("recordTime")?,
        })
    }

    fn of_row(m: &trace_event::Model) -> Columns {
        Columns {
            event_id: m.epcis_event_id.clone(),
            event_type: m.event_type.clone(),
            action: m.action.clone(),
            biz_step: m.biz_step.clone(),
            disposition: m.disposition.clone(),
            event_time: m.event_time.trunc_subsecs(6),
            offset: m.event_time_zone_offset.clone(),
            record_time: m.record_time.trunc_subsecs(6),
        }
    }
}

mod facts;
mod purge;
mod purge_derived;
mod read;

pub use purge::{PurgeReport, purge_before};
pub use read::{
    ChainBreak, EventScope, VerifyReport, count_for_seller, events_in_scope, verify,
    verify_against, verify_with,
};
