//! Submissions to trace platforms: the platform registry, routing rules and sellers' sealed
//! credentials (`platforms.rs`), the router that turns trace events into outbox rows (here), the
//! outbox itself, one of the [`crate::queue`]s (claimed by workers in order, retried,
//! dead-lettered, replayed), and the submission list read from it (`outbox.rs`).
//!
//! # Routing
//!
//! The ledger's append path is not touched. A *router* reads each seller's chain after a durable
//! cursor (the last routed `seq`), and in one transaction with the cursor's advance writes one
//! submission per matching platform, keyed by (event, platform) (unique: the idempotency key).
//! Events are durable before they are routed, so a crash loses nothing: the next pass starts
//! where the committed cursor says. One router runs at a time (it locks the cursor row `*`
//! first), on SQLite and on any number of PostgreSQL instances.
//!
//! A record goes to every enabled platform with a rule matching its category (or any), the
//! seller's registered region (a division-code prefix, or any) and its record kind (or any). A
//! correction (an error declaration or a corrective event, both carrying `corrects_id`) also goes
//! to every platform that has a submission for the original record, whatever the rules say now.
//!
//! # Order
//!
//! - Per seller and platform, submissions are sent in chain order: one is not claimed while an
//!   earlier one of the same seller to the same platform is `pending`, `sending` or
//!   `needs_credentials`. So every code of one seller reaches a platform in the order recorded.
//! - Across sellers, a submission naming a code is not claimed while an earlier-routed
//!   submission of another seller to the same platform naming the same code is `pending` or
//!   `sending` (A's sale of a unit is sent before B's receipt of it, when A's sale was routed
//!   first). Another seller's `needs_credentials` rows do not block: one seller's missing
//!   credentials never hold up another seller.
//! - `accepted`, `rejected` and `dead` rows block nothing. A dead or rejected submission that is
//!   replayed is sent after the later ones that went on meanwhile; the platform sees it late (its
//!   `eventTime` still says when it happened).

use super::StoreError;
use crate::entity::{
    platform, platform_credential, routing_rule, submission, submission_cursor, trace_event,
};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap, HashSet};

mod outbox;
mod platforms;

pub use outbox::*;
pub use platforms::*;

/// Submission states.
pub mod status {
    /// Waiting to be sent (or for its next attempt).
    pub const PENDING: &str = "pending";
    /// Claimed by a worker, being sent.
    pub const SENDING: &str = "sending";
    /// Held: the platform needs the seller's credentials and the seller has given none.
    pub const NEEDS_CREDENTIALS: &str = "needs_credentials";
    /// The platform took it.
    pub const ACCEPTED: &str = "accepted";
    /// The platform refused it for good (with its reason); replayable.
    pub const REJECTED: &str = "rejected";
    /// Given up after the retry budget (with the last reason); replayable.
    pub const DEAD: &str = "dead";
    /// Every state, for validating filters.
    pub const ALL: [&str; 6] = [
        PENDING,
        SENDING,
        NEEDS_CREDENTIALS,
        ACCEPTED,
        REJECTED,
        DEAD,
    ];
}

/// Why a submission was made.
pub mod routed_by {
    /// A routing rule matched the record.
    pub const RULE: &str = "rule";
    /// The record corrects one the platform has.
    pub const CORRECTION: &str = "correction";
    /// An operator sent records made before the platform (or its rule) was registered.
    pub const BACKFILL: &str = "backfill";
}

/// The cursor row the router locks before reading, so one router runs at a time.
const ROUTER_LOCK_ROW: &str = "*";

/// What one router pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RouteReport {
    /// Events read (the cursors moved past them).
    pub events: usize,
    /// Submissions written.
    pub submissions: usize,
}

/// An event as the router needs it.
struct Routable {
    id: String,
    seller_id: String,
    seq: i64,
    record_kind: String,
    category: Option<String>,
    corrects: Option<String>,
    order_key: u64,
}

