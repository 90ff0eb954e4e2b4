//! The CSV import, everything before the database: the store's reader (encoding found on the
//! whole file: UTF-8, UTF-8 with BOM or GBK decoded block by block; comma or tab; header mapped
//! by `--map` entries, names and aliases), the row checker, each row parsed by the HTTP API's own
//! `ReceiptIn` / `SaleIn` parsing, the duplicate-code check and the report.
//!
//! Rows reach `ReceiptIn` / `SaleIn` through a plain field-by-field mapping here; with
//! `--features plugin-api` through the plugin API's `receipt_row` / `sale_row` instead (what
//! `suyuan import` and the upload run), at the price of a build twice as long.
//!
//! Input: optional leading lines `@sales` (a sales file; receipts otherwise), `@map HEADER=FIELD`
//! (a mapping entry) and `@limit N` (problems listed in full), then the file's bytes.
#![no_main]

use std::io::Cursor;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use suyuan_core::catalogue::Catalogue;
use suyuan_store::import::receipts::Duplicates;
use suyuan_store::import::{
    self, Checker, ImportKind, ImportOptions, ImportReport, Row, RowReader, Source, Stored,
};

static CATALOGUE: LazyLock<Option<Catalogue>> = LazyLock::new(|| Catalogue::builtin().ok());

/// Receipts and sales dated up to a month before this are not backdated (2026-01-15).
const NOW: i64 = 1_768_435_200;

fuzz_target!(|data: &[u8]| {
    let Some(catalogue) = CATALOGUE.as_ref() else {
        panic!("the built-in catalogue does not load");
    };
    let mut kind = ImportKind::Receipts;
    let mut mapping = Vec::new();
    let mut limit = 1000usize;
    let mut file = data;
    while file.starts_with(b"@") {
        let end = file.iter().position(|b| *b == b'\n').unwrap_or(file.len());
        let line = String::from_utf8_lossy(&file[..end]);
        if line.trim_end() == "@sales" {
            kind = ImportKind::Sales;
        } else if let Some(entry) = line.strip_prefix("@map ") {
            mapping.push(entry.trim_end_matches('\r').to_owned());
        } else if let Some(n) = line.strip_prefix("@limit ") {
            limit = n.trim().parse::<usize>().unwrap_or(1000).min(5000);
        }
        file = file.get(end + 1..).unwrap_or_default();
    }

    let map = match import::parse_mapping(kind, &mapping) {
        Ok(m) => m,
        Err(e) => {
            let _ = (e.to_string(), e.code(), e.field(), e.message_zh());
            return;
        }
    };
    let reader = match RowReader::open(Cursor::new(file.to_vec()), kind, &map) {
        Ok(r) => r,
        Err(e) => {
            let _ = (e.to_string(), e.code(), e.field(), e.message_zh());
            return;
        }
    };
    let table = reader.table().clone();
    let now = chrono::DateTime::from_timestamp(NOW, 0).unwrap_or_default();
    let max_backdate = chrono::Duration::days(30);

    let (rows, issues, failed) = match kind {
        ImportKind::Receipts => {
            let mut duplicates = Duplicates::new(table.column_label("code"));
            let mut checker = Checker::new(
                reader,
                move |row: &Row<'_>| {
                    rows::receipt(row, catalogue, now, max_backdate)
                        .and_then(|r| duplicates.check(row.number, r))
                },
                7,
                limit,
            );
            drain(&mut checker);
            (checker.rows, checker.issues, checker.failed)
        }
        ImportKind::Sales => {
            let mut checker = Checker::new(
                reader,
                move |row: &Row<'_>| rows::sale(row, catalogue, now),
                7,
                limit,
            );
            drain(&mut checker);
            (checker.rows, checker.issues, checker.failed)
        }
    };
    if let Some(e) = &failed {
        let _ = (e.to_string(), e.code(), e.field(), e.message_zh());
    }

    // Rows are numbered as a spreadsheet shows them: the header is row 1 (after any blank
    // lines), every record and blank line one more, so never beyond the line breaks (`\r\n`,
    // `\n` or `\r`; single bytes in GBK too) + 1, and in file order.
    let breaks = file
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && file.get(i + 1) != Some(&b'\n')))
        .count();
    let mut last = 0;
    for issue in &issues.kept {
        assert!(issue.row >= 2, "a problem names row {} (the header is row 1)", issue.row);
        assert!(
            issue.row <= breaks + 1,
            "a problem names row {} of a file of {} lines",
            issue.row,
            breaks + 1
        );
        assert!(issue.row >= last, "problems out of row order: {} after {last}", issue.row);
        last = issue.row;
        assert!(!issue.code.is_empty(), "a problem without a reason code");
    }
    assert!(issues.kept.len() <= limit, "more problems listed than the limit");
    assert_eq!(
        issues.by_reason.values().sum::<usize>(),
        issues.total,
        "problems counted by reason do not add up"
    );

    let report = ImportReport::new(
        &table,
        rows,
        issues,
        Stored::new(limit),
        ImportOptions {
            dry_run: true,
            ..ImportOptions::default()
        },
        std::time::Duration::from_millis(1),
    );
    assert!(
        report.rejected <= report.rows,
        "{} rows refused of {} read",
        report.rejected,
        report.rows
    );
    assert!(report.rejected_problems >= report.rejected_rows.len());
    if let Err(e) = serde_json::to_string(&report) {
        panic!("the report does not serialise: {e}");
    }
});

