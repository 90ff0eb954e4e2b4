//! The inbox worker: claims due deliveries, applies them in one transaction each (the delivery
//! is marked done in the same transaction), retries failures with backoff and jitter, and
//! dead-letters deliveries it cannot parse or that keep failing.

use chrono::Duration;
use std::sync::Arc;
use suyuan_core::ids::SellerId;
use suyuan_core::marketplace::{self, Change, Platform};
use suyuan_store::entity::{store, webhook_inbox};
use suyuan_store::{StoreError, inbox, ledger, listings, sales};
use suyuan_web::AppState;
use tokio::sync::Notify;

/// How many deliveries one claim takes.
pub const CLAIM_BATCH: u64 = 64;
/// How long a claim holds a delivery before another worker may take it over.
pub const LEASE: Duration = Duration::seconds(60);
/// Deliveries applied in one transaction.
pub const SELLER_CHUNK: usize = 32;
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
    let rows = {
        let _turn = state.write_gate.enter_background().await;
        inbox::claim_due(&state.db, CLAIM_BATCH, LEASE).await?
    };
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
            let _turn = state.write_gate.enter_background().await;
            process_seller(state, &seller, chunk.to_vec()).await;
        }
    }
    Ok(n)
}

/// What one chunk needs from the database once, not once per delivery.
struct ChunkContext {
    stores: std::collections::HashMap<String, store::Model>,
    /// Platforms whose operators subscribed to notifications.
    notify_platforms: std::collections::HashSet<String>,
}

async fn chunk_context(
    txn: &sea_orm::DatabaseTransaction,
    rows: &[(webhook_inbox::Model, Vec<Change>)],
) -> Result<ChunkContext, StoreError> {
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    let ids: std::collections::BTreeSet<String> =
        rows.iter().map(|(r, _)| r.store_id.clone()).collect();
    let stores: std::collections::HashMap<String, store::Model> = store::Entity::find()
        .filter(store::Column::Id.is_in(ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let mut notify_platforms = std::collections::HashSet::new();
    for platform in stores
        .values()
        .map(|s| s.platform.clone())
        .collect::<std::collections::BTreeSet<_>>()
    {
        if super::notify::has_subscribers(txn, &platform).await? {
            notify_platforms.insert(platform);
        }
    }
    Ok(ChunkContext {
        stores,
        notify_platforms,
    })
}

#[tracing::instrument(skip_all, fields(seller_id = %seller, deliveries = rows.len()))]
async fn process_seller(state: &AppState, seller: &str, rows: Vec<webhook_inbox::Model>) {
    use sea_orm::TransactionTrait as _;
    let mut failed: Vec<(webhook_inbox::Model, String, bool)> = Vec::new();
    let mut parsed = Vec::with_capacity(rows.len());
    for row in rows {
        match parse(&row) {
            Ok(changes) => parsed.push((row, changes)),
            Err(reason) => {
                tracing::warn!(delivery_id = row.id, %reason, "delivery cannot be parsed: dead-lettered");
                failed.push((row, reason, false));
            }
        }
    }
    let mut applied = 0u64;
    let outcome: Result<(), StoreError> = async {
        if parsed.is_empty() {
            return Ok(());
        }
        let seller_id = SellerId::parse(seller).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // Fast path: the whole chunk in one transaction, done-marks in one statement.
        let txn = ledger::begin_for_seller(&state.db, &seller_id).await?;
        let ctx = chunk_context(&txn, &parsed).await?;
        let mut fast: Result<(), StoreError> = Ok(());
        for (row, changes) in &parsed {
            if let Err(e) = apply(state, &txn, &ctx, &seller_id, row, changes).await {
                fast = Err(e);
                break;
            }
        }
        if fast.is_ok() {
            inbox::mark_done_many(&txn, parsed.iter().map(|(r, _)| r.id).collect()).await?;
            txn.commit().await?;
            applied = parsed.len() as u64;
            return Ok(());
        }
        txn.rollback().await?;
        // Slow path: one savepoint per delivery, so one bad delivery never undoes the others.
        let txn = ledger::begin_for_seller(&state.db, &seller_id).await?;
        let ctx = chunk_context(&txn, &parsed).await?;
        for (row, changes) in &parsed {
            let savepoint = txn.begin().await?;
            match apply(state, &savepoint, &ctx, &seller_id, row, changes).await {
                Ok(()) => {
                    inbox::mark_done(&savepoint, row.id).await?;
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
        // The transaction itself failed (database trouble): every delivery is retried.
        tracing::warn!(error = %e, "seller batch failed");
        failed.extend(parsed.iter().map(|(r, _)| (r.clone(), e.to_string(), true)));
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
    ctx: &ChunkContext,
    seller: &SellerId,
    row: &webhook_inbox::Model,
    changes: &[Change],
) -> Result<(), StoreError> {
    let store = ctx
        .stores
        .get(&row.store_id)
        .ok_or(StoreError::NotFound("store"))?;
    let notify = ctx.notify_platforms.contains(&store.platform);
    for change in changes {
        match change {
            Change::ListingUpsert(data) => {
                let before =
                    listings::find_external(txn, seller, &store.platform, &data.external_id)
                        .await?
                        .map(|r| listings::trace_state(&r));
                if let listings::Upserted::Applied(row) =
                    listings::upsert_from_delivery(txn, &state.catalogue, store, data).await?
                {
                    let after = listings::trace_state(&row);
                    if notify && before != Some(after) {
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
                listings::mark_deleted(txn, store, external_id, *updated_at).await?;
            }
            Change::Order(order) => {
                sales::upsert_from_order(txn, &state.catalogue, store, order).await?;
            }
        }
    }
    Ok(())
}