/// Routes events recorded since each seller's cursor: one transaction that writes their
/// submissions and moves the cursors. At most `max_sellers` sellers and `max_events` events of
/// each are read per pass; call again while it reports events.
pub async fn route_pass(
    db: &DatabaseConnection,
    max_sellers: u64,
    max_events: u64,
) -> Result<RouteReport, StoreError> {
    let backend = db.get_database_backend();
    let pending_sql = |limit: u64| {
        format!(
            "SELECT s.id AS id, s.division_code AS division_code, COALESCE(c.last_seq, 0) AS last_seq \
             FROM sellers s LEFT JOIN submission_cursors c ON c.seller_id = s.id \
             WHERE EXISTS (SELECT 1 FROM trace_events e WHERE e.seller_id = s.id AND e.seq > COALESCE(c.last_seq, 0)) \
             ORDER BY s.id LIMIT {}",
            limit.max(1)
        )
    };
    // A read first: an idle pass writes nothing.
    if db
        .query_all_raw(Statement::from_string(backend, pending_sql(1)))
        .await?
        .is_empty()
    {
        return Ok(RouteReport::default());
    }
    let txn = db.begin().await?;
    // The lock first: on SQLite this makes the transaction a writer before it reads; on
    // PostgreSQL a second router waits here and then sees the cursors this one committed.
    submission_cursor::Entity::update_many()
        .col_expr(
            submission_cursor::Column::LastSeq,
            Expr::col(submission_cursor::Column::LastSeq),
        )
        .filter(submission_cursor::Column::SellerId.eq(ROUTER_LOCK_ROW))
        .exec(&txn)
        .await?;
    let sql = pending_sql(max_sellers);
    let sellers = txn
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    if sellers.is_empty() {
        txn.commit().await?;
        return Ok(RouteReport::default());
    }
    let mut division: HashMap<String, String> = HashMap::new();
    let mut events: Vec<Routable> = Vec::new();
    let mut cursors: Vec<(String, i64)> = Vec::new();
    for row in sellers {
        let seller_id: String = row.try_get("", "id")?;
        let last: i64 = row.try_get("", "last_seq")?;
        division.insert(seller_id.clone(), row.try_get("", "division_code")?);
        type Cols = (String, i64, String, Option<String>, Option<String>);
        let rows: Vec<Cols> = trace_event::Entity::find()
            .select_only()
            .column(trace_event::Column::Id)
            .column(trace_event::Column::Seq)
            .column(trace_event::Column::RecordKind)
            .column(trace_event::Column::CategoryId)
            .column(trace_event::Column::CorrectsId)
            .filter(trace_event::Column::SellerId.eq(seller_id.as_str()))
            .filter(trace_event::Column::Seq.gt(last))
            .order_by_asc(trace_event::Column::Seq)
            .limit(max_events.max(1))
            .into_tuple()
            .all(&txn)
            .await?;
        let mut running = 0u64;
        for (id, seq, record_kind, category, corrects) in rows {
            // The record time of the id's ULID, never decreasing along the chain, so sorting
            // by it keeps each seller's chain order and interleaves sellers by time.
            let ms = id
                .strip_prefix("evt_")
                .and_then(|u| ulid::Ulid::from_string(u).ok())
                .map_or(0, |u| u.timestamp_ms());
            running = running.max(ms);
            events.push(Routable {
                id,
                seller_id: seller_id.clone(),
                seq,
                record_kind,
                category,
                corrects,
                order_key: running,
            });
        }
        if let Some(max) = events
            .iter()
            .filter(|e| e.seller_id == seller_id)
            .map(|e| e.seq)
            .max()
        {
            cursors.push((seller_id, max));
        }
    }
    events.sort_by(|a, b| {
        (a.order_key, &a.seller_id, a.seq).cmp(&(b.order_key, &b.seller_id, b.seq))
    });

    let platforms: HashMap<String, platform::Model> = platform::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let rules: Vec<(routing_rule::Model, Option<Vec<String>>)> = routing_rule::Entity::find()
        .order_by_asc(routing_rule::Column::Id)
        .all(&txn)
        .await?
        .into_iter()
        .filter(|r| platforms.get(&r.platform_id).is_some_and(|p| p.enabled))
        .map(|r| {
            let kinds = rule_kinds(&r);
            (r, kinds)
        })
        .collect();
    // Platforms that have the corrected records (from earlier passes; this pass's own
    // submissions are added as they are made).
    let corrected: Vec<String> = events.iter().filter_map(|e| e.corrects.clone()).collect();
    let mut had: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in corrected.chunks(500) {
        let rows: Vec<(String, String)> = submission::Entity::find()
            .select_only()
            .column(submission::Column::EventId)
            .column(submission::Column::PlatformId)
            .filter(submission::Column::EventId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(&txn)
            .await?;
        for (event, platform) in rows {
            had.entry(event).or_default().push(platform);
        }
    }
    let seller_ids: Vec<String> = division.keys().cloned().collect();
    let creds: HashSet<(String, String)> = platform_credential::Entity::find()
        .select_only()
        .column(platform_credential::Column::SellerId)
        .column(platform_credential::Column::PlatformId)
        .filter(platform_credential::Column::SellerId.is_in(seller_ids))
        .into_tuple()
        .all(&txn)
        .await?
        .into_iter()
        .collect();

    let now = Utc::now();
    let mut rows = Vec::new();
    for e in &events {
        let seller_division = division.get(&e.seller_id).map_or("", String::as_str);
        // Platform id → why; a BTreeMap keeps the submissions of one event in a stable order.
        let mut targets: BTreeMap<&str, &str> = BTreeMap::new();
        for (rule, kinds) in &rules {
            if rule_matches(
                rule,
                kinds.as_deref(),
                e.category.as_deref(),
                &e.record_kind,
                seller_division,
            ) {
                targets.insert(rule.platform_id.as_str(), routed_by::RULE);
            }
        }
        let mut from_corrections: Vec<String> = Vec::new();
        if let Some(original) = &e.corrects {
            for p in had.get(original).into_iter().flatten() {
                from_corrections.push(p.clone());
            }
        }
        for p in &from_corrections {
            targets.entry(p.as_str()).or_insert(routed_by::CORRECTION);
        }
        let mut made: Vec<String> = Vec::new();
        for (platform_id, why) in targets {
            let Some(p) = platforms.get(platform_id) else {
                continue;
            };
            let held = p.requires_credentials
                && !creds.contains(&(e.seller_id.clone(), platform_id.to_owned()));
            rows.push(new_submission(
                &e.seller_id,
                platform_id,
                (&e.id, e.seq, &e.record_kind),
                why,
                held,
                now,
            ));
            made.push(platform_id.to_owned());
        }
        if !made.is_empty() {
            had.entry(e.id.clone()).or_default().extend(made);
        }
    }
    let written = rows.len();
    insert_new(&txn, rows).await?;
    for (seller_id, last_seq) in &cursors {
        submission_cursor::Entity::insert(submission_cursor::ActiveModel {
            seller_id: Set(seller_id.clone()),
            last_seq: Set(*last_seq),
        })
        .on_conflict(
            OnConflict::column(submission_cursor::Column::SellerId)
                .update_column(submission_cursor::Column::LastSeq)
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(RouteReport {
        events: events.len(),
        submissions: written,
    })
}

/// A new submission of an event `(id, seq, record kind)` to a platform: pending, or held for
/// the seller's credentials.
fn new_submission(
    seller_id: &str,
    platform_id: &str,
    (event_id, seq, record_kind): (&str, i64, &str),
    why: &str,
    held: bool,
    now: DateTime<Utc>,
) -> submission::ActiveModel {
    submission::ActiveModel {
        seller_id: Set(seller_id.to_owned()),
        platform_id: Set(platform_id.to_owned()),
        event_id: Set(event_id.to_owned()),
        seq: Set(seq),
        record_kind: Set(record_kind.to_owned()),
        routed_by: Set(why.to_owned()),
        idempotency_key: Set(idempotency_key(event_id, platform_id)),
        status: Set(if held {
            status::NEEDS_CREDENTIALS
        } else {
            status::PENDING
        }
        .to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        last_http_status: Set(None),
        receipt: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        accepted_at: Set(None),
        ..Default::default()
    }
}

/// Inserts submissions, leaving any (event, platform) that already has one as it is; returns
/// how many were new.
async fn insert_new(
    db: &impl ConnectionTrait,
    rows: Vec<submission::ActiveModel>,
) -> Result<u64, StoreError> {
    let mut inserted = 0;
    for chunk in rows.chunks(200) {
        inserted += submission::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([submission::Column::EventId, submission::Column::PlatformId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(inserted)
}

/// What a backfill did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackfillReport {
    /// Records looked at.
    pub events: u64,
    /// Submissions written (records the platform did not have yet).
    pub submissions: u64,
}

/// Records read per page of a backfill.
const BACKFILL_PAGE: u64 = 1000;

/// Sends a platform the records made before it (or the rule that matches them) was registered:
/// every record the router has already passed (at or before each seller's cursor; later ones are
/// the router's) that the platform's current rules match, recorded at or after `since`. A
/// record the platform already has keeps its submission (the idempotency key is unique), so a
/// backfill can be run again safely. Within each seller's stream the older records are sent
/// first (streams go in chain order), and a seller without the credentials the platform needs
/// has its records held as `needs_credentials`, like any other.
pub async fn backfill(
    db: &impl ConnectionTrait,
    platform_id: &str,
    since: Option<DateTime<Utc>>,
) -> Result<BackfillReport, StoreError> {
    let platform = get_platform(db, platform_id).await?;
    let rules: Vec<(routing_rule::Model, Option<Vec<String>>)> = list_rules(db, Some(platform_id))
        .await?
        .into_iter()
        .map(|r| {
            let kinds = rule_kinds(&r);
            (r, kinds)
        })
        .collect();
    let mut report = BackfillReport::default();
    if rules.is_empty() {
        return Ok(report);
    }
    let backend = db.get_database_backend();
    let sellers = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT s.id AS id, s.division_code AS division_code, c.last_seq AS last_seq \
             FROM sellers s JOIN submission_cursors c ON c.seller_id = s.id \
             WHERE c.last_seq > 0 ORDER BY s.id",
        ))
        .await?;
    let with_credentials: HashSet<String> = platform_credential::Entity::find()
        .select_only()
        .column(platform_credential::Column::SellerId)
        .filter(platform_credential::Column::PlatformId.eq(platform_id))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for row in sellers {
        let seller_id: String = row.try_get("", "id")?;
        let division: String = row.try_get("", "division_code")?;
        let last: i64 = row.try_get("", "last_seq")?;
        let held = platform.requires_credentials && !with_credentials.contains(&seller_id);
        let mut after = 0i64;
        loop {
            type Cols = (String, i64, String, Option<String>);
            let mut q = trace_event::Entity::find()
                .select_only()
                .column(trace_event::Column::Id)
                .column(trace_event::Column::Seq)
                .column(trace_event::Column::RecordKind)
                .column(trace_event::Column::CategoryId)
                .filter(trace_event::Column::SellerId.eq(seller_id.as_str()))
                .filter(trace_event::Column::Seq.gt(after))
                .filter(trace_event::Column::Seq.lte(last));
            if let Some(t) = since {
                q = q.filter(trace_event::Column::RecordTime.gte(t));
            }
            let page: Vec<Cols> = q
                .order_by_asc(trace_event::Column::Seq)
                .limit(BACKFILL_PAGE)
                .into_tuple()
                .all(db)
                .await?;
            let Some(last_read) = page.last().map(|e| e.1) else {
                break;
            };
            report.events += page.len() as u64;
            let now = Utc::now();
            let rows: Vec<submission::ActiveModel> = page
                .into_iter()
                .filter(|(_, _, kind, category)| {
                    rules.iter().any(|(rule, kinds)| {
                        rule_matches(rule, kinds.as_deref(), category.as_deref(), kind, &division)
                    })
                })
                .map(|(id, seq, kind, _)| {
                    new_submission(
                        &seller_id,
                        platform_id,
                        (&id, seq, &kind),
                        routed_by::BACKFILL,
                        held,
                        now,
                    )
                })
                .collect();
            report.submissions += insert_new(db, rows).await?;
            after = last_read;
        }
    }
    Ok(report)
}

/// The idempotency key of an event's submission to a platform: the same on every attempt and
/// every replay, different for every (event, platform).
pub fn idempotency_key(event_id: &str, platform_id: &str) -> String {
    format!("{event_id}.{platform_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_differ_per_platform_and_repeat_per_event() {
        assert_eq!(
            idempotency_key("evt_1", "plt_a"),
            idempotency_key("evt_1", "plt_a")
        );
        assert_ne!(
            idempotency_key("evt_1", "plt_a"),
            idempotency_key("evt_1", "plt_b")
        );
    }
}
