//! Reading the ledger: the events in a caller's scope, in chain order, and verifying every
//! chain (an edit made around the database's triggers breaks it at that event).

use super::facts::FactsWalk;
use super::{Columns, StoredEvent, decode_hash};
use crate::StoreError;
use crate::entity::{ledger_checkpoint, seller, trace_event};
use crate::scope::{JurisdictionScoped, SellerScoped};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use suyuan_core::checkpoint::{Checkpoint, CheckpointKey};
use suyuan_core::division::Jurisdiction;
use suyuan_core::epcis::{GENESIS_HASH, TraceEvent, canonical_json, chain_hash};
use suyuan_core::ids::{EventId, SellerId};

/// Which events a caller may read.
#[derive(Clone, Debug)]
pub enum EventScope {
    /// One seller's own events.
    Seller(SellerId),
    /// Events of sellers registered inside a jurisdiction.
    Jurisdiction(Jurisdiction),
    /// Every event (admin, CLI).
    All,
}

/// Reads the events in scope, seller by seller, each in chain order (the order they were recorded).
pub async fn events_in_scope(
    db: &impl ConnectionTrait,
    scope: &EventScope,
    limit: Option<u64>,
) -> Result<Vec<StoredEvent>, StoreError> {
    let query = match scope {
        EventScope::Seller(s) => trace_event::Entity::secure_find(s),
        EventScope::Jurisdiction(j) => trace_event::Entity::find_in_jurisdiction(j),
        EventScope::All => trace_event::Entity::find(),
    }
    .order_by_asc(trace_event::Column::SellerId)
    .order_by_asc(trace_event::Column::Seq);
    let query = match limit {
        Some(n) => query.limit(n),
        None => query,
    };
    query
        .all(db)
        .await?
        .into_iter()
        .map(stored_from_row)
        .collect()
}

