//! The CSV import pipeline behind `suyuan import` and `POST /api/v1/imports/{receipts,sales}`:
//! read the file as a stream, parse each row with the HTTP API's own parsing (a column means
//! what the JSON field of the same name means), store the good rows chunk by chunk as they
//! come, and report the refused rows and warnings (the first N in full, all of them counted by
//! reason). Memory is bounded by a few chunks of rows, never by the file.

use chrono::{NaiveDate, NaiveDateTime, TimeZone as _};
use std::sync::Arc;
use suyuan_core::catalogue::Catalogue;
use suyuan_core::ids::SellerId;
use suyuan_core::receipt::{CertificateIn, InspectionIn, ItemIn, ReceiptIn, SupplierIn};
use suyuan_core::sale::{BuyerIn, SaleIn, SaleItemIn};
use suyuan_core::validation::FieldError;
use suyuan_store::Db;
use suyuan_store::StoreError;
use suyuan_store::import::receipts::Duplicates;
use suyuan_store::import::receipts::Labels;
use suyuan_store::import::{
    self, Checker, FileError, ImportKind, ImportOptions, ImportReport, Progress, Row, RowIssue,
    RowReader, Table, runs,
};
use suyuan_store::offline::NewSale;
use suyuan_store::receipts::NewReceipt;

/// Why an import did not run (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file (or the mapping) is refused as a whole.
    #[error(transparent)]
    File(#[from] FileError),
    /// The seller does not exist.
    #[error("seller not found")]
    NoSeller,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// This file was imported to its end before (send it with `again` to import it once more).
    #[error("this file was imported on {finished_at} ({imported} rows)")]
    AlreadyImported {
        /// When.
        finished_at: chrono::DateTime<chrono::Utc>,
        /// Rows it imported.
        imported: usize,
    },
    /// Another upload of the same file is being stored now.
    #[error("the same file is being imported; try again in {retry_after} s")]
    Busy {
        /// Seconds until that import's lease runs out.
        retry_after: u64,
    },
}

/// One import to run.
#[derive(Debug)]
pub struct ImportRequest {
    /// What the file holds.
    pub kind: ImportKind,
    /// The file (read twice: once to find its encoding, once for its rows).
    pub file: std::fs::File,
    /// `header=field` entries.
    pub mapping: Vec<String>,
    /// Dry run, all or nothing.
    pub options: ImportOptions,
    /// Terms of the transfers that B2B sale rows create (claim-link validity, sealing key).
    pub transfer_terms: suyuan_store::transfers::TransferTerms,
    /// How far in the past a receipt's date may lie without a `backdate_reason`.
    pub max_backdate: chrono::Duration,
    /// How many refused-row problems (and warnings) the report lists in full.
    pub report_limit: usize,
}

/// Separators allowed between several codes in one cell.
const CODE_SEPARATORS: [char; 4] = [';', '|', '；', '\n'];

fn labels(table: &Table) -> Labels {
    Labels {
        columns: table
            .kind
            .fields()
            .iter()
            .map(|f| (f.name.to_owned(), table.column_label(f.name)))
            .collect(),
    }
}