/// Reads every chunk, checking that each one's good rows are among its rows read.
fn drain<T: Send + 'static>(source: &mut impl Source<T>) {
    while let Some(chunk) = source.next_chunk() {
        assert!(chunk.good.len() <= chunk.read, "more good rows than rows read");
        assert!(chunk.read > 0, "an empty chunk before the end");
    }
}

#[cfg(feature = "plugin-api")]
mod rows {
    use suyuan_core::catalogue::Catalogue;
    use suyuan_store::import::{Row, RowIssue};
    use suyuan_store::offline::NewSale;
    use suyuan_store::receipts::NewReceipt;

    pub fn receipt(
        row: &Row<'_>,
        catalogue: &Catalogue,
        now: chrono::DateTime<chrono::Utc>,
        max_backdate: chrono::Duration,
    ) -> Result<NewReceipt, Vec<RowIssue>> {
        suyuan_plugin_api::import::receipt_row(row, catalogue, now, max_backdate)
    }

    pub fn sale(
        row: &Row<'_>,
        catalogue: &Catalogue,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> Result<NewSale, Vec<RowIssue>> {
        suyuan_plugin_api::import::sale_row(row, catalogue)
    }
}

/// Each column means the API field of the same name, as in the plugin API's `receipt_row` and
/// `sale_row`, without their spreadsheet conveniences (Chinese value aliases, `2026/11/20`
/// dates, category names).
#[cfg(not(feature = "plugin-api"))]
mod rows {
    use suyuan_core::catalogue::Catalogue;
    use suyuan_core::receipt::{CertificateIn, InspectionIn, ItemIn, ReceiptIn, SupplierIn};
    use suyuan_core::sale::{BuyerIn, SaleIn, SaleItemIn};
    use suyuan_core::validation::FieldError;
    use suyuan_store::import::{Row, RowIssue};
    use suyuan_store::offline::NewSale;
    use suyuan_store::receipts::NewReceipt;

    fn text(row: &Row<'_>, field: &str) -> Option<String> {
        row.get(field).map(str::to_owned)
    }

    fn quantity(row: &Row<'_>, issues: &mut Vec<RowIssue>) -> Option<f64> {
        let raw = row.get("quantity")?;
        match raw.replace(',', "").parse::<f64>() {
            Ok(q) => Some(q),
            Err(_) => {
                issues.push(row.issue("quantity", "invalid_quantity", "数量不是数字", "not a number"));
                None
            }
        }
    }

