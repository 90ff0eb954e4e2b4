//! Receipts from a CSV file, stored fast: codes repeated within the file are refused, then the
//! good rows go to the seller's chain in chunks, each chunk one transaction with one head read,
//! its events chained in memory and written with multi-row `INSERT`s. Each event is built by
//! [`receipts::prepare`], the builder behind `POST /api/v1/receipts`, so an imported receipt is
//! stored exactly as an entered one; suspicious codes are looked up for a whole chunk at once.

use super::{Checked, ImportOptions, Progress, RowIssue, Stored};
use crate::catalogue::{Catalogue, Category, CategoryId};
use crate::entity::{seller, trace_event, trace_event_code};
use crate::ids::SellerId;
use crate::store::receipts::{self, InspectionResult, NewReceipt, PreparedReceipt};
use crate::store::stock::{self, UnitHistory};
use crate::store::{StoreError, ledger};
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Rows per transaction.
pub const CHUNK_ROWS: usize = 2_000;
/// Codes per `IN (…)` list when looking up histories.
const CODES_PER_LOOKUP: usize = 900;

/// Refuses rows naming a unit code that an earlier row of the file (or the same row) already
/// received: one delivery cannot bring the same unit twice. The first row keeps the code.
pub fn refuse_duplicates(checked: &mut Checked<NewReceipt>, code_column: &str) {
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut keep = Vec::with_capacity(checked.good.len());
    for (row, receipt) in std::mem::take(&mut checked.good) {
        let mut problems = Vec::new();
        let mut in_row = Vec::new();
        // A refused delivery never enters stock, so its codes do not count.
        let counts = receipt.inspection != Some(InspectionResult::Rejected);
        for item in receipt.items.iter().filter(|i| i.code.is_unit_level()) {
            let code = item.code.to_string();
            let earlier = first_seen
                .get(&code)
                .copied()
                .or_else(|| in_row.contains(&code).then_some(row));
            match earlier {
                Some(first) => problems.push(RowIssue {
                    row,
                    column: code_column.to_owned(),
                    field: "code".into(),
                    code: "duplicate_in_file".into(),
                    message_zh: format!("{code}：此码已在第 {first} 行登记入库"),
                    message_en: format!("{code}: this code is already received on row {first}"),
                }),
                None => in_row.push(code),
            }
        }
        if problems.is_empty() {
            if counts {
                for code in in_row {
                    first_seen.insert(code, row);
                }
            }
            keep.push((row, receipt));
        } else {
            checked.rejected.extend(problems);
        }
    }
    checked.rejected.sort_by_key(|i| i.row);
    checked.good = keep;
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
pub fn field_of_element(e: crate::catalogue::DataElement) -> &'static str {
    use crate::catalogue::DataElement as D;
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

/// On SQLite, gives the import's connection a larger page cache (32 MiB), so index pages stay
/// in memory across a chunk's inserts instead of being read back from disk.
async fn widen_cache(txn: &sea_orm::DatabaseTransaction) -> Result<(), StoreError> {
    if txn.get_database_backend() == sea_orm::DbBackend::Sqlite {
        txn.execute_unprepared("PRAGMA cache_size = -32768").await?;
    }
    Ok(())
}

/// What building one chunk gives: the events, the rows' warnings and the suspicious codes.
type ChunkOut = (
    Vec<(crate::epcis::TraceEvent, ledger::RecordMeta)>,
    Vec<RowIssue>,
    Vec<crate::store::flags::NewFlag>,
);

/// Builds the events of one chunk, with their warnings. Pure CPU work.
fn build_chunk(
    catalogue: &Catalogue,
    categories: &HashMap<CategoryId, Category>,
    seller: &seller::Model,
    seller_id: &SellerId,
    rows: &[(usize, NewReceipt)],
    histories: &HashMap<String, UnitHistory>,
    labels: &Labels,
) -> Result<ChunkOut, StoreError> {
    let empty = UnitHistory::default();
    let mut warnings = Vec::new();
    let mut flags = Vec::new();
    let mut events = Vec::with_capacity(rows.len());
    for (row, r) in rows {
        let category = categories
            .get(&r.category)
            .ok_or(StoreError::NotFound("category"))?;
        for (index, item) in r.items.iter().enumerate() {
            if !item.code.is_unit_level() {
                continue;
            }
            let h = histories.get(&item.code.to_string()).unwrap_or(&empty);
            if let Some(w) = receipts::code_warning(index, &item.code, h, seller_id) {
                flags.push(receipts::flag_of(&w, &item.code, h, seller_id, "import"));
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
        let PreparedReceipt {
            event,
            meta,
            missing,
        } = receipts::prepare(catalogue, category, seller, r, Utc::now())?;
        for m in missing {
            let field = field_of_element(m);
            warnings.push(RowIssue {
                row: *row,
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
        events.push((event, meta));
    }
    Ok((events, warnings, flags))
}

/// Stores the good rows of a receipts file for `seller_id`, in chunks of [`CHUNK_ROWS`] (one
/// transaction each; with `all_or_nothing`, one transaction for the whole file). With `dry_run`,
/// everything is checked and nothing written.
pub async fn store(
    db: &DatabaseConnection,
    catalogue: Arc<Catalogue>,
    seller_id: &SellerId,
    rows: Vec<(usize, NewReceipt)>,
    labels: Labels,
    options: ImportOptions,
    progress: &mut dyn Progress,
) -> Result<Stored, StoreError> {
    let seller = seller::Entity::find_by_id(seller_id.as_str())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("seller"))?;
    let mut categories = HashMap::new();
    for (_, r) in &rows {
        if !categories.contains_key(&r.category) {
            let c = catalogue
                .get(&r.category)
                .cloned()
                .ok_or(StoreError::NotFound("category"))?;
            categories.insert(r.category.clone(), c);
        }
    }
    let region = seller.division_code.clone();
    let shared = Arc::new((categories, seller, labels));
    let declared = stock::declared_events(db, seller_id).await?;
    progress.start(rows.len() as u64);
    let mut stored = Stored::default();
    let whole = if options.all_or_nothing && !options.dry_run {
        Some(ledger::begin_for_seller(db, seller_id).await?)
    } else {
        None
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<(usize, NewReceipt)> = rows.by_ref().take(CHUNK_ROWS).collect();
        let n = chunk.len();
        let codes: Vec<String> = {
            let mut set: Vec<String> = chunk
                .iter()
                .flat_map(|(_, r)| r.items.iter())
                .filter(|i| i.code.is_unit_level())
                .map(|i| i.code.to_string())
                .collect();
            set.sort_unstable();
            set.dedup();
            set
        };
        let own = match (&whole, options.dry_run) {
            (None, false) => Some(ledger::begin_for_seller(db, seller_id).await?),
            _ => None,
        };
        let txn = own.as_ref().or(whole.as_ref());
        if let Some(t) = txn {
            widen_cache(t).await?;
        }
        let histories = match txn {
            Some(t) => unit_histories(t, seller_id, &declared, codes).await?,
            None => unit_histories(db, seller_id, &declared, codes).await?,
        };
        let head = match txn {
            Some(t) => Some(ledger::head_of(t, seller_id).await?),
            None => None,
        };
        let (catalogue, shared, id) = (catalogue.clone(), shared.clone(), seller_id.clone());
        let (batch, warnings, flags) = tokio::task::spawn_blocking(move || {
            let (categories, seller, labels) = &*shared;
            let (events, warnings, flags) = build_chunk(
                &catalogue, categories, seller, &id, &chunk, &histories, labels,
            )?;
            let batch = match head {
                Some(head) => Some(ledger::chain_batch(&id, head, events)?),
                None => None,
            };
            Ok::<_, StoreError>((batch, warnings, flags))
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("import worker failed: {e}")))??;
        if let (Some(t), Some(batch)) = (txn, batch) {
            stored.events += ledger::insert_batch(t, batch).await?.len();
            crate::store::flags::record(t, seller_id, &region, &flags, Utc::now()).await?;
        }
        if let Some(t) = own {
            t.commit().await?;
        }
        stored.imported += n;
        stored.warnings.extend(warnings);
        progress.advance(n as u64);
    }
    if let Some(t) = whole {
        t.commit().await?;
    }
    Ok(stored)
}