/// Runs an import for `seller`: the file's header is read first (a refused file writes
/// nothing), then its rows are read, parsed and checked on a blocking thread a chunk at a time
/// while the chunks before are stored.
///
/// A failure of the file part-way (it cannot be read any more) stops the import; with
/// `all_or_nothing` or `dry_run` nothing is written, otherwise the chunks before it stay.
pub async fn run(
    db: &Db,
    catalogue: Arc<Catalogue>,
    seller: &SellerId,
    req: ImportRequest,
    progress: &mut dyn Progress,
) -> Result<ImportReport, ImportError> {
    let started = std::time::Instant::now();
    suyuan_store::tenants::seller_row(db, seller.as_str())
        .await?
        .ok_or(ImportError::NoSeller)?;
    let options = req.options;
    let limit = req.report_limit;
    let req_max_backdate = req.max_backdate;
    let (kind, file, mapping) = (req.kind, req.file, req.mapping);
    let reader = blocking(move || {
        let map = import::parse_mapping(kind, &mapping)?;
        Ok::<_, ImportError>(RowReader::open(file, kind, &map)?)
    })
    .await??;
    let table = reader.table().clone();
    let labels = labels(&table);
    // The same file sent again is known by its digest: one imported to its end is not imported
    // twice, one cut off in the middle goes on after its last stored row. A dry run writes
    // nothing and takes no run.
    let run = if options.dry_run {
        None
    } else {
        let now = chrono::Utc::now();
        match runs::begin(db, seller, kind, &reader.scan.sha256, options.again, now).await? {
            runs::Begun::Go(run) => Some(run),
            runs::Begun::Finished {
                finished_at,
                imported,
            } => {
                return Err(ImportError::AlreadyImported {
                    finished_at,
                    imported,
                });
            }
            runs::Begun::Busy { retry_after } => return Err(ImportError::Busy { retry_after }),
        }
    };
    progress.start(reader.scan.lines.saturating_sub(1));
    let rest = Rest {
        options,
        limit,
        max_backdate: req_max_backdate,
        transfer_terms: req.transfer_terms,
        started,
    };
    let outcome = store_rows(
        db,
        catalogue,
        seller,
        reader,
        &table,
        labels,
        rest,
        progress,
        run.as_ref(),
    )
    .await;
    if let Some(run) = &run {
        let now = chrono::Utc::now();
        // Finished when rows are stored and the file was read to its end; otherwise the lease is
        // given back, and the same file sent again does what is left.
        let ended = match &outcome {
            Ok(report) => report.imported > 0 && !(report.all_or_nothing && report.rejected > 0),
            Err(_) => false,
        };
        let closed = if ended {
            runs::finish(db, run, now).await
        } else {
            runs::release(db, run, now).await
        };
        if let Err(e) = closed {
            tracing::warn!(error = %e, run = %run.id, "import run could not be closed; its lease runs out");
        }
    }
    outcome
}

/// What [`store_rows`] needs of the request besides the file.
struct Rest {
    options: ImportOptions,
    limit: usize,
    max_backdate: chrono::Duration,
    transfer_terms: suyuan_store::transfers::TransferTerms,
    started: std::time::Instant,
}

/// Reads, checks and stores the rows (after `run`'s last stored row), and reports.
#[allow(clippy::too_many_arguments)]
async fn store_rows(
    db: &Db,
    catalogue: Arc<Catalogue>,
    seller: &SellerId,
    reader: RowReader,
    table: &Table,
    labels: Labels,
    rest: Rest,
    progress: &mut dyn Progress,
    run: Option<&runs::Run>,
) -> Result<ImportReport, ImportError> {
    let Rest {
        options,
        limit,
        max_backdate: req_max_backdate,
        transfer_terms,
        started,
    } = rest;
    let kind = table.kind;
    let chunk_rows = import::receipts::CHUNK_ROWS;
    match kind {
        ImportKind::Receipts => {
            let cat = catalogue.clone();
            let max_backdate = req_max_backdate;
            let mut duplicates = Duplicates::new(table.column_label("code"));
            let checker = Checker::new(
                reader,
                move |row: &Row<'_>| {
                    receipt_row(row, &cat, chrono::Utc::now(), max_backdate)
                        .and_then(|r| duplicates.check(row.number, r))
                },
                chunk_rows,
                limit,
            );
            let refused = checker.refused.clone();
            let (stored, checker) = import::receipts::store(
                db, catalogue, seller, checker, refused, labels, options, limit, progress, run,
            )
            .await?;
            finish(table, checker, stored, options, started)
        }
        ImportKind::Sales => {
            let cat = catalogue.clone();
            let terms = transfer_terms;
            let checker = Checker::new(
                reader,
                move |row: &Row<'_>| {
                    sale_row(row, &cat).map(|mut sale| {
                        sale.transfer = terms.clone();
                        sale
                    })
                },
                chunk_rows,
                limit,
            );
            let refused = checker.refused.clone();
            let (stored, checker) = import::sales::store(
                db, &catalogue, seller, checker, refused, &labels, options, limit, progress, run,
            )
            .await?;
            finish(table, checker, stored, options, started)
        }
    }
}

/// The report, or the file's failure part-way.
fn finish<T, P>(
    table: &Table,
    checker: Checker<T, P>,
    stored: import::Stored,
    options: ImportOptions,
    started: std::time::Instant,
) -> Result<ImportReport, ImportError> {
    if let Some(e) = checker.failed {
        return Err(ImportError::File(e));
    }
    Ok(ImportReport::new(
        table,
        checker.rows,
        checker.issues,
        stored,
        options,
        started.elapsed(),
    ))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ImportError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
        .await
        .map_err(|e| ImportError::Store(StoreError::Corrupt(format!("import parser failed: {e}"))))
}

