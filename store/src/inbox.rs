//! The webhook inbox: deliveries are written (deduplicated by store and idempotency key) and
//! committed before they are acknowledged; workers claim due rows, and rows that cannot be
//! processed end in a dead-letter list the seller can read and replay.
//!
//! Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several instances can work one
//! database without processing a delivery twice; on SQLite the single writer gives the same.

use super::StoreError;
use crate::entity::webhook_inbox;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};
use suyuan_core::ids::SellerId;

/// Inbox row states.
pub mod status {
    /// Waiting for a worker (or for its next attempt).
    pub const PENDING: &str = "pending";
    /// Claimed by a worker.
    pub const PROCESSING: &str = "processing";
    /// Applied.
    pub const DONE: &str = "done";
    /// Given up on: shown to the seller with the reason, replayable.
    pub const DEAD: &str = "dead";
}

/// A verified delivery to store.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    /// The store it came to.
    pub store_id: String,
    /// The store's seller.
    pub seller_id: String,
    /// Platform slug.
    pub platform: String,
    /// Deduplication key.
    pub idempotency_key: String,
    /// Topic as the platform names it.
    pub topic: String,
    /// The raw body, byte for byte.
    pub body: Vec<u8>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// Inserts deliveries in one transaction and one statement (group commit). Returns, per
/// delivery, whether it was new (`false`: a repeat of a stored key, which changes nothing).
pub async fn insert_batch(
    db: &DatabaseConnection,
    batch: &[NewDelivery],
) -> Result<Vec<bool>, StoreError> {
    use std::collections::HashSet;
    if batch.is_empty() {
        return Ok(vec![]);
    }
    if db.get_database_backend() == DbBackend::Postgres {
        return insert_batch_returning(db, batch).await;
    }
    // Which keys are already stored (answered as repeats). Read before the transaction: on
    // SQLite a transaction that reads before it writes can be refused its upgrade to a writer.
    // The insert below skips stored keys anyway, so a race can only mislabel a repeat, never
    // store it twice.
    let mut existing: HashSet<(String, String)> = HashSet::new();
    let mut by_store: std::collections::BTreeMap<&str, Vec<String>> =
        std::collections::BTreeMap::new();
    for d in batch {
        by_store
            .entry(d.store_id.as_str())
            .or_default()
            .push(d.idempotency_key.clone());
    }
    for (store_id, keys) in by_store {
        for chunk in keys.chunks(400) {
            // (store_id, key) is the unique index: both columns, so the look-up uses it.
            let found: Vec<(String, String)> = webhook_inbox::Entity::find()
                .select_only()
                .column(webhook_inbox::Column::StoreId)
                .column(webhook_inbox::Column::IdempotencyKey)
                .filter(webhook_inbox::Column::StoreId.eq(store_id))
                .filter(webhook_inbox::Column::IdempotencyKey.is_in(chunk.to_vec()))
                .into_tuple()
                .all(db)
                .await?;
            existing.extend(found);
        }
    }
    let mut fresh = Vec::with_capacity(batch.len());
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let mut rows = Vec::new();
    for d in batch {
        let new = !existing.contains(&(d.store_id.clone(), d.idempotency_key.clone()))
            && seen.insert((d.store_id.as_str(), d.idempotency_key.as_str()));
        fresh.push(new);
        if new {
            rows.push(webhook_inbox::ActiveModel {
                store_id: Set(d.store_id.clone()),
                seller_id: Set(d.seller_id.clone()),
                platform: Set(d.platform.clone()),
                idempotency_key: Set(d.idempotency_key.clone()),
                topic: Set(d.topic.clone()),
                body: Set(d.body.clone()),
                received_at: Set(d.received_at),
                status: Set(status::PENDING.to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(d.received_at),
                locked_until: Set(None),
                last_error: Set(None),
                processed_at: Set(None),
                ..Default::default()
            });
        }
    }
    let txn = db.begin().await?;
    for chunk in rows.chunks(200) {
        webhook_inbox::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    webhook_inbox::Column::StoreId,
                    webhook_inbox::Column::IdempotencyKey,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(fresh)
}

/// PostgreSQL: one `INSERT … ON CONFLICT DO NOTHING RETURNING` statement per chunk, so a batch
/// costs one round trip; the keys it returns are the new ones.
async fn insert_batch_returning(
    db: &DatabaseConnection,
    batch: &[NewDelivery],
) -> Result<Vec<bool>, StoreError> {
    use sea_orm::QueryTrait as _;
    use std::collections::HashSet;
    let mut inserted: HashSet<(String, String)> = HashSet::new();
    for chunk in batch.chunks(200) {
        let rows = chunk.iter().map(|d| webhook_inbox::ActiveModel {
            store_id: Set(d.store_id.clone()),
            seller_id: Set(d.seller_id.clone()),
            platform: Set(d.platform.clone()),
            idempotency_key: Set(d.idempotency_key.clone()),
            topic: Set(d.topic.clone()),
            body: Set(d.body.clone()),
            received_at: Set(d.received_at),
            status: Set(status::PENDING.to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(d.received_at),
            locked_until: Set(None),
            last_error: Set(None),
            processed_at: Set(None),
            ..Default::default()
        });
        let mut query = webhook_inbox::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    webhook_inbox::Column::StoreId,
                    webhook_inbox::Column::IdempotencyKey,
                ])
                .do_nothing()
                .to_owned(),
            )
            .into_query();
        query.returning(sea_orm::sea_query::Query::returning().columns([
            webhook_inbox::Column::StoreId,
            webhook_inbox::Column::IdempotencyKey,
        ]));
        for row in db.query_all(&query).await? {
            inserted.insert((
                row.try_get("", "store_id")?,
                row.try_get("", "idempotency_key")?,
            ));
        }
    }
    let mut seen = HashSet::new();
    Ok(batch
        .iter()
        .map(|d| {
            let key = (d.store_id.clone(), d.idempotency_key.clone());
            inserted.contains(&key) && seen.insert(key)
        })
        .collect())
}