fn stored_from_row(row: trace_event::Model) -> Result<StoredEvent, StoreError> {
    let json: serde_json::Value = serde_json::from_str(&row.document)
        .map_err(|e| StoreError::Corrupt(format!("event {} document: {e}", row.id)))?;
    let event = TraceEvent::from_json(&json)
        .map_err(|e| StoreError::Corrupt(format!("event {}: {e}", row.id)))?;
    Ok(StoredEvent {
        id: EventId::parse(&row.id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        seller_id: SellerId::parse(&row.seller_id)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        seq: row.seq,
        hash: row.hash.clone(),
        event,
        row,
    })
}

/// One event that breaks its seller's chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// Whose chain.
    pub seller_id: String,
    /// The first event that does not match.
    pub event_id: String,
    /// Its position in the chain.
    pub seq: i64,
    /// What does not match.
    pub reason: String,
    /// For a fact stored beside the event that its document contradicts: the column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

/// The result of walking every chain.
#[derive(Clone, Debug, Default, Serialize)]
pub struct VerifyReport {
    /// Chains walked.
    pub sellers: u64,
    /// Events checked.
    pub events: u64,
    /// Chains verified from a checkpoint (their prefix was purged).
    pub checkpoints: u64,
    /// The first broken event of each broken chain.
    pub breaks: Vec<ChainBreak>,
}

const VERIFY_PAGE: u64 = 2000;

/// Walks every seller's chain and names the first event of each that does not match: a document
/// whose hash differs, a broken link, a gap in the sequence, or columns that disagree with the
/// document. A chain whose prefix was purged is walked from its latest checkpoint; see
/// [`verify_with`] to check the checkpoints' signatures too.
pub async fn verify(db: &impl ConnectionTrait) -> Result<VerifyReport, StoreError> {
    verify_with(db, None).await
}

/// The latest checkpoint of a seller's chain, if its prefix was ever purged.
pub(super) async fn latest_checkpoint(
    db: &impl ConnectionTrait,
    seller_id: &str,
) -> Result<Option<ledger_checkpoint::Model>, StoreError> {
    Ok(ledger_checkpoint::Entity::find()
        .filter(ledger_checkpoint::Column::SellerId.eq(seller_id))
        .order_by_desc(ledger_checkpoint::Column::ThroughSeq)
        .one(db)
        .await?)
}

/// What a stored checkpoint says.
pub(super) fn checkpoint_of(row: &ledger_checkpoint::Model) -> Checkpoint {
    Checkpoint {
        seller_id: row.seller_id.clone(),
        through_seq: row.through_seq,
        last_hash: row.last_hash.clone(),
        purged_before: row.purged_before,
        created_at: row.created_at,
    }
}

/// [`verify`], and with a key, each chain's latest checkpoint must carry the installation's
/// signature: a checkpoint altered or written without the key is reported as a break.
pub async fn verify_with(
    db: &impl ConnectionTrait,
    key: Option<&CheckpointKey>,
) -> Result<VerifyReport, StoreError> {
    let catalogue = suyuan_core::catalogue::Catalogue::builtin()
        .map_err(|e| StoreError::Corrupt(format!("the built-in catalogue: {e}")))?;
    verify_against(db, key, &catalogue).await
}

/// [`verify_with`], re-deriving each record's missing elements with `catalogue` (the service's,
/// with its extension) where the record was written under its version.
pub async fn verify_against(
    db: &impl ConnectionTrait,
    key: Option<&CheckpointKey>,
    catalogue: &suyuan_core::catalogue::Catalogue,
) -> Result<VerifyReport, StoreError> {
    let mut report = VerifyReport::default();
    let sellers: Vec<String> = seller::Entity::find()
        .select_only()
        .column(seller::Column::Id)
        .order_by_asc(seller::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for seller_id in sellers {
        report.sellers += 1;
        let mut prev = GENESIS_HASH;
        let mut expected_seq = 1i64;
        let mut broken: Option<ChainBreak> = None;
        let checkpoint = latest_checkpoint(db, &seller_id).await?;
        let mut facts = FactsWalk::new(checkpoint.is_some(), catalogue);
        if let Some(cp) = checkpoint {
            report.checkpoints += 1;
            let signed = key.is_none_or(|k| k.verifies(&checkpoint_of(&cp), &cp.signature));
            match decode_hash(&cp.last_hash) {
                Ok(hash) if signed => {
                    prev = hash;
                    expected_seq = cp.through_seq + 1;
                }
                _ => {
                    report.breaks.push(ChainBreak {
                        seller_id: seller_id.clone(),
                        event_id: format!("checkpoint {}", cp.id),
                        seq: cp.through_seq,
                        reason: "the checkpoint of the purged prefix does not carry this \
                                 installation's signature (altered, or not written by a purge)"
                            .to_owned(),
                        column: None,
                    });
                    continue;
                }
            }
        }
        'chain: loop {
            let page = trace_event::Entity::find()
                .filter(trace_event::Column::SellerId.eq(seller_id.as_str()))
                .filter(trace_event::Column::Seq.gte(expected_seq))
                .order_by_asc(trace_event::Column::Seq)
                .limit(VERIFY_PAGE)
                .all(db)
                .await?;
            let n = page.len() as u64;
            for row in page {
                report.events += 1;
                if let Some(reason) = check_row(&row, &prev, expected_seq) {
                    broken = Some(ChainBreak {
                        seller_id: seller_id.clone(),
                        event_id: row.id.clone(),
                        seq: row.seq,
                        reason,
                        column: None,
                    });
                    break 'chain;
                }
                // The document is intact: the facts beside it must be what it says.
                let event = serde_json::from_str::<serde_json::Value>(&row.document)
                    .map_err(|e| e.to_string())
                    .and_then(|json| TraceEvent::from_json(&json).map_err(|e| e.to_string()));
                match event {
                    Ok(event) => {
                        for m in facts.check(&row, &event) {
                            report.breaks.push(ChainBreak {
                                seller_id: seller_id.clone(),
                                event_id: row.id.clone(),
                                seq: row.seq,
                                reason: format!(
                                    "column {} holds {} but the event document says {} (the \
                                     row was altered)",
                                    m.column,
                                    m.stored.as_deref().unwrap_or("nothing"),
                                    m.derived.as_deref().unwrap_or("nothing"),
                                ),
                                column: Some(m.column.to_owned()),
                            });
                        }
                    }
                    Err(e) => {
                        broken = Some(ChainBreak {
                            seller_id: seller_id.clone(),
                            event_id: row.id.clone(),
                            seq: row.seq,
                            reason: format!("document is not an EPCIS event: {e}"),
                            column: None,
                        });
                        break 'chain;
                    }
                }
                prev = decode_hash(&row.hash).unwrap_or(GENESIS_HASH);
                expected_seq += 1;
            }
            if n < VERIFY_PAGE {
                break;
            }
        }
        if let Some(b) = broken {
            report.breaks.push(b);
        }
    }
    Ok(report)
}

pub(super) fn check_row(
    row: &trace_event::Model,
    prev: &[u8; 32],
    expected_seq: i64,
) -> Option<String> {
    if row.seq != expected_seq {
        return Some(format!(
            "sequence gap: expected #{expected_seq}, found #{}",
            row.seq
        ));
    }
    if row.prev_hash != hex::encode(prev) {
        return Some("prev_hash does not match the previous event's hash".to_owned());
    }
    let recomputed = hex::encode(chain_hash(prev, row.document.as_bytes()));
    if recomputed != row.hash {
        return Some("document does not match its hash (the event was altered)".to_owned());
    }
    let json: serde_json::Value = match serde_json::from_str(&row.document) {
        Ok(v) => v,
        Err(e) => return Some(format!("document is not JSON: {e}")),
    };
    if canonical_json(&json) != row.document.as_bytes() {
        return Some("document is not in canonical form".to_owned());
    }
    match Columns::of(&json) {
        Ok(cols) if cols == Columns::of_row(row) => None,
        Ok(_) => {
            Some("stored columns disagree with the event document (the row was altered)".to_owned())
        }
        Err(e) => Some(e.to_string()),
    }
}

/// How many events a seller has recorded.
pub async fn count_for_seller(
    db: &impl ConnectionTrait,
    seller: &SellerId,
) -> Result<u64, StoreError> {
    Ok(trace_event::Entity::secure_find(seller).count(db).await?)
}
