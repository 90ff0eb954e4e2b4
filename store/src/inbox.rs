//! The webhook inbox: deliveries are written (deduplicated by store and idempotency key) and
//! committed before they are acknowledged; workers claim due rows, and rows that cannot be
//! processed end in a dead-letter list the seller can read and replay.
//!
//! It is one of the queues of [`crate::queue`] (claims are leases, `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, so several instances work one database without processing a delivery twice);
//! its own parts are the group-commit insert and [`Applying`], which marks deliveries done in
//! the transaction that applies them.

use super::StoreError;
use crate::entity::{shop, webhook_inbox};
use crate::ledger;
use crate::queue::{Claim, Failed, Job, Queue, States};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use std::collections::{BTreeSet, HashMap};
use suyuan_core::ids::SellerId;
use suyuan_core::retry::RetryPolicy;

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

/// The inbox queue (`webhook_inbox`).
pub const QUEUE: Queue<webhook_inbox::Entity> = Queue {
    id: webhook_inbox::Column::Id,
    status: webhook_inbox::Column::Status,
    attempts: webhook_inbox::Column::Attempts,
    next_attempt_at: webhook_inbox::Column::NextAttemptAt,
    locked_until: webhook_inbox::Column::LockedUntil,
    last_error: webhook_inbox::Column::LastError,
    finished_at: Some(webhook_inbox::Column::ProcessedAt),
    touched_at: None,
    states: States {
        pending: status::PENDING,
        claimed: status::PROCESSING,
        done: status::DONE,
        dead: status::DEAD,
    },
    replayable: &[status::DEAD],
    cleared_on_replay: &[],
    error_chars: 2000,
};

impl Job for webhook_inbox::Model {
    fn claim(&self) -> Claim {
        Claim {
            id: self.id,
            attempts: self.attempts,
        }
    }
}

/// A verified delivery to store.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    /// The store it came to.
    pub store_id: String,
    /// The store's seller.
    pub seller_id: String,
    /// The marketplace's slug.
    pub platform: String,
    /// Deduplication key.
    pub idempotency_key: String,
    /// Topic as the platform names it.
    pub topic: String,
    /// SHA-256 of the topic and the signed content: a second deduplication key, unique per
    /// store, that no unsigned header can change (`None` only for callers that have none).
    pub content_digest: Option<String>,
    /// The raw body, byte for byte.
    pub body: Vec<u8>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// A delivery's row: a pending job, due when it arrived.