    fn codes(row: &Row<'_>) -> Vec<String> {
        row.get("code")
            .map(|c| {
                c.split([';', '|', '；', '\n'])
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn finish<T>(
        row: &Row<'_>,
        mut issues: Vec<RowIssue>,
        parsed: Result<T, Vec<FieldError>>,
    ) -> Result<T, Vec<RowIssue>> {
        match parsed {
            Ok(v) if issues.is_empty() => Ok(v),
            Ok(_) => Err(issues),
            Err(errors) => {
                issues.extend(
                    errors
                        .into_iter()
                        .map(|e| row.issue(&e.field, e.code, e.message_zh, e.message_en)),
                );
                Err(issues)
            }
        }
    }

    pub fn receipt(
        row: &Row<'_>,
        catalogue: &Catalogue,
        now: chrono::DateTime<chrono::Utc>,
        max_backdate: chrono::Duration,
    ) -> Result<NewReceipt, Vec<RowIssue>> {
        let mut issues = Vec::new();
        let quantity = quantity(row, &mut issues);
        let codes = codes(row);
        let items = if codes.is_empty() {
            vec![ItemIn {
                code: None,
                gtin: text(row, "gtin"),
                batch: text(row, "batch"),
                quantity,
                unit: text(row, "unit"),
            }]
        } else {
            codes
                .into_iter()
                .map(|c| ItemIn {
                    code: Some(c),
                    gtin: None,
                    batch: None,
                    quantity,
                    unit: text(row, "unit"),
                })
                .collect()
        };
        let input = ReceiptIn {
            category: text(row, "category").unwrap_or_default(),
            supplier: match (text(row, "supplier_name"), text(row, "supplier_credit_code")) {
                (None, None) => None,
                (name, credit_code) => Some(SupplierIn { name, credit_code }),
            },
            voucher_number: text(row, "voucher_number"),
            received_at: text(row, "received_at"),
            product_name: text(row, "product_name"),
            model: text(row, "model"),
            producer: text(row, "producer"),
            certificate: match (row.get("certificate_number"), row.get("certificate_result")) {
                (None, None) => None,
                (number, result) => Some(CertificateIn {
                    number: number.unwrap_or_default().to_owned(),
                    result: result.unwrap_or_default().to_owned(),
                }),
            },
            inspection: row.get("inspection_result").map(|result| InspectionIn {
                result: result.to_owned(),
                notes: text(row, "inspection_notes"),
                inspector: text(row, "inspector"),
            }),
            channel: Some(text(row, "channel").unwrap_or_else(|| "csv".into())),
            items,
            backdate_reason: text(row, "backdate_reason"),
        };
        finish(row, issues, input.parse(catalogue, now, max_backdate))
    }

    pub fn sale(
        row: &Row<'_>,
        catalogue: &Catalogue,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<NewSale, Vec<RowIssue>> {
        let mut issues = Vec::new();
        let quantity = quantity(row, &mut issues);
        let codes = codes(row);
        let items = if codes.is_empty() {
            vec![SaleItemIn {
                code: None,
                gtin: text(row, "gtin"),
                batch: text(row, "batch"),
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
        let input = SaleIn {
            category: text(row, "category").unwrap_or_default(),
            sold_at: text(row, "sold_at"),
            buyer: BuyerIn {
                kind: text(row, "buyer_type").unwrap_or_default(),
                region: text(row, "buyer_region"),
                name: text(row, "buyer_name"),
                credit_code: text(row, "buyer_credit_code"),
                contact_email: None,
            },
            shipping_method: text(row, "shipping_method"),
            tracking_number: text(row, "tracking_number"),
            voucher_number: text(row, "voucher_number"),
            items,
        };
        finish(
            row,
            issues,
            input.parse(catalogue, chrono::Duration::days(30), None, now),
        )
    }
}
