//! The inbox worker: claims due deliveries, applies them in one transaction each (the delivery
//! is marked done in the same transaction), retries failures with backoff and jitter, and
//! dead-letters deliveries it cannot parse or that keep failing.

use chrono::{Duration, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use suyuan_core::ids::SellerId;
use suyuan_core::marketplace::{self, Change, Marketplace};
use suyuan_core::retry::{Backoff, RetryPolicy};
use suyuan_store::entity::{shop, webhook_inbox};
use suyuan_store::inbox::Applying;
use suyuan_store::queue::{Failed, notifications};
use suyuan_store::{DatabaseTransaction, StoreError, inbox, listings, sales};
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
/// Retries of a delivery that failed: about 2, 4, 8 … seconds apart (with jitter), at most an
/// hour.
pub const RETRY: RetryPolicy = RetryPolicy {
    max_attempts: MAX_ATTEMPTS,
    backoff: Backoff {
        base: std::time::Duration::from_secs(4),
        max: std::time::Duration::from_secs(3600),
    },
};

/// Bodies redacted per sweep (see [`redact_settled`]).
pub const REDACT_BATCH: u64 = 256;

/// Replaces the bodies of applied deliveries (and of dead letters past the replay window) by
/// their redacted form, keeping the hash of the original; returns how many.
pub async fn redact_settled(state: &AppState) -> Result<u64, StoreError> {
    let _turn = state.write_gate.enter_background().await;
    inbox::redact_settled(
        &state.db,
        Utc::now(),
        state.webhooks.dead_letter_keep,
        REDACT_BATCH,
    )
    .await
}

/// Starts the worker loop; it wakes on `notify` (a commit of new deliveries) or every 500 ms,
/// and after each batch redacts what was settled.
pub fn spawn(state: AppState, notify: Arc<Notify>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = redact_settled(&state).await {
                tracing::error!(error = %e, "inbox worker failed to redact settled deliveries");
            }
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
        inbox::claim_due(&state.db, Utc::now(), CLAIM_BATCH, LEASE).await?
    };
    let n = rows.len();
    let mut by_seller: BTreeMap<String, Vec<webhook_inbox::Model>> = BTreeMap::new();
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
    stores: HashMap<String, shop::Model>,
    /// Platforms whose operators subscribed to notifications.
    notify_platforms: HashSet<String>,
}

async fn chunk_context(
    state: &AppState,
    rows: &[&webhook_inbox::Model],
) -> Result<ChunkContext, StoreError> {
    let stores = inbox::stores_of(&state.db, rows).await?;
    let mut notify_platforms = HashSet::new();
    for platform in stores
        .values()
        .map(|s| s.platform.clone())
        .collect::<BTreeSet<_>>()
    {
        if notifications::has_subscribers(&state.db, &platform).await? {
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
        let rows: Vec<&webhook_inbox::Model> = parsed.iter().map(|(r, _)| r).collect();
        let ctx = chunk_context(state, &rows).await?;
        // Fast path: the whole chunk in one transaction, done-marks in one statement.
        let batch = Applying::begin(&state.db, &seller_id).await?;
        let mut fast: Result<(), StoreError> = Ok(());
        for (row, changes) in &parsed {
            if let Err(e) = apply(state, batch.txn(), &ctx, &seller_id, row, changes).await {
                fast = Err(e);
                break;
            }
        }
        if fast.is_ok() {
            batch.done(&rows, Utc::now()).await?;
            applied = parsed.len() as u64;
            return Ok(());
        }
        batch.undo().await?;
        // Slow path: one savepoint per delivery, so one bad delivery never undoes the others.
        let batch = Applying::begin(&state.db, &seller_id).await?;
        for (row, changes) in &parsed {
            let one = batch.savepoint().await?;
            match apply(state, one.txn(), &ctx, &seller_id, row, changes).await {
                Ok(()) => {
                    one.done(&[row], Utc::now()).await?;
                    applied += 1;
                }
                Err(e) => {
                    one.undo().await?;
                    tracing::warn!(delivery_id = row.id, error = %e, attempts = row.attempts, "delivery failed");
                    failed.push((row.clone(), e.to_string(), true));
                }
            }
        }
        batch.commit().await?;
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
        let policy = retryable.then_some(&RETRY);
        match inbox::fail(&state.db, &row, Utc::now(), &reason, policy).await {
            Ok(Failed::ClaimLost) => {
                tracing::warn!(
                    delivery_id = row.id,
                    "claim lost before the outcome was written (lease ran out)"
                );
            }
            Ok(how) => {
                let label = if how == Failed::Dead {
                    "dead"
                } else {
                    "retried"
                };
                state
                    .metrics
                    .inbox_processed
                    .with_label_values(&[label])
                    .inc();
            }
            Err(e) => {
                tracing::error!(error = %e, delivery_id = row.id, "could not record the delivery's outcome")
            }
        }
    }
}

fn parse(row: &webhook_inbox::Model) -> Result<Vec<Change>, String> {
    let platform: Marketplace = row
        .platform
        .parse()
        .map_err(|_| format!("unknown platform `{}`", row.platform))?;
    marketplace::adapter(platform)
        .parse(&row.topic, &row.body)
        .map_err(|e| format!("{e} / {}", e.message_zh()))
}

async fn apply(
    state: &AppState,
    txn: &DatabaseTransaction,
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
                        notifications::enqueue(
                            txn,
                            &store.platform,
                            "listing.trace_status_changed",
                            &payload,
                            Utc::now(),
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
                let terms = crate::routes::sales::transfer_terms(state);
                sales::upsert_from_order(txn, &state.catalogue, store, order, &terms).await?;
            }
        }
    }
    Ok(())
}