fn new_row(d: &NewDelivery) -> Result<webhook_inbox::ActiveModel, StoreError> {
    QUEUE.pending(
        webhook_inbox::ActiveModel {
            store_id: Set(d.store_id.clone()),
            seller_id: Set(d.seller_id.clone()),
            platform: Set(d.platform.clone()),
            idempotency_key: Set(d.idempotency_key.clone()),
            topic: Set(d.topic.clone()),
            content_digest: Set(d.content_digest.clone()),
            body: Set(d.body.clone()),
            received_at: Set(d.received_at),
            processed_at: Set(None),
            ..Default::default()
        },
        d.received_at,
    )
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
    let mut digests_by_store: std::collections::BTreeMap<&str, Vec<String>> =
        std::collections::BTreeMap::new();
    for d in batch {
        by_store
            .entry(d.store_id.as_str())
            .or_default()
            .push(d.idempotency_key.clone());
        if let Some(digest) = &d.content_digest {
            digests_by_store
                .entry(d.store_id.as_str())
                .or_default()
                .push(digest.clone());
        }
    }
    let mut existing_digests: HashSet<(String, String)> = HashSet::new();
    for (store_id, digests) in digests_by_store {
        for chunk in digests.chunks(400) {
            // (store_id, content_digest) is a unique index too.
            let found: Vec<(String, Option<String>)> = webhook_inbox::Entity::find()
                .select_only()
                .column(webhook_inbox::Column::StoreId)
                .column(webhook_inbox::Column::ContentDigest)
                .filter(webhook_inbox::Column::StoreId.eq(store_id))
                .filter(webhook_inbox::Column::ContentDigest.is_in(chunk.to_vec()))
                .into_tuple()
                .all(db)
                .await?;
            existing_digests.extend(found.into_iter().filter_map(|(s, d)| Some((s, d?))));
        }
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
    let mut seen_digests: HashSet<(&str, &str)> = HashSet::new();
    let mut rows = Vec::new();
    for d in batch {
        let digest_new = match &d.content_digest {
            Some(digest) => {
                !existing_digests.contains(&(d.store_id.clone(), digest.clone()))
                    && !seen_digests.contains(&(d.store_id.as_str(), digest.as_str()))
            }
            None => true,
        };
        let new = digest_new
            && !existing.contains(&(d.store_id.clone(), d.idempotency_key.clone()))
            && seen.insert((d.store_id.as_str(), d.idempotency_key.as_str()));
        if new && let Some(digest) = &d.content_digest {
            seen_digests.insert((d.store_id.as_str(), digest.as_str()));
        }
        fresh.push(new);
        if new {
            rows.push(new_row(d)?);
        }
    }
    let txn = db.begin().await?;
    for chunk in rows.chunks(200) {
        webhook_inbox::Entity::insert_many(chunk.to_vec())
            // Either unique index (store and key, store and content digest) makes a repeat.
            .on_conflict(OnConflict::new().do_nothing().to_owned())
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
        let rows = chunk.iter().map(new_row).collect::<Result<Vec<_>, _>>()?;
        let mut query = webhook_inbox::Entity::insert_many(rows)
            // Either unique index (store and key, store and content digest) makes a repeat.
            .on_conflict(OnConflict::new().do_nothing().to_owned())
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

/// Claims up to `limit` deliveries due at `now` for `lease`: pending ones whose time has come,
/// and processing ones whose lease ran out (a worker that died).
pub async fn claim_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
    lease: Duration,
) -> Result<Vec<webhook_inbox::Model>, StoreError> {
    QUEUE.claim(db, now, limit, lease).await
}

/// The stores these deliveries came to, by id.
pub async fn stores_of(
    db: &impl ConnectionTrait,
    rows: &[&webhook_inbox::Model],
) -> Result<HashMap<String, shop::Model>, StoreError> {
    let ids: BTreeSet<&str> = rows.iter().map(|r| r.store_id.as_str()).collect();
    Ok(shop::Entity::find()
        .filter(shop::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect())
}

/// One seller's claimed deliveries being applied in one transaction (the ledger's per-seller
/// lock taken first): a delivery is marked done in the transaction that applies its changes, so
/// none is lost or applied twice. A [`Applying::savepoint`] inside it holds one delivery, so a
/// bad one can be undone without undoing its neighbours.
pub struct Applying {
    txn: DatabaseTransaction,
}

impl Applying {
    /// Begins the seller's transaction.
    pub async fn begin(db: &DatabaseConnection, seller: &SellerId) -> Result<Applying, StoreError> {
        Ok(Applying {
            txn: ledger::begin_for_seller(db, seller).await?,
        })
    }

    /// The transaction, for the store functions that apply a delivery's changes.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// A savepoint inside this transaction (ended by [`Applying::done`] or [`Applying::undo`]).
    pub async fn savepoint(&self) -> Result<Applying, StoreError> {
        Ok(Applying {
            txn: self.txn.begin().await?,
        })
    }

    /// Marks the claimed `rows` done and commits; returns how many were still held.
    pub async fn done(
        self,
        rows: &[&webhook_inbox::Model],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let claims: Vec<Claim> = rows.iter().map(|r| r.claim()).collect();
        let done = QUEUE.complete(&self.txn, &claims, now).await?;
        self.txn.commit().await?;
        Ok(done)
    }

    /// Commits what was kept.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.txn.commit().await?)
    }

    /// Undoes everything since [`Applying::begin`] (or the savepoint).
    pub async fn undo(self) -> Result<(), StoreError> {
        Ok(self.txn.rollback().await?)
    }
}

/// Records a failed attempt at a claimed delivery: retried after `policy`'s backoff and dead
/// after its budget, or dead at once without a policy (it cannot be applied).
pub async fn fail(
    db: &impl ConnectionTrait,
    row: &webhook_inbox::Model,
    now: DateTime<Utc>,
    reason: &str,
    policy: Option<&RetryPolicy>,
) -> Result<Failed, StoreError> {
    QUEUE.fail(db, row.claim(), now, reason, policy).await
}

/// The seller's dead-lettered deliveries, newest first.
pub async fn dead_letters(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    limit: u64,
) -> Result<Vec<webhook_inbox::Model>, StoreError> {
    QUEUE
        .dead_letters(
            db,
            Condition::all().add(webhook_inbox::Column::SellerId.eq(seller.as_str())),
            limit,
        )
        .await
}

/// Puts a dead-lettered delivery of this seller back in the queue, due at `now`, with its
/// attempts reset; not once its body has been redacted.
pub async fn replay(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // A redacted dead letter has lost what it would be replayed from.
    let scope = Condition::all()
        .add(webhook_inbox::Column::Id.eq(id))
        .add(webhook_inbox::Column::SellerId.eq(seller.as_str()))
        .add(webhook_inbox::Column::RedactedAt.is_null());
    if QUEUE.replay(db, now, scope).await? == 0 {
        Err(StoreError::NotFound("dead-lettered delivery"))
    } else {
        Ok(())
    }
}

/// Counts deliveries by state (for metrics and tests).
pub async fn count_by_status(db: &impl ConnectionTrait, status: &str) -> Result<u64, StoreError> {
    QUEUE.count(db, status).await
}

/// Replaces the bodies of settled deliveries by their redacted form (personal data masked,
/// [`suyuan_core::marketplace::redact`]) and keeps the SHA-256 of the original beside it, so
/// a dispute can still be checked against the marketplace's copy. Settled means applied
/// (`done`), or dead-lettered with its last attempt more than `dead_keep` before `now` (until
/// then a dead letter keeps its body, to be replayed). At most `limit` rows, oldest first, in
/// one transaction; each row is redacted only if it is still in the state it was read in, so
/// a dead letter replayed meanwhile keeps its body. Returns how many were redacted.
pub async fn redact_settled(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    dead_keep: Duration,
    limit: u64,
) -> Result<u64, StoreError> {
    use sea_orm::QueryOrder as _;
    use sea_orm::sea_query::Expr;
    use sha2::Digest as _;
    use suyuan_core::marketplace::{Marketplace, redact};
    let settled = Condition::any()
        .add(webhook_inbox::Column::Status.eq(status::DONE))
        .add(
            Condition::all()
                .add(webhook_inbox::Column::Status.eq(status::DEAD))
                .add(webhook_inbox::Column::NextAttemptAt.lte(now - dead_keep)),
        );
    let rows = webhook_inbox::Entity::find()
        .filter(webhook_inbox::Column::RedactedAt.is_null())
        .filter(settled)
        .order_by_asc(webhook_inbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    let mut redacted = 0;
    for row in rows {
        let platform = row
            .platform
            .parse::<Marketplace>()
            .unwrap_or(Marketplace::Standard);
        let kept = redact::redact(platform, &row.body);
        let hash = hex::encode(sha2::Sha256::digest(&row.body));
        redacted += webhook_inbox::Entity::update_many()
            .col_expr(webhook_inbox::Column::Body, Expr::value(kept))
            .col_expr(webhook_inbox::Column::BodySha256, Expr::value(hash))
            .col_expr(webhook_inbox::Column::RedactedAt, Expr::value(now))
            .filter(webhook_inbox::Column::Id.eq(row.id))
            .filter(webhook_inbox::Column::Status.eq(row.status.as_str()))
            .filter(webhook_inbox::Column::RedactedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
    }
    txn.commit().await?;
    Ok(redacted)
}
