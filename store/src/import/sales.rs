//! Sales from a CSV file, registered row by row through [`offline::register`] (the API's own
//! registration), so each row's stock checks see the rows before it. A row whose codes were
//! never received, were already sold, or exceed stock is refused with the item named and writes
//! nothing.

use super::receipts::{Labels, field_of_element};
use super::{ImportOptions, Progress, RowIssue, Stored};
use crate::offline::{self, NewSale};
use crate::{StoreError, ledger};
use sea_orm::DatabaseConnection;
use suyuan_core::catalogue::Catalogue;
use suyuan_core::ids::SellerId;

/// The import's name for a refusal reason: a code the seller never received is
/// `never_received` (the API says `not_received`).
fn reason(code: &str) -> &str {
    match code {
        "not_received" => "never_received",
        other => other,
    }
}

/// What one registered or refused row adds to the report.
fn note(
    stored: &mut Stored,
    labels: &Labels,
    row: usize,
    codes: &[String],
    category: &str,
    outcome: Result<Vec<suyuan_core::catalogue::DataElement>, Vec<offline::ItemProblem>>,
) {
    match outcome {
        Ok(missing) => {
            stored.imported += 1;
            stored.events += 1;
            for m in missing {
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
}

/// Registers the good rows of a sales file for `seller_id`, in file order, each seeing the
/// rows before it (a code sold on row 3 cannot be sold again on row 9).
///
/// By default each row is its own transaction: a refused row writes nothing, the others go in.
/// An all-or-nothing import registers every row in one transaction and commits only if none
/// was refused; a dry run does the same and always rolls back. Both therefore make exactly the
/// checks a real import makes, against the ledger as it stands, and report every refused row.
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
    let whole = if options.dry_run || options.all_or_nothing {
        Some(ledger::begin_for_seller(db, seller_id).await?)
    } else {
        None
    };
    for (row, sale) in rows {
        let codes: Vec<String> = sale.items.iter().map(|(c, _)| c.to_string()).collect();
        let category = sale.category.to_string();
        let outcome = match &whole {
            Some(txn) => offline::register_in(txn, catalogue, seller_id, sale)
                .await?
                .map(|done| done.missing)
                .map_err(|refused| refused.problems),
            None => offline::register(db, catalogue, seller_id, sale)
                .await?
                .map(|done| done.missing),
        };
        note(&mut stored, labels, row, &codes, &category, outcome);
        progress.advance(1);
    }
    if let Some(txn) = whole {
        if options.dry_run || !stored.rejected.is_empty() {
            txn.rollback().await?;
            if !options.dry_run {
                stored.imported = 0;
                stored.events = 0;
                stored.warnings.clear();
            }
        } else {
            txn.commit().await?;
        }
    }
    Ok(stored)
}
