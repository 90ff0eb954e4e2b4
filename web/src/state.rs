//! The state every handler reaches through `web::Data<AppState>`.

use crate::metrics::Metrics;
use std::sync::Arc;
use suyuan_core::catalogue::Catalogue;
use suyuan_core::secrets::SecretKey;
use suyuan_store::Db;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: Db,
    /// The catalogue of products needing traceability.
    pub catalogue: Arc<Catalogue>,
    /// Where people and QR codes reach this service.
    pub public_url: String,
    /// Seals secrets at rest.
    pub secret_key: SecretKey,
    /// Metrics registry.
    pub metrics: Metrics,
    /// Store credentials recently looked up by the receivers.
    pub shop_cache: suyuan_store::shop_cache::ShopCache,
    /// Group-commit writer of the webhook inbox.
    pub inbox_writer: suyuan_store::writer::InboxWriter,
    /// Woken when new deliveries are committed (or replayed).
    pub inbox_notify: Arc<tokio::sync::Notify>,
    /// Whether outgoing requests may reach private and loopback addresses.
    pub allow_private_targets: bool,
    /// Rendered badges, reused for a short time.
    pub badge_cache: crate::cache::BadgeCache,
    /// Fair queue of the background writers on SQLite.
    pub write_gate: suyuan_store::writer::WriteGate,
    /// Anonymous scan counting, written in batches.
    pub scans: suyuan_store::scans::ScanRecorder,
    /// Assembled trace-page data, reused for a few seconds.
    pub page_cache: crate::cache::PageCache,
    /// B2B transfers: claim-link validity and sign-in lifetime.
    pub transfers: TransferSettings,
    /// How far in the past an event time may lie without a reason (`SUYUAN_MAX_BACKDATE`).
    pub max_backdate: chrono::Duration,
    /// Webhook intake: the replay window and how long dead letters keep their raw body.
    pub webhooks: WebhookSettings,
}

/// Settings of the webhook intake.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// How far a signed send time may be from the server's clock (Standard Webhooks).
    pub replay_window: std::time::Duration,
    /// How long a dead-lettered delivery keeps its raw body for replay before it is redacted.
    pub dead_letter_keep: chrono::Duration,
}

impl Default for WebhookSettings {
    /// Five minutes; thirty days.
    fn default() -> Self {
        WebhookSettings {
            replay_window: std::time::Duration::from_secs(5 * 60),
            dead_letter_keep: chrono::Duration::days(30),
        }
    }
}

impl AppState {
    /// Whether people reach this service over https: its cookies are then `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Settings of B2B transfers and the seller pages.
#[derive(Clone, Debug)]
pub struct TransferSettings {
    /// How long a claim link stays valid.
    pub ttl: chrono::Duration,
    /// Lifetime of the sign-in a claim page's sign-up grants.
    pub session_ttl: std::time::Duration,
}
