//! Retention: purging what the law no longer requires (E-Commerce Law art. 31: records are
//! kept 3 years, configurable) without breaking any chain.
//!
//! For each seller, the purged part is a prefix of the chain: the events from the last
//! checkpoint up to (not including) the first event recorded at or after the cut-off. The
//! prefix is verified first (a broken chain is never signed over: it is reported and left
//! alone), then, in the seller's transaction, a checkpoint naming its last position and hash is
//! written, signed with the installation's checkpoint key, and the events and their code rows
//! are deleted. The append-only triggers allow exactly that delete: rows at or before a
//! checkpoint of their seller. [`super::verify_with`] then walks each chain from its
//! checkpoint. Settled webhook deliveries received before the cut-off are deleted too.
//!
//! What was derived from a purged event goes in the same transaction (see
//! [`super::purge_derived`]): its sale and sale lines, B2B transfers sold or claimed with it,
//! its submissions to trace platforms and the code flags it raised; so no row is left pointing
//! at an event that is gone. Anonymous and auxiliary rows (code scans, settled mail jobs and
//! operator notifications) older than the cut-off are deleted after the chains.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use suyuan_core::checkpoint::{Checkpoint, CheckpointKey};
use suyuan_core::epcis::GENESIS_HASH;
use suyuan_core::ids::SellerId;

use super::read::{ChainBreak, check_row, latest_checkpoint};
use super::{begin_for_seller, decode_hash};
use crate::StoreError;
use crate::entity::{ledger_checkpoint, seller, trace_event, trace_event_code, webhook_inbox};
use crate::inbox::status;

/// What a purge did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PurgeReport {
    /// The cut-off: what was recorded before it was purged.
    pub before: DateTime<Utc>,
    /// Chains looked at.
    pub sellers: u64,
    /// Events deleted.
    pub events: u64,
    /// Checkpoints written (one per chain with something to purge).
    pub checkpoints: u64,
    /// Settled webhook deliveries deleted.
    pub deliveries: u64,
    /// Sales whose event was purged, deleted.
    pub sales: u64,
    /// Their lines, deleted.
    pub sale_lines: u64,
    /// B2B transfers whose sale or claim event was purged, deleted.
    pub transfers: u64,
    /// Submissions to trace platforms of purged events, deleted.
    pub submissions: u64,
    /// Code flags raised by purged events, or last seen before the cut-off, deleted.
    pub flags: u64,
    /// Anonymous code scans before the cut-off, deleted.
    pub scans: u64,
    /// Settled mail jobs created before the cut-off, deleted.
    pub mail_jobs: u64,
    /// Settled operator notifications created before the cut-off, deleted.
    pub operator_deliveries: u64,
    /// Chains left alone because their prefix does not verify.
    pub refused: Vec<ChainBreak>,
}

const PAGE: u64 = 2000;

