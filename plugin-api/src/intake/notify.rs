//! Outgoing notifications to marketplace operators (Standard Webhooks, signed): when a listing's
//! trace state changes, one delivery per subscription goes to an outbox in the same transaction;
//! a deliverer posts them with retries and backoff.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, Set, Statement,
};
use sha2::Sha256;
use suyuan_core::secrets::SecretKey;
use suyuan_store::entity::{operator, operator_delivery, operator_subscription};
use suyuan_store::{StoreError, inbox};

/// Attempts before an outgoing notification is given up.
pub const MAX_ATTEMPTS: i32 = 10;

/// Signs a Standard Webhooks message: `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`,
/// the key being the base64 after `whsec_`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .map_err(|e| format!("secret is not base64: {e}"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Whether any operator of `platform` has an active subscription.
pub async fn has_subscribers(
    db: &impl ConnectionTrait,
    platform: &str,
) -> Result<bool, StoreError> {
    use sea_orm::{PaginatorTrait as _, QuerySelect as _};
    let operators: Vec<String> = operator::Entity::find()
        .select_only()
        .column(operator::Column::Id)
        .filter(operator::Column::Platform.eq(platform))
        .into_tuple()
        .all(db)
        .await?;
    if operators.is_empty() {
        return Ok(false);
    }
    Ok(operator_subscription::Entity::find()
        .filter(operator_subscription::Column::OperatorId.is_in(operators))
        .filter(operator_subscription::Column::Status.eq("active"))
        .count(db)
        .await?
        > 0)
}

/// Queues `payload` (of `event_type`) for every active subscription of the operators of
/// `platform`, inside the caller's transaction.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    platform: &str,
    event_type: &str,
    payload: &serde_json::Value,
) -> Result<usize, StoreError> {
    let operators: Vec<String> = operator::Entity::find()
        .filter(operator::Column::Platform.eq(platform))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    if operators.is_empty() {
        return Ok(0);
    }
    let subs = operator_subscription::Entity::find()
        .filter(operator_subscription::Column::OperatorId.is_in(operators))
        .filter(operator_subscription::Column::Status.eq("active"))
        .all(db)
        .await?;
    let now = Utc::now();
    for sub in &subs {
        let message_id = format!("msg_{}", ulid::Ulid::new());
        let body = serde_json::json!({ "type": event_type, "timestamp": now.to_rfc3339(), "data": payload });
        operator_delivery::ActiveModel {
            subscription_id: Set(sub.id.clone()),
            message_id: Set(message_id),
            event_type: Set(event_type.to_owned()),
            payload: Set(body.to_string()),
            status: Set("pending".into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_error: Set(None),
            created_at: Set(now),
            delivered_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(subs.len())
}

async fn claim(
    db: &DatabaseConnection,
    limit: i64,
) -> Result<Vec<operator_delivery::Model>, StoreError> {
    let backend = db.get_database_backend();
    let pg = backend == DbBackend::Postgres;
    let (p1, p2, p3) = if pg {
        ("$1", "$2", "$3")
    } else {
        ("?", "?", "?")
    };
    let lock = if pg { "FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE operator_deliveries SET status = 'sending', attempts = attempts + 1, next_attempt_at = {p1} \
         WHERE id IN (SELECT id FROM operator_deliveries WHERE (status = 'pending' OR status = 'sending') AND next_attempt_at <= {p2} \
         ORDER BY id LIMIT {p3} {lock}) RETURNING *"
    );
    let now = Utc::now();
    let lease: DateTime<Utc> = now + chrono::Duration::seconds(60);
    let stmt =
        Statement::from_sql_and_values(backend, sql, [lease.into(), now.into(), limit.into()]);
    Ok(operator_delivery::Entity::find()
        .from_raw_sql(stmt)
        .all(db)
        .await?)
}

/// Delivers due notifications once; returns how many were attempted.
pub async fn deliver_due(
    db: &DatabaseConnection,
    key: &SecretKey,
    client: &reqwest::Client,
    allow_private: bool,
) -> Result<usize, StoreError> {
    let due = claim(db, 32).await?;
    let n = due.len();
    for d in due {
        let result = send(db, key, client, allow_private, &d).await;
        let mut am: operator_delivery::ActiveModel = d.clone().into();
        match result {
            Ok(()) => {
                am.status = Set("delivered".into());
                am.delivered_at = Set(Some(Utc::now()));
                am.last_error = Set(None);
            }
            Err(reason) => {
                let dead = d.attempts >= MAX_ATTEMPTS;
                am.status = Set(if dead { "dead" } else { "pending" }.into());
                am.next_attempt_at = Set(Utc::now() + inbox::backoff(d.attempts));
                am.last_error = Set(Some(reason.chars().take(1000).collect()));
            }
        }
        am.update(db).await?;
    }
    Ok(n)
}

async fn send(
    db: &DatabaseConnection,
    key: &SecretKey,
    client: &reqwest::Client,
    allow_private: bool,
    d: &operator_delivery::Model,
) -> Result<(), String> {
    let sub = operator_subscription::Entity::find_by_id(d.subscription_id.as_str())
        .one(db)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("subscription deleted")?;
    if sub.status != "active" {
        return Err("subscription disabled".into());
    }
    let url = crate::netpolicy::check_target(&sub.url, allow_private).await?;
    let secret = String::from_utf8(
        key.open(&sub.secret_ciphertext)
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let timestamp = Utc::now().timestamp();
    let signature = sign(&secret, &d.message_id, timestamp, &d.payload)?;
    let res = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &d.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.payload.clone())
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(format!("answered {}", res.status()))
    }
}

/// Starts the deliverer loop.
pub fn spawn(
    db: DatabaseConnection,
    key: SecretKey,
    allow_private: bool,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        loop {
            match deliver_due(&db, &key, &client, allow_private).await {
                Ok(0) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "operator notification delivery failed");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_matches_the_official_standard_webhooks_vector() {
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            "{\"test\": 2432232314}",
        )
        .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
