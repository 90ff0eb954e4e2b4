//! Outgoing e-mail as durable jobs (`mail_outbox`): one job per message, claimed by the mail
//! sender, retried with backoff and dead-lettered after its budget through the one [`Queue`].
//!
//! A job names what its message is about (a `kind` and the ids in its `payload`); the message is
//! written when it is sent, from the rows as they are then. So no address, claim link or body is
//! copied into the queue, and a reminder of a transfer claimed meanwhile is skipped, not sent.
//!
//! Alert, recall and digest mails ([`enqueue_once`]) name their recipient by id (the address is
//! read when the mail is sent) and carry what the mail reports (an alert's summary, a digest's
//! period) as JSON the mail module reads back; each is queued at most once for its idempotency
//! key (`alert:<alert id>:<recipient>`, `seller_digest:<seller>:2026-12-05`, …).

use super::{Claim, Failed, Job, Queue, States};
use crate::StoreError;
use crate::entity::mail_job;
use crate::transfers::{self, Transfer};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, Set, TransactionTrait as _};
use serde::{Deserialize, Serialize};
use suyuan_core::ids::SellerId;
use suyuan_core::retry::RetryPolicy;

/// Mail job states.
pub mod status {
    /// Waiting for its time.
    pub const PENDING: &str = "pending";
    /// Claimed by a sender.
    pub const SENDING: &str = "sending";
    /// Handed to the mail relay.
    pub const SENT: &str = "sent";
    /// Not sent: by the time it was due there was nothing to say (the transfer was claimed).
    pub const SKIPPED: &str = "skipped";
    /// Given up after the retry budget, or refused for good by the relay.
    pub const DEAD: &str = "dead";
}

/// What a message is.
pub mod kind {
    /// A reminder to the buyer of an unclaimed B2B transfer, with its claim link.
    pub const TRANSFER_REMINDER: &str = "transfer_reminder";
    /// An improvement alert, sent at once.
    pub const ALERT: &str = "alert";
    /// A recall notice to an affected seller, sent at once.
    pub const RECALL: &str = "recall";
    /// A seller's daily digest.
    pub const SELLER_DIGEST: &str = "seller_digest";
    /// A supervisor's weekly digest of its jurisdiction.
    pub const SUPERVISOR_DIGEST: &str = "supervisor_digest";
    /// An invitation to set a password (the link's token is read from `account_links`).
    pub const INVITATION: &str = "invitation";
    /// A single-use sign-in link.
    pub const MAGIC_LINK: &str = "magic_link";
}

/// The mail queue (`mail_outbox`).
pub const QUEUE: Queue<mail_job::Entity> = Queue {
    id: mail_job::Column::Id,
    status: mail_job::Column::Status,
    attempts: mail_job::Column::Attempts,
    next_attempt_at: mail_job::Column::NextAttemptAt,
    locked_until: mail_job::Column::LockedUntil,
    last_error: mail_job::Column::LastError,
    finished_at: Some(mail_job::Column::SentAt),
    touched_at: None,
    states: States {
        pending: status::PENDING,
        claimed: status::SENDING,
        done: status::SENT,
        dead: status::DEAD,
    },
    replayable: &[status::DEAD],
    cleared_on_replay: &[],
    error_chars: 1000,
};

impl Job for mail_job::Model {
    fn claim(&self) -> Claim {
        Claim {
            id: self.id,
            attempts: self.attempts,
        }
    }
}

/// The payload of a transfer reminder: the transfer, and its sender (whose view reads it).
#[derive(Debug, Serialize, Deserialize)]
struct TransferReminder {
    transfer_id: String,
    sender_id: String,
}

/// What recording a due reminder did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reminded {
    /// Another worker recorded this reminder first: nothing done.
    Already,
    /// Recorded on the transfer (the buyer sees it in the app).
    InApp,
    /// Recorded, and its e-mail queued.
    Queued,
}

/// Records that a reminder of `t` goes out at `now` and, when `email`, queues its e-mail in the
/// same transaction (so a reminder is never counted without its e-mail, nor mailed twice).
pub async fn record_reminder(
    db: &DatabaseConnection,
    t: &Transfer,
    now: DateTime<Utc>,
    email: bool,
) -> Result<Reminded, StoreError> {
    let txn = db.begin().await?;
    if !transfers::mark_reminded(&txn, t, now).await? {
        txn.rollback().await?;
        return Ok(Reminded::Already);
    }
    if !email {
        txn.commit().await?;
        return Ok(Reminded::InApp);
    }
    let payload = serde_json::to_string(&TransferReminder {
        transfer_id: t.row.id.clone(),
        sender_id: t.row.from_seller_id.clone(),
    })
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    enqueue(&txn, kind::TRANSFER_REMINDER, payload, now).await?;
    txn.commit().await?;
    Ok(Reminded::Queued)
}

/// The payload of an alert, recall or digest mail: who it goes to, and what it reports.
#[derive(Debug, Serialize, Deserialize)]
pub struct Addressed {
    /// The recipient's prefixed id (`sel_…`, `sup_…`).
    pub recipient: String,
    /// What the mail reports, as the mail module wrote it.
    pub message: serde_json::Value,
}

