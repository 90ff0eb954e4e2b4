//! The outbox of submissions: the ordered claim, what became of each attempt, replay, and the
//! submission list read from it. Everything but the claim's choice of rows is the one
//! [`Queue`]'s.

use super::{get_platform, sealed_credentials, status};
use crate::StoreError;
use crate::entity::{platform, seller, submission, trace_event};
use crate::queue::{Claim, Job, Queue, States};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use suyuan_core::ids::SellerId;

/// The submission queue (`submissions`): claimed rows are `sending`, done ones `accepted`, and
/// besides `dead` a platform's final refusal (`rejected`) is replayable too.
pub const QUEUE: Queue<submission::Entity> = Queue {
    id: submission::Column::Id,
    status: submission::Column::Status,
    attempts: submission::Column::Attempts,
    next_attempt_at: submission::Column::NextAttemptAt,
    locked_until: submission::Column::LockedUntil,
    last_error: submission::Column::LastError,
    finished_at: Some(submission::Column::AcceptedAt),
    touched_at: Some(submission::Column::UpdatedAt),
    states: States {
        pending: status::PENDING,
        claimed: status::SENDING,
        done: status::ACCEPTED,
        dead: status::DEAD,
    },
    replayable: &[status::DEAD, status::REJECTED],
    cleared_on_replay: &[submission::Column::LastHttpStatus],
    error_chars: 2000,
};

impl Job for submission::Model {
    fn claim(&self) -> Claim {
        Claim {
            id: self.id,
            attempts: self.attempts,
        }
    }
}

/// How many due stream heads one claim looks at.
const HEAD_WINDOW: u64 = 4096;

/// Claims up to `limit` submissions that may be sent now (see [`claim_at`]).
pub async fn claim(
    db: &impl ConnectionTrait,
    limit: u64,
    lease: Duration,
) -> Result<Vec<submission::Model>, StoreError> {
    claim_at(db, Utc::now(), limit, lease).await
}

/// Renews the leases of claimed submissions still being sent, at the wall clock's now (see
/// [`crate::queue::Heartbeat`]).
pub async fn extend(
    db: &impl ConnectionTrait,
    claims: &[Claim],
    lease: Duration,
) -> Result<u64, StoreError> {
    QUEUE.extend(db, claims, Utc::now(), lease).await
}