/// Claims up to `limit` due deliveries for `lease`: pending ones whose time has come, and
/// processing ones whose lease ran out (a worker that died).
pub async fn claim_due(
    db: &DatabaseConnection,
    limit: u64,
    lease: Duration,
) -> Result<Vec<webhook_inbox::Model>, StoreError> {
    let now = Utc::now();
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        "UPDATE webhook_inbox SET status = 'processing', locked_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM webhook_inbox \
           WHERE (status = 'pending' AND next_attempt_at <= $2) OR (status = 'processing' AND locked_until < $3) \
           ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) \
         RETURNING *"
    } else {
        // Two range scans of the (status, next_attempt_at) index rather than a scan of the
        // whole table, which keeps every processed delivery.
        "UPDATE webhook_inbox SET status = 'processing', locked_until = ?, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM ( \
             SELECT id FROM webhook_inbox WHERE status = 'pending' AND next_attempt_at <= ? \
             UNION ALL \
             SELECT id FROM webhook_inbox WHERE status = 'processing' AND locked_until < ? \
           ) ORDER BY id LIMIT ?) \
         RETURNING *"
    };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let stmt = Statement::from_sql_and_values(
        backend,
        sql,
        [(now + lease).into(), now.into(), now.into(), limit.into()],
    );
    let mut rows = webhook_inbox::Entity::find()
        .from_raw_sql(stmt)
        .all(db)
        .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Marks a delivery applied.
pub async fn mark_done(db: &impl ConnectionTrait, id: i64) -> Result<(), StoreError> {
    webhook_inbox::ActiveModel {
        id: Set(id),
        status: Set(status::DONE.to_owned()),
        locked_until: Set(None),
        last_error: Set(None),
        processed_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Marks deliveries applied, in one statement.
pub async fn mark_done_many(db: &impl ConnectionTrait, ids: Vec<i64>) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    webhook_inbox::Entity::update_many()
        .col_expr(webhook_inbox::Column::Status, status::DONE.into())
        .col_expr(
            webhook_inbox::Column::LockedUntil,
            Option::<DateTime<Utc>>::None.into(),
        )
        .col_expr(
            webhook_inbox::Column::LastError,
            Option::<String>::None.into(),
        )
        .col_expr(webhook_inbox::Column::ProcessedAt, Some(Utc::now()).into())
        .filter(webhook_inbox::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(())
}

/// Schedules another attempt, or dead-letters the delivery once `max_attempts` are spent.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    row: &webhook_inbox::Model,
    reason: &str,
    retryable: bool,
    max_attempts: i32,
) -> Result<(), StoreError> {
    let dead = !retryable || row.attempts >= max_attempts;
    let next = Utc::now() + backoff(row.attempts);
    webhook_inbox::ActiveModel {
        id: Set(row.id),
        status: Set(if dead { status::DEAD } else { status::PENDING }.to_owned()),
        locked_until: Set(None),
        last_error: Set(Some(reason.chars().take(2000).collect())),
        next_attempt_at: Set(next),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Exponential backoff with jitter: about 2^attempts seconds, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let base = 2i64
        .saturating_pow(u32::try_from(attempts.clamp(0, 12)).unwrap_or(12))
        .min(3600);
    let jitter = rand::random_range(0..=base.max(1) * 250);
    Duration::seconds(base) + Duration::milliseconds(jitter)
}

/// The seller's dead-lettered deliveries, newest first.
pub async fn dead_letters(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    limit: u64,
) -> Result<Vec<webhook_inbox::Model>, StoreError> {
    Ok(webhook_inbox::Entity::find()
        .filter(webhook_inbox::Column::SellerId.eq(seller.as_str()))
        .filter(webhook_inbox::Column::Status.eq(status::DEAD))
        .order_by_desc(webhook_inbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Puts a dead-lettered delivery of this seller back in the queue.
pub async fn replay(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    id: i64,
) -> Result<(), StoreError> {
    let res = webhook_inbox::Entity::update_many()
        .col_expr(webhook_inbox::Column::Status, status::PENDING.into())
        .col_expr(webhook_inbox::Column::Attempts, 0.into())
        .col_expr(webhook_inbox::Column::NextAttemptAt, Utc::now().into())
        .filter(webhook_inbox::Column::Id.eq(id))
        .filter(webhook_inbox::Column::SellerId.eq(seller.as_str()))
        .filter(webhook_inbox::Column::Status.eq(status::DEAD))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        Err(StoreError::NotFound("dead-lettered delivery"))
    } else {
        Ok(())
    }
}

/// Counts deliveries by state (for metrics and tests).
pub async fn count_by_status(db: &impl ConnectionTrait, status: &str) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(webhook_inbox::Entity::find()
        .filter(webhook_inbox::Column::Status.eq(status))
        .count(db)
        .await?)
}
