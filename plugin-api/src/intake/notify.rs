//! Outgoing notifications to marketplace operators (Standard Webhooks, signed): when a listing's
//! trace state changes, one delivery per subscription goes to an outbox in the same transaction
//! ([`suyuan_store::queue::notifications`]); the deliverer here signs and posts them, with
//! retries and backoff.

use base64::Engine as _;
use chrono::Utc;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;
use suyuan_core::retry::{Backoff, RetryPolicy};
use suyuan_core::secrets::SecretKey;
use suyuan_store::entity::operator_delivery;
use suyuan_store::queue::{Failed, notifications};
use suyuan_store::{DatabaseConnection, StoreError};

/// Attempts before an outgoing notification is given up.
pub const MAX_ATTEMPTS: i32 = 10;

/// Retries of a notification: about 2, 4, 8 … seconds apart (with jitter), at most an hour.
pub const RETRY: RetryPolicy = RetryPolicy {
    max_attempts: MAX_ATTEMPTS,
    backoff: Backoff {
        base: Duration::from_secs(4),
        max: Duration::from_secs(3600),
    },
};

/// How many deliveries one claim takes.
const CLAIM_BATCH: u64 = 32;
/// How long a claim holds a delivery (longer than one request may take).
const LEASE: chrono::Duration = chrono::Duration::seconds(60);
/// The longest one notification request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

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

/// Delivers the notifications due now once; returns how many were attempted.
pub async fn deliver_due(
    db: &DatabaseConnection,
    key: &SecretKey,
    client: &reqwest::Client,
    allow_private: bool,
) -> Result<usize, StoreError> {
    let due = notifications::claim(db, Utc::now(), CLAIM_BATCH, LEASE).await?;
    let n = due.len();
    for d in due {
        let result = send(db, key, client, allow_private, &d).await;
        let now = Utc::now();
        let kept = match result {
            Ok(()) => notifications::delivered(db, &d, now).await?,
            Err(reason) => {
                notifications::failed(db, &d, now, &reason, &RETRY).await? != Failed::ClaimLost
            }
        };
        if !kept {
            tracing::warn!(
                delivery_id = d.id,
                "claim lost before the outcome was written (lease ran out)"
            );
        }
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
    let sub = notifications::subscription_of(db, d)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("subscription deleted")?;
    if !notifications::is_active(&sub) {
        return Err("subscription disabled".into());
    }
    let url = crate::netpolicy::check_target(&sub.url, allow_private).await?;
    let secret = String::from_utf8(
        key.open(
            &sub.secret_ciphertext,
            suyuan_store::sealed::subscription_secret(&sub.id),
        )
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
        .timeout(REQUEST_TIMEOUT)
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
        let client = match crate::netpolicy::client(allow_private, None) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "operator notifications cannot build their HTTP client");
                return;
            }
        };
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
