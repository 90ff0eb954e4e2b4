//! Receipts from a CSV file, stored fast: codes repeated within the file are refused, then the
//! good rows go to the seller's chain in chunks, each chunk one transaction with one head read,
//! its events chained in memory and written with multi-row `INSERT`s. Each event is built by
//! [`receipts::prepare`], the builder behind `POST /api/v1/receipts`, so an imported receipt is
//! stored exactly as an entered one; suspicious codes are looked up for a whole chunk at once.

use super::{ImportOptions, Progress, RowIssue, Source, Stored};
use crate::db::BulkWriter;
use crate::entity::{seller, trace_event, trace_event_code};
use crate::receipts::{self, InspectionResult, NewReceipt, PreparedReceipt};
use crate::stock::{self, UnitHistory};
use crate::{StoreError, ledger};
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use suyuan_core::catalogue::Catalogue;
use suyuan_core::codes::TraceCode;
use suyuan_core::ids::SellerId;

/// Rows per transaction.
pub const CHUNK_ROWS: usize = 2_000;
/// Codes per `IN (…)` list when looking up histories.
const CODES_PER_LOOKUP: usize = 900;

/// Refuses rows naming a unit code that an earlier row of the file (or the same row) already
/// received: one delivery cannot bring the same unit twice. The first row keeps the code.
///
/// Codes are remembered by a 128-bit digest and the row that first received them (about 40
/// bytes each), so a file of a million unit codes needs about 40 MB here, whatever the codes'
/// length.
#[derive(Debug)]
pub struct Duplicates {
    first_seen: HashMap<[u8; 16], usize>,
    column: String,
}