/// Queues a mail of `kind` to `recipient` reporting `message`, due at `now`, unless a mail with
/// `idem_key` was queued before (by this or another instance): `true` when queued now.
pub async fn enqueue_once(
    db: &impl sea_orm::ConnectionTrait,
    kind: &str,
    idem_key: &str,
    recipient: &str,
    message: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use sea_orm::EntityTrait as _;
    let payload = serde_json::to_string(&Addressed {
        recipient: recipient.to_owned(),
        message,
    })
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let row = QUEUE.pending(
        mail_job::ActiveModel {
            kind: Set(kind.to_owned()),
            payload: Set(payload),
            created_at: Set(now),
            sent_at: Set(None),
            idem_key: Set(Some(idem_key.to_owned())),
            ..Default::default()
        },
        now,
    )?;
    let inserted = mail_job::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(mail_job::Column::IdemKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// The recipient and message of an alert, recall or digest job (`Corrupt` for a transfer
/// reminder or an unreadable payload).
pub fn addressed(job: &mail_job::Model) -> Result<Addressed, StoreError> {
    if job.kind == kind::TRANSFER_REMINDER {
        return Err(StoreError::Corrupt(format!(
            "mail job {}: a transfer reminder names no recipient",
            job.id
        )));
    }
    serde_json::from_str(&job.payload)
        .map_err(|e| StoreError::Corrupt(format!("mail job {}: {e}", job.id)))
}

/// Queues one message of `kind` about `payload`, due at `now`.
async fn enqueue(
    db: &impl sea_orm::ConnectionTrait,
    kind: &str,
    payload: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = mail_job::ActiveModel {
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    };
    QUEUE.enqueue(db, vec![row], now).await
}

/// Claims up to `limit` messages due at `now`, for `lease`.
pub async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    limit: u64,
    lease: Duration,
) -> Result<Vec<mail_job::Model>, StoreError> {
    QUEUE.claim(db, now, limit, lease).await
}

/// Renews the leases of claimed messages still being sent (see [`super::Heartbeat`]).
pub async fn extend(
    db: &DatabaseConnection,
    claims: &[super::Claim],
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<u64, StoreError> {
    QUEUE.extend(db, claims, now, lease).await
}

/// The transfer a reminder job is about, as its sender sees it (`Corrupt` for a job of another
/// kind or an unreadable payload, `NotFound` when the transfer is gone).
pub async fn transfer_of(
    db: &DatabaseConnection,
    job: &mail_job::Model,
) -> Result<Transfer, StoreError> {
    if job.kind != kind::TRANSFER_REMINDER {
        return Err(StoreError::Corrupt(format!(
            "mail job {}: `{}` is not a transfer reminder",
            job.id, job.kind
        )));
    }
    let payload: TransferReminder = serde_json::from_str(&job.payload)
        .map_err(|e| StoreError::Corrupt(format!("mail job {}: {e}", job.id)))?;
    let sender = SellerId::parse(&payload.sender_id)
        .map_err(|e| StoreError::Corrupt(format!("mail job {}: {e}", job.id)))?;
    transfers::get_for(db, &sender, &payload.transfer_id).await
}

/// Marks a claimed message sent; `false` when the claim was lost.
pub async fn sent(
    db: &DatabaseConnection,
    job: &mail_job::Model,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(QUEUE.complete(db, &[job.claim()], now).await? == 1)
}

/// Marks a claimed message skipped, saying why; `false` when the claim was lost.
pub async fn skipped(
    db: &DatabaseConnection,
    job: &mail_job::Model,
    now: DateTime<Utc>,
    why: &str,
) -> Result<bool, StoreError> {
    QUEUE
        .settle(db, job.claim(), now, status::SKIPPED, Some(why), Vec::new())
        .await
}

/// Records a failed attempt: retried after `policy`'s backoff and dead after its budget, or
/// dead at once without a policy (the relay refused the message for good).
pub async fn failed(
    db: &DatabaseConnection,
    job: &mail_job::Model,
    now: DateTime<Utc>,
    reason: &str,
    policy: Option<&RetryPolicy>,
) -> Result<Failed, StoreError> {
    QUEUE.fail(db, job.claim(), now, reason, policy).await
}

/// Dead-lettered messages, newest first.
pub async fn dead_letters(
    db: &DatabaseConnection,
    limit: u64,
) -> Result<Vec<mail_job::Model>, StoreError> {
    QUEUE
        .dead_letters(db, sea_orm::Condition::all(), limit)
        .await
}

/// Puts a dead-lettered message back in the queue, due at `now`, with its attempts reset.
pub async fn replay(
    db: &DatabaseConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use sea_orm::ColumnTrait as _;
    let replayed = QUEUE
        .replay(
            db,
            now,
            sea_orm::Condition::all().add(mail_job::Column::Id.eq(id)),
        )
        .await?;
    if replayed == 0 {
        Err(StoreError::NotFound("dead-lettered message"))
    } else {
        Ok(())
    }
}

/// How many messages are in each state.
pub async fn counts(
    db: &DatabaseConnection,
) -> Result<std::collections::BTreeMap<String, u64>, StoreError> {
    QUEUE.counts(db).await
}
