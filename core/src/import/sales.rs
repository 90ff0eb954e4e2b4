//! Sales from a CSV file, registered row by row through [`offline::register`], so each row's
//! stock checks see the rows before it. A row whose codes were never received, were already
//! sold, or exceed stock is refused with the item named and writes nothing.

use super::receipts::{Labels, field_of_element};
use super::{ImportOptions, Progress, RowIssue, Stored};
use crate::catalogue::Catalogue;
use crate::ids::SellerId;
use crate::store::StoreError;
use crate::store::offline::{self, NewSale};
use sea_orm::DatabaseConnection;

/// The import's name for a refusal reason: a code the seller never received is
/// `never_received` (the API says `not_received`).
fn reason(code: &str) -> &str {
    match code {
        "not_received" => "never_received",
        other => other,
    }
}

/// Registers the good rows of a sales file for `seller_id`, in file order. With `dry_run`,
/// nothing is registered (rows are only parsed; stock is not checked).
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
    if options.dry_run {
        stored.imported = rows.len();
        progress.advance(rows.len() as u64);
        return Ok(stored);
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
