//! The inbox worker: claims due deliveries, applies them in one transaction each (the delivery
//! is marked done in the same transaction), retries failures with backoff and jitter, and
//! dead-letters deliveries it cannot parse or that keep failing.

use crate::startup::AppState;
use chrono::Duration;
use std::sync::Arc;
use suyuan_core::entity::{store, webhook_inbox};
use suyuan_core::ids::SellerId;
use suyuan_core::marketplace::{self, Change, Platform};
use suyuan_core::store::{StoreError, inbox, ledger, listings, sales};
use tokio::sync::Notify;

/// How many deliveries one claim takes.
pub const CLAIM_BATCH: u64 = 64;
/// How long a claim holds a delivery before another worker may take it over.
pub const LEASE: Duration = Duration::seconds(60);
/// Deliveries applied in one transaction.
pub const SELLER_CHUNK: usize = 16;
/// Attempts before a delivery is dead-lettered.
pub const MAX_ATTEMPTS: i32 = 8;

/// Starts the worker loop; it wakes on `notify` (a commit of new deliveries) or every 500 ms.
pub fn spawn(state: AppState, notify: Arc<Notify>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_once(&state).await {
                Ok(0) => {
                    tokio::select! {
                        () = notify.notified() => {}
                        () = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "inbox worker failed to claim deliveries");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    })
}

/// Claims and processes one batch; returns how many deliveries it took.
///
/// The batch is applied seller by seller, one transaction per seller (each delivery inside its
/// own savepoint, marked done in it), so a burst costs one commit per seller rather than one per
/// delivery, and one bad delivery never undoes its neighbours.
pub async fn run_once(state: &AppState) -> Result<usize, StoreError> {
    let rows = inbox::claim_due(&state.db, CLAIM_BATCH, LEASE).await?;
    let n = rows.len();
    let mut by_seller: std::collections::BTreeMap<String, Vec<webhook_inbox::Model>> =
        std::collections::BTreeMap::new();
    for row in rows {
        by_seller
            .entry(row.seller_id.clone())
            .or_default()
            .push(row);
    }
    for (seller, rows) in by_seller {
        // Short transactions: on SQLite a transaction holds the one write lock, which the
        // receivers' inbox writer needs too.
        for chunk in rows.chunks(SELLER_CHUNK) {
            process_seller(state, &seller, chunk.to_vec()).await;
        }
    }
    Ok(n)
}

#[tracing::instrument(skip_all, fields(seller_id = %seller, deliveries = rows.len()))]
async fn process_seller(state: &AppState, seller: &str, rows: Vec<webhook_inbox::Model>) {
    use sea_orm::TransactionTrait as _;
    let mut failed: Vec<(webhook_inbox::Model, String, bool)> = Vec::new();
    let mut applied = 0u64;
    let outcome: Result<(), StoreError> = async {
        let seller_id = SellerId::parse(seller).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let txn = ledger::begin_for_seller(&state.db, &seller_id).await?;
        for row in rows.iter() {
            let changes = match parse(row) {
                Ok(c) => c,
                Err(reason) => {
                    tracing::warn!(delivery_id = row.id, %reason, "delivery cannot be parsed: dead-lettered");
                    failed.push((row.clone(), reason, false));
                    continue;
                }
            };
            let savepoint = txn.begin().await?;
            match apply(state, &savepoint, &seller_id, row, changes).await {
                Ok(()) => {
                    savepoint.commit().await?;
                    applied += 1;
                }
                Err(e) => {
                    savepoint.rollback().await?;
                    tracing::warn!(delivery_id = row.id, error = %e, attempts = row.attempts, "delivery failed");
                    failed.push((row.clone(), e.to_string(), true));
                }
            }
        }
        txn.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        // The whole transaction failed (database trouble): every delivery is retried.
        tracing::warn!(error = %e, "seller batch failed");
        failed = rows
            .iter()
            .map(|r| (r.clone(), e.to_string(), true))
            .collect();
        applied = 0;
    }
    state
        .metrics
        .inbox_processed
        .with_label_values(&["applied"])
        .inc_by(applied);
    for (row, reason, retryable) in failed {
        let label = if !retryable || row.attempts >= MAX_ATTEMPTS {
            "dead"
        } else {
            "retried"
        };
        match inbox::mark_failed(&state.db, &row, &reason, retryable, MAX_ATTEMPTS).await {
            Ok(()) => state
                .metrics
                .inbox_processed
                .with_label_values(&[label])
                .inc(),
            Err(e) => {
                tracing::error!(error = %e, delivery_id = row.id, "could not record the delivery's outcome")
            }
        }
    }
}

fn parse(row: &webhook_inbox::Model) -> Result<Vec<Change>, String> {
    let platform: Platform = row
        .platform
        .parse()
        .map_err(|_| format!("unknown platform `{}`", row.platform))?;
    marketplace::adapter(platform)
        .parse(&row.topic, &row.body)
        .map_err(|e| format!("{e} / {}", e.message_zh()))
}

async fn apply(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    seller: &SellerId,
    row: &webhook_inbox::Model,
    changes: Vec<Change>,
) -> Result<(), StoreError> {
    use sea_orm::EntityTrait as _;
    let store = store::Entity::find_by_id(row.store_id.as_str())
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound("store"))?;
    for change in &changes {
        match change {
            Change::ListingUpsert(data) => {
                let before =
                    listings::find_external(txn, seller, &store.platform, &data.external_id)
                        .await?
                        .map(|r| listings::trace_state(&r));
                if let listings::Upserted::Applied(row) =
                    listings::upsert_from_delivery(txn, &state.catalogue, &store, data).await?
                {
                    let after = listings::trace_state(&row);
                    if before != Some(after) {
                        let payload = serde_json::json!({
                            "listing_id": row.id,
                            "platform": row.platform,
                            "external_id": row.external_id,
                            "trace_state": after,
                            "previous_trace_state": before,
                            "badge_url": format!("{}/badge/listing/{}.svg", state.public_url, row.id),
                            "trace_url": format!("{}/l/{}", state.public_url, row.id),
                        });
                        super::notify::enqueue(
                            txn,
                            &store.platform,
                            "listing.trace_status_changed",
                            &payload,
                        )
                        .await?;
                    }
                }
            }
            Change::ListingDeleted {
                external_id,
                updated_at,
            } => {
                listings::mark_deleted(txn, &store, external_id, *updated_at).await?;
            }
            Change::Order(order) => {
                sales::upsert_from_order(txn, &state.catalogue, &store, order).await?;
            }
        }
    }
    inbox::mark_done(txn, row.id).await?;
    Ok(())
}
