//! Sales from a CSV file, registered row by row through [`offline::register`], so each row's
//! stock checks see the rows before it. A row whose codes were never received, were already
//! sold, or exceed stock is refused with the item named and writes nothing.

use super::receipts::{Labels, field_of_element, unit_histories};
use super::{ImportOptions, Progress, RowIssue, Stored};
use crate::catalogue::Catalogue;
use crate::ids::SellerId;
use crate::store::StoreError;
use crate::store::offline::{self, NewSale};
use crate::store::stock;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

/// The import's name for a refusal reason: a code the seller never received is
/// `never_received` (the API says `not_received`).
fn reason(code: &str) -> &str {
    match code {
        "not_received" => "never_received",
        other => other,
    }
}

fn refusal(row: usize, labels: &Labels, code: &str, reason: &str, zh: &str, en: &str) -> RowIssue {
    RowIssue {
        row,
        column: labels
            .columns
            .get("code")
            .cloned()
            .unwrap_or_else(|| "code".into()),
        field: "code".into(),
        code: reason.into(),
        message_zh: format!("{code}：{zh}"),
        message_en: format!("{code}: {en}"),
    }
}

/// The checks [`offline::register`] makes, run over the whole file in memory before anything
/// is written (for dry runs and all-or-nothing imports): unit codes never received or already
/// sold (counting earlier rows of the file), batch quantities beyond stock.
async fn precheck(
    db: &DatabaseConnection,
    seller_id: &SellerId,
    rows: &[(usize, NewSale)],
    labels: &Labels,
) -> Result<Vec<RowIssue>, StoreError> {
    let declared = stock::declared_events(db, seller_id).await?;
    let mut codes: Vec<String> = rows
        .iter()
        .flat_map(|(_, s)| s.items.iter())
        .filter(|(c, _)| c.is_unit_level())
        .map(|(c, _)| c.to_string())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let histories = unit_histories(db, seller_id, &declared, codes).await?;
    let batches = stock::all_batches(db, seller_id).await?;
    let mut sold_in_file: HashMap<String, i64> = HashMap::new();
    let mut taken: HashMap<(String, Option<String>), f64> = HashMap::new();
    let mut issues = Vec::new();
    for (row, sale) in rows {
        let mut problems = Vec::new();
        let mut wanted: HashMap<(String, Option<String>), f64> = HashMap::new();
        for (code, qty) in &sale.items {
            let text = code.to_string();
            if code.is_unit_level() {
                let h = histories.get(&text).cloned().unwrap_or_default();
                let received = i64::try_from(h.received_here).unwrap_or(i64::MAX);
                let sold = h.sold_here + sold_in_file.get(&text).copied().unwrap_or(0);
                if received == 0 {
                    problems.push(refusal(
                        *row,
                        labels,
                        &text,
                        "never_received",
                        "本店未登记收到此码",
                        "was never received by this seller",
                    ));
                } else if sold >= received {
                    problems.push(refusal(
                        *row,
                        labels,
                        &text,
                        "already_sold",
                        "此码已售出",
                        "has already been sold",
                    ));
                }
            } else if let Some(g) = code.gtin() {
                *wanted
                    .entry((g.to_gtin14(), code.batch().map(str::to_owned)))
                    .or_default() += qty.unwrap_or(1.0);
            }
        }
        for (key, want) in &wanted {
            let available: f64 = batches
                .iter()
                .filter(|b| b.gtin == key.0 && (key.1.is_none() || b.batch == key.1))
                .map(|b| b.available)
                .sum::<f64>()
                - taken.get(key).copied().unwrap_or(0.0);
            if *want > available + 1e-9 {
                let code = match &key.1 {
                    Some(b) => format!("(01){}(10){b}", key.0),
                    None => key.0.clone(),
                };
                problems.push(refusal(
                    *row,
                    labels,
                    &code,
                    "beyond_stock",
                    &format!("库存不足：需要 {want}，现有 {available}"),
                    &format!("only {available} in stock, {want} requested"),
                ));
            }
        }
        if problems.is_empty() {
            for (code, _) in sale.items.iter().filter(|(c, _)| c.is_unit_level()) {
                *sold_in_file.entry(code.to_string()).or_default() += 1;
            }
            for (key, want) in wanted {
                *taken.entry(key).or_default() += want;
            }
        } else {
            issues.extend(problems);
        }
    }
    Ok(issues)
}

/// Registers the good rows of a sales file for `seller_id`, in file order. A dry run, and an
/// all-or-nothing import, first run every stock check over the whole file in memory: the dry
/// run reports and writes nothing; the all-or-nothing import writes nothing if a row would be
/// refused (a sale registered concurrently by another request could still refuse a row later;
/// the report names it).
pub async fn store(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    seller_id: &SellerId,
    rows: Vec<(usize, NewSale)>,
    labels: &Labels,
    options: ImportOptions,
    progress: &mut dyn Progress,
) -> Result<Stored, StoreError> {
    progress.start(rows.len() as u64);
    let mut stored = Stored::default();
    if options.dry_run || options.all_or_nothing {
        let refused = precheck(db, seller_id, &rows, labels).await?;
        if options.dry_run || !refused.is_empty() {
            stored.imported = if options.dry_run {
                rows.len() - super::count_rows(&refused)
            } else {
                0
            };
            stored.rejected = refused;
            progress.advance(rows.len() as u64);
            return Ok(stored);
        }
    }
    for (row, sale) in rows {
        let codes: Vec<String> = sale.items.iter().map(|(c, _)| c.to_string()).collect();
        let category = sale.category.clone();
        match offline::register(db, catalogue, seller_id, sale).await? {
            Ok(done) => {
                stored.imported += 1;
                stored.events += 1;
                for m in done.missing {
                    let field = field_of_element(m);
                    stored.warnings.push(RowIssue {
                        row,
                        column: labels
                            .columns
                            .get(field)
                            .cloned()
                            .unwrap_or_else(|| field.into()),
                        field: field.into(),
                        code: "missing_element".into(),
                        message_zh: format!("缺少所需的数据元：{}", m.name_zh()),
                        message_en: format!(
                            "{category} sales need the data element `{}`: {}",
                            m.as_str(),
                            m.name_en()
                        ),
                    });
                }
            }
            Err(problems) => {
                for p in problems {
                    let code = codes.get(p.index).cloned().unwrap_or_default();
                    stored.rejected.push(RowIssue {
                        row,
                        column: labels
                            .columns
                            .get("code")
                            .cloned()
                            .unwrap_or_else(|| "code".into()),
                        field: "code".into(),
                        code: reason(p.reason).into(),
                        message_zh: format!("{code}：{}", p.message_zh),
                        message_en: format!("{code}: {}", p.message_en),
                    });
                }
            }
        }
        progress.advance(1);
    }
    Ok(stored)
}
