//! Sales from a CSV file, registered row by row through [`offline::register`] (the API's own
//! registration), so each row's stock checks see the rows before it. A row whose codes were
//! never received, were already sold, or exceed stock is refused with the item named and writes
//! nothing.

use super::receipts::{Labels, field_of_element};
use super::{Chunk, ImportOptions, Progress, RowIssue, Source, Stored};
use crate::offline::{self, NewSale};
use crate::{StoreError, ledger};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
            let mut issues = Vec::with_capacity(problems.len());
            for p in problems {
                let code = codes.get(p.index).cloned().unwrap_or_default();
                issues.push(RowIssue {
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
            stored.rejected.rows += usize::from(issues.is_empty());
            stored.rejected.extend(issues);
        }
    }
}

/// Chunks read ahead of the one being registered.
const CHUNKS_AHEAD: usize = 2;

/// Registers the good rows of a sales file for `seller_id` as `source` reads and checks them,
/// in file order, each seeing the rows before it (a code sold on row 3 cannot be sold again on
/// row 9). Answers what was stored and the source, read to its end.
///
/// By default each row is its own transaction: a refused row writes nothing, the others go in.
/// An all-or-nothing import registers every row in one transaction and commits only if none
/// was refused (`refused` is set by the reader for rows that do not parse); a dry run does the
/// same and always rolls back. Both therefore make exactly the checks a real import makes,
/// against the ledger as it stands, and report every refused row.
///
/// With a `run` ([`super::runs`]), good rows up to `run.stored_through` are not registered
/// again (an earlier import of the same file registered them), and each row's transaction
/// moves the run on to it.
#[allow(clippy::too_many_arguments)]
pub async fn store<S: Source<NewSale>>(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    seller_id: &SellerId,
    source: S,
    refused: Arc<AtomicBool>,
    labels: &Labels,
    options: ImportOptions,
    limit: usize,
    progress: &mut dyn Progress,
    run: Option<&super::runs::Run>,
) -> Result<(Stored, S), StoreError> {
    let through = run.map_or(0, |r| r.stored_through);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk<NewSale>>(CHUNKS_AHEAD);
    let span = tracing::Span::current();
    let producer = tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut source = source;
        while let Some(chunk) = source.next_chunk() {
            if tx.blocking_send(chunk).is_err() {
                break;
            }
        }
        source
    });
    let mut stored = Stored::new(limit);
    stored.resumed_after_row = Some(through).filter(|n| *n > 0);
    let written = async {
        let whole = if options.dry_run || options.all_or_nothing {
            Some(ledger::begin_for_seller(db, seller_id).await?)
        } else {
            None
        };
        while let Some(chunk) = rx.recv().await {
            // All or nothing with a row refused: nothing will be written.
            if options.all_or_nothing
                && (refused.load(Ordering::Relaxed) || !stored.rejected.is_empty())
            {
                progress.advance(chunk.read as u64);
                continue;
            }
            let mut stored_any = false;
            for (row, sale) in chunk.good {
                if row <= through {
                    stored.imported += 1;
                    stored.imported_before += 1;
                    continue;
                }
                stored_any = true;
                let codes: Vec<String> = sale.items.iter().map(|(c, _)| c.to_string()).collect();
                let category = sale.category.to_string();
                let outcome = match &whole {
                    Some(txn) => {
                        let outcome = offline::register_in(txn, catalogue, seller_id, sale)
                            .await?
                            .map(|done| done.missing)
                            .map_err(|refused| refused.problems);
                        if let (Some(run), Ok(_)) = (run, &outcome) {
                            super::runs::mark(txn, run, row, 1, Utc::now()).await?;
                        }
                        outcome
                    }
                    None => offline::register_marked(db, catalogue, seller_id, sale, run, row)
                        .await?
                        .map(|done| done.missing),
                };
                note(&mut stored, labels, row, &codes, &category, outcome);
            }
            if let Some(run) = run.filter(|_| !stored_any && whole.is_none()) {
                super::runs::renew(db, run, Utc::now()).await?;
            }
            progress.advance(chunk.read as u64);
        }
        if let Some(txn) = whole {
            let refused = refused.load(Ordering::Relaxed) || !stored.rejected.is_empty();
            if options.dry_run || (options.all_or_nothing && refused) {
                txn.rollback().await?;
                // All or nothing with a row refused: no row would be written.
                if options.all_or_nothing && refused {
                    stored.imported = 0;
                    stored.imported_before = 0;
                    stored.events = 0;
                    stored.warnings.clear();
                }
            } else {
                txn.commit().await?;
            }
        }
        Ok::<_, StoreError>(())
    }
    .await;
    // Stops the reader if registering failed, then waits for it.
    drop(rx);
    let source = producer
        .await
        .map_err(|e| StoreError::Corrupt(format!("import reader failed: {e}")))?;
    written?;
    Ok((stored, source))
}