fn digest(code: &str) -> [u8; 16] {
    use sha2::Digest as _;
    let full = sha2::Sha256::digest(code.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

impl Duplicates {
    /// None seen yet; problems name the file's `code_column`.
    pub fn new(code_column: impl Into<String>) -> Duplicates {
        Duplicates {
            first_seen: HashMap::new(),
            column: code_column.into(),
        }
    }

    /// Passes `receipt` (on spreadsheet row `row`) unless one of its unit codes was received
    /// on an earlier row or twice on this one.
    pub fn check(&mut self, row: usize, receipt: NewReceipt) -> Result<NewReceipt, Vec<RowIssue>> {
        let mut problems = Vec::new();
        let mut in_row: Vec<[u8; 16]> = Vec::new();
        // A refused delivery never enters stock, so its codes do not count.
        let counts = receipt.inspection != Some(InspectionResult::Rejected);
        for item in receipt.items.iter().filter(|i| i.code.is_unit_level()) {
            let code = item.code.to_string();
            let key = digest(&code);
            let earlier = self
                .first_seen
                .get(&key)
                .copied()
                .or_else(|| in_row.contains(&key).then_some(row));
            match earlier {
                Some(first) => problems.push(RowIssue {
                    row,
                    column: self.column.clone(),
                    field: "code".into(),
                    code: "duplicate_in_file".into(),
                    message_zh: format!("{code}：此码已在第 {first} 行登记入库"),
                    message_en: format!("{code}: this code is already received on row {first}"),
                }),
                None => in_row.push(key),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        if counts {
            for key in in_row {
                self.first_seen.insert(key, row);
            }
        }
        Ok(receipt)
    }
}

/// Column labels the report uses for warnings.
#[derive(Clone, Debug, Default)]
pub struct Labels {
    /// The file's name for each field (`code` → `追溯码`).
    pub columns: HashMap<String, String>,
}

impl Labels {
    fn of(&self, field: &str) -> String {
        self.columns
            .get(field)
            .cloned()
            .unwrap_or_else(|| field.to_owned())
    }
}

/// The column a missing data element would be in.
pub fn field_of_element(e: suyuan_core::catalogue::DataElement) -> &'static str {
    use suyuan_core::catalogue::DataElement as D;
    match e {
        D::SupplierName => "supplier_name",
        D::SupplierCreditCode => "supplier_credit_code",
        D::VoucherNumber => "voucher_number",
        D::ReceivedDate => "received_at",
        D::ProductName => "product_name",
        D::Model => "model",
        D::Gtin => "gtin",
        D::Batch => "batch",
        D::Serial => "code",
        D::Quantity => "quantity",
        D::Unit => "unit",
        D::Producer => "producer",
        D::CertificateNumber => "certificate_number",
        D::CertificateResult => "certificate_result",
        D::InspectionResult => "inspection_result",
        D::Inspector => "inspector",
        D::SaleDate => "sold_at",
        D::CodesOrBatch => "code",
        D::BuyerType => "buyer_type",
        D::Region => "buyer_region",
        D::BuyerName => "buyer_name",
        D::BuyerCreditCode => "buyer_credit_code",
        D::ShippingMethod => "shipping_method",
        D::TrackingNumber => "tracking_number",
        D::OrderId | D::ListingUrl => "",
    }
}

/// What the ledger says of many unit codes at once, exactly as [`stock::unit_history`] says it
/// of each: this seller's records declared wrong do not count. Codes are looked up in the code
/// index first; events are read only for the codes found (on a fresh import, none).
pub(crate) async fn unit_histories(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    declared: &HashSet<String>,
    codes: Vec<String>,
) -> Result<HashMap<String, UnitHistory>, StoreError> {
    let mut out: HashMap<String, UnitHistory> = HashMap::new();
    for chunk in codes.chunks(CODES_PER_LOOKUP) {
        let hits: Vec<(String, String, String)> = trace_event_code::Entity::find()
            .select_only()
            .column(trace_event_code::Column::Code)
            .column(trace_event_code::Column::EventId)
            .column(trace_event_code::Column::SellerId)
            .filter(trace_event_code::Column::Code.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        if hits.is_empty() {
            continue;
        }
        let mut ids: Vec<String> = hits.iter().map(|h| h.1.clone()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut kinds: HashMap<String, String> = HashMap::new();
        for ids in ids.chunks(CODES_PER_LOOKUP) {
            let rows: Vec<(String, String)> = trace_event::Entity::find()
                .select_only()
                .column(trace_event::Column::Id)
                .column(trace_event::Column::RecordKind)
                .filter(trace_event::Column::Id.is_in(ids.iter().cloned()))
                .into_tuple()
                .all(db)
                .await?;
            kinds.extend(rows);
        }
        for (code, event_id, seller_id) in hits {
            if seller_id == seller.as_str() && declared.contains(&event_id) {
                continue;
            }
            let Some(kind) = kinds.get(&event_id) else {
                continue;
            };
            let h = out.entry(code).or_default();
            match kind.as_str() {
                "receipt" => {
                    if !h.received_by.contains(&seller_id) {
                        h.received_by.push(seller_id.clone());
                    }
                    if seller_id == seller.as_str() {
                        h.received_here += 1;
                    }
                }
                "sale" | "shipment" => {
                    h.sold_anywhere += 1;
                    if seller_id == seller.as_str() {
                        h.sold_here += 1;
                    }
                }
                "return" if seller_id == seller.as_str() => h.sold_here -= 1,
                _ => {}
            }
        }
    }
    Ok(out)
}

/// One chunk made ready away from the database: each row's unit codes (to look up), the
/// events serialised for the ledger (not in a dry run), and the warnings that need no look-up.
struct PreparedChunk {
    /// Rows read from the file for this chunk (refused ones included).
    read: usize,
    /// Rows in the chunk.
    rows: usize,
    /// Per row: its number and its unit codes, with their item index.
    units: Vec<(usize, Vec<(usize, TraceCode)>)>,
    /// The distinct unit codes, to look up at once.
    codes: Vec<String>,
    /// The events, serialised but not yet chained.
    events: Vec<ledger::UnlinkedEvent>,
    /// Missing required data elements.
    warnings: Vec<RowIssue>,
    /// Good rows not stored again: an earlier import of the file had stored them.
    skipped: usize,
    /// The last spreadsheet row of the chunk's rows to store.
    last_row: usize,
}

/// Builds one chunk: each receipt's event by [`receipts::prepare`] (the API's builder), its
/// missing data elements, and, unless `dry_run`, its serialised ledger rows. Pure CPU work.
fn prepare_chunk(
    catalogue: &Catalogue,
    seller: &seller::Model,
    seller_id: &SellerId,
    rows: Vec<(usize, NewReceipt)>,
    labels: &Labels,
    dry_run: bool,
) -> Result<PreparedChunk, StoreError> {
    let mut warnings = Vec::new();
    let mut events = Vec::with_capacity(if dry_run { 0 } else { rows.len() });
    let mut units = Vec::with_capacity(rows.len());
    let mut codes = Vec::new();
    let n = rows.len();
    let last_row = rows.last().map_or(0, |(row, _)| *row);
    for (row, r) in rows {
        let category = catalogue
            .get(&r.category)
            .ok_or(StoreError::NotFound("category"))?;
        let PreparedReceipt {
            event,
            meta,
            missing,
        } = receipts::prepare(catalogue, category, seller, &r, Utc::now())?;
        for m in missing {
            let field = field_of_element(m);
            warnings.push(RowIssue {
                row,
                column: labels.of(field),
                field: field.into(),
                code: "missing_element".into(),
                message_zh: format!("缺少{}所需的数据元：{}", category.name_zh, m.name_zh()),
                message_en: format!(
                    "{} receipts need the data element `{}`: {}",
                    category.id,
                    m.as_str(),
                    m.name_en()
                ),
            });
        }
        if !dry_run {
            events.push(ledger::UnlinkedEvent::new(seller_id, &event, meta)?);
        }
        let row_units: Vec<(usize, TraceCode)> = r
            .items
            .into_iter()
            .enumerate()
            .filter(|(_, i)| i.code.is_unit_level())
            .map(|(index, i)| (index, i.code))
            .collect();
        codes.extend(row_units.iter().map(|(_, c)| c.to_string()));
        units.push((row, row_units));
    }
    codes.sort_unstable();
    codes.dedup();
    Ok(PreparedChunk {
        read: n,
        rows: n,
        units,
        codes,
        events,
        warnings,
        skipped: 0,
        last_row,
    })
}

/// The suspicious-code warnings of a chunk and the flags they leave, from the ledger's
/// histories of its unit codes.
fn code_warnings(
    chunk: &PreparedChunk,
    histories: &HashMap<String, UnitHistory>,
    seller_id: &SellerId,
    labels: &Labels,
) -> (Vec<RowIssue>, Vec<crate::flags::NewFlag>) {
    let empty = UnitHistory::default();
    let mut warnings = Vec::new();
    let mut flags = Vec::new();
    for (row, units) in &chunk.units {
        for (index, code) in units {
            let h = histories.get(&code.to_string()).unwrap_or(&empty);
            if let Some(w) = receipts::code_warning(*index, code, h, seller_id) {
                flags.push(receipts::flag_of(&w, code, h, seller_id, "import"));
                warnings.push(RowIssue {
                    row: *row,
                    column: labels.of("code"),
                    field: "code".into(),
                    code: w.reason.into(),
                    message_zh: format!("{}：{}", w.code, w.message_zh),
                    message_en: format!("{}: {}", w.code, w.message_en),
                });
            }
        }
    }
    (warnings, flags)
}

/// Chunks prepared ahead of the one being written.
const CHUNKS_AHEAD: usize = 2;

/// Stores the good rows of a receipts file for `seller_id` as `source` reads and checks them,
/// in chunks (one transaction each; with `all_or_nothing`, one transaction for the whole file,
/// rolled back once `refused` is set). With `dry_run`, everything is checked and nothing
/// written. Answers what was stored and the source, read to its end.
///
/// With a `run` ([`super::runs`]), good rows up to `run.stored_through` are not stored again
/// (an earlier import of the same file stored them), and each transaction moves the run on to
/// its last row.
///
/// Two stages run side by side: a blocking thread reads the next chunks from the file, parses,
/// builds and serialises them while the current one is written. Only what depends on the
/// ledger's state is done inside the chunk's transaction, under the seller's chain lock: the
/// look-up of its codes' histories (suspicious codes), the chain head, and one hash per event.
/// At most [`CHUNKS_AHEAD`] chunks wait between the stages, so memory does not grow with the
/// file.
#[allow(clippy::too_many_arguments)]
pub async fn store<S: Source<NewReceipt>>(
    db: &DatabaseConnection,
    catalogue: Arc<Catalogue>,
    seller_id: &SellerId,
    source: S,
    refused: Arc<AtomicBool>,
    labels: Labels,
    options: ImportOptions,
    limit: usize,
    progress: &mut dyn Progress,
    run: Option<&super::runs::Run>,
) -> Result<(Stored, S), StoreError> {
    let seller = seller::Entity::find_by_id(seller_id.as_str())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("seller"))?;
    let region = seller.division_code.clone();
    let labels = Arc::new(labels);
    let declared = stock::declared_events(db, seller_id).await?;
    let all_or_nothing = options.all_or_nothing;

    let (tx, mut rx) =
        tokio::sync::mpsc::channel::<Result<PreparedChunk, StoreError>>(CHUNKS_AHEAD);
    let producer = {
        let (labels, id) = (labels.clone(), seller_id.clone());
        let refused = refused.clone();
        let dry_run = options.dry_run;
        let through = run.map_or(0, |r| r.stored_through);
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut source = source;
            while let Some(mut chunk) = source.next_chunk() {
                let good = chunk.good.len();
                chunk.good.retain(|(row, _)| *row > through);
                let skipped = good - chunk.good.len();
                // All or nothing with a row refused: nothing will be written, the rest of the
                // file is only checked.
                let prepared = if chunk.good.is_empty()
                    || (all_or_nothing && refused.load(Ordering::Relaxed))
                {
                    Ok(PreparedChunk::skipped(chunk.read))
                } else {
                    prepare_chunk(&catalogue, &seller, &id, chunk.good, &labels, dry_run).map(
                        |mut p| {
                            p.read = chunk.read;
                            p
                        },
                    )
                }
                .map(|mut p| {
                    p.skipped = skipped;
                    p
                });
                let failed = prepared.is_err();
                // The writer stopped (it failed): nothing more to prepare.
                if tx.blocking_send(prepared).is_err() || failed {
                    break;
                }
            }
            source
        })
    };

    let mut stored = Stored::new(limit);
    stored.resumed_after_row = run.map(|r| r.stored_through).filter(|n| *n > 0);
    let writer = match options.dry_run {
        true => None,
        false => BulkWriter::open(db).await?,
    };
    // On PostgreSQL the chunks are written with COPY (see `crate::pg`).
    let copy = db.get_database_backend() == sea_orm::DbBackend::Postgres;
    let written = async {
        let conn = writer.as_ref().map_or(db, BulkWriter::conn);
        let whole = if all_or_nothing && !options.dry_run {
            Some(ChunkTxn::begin(conn, seller_id, copy).await?)
        } else {
            None
        };
        while let Some(chunk) = rx.recv().await {
            let chunk = chunk?;
            stored.imported += chunk.skipped;
            stored.imported_before += chunk.skipped;
            if chunk.rows == 0 {
                if let Some(run) = run.filter(|_| whole.is_none()) {
                    super::runs::renew(db, run, Utc::now()).await?;
                }
                progress.advance(chunk.read as u64);
                continue;
            }
            let own = match (&whole, options.dry_run) {
                (None, false) => Some(ChunkTxn::begin(conn, seller_id, copy).await?),
                _ => None,
            };
            let txn = own.as_ref().or(whole.as_ref());
            let codes = chunk.codes.clone();
            let histories = match txn {
                Some(t) => unit_histories(t, seller_id, &declared, codes).await?,
                None => unit_histories(db, seller_id, &declared, codes).await?,
            };
            let (warnings, flags) = code_warnings(&chunk, &histories, seller_id, &labels);
            if let Some(t) = txn {
                let head = ledger::head_of(t, seller_id).await?;
                let batch = ledger::link(head, chunk.events);
                stored.events += t.insert_batch(batch).await?.len();
                crate::flags::record(t, seller_id, &region, &flags, Utc::now()).await?;
                if let Some(run) = run {
                    super::runs::mark(t, run, chunk.last_row, chunk.rows, Utc::now()).await?;
                }
            }
            if let Some(t) = own {
                t.commit().await?;
                if let Some(w) = &writer {
                    w.committed();
                }
            }
            stored.imported += chunk.rows;
            let mut found = warnings;
            found.extend(chunk.warnings);
            found.sort_by_key(|i| i.row);
            stored.warnings.extend(found);
            progress.advance(chunk.read as u64);
        }
        let refused = all_or_nothing && refused.load(Ordering::Relaxed);
        if let Some(t) = whole {
            if refused {
                t.rollback().await?;
            } else {
                t.commit().await?;
            }
        }
        if refused {
            stored.imported = 0;
            stored.imported_before = 0;
            stored.events = 0;
            stored.warnings.clear();
        }
        Ok::<_, StoreError>(())
    }
    .await;
    if let Some(w) = writer {
        let finished = w.finish().await;
        if written.is_ok() {
            finished?;
        }
    }
    // Stops the producer if the writer failed, then waits for it.
    drop(rx);
    let source = producer
        .await
        .map_err(|e| StoreError::Corrupt(format!("import worker failed: {e}")))?;
    written?;
    Ok((stored, source))
}

/// A chunk's transaction, holding the seller's chain lock: sea-orm's, or on PostgreSQL one that
/// writes the chunk's rows with COPY.
enum ChunkTxn {
    Orm(sea_orm::DatabaseTransaction),
    Copy(crate::pg::PgTxn),
}

impl ChunkTxn {
    async fn begin(
        db: &sea_orm::DatabaseConnection,
        seller: &SellerId,
        copy: bool,
    ) -> Result<ChunkTxn, StoreError> {
        Ok(if copy {
            ChunkTxn::Copy(ledger::begin_copy_for_seller(db, seller).await?)
        } else {
            ChunkTxn::Orm(ledger::begin_for_seller(db, seller).await?)
        })
    }

    async fn insert_batch(
        &self,
        batch: ledger::ChainedBatch,
    ) -> Result<Vec<ledger::AppendedEvent>, StoreError> {
        match self {
            ChunkTxn::Orm(t) => ledger::insert_batch(t, batch).await,
            ChunkTxn::Copy(t) => ledger::copy_batch(t, batch).await,
        }
    }

    async fn commit(self) -> Result<(), StoreError> {
        match self {
            ChunkTxn::Orm(t) => Ok(t.commit().await?),
            ChunkTxn::Copy(t) => t.commit().await,
        }
    }

    async fn rollback(self) -> Result<(), StoreError> {
        match self {
            ChunkTxn::Orm(t) => Ok(t.rollback().await?),
            ChunkTxn::Copy(t) => t.rollback().await,
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for ChunkTxn {
    fn get_database_backend(&self) -> sea_orm::DbBackend {
        match self {
            ChunkTxn::Orm(t) => t.get_database_backend(),
            ChunkTxn::Copy(t) => t.get_database_backend(),
        }
    }

    async fn execute_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        match self {
            ChunkTxn::Orm(t) => t.execute_raw(stmt).await,
            ChunkTxn::Copy(t) => t.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        match self {
            ChunkTxn::Orm(t) => t.execute_unprepared(sql).await,
            ChunkTxn::Copy(t) => t.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<Option<sea_orm::QueryResult>, sea_orm::DbErr> {
        match self {
            ChunkTxn::Orm(t) => t.query_one_raw(stmt).await,
            ChunkTxn::Copy(t) => t.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<Vec<sea_orm::QueryResult>, sea_orm::DbErr> {
        match self {
            ChunkTxn::Orm(t) => t.query_all_raw(stmt).await,
            ChunkTxn::Copy(t) => t.query_all_raw(stmt).await,
        }
    }
}

impl PreparedChunk {
    /// A chunk with nothing to store: its rows were all refused, or an all-or-nothing import
    /// already has a refused row.
    fn skipped(read: usize) -> PreparedChunk {
        PreparedChunk {
            read,
            rows: 0,
            units: Vec::new(),
            codes: Vec::new(),
            events: Vec::new(),
            warnings: Vec::new(),
            skipped: 0,
            last_row: 0,
        }
    }
}