/// The CSV column that holds a JSON field path of the API (`supplier.credit_code` →
/// `supplier_credit_code`, `items[2].quantity` → `quantity`), and the item's index.
fn column_of(path: &str) -> (&str, Option<usize>) {
    if let Some(rest) = path.strip_prefix("items[") {
        let (index, tail) = rest.split_once(']').unwrap_or((rest, ""));
        let index = index.parse().ok();
        return match tail.trim_start_matches('.') {
            "" | "code" => ("code", index),
            other => (other, index),
        };
    }
    let field = match path {
        "items" => "code",
        "supplier.name" => "supplier_name",
        "supplier.credit_code" => "supplier_credit_code",
        "certificate.number" => "certificate_number",
        "certificate.result" => "certificate_result",
        "inspection.result" => "inspection_result",
        "inspection.notes" => "inspection_notes",
        "inspection.inspector" => "inspector",
        "buyer.type" => "buyer_type",
        "buyer.region" => "buyer_region",
        "buyer.name" => "buyer_name",
        "buyer.credit_code" => "buyer_credit_code",
        "body" => "",
        other => other,
    };
    (field, None)
}

/// A field error of the API's parsing, as an issue on a CSV row.
fn issue_of(row: &Row<'_>, e: FieldError, several_items: bool) -> RowIssue {
    let (field, index) = column_of(&e.field);
    let (zh, en) = match index.filter(|_| several_items) {
        Some(i) => (
            format!("第 {} 个码：{}", i + 1, e.message_zh),
            format!("code #{}: {}", i + 1, e.message_en),
        ),
        None => (e.message_zh, e.message_en),
    };
    row.issue(field, e.code, zh, en)
}

/// Dates as spreadsheets write them: `2026/11/20`, `2026.11.20`, `2026年11月20日`, or with a
/// time `2026-11-20 14:30[:00]` (China time). Anything else is passed on unchanged, for the
/// API's parser to accept (RFC 3339, `2026-11-20`) or refuse.
fn normalise_time(raw: &str) -> String {
    let s = raw.trim();
    let unified: String = s
        .replace(['/', '.'], "-")
        .replace(['年', '月'], "-")
        .replace('日', "");
    let cst = suyuan_core::china_time::CHINA;
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&unified, fmt)
            && let Some(t) = cst.from_local_datetime(&t).single()
        {
            return t.to_rfc3339();
        }
    }
    match NaiveDate::parse_from_str(unified.trim(), "%Y-%m-%d") {
        Ok(d) => d.format("%Y-%m-%d").to_string(),
        Err(_) => s.to_owned(),
    }
}

/// A category by id or by its Chinese or English name.
fn category_id(catalogue: &Catalogue, cell: &str) -> String {
    catalogue
        .categories()
        .iter()
        .find(|c| c.name_zh == cell || c.name_en.eq_ignore_ascii_case(cell))
        .map_or_else(|| cell.to_owned(), |c| c.id.to_string())
}

