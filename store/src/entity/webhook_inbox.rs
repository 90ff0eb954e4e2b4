//! A webhook delivery as received: stored before it is acknowledged, processed by the worker.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_inbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: String,
    pub seller_id: String,
    pub platform: String,
    pub idempotency_key: String,
    pub topic: String,
    /// The raw body until the delivery is settled, then its redacted form (see `redacted_at`).
    pub body: Vec<u8>,
    pub received_at: DateTimeUtc,
    /// `pending`, `processing`, `done` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub processed_at: Option<DateTimeUtc>,
    /// SHA-256 (hex) of the topic and the signed content; unique per store (see
    /// `suyuan_core::marketplace::Envelope::content_digest`).
    pub content_digest: Option<String>,
    /// SHA-256 (hex) of the body as received, kept when the body is redacted.
    pub body_sha256: Option<String>,
    /// When `body` was replaced by its redacted form.
    pub redacted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