/// Claims up to `limit` submissions that may be sent at `now`, for `lease`: pending ones whose
/// time has come and that nothing earlier holds back (see the module's notes on order), and
/// `sending` ones whose lease ran out (their worker died). Each claim counts as an attempt.
pub async fn claim_at(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
    lease: Duration,
) -> Result<Vec<submission::Model>, StoreError> {
    let backend = db.get_database_backend();
    let pg = backend == DbBackend::Postgres;
    // Placeholders of this condition's own values, in order.
    let (p1, p2, p3, p4, p5) = if pg {
        ("$1", "$2", "$3", "$4", "$5")
    } else {
        ("?", "?", "?", "?", "?")
    };
    let lock = if pg {
        "FOR UPDATE OF s SKIP LOCKED"
    } else {
        ""
    };
    // The due condition is stated again on `s`, the row that is locked: under READ COMMITTED,
    // PostgreSQL re-checks a locked row's newest version against the conditions on that row
    // only. The heads sub-query reads the statement's snapshot, so without it a row another
    // instance claimed (and committed) after that snapshot was locked and claimed again, and
    // sent twice.
    // Only the head of each stream (the lowest open `seq` of a seller to a platform) can be
    // sent; the heads are found from the partial index of open rows, so the costlier check
    // (another seller's open submission naming one of the same codes) runs for heads only.
    let selected = format!(
        "id IN (SELECT s.id FROM submissions s \
           WHERE s.id IN (SELECT hs.id FROM submissions hs \
               JOIN (SELECT o.platform_id, o.seller_id, MIN(o.seq) AS seq FROM submissions o \
                     WHERE o.status IN ('pending', 'sending', 'needs_credentials') \
                     GROUP BY o.platform_id, o.seller_id) h \
                 ON h.platform_id = hs.platform_id AND h.seller_id = hs.seller_id AND h.seq = hs.seq \
               WHERE ((hs.status = 'pending' AND hs.next_attempt_at <= {p1}) OR (hs.status = 'sending' AND hs.locked_until < {p2})) \
                 AND hs.platform_id IN (SELECT pl.id FROM platforms pl WHERE pl.enabled) \
               ORDER BY hs.id LIMIT {heads}) \
             AND ((s.status = 'pending' AND s.next_attempt_at <= {p3}) OR (s.status = 'sending' AND s.locked_until < {p4})) \
             AND NOT EXISTS (SELECT 1 FROM trace_event_codes sc \
               JOIN trace_event_codes bc ON bc.code = sc.code \
               JOIN submissions b ON b.event_id = bc.event_id \
               WHERE sc.event_id = s.event_id AND b.platform_id = s.platform_id \
                 AND b.seller_id <> s.seller_id AND b.id < s.id AND b.status IN ('pending', 'sending')) \
           ORDER BY s.id LIMIT {p5} {lock})",
        // The heads due now (the LIMIT also keeps the planner from flattening this, so the
        // code check runs on heads only).
        heads = HEAD_WINDOW,
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let selected = Expr::cust_with_values::<_, sea_orm::Value, _>(
        selected,
        [now.into(), now.into(), now.into(), now.into(), limit.into()],
    );
    QUEUE.claim_selected(db, now, lease, selected).await
}

/// How a claimed submission ended this time.
#[derive(Clone, Debug, PartialEq)]
pub enum Finish {
    /// The platform took it.
    Accepted {
        /// Its capture or record id.
        receipt: Option<String>,
    },
    /// The platform refused it for good.
    Rejected {
        /// The HTTP status, when a status said so.
        http_status: Option<u16>,
        /// Why.
        reason: String,
    },
    /// Another attempt at `at`.
    Retry {
        /// What went wrong this time.
        reason: String,
        /// When to try again.
        at: DateTime<Utc>,
    },
    /// The retry budget is spent.
    Dead {
        /// The last reason.
        reason: String,
    },
    /// Held until the seller gives credentials (the attempt is not counted).
    NeedsCredentials,
    /// The platform refused the seller's credential (401 or 403): held until the seller sets
    /// it again, like [`Finish::NeedsCredentials`] (the attempt is not counted), with the
    /// platform's answer kept so the seller sees why.
    CredentialRefused {
        /// The HTTP status.
        http_status: u16,
        /// The platform's answer.
        reason: String,
    },
}

/// Records what became of a claimed submission (see [`finish_at`]).
pub async fn finish(
    db: &impl ConnectionTrait,
    claimed: &submission::Model,
    how: Finish,
) -> Result<bool, StoreError> {
    finish_at(db, claimed, how, Utc::now()).await
}

/// Records what became of a claimed submission at `now`. Returns `false` when the claim was
/// lost (its lease ran out and another worker took it over), in which case nothing is written.
pub async fn finish_at(
    db: &impl ConnectionTrait,
    claimed: &submission::Model,
    how: Finish,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use submission::Column as C;
    let claim = claimed.claim();
    // A hold does not count the attempt.
    let uncounted = || (C::Attempts, Expr::value((claimed.attempts - 1).max(0)));
    match how {
        Finish::Accepted { receipt } => {
            let receipt = receipt.map(|r| r.chars().take(255).collect::<String>());
            QUEUE
                .complete_with(db, claim, now, vec![(C::Receipt, Expr::value(receipt))])
                .await
        }
        Finish::Rejected {
            http_status,
            reason,
        } => {
            let http_status = Expr::value(http_status.map(i32::from));
            QUEUE
                .settle(
                    db,
                    claim,
                    now,
                    status::REJECTED,
                    Some(&reason),
                    vec![(C::LastHttpStatus, http_status)],
                )
                .await
        }
        Finish::Retry { reason, at } => QUEUE.retry_at(db, claim, now, at, &reason).await,
        Finish::Dead { reason } => QUEUE.bury(db, claim, now, &reason).await,
        Finish::NeedsCredentials => {
            QUEUE
                .settle(
                    db,
                    claim,
                    now,
                    status::NEEDS_CREDENTIALS,
                    Some("the platform needs the seller's credentials"),
                    vec![uncounted()],
                )
                .await
        }
        Finish::CredentialRefused {
            http_status,
            reason,
        } => {
            let why = format!(
                "the platform refused the seller's credential (HTTP {http_status}); set it again: {reason}"
            );
            QUEUE
                .settle(
                    db,
                    claim,
                    now,
                    status::NEEDS_CREDENTIALS,
                    Some(&why),
                    vec![
                        uncounted(),
                        (C::LastHttpStatus, Expr::value(i32::from(http_status))),
                    ],
                )
                .await
        }
    }
}

/// Records what became of several claimed submissions in one transaction (one commit); answers,
/// for each, whether its claim still held.
pub async fn finish_all(
    db: &DatabaseConnection,
    done: &[(&submission::Model, &Finish)],
    now: DateTime<Utc>,
) -> Result<Vec<bool>, StoreError> {
    let txn = db.begin().await?;
    let mut written = Vec::with_capacity(done.len());
    for (claimed, how) in done {
        written.push(finish_at(&txn, claimed, (*how).clone(), now).await?);
    }
    txn.commit().await?;
    Ok(written)
}

/// What a worker needs to send claimed submissions: their events' documents, their sellers'
/// credit codes, the platforms, and the sealed credentials.
#[derive(Default)]
pub struct SendContext {
    /// Event id → (canonical EPCIS JSON of the event).
    pub documents: HashMap<String, String>,
    /// Seller id → credit code.
    pub credit_codes: HashMap<String, String>,
    /// Platform id → platform.
    pub platforms: HashMap<String, platform::Model>,
    /// (seller, platform) → sealed credential.
    pub credentials: HashMap<(String, String), String>,
}

/// Loads the [`SendContext`] of claimed submissions, in a few queries.
pub async fn send_context(
    db: &impl ConnectionTrait,
    claimed: &[submission::Model],
) -> Result<SendContext, StoreError> {
    let event_ids: Vec<String> = claimed.iter().map(|s| s.event_id.clone()).collect();
    let seller_ids: HashSet<String> = claimed.iter().map(|s| s.seller_id.clone()).collect();
    let platform_ids: HashSet<String> = claimed.iter().map(|s| s.platform_id.clone()).collect();
    let mut documents = HashMap::new();
    for chunk in event_ids.chunks(500) {
        let rows: Vec<(String, String)> = trace_event::Entity::find()
            .select_only()
            .column(trace_event::Column::Id)
            .column(trace_event::Column::Document)
            .filter(trace_event::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        documents.extend(rows);
    }
    let credit_codes: HashMap<String, String> = seller::Entity::find()
        .select_only()
        .column(seller::Column::Id)
        .column(seller::Column::CreditCode)
        .filter(seller::Column::Id.is_in(seller_ids))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let platforms = platform::Entity::find()
        .filter(platform::Column::Id.is_in(platform_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let pairs: Vec<(String, String)> = claimed
        .iter()
        .map(|s| (s.seller_id.clone(), s.platform_id.clone()))
        .collect();
    let credentials = sealed_credentials(db, &pairs).await?;
    Ok(SendContext {
        documents,
        credit_codes,
        platforms,
        credentials,
    })
}

// ---------------------------------------------------------------------------------------------
// The submission list

/// Filters of the submission list.
#[derive(Clone, Debug, Default)]
pub struct LedgerFilter {
    /// Only this seller's (required for sellers; `None` for an admin reading all).
    pub seller: Option<SellerId>,
    /// Only this state.
    pub status: Option<String>,
    /// Only this platform.
    pub platform_id: Option<String>,
    /// Only this event.
    pub event_id: Option<String>,
    /// Keyset pagination: ids after this one.
    pub after: Option<i64>,
    /// Page size.
    pub limit: u64,
}

/// Submissions matching the filter, in routing order.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &LedgerFilter,
) -> Result<Vec<submission::Model>, StoreError> {
    let mut q = submission::Entity::find()
        .order_by_asc(submission::Column::Id)
        .limit(f.limit);
    if let Some(s) = &f.seller {
        q = q.filter(submission::Column::SellerId.eq(s.as_str()));
    }
    if let Some(s) = &f.status {
        q = q.filter(submission::Column::Status.eq(s.as_str()));
    }
    if let Some(p) = &f.platform_id {
        q = q.filter(submission::Column::PlatformId.eq(p.as_str()));
    }
    if let Some(e) = &f.event_id {
        q = q.filter(submission::Column::EventId.eq(e.as_str()));
    }
    if let Some(a) = f.after {
        q = q.filter(submission::Column::Id.gt(a));
    }
    Ok(q.all(db).await?)
}

/// Whether the event exists and is the seller's (or exists at all, for `None`).
pub async fn event_visible(
    db: &impl ConnectionTrait,
    seller: Option<&SellerId>,
    event_id: &str,
) -> Result<bool, StoreError> {
    let mut q = trace_event::Entity::find().filter(trace_event::Column::Id.eq(event_id));
    if let Some(s) = seller {
        q = q.filter(trace_event::Column::SellerId.eq(s.as_str()));
    }
    Ok(q.count(db).await? > 0)
}

/// Puts a dead or rejected submission back in the queue (the seller's own, or any for `None`).
pub async fn replay_one(
    db: &impl ConnectionTrait,
    seller: Option<&SellerId>,
    id: i64,
) -> Result<submission::Model, StoreError> {
    let mut scope = Condition::all().add(submission::Column::Id.eq(id));
    if let Some(s) = seller {
        scope = scope.add(submission::Column::SellerId.eq(s.as_str()));
    }
    if QUEUE.replay(db, Utc::now(), scope).await? == 0 {
        return Err(StoreError::NotFound("dead or rejected submission"));
    }
    submission::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("submission"))
}

/// Puts every dead submission to a platform back in the queue (the seller's own, or all for
/// `None`). Returns how many.
pub async fn replay_dead(
    db: &impl ConnectionTrait,
    seller: Option<&SellerId>,
    platform_id: &str,
) -> Result<u64, StoreError> {
    get_platform(db, platform_id).await?;
    let mut scope = Condition::all()
        .add(submission::Column::PlatformId.eq(platform_id))
        .add(submission::Column::Status.eq(status::DEAD));
    if let Some(s) = seller {
        scope = scope.add(submission::Column::SellerId.eq(s.as_str()));
    }
    QUEUE.replay(db, Utc::now(), scope).await
}

/// Counts submissions by state (for metrics and tests).
pub async fn count_by_status(
    db: &impl ConnectionTrait,
) -> Result<BTreeMap<String, u64>, StoreError> {
    QUEUE.counts(db).await
}
