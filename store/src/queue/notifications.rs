//! Outgoing notifications to marketplace operators (Standard Webhooks): when a listing's trace
//! state changes, one delivery per active subscription of the platform's operators is queued in
//! the same transaction; the deliverer claims, signs and posts them, and every outcome is written
//! back through the one [`Queue`].

use super::{Claim, Failed, Job, Queue, States};
use crate::StoreError;
use crate::entity::{operator, operator_delivery, operator_subscription};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, PaginatorTrait as _, QueryFilter as _,
    QuerySelect as _, Set,
};
use suyuan_core::retry::RetryPolicy;

/// Delivery states.
pub mod status {
    /// Waiting for its time.
    pub const PENDING: &str = "pending";
    /// Claimed by a deliverer.
    pub const SENDING: &str = "sending";
    /// The subscriber answered 2xx.
    pub const DELIVERED: &str = "delivered";
    /// Given up after the retry budget.
    pub const DEAD: &str = "dead";
}

/// The operator-notification queue (`operator_deliveries`).
pub const QUEUE: Queue<operator_delivery::Entity> = Queue {
    id: operator_delivery::Column::Id,
    status: operator_delivery::Column::Status,
    attempts: operator_delivery::Column::Attempts,
    next_attempt_at: operator_delivery::Column::NextAttemptAt,
    locked_until: operator_delivery::Column::LockedUntil,
    last_error: operator_delivery::Column::LastError,
    finished_at: Some(operator_delivery::Column::DeliveredAt),
    touched_at: None,
    states: States {
        pending: status::PENDING,
        claimed: status::SENDING,
        done: status::DELIVERED,
        dead: status::DEAD,
    },
    replayable: &[status::DEAD],
    cleared_on_replay: &[],
    error_chars: 1000,
};

impl Job for operator_delivery::Model {
    fn claim(&self) -> Claim {
        Claim {
            id: self.id,
            attempts: self.attempts,
        }
    }
}

/// The subscription state that receives notifications.
const ACTIVE: &str = "active";

async fn operators_of(
    db: &impl ConnectionTrait,
    platform: &str,
) -> Result<Vec<String>, StoreError> {
    Ok(operator::Entity::find()
        .select_only()
        .column(operator::Column::Id)
        .filter(operator::Column::Platform.eq(platform))
        .into_tuple()
        .all(db)
        .await?)
}

/// Whether any operator of `platform` has an active subscription.
pub async fn has_subscribers(
    db: &impl ConnectionTrait,
    platform: &str,
) -> Result<bool, StoreError> {
    let operators = operators_of(db, platform).await?;
    if operators.is_empty() {
        return Ok(false);
    }
    Ok(operator_subscription::Entity::find()
        .filter(operator_subscription::Column::OperatorId.is_in(operators))
        .filter(operator_subscription::Column::Status.eq(ACTIVE))
        .count(db)
        .await?
        > 0)
}

/// Queues `payload` (of `event_type`, happened at `now`) for every active subscription of the
/// operators of `platform`, in the caller's transaction; returns how many were queued. The body
/// is `{"type", "timestamp", "data"}`, each message with its own `msg_…` id.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    platform: &str,
    event_type: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let operators = operators_of(db, platform).await?;
    if operators.is_empty() {
        return Ok(0);
    }
    let subs = operator_subscription::Entity::find()
        .filter(operator_subscription::Column::OperatorId.is_in(operators))
        .filter(operator_subscription::Column::Status.eq(ACTIVE))
        .all(db)
        .await?;
    let body =
        serde_json::json!({ "type": event_type, "timestamp": now.to_rfc3339(), "data": payload })
            .to_string();
    let rows = subs
        .iter()
        .map(|sub| operator_delivery::ActiveModel {
            subscription_id: Set(sub.id.clone()),
            message_id: Set(suyuan_core::ids::MessageId::generate().into()),
            event_type: Set(event_type.to_owned()),
            payload: Set(body.clone()),
            created_at: Set(now),
            delivered_at: Set(None),
            ..Default::default()
        })
        .collect();
    QUEUE.enqueue(db, rows, now).await?;
    Ok(subs.len())
}

/// Claims up to `limit` deliveries due at `now`, for `lease`.
pub async fn claim(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
    lease: Duration,
) -> Result<Vec<operator_delivery::Model>, StoreError> {
    QUEUE.claim(db, now, limit, lease).await
}

/// The subscription a delivery goes to (its URL and sealed secret), when it still exists.
pub async fn subscription_of(
    db: &impl ConnectionTrait,
    delivery: &operator_delivery::Model,
) -> Result<Option<operator_subscription::Model>, StoreError> {
    Ok(
        operator_subscription::Entity::find_by_id(delivery.subscription_id.as_str())
            .one(db)
            .await?,
    )
}

/// Whether a subscription still receives notifications.
pub fn is_active(subscription: &operator_subscription::Model) -> bool {
    subscription.status == ACTIVE
}

/// Marks a claimed delivery delivered; `false` when the claim was lost.
pub async fn delivered(
    db: &impl ConnectionTrait,
    delivery: &operator_delivery::Model,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(QUEUE.complete(db, &[delivery.claim()], now).await? == 1)
}

/// Records a failed attempt: retried after `policy`'s backoff, dead after its budget.
pub async fn failed(
    db: &impl ConnectionTrait,
    delivery: &operator_delivery::Model,
    now: DateTime<Utc>,
    reason: &str,
    policy: &RetryPolicy,
) -> Result<Failed, StoreError> {
    QUEUE
        .fail(db, delivery.claim(), now, reason, Some(policy))
        .await
}