/// Purges what was recorded before `before` (see the module documentation); `now` is when the
/// checkpoints are written.
pub async fn purge_before(
    db: &DatabaseConnection,
    key: &CheckpointKey,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<PurgeReport, StoreError> {
    let mut report = PurgeReport {
        before,
        ..PurgeReport::default()
    };
    let sellers: Vec<String> = seller::Entity::find()
        .select_only()
        .column(seller::Column::Id)
        .order_by_asc(seller::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for seller_id in sellers {
        report.sellers += 1;
        let sid = SellerId::parse(&seller_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        purge_chain(db, key, &sid, before, now, &mut report).await?;
    }
    report.deliveries = webhook_inbox::Entity::delete_many()
        .filter(webhook_inbox::Column::ReceivedAt.lt(before))
        .filter(webhook_inbox::Column::Status.is_in([status::DONE, status::DEAD]))
        .exec(db)
        .await?
        .rows_affected;
    super::purge_derived::delete_auxiliary(db, before, &mut report).await?;
    Ok(report)
}

async fn purge_chain(
    db: &DatabaseConnection,
    key: &CheckpointKey,
    seller: &SellerId,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
    report: &mut PurgeReport,
) -> Result<(), StoreError> {
    let txn = begin_for_seller(db, seller).await?;
    let (mut prev, from) = match latest_checkpoint(&txn, seller.as_str()).await? {
        Some(cp) => (decode_hash(&cp.last_hash)?, cp.through_seq + 1),
        None => (GENESIS_HASH, 1),
    };
    // The prefix ends before the first event recorded at or after the cut-off.
    let first_kept: Option<i64> = trace_event::Entity::find()
        .select_only()
        .column(trace_event::Column::Seq)
        .filter(trace_event::Column::SellerId.eq(seller.as_str()))
        .filter(trace_event::Column::Seq.gte(from))
        .filter(trace_event::Column::RecordTime.gte(before))
        .order_by_asc(trace_event::Column::Seq)
        .into_tuple()
        .one(&txn)
        .await?;
    let through = match first_kept {
        Some(seq) => seq - 1,
        None => trace_event::Entity::find()
            .select_only()
            .column_as(trace_event::Column::Seq.max(), "max_seq")
            .filter(trace_event::Column::SellerId.eq(seller.as_str()))
            .into_tuple::<Option<i64>>()
            .one(&txn)
            .await?
            .flatten()
            .unwrap_or(0),
    };
    if through < from {
        txn.rollback().await?;
        return Ok(());
    }
    // Verify the prefix before signing over it.
    let mut expected = from;
    let mut last_hash = String::new();
    while expected <= through {
        let page = trace_event::Entity::find()
            .filter(trace_event::Column::SellerId.eq(seller.as_str()))
            .filter(trace_event::Column::Seq.gte(expected))
            .filter(trace_event::Column::Seq.lte(through))
            .order_by_asc(trace_event::Column::Seq)
            .limit(PAGE)
            .all(&txn)
            .await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            if let Some(reason) = check_row(&row, &prev, expected) {
                report.refused.push(ChainBreak {
                    seller_id: seller.to_string(),
                    event_id: row.id.clone(),
                    seq: row.seq,
                    reason,
                    column: None,
                });
                txn.rollback().await?;
                return Ok(());
            }
            prev = decode_hash(&row.hash)?;
            last_hash = row.hash;
            expected += 1;
        }
    }
    if expected <= through {
        report.refused.push(ChainBreak {
            seller_id: seller.to_string(),
            event_id: String::new(),
            seq: expected,
            reason: format!("sequence gap: expected #{expected}"),
            column: None,
        });
        txn.rollback().await?;
        return Ok(());
    }
    let checkpoint = Checkpoint {
        seller_id: seller.to_string(),
        through_seq: through,
        last_hash,
        purged_before: before,
        created_at: now,
    };
    ledger_checkpoint::ActiveModel {
        seller_id: Set(checkpoint.seller_id.clone()),
        through_seq: Set(through),
        last_hash: Set(checkpoint.last_hash.clone()),
        purged_before: Set(before),
        created_at: Set(now),
        signature: Set(key.sign(&checkpoint)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let purged = Condition::all()
        .add(trace_event::Column::SellerId.eq(seller.as_str()))
        .add(trace_event::Column::Seq.lte(through));
    let purged_ids = Query::select()
        .column(trace_event::Column::Id)
        .from(trace_event::Entity)
        .cond_where(purged.clone())
        .to_owned();
    // The rows derived from these events go with them, in the same transaction.
    super::purge_derived::delete_derived(&txn, seller, &purged_ids, through, before, report)
        .await?;
    // Code rows first: the trigger checks their event against the checkpoint.
    trace_event_code::Entity::delete_many()
        .filter(trace_event_code::Column::EventId.in_subquery(purged_ids))
        .exec(&txn)
        .await?;
    report.events += trace_event::Entity::delete_many()
        .filter(purged)
        .exec(&txn)
        .await?
        .rows_affected;
    report.checkpoints += 1;
    txn.commit().await?;
    Ok(())
}