/// A value given in Chinese, in the API's words.
fn value_alias(cell: &str, table: &[(&[&str], &'static str)]) -> String {
    table
        .iter()
        .find(|(words, _)| words.contains(&cell))
        .map_or_else(|| cell.to_owned(), |(_, v)| (*v).to_owned())
}

fn quantity(row: &Row<'_>, issues: &mut Vec<RowIssue>) -> Option<f64> {
    let raw = row.get("quantity")?;
    match raw.replace(',', "").parse::<f64>() {
        Ok(q) => Some(q),
        Err(_) => {
            issues.push(row.issue(
                "quantity",
                "invalid_quantity",
                format!("数量“{raw}”不是数字"),
                format!("`{raw}` is not a number"),
            ));
            None
        }
    }
}

fn codes(row: &Row<'_>) -> Vec<String> {
    row.get("code")
        .map(|c| {
            c.split(CODE_SEPARATORS)
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn required(row: &Row<'_>, field: &str, issues: &mut Vec<RowIssue>) -> Option<String> {
    match row.get(field) {
        Some(v) => Some(v.to_owned()),
        None => {
            issues.push(row.issue(field, "required", "不能为空", "must not be empty"));
            None
        }
    }
}

/// One row of a receipts file, parsed by the API's own [`ReceiptIn::parse`]. When the row has
/// codes, its `gtin` and `batch` cells are not used (the codes carry them). A date more than
/// `max_backdate` before `now` needs a `backdate_reason` cell.
pub fn receipt_row(
    row: &Row<'_>,
    catalogue: &Catalogue,
    now: chrono::DateTime<chrono::Utc>,
    max_backdate: chrono::Duration,
) -> Result<NewReceipt, Vec<RowIssue>> {
    let mut issues = Vec::new();
    let category = required(row, "category", &mut issues).map(|c| category_id(catalogue, &c));
    let received_at = required(row, "received_at", &mut issues).map(|t| normalise_time(&t));
    let quantity = quantity(row, &mut issues);
    let text = |f: &str| row.get(f).map(str::to_owned);
    let unit = text("unit");
    let codes = codes(row);
    let items: Vec<ItemIn> = if codes.is_empty() {
        vec![ItemIn {
            code: None,
            gtin: text("gtin"),
            batch: text("batch"),
            quantity,
            unit,
        }]
    } else {
        codes
            .iter()
            .map(|c| ItemIn {
                code: Some(c.clone()),
                gtin: None,
                batch: None,
                quantity,
                unit: unit.clone(),
            })
            .collect()
    };
    let several = items.len() > 1;
    let inspection = match (
        row.get("inspection_result"),
        row.get("inspection_notes").or(row.get("inspector")),
    ) {
        (Some(result), _) => Some(InspectionIn {
            result: value_alias(
                result,
                &[
                    (&["合格", "通过", "验收合格", "接收"], "accepted"),
                    (&["不合格", "拒收", "退货"], "rejected"),
                    (&["部分合格", "部分接收"], "partly_accepted"),
                ],
            ),
            notes: text("inspection_notes"),
            inspector: text("inspector"),
        }),
        (None, Some(_)) => {
            issues.push(row.issue(
                "inspection_result",
                "required",
                "填写了查验人或查验说明时须填写查验结果",
                "is required when an inspector or inspection notes are given",
            ));
            None
        }
        (None, None) => None,
    };
    let certificate = match (row.get("certificate_number"), row.get("certificate_result")) {
        (None, None) => None,
        (number, result) => Some(CertificateIn {
            number: number.unwrap_or_default().to_owned(),
            result: value_alias(
                result.unwrap_or_default(),
                &[
                    (&["有效", "真实有效"], "valid"),
                    (&["无效"], "invalid"),
                    (&["过期", "已过期"], "expired"),
                    (&["未查到", "查无", "查无此证"], "not_found"),
                ],
            ),
        }),
    };
    let (Some(category), Some(received_at)) = (category, received_at) else {
        return Err(issues);
    };
    let input = ReceiptIn {
        category,
        supplier: match (text("supplier_name"), text("supplier_credit_code")) {
            (None, None) => None,
            (name, credit_code) => Some(SupplierIn { name, credit_code }),
        },
        voucher_number: text("voucher_number"),
        received_at: Some(received_at),
        product_name: text("product_name"),
        model: text("model"),
        producer: text("producer"),
        certificate,
        inspection,
        channel: Some(text("channel").unwrap_or_else(|| "csv".into())),
        items,
        backdate_reason: text("backdate_reason"),
    };
    match input.parse(catalogue, now, max_backdate) {
        Ok(r) if issues.is_empty() => Ok(r),
        Ok(_) => Err(issues),
        Err(errors) => {
            issues.extend(errors.into_iter().map(|e| issue_of(row, e, several)));
            Err(issues)
        }
    }
}

/// One row of a sales file, parsed by the API's own [`SaleIn::parse`] (a column means what the
/// JSON field of the same name means). Cells are read as spreadsheets write them: Chinese
/// buyer types and shipping methods, category names, dates with `/` or `年月日`.
pub fn sale_row(row: &Row<'_>, catalogue: &Catalogue) -> Result<NewSale, Vec<RowIssue>> {
    let mut issues = Vec::new();
    let category = required(row, "category", &mut issues).map(|c| category_id(catalogue, &c));
    let sold_at = required(row, "sold_at", &mut issues).map(|t| normalise_time(&t));
    let kind = required(row, "buyer_type", &mut issues).map(|k| {
        value_alias(
            &k,
            &[
                (&["消费者", "个人", "零售"], "consumer"),
                (&["经销商", "分销商", "批发"], "distributor"),
                (&["代理商", "代理"], "agent"),
            ],
        )
    });
    let quantity = quantity(row, &mut issues);
    let text = |f: &str| row.get(f).map(str::to_owned);
    let codes = codes(row);
    let by_gtin = codes.is_empty();
    let items: Vec<SaleItemIn> = if by_gtin {
        vec![SaleItemIn {
            code: None,
            gtin: text("gtin"),
            batch: text("batch"),
            quantity,
        }]
    } else {
        codes
            .into_iter()
            .map(|c| SaleItemIn {
                code: Some(c),
                gtin: None,
                batch: None,
                quantity,
            })
            .collect()
    };
    let several = items.len() > 1;
    let (Some(category), Some(sold_at), Some(kind)) = (category, sold_at, kind) else {
        return Err(issues);
    };
    let input = SaleIn {
        category,
        sold_at: Some(sold_at),
        buyer: BuyerIn {
            kind,
            region: text("buyer_region"),
            name: text("buyer_name"),
            credit_code: text("buyer_credit_code"),
            contact_email: None,
        },
        shipping_method: row.get("shipping_method").map(|m| {
            value_alias(
                m,
                &[
                    (&["自提"], "pickup"),
                    (&["快递"], "courier"),
                    (&["货运", "物流"], "freight"),
                    (&["自送", "送货上门", "自有配送"], "own_delivery"),
                ],
            )
        }),
        tracking_number: text("tracking_number"),
        voucher_number: text("voucher_number"),
        items,
    };
    let terms = suyuan_store::transfers::TransferTerms::default();
    match input.parse(catalogue, terms.valid_for, None, chrono::Utc::now()) {
        Ok(sale) if issues.is_empty() => Ok(sale),
        Ok(_) => Err(issues),
        Err(errors) => {
            issues.extend(errors.into_iter().map(|e| {
                let issue = issue_of(row, e, several);
                // A row sold by GTIN and batch: its item's problems are in the GTIN column.
                if by_gtin && issue.field == "code" {
                    row.issue("gtin", issue.code, issue.message_zh, issue.message_en)
                } else {
                    issue
                }
            }));
            Err(issues)
        }
    }
}

/// A receipts CSV of `rows` rows with Chinese headers, for benchmarks and tests: three rows in
/// four receive one e-bike by unit code (serial `{prefix}{n}`), the fourth a batch of plywood by
/// GTIN, batch and quantity. Every row carries every data element its category requires.
pub fn sample_receipts_csv(rows: usize, serial_prefix: &str) -> String {
    let mut out = String::with_capacity(rows * 260 + 256);
    out.push_str(
        "类别,供货商名称,统一社会信用代码,单据号,进货日期,产品名称,型号,生产者,证书编号,证书查验结果,查验结果,查验人,追溯码,商品条码,批次,数量,单位\n",
    );
    // Dates of the last four weeks, so that no row needs a back-dating reason.
    let now = chrono::Utc::now();
    let days: Vec<String> = (1..=28)
        .map(|d| suyuan_core::china_time::china_date(now - chrono::Duration::days(d)).to_string())
        .collect();
    for n in 0..rows {
        let day = &days[n % 28];
        if n % 4 == 3 {
            out.push_str(&format!(
                "plywood,临沂木业有限公司,91440300708461136T,FH-{n},{day},胶合板,E0-18mm,临沂木业有限公司,,,accepted,王质检,,09520002000019,B{n},{},H87\n",
                1 + n % 50
            ));
        } else {
            out.push_str(&format!(
                "ebike,雅迪科技集团有限公司,91440300708461136T,FH-{n},{day},电动自行车,TDT-2301Z,雅迪科技集团有限公司,2023011119000001,valid,accepted,王质检,(01)09520001000010(21){serial_prefix}{n},,,,\n"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_dates_become_what_the_api_reads() {
        assert_eq!(normalise_time("2026/11/20"), "2026-11-20");
        assert_eq!(normalise_time("2026年11月20日"), "2026-11-20");
        assert_eq!(
            normalise_time("2026-11-20 14:30"),
            "2026-11-20T14:30:00+08:00"
        );
        assert_eq!(normalise_time("20/11/2026"), "20/11/2026");
    }

    #[test]
    fn api_field_paths_map_to_csv_columns() {
        assert_eq!(
            column_of("supplier.credit_code"),
            ("supplier_credit_code", None)
        );
        assert_eq!(column_of("items[2].quantity"), ("quantity", Some(2)));
        assert_eq!(column_of("items[0]"), ("code", Some(0)));
        assert_eq!(column_of("received_at"), ("received_at", None));
    }
}
